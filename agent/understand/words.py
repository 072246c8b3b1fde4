"""Function words of Indonesian and English chat: words that carry no subject of their own.

A word outside this list, the lexicon, periods and names is content the parser did not use, and the
answer says so instead of silently dropping it.
"""

from __future__ import annotations

FUNCTION_WORDS: frozenset[str] = frozenset(
    """
    a an the of for to in on at by with from about into over under and or but not no yes is are was were be
    been being do does did done have has had i me my we us our ours you your he she it its they them their
    this that these those there here what which who whom whose when where why how much many please pls
    thanks thank hi hello hey ok okay can could would should will shall may might must show give tell
    list get see check let lets know want need like just also only all any some each every so as if then
    than now currently right today still yet again more most less least very really quite about around
    number total amount value figure figures overall current status report data info information update
    me up out new long same likewise too latest recent well good morning afternoon evening sir madam boss
    team factory between other others rest ones date dates haven hasn didn doesn don isn aren wasn weren
    plant company our company
    yang dan atau tapi tetapi tidak bukan ya iya sudah belum akan sedang masih lagi juga saja aja dong
    deh sih kok nih tuh lah kah pun ini itu tersebut sini situ mana apa apakah siapa kapan dimana kemana
    bagaimana gimana gmana kenapa mengapa berapa berapakah seberapa brp ada adalah ialah yaitu untuk buat
    bagi dari ke di pada dalam dengan oleh sama antara tentang soal terhadap sampai hingga sejak selama
    saya aku kami kita anda kamu bapak ibu pak bu mas mbak kak tolong mohon coba minta bisa boleh bisakah
    bisa tolong kasih berikan tampilkan tunjukkan lihat cek info informasi data laporan jumlah total nilai
    angka semua seluruh sekarang saat kini terkini terbaru update kondisi keadaan posisi mau ingin perlu
    harus punya kalau kalo jika bila agar supaya karena sehingga lalu terus kemudian nya pabrik perusahaan
    selamat pagi siang sore malam halo hai terima kasih makasih thanks tks oke ok sip baik lain lainnya
    sisanya selebihnya tanggal tgl suka sering biasanya sepanjang selama
    """.split()
)
