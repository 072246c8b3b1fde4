"""One composition root: the lifespan builds everything once, routes get it only through sentient/deps.py
(so a test swaps a part with app.dependency_overrides), and nothing else reads app.state."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sentient.deps import get_limiter
from sentient.state import AppState
from tests.integration.web_support import app_client, sign_in, web_settings

SENTIENT = Path(__file__).resolve().parents[2] / "sentient"


class Refusing:
    """A rate limiter that refuses every hit and remembers them."""

    def __init__(self) -> None:
        self.hits: list[tuple[str, str]] = []

    def hit(self, bucket: str, key: str, limit: int, window_s: int = 60) -> bool:
        """Refuse."""
        self.hits.append((bucket, key))
        return False


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # wiring, not SQL, is under test
def test_everything_is_built_before_the_first_request(
    seeded_engine: Engine, spec_today: date, tmp_path: Path
) -> None:
    client = app_client(web_settings(seeded_engine, spec_today, tmp_path))
    with client:
        state: AppState = client.app.state.sentient  # type: ignore[attr-defined]
        built = (state.auth, state.limiter, state.whatsapp, state.model, state.chat)
        sign_in(client, "director")
        assert client.get("/alerts").status_code == 200
        assert (state.auth, state.limiter, state.whatsapp, state.model, state.chat) == built


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_dependency_override_reaches_every_route_that_uses_it(
    seeded_engine: Engine, spec_today: date, tmp_path: Path
) -> None:
    client = app_client(web_settings(seeded_engine, spec_today, tmp_path))
    refusing = Refusing()
    client.app.dependency_overrides[get_limiter] = lambda: refusing  # type: ignore[attr-defined]
    with client:
        api = client.post("/api/auth/login", json={"username": "director", "password": "x"})
        page = client.post("/login", data={"username": "director", "password": "x", "next": "/"})
    assert api.status_code == 429 and page.status_code == 429
    assert [bucket for bucket, _ in refusing.hits] == ["login", "login"]


def test_only_the_dependencies_read_the_app_state() -> None:
    readers = {
        p.relative_to(SENTIENT).as_posix() for p in SENTIENT.rglob("*.py") if "app.state" in p.read_text()
    }
    assert readers == {"app.py", "deps.py"}  # the lifespan stores the root; get_state hands it out
