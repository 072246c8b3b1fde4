"""Unit-test fixtures: no real network (only loopback and local sockets connect), scripted models."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from models.fakes import ScriptedModel, Step


class NetworkBlocked(RuntimeError):
    """A unit test tried to reach a real host."""


def _is_local(address: Any) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths and socketpairs are local by definition
        return True
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name: resolving and reaching it is network


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every connection that leaves the machine, so a unit test cannot call a real model."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self: socket.socket, address: Any) -> None:
        if not _is_local(address):
            raise NetworkBlocked(f"unit tests may not reach {address!r}")
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not _is_local(address):
            raise NetworkBlocked(f"unit tests may not reach {address!r}")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture
def scripted() -> Iterator[Callable[..., ScriptedModel]]:
    """Make ScriptedModels; each fails the test at teardown if any of its steps was never used."""
    made: list[ScriptedModel] = []

    def make(*steps: Step, name: str = "scripted") -> ScriptedModel:
        model = ScriptedModel(list(steps), name=name)
        made.append(model)
        return model

    yield make
    for model in made:
        model.assert_done()
