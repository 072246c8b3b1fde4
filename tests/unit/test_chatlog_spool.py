"""The chat-log spool: a row the database could not take is kept on disk and written later exactly once."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from agent.chatlog import ChatRow
from channels.chatlog_spool import ChatLogSpool
from tests.dbutil import fresh_database
from warehouse.schema import AiChat
from warehouse.types import utcnow


def row(rid: str) -> ChatRow:
    return {"user_id": None, "channel": "web", "msg_in": "halo", "msg_out": "hai", "request_id": rid,
            "ts": utcnow().isoformat()}  # fmt: skip


class Down:
    """A session factory whose database is unreachable."""

    def __call__(self) -> Session:
        raise OperationalError("INSERT", {}, Exception("connection refused"))


def count(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(AiChat)) or 0)


def test_spooled_rows_survive_an_outage_and_are_written_once(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as engine:
        sessions = sessionmaker(engine)
        folder = tmp_path / "spool"
        down = ChatLogSpool(folder, Down())  # type: ignore[arg-type]
        down.spool(row("a"))
        down.spool(row("b"))
        assert down.flush() == 0 and down.backlog() == 2  # still down: nothing lost
        up = ChatLogSpool(folder, sessions)  # a restarted process finds the rows on disk
        crash_copy = tmp_path / "copy.jsonl"
        shutil.copy(up.flushing, crash_copy)  # as if the process died after writing, before unlinking
        assert up.flush() == 2 and count(sessions) == 2 and up.backlog() == 0
        shutil.copy(crash_copy, up.flushing)
        assert up.flush() == 0 and count(sessions) == 2  # the same turns are not written twice
        up.spool(row("a"))  # the same request id at another moment is another turn
        assert up.flush() == 1 and count(sessions) == 3


def test_a_row_refused_for_good_is_kept_aside_not_dropped(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as engine:
        spool = ChatLogSpool(tmp_path / "spool", sessionmaker(engine))
        spool.spool({**row("bad"), "msg_in": None})  # NOT NULL violation: a bug, not an outage
        spool.spool(row("good"))
        assert spool.flush() == 1
        assert spool.rejected.exists() and '"bad"' in spool.rejected.read_text()
