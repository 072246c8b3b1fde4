"""Sign-in throttling by source and by (source, normalised username), never by account alone.

A stranger's failures slow down only the stranger: the owner signing in from elsewhere is never refused
because of them. Failures against one username from every source are counted too, but only to tell the
owner (once per window) that someone is guessing their password.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from channels.ratelimit import MemoryCounter, RedisCounter, WindowCounter
from sentient.auth.service import AuthError, AuthService, TokenPair
from telemetry.metrics import RATE_LIMITED

log = logging.getLogger(__name__)


def normalise_username(username: str) -> str:
    """The form every count keys on: "jane.smith ", "JANE.SMITH" and "jane.smith" are one name."""
    return username.strip().casefold()


class Alarm(Protocol):
    """Tells an account's owner that their password is being guessed."""

    def raise_alarm(self, username_key: str, ip: str, failures: int, window: int) -> None:
        """Notify (and audit) once; `window` identifies the attack window."""
        ...


@dataclass(frozen=True)
class ThrottlePolicy:
    """Failure budgets per window (from Settings)."""

    per_source_user: int = 5  # LOGIN_MAX_FAILURES: one source guessing one username
    per_source: int = 20  # LOGIN_IP_MAX_FAILURES: one source guessing any usernames (spraying)
    alert_after: int = 10  # LOGIN_ALERT_FAILURES: one username from all sources, then the owner is told
    window_s: int = 1800  # LOGIN_LOCK_MIN


class Throttled(Exception):
    """This source must wait `retry_after` seconds before trying again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class FailureCounts:
    """Window counts in Redis (shared by replicas) when set, else in process (also while Redis is down)."""

    def __init__(self, redis_url: str | None = None) -> None:
        self.local = MemoryCounter(max_keys=100_000)
        self.shared: WindowCounter | None = None
        if redis_url:
            import redis  # only needed when REDIS_URL is set

            self.shared = RedisCounter(redis.Redis.from_url(redis_url, socket_timeout=0.5), "sf:login:")

    def incr(self, name: str, window_s: int, now: float) -> int:
        """Count one failure."""
        try:
            return (
                self.shared.incr(name, window_s, now) if self.shared else self.local.incr(name, window_s, now)
            )
        except Exception:  # a Redis outage must neither lock everyone out nor stop counting
            log.warning("login throttle: redis unavailable, counting in process")
            return self.local.incr(name, window_s, now)

    def count(self, name: str, window_s: int, now: float) -> int:
        """Failures so far in this window."""
        try:
            return (
                self.shared.count(name, window_s, now)
                if self.shared
                else self.local.count(name, window_s, now)
            )
        except Exception:
            return self.local.count(name, window_s, now)


class LoginGuard:
    """Wraps AuthService.login with the throttle: check, sign in, count a failure (and maybe alarm)."""

    def __init__(
        self,
        counts: FailureCounts,
        policy: ThrottlePolicy,
        alarm: Alarm | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.counts, self.policy, self.alarm, self.clock = counts, policy, alarm, clock

    def login(
        self, auth: AuthService, username: str, password: str, ip: str, agent: str | None = None
    ) -> TokenPair:
        """Sign in unless this source is throttled (Throttled); wrong passwords are counted."""
        try:
            self.check(username, ip)
        except Throttled:
            self._attempted(username, ip)  # refused guesses still show that the account is attacked
            raise
        try:
            return auth.login(username, password, ip, agent)
        except AuthError as exc:
            if exc.code == "invalid_credentials":
                self.failed(username, ip)
            raise

    def check(self, username: str, ip: str) -> None:
        """Raise Throttled while this source has used its budget, for this username or for all."""
        p, now, name = self.policy, self.clock(), normalise_username(username)
        over = self.counts.count(f"su:{ip}|{name}", p.window_s, now) >= p.per_source_user
        if over or self.counts.count(f"s:{ip}", p.window_s, now) >= p.per_source:
            RATE_LIMITED.labels(bucket="login_failures").inc()
            raise Throttled(max(1, int(p.window_s - now % p.window_s)))

    def failed(self, username: str, ip: str) -> None:
        """Count one wrong password against this source (and towards the owner's alarm)."""
        p, now, name = self.policy, self.clock(), normalise_username(username)
        self.counts.incr(f"su:{ip}|{name}", p.window_s, now)
        self.counts.incr(f"s:{ip}", p.window_s, now)
        self._attempted(username, ip)

    def _attempted(self, username: str, ip: str) -> None:
        """One more guess at this username from anywhere; the owner hears of it at `alert_after`."""
        p, now, name = self.policy, self.clock(), normalise_username(username)
        # == not >=: the counter passes the threshold once per window, so the owner is told once
        if self.counts.incr(f"u:{name}", p.window_s, now) == p.alert_after and self.alarm is not None:
            try:
                self.alarm.raise_alarm(name, ip, p.alert_after, int(now // p.window_s))
            except Exception:  # telling the owner must never turn a refusal into a 500
                log.exception("login throttle: could not notify the owner of %s", name)
