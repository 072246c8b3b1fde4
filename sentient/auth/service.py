"""Sign-in, refresh with rotation, sign-out and forced logout over adm_user / adm_session / log_audit."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from sentient.auth import audit as a
from sentient.auth.passwords import hash_password, verify_password
from sentient.auth.policy import PasswordPolicy, is_expired, problems, reset_code_expired
from sentient.auth.tokens import AccessClaims, decode_access, hash_refresh, issue_access, new_refresh_token
from telemetry.metrics import AUTH_EVENTS
from warehouse.schema import AdmSession, AdmUser


class AuthError(Exception):
    """A refused sign-in or token; status and code map onto the API's one error shape."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class AuthPolicy:
    """Token lifetimes (from Settings); throttling of wrong passwords lives in sentient/auth/throttle.py."""

    secret: str
    access_min: int = 15
    refresh_days: int = 7
    passwords: PasswordPolicy = field(default_factory=PasswordPolicy)


@dataclass(frozen=True)
class TokenPair:
    """What a successful sign-in or refresh hands the client."""

    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    username: str

    def as_json(self) -> dict[str, object]:
        """The body of /api/auth/login and /api/auth/refresh."""
        return {
            "access_token": self.access_token,
            "token_type": "bearer",
            "expires_at": self.access_expires_at.isoformat(),
            "refresh_token": self.refresh_token,
            "username": self.username,
        }


BAD_CREDENTIALS = AuthError(401, "invalid_credentials", "Wrong username or password.")
BAD_REFRESH = AuthError(401, "invalid_token", "The refresh token is not valid; sign in again.")
CHANGE_REQUIRED = AuthError(403, "password_change_required", "Choose a new password to continue.")
RESET_EXPIRED = AuthError(401, "reset_code_expired", "This one-time code has expired; ask an administrator.")


def utc_now() -> datetime:
    """The wall clock in UTC (tests pass their own clock)."""
    return datetime.now(UTC)


