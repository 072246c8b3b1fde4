"""Argon2id hashing and the access/refresh token primitives (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from sentient.auth.passwords import hash_password, needs_rehash, verify_password
from sentient.auth.tokens import InvalidToken, decode_access, hash_refresh, issue_access, new_refresh_token

NOW = datetime(2024, 12, 27, 8, 0, tzinfo=UTC)
SECRET = "unit-test-secret"


def test_password_hash_is_argon2id_salted_and_verifies() -> None:
    first, second = hash_password("s3cret!"), hash_password("s3cret!")
    assert first.startswith("$argon2id$") and first != second  # a fresh salt each time
    assert verify_password(first, "s3cret!") and not verify_password(first, "s3cret")
    assert not needs_rehash(first)


@pytest.mark.parametrize("stored", [None, "", "plaintext", "$2b$12$notargon"])
def test_missing_or_foreign_hash_never_matches(stored: str | None) -> None:
    assert verify_password(stored, "plaintext") is False


def test_access_token_round_trip_and_expiry() -> None:
    token, expires = issue_access(SECRET, 7, "director", "fam-1", NOW, 15)
    assert expires == NOW + timedelta(minutes=15)
    claims = decode_access(SECRET, token, NOW + timedelta(minutes=14, seconds=59), 15)
    assert (claims.user_id, claims.username, claims.family_id) == (7, "director", "fam-1")
    with pytest.raises(InvalidToken):
        decode_access(SECRET, token, NOW + timedelta(minutes=15), 15)


def test_forged_tampered_and_unsigned_tokens_are_refused() -> None:
    token, _ = issue_access(SECRET, 7, "director", "fam-1", NOW, 15)
    with pytest.raises(InvalidToken):
        decode_access("another-secret", token, NOW, 15)
    head, body, sig = token.split(".")
    with pytest.raises(InvalidToken):
        decode_access(SECRET, f"{head}.{body}.{sig[:-2]}xx", NOW, 15)
    unsigned = jwt.encode(
        {"sub": "1", "sid": "f", "typ": "access", "iss": "sentient-factory", "exp": 2_000_000_000},
        key=None,
        algorithm="none",
    )
    with pytest.raises(InvalidToken):
        decode_access(SECRET, unsigned, NOW, 15)


def test_refresh_tokens_are_random_and_stored_hashed() -> None:
    a, b = new_refresh_token(), new_refresh_token()
    assert a != b and len(a) >= 40
    assert hash_refresh(a) == hash_refresh(a) and hash_refresh(a) != a and len(hash_refresh(a)) == 64
