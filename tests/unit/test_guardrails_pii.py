"""PII masking before a non-local model: names and salaries out as placeholders, back in on return."""

from __future__ import annotations

from guardrails.pii import mask, mask_messages, mask_text, unmask

NAMES = ["Budi Santoso", "Ani", "John Doe"]


def test_names_and_salaries_are_masked() -> None:
    text = "Gaji Budi Santoso Rp 12.500.000; salary of John Doe: 9 juta. Ani approved SO-202412-0004."
    masked = mask(text, NAMES)
    for secret in ("Budi", "John", "Ani ", "12.500.000", "9 juta"):
        assert secret not in masked
    assert "SO-202412-0004" in masked and "[PERSON_1]" in masked and "[SALARY_1]" in masked


def test_round_trip_restores_the_original() -> None:
    text = "Budi Santoso earns Rp 12.500.000 salary? No: gaji Budi Santoso Rp 12.500.000."
    masking = mask_text(text, NAMES)
    assert masking.unmask(masking.text) == text


def test_the_same_name_gets_the_same_placeholder_any_case() -> None:
    masking = mask_text("Ani met ani and ANI", NAMES)
    assert masking.text.count("[PERSON_1]") == 3 and "[PERSON_2]" not in masking.text


def test_names_inside_other_words_are_left_alone() -> None:
    assert mask("Daniel and Anita", ["Ani"]) == "Daniel and Anita"


def test_messages_share_one_mapping_and_answers_unmask() -> None:
    messages = [
        {"role": "system", "content": "x"},
        {"role": "user", "content": "who is Budi Santoso? and Ani?"},
    ]
    masked, masking = mask_messages(messages, NAMES)
    assert "Budi" not in masked[1]["content"] and masked[0] == messages[0]
    reply = "[PERSON_1] and [PERSON_2] are on shift; [PERSON_9] unknown"
    assert unmask(reply, masking.mapping) == "Budi Santoso and Ani are on shift; [PERSON_9] unknown"
