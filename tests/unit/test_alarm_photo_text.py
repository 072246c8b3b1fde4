"""What an alarm-screen reading keeps from Tesseract's text: the first error code, normalised, the words
after it, and the manual heading's spelling when OCR mangled them (no Tesseract needed here)."""

from __future__ import annotations

import pytest

from channels.whatsapp.alarm_photo import Reading, find_code, spelled_as

HEADINGS = ["E-410 Wire feed fault", "E-410 Gangguan pengumpanan kawat (wire feed fault)", "4. Error codes"]


@pytest.mark.parametrize(
    ("text", "code", "label"),
    [
        ("ALARM MCH-003 12:41\nE-410 Wire feed fault\nPress RESET", "E-410", "Wire feed fault"),
        ("“E410Wirefeedfault =", "E-410", "Wirefeedfault"),
        ("£-410 Wire feed fault", "E-410", "Wire feed fault"),  # OCR's pound sign for a screen-font E
        ("e 305 barrel temperature", "E-305", "barrel temperature"),
        ("ALARM MCH-003 12:41\nPress RESET", None, ""),  # a machine code is not an error code
    ],
)
def test_the_first_error_code_and_its_words_are_read(text: str, code: str | None, label: str) -> None:
    assert find_code(text) == Reading(code, label)


def test_a_mangled_label_takes_the_manuals_spelling_and_a_different_one_stays() -> None:
    assert spelled_as(Reading("E-410", "Witefeedfautt"), HEADINGS).shown == "E-410 Wire feed fault"
    assert spelled_as(Reading("E-410", "Pump overheated"), HEADINGS).shown == "E-410 Pump overheated"
    assert spelled_as(Reading("E-410", "Wirefeedfault"), []).label == "Wirefeedfault"
