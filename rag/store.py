"""The Qdrant adapter: one collection holds dense and sparse vectors of every chunk.

Qdrant objects stay inside this module; callers see :class:`rag.types.Chunk`
and :class:`rag.types.Hit`. What was fixed at ingest time (model, dimensions,
normaliser, sparse scheme, chunker) is stamped on the collection's metadata and
checked when it is opened.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, fields

from rag.config import Settings
from rag.errors import CollectionMismatchError, DanvanError
from rag.sparse import SPARSE_VERSION, SparseVector
from rag.text import NORMALIZER_VERSION
from rag.types import Chunk, Hit, SearchFilter

log = logging.getLogger(__name__)

DENSE = "dense"
LEXICAL = "lexical"
STAMP_KEY = "danvan"
MODES = ("hybrid", "dense", "lexical")
_CHUNK_FIELDS = {f.name for f in fields(Chunk)}


def collection_stamp(embedder) -> dict[str, object]:
    """What the library needs from a collection to query it correctly."""
    return {
        "embed_model": embedder.name,
        "dim": embedder.dim,
        "normalizer": NORMALIZER_VERSION,
        "sparse": SPARSE_VERSION,
    }


STORES = ("edge", "local", "memory", "server")


def open_store(settings: Settings) -> QdrantStore:
    """The store ``settings.store`` names: ``edge``, ``local``, ``memory`` or ``server``.

    The embedded stores live in ``<data_dir>/qdrant`` and can be opened by one
    process at a time (the folder is locked).

    Raises:
        DanvanError: an unknown store, a server without URL, or a folder held by another process.
    """
    from qdrant_client import QdrantClient

    kind = settings.store
    if kind not in STORES:
        raise DanvanError(f"DANVAN_STORE={kind!r} is not a store; choose one of {', '.join(STORES)}.")
    if kind == "memory":
        return QdrantStore(QdrantClient(location=":memory:"), ":memory:")
    if kind == "server":
        if not settings.qdrant_url:
            raise DanvanError("DANVAN_STORE=server needs DANVAN_QDRANT_URL (e.g. http://127.0.0.1:6333).")
        client = QdrantClient(url=settings.qdrant_url, api_key=settings.qdrant_api_key or None)
        return QdrantStore(client, settings.qdrant_url)
    path = settings.qdrant_path
    path.mkdir(parents=True, exist_ok=True)
    try:
        client = QdrantClient(path=str(path))
    except RuntimeError as exc:  # portalocker: another process holds the folder
        raise DanvanError(
            f"The embedded Qdrant store {path} is in use by another process "
            f"(stop the app, or set DANVAN_DATA_DIR to another folder). ({exc})"
        ) from exc
    return QdrantStore(client, str(path))


class QdrantStore:
    """Thin, typed wrapper around a ``QdrantClient``."""

    def __init__(self, client, location: str) -> None:
        self.client = client
        self.location = location

    # -- collections -------------------------------------------------------

    def exists(self, name: str) -> bool:
        return self.client.collection_exists(name)

    def stamp(self, name: str) -> dict:
        """The ``danvan`` metadata stamped on a collection ({} if none)."""
        if not self.exists(name):
            return {}
        metadata = self.client.get_collection(name).config.metadata or {}
        return dict(metadata.get(STAMP_KEY) or {})

    def create(self, name: str, dim: int, stamp: Mapping[str, object]) -> None:
        """(Re)create an empty collection with both vectors and the stamp."""
        from qdrant_client import models

        if self.exists(name):
            self.client.delete_collection(name)
        self.client.create_collection(
            name,
            vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
            sparse_vectors_config={LEXICAL: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            metadata={STAMP_KEY: dict(stamp)},
        )
        if self.location.startswith(("http://", "https://")):  # local mode ignores (and warns about) indexes
            self.client.create_payload_index(name, "doc_id", models.PayloadSchemaType.KEYWORD)
        log.info("created collection %s at %s", name, self.location)

    def update_stamp(self, name: str, **changes: object) -> None:
        stamp = self.stamp(name) | changes
        self.client.update_collection(name, metadata={STAMP_KEY: stamp})

    def check(self, name: str, expected: Mapping[str, object]) -> None:
        """Raise if the collection is missing or was built with other settings.

        Raises:
            CollectionMismatchError: naming each differing key and the fix.
        """
        if not self.exists(name):
            raise CollectionMismatchError(
                f"Collection {name!r} does not exist in {self.location}. "
                f"Ingest documents first: python -m ingest corpus/"
            )
        stamp = self.stamp(name)
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

    def count(self, name: str) -> int:
        return self.client.count(name, exact=True).count if self.exists(name) else 0

    # -- points ------------------------------------------------------------

    def upsert(
        self,
        name: str,
        chunks: Sequence[Chunk],
        dense: Sequence[Sequence[float]],
        sparse: Sequence[SparseVector],
    ) -> None:
        from qdrant_client import models

        points = [
            models.PointStruct(
                id=chunk.point_id,
                vector={
                    DENSE: list(vector),
                    LEXICAL: models.SparseVector(indices=list(lex.indices), values=list(lex.values)),
                },
                payload=chunk_payload(chunk),
            )
            for chunk, vector, lex in zip(chunks, dense, sparse, strict=True)
        ]
        self.client.upsert(name, points=points, wait=True)

    def chunk_counts(self, name: str) -> dict[str, list[tuple[str, int]]]:
        """``{doc_id: [(point_id, chunk_index), ...]}`` of every stored point."""
        found: dict[str, list[tuple[str, int]]] = {}
        offset = None
        while True:
            points, offset = self.client.scroll(
                name, limit=1000, offset=offset, with_payload=["doc_id", "chunk_index"], with_vectors=False
            )
            for p in points:
                found.setdefault(p.payload["doc_id"], []).append((str(p.id), p.payload["chunk_index"]))
            if offset is None:
                return found

    def iter_payloads(self, name: str, fields: Sequence[str] | None = None) -> Iterator[dict]:
        """Every point's payload (only ``fields`` when given), in the store's order."""
        offset = None
        while True:
            points, offset = self.client.scroll(
                name, limit=1000, offset=offset, with_payload=list(fields) if fields else True, with_vectors=False
            )
            for p in points:
                yield dict(p.payload or {})
            if offset is None:
                return

    def delete_points(self, name: str, point_ids: Iterable[str]) -> None:
        from qdrant_client import models

        ids = list(point_ids)
        if ids:
            self.client.delete(name, points_selector=models.PointIdsList(points=ids), wait=True)

    def search(
        self,
        name: str,
        *,
        dense: Sequence[float] | None,
        lexical: SparseVector | None,
        limit: int,
        candidates: int,
        mode: str = "hybrid",
        filter: SearchFilter | None = None,
    ) -> list[Hit]:
        """Top ``limit`` chunks: dense, lexical, or both fused by reciprocal rank.

        ``filter`` keeps only chunks whose metadata matches (see :class:`rag.types.SearchFilter`).
        """
        from qdrant_client import models

        flt = _qdrant_filter(filter)

        if mode not in MODES:
            raise ValueError(f"Unknown retrieval mode {mode!r}; choose one of {', '.join(MODES)}.")
        sparse_query = (
            models.SparseVector(indices=list(lexical.indices), values=list(lexical.values))
            if lexical is not None and lexical.indices
            else None
        )
        if mode == "dense" or (mode == "hybrid" and sparse_query is None):
            response = self.client.query_points(name, query=list(dense), using=DENSE, limit=limit,
                                                query_filter=flt, with_payload=True)
        elif mode == "lexical":
            if sparse_query is None:
                return []
            response = self.client.query_points(name, query=sparse_query, using=LEXICAL, limit=limit,
                                                query_filter=flt, with_payload=True)
        else:
            response = self.client.query_points(
                name,
                prefetch=[
                    models.Prefetch(query=list(dense), using=DENSE, limit=candidates, filter=flt),
                    models.Prefetch(query=sparse_query, using=LEXICAL, limit=candidates, filter=flt),
                ],
                query=models.FusionQuery(fusion=models.Fusion.RRF),
                query_filter=flt,
                limit=limit,
                with_payload=True,
            )
        return [
            Hit(chunk=_chunk(p.payload), score=float(p.score), rank=i)
            for i, p in enumerate(response.points, start=1)
        ]

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> QdrantStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def chunk_payload(chunk: Chunk) -> dict:
    """The stored payload of a chunk: its fields plus ``year`` (int, 0 if unknown) for range filters.

    >>> chunk_payload(Chunk("d", 0, "x", date="05/03/2026"))["year"]
    2026
    """
    payload = asdict(chunk)
    match = re.search(r"(1[89]\d\d|20\d\d)\s*$", chunk.date or "")
    payload["year"] = int(match.group(1)) if match else 0
    return payload


def _chunk(payload: Mapping[str, object]) -> Chunk:
    values = {k: v for k, v in payload.items() if k in _CHUNK_FIELDS}
    if "marks" in values:  # JSON payloads hold lists
        values["marks"] = tuple((int(a), str(b)) for a, b in values["marks"])
    return Chunk(**values)


def _qdrant_filter(flt: SearchFilter | None):
    """A qdrant ``Filter`` for a :class:`SearchFilter` (None when it constrains nothing).

    The year range is matched on the ``year`` payload key written at ingest.
    """
    from qdrant_client import models

    if not flt:
        return None
    must = []
    if flt.doc_types:
        must.append(models.FieldCondition(key="doc_type", match=models.MatchAny(any=list(flt.doc_types))))
    if flt.issuers:
        must.append(models.FieldCondition(key="issuer", match=models.MatchAny(any=list(flt.issuers))))
    if flt.doc_ids:
        must.append(models.FieldCondition(key="doc_id", match=models.MatchAny(any=list(flt.doc_ids))))
    if flt.year_from is not None or flt.year_to is not None:
        must.append(models.FieldCondition(key="year", range=models.Range(gte=flt.year_from, lte=flt.year_to)))
    return models.Filter(must=must)
