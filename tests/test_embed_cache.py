"""The per-passage embedding cache: same vectors, and only new text reaches the model."""

from __future__ import annotations

import pytest
from fakes import HashingEmbedder

from rag.embed_cache import CachedEmbedder


def test_cache_returns_the_models_vectors_and_embeds_only_new_text(tmp_path):
    inner = HashingEmbedder()
    cached = CachedEmbedder(inner, tmp_path / "cache")
    first = cached.embed_passages(["xã công khai thông tin", "hòa giải ở cơ sở"])
    expected = inner.embed_passages(["xã công khai thông tin", "hòa giải ở cơ sở"])
    assert [pytest.approx(v, abs=1e-6) for v in expected] == first
    calls = inner.calls
    again = cached.embed_passages(["hòa giải ở cơ sở", "tổ dân phố", "xã công khai thông tin"])
    assert inner.calls == calls + 1  # one call, for the one new passage
    assert again[0] == first[1] and again[2] == first[0]
    assert (cached.hits, cached.misses) == (2, 3)


def test_cache_survives_a_new_process_and_keeps_models_apart(tmp_path):
    CachedEmbedder(HashingEmbedder(), tmp_path).embed_passages(["tổ dân phố"])
    reopened = CachedEmbedder(HashingEmbedder(), tmp_path)
    reopened.embed_passages(["tổ dân phố"])
    assert reopened.hits == 1
    other = CachedEmbedder(HashingEmbedder(dim=64), tmp_path)
    assert len(other.embed_passages(["tổ dân phố"])[0]) == 64 and other.misses == 1
