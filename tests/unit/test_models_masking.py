"""PII masking for a remote model: names and salaries never reach it; answers come back with them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from models.fakes import ScriptedModel, answer, tool_call
from models.masking import MaskingModel
from models.port import Completion, StreamChunk

NAMES = ["Budi Santoso", "Siti Rahma"]
ECHOED = {"name": "x", "arguments": '{"n": "Siti Rahma"}'}
PROMPT = [
    {"role": "system", "content": "You help the factory."},
    {"role": "user", "content": "Gaji Budi Santoso Rp 12.500.000; siapa atasan Siti Rahma?"},
]


def test_the_model_sees_placeholders_and_the_answer_gets_the_names_back(
    scripted: Callable[..., ScriptedModel],
) -> None:
    inner = scripted(answer("[PERSON_1] earns [SALARY_1]; [PERSON_2] reports to the plant manager."))
    reply = asyncio.run(MaskingModel(inner, lambda: NAMES).complete(PROMPT))
    sent = json.dumps(inner.calls[0].messages)
    assert "Budi" not in sent and "Siti" not in sent and "12.500.000" not in sent
    assert "[PERSON_1]" in sent and "[SALARY_1]" in sent
    assert reply.text == "Budi Santoso earns Rp 12.500.000; Siti Rahma reports to the plant manager."


def test_tool_call_arguments_are_unmasked_and_echoed_calls_masked(
    scripted: Callable[..., ScriptedModel],
) -> None:
    inner = scripted(tool_call("employee_lookup", {"name": "[PERSON_1]"}))
    history = [
        *PROMPT,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c0", "type": "function", "function": ECHOED}],
        },
    ]
    reply = asyncio.run(MaskingModel(inner, lambda: NAMES).complete(history))
    assert reply.tool_calls[0].arguments == {"name": "Budi Santoso"}
    assert "Siti" not in json.dumps(inner.calls[0].messages)


class Chunked:
    """A model whose stream splits a placeholder across chunks (as real tokenizers do)."""

    name = "chunked"

    async def stream(self, messages: list[Any], **_: Any) -> AsyncIterator[StreamChunk]:
        for piece in ["Ask [PER", "SON_1", "] today", "."]:
            yield StreamChunk(delta=piece)
        yield StreamChunk(done=Completion("Ask [PERSON_1] today."))


def test_a_placeholder_split_across_stream_chunks_is_unmasked_whole() -> None:
    async def collect() -> tuple[str, str]:
        text, final = "", ""
        async for chunk in MaskingModel(Chunked(), lambda: NAMES).stream(PROMPT):
            text += chunk.delta
            final = chunk.done.text if chunk.done else final
        return text, final

    streamed, final = asyncio.run(collect())
    assert streamed == final == "Ask Budi Santoso today."


def test_only_a_remote_model_is_wrapped(tmp_path: Any) -> None:
    from sentient.model_wiring import build_model_runtime
    from sentient.settings import Settings

    for mask, wrapped in ((True, True), (False, False)):
        settings = Settings(data_dir=tmp_path, llm_base_url="http://127.0.0.1:9/v1", llm_mask_pii=mask)
        runtime = build_model_runtime(settings, names=lambda: NAMES)
        runtime.start()  # builds the client; nothing connects yet
        assert runtime.model is not None
        assert isinstance(runtime.model.model, MaskingModel) is wrapped
        asyncio.run(runtime.aclose_client())
