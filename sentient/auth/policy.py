"""The password policy (spec 1.7, P2): minimum length, no common passwords, optional expiry."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources

MAX_LENGTH = 256  # the sign-in form's limit; Argon2 takes any length, people do not need more
_TAIL = re.compile(r"[\d\W_]+$")  # "Welcome2024!" is "welcome" with a tail


@dataclass(frozen=True)
class PasswordPolicy:
    """Rules for a new password, from Settings (PASSWORD_MIN_LENGTH, PASSWORD_EXPIRY_DAYS, …)."""

    min_length: int = 10
    expiry_days: int = 0  # 0 = passwords never expire
    reset_hours: int = 24  # how long an administrator's one-time code may be used to choose a password


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of refused passwords (lower case)."""
    text = resources.files("sentient.auth").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def is_common(password: str) -> bool:
    """Whether the password, or its stem without trailing digits and symbols, is on the common list."""
    lowered = password.strip().lower()
    stem = _TAIL.sub("", lowered)
    listed = common_passwords()
    return lowered in listed or (len(stem) >= 3 and stem in listed)


def problems(policy: PasswordPolicy, password: str, username: str = "") -> list[str]:
    """What is wrong with a new password, in words for the user (empty when it is acceptable)."""
    found: list[str] = []
    if len(password) < policy.min_length:
        found.append(f"at least {policy.min_length} characters are needed")
    if len(password) > MAX_LENGTH:
        found.append(f"at most {MAX_LENGTH} characters")
    if is_common(password):
        found.append("this password is too common; choose another")
    name = username.strip().lower()
    if name and len(name) >= 3 and name in password.lower():
        found.append("the password must not contain the username")
    return found


def is_expired(policy: PasswordPolicy, changed_at: datetime | None, now: datetime) -> bool:
    """Whether a password set at `changed_at` has expired (never, when expiry is 0 or the date unknown)."""
    if policy.expiry_days <= 0 or changed_at is None:
        return False
    return now - changed_at > timedelta(days=policy.expiry_days)


def reset_code_expired(policy: PasswordPolicy, issued_at: datetime | None, now: datetime) -> bool:
    """Whether an administrator's one-time code is too old to choose a password with."""
    return issued_at is None or now - issued_at > timedelta(hours=policy.reset_hours)


def one_time_code() -> str:
    """A one-time sign-in code for a reset or a new account (16 characters, about 96 bits)."""
    return secrets.token_urlsafe(12)
