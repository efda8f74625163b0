"""The lexical leg: BM25-style sparse vectors over Vietnamese syllables.

Documents get BM25 term-frequency saturation; Qdrant applies IDF itself
(``Modifier.IDF`` on the sparse vector), so the collection needs no corpus
statistics of ours. Each syllable and syllable bigram is indexed twice: as
written and without diacritics (``~`` prefix), so a question typed without
accents still matches. A question is matched syllable by syllable in the form it
was typed: a syllable typed with diacritics uses the accented term (``ma/má/mà/
mả/mã/mạ`` are six different words), a bare one the unaccented term; a pair uses
the accented term only when both syllables were typed with diacritics.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
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
    """Sparse vector of a question, each syllable in the form it was typed (see :func:`encode_words`).

    >>> encode_query("xa phai cong khai") == encode_query("xã phải công khai")
    False
    >>> encode_query("xa phai cong khai") == encode_query("xa phai cong khai", weight=1.0)
    True
    """
    words = syllables(text)
    return encode_words(words, [has_diacritics(w) for w in words], weight)


def encode_words(words: Sequence[str], accented: Sequence[bool], weight: float = 1.0) -> SparseVector:
    """Sparse vector of lower-case syllables; ``accented[i]`` says whether ``words[i]`` was typed with marks.

    A bare syllable is matched through the unaccented field (``~xa`` finds
    ``xã``, ``xa``, ``xá``...), an accented one exactly; a pair is exact only when
    both of its syllables are accented. Query terms count once (binary weights).

    >>> encode_words(["xã", "phai"], [True, False]) == encode_query("xã phai")
    True
    """
    terms: Counter[str] = Counter()
    keys = [w if a else "~" + strip_accents(w) for w, a in zip(words, accented)]
    for key in keys:
        terms[key] = 1.0
    for (a, x), (b, y) in zip(zip(words, accented), list(zip(words, accented))[1:]):
        pair = f"{a} {b}" if x and y else f"~{strip_accents(a)} {strip_accents(b)}"
        terms[pair] = BIGRAM_WEIGHT
    return _vector({t: weight * w for t, w in terms.items()})


def combine(*vectors: SparseVector) -> SparseVector:
    """Sum of sparse vectors (used to add an earlier turn of the conversation)."""
    merged: dict[int, float] = {}
    for vector in vectors:
        for index, value in zip(vector.indices, vector.values):
            merged[index] = merged.get(index, 0.0) + value
    items = sorted(merged.items())
    return SparseVector(tuple(i for i, _ in items), tuple(v for _, v in items))
