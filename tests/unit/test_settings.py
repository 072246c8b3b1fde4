"""Settings: embedded defaults, fail-fast secrets in production, the business clock."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from sentient.settings import Settings
from warehouse.periods import month_end, month_start
from warehouse.seed.calendar import doc_no, history_start, in_month


def make(**kw: object) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[call-arg]


def test_defaults_are_embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLM_BASE_URL", raising=False)  # tests/conftest.py sets `off` for every app
    s = make(data_dir=tmp_path)
    assert s.database_url == f"sqlite:///{(tmp_path / 'sentient.db').as_posix()}"
    assert s.chroma_path == tmp_path / "chroma"
    assert s.llm_base_url is None and s.llm_kind == "sidecar"  # the embedded local model


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("FACTORY_TODAY", "2024-12-27")
    monkeypatch.setenv("REJECT_RATE_THRESHOLD_PCT", "7.5")
    s = make()
    assert (s.database_url, s.today(), s.reject_rate_threshold_pct) == (
        "postgresql+psycopg://u@h/db",
        date(2024, 12, 27),
        7.5,
    )


def test_production_refuses_default_secrets() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        make(app_env="production", api_key="k")
    with pytest.raises(ValidationError, match="API_KEY"):
        make(app_env="production", secret_key="real-secret")
    assert make(app_env="production", secret_key="real-secret", api_key="k").app_env == "production"


def test_bad_values_fail_at_start_up() -> None:
    with pytest.raises(ValidationError):
        make(factory_tz="Mars/Olympus")
    with pytest.raises(ValidationError):
        make(reject_rate_threshold_pct=0)
    with pytest.raises(ValidationError):
        make(factory_today="2024-13-01")


def test_today_without_override_is_the_factory_date(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    monkeypatch.delenv("FACTORY_TODAY", raising=False)  # a shell or CI that sets it is not this case
    jakarta = ZoneInfo("Asia/Jakarta")
    before = datetime.now(jakarta).date()  # Jakarta's midnight (17:00 UTC) may fall between two reads
    today = make().today()
    assert today in {before, datetime.now(jakarta).date()}


@pytest.mark.parametrize(
    ("day", "back", "start", "end"),
    [
        (date(2024, 12, 27), 0, date(2024, 12, 1), date(2024, 12, 31)),
        (date(2024, 12, 27), 1, date(2024, 11, 1), date(2024, 11, 30)),
        (date(2024, 3, 31), 1, date(2024, 2, 1), date(2024, 2, 29)),
        (date(2025, 1, 5), 3, date(2024, 10, 1), date(2024, 10, 31)),
    ],
)
def test_month_boundaries(day: date, back: int, start: date, end: date) -> None:
    assert (month_start(day, back), month_end(day, back)) == (start, end)


def test_seed_calendar() -> None:
    assert in_month(date(2025, 3, 10), 1, 31) == date(2025, 2, 28)
    assert history_start(date(2024, 12, 27)) == date(2024, 9, 1)
    assert doc_no("SO", date(2024, 12, 20), 1) == "SO-202412-0001"
    assert doc_no("SO", date(2024, 12, 20), 12345) == "SO-202412-12345"
