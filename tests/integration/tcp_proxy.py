"""A loopback TCP proxy in front of PostgreSQL that a test can close (connections refused) and reopen,
so an outage is simulated for one app without touching the server other tests share."""

from __future__ import annotations

import contextlib
import socket
import threading


class TcpProxy:
    """Forwards 127.0.0.1:<port> to `target`; `refuse()` drops every connection and refuses new ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        # The port stays ours from here to close(): while refusing, a socket is bound to it but not
        # listening (the kernel answers a connect with a reset: ECONNREFUSED), so no other process on the
        # machine can take the port during an outage and answer in the proxy's place.
        self._held: socket.socket | None = _bound(0)
        self.port = int(self._held.getsockname()[1])
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def open(self) -> None:
        """Accept connections (again) on the same port."""
        listener, self._held = self._held or _bound(self.port), None
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def refuse(self) -> None:
        """Close the listener (new connections: ECONNREFUSED) and reset every open connection."""
        with self._lock:
            if self._listener is not None:
                _hard_close(self._listener)
                self._listener = None
                self._held = _bound(self.port)
            conns, self._conns = self._conns, []
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            _hard_close(conn)

    def close(self) -> None:
        """Stop for good."""
        self.refuse()
        held, self._held = self._held, None
        if held is not None:
            held.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by refuse()
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # refused while this one was being connected
                    client.close()
                    upstream.close()
                    return
                self._conns += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(src, dst), daemon=True).start()


def _bound(port: int) -> socket.socket:
    """A TCP socket bound to 127.0.0.1:<port> (0: any free port), not yet listening."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def _hard_close(sock: socket.socket) -> None:
    """shutdown() before close(): on Linux a close() alone does not wake a thread blocked in recv() or
    accept() on the socket, so the peer would see nothing — a silent, hung connection, not an outage."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := src.recv(65536):
            dst.sendall(data)
    for sock in (src, dst):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
