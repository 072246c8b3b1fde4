"""People's names and salaries masked before a prompt leaves the machine, put back in the answer.

Used when the model is not local (LLM_BASE_URL points at another server): the model sees [PERSON_1] and
[SALARY_1], never the originals; answers and tool-call arguments are unmasked before anything reads them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import replace
from typing import Any

from guardrails.pii import Masking, mask_messages, mask_text
from models.port import Completion, Message, StreamChunk, ToolCall


class MaskingModel:
    """A ChatModel wrapper: masks every message it sends, unmasks every text and tool call it returns."""

    def __init__(self, model: Any, names: Callable[[], Iterable[str]]) -> None:
        self.model, self.names = model, names
        self.name = model.name

    def _mask(self, messages: list[Message]) -> tuple[list[Message], Masking]:
        names = list(self.names())
        plain = [{**m, "content": m.get("content") or ""} for m in messages]
        masked, masking = mask_messages(plain, names)
        out = []
        for orig, new in zip(messages, masked, strict=True):
            message = {**orig, "content": new["content"] if orig.get("content") is not None else None}
            if orig.get("tool_calls"):  # earlier tool calls echoed back carry arguments too
                message["tool_calls"] = [self._mask_call(c, names, masking) for c in orig["tool_calls"]]
            out.append(message)
        return out, masking

    @staticmethod
    def _mask_call(call: dict[str, Any], names: list[str], masking: Masking) -> dict[str, Any]:
        function = dict(call.get("function") or {})
        masked = mask_text(str(function.get("arguments") or ""), names, masking.mapping)
        masking.mapping = masked.mapping
        return {**call, "function": {**function, "arguments": masked.text}}

    async def complete(self, messages: list[Message], **kwargs: Any) -> Completion:
        """The wrapped model's answer to the masked messages, unmasked."""
        masked, masking = self._mask(messages)
        result: Completion = await self.model.complete(masked, **kwargs)
        return _unmask_completion(result, masking)

    async def stream(self, messages: list[Message], **kwargs: Any) -> AsyncIterator[StreamChunk]:
        """The wrapped model's stream, unmasked; a placeholder split across chunks is held until whole."""
        masked, masking = self._mask(messages)
        pending = ""
        async for chunk in self.model.stream(masked, **kwargs):
            if chunk.done is not None:
                if pending:
                    yield StreamChunk(delta=masking.unmask(pending))
                yield replace(chunk, done=_unmask_completion(chunk.done, masking))
                continue
            pending += chunk.delta
            cut = _safe_cut(pending)
            if cut:
                yield replace(chunk, delta=masking.unmask(pending[:cut]))
                pending = pending[cut:]
        if pending:
            yield StreamChunk(delta=masking.unmask(pending))


def _safe_cut(text: str) -> int:
    """How much of a streamed buffer can be unmasked now: all of it unless it ends inside a '[...'."""
    opened = text.rfind("[")
    return len(text) if opened == -1 or "]" in text[opened:] else opened


def _unmask_completion(result: Completion, masking: Masking) -> Completion:
    calls = [_unmask_call(c, masking) for c in result.tool_calls]
    return replace(result, text=masking.unmask(result.text), tool_calls=calls)


def _unmask_call(call: ToolCall, masking: Masking) -> ToolCall:
    # Arguments are JSON: unmask string values only, so a name never breaks the JSON's quoting.
    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return masking.unmask(value)
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    # raw_arguments stays as the model wrote it (masked): it is only echoed back to the same model.
    return replace(call, arguments=walk(call.arguments))
