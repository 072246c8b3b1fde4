"""The generated SECRET_KEY: made once per DATA_DIR when none is configured, never a constant in the code."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

KEY_FILE = "secret_key"
_MIN_LEN = 32  # characters of a generated key (43 for 256 random bits); shorter means a partial write


def load_or_create_key(data_dir: Path) -> str:
    """The key kept in `DATA_DIR/secret_key` (mode 0600), created on first use by exactly one process."""
    path = data_dir / KEY_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    try:
        # O_EXCL: of two processes starting at once only one creates the file; the other reads its key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_back(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    return _read_back(path)


def _read_back(path: Path, wait_s: float = 2.0) -> str:
    """The file's key; waits briefly while the creating process is still writing it."""
    deadline = time.monotonic() + wait_s
    while True:
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= _MIN_LEN:
            return key
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} holds no usable key; delete it or set SECRET_KEY")
        time.sleep(0.02)
