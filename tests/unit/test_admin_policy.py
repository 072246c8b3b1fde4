"""The password policy, phone normalisation and the CSV cell guard, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sentient.admin.activity import _cell
from sentient.admin.actor import AdminError, Outcome, cli_actor
from sentient.admin.users import normalise_phone
from sentient.auth.policy import (
    PasswordPolicy,
    common_passwords,
    is_common,
    is_expired,
    one_time_code,
    problems,
)

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def test_common_passwords_are_refused_also_with_a_tail_of_digits() -> None:
    assert len(common_passwords()) > 100
    for word in ("password", "Password123!", "qwerty", "Rahasia2024", "bismillah99", "factory-demo"):
        assert is_common(word), word
    assert not is_common("rak-biru-gudang-12")


def test_problems_name_each_rule() -> None:
    rules = PasswordPolicy(min_length=12)
    assert problems(rules, "rak-biru-gudang-12", "siti") == []
    assert problems(rules, "short-one", "siti") == ["at least 12 characters are needed"]
    assert "the password must not contain the username" in problems(rules, "siti-gudang-biru-12", "siti")
    assert any("common" in p for p in problems(rules, "welcome12345678", ""))


def test_expiry_zero_means_never() -> None:
    old = NOW - timedelta(days=400)
    assert not is_expired(PasswordPolicy(expiry_days=0), old, NOW)
    assert is_expired(PasswordPolicy(expiry_days=90), old, NOW)
    assert not is_expired(PasswordPolicy(expiry_days=90), NOW - timedelta(days=89), NOW)
    assert not is_expired(PasswordPolicy(expiry_days=90), None, NOW)  # unknown age: not forced


def test_one_time_codes_are_long_and_fresh() -> None:
    codes = {one_time_code() for _ in range(50)}
    assert len(codes) == 50 and min(map(len, codes)) >= 16


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("+62 812-3456-7890", "+6281234567890"),
        ("whatsapp:+6281234567890", "+6281234567890"),
        ("0062 812 3456 7890", "+6281234567890"),
        ("", None),
    ],
)
def test_phone_numbers_are_normalised_to_e164(raw: str, want: str | None) -> None:
    assert normalise_phone(raw) == want


@pytest.mark.parametrize("raw", ["081234567890", "+0812345678", "+62abc", "+123"])
def test_bad_phone_numbers_say_the_rule(raw: str) -> None:
    with pytest.raises(AdminError) as bad:
        normalise_phone(raw)
    assert bad.value.status == 422 and "E.164" in bad.value.message


def test_csv_cells_never_start_a_formula() -> None:
    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _cell("@x") == "'@x" and _cell("admin") == "admin"


def test_the_cli_actor_is_audited_by_login_name_and_previews_read_as_lines() -> None:
    actor = cli_actor()
    assert actor.root and actor.user_id is None and actor.stamp()["by"].startswith("cli:")
    out = Outcome("USER_UPDATE", "user x", "edit x", {"phone": None}, {"phone": "+6281234567890"})
    assert out.lines() == ["phone: - -> +6281234567890"]
