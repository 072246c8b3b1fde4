"""Builds the model from settings: off, the managed local llama.cpp sidecar, or a configured server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from agent.llm import LlmConfig
from models.breaker import BreakerConfig, BreakerState, CircuitBreaker, GuardedModel
from models.masking import MaskingModel
from models.openai_compat import OpenAICompatModel, Timeouts
from models.sidecar import READY, Sidecar, SidecarError, find_gguf
from sentient.settings import Settings
from telemetry.metrics import set_breaker_state, set_sidecar_state

log = logging.getLogger(__name__)


def _report_sidecar(state: str, reason: str | None) -> None:
    """Local model server state changes into Prometheus (a gauge and an event counter)."""
    set_sidecar_state(state)


def _report_breaker(name: str, state: BreakerState) -> None:
    """Breaker state into the Prometheus gauge."""
    set_breaker_state(state.value, name)


def sidecar_from_settings(settings: Settings) -> Sidecar:
    """The managed local model server these settings describe (not started); SidecarError: no model."""
    s = settings
    return Sidecar(
        s.llm_sidecar_model_path or find_gguf(),
        port=s.llm_sidecar_port,
        n_ctx=s.llm_sidecar_ctx,
        n_threads=s.llm_sidecar_threads,
        log_path=s.data_dir / "llm-sidecar.log",
        max_crashes=s.llm_sidecar_max_crashes,
        observer=_report_sidecar,
    )


@dataclass
class ModelRuntime:
    """The model the agent phrases with (None when off or not started), its breaker and its sidecar."""

    kind: Literal["off", "sidecar", "remote"]
    settings: Settings
    breaker: CircuitBreaker
    model: GuardedModel | None = None
    sidecar: Sidecar | None = None
    error: str | None = None
    loop: asyncio.AbstractEventLoop | None = None  # the serving loop, set by astart (sync callers use it)
    names: Callable[[], Iterable[str]] | None = None  # people to mask for a remote model
    make_sidecar: Callable[[Settings], Sidecar] = sidecar_from_settings  # tests start a fake server
    _client: OpenAICompatModel | None = field(default=None, repr=False)
    _supervisor: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def tool_calling(self) -> bool:
        """Native tool calling: `on`, or `auto` with a configured server (a 135M model cannot pick tools)."""
        mode = self.settings.llm_tool_calling
        return mode == "on" or (mode == "auto" and self.kind == "remote")

    def start(self) -> None:
        """Connect the model; for the sidecar, start the local server first (blocking, a few seconds)."""
        s = self.settings
        if self.kind == "off":
            return
        url, name = (s.llm_base_url or "").strip(), s.llm_model
        if self.kind == "sidecar":
            try:
                self.sidecar = self.make_sidecar(s)
            except SidecarError as exc:  # no model file: nothing to retry; /readyz says why
                log.error("local model unavailable: %s", exc)
                self.error = str(exc)
                return
            try:
                self.sidecar.start()
            except SidecarError as exc:
                # Slow, failed or crashing start: the supervisor retries with backoff (and gives up after
                # LLM_SIDECAR_MAX_CRASHES), the breaker answers in fallback mode meanwhile, and a model
                # that comes back is used without restarting the app.
                self.error = str(exc)
                if not self.sidecar.model_path.is_file():  # nothing a retry could fix
                    log.error("local model unavailable: %s", exc)
                    self.sidecar = None
                    return
                log.error("local model not up yet (the supervisor will retry): %s", exc)
            url, name = self.sidecar.base_url, self.sidecar.alias
        self._client = OpenAICompatModel(
            url,
            name,
            api_key=s.llm_api_key.get_secret_value() if s.llm_api_key else None,
            timeouts=Timeouts(s.llm_connect_timeout_s, s.llm_first_token_timeout_s, s.llm_timeout_s),
        )
        inner: Any = self._client
        if self.kind == "remote" and s.llm_mask_pii and self.names is not None:
            # Names and salaries leave the machine only as [PERSON_n] / [SALARY_n].
            inner = MaskingModel(self._client, self.names)
        self.model = GuardedModel(inner, self.breaker, timeout_s=s.llm_timeout_s)

    async def astart(self) -> None:
        """Start without blocking the loop, then supervise the sidecar (restart it if it dies)."""
        self.loop = asyncio.get_running_loop()
        await asyncio.to_thread(self.start)
        if self.sidecar is not None:
            self._supervisor = asyncio.create_task(self.sidecar.supervise(), name="llm-sidecar-supervisor")

    async def astop(self) -> None:
        """Stop supervising, close connections, stop the sidecar."""
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        if self._client is not None:
            await self._client.aclose()
        self.loop = None
        self.stop()

    def stop(self) -> None:
        """Stop the sidecar (synchronous; for the CLI)."""
        if self.sidecar is not None:
            self.sidecar.stop()

    async def aclose_client(self) -> None:
        """Close the model client's connections on the running loop."""
        if self._client is not None:
            await self._client.aclose()

    def snapshot(self) -> dict[str, Any]:
        """The model part of /readyz: how it is reached, the breaker and the sidecar."""
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "off":
            return {**out, "ok": True, "state": "off"}
        out["model"] = self.model.name if self.model else self.settings.llm_model
        out["tool_calling"] = self.tool_calling
        out.update(self.breaker.snapshot())
        error = self.error
        if self.sidecar is not None:
            car = self.sidecar
            out["sidecar"] = {
                "alive": car.alive(),
                "state": car.state,
                "restarts": car.restarts,
                "crashes": car.crashes,
            }
            # The sidecar's own reason is the current one ("crashed on a test prompt: SIGSEGV"); a start
            # failure the supervisor has since repaired is history.
            error = None if car.state == READY and car.alive() else (car.reason or self.error)
        if error:
            out["error"] = error
        out["ok"] = self.model is not None and out["state"] == "closed" and "error" not in out
        return out


def build_model_runtime(settings: Settings, names: Callable[[], Iterable[str]] | None = None) -> ModelRuntime:
    """The runtime for these settings, not started yet; `names` are the people a remote model never sees."""
    breaker = CircuitBreaker(
        BreakerConfig(
            failure_threshold=settings.llm_breaker_failures,
            open_s=settings.llm_breaker_open_s,
            half_open_probes=settings.llm_breaker_probes,
            slow_call_s=settings.llm_slow_call_s,
        ),
        on_change=_report_breaker,
    )
    if settings.llm_kind != "off":
        _report_breaker(breaker.name, breaker.state)  # the gauge exists from the start, not at the first trip
    return ModelRuntime(settings.llm_kind, settings, breaker, names=names)


def llm_config(settings: Settings, runtime: ModelRuntime) -> LlmConfig:
    """Per-turn limits of the LLM path from settings."""
    return LlmConfig(
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        wall_s=settings.llm_wall_s,
        max_tool_rounds=settings.llm_max_tool_rounds,
        tool_calling=runtime.tool_calling,
    )
