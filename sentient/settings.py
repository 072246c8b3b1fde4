"""The one settings object: the only code in Sentient Factory that reads the environment."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-change-me"


class Settings(BaseSettings):
    """Everything configurable, read from environment variables or `.env`."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_env: Literal["development", "test", "production"] = "development"
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    api_key: SecretStr | None = None  # X-API-Key for the HTTP API; required when APP_ENV=production
    log_level: str = "INFO"

    # Warehouse. SQLite is the embedded default; `postgresql+psycopg://user@host/db` is production.
    data_dir: Path = Path("data")
    database_url: str = ""
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_statement_timeout_ms: int = Field(default=5_000, ge=100)

    # Business clock: "today" for every answer and for the seed. Unset means the real date in FACTORY_TZ;
    # set it (e.g. 2024-12-27, the spec's sample day) to make every figure reproducible.
    factory_today: date | None = None
    factory_tz: str = "Asia/Jakarta"

    # Later parts of the system (retrieval, model, WhatsApp, OTP, cache) read these.
    chroma_path: Path | None = None
    chroma_url: str | None = None
    manuals_dir: Path = Path("manuals")  # what `make run` ingests
    manuals_collection: str = "manuals"
    embed_device: str | None = None  # cuda / cpu; default: cuda when available
    rerank_model_path: Path | None = None  # a local cross-encoder switches the rerank stage on
    llm_base_url: str | None = None
    llm_model: str = "qwen2.5-7b-instruct"
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(default=20.0, gt=0)
    redis_url: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_whatsapp_from: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    public_base_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "sentient@factory.local"

    # Thresholds used by the dashboard and, later, the alert rules.
    reject_rate_threshold_pct: float = Field(default=5.0, gt=0, le=100)
    shift_plan_min: int = Field(default=480, gt=0, le=1440)

    @field_validator("factory_tz")
    @classmethod
    def _known_tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)  # a typo in the zone name fails at start-up, not at the first answer
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _defaults_and_secrets(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'sentient.db').as_posix()}"
        if self.chroma_path is None:
            self.chroma_path = self.data_dir / "chroma"
        if self.app_env == "production" and self.secret_key.get_secret_value() == DEV_SECRET:
            raise ValueError("SECRET_KEY must be set to a real secret when APP_ENV=production")
        if self.app_env == "production" and not self.api_key:
            raise ValueError("API_KEY must be set when APP_ENV=production")
        return self

    @property
    def tz(self) -> ZoneInfo:
        """The factory's time zone."""
        return ZoneInfo(self.factory_tz)

    def today(self) -> date:
        """The business date: FACTORY_TODAY when set, else the current date in the factory's zone."""
        return self.factory_today or datetime.now(self.tz).date()


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests override the FastAPI dependency or clear this cache."""
    return Settings()
