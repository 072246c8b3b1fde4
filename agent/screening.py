"""The turn's input gate: a message failing check_input gets a safe refusal instead of an answer; the one
deterministic turn every channel and the model path run (screened once, retried as a whole)."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from agent.core import Agent, Reply
from guardrails.documents import neutralise
from guardrails.inputs import MAX_INPUT_CHARS, check_input
from guardrails.verdict import Verdict
from textkit.format import qty
from textkit.language import detect_language
from tools.registry import Caller
from warehouse.retry import RetryPolicy, retry_read

INTENT = "guardrail"

# category -> (Indonesian, English); no text echoes the message or names a figure.
MESSAGES: dict[str, tuple[str, str]] = {
    "injection": (
        "Maaf, saya tidak bisa mengikuti permintaan itu. Saya hanya menjawab pertanyaan tentang data pabrik "
        "sesuai peran Anda.",
        "Sorry, I can't follow that request. I only answer questions about the factory's data for your role.",
    ),
    "too_long": (
        "Maaf, pesan terlalu panjang (maksimal {limit} karakter). Silakan persingkat pertanyaan Anda.",
        "Sorry, that message is too long (at most {limit} characters). Please ask a shorter question.",
    ),
    "cross_role": (
        "Maaf, saya menjawab sesuai peran akun Anda ({role}). Menyebut peran lain di chat tidak mengubahnya.",
        "Sorry, I answer for your own account's role ({role}). Naming another role in the chat does not "
        "change it.",
    ),
}


def refusal_text(verdict: Verdict, role: str, lang: str) -> str:
    """The refusal for a failed input check, in the caller's language."""
    id_text, en_text = MESSAGES.get(verdict.category or "injection", MESSAGES["injection"])
    limit = qty(MAX_INPUT_CHARS, lang)
    return (en_text if lang == "en" else id_text).format(role=role, limit=limit)


def screen(caller: Caller, message: str) -> Reply | None:
    """None when the message may go to the agent; otherwise the refusal Reply to send and log."""
    verdict = check_input(message, caller.role)
    if verdict.ok:
        return None
    lang = detect_language(verdict.text, caller.lang)
    return Reply(
        refusal_text(verdict, caller.role_name or caller.role, lang),
        "deterministic",
        lang,
        refused=True,
        intent=INTENT,
        reason=f"guardrail_{verdict.category}: {verdict.reason}"[:200],
    )


def clean_reply(reply: Reply) -> Reply:
    """The reply with planted instructions and links cut from quoted passages (answers stay as they are
    when nothing is planted, which is every answer built from warehouse data)."""
    cleaned = neutralise(reply.answer)
    if not cleaned.removed:
        return reply
    meta = {**reply.meta, "neutralised": len(cleaned.removed)}
    return replace(reply, answer=cleaned.text, meta=meta)


def screened_turn(agent: Agent, caller: Caller, text: str, key: str) -> Reply:
    """The deterministic turn every channel runs (and the model path phrases), on cleaned text: the input
    checks, the agent, then planted instructions cut from quoted passages."""
    refused = screen(caller, text)
    return refused or clean_reply(agent.answer(caller, text, key))


def deterministic_turn(agent: Agent, caller: Caller, text: str, key: str, retry: RetryPolicy) -> Reply:
    """`screened_turn`, retried as a whole on a lost or refused connection.

    The agent does every read of a turn in one session, and after a dropped connection that session's
    transaction is gone, so retrying single queries inside it cannot work. The turn only reads (its memory
    write happens after the session and is the same plan on a retry)."""
    return retry_read(partial(screened_turn, agent, caller, text, key), retry, what="turn")
