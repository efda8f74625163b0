"""The qdrant-client adapter: local mode on a folder, in memory, or a Qdrant server.

Local mode is exact brute force in pure Python (about 2.3 ms per 1k points per
query and one commit per point on disk, see ../shared/FACTS.md): right for tests
and small corpora; the embedded default is :mod:`rag.store.edge`. The stamp
lives in the collection's own metadata.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence

from rag.sparse import SparseVector
from rag.store.base import DENSE, LEXICAL, LegSearch, Ranked, StoreBase, chunk_payload, fetch_limit, settle
from rag.types import Chunk, SearchFilter

log = logging.getLogger(__name__)
STAMP_KEY = "danvan"


class QdrantStore(LegSearch, StoreBase):
    """A :class:`rag.store.Store` over a ``qdrant_client.QdrantClient``.

    ``options`` are server-side collection settings (``shard_number``,
    ``replication_factor``, ``on_disk_payload``), ignored by local mode.
    """

    def __init__(self, client, location: str, options: Mapping[str, object] | None = None) -> None:
        self.client = client
        self.location = location
        self.options = dict(options or {})

    @property
    def remote(self) -> bool:
        return self.location.startswith(("http://", "https://"))

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
        extra = {k: v for k, v in self.options.items() if v} if self.remote else {}
        self.client.create_collection(
            name,
            vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
            sparse_vectors_config={LEXICAL: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            metadata={STAMP_KEY: dict(stamp)},
            **extra,
        )
        if self.remote:  # local mode ignores (and warns about) payload indexes
            for key, kind in (("doc_id", models.PayloadSchemaType.KEYWORD), ("doc_type", models.PayloadSchemaType.KEYWORD),
                              ("issuer", models.PayloadSchemaType.KEYWORD), ("year", models.PayloadSchemaType.INTEGER)):
                self.client.create_payload_index(name, key, kind)
        log.info("created collection %s at %s", name, self.location)

    def drop(self, name: str) -> None:
        if self.exists(name):
            self.client.delete_collection(name)

    def update_stamp(self, name: str, **changes: object) -> None:
        stamp = self.stamp(name) | changes
        self.client.update_collection(name, metadata={STAMP_KEY: stamp})

    def count(self, name: str) -> int:
        return self.client.count(name, exact=True).count if self.exists(name) else 0

    # -- points ------------------------------------------------------------

    def upsert(self, name: str, chunks: Sequence[Chunk], dense: Sequence[Sequence[float]],
               sparse: Sequence[SparseVector]) -> None:
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

    def iter_points(self, name: str) -> Iterator[tuple[str, list[float], SparseVector, dict]]:
        """``(point id, dense, sparse, payload)`` of every point (used to migrate a store)."""
        offset = None
        while True:
            points, offset = self.client.scroll(name, limit=256, offset=offset, with_payload=True, with_vectors=True)
            for p in points:
                vectors = p.vector or {}
                lex = vectors.get(LEXICAL)
                sparse = SparseVector(tuple(lex.indices), tuple(lex.values)) if lex is not None else SparseVector((), ())
                yield str(p.id), list(vectors.get(DENSE) or []), sparse, dict(p.payload or {})
            if offset is None:
                return

    def delete_points(self, name: str, point_ids: Iterable[str]) -> None:
        from qdrant_client import models

        ids = list(point_ids)
        if ids:
            self.client.delete(name, points_selector=models.PointIdsList(points=ids), wait=True)

    def delete_documents(self, name: str, doc_ids: Iterable[str]) -> None:
        """Delete every point of these documents."""
        from qdrant_client import models

        ids = list(doc_ids)
        if ids and self.exists(name):
            flt = models.Filter(must=[models.FieldCondition(key="doc_id", match=models.MatchAny(any=ids))])
            self.client.delete(name, points_selector=models.FilterSelector(filter=flt), wait=True)

    def _leg(self, name: str, leg: str, vector, limit: int, filter: SearchFilter | None) -> Ranked:
        from qdrant_client import models

        if leg == "dense":
            query, using = list(vector), DENSE
        else:
            query, using = models.SparseVector(indices=list(vector.indices), values=list(vector.values)), LEXICAL
        response = self.client.query_points(name, query=query, using=using, limit=fetch_limit(limit),
                                            query_filter=_qdrant_filter(filter), with_payload=False)
        return settle(((str(p.id), float(p.score)) for p in response.points), limit)

    def _payloads(self, name: str, point_ids: Sequence[str]) -> dict[str, dict]:
        if not point_ids:
            return {}
        return {str(r.id): dict(r.payload or {}) for r in self.client.retrieve(name, list(point_ids), with_payload=True)}

    def close(self) -> None:
        self.client.close()


def _qdrant_filter(flt: SearchFilter | None):
    """A qdrant-client ``Filter`` for a :class:`SearchFilter` (None when it constrains nothing).

    The year range is matched on the ``year`` payload key (see :func:`rag.store.base.chunk_payload`).
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
