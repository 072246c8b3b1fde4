"""A durable local spool for chat-log rows the database could not take, written later exactly once.

A turn whose answer is ready must not fail because its ai_chat insert did: the row is appended to a JSON-lines
file in DATA_DIR (fsync'd before the reply leaves), and `flush` moves it to the database when it answers.
Writes are idempotent (agent.chatlog.write_row once=True), so a flush interrupted by a crash is simply run
again. File locks make appends and flushes safe when several processes share DATA_DIR.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from agent.chatlog import ChatRow, write_row
from warehouse.retry import is_transient

log = logging.getLogger(__name__)


class ChatLogSpool:
    """Rows waiting for the database: `spool` appends one, `flush` writes what it can and keeps the rest."""

    def __init__(self, folder: Path, sessions: sessionmaker[Session]) -> None:
        self.folder, self.sessions = folder, sessions
        self.pending = folder / "ai_chat.jsonl"  # new rows are appended here
        self.flushing = folder / "ai_chat.flushing.jsonl"  # the batch a flush is working through
        self.rejected = folder / "ai_chat.rejected.jsonl"  # rows the database refused for good

    def spool(self, row: ChatRow) -> None:
        """Append one row durably (fsync'd): once this returns, the row survives a crash."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._locked("append"):
            # Opened per row, so no descriptor outlives the rename in `flush` and no line lands in a batch
            # that is already being written.
            _append(self.pending, row)
        log.warning("chat log row spooled (request %s): database unavailable", row.get("request_id"))

    def backlog(self) -> int:
        """How many rows wait to be written (both files)."""
        return sum(len(_read(p)) for p in (self.flushing, self.pending))

    def flush(self) -> int:
        """Write waiting rows; stop at the first transient failure and keep the rest. Returns rows written."""
        if not self.pending.exists() and not self.flushing.exists():
            return 0
        with self._locked("flush"):
            if not self.flushing.exists():
                with self._locked("append"):
                    if not self.pending.exists():
                        return 0
                    self.pending.rename(self.flushing)  # appends now start a new pending file
            return self._write_batch()

    def _write_batch(self) -> int:
        rows = _read(self.flushing)
        written = 0
        for done, row in enumerate(rows):
            try:
                written += write_row(self.sessions, row, once=True)
            except Exception as exc:
                if not is_transient(exc):
                    # Refused for good (a bug, not an outage): kept aside for a person, not retried forever
                    # in front of the rows behind it, and never dropped silently.
                    log.exception("chat log row refused; kept in %s", self.rejected.name)
                    _append(self.rejected, row)
                    continue
                _rewrite(self.flushing, rows[done:])
                log.info("chat log flush paused after %d rows: database still unavailable", done)
                return written
        self.flushing.unlink()
        if rows:
            log.info("chat log spool flushed: %d rows (%d already written)", len(rows), len(rows) - written)
        return written

    @contextmanager
    def _locked(self, name: str) -> Iterator[None]:
        """One holder at a time per lock name: flock on a separate open() excludes this process's other
        threads as well as other processes sharing DATA_DIR."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / f"{name}.lock", "a") as lk:
            fcntl.flock(lk, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lk, fcntl.LOCK_UN)


def _read(path: Path) -> list[ChatRow]:
    """The rows of a spool file; a torn last line (a crash mid-append, before fsync returned) is skipped."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            log.error("skipping a torn chat log spool line in %s", path)
    return rows


def _append(path: Path, row: ChatRow) -> None:
    """Append one line and fsync it before returning."""
    with path.open("ab") as fh:
        fh.write((json.dumps(row, ensure_ascii=False) + "\n").encode())
        fh.flush()
        os.fsync(fh.fileno())


def _rewrite(path: Path, rows: list[ChatRow]) -> None:
    """Replace a spool file atomically (write, fsync, rename), so a crash leaves the old or the new one."""
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


class SpoolFlusher:
    """The app's background task that empties the spool every `interval_s` (started in the lifespan)."""

    def __init__(self, spool: ChatLogSpool, interval_s: float) -> None:
        self.spool, self.interval_s = spool, interval_s
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start flushing; rows left by an earlier run (or a crash) go first."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="chatlog-spool-flusher")

    async def stop(self) -> None:
        """Stop the loop, then try one last flush so a clean shutdown leaves nothing behind if it can."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._flush_once()

    async def _run(self) -> None:
        while True:
            await self._flush_once()
            await asyncio.sleep(self.interval_s)

    async def _flush_once(self) -> None:
        try:
            await asyncio.to_thread(self.spool.flush)
        except Exception:  # a bad row must not kill the loop; it stays in the spool and in the log
            log.exception("chat log spool flush failed")
