"""Which language a question is in: Indonesian or English, by marker words; ties go to the user's own."""

from __future__ import annotations

import re

ID_WORDS = frozenset(
    "apa berapa brp bagaimana gimana gmn kapan siapa mana yang dan atau di ke dari ini itu bulan hari minggu "
    "tahun lalu kemarin sudah udah belum blm sdh tolong mohon kasih tahu tampilkan lihat cek pesanan "
    "penjualan jualan stok gudang mesin piutang hutang utang kas saldo terlambat telat dikirim pengiriman "
    "pelanggan pemasok barang produksi perawatan peringatan ringkasan untuk dengan kalau kalo ada tidak "
    "nggak gak enggak dong ya sih aja saja terus lagi semua masih baru sekarang besok per tiap terbesar "
    "persetujuan menunggu berapakah bagaimanakah seberapa jatuh tempo nilai kinerja tinggi rendah menipis "
    "apakah bisa minta tolong hasil hitung total jumlah laporan kondisi pabrik skor tagihan sisa "
    "performa dibanding dibandingkan bandingkan banding lebih paling juga sama sampai sejak selama sepanjang "
    "masing kenapa mengapa karena buat kok".split()
)
EN_WORDS = frozenset(
    "what how much many when who which where is are was were the a an of in on for to from this that last "
    "month week year today yesterday show tell me give list check order orders sales stock machine "
    "machines cash balance late delayed shipped delivered customer customers supplier suppliers "
    "pending approval approvals receivables payables overdue due please our we us do does did any "
    "all top biggest best and or with about what's how's whats hows summary progress alerts inventory "
    "performance can could would you next days by".split()
    # "reject rate", "output", "downtime" and "per" are as much Indonesian shop-floor words as English
)


def detect_language(text: str, preferred: str = "id") -> str:
    """'id' or 'en' for a message; the user's preferred language when the words do not tell."""
    words = re.findall(r"[a-z']+", text.lower())
    score_id = sum(w in ID_WORDS for w in words)
    score_en = sum(w in EN_WORDS for w in words)
    if score_id == score_en:
        return preferred if preferred in ("id", "en") else "id"
    return "id" if score_id > score_en else "en"
