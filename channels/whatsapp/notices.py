"""Short fixed texts the WhatsApp door sends, in Indonesian and English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "unknown": {
        "id": "Nomor ini tidak terdaftar untuk Sentient Factory. Hubungi admin pabrik.",
        "en": "This number is not registered for Sentient Factory. Please contact the factory admin.",
    },
    "media": {
        "id": "Maaf, untuk saat ini hanya pesan teks yang didukung.",
        "en": "Sorry, text only for now: please type your question.",
    },
    "too_long": {
        "id": "Pesan terlalu panjang. Mohon kirim pertanyaan yang lebih singkat.",
        "en": "That message is too long. Please send a shorter question.",
    },
    "throttled": {
        "id": "Terlalu banyak pesan dalam waktu singkat. Mohon tunggu sebentar lalu coba lagi.",
        "en": "Too many messages in a short time. Please wait a minute and try again.",
    },
    "stopped": {
        "id": "Anda tidak akan menerima pesan lagi. Kirim MULAI untuk mengaktifkan kembali.",
        "en": "You will no longer receive messages. Send START to turn them back on.",
    },
    "started": {
        "id": "Pesan WhatsApp diaktifkan kembali. Silakan bertanya.",
        "en": "WhatsApp messages are on again. Ask away.",
    },
    "otp_sent": {
        "id": "Demi keamanan, kode 6 digit dikirim ke {email}. Balas dengan kode itu (berlaku 5 menit).",
        "en": "For your security we e-mailed a 6-digit code to {email}. Reply with it (valid for 5 minutes).",
    },
    "otp_pending": {
        "id": "Mohon balas dengan kode 6 digit yang kami kirim ke {email}.",
        "en": "Please reply with the 6-digit code we e-mailed to {email}.",
    },
    "otp_ok": {
        "id": "Nomor terverifikasi. Silakan ajukan pertanyaan Anda.",
        "en": "Number confirmed. Ask your question.",
    },
    "otp_wrong": {
        "id": "Kode salah. Sisa percobaan: {left}.",
        "en": "Wrong code. Tries left: {left}.",
    },
    "otp_locked": {
        "id": "Terlalu banyak percobaan. Coba lagi setelah 15 menit.",
        "en": "Too many tries. Try again in 15 minutes.",
    },
    "otp_mail_failed": {
        "id": "Kode verifikasi belum bisa dikirim. Coba lagi nanti.",
        "en": "We could not send the confirmation code. Please try again later.",
    },
    "photo_unreadable": {
        "id": "Maaf, kode alarm di foto tidak terbaca. Mohon ketik kodenya (misalnya E-410) atau kirim "
        "foto layar yang lebih dekat dan lurus.",
        "en": "Sorry, I could not read an alarm code in the photo. Please type the code (e.g. E-410) or "
        "send a closer, straighter photo of the screen.",
    },
    "photo_unknown_code": {
        "id": "Terbaca: {code}, tetapi kode itu tidak ada di manual mesin. Mohon ketik kode alarm yang "
        "tampil di layar (misalnya E-410).",
        "en": "Read: {code}, but that code is not in the machine manuals. Please type the alarm code shown "
        "on the screen (e.g. E-410).",
    },
    "empty": {
        "id": "Silakan ketik pertanyaan Anda.",
        "en": "Please type your question.",
    },
}

STOP_WORDS = {"stop", "berhenti", "unsubscribe", "stopall"}
START_WORDS = {"start", "mulai", "unstop", "subscribe"}


def text(key: str, lang: str | None, **values: str) -> str:
    """The text for `key` in `lang`; both languages when the language is not known."""
    options = TEXTS[key]
    if lang in options:
        return options[lang].format(**values)
    return f"{options['id'].format(**values)}\n{options['en'].format(**values)}"
