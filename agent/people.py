"""The names of people in the warehouse (users and employees): what PII masking hides from a remote model."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from warehouse.schema import AdmUser, MEmp


class PeopleNames:
    """Full names of users and employees, reloaded every few minutes (new hires are masked too)."""

    def __init__(self, sessions: sessionmaker[Session], ttl_s: float = 300.0) -> None:
        self.sessions, self.ttl_s = sessions, ttl_s
        self._names: tuple[float, list[str]] | None = None
        self._lock = threading.Lock()

    def __call__(self) -> list[str]:
        """The current names, longest first (so "Budi Santoso" is masked before "Budi")."""
        with self._lock:
            now = time.monotonic()
            if self._names is None or now - self._names[0] > self.ttl_s:
                self._names = (now, self._load())
            return self._names[1]

    def _load(self) -> list[str]:
        with self.sessions() as session:
            users = session.scalars(select(AdmUser.full_name).where(AdmUser.full_name.is_not(None)))
            staff = session.scalars(select(MEmp.name))
            names = {n.strip() for n in [*users, *staff] if n and len(n.strip()) > 2}
        return sorted(names, key=len, reverse=True)
