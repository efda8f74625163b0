"""What every store shares: the protocol, the payload layout, the stamp check.

A *store* holds named collections; each collection holds one point per chunk with
a dense vector (``dense``, cosine), a sparse BM25 vector (``lexical``, IDF applied
by the engine) and the chunk's fields as payload. The adapters
(:mod:`rag.store.edge`, :mod:`rag.store.client`) convert to and from the engine's
own objects, so callers only ever see :class:`rag.types.Chunk` and :class:`rag.types.Hit`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, fields
from typing import Protocol, runtime_checkable

from rag.errors import CollectionMismatchError
from rag.sparse import SparseVector
from rag.types import Chunk, Hit, SearchFilter

DENSE = "dense"
LEXICAL = "lexical"
MODES = ("hybrid", "dense", "lexical")
#: RRF constant; Qdrant's own default (qdrant_client.hybrid.fusion.DEFAULT_RANKING_CONSTANT_K), so every store fuses alike.
RRF_K = 2
_CHUNK_FIELDS = {f.name for f in fields(Chunk)}
_YEAR = re.compile(r"(1[89]\d\d|20\d\d)\s*$")


@runtime_checkable
class Store(Protocol):
    """The operations ingest, retrieval and evaluation need from a vector store.

    ``location`` names where the data lives (a folder, ``:memory:`` or a URL) for messages.
    """

    location: str

    def exists(self, name: str) -> bool: ...

    def stamp(self, name: str) -> dict: ...

    def create(self, name: str, dim: int, stamp: Mapping[str, object]) -> None: ...

    def update_stamp(self, name: str, **changes: object) -> None: ...

    def count(self, name: str) -> int: ...

    def upsert(self, name: str, chunks: Sequence[Chunk], dense: Sequence[Sequence[float]],
               sparse: Sequence[SparseVector]) -> None: ...

    def iter_payloads(self, name: str, fields: Sequence[str] | None = None) -> Iterator[dict]: ...

    def delete_points(self, name: str, point_ids: Iterable[str]) -> None: ...

    def delete_documents(self, name: str, doc_ids: Iterable[str]) -> None: ...

    def search(self, name: str, *, dense: Sequence[float] | None, lexical: SparseVector | None, limit: int,
               candidates: int, mode: str = "hybrid", filter: SearchFilter | None = None) -> list[Hit]: ...

    def drop(self, name: str) -> None: ...

    def close(self) -> None: ...


class StoreBase:
    """Shared behaviour built on the protocol's primitives (stamp check, chunk counts)."""

    location: str

    def check(self, name: str, expected: Mapping[str, object]) -> None:
        """Raise if the collection is missing or was built with other settings.

        Raises:
            CollectionMismatchError: naming each differing key and the fix.
        """
        if not self.exists(name):  # type: ignore[attr-defined]
            raise CollectionMismatchError(
                f"Bộ sưu tập {name!r} chưa có trong {self.location}. "
                f"Hãy nạp văn bản trước: python -m ingest corpus/"
            )
        stamp = self.stamp(name)  # type: ignore[attr-defined]
        diffs = [
            f"{key}: collection has {stamp.get(key)!r}, settings want {value!r}"
            for key, value in expected.items()
            if stamp.get(key) != value
        ]
        if diffs:
            raise CollectionMismatchError(
                f"Collection {name!r} was built differently ({'; '.join(diffs)}). "
                f"Rebuild it: python -m ingest --recreate corpus/ (or restore the old settings)."
            )

    def chunk_counts(self, name: str) -> dict[str, list[tuple[str, int]]]:
        """``{doc_id: [(point_id, chunk_index), ...]}`` of every stored point."""
        from rag.types import point_id

        found: dict[str, list[tuple[str, int]]] = {}
        for payload in self.iter_payloads(name, ["doc_id", "chunk_index"]):  # type: ignore[attr-defined]
            doc_id, index = payload["doc_id"], int(payload["chunk_index"])
            found.setdefault(doc_id, []).append((point_id(doc_id, index), index))
        return found

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()  # type: ignore[attr-defined]


#: One leg's result: ``(point_id, score)`` pairs, best first.
Ranked = list[tuple[str, float]]


def settle(scored: Iterable[tuple[str, float]], limit: int) -> Ranked:
    """``(point_id, score)`` pairs ordered by score, ties by point id, cut at ``limit``.

    Scores tie often (lexical dot products, fused ranks), and Qdrant orders tied points
    differently from call to call (it fuses in a hash map), so the same question could get
    different passages and answers; settling ties here makes every search repeatable.

    >>> settle([("b", 0.25), ("a", 0.25), ("c", 0.5)], 2)
    [('c', 0.5), ('a', 0.25)]
    """
    return sorted(scored, key=lambda t: (-round(t[1], 9), t[0]))[:limit]


