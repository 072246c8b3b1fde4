"""Patterns for the input checks, English and Indonesian, matched against lower-cased folded text.

Each pattern names an attack shape rather than a payload, so that paraphrases are caught; benign
questions of the golden set (eval/golden/golden.jsonl) must never match (tests check that).
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

_PRIOR = r"(?:previous|prior|preceding|above|earlier|initial|original|all|any|your|those|these|the)"
_RULES = r"(?:instructions?|prompts?|rules?|directions?|guidelines?|commands?|constraints?|restrictions?)"
_ID_RULES = r"(?:instruksi|perintah|aturan|arahan|prompt|panduan|batasan)"
_SYS = r"(?:system|sys|initial|original|hidden|secret|developer|starting|internal)"

# name -> pattern; the first match names the verdict's reason.
INJECTION: list[tuple[str, re.Pattern[str]]] = [
    (
        "ignore previous instructions",
        re.compile(
            rf"\b(?:ignore|disregard|forget|skip|override|bypass|drop|abandon)\b.{{0,30}}\b{_PRIOR}\b"
            rf"(?:\s+\w+){{0,3}}\s+{_RULES}",
            _I,
        ),
    ),
    (
        "forget the rules",
        re.compile(r"\b(?:forget|ignore|disregard)\b.{0,40}\b(?:rules?|instructions?|restrictions?)\b", _I),
    ),
    (
        "abaikan instruksi",
        re.compile(
            rf"\b(?:abaikan|lupakan|acuhkan|hiraukan|jangan (?:ikuti|patuhi|hiraukan)|langgar)\b.{{0,40}}"
            rf"\b{_ID_RULES}\b",
            _I,
        ),
    ),
    ("system prompt", re.compile(rf"\b{_SYS}[ _-]?(?:prompt|message|instructions?|config\w*)\b", _I)),
    ("systemprompt identifier", re.compile(r"\bsystem_?prompt\b|<\s*/?\s*system", _I)),
    ("prompt sistem", re.compile(r"\b(?:prompt|pesan|instruksi) (?:sistem|awal|rahasia|tersembunyi)\b", _I)),
    (
        "reveal instructions",
        re.compile(
            r"\b(?:repeat|reveal|show|print|output|display|tell|give|list|dump|leak|encode|translate|spell)\b"
            r".{0,40}\b(?:your|the|my|those|these|initial|original)\s+(?:\w+\s+){0,2}"
            r"(?:instructions?|prompt|directives?|configuration|initialization)\b",
            _I,
        ),
    ),
    (
        "what were you told",
        re.compile(
            r"\b(?:what (?:were|was) you (?:told|instructed|given)|you were (?:told|instructed|given)"
            r"|i was instructed|my instructions are|not supposed to tell|initiali[sz]ation string"
            r"|text (?:above|before)|above text|everything above|conversation (?:back|word for word))",
            _I,
        ),
    ),
    (
        "tampilkan instruksi",
        re.compile(
            rf"\b(?:ulangi|tampilkan|tunjukkan|sebutkan|tuliskan|bocorkan|cetak|terjemahkan|beritahu)\b"
            rf".{{0,30}}\b{_ID_RULES}\b.{{0,20}}\b(?:kamu|anda|mu|awal|sistem|rahasia)\b",
            _I,
        ),
    ),
    (
        "you are now",
        re.compile(
            r"\b(?:you are|you're|ur) (?:now|no longer|going to be|free)\b|\bfrom now on\b"
            r"|\b(?:act|behave|respond) as (?:if|though|an?)\b|\bpretend (?:to be|you|that)\b"
            r"|\bimagine (?:you are|you're|that you)\b|\broleplay\b|\brole-play\b|\bplay the role\b",
            _I,
        ),
    ),
    (
        "kamu sekarang",
        re.compile(
            r"\b(?:kamu|anda) (?:sekarang|kini) (?:adalah|jadi|menjadi|bebas)\b|\bmulai sekarang\b.{0,30}"
            r"\b(?:kamu|anda)\b|\b(?:berpura-pura|pura-pura|berperan sebagai|anggap (?:kamu|anda|dirimu))\b",
            _I,
        ),
    ),
    (
        "jailbreak mode",
        re.compile(
            r"\b(?:dan|developer|debug|maintenance|god|admin|sudo|unrestricted|jailbreak|system) mode\b"
            r"|\bmode (?:developer|debug|admin|bebas|tanpa batas)\b|\bjailbreak\w*\b|\bdo anything now\b"
            r"|\b(?:no|without) (?:special )?(?:restrictions|filters?|filtering|limits|rules)\b"
            r"|\badministrator override\b|\[(?:system|admin|instruction)",
            _I,
        ),
    ),
    (
        "new instructions",
        re.compile(
            r"\b(?:new|updated|real|actual|override) (?:instructions?|rules?|task)\s*:"
            r"|^\s*(?:system|assistant)\s*:",
            _I | re.MULTILINE,
        ),
    ),
    (
        "credential fishing",
        re.compile(
            r"\b(?:your|the system'?s?|our system'?s?|admin|the) (?:password|passcode|secret(?: key)?|api key"
            r"|access code|credentials?)\b|\bsecret (?:key|word|code)\b|\b(?:kata sandi|password|rahasia)"
            r" (?:kamu|anda|sistem|admin)\b",
            _I,
        ),
    ),
    (
        "ignore the above",
        re.compile(
            r"\b(?:ignore|disregard|forget)\b (?:about )?(?:all )?(?:of )?"
            r"(?:the above|that|this|everything|what i said)"
            r"|\bregardless of (?:previous|prior|your|the above|any)\b|\bvergessen sie\b|\bignorez\b",
            _I,
        ),
    ),
    (
        "mode switch",
        re.compile(
            r"\b(?:enter|entering|activate|activating|switch(?:ing)? to|now in|masuk ke|aktifkan)\b"
            r".{0,40}\bmode\b"
            r"|\boverride (?:mode|confirmed)\b|\bsystem override\b",
            _I,
        ),
    ),
    (
        "authority claim",
        re.compile(
            r"\b(?:i am|i'm|im)\s+(?:your |the |a |an )?(?:god|developer|creator|programmer|president|"
            r"police officer|law enforcement|owner of this (?:ai|bot|system)|boss of this)\b",
            _I,
        ),
    ),
    (
        "hypothetical framing",
        re.compile(
            r"\bimagine (?:we're|we are|that we|a world)\b|\bin this (?:future|society|world|scenario)\b"
            r"|\bhypothetical (?:discussion|conversation|scenario)\b|\bfor a hypothetical\b",
            _I,
        ),
    ),
    (
        "encoding smuggling",
        re.compile(
            r"\b(?:pig latin|morse code|caesar cipher|hexadecimal string|binary string|interlace|"
            r"decode this|reverse the (?:text|letters|string))\b",
            _I,
        ),
    ),
    (
        "payload splitting",
        re.compile(
            r"\b(?:we have (?:two|three|four|\d) strings|z = a \+ b|combine a, b|part 1 is|part 1:)",
            _I,
        ),
    ),
    ("few-shot transcript", re.compile(r"(?:^|\s)q:.{0,400}\sa:.{0,400}\sq:", _I | re.DOTALL)),
    (
        "credential fishing (other languages)",
        re.compile(
            r"\b(?:contraseña|mot de passe|passwort|senha|passphrase|confidential string|password (?:for|of) "
            r"(?:our|the|this) system)\b|\bwhat(?:'s| is) (?:the|your|our) password\b|\bla password\b",
            _I,
        ),
    ),
    (
        "personal data fishing",
        re.compile(
            r"\bphishing\b|\bthe user'?s (?:\w+ )?"
            r"(?:initials|birth\w*|e-?mail|address|name|favou?rite|city|location)\b"
            r"|\bwhere does \w+(?: \w+)? live\b|\bcity of residence\b|\bpersonal data\b",
            _I,
        ),
    ),
    (
        "ignore instructions (other languages)",
        re.compile(
            r"\b(?:instruções anteriores|instrucciones anteriores|vorherigen anweisungen"
            r"|instructions précédentes|istruzioni precedenti)\b",
            _I,
        ),
    ),
    ("rot13 or encoded output", re.compile(r"\b(?:rot13|rot-13|base64|base 64|hex[- ]?encode)\b", _I)),
]

# Attempts to see another role's data by naming a user or role rather than claiming one.
CROSS_ROLE: list[tuple[str, re.Pattern[str]]] = [
    (
        "impersonation",
        re.compile(
            r"\b(?:log ?in as|login as|switch (?:my )?(?:role|user|account) to|on behalf of"
            r"|as if i (?:were|was)|masuk sebagai|ganti (?:peran|role|akun|user) (?:ke|jadi|menjadi)"
            r"|atas nama)\b",
            _I,
        ),
    ),
    (
        "other user's data",
        re.compile(
            r"\b(?:another|other) (?:user|role|department)'?s? (?:data|dashboard|figures|numbers)\b"
            r"|\bdata (?:user|pengguna|peran|role) lain\b",
            _I,
        ),
    ),
]

# (pattern, role-code prefix): a sender claiming a role. "as of" and "as a result" must not count.
_DIRECTOR = r"(?:the )?(?:director|direktur|ceo|owner|pemilik|bos|boss|direksi)"
_ADMIN = r"(?:the )?(?:admin|administrator|sysadmin|superuser|root)"
_MANAGER = r"(?:the )?(?:manager|manajer)"
ROLE_CLAIMS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            rf"\b(?:i am|i'm|im|as|acting as|saya|aku|gue|gw|sebagai)(?: ini| adalah| a| an)? {_DIRECTOR}\b"
        ),
        "DIRECTOR",
    ),
    (
        re.compile(
            rf"\b(?:i am|i'm|im|as|acting as|saya|aku|gue|gw|sebagai)(?: ini| adalah| a| an)? {_ADMIN}\b"
        ),
        "SYSADMIN",
    ),
    (
        re.compile(rf"\b(?:i am|i'm|im|acting as|saya|aku|sebagai)(?: ini| adalah| a| an)? {_MANAGER}\b"),
        "MANAGER",
    ),
]