class AuthService:
    """Every sign-in state change goes through here, each one audited in the same transaction."""

    def __init__(
        self, sessions: sessionmaker[Session], policy: AuthPolicy, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.sessions, self.policy, self.clock = sessions, policy, clock

    def login(
        self, username: str, password: str, ip: str | None = None, agent: str | None = None
    ) -> TokenPair:
        """Check the password and open a new session family (an administrator's lock still refuses)."""
        now = self.clock()
        refused: AuthError | None = None
        pair: TokenPair | None = None
        # Refusals are decided inside the transaction but raised after it commits: the failure count and the
        # audit row must survive the refusal.
        with self.sessions() as s, s.begin():
            user = s.scalar(
                select(AdmUser).where(AdmUser.username == username.strip(), AdmUser.deleted_at.is_(None))
            )
            if user is None or not user.is_active:
                verify_password(None, password)  # same cost as a real check
                a.audit(s, a.LOGIN_FAILED, now, user.id if user else None, ip, username=username[:50])
                AUTH_EVENTS.labels(event="login_failed").inc()
                refused = BAD_CREDENTIALS
            elif user.locked_until is not None and user.locked_until > now:
                a.audit(s, a.LOGIN_LOCKED, now, user.id, ip, until=user.locked_until.isoformat())
                AUTH_EVENTS.labels(event="locked").inc()
                refused = AuthError(423, "account_locked", "This account is locked; ask an administrator.")
            elif not verify_password(user.password_hash, password):
                self._failed(s, user, now, ip)
                refused = BAD_CREDENTIALS
            elif (change := self._change_needed(user, now)) is not None:
                # The right password, but a one-time code or an expired one: no session until it is replaced.
                a.audit(s, a.PASSWORD_REQUIRED, now, user.id, ip, reason=change.code)
                refused = change
            else:
                user.failed_login_count, user.locked_until, user.last_login = 0, None, now
                family = str(uuid.uuid4())
                pair = self._open(s, user, family, now, now, ip, agent)
                a.audit(s, a.LOGIN, now, user.id, ip, session=family)
        if refused is not None or pair is None:
            raise refused or BAD_CREDENTIALS
        AUTH_EVENTS.labels(event="login_ok").inc()
        return pair

    def refresh(self, token: str, ip: str | None = None, agent: str | None = None) -> TokenPair:
        """Rotate a refresh token; presenting an already-rotated one revokes its whole family."""
        now = self.clock()
        with self.sessions() as s, s.begin():
            row = s.scalar(select(AdmSession).where(AdmSession.token_hash == hash_refresh(token)))
            if row is None or row.is_revoked or row.expires_at <= now:
                raise BAD_REFRESH
            # Conditional update: of two concurrent refreshes with the same token only one wins.
            won = _rows(
                s,
                update(AdmSession)
                .where(AdmSession.id == row.id, AdmSession.rotated_at.is_(None))
                .values(rotated_at=now, last_activity_at=now),
            )
            pair = None
            if not won:  # a rotated token came back: someone else holds the family; end it, audited
                self._revoke_family(s, row.family_id or "", now)
                a.audit(s, a.TOKEN_REUSE, now, row.user_id, ip, session=row.family_id)
            else:
                user = s.get(AdmUser, row.user_id)
                if user is None or not user.is_active or user.deleted_at is not None:
                    raise BAD_REFRESH
                pair = self._open(s, user, row.family_id or str(uuid.uuid4()), row.login_at, now, ip, agent)
        if pair is None:
            AUTH_EVENTS.labels(event="reuse_detected").inc()
            raise AuthError(401, "token_reused", "This sign-in was ended for safety; sign in again.")
        AUTH_EVENTS.labels(event="refresh").inc()
        return pair

    def logout(self, family_id: str, user_id: int | None, ip: str | None = None) -> None:
        """End one session family (all its refresh tokens)."""
        now = self.clock()
        with self.sessions() as s, s.begin():
            self._revoke_family(s, family_id, now)
            a.audit(s, a.LOGOUT, now, user_id, ip, session=family_id)
        AUTH_EVENTS.labels(event="logout").inc()

    def change_password(self, username: str, old: str, new: str, ip: str | None = None) -> None:
        """Replace a password (or a one-time code) after checking the old one and the password policy."""
        now = self.clock()
        refused: AuthError | None = None
        with self.sessions() as s, s.begin():
            user = s.scalar(
                select(AdmUser).where(AdmUser.username == username.strip(), AdmUser.deleted_at.is_(None))
            )
            if user is None or not user.is_active:
                verify_password(None, old)
                refused = BAD_CREDENTIALS
            elif not verify_password(user.password_hash, old):
                self._failed(s, user, now, ip)
                refused = BAD_CREDENTIALS
            elif user.must_change_pw and reset_code_expired(
                self.policy.passwords, user.password_changed_at, now
            ):
                refused = RESET_EXPIRED
            elif old == new:
                refused = AuthError(422, "weak_password", "The new password must differ from the old one.")
            elif found := problems(self.policy.passwords, new, user.username):
                refused = AuthError(422, "weak_password", "New password: " + "; ".join(found) + ".")
            else:
                user.password_hash, user.password_changed_at = hash_password(new), now
                user.must_change_pw, user.failed_login_count = False, 0
                a.record(s, a.PASSWORD_CHANGE, now, user.id, "adm_user", user.id, None, {"by": "self"}, ip)
        if refused is not None:
            raise refused

    def _change_needed(self, user: AdmUser, now: datetime) -> AuthError | None:
        """Why this user must choose a new password before signing in, if they must."""
        rules = self.policy.passwords
        if user.must_change_pw:
            return (
                RESET_EXPIRED if reset_code_expired(rules, user.password_changed_at, now) else CHANGE_REQUIRED
            )
        return CHANGE_REQUIRED if is_expired(rules, user.password_changed_at, now) else None

    def family_of(self, refresh_token: str) -> tuple[str, int] | None:
        """The session family and user of a refresh token, if it exists."""
        with self.sessions() as s:
            row = s.scalar(select(AdmSession).where(AdmSession.token_hash == hash_refresh(refresh_token)))
            return (row.family_id or "", row.user_id) if row else None

    def force_logout(self, user_id: int, by_user_id: int | None = None) -> int:
        """Revoke every session of a user (administrator action); returns how many rows were revoked."""
        now = self.clock()
        with self.sessions() as s, s.begin():
            n = _rows(
                s,
                update(AdmSession)
                .where(AdmSession.user_id == user_id, AdmSession.is_revoked.is_(False))
                .values(is_revoked=True, last_activity_at=now),
            )
            a.audit(s, a.SESSION_REVOKE, now, by_user_id, None, target_user=user_id, sessions=n)
        return int(n or 0)

    def check_access(self, token: str) -> AccessClaims:
        """Claims of a valid access token whose session family is the subject's and still live (revocation is
        immediate)."""
        now = self.clock()
        try:
            claims = decode_access(self.policy.secret, token, now, self.policy.access_min)
        except Exception as exc:
            raise AuthError(401, "invalid_token", "Sign in again.") from exc
        with self.sessions() as s:
            live = s.scalar(
                select(func.count(AdmSession.id)).where(
                    AdmSession.family_id == claims.family_id,
                    # the sign-in must be the subject's own: a token naming another user's session is forged
                    AdmSession.user_id == claims.user_id,
                    AdmSession.is_revoked.is_(False),
                    AdmSession.expires_at > now,
                )
            )
        if not live:
            raise AuthError(401, "session_revoked", "This sign-in has ended; sign in again.")
        return claims

    def _failed(self, s: Session, user: AdmUser, now: datetime, ip: str | None) -> None:
        # Counted for the record only: locking the account here would let any stranger lock its owner out
        # (the throttle in sentient/auth/throttle.py slows down the source instead).
        user.failed_login_count = (user.failed_login_count or 0) + 1
        a.audit(s, a.LOGIN_FAILED, now, user.id, ip)
        AUTH_EVENTS.labels(event="login_failed").inc()

    def _open(
        self,
        s: Session,
        user: AdmUser,
        family: str,
        login_at: datetime,
        now: datetime,
        ip: str | None,
        agent: str | None,
    ) -> TokenPair:
        refresh = new_refresh_token()
        refresh_exp = now + timedelta(days=self.policy.refresh_days)
        s.add(
            AdmSession(
                user_id=user.id,
                token_hash=hash_refresh(refresh),
                family_id=family,
                ip_address=(ip or "")[:45] or None,
                user_agent=(agent or "")[:255] or None,
                login_at=login_at,
                expires_at=refresh_exp,
                last_activity_at=now,
            )
        )
        access, access_exp = issue_access(
            self.policy.secret, user.id, user.username, family, now, self.policy.access_min
        )
        return TokenPair(access, access_exp, refresh, refresh_exp, user.username)

    @staticmethod
    def _revoke_family(s: Session, family_id: str, now: datetime) -> None:
        s.execute(
            update(AdmSession)
            .where(AdmSession.family_id == family_id, AdmSession.is_revoked.is_(False))
            .values(is_revoked=True, last_activity_at=now)
        )


def _rows(s: Session, statement: Any) -> int:
    """Rows changed by an UPDATE."""
    result = s.execute(statement)
    return int(result.rowcount) if isinstance(result, CursorResult) else 0
