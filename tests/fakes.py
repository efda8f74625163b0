"""Fakes with signal, for what is slow (the real embedding model).

``HashingEmbedder`` maps each syllable (and syllable bigram) to a few signed
hashed dimensions, so texts that share words get similar vectors and ranking
can be asserted, unlike a constant mock vector.
"""

from __future__ import annotations

import hashlib
import math

from rag.text import strip_accents, syllables


class HashingEmbedder:
    """Deterministic bag-of-syllables embedder (no model, no torch)."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.name = f"test-hashing-{dim}"
        self.calls = 0

    def _vector(self, text: str) -> list[float]:
        words = [strip_accents(w) for w in syllables(text)]
        grams = words + [a + "_" + b for a, b in zip(words, words[1:])]
        vec = [0.0] * self.dim
        for gram in grams:
            digest = hashlib.blake2b(gram.encode(), digest_size=8).digest()
            index = int.from_bytes(digest[:4], "little") % self.dim
            vec[index] += 1.0 if digest[4] & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        self.calls += 1
        return self._vector(text)


class PreferringReranker:
    """A user's reranker as ``DANVAN_RERANKER=fakes:PreferringReranker`` would load it: scores 1 for
    passages of the document named by ``DANVAN_TEST_PREFERRED`` (read at construction), else 0."""

    def __init__(self, settings) -> None:
        import os

        self.preferred = os.environ.get("DANVAN_TEST_PREFERRED", "")
        self.calls: list[tuple[str, int]] = []

    def rerank(self, question, hits):
        self.calls.append((question, len(hits)))
        return [1.0 if h.chunk.doc_id == self.preferred else 0.0 for h in hits]