def fetch_limit(limit: int) -> int:
    """How many points to ask an engine for, so that ties at ``limit`` are settled by
    :func:`settle` rather than by the engine's cut (twice ``limit``, at least 20)."""
    return max(2 * limit, 20)


def fuse(dense: Ranked, lexical: Ranked, limit: int, k: int = RRF_K) -> Ranked:
    """Reciprocal rank fusion of two settled legs: ``score = sum 1 / (rank + k - 1)``, rank from 1.

    The formula is Qdrant's own RRF (rank counted from 0 there, plus ``k``), so scores match a
    server's fusion. Source: Cormack, Clarke and Büttcher, "Reciprocal rank fusion outperforms
    Condorcet and individual rank learning methods", SIGIR 2009; ``k`` = :data:`RRF_K`.

    >>> [(i, round(s, 4)) for i, s in fuse([("a", 0.9), ("b", 0.8)], [("b", 3.0)], 5)]
    [('b', 0.8333), ('a', 0.5)]
    """
    fused: dict[str, float] = {}
    for leg in (dense, lexical):
        for rank, (pid, _) in enumerate(leg, start=1):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (rank + k - 1)
    return settle(fused.items(), limit)


class LegSearch:
    """``search`` built on two primitives a backend provides: one leg's settled point ids, and
    the payloads of a few points. Payloads are read for the final ``limit`` points only, and
    each hit keeps the scores of its legs (``dense_score``, ``sparse_score``)."""

    def _leg(self, name: str, leg: str, vector, limit: int, filter: SearchFilter | None) -> Ranked:
        """The ``limit`` best ``(point_id, score)`` of one leg (``"dense"`` or ``"lexical"``), settled."""
        raise NotImplementedError

    def _payloads(self, name: str, point_ids: Sequence[str]) -> dict[str, dict]:
        """``{point_id: payload}`` of the given points."""
        raise NotImplementedError

    def search(self, name: str, *, dense: Sequence[float] | None, lexical: SparseVector | None, limit: int,
               candidates: int, mode: str = "hybrid", filter: SearchFilter | None = None) -> list[Hit]:
        """Top ``limit`` chunks: dense (exact), lexical, or both fused by :func:`fuse` over
        ``candidates`` per leg; ``filter`` keeps only chunks whose metadata matches."""
        check_mode(mode)
        has_lexical = lexical is not None and bool(lexical.indices)
        legs: dict[str, Ranked] = {}
        if mode in ("dense", "hybrid") and dense is not None:
            legs["dense"] = self._leg(name, "dense", dense, limit if mode == "dense" else candidates, filter)
        if mode in ("lexical", "hybrid") and has_lexical:
            legs["lexical"] = self._leg(name, "lexical", lexical, limit if mode == "lexical" else candidates, filter)
        if len(legs) == 2:
            top = fuse(legs["dense"], legs["lexical"], limit)
        elif legs:
            top = next(iter(legs.values()))[:limit]
        else:
            return []
        payloads = self._payloads(name, [pid for pid, _ in top])
        scores = {leg: dict(ranked) for leg, ranked in legs.items()}
        return [
            Hit(chunk=payload_chunk(payloads[pid]), score=score, rank=i,
                dense_score=scores.get("dense", {}).get(pid), sparse_score=scores.get("lexical", {}).get(pid))
            for i, (pid, score) in enumerate(top, start=1) if pid in payloads
        ]


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"Unknown retrieval mode {mode!r}; choose one of {', '.join(MODES)}.")


def chunk_payload(chunk: Chunk) -> dict:
    """The stored payload of a chunk: its fields plus ``year`` (int, 0 if unknown) for range filters.

    >>> chunk_payload(Chunk("d", 0, "x", date="05/03/2026"))["year"]
    2026
    """
    payload = asdict(chunk)
    match = _YEAR.search(chunk.date or "")
    payload["year"] = int(match.group(1)) if match else 0
    return payload


def payload_chunk(payload: Mapping[str, object]) -> Chunk:
    """The :class:`Chunk` of a stored payload (unknown keys ignored, JSON lists back to tuples)."""
    values = {k: v for k, v in payload.items() if k in _CHUNK_FIELDS}
    if "marks" in values:
        values["marks"] = tuple((int(a), str(b)) for a, b in values["marks"])  # type: ignore[union-attr]
    return Chunk(**values)  # type: ignore[arg-type]
