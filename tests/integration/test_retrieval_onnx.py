"""The ONNX query encoder: exported from the packaged model, same vectors as sentence-transformers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.embeddings import SentenceTransformerEmbedder

pytestmark = pytest.mark.slow  # exports the model graph (~5 s) and loads torch

TEXTS = [
    "spindle speed",
    "Kalau di program ada G4 P2 buat dwell, apakah spindle sama coolant ikut berhenti? dwell spindle coolant",
    "word " * 400,  # longer than the model reads: truncated the same way on both paths
]


def test_onnx_vectors_equal_torch_vectors_and_the_graph_is_reused(tmp_path: Path) -> None:
    torch_only = SentenceTransformerEmbedder(device="cpu")
    with_onnx = SentenceTransformerEmbedder(device="cpu", onnx_dir=tmp_path / "onnx")
    for text in TEXTS:
        expected = np.array(torch_only.embed([text])[0])
        got = np.array(with_onnx.embed([text])[0])
        assert with_onnx._onnx is not None  # the small input did go through ONNX Runtime
        assert float(expected @ got) > 0.9999 and abs(float(np.linalg.norm(got)) - 1.0) < 1e-5
    graphs = list((tmp_path / "onnx").glob("*.onnx"))
    assert len(graphs) == 1 and not list((tmp_path / "onnx").glob("*.tmp"))
    mtime = graphs[0].stat().st_mtime_ns
    again = SentenceTransformerEmbedder(device="cpu", onnx_dir=tmp_path / "onnx")
    again.embed(["spindle speed"])
    assert graphs[0].stat().st_mtime_ns == mtime


def test_a_graph_that_cannot_be_made_falls_back_to_torch(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    embedder = SentenceTransformerEmbedder(device="cpu", onnx_dir=blocked)
    vector = embedder.embed(["spindle speed"])[0]
    assert embedder._onnx is None and embedder._onnx_failed and len(vector) == 384
