"""`sentient worker`: evaluate the rules on a schedule and dispatch the outbox until stopped.

Several workers may run at once (processes or machines): evaluation takes a lock and is idempotent, and
each outbox row is claimed by one dispatcher.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

from sqlalchemy.orm import Session, sessionmaker

from alerts.config import AlertConfig
from alerts.dispatcher import Dispatcher
from alerts.outcomes import Tally
from alerts.run import run_once
from alerts.sender import Sender

log = logging.getLogger(__name__)


class Worker:
    """The loop: evaluate when due, otherwise dispatch; sleep only when nothing was due."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        sender: Sender | None,
        config: AlertConfig,
        *,
        evaluate: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions, self.config, self.evaluate, self.clock = sessions, config, evaluate, clock
        # No sender (Twilio not configured): rules are still evaluated, so alerts fire, escalate and clear
        # on the dashboard and the API; their messages stay queued until a worker with a sender runs.
        self.dispatcher = Dispatcher(sessions, sender, config.dispatch) if sender is not None else None
        self.stopping = threading.Event()
        self.total = Tally()
        self._next_eval = 0.0

    def stop(self, *_: object) -> None:
        """Finish the batch in hand, then leave the loop."""
        self.stopping.set()

    def tick(self) -> bool:
        """One round: evaluate if due, then one dispatch batch; True when any message was handled."""
        if self.evaluate and self.clock() >= self._next_eval:
            try:
                run_once(self.sessions, self.config)
            except Exception:  # a failing rule must not stop delivery of what is already queued
                log.exception("alert evaluation failed")
            self._next_eval = self.clock() + self.config.eval_interval_s
        if self.dispatcher is None:
            return False
        tally = self.dispatcher.step()
        self.total.add(tally)
        return tally.handled > 0

    def run(self, max_seconds: float | None = None) -> Tally:
        """Loop until stopped (SIGTERM/SIGINT in the main thread) or `max_seconds` pass."""
        deadline = None if max_seconds is None else self.clock() + max_seconds
        while not self.stopping.is_set() and (deadline is None or self.clock() < deadline):
            if not self.tick():
                self.stopping.wait(self.config.poll_s)
        if self.dispatcher is not None:
            self.dispatcher.close()
        return self.total


def install_signals(worker: Worker) -> None:
    """Stop the worker cleanly on SIGTERM and SIGINT."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        worker.stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
