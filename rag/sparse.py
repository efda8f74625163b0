"""The lexical leg: BM25-style sparse vectors over Vietnamese syllables.

Documents get BM25 term-frequency saturation; Qdrant applies IDF itself
(``Modifier.IDF`` on the sparse vector), so the collection needs no corpus
statistics of ours. Each syllable and syllable bigram is indexed twice: as
written and without diacritics (``~`` prefix), so a question typed without
accents still matches; accented questions use only the accented terms, since
``ma/má/mà/mả/mã/mạ`` are six different words.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from rag.text import has_diacritics, strip_accents, syllables

#: Bumped whenever the term scheme changes; stamped on collections.
SPARSE_VERSION = 1

K1 = 1.2
B = 0.75
AVG_TERMS = 120.0  # about one chunk; fixed so that documents are encoded independently
BIGRAM_WEIGHT = 0.5


@dataclass(frozen=True)
class SparseVector:
    indices: tuple[int, ...]
    values: tuple[float, ...]


def term_id(term: str) -> int:
    """Stable 32-bit id of a term (Qdrant sparse indices are uint32)."""
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=4).digest(), "little")


def _terms(words: list[str], prefix: str) -> Counter[str]:
    counts: Counter[str] = Counter(prefix + w for w in words)
    for a, b in zip(words, words[1:]):
        counts[f"{prefix}{a} {b}"] += BIGRAM_WEIGHT
    return counts


def _vector(weights: dict[str, float]) -> SparseVector:
    merged: dict[int, float] = {}
    for term, weight in weights.items():
        index = term_id(term)
        merged[index] = merged.get(index, 0.0) + weight
    items = sorted(merged.items())
    return SparseVector(tuple(i for i, _ in items), tuple(v for _, v in items))


def encode_document(text: str) -> SparseVector:
    """Sparse vector of a passage: BM25 saturated term frequencies, both spellings.

    >>> v = encode_document("Ủy ban nhân dân xã")
    >>> len(v.indices) > 5 and all(w > 0 for w in v.values)
    True
    """
    words = syllables(text)
    length_norm = 1 - B + B * len(words) / AVG_TERMS
    counts = _terms(words, "") + _terms([strip_accents(w) for w in words], "~")
    return _vector({t: tf * (K1 + 1) / (tf + K1 * length_norm) for t, tf in counts.items()})


def encode_query(text: str, weight: float = 1.0) -> SparseVector:
    """Sparse vector of a question; unaccented questions use the unaccented terms.

    >>> encode_query("xa phai cong khai") == encode_query("xã phải công khai")
    False
    """
    words = syllables(text)
    prefix = "" if has_diacritics(text) else "~"
    words = words if prefix == "" else [strip_accents(w) for w in words]
    return _vector({t: weight * min(tf, 1.0) for t, tf in _terms(words, prefix).items()})


def combine(*vectors: SparseVector) -> SparseVector:
    """Sum of sparse vectors (used to add an earlier turn of the conversation)."""
    merged: dict[int, float] = {}
    for vector in vectors:
        for index, value in zip(vector.indices, vector.values):
            merged[index] = merged.get(index, 0.0) + value
    items = sorted(merged.items())
    return SparseVector(tuple(i for i, _ in items), tuple(v for _, v in items))
