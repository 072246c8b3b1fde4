"""Query embeddings through ONNX Runtime: the same MiniLM, exported once from the packaged model.

A search embeds one short query while the user waits. Through sentence-transformers that is ~17 ms on an
idle core and 55-65 ms on this 2-core machine under load; the same graph in ONNX Runtime on one thread
takes about half as long, with the same vectors (cosine 1.0 to the torch ones, checked in the tests).
Batches (ingestion) stay on torch. The graph is exported from the local model folder with torch (no
download) into a cache folder, keyed by the model's fingerprint, and reused by every later process.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def onnx_file(model_path: Path, cache_dir: Path, fingerprint: str) -> Path:
    """Where the exported graph of this model version lives."""
    return cache_dir / f"{model_path.name}-{fingerprint}.onnx"


def export_onnx(model_path: Path, target: Path) -> Path:
    """Export the transformer of a local sentence-transformers model (token states out) to `target`."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # no "Loading weights" bar in the middle of a search's output
    try:
        model = AutoModel.from_pretrained(str(model_path), local_files_only=True).eval()
    finally:
        if bars:
            hf_logging.enable_progress_bar()

    class _States(torch.nn.Module):
        """Positional inputs, one output: what the ONNX graph needs."""

        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            return self.inner(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state

    sample = torch.ones((1, 8), dtype=torch.long)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written under a temporary name, then renamed: a concurrent process never reads half a file.
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
    os.close(fd)
    try:
        # The TorchScript exporter warns that it is deprecated and about traced shapes; the graph is checked
        # against torch's vectors in the tests, so the warnings carry nothing to act on here.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _States(),
                (sample, sample, torch.zeros_like(sample)),
                tmp,
                input_names=list(_INPUTS),
                output_names=["states"],
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "states")},
                opset_version=17,
                dynamo=False,  # the TorchScript exporter needs no onnxscript and exports BERT as is
            )
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


class OnnxQueryEncoder:
    """Mean-pooled, L2-normalised MiniLM vectors from ONNX Runtime on one thread (for short inputs)."""

    def __init__(self, model_path: Path, graph: Path) -> None:
        self.model_path, self.graph = model_path, graph
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Export the graph when missing, then open the session and the tokenizer."""
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            if not self.graph.is_file():
                export_onnx(self.model_path, self.graph)
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1  # one query: threads cost more than they save (see module doc)
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            self._session = ort.InferenceSession(str(self.graph), options, providers=["CPUExecutionProvider"])
            tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
            tokenizer.enable_truncation(max_length=_max_seq_length(self.model_path))
            tokenizer.enable_padding()
            self._tokenizer = tokenizer

    def embed(self, texts: list[str]) -> list[list[float]]:
        """One unit vector per text, as sentence-transformers computes them (truncated at max_seq_length)."""
        if not texts:
            return []
        if self._session is None or self._tokenizer is None:
            self.load()
        assert self._session is not None and self._tokenizer is not None
        encodings = self._tokenizer.encode_batch(texts)
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        states = self._session.run(None, feed)[0]
        mask = feed["attention_mask"][..., None].astype(np.float32)
        pooled = (states * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        rows: list[list[float]] = pooled.tolist()
        return rows


def _max_seq_length(model_path: Path) -> int:
    """The model's max_seq_length (sentence_bert_config.json), 256 for MiniLM when not stated."""
    try:
        config = json.loads((model_path / "sentence_bert_config.json").read_text())
        return int(config.get("max_seq_length") or 256)
    except (OSError, ValueError):
        return 256
