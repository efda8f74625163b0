"""The second-stage experiments stay runnable (evals/experiments.py, EVALS.md)."""

from __future__ import annotations

import numpy as np
import pytest

from evals import experiments


def test_adapter_learns_a_mapping_the_raw_queries_miss():
    """Queries are a fixed linear distortion of their passages plus noise: the adapter must undo
    enough of it to rank the right passage first more often than the raw queries do."""
    rng = np.random.default_rng(0)
    n, d = 400, 32
    P = rng.normal(size=(n, d)).astype(np.float32)
    P /= np.linalg.norm(P, axis=1, keepdims=True)
    M = (0.3 * np.eye(d) + rng.normal(size=(d, d)) / np.sqrt(d)).astype(np.float32)
    Q = P @ M.T + 0.1 * rng.normal(size=(n, d)).astype(np.float32)
    Q /= np.linalg.norm(Q, axis=1, keepdims=True)
    W = experiments.train_adapter(Q, P, epochs=30)

    def top1(queries):
        return float(np.mean(np.argmax(queries @ P.T, axis=1) == np.arange(n)))

    mapped = Q + Q @ W.T
    mapped /= np.linalg.norm(mapped, axis=1, keepdims=True)
    assert W.shape == (d, d)
    assert top1(Q) < 0.1 and top1(mapped) > 0.3  # measured: 0.05 -> 0.48


def test_adapter_pairs_never_come_from_the_civic_corpus(shared_data):
    pairs = experiments.adapter_pairs(40)
    assert len(pairs) == 40 and all(q and p and q != p for q, p in pairs)
    civic = (shared_data / "corpus" / "civic.jsonl").read_text(encoding="utf-8")
    assert not any(p.split("\n", 1)[0] in civic for _, p in pairs)  # no civic unit's title


def test_experiments_need_a_built_eval_collection(tmp_path, monkeypatch):
    import rag

    monkeypatch.setenv("DANVAN_DATA_DIR", str(tmp_path))
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"doc_id": "a", "text": "x"}\n', encoding="utf-8")
    from fakes import HashingEmbedder

    with pytest.raises(SystemExit, match="python -m evals run"):
        experiments._pipeline(rag.Settings.from_env(), corpus, HashingEmbedder())
