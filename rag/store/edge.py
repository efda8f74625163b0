"""The qdrant-edge adapter: Qdrant's embedded Rust engine, one shard per collection.

Layout under the store's folder (``<data_dir>/edge`` by default)::

    <collection>/shard/      the EdgeShard (segments + write-ahead log)
    <collection>/stamp.json  what the collection was built with (model, dim, chunker, ...)

A collection exists once its ``stamp.json`` does: it is written, atomically, only
after the shard was created, so a crash in between leaves a folder that the next
``create`` clears. Search is exact (no HNSW is built: ``optimize()`` agreed on only
two thirds of the top 10 at 40k chunks, see issue 9), and fusion is RRF with
Qdrant's default k, as in :mod:`rag.store.client`. One process at a time: the
engine locks the write-ahead log, and a second opener gets :class:`StoreBusyError`.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from rag.errors import DanvanError
from rag.sparse import SparseVector
from rag.store.base import DENSE, LEXICAL, LegSearch, Ranked, StoreBase, chunk_payload, fetch_limit, settle
from rag.types import Chunk, SearchFilter

log = logging.getLogger(__name__)


class StoreBusyError(DanvanError):
    """The embedded store's folder is held by another process (the app, an ingest)."""


class EdgeStore(LegSearch, StoreBase):
    """A :class:`rag.store.Store` over ``qdrant_edge.EdgeShard`` folders.

    >>> with EdgeStore(Path(tmp) / "edge") as store:       # doctest: +SKIP
    ...     store.create("danvan", 384, {"embed_model": "..."})
    """

    def __init__(self, root: Path) -> None:
        """Open (creating) the store folder and take its lock.

        Raises:
            StoreBusyError: another process holds the folder.
        """
        self.root = Path(root)
        self.location = str(self.root)
        self._shards: dict[str, object] = {}
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.root / ".lock", "a+")  # noqa: SIM115 - held for the store's lifetime
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise StoreBusyError(
                f"Chỉ mục {self.location} đang được một tiến trình khác dùng (ứng dụng hoặc một lệnh nạp). "
                f"Hãy dừng tiến trình đó trước, hoặc đặt DANVAN_DATA_DIR sang thư mục khác."
            ) from None

    # -- collections -------------------------------------------------------

    def _dir(self, name: str) -> Path:
        if not name or "/" in name or name.startswith("."):
            raise DanvanError(f"Bad collection name {name!r}: use letters, digits, '_' and '-'.")
        return self.root / name

    def collections(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and (p / "stamp.json").is_file())

    def exists(self, name: str) -> bool:
        return (self._dir(name) / "stamp.json").is_file()

    def stamp(self, name: str) -> dict:
        path = self._dir(name) / "stamp.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    def _write_stamp(self, name: str, stamp: Mapping[str, object]) -> None:
        path = self._dir(name) / "stamp.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(dict(stamp), ensure_ascii=False), encoding="utf-8")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def create(self, name: str, dim: int, stamp: Mapping[str, object]) -> None:
        """(Re)create an empty collection with both vectors and the stamp."""
        import qdrant_edge as qe

        self.drop(name)
        folder = self._dir(name)
        folder.mkdir(parents=True)
        config = qe.EdgeConfig(
            vectors={DENSE: qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine)},
            sparse_vectors={LEXICAL: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )
        shard = qe.EdgeShard.create(str(folder / "shard"), config)
        for key, kind in (("doc_id", qe.PayloadSchemaType.Keyword), ("doc_type", qe.PayloadSchemaType.Keyword),
                          ("issuer", qe.PayloadSchemaType.Keyword), ("year", qe.PayloadSchemaType.Integer)):
            shard.update(qe.UpdateOperation.create_field_index(key, kind))
        self._shards[name] = shard
        self._write_stamp(name, stamp)
        log.info("created collection %s at %s", name, self.location)

    def drop(self, name: str) -> None:
        shard = self._shards.pop(name, None)
        if shard is not None:
            shard.close()
        folder = self._dir(name)
        if folder.exists():
            (folder / "stamp.json").unlink(missing_ok=True)  # first: a half-deleted folder is no collection
            shutil.rmtree(folder)

    def update_stamp(self, name: str, **changes: object) -> None:
        self._write_stamp(name, self.stamp(name) | changes)

    def _shard(self, name: str):
        shard = self._shards.get(name)
        if shard is None:
            import qdrant_edge as qe

            if not self.exists(name):
                from rag.errors import CollectionMismatchError

                raise CollectionMismatchError(
                    f"Bộ sưu tập {name!r} chưa có trong {self.location}. Hãy nạp văn bản trước: python -m ingest corpus/"
                )
            try:
                shard = qe.EdgeShard.load(str(self._dir(name) / "shard"))
            except Exception as exc:  # the engine raises a bare Exception ("Can't init WAL: WouldBlock")
                if "WouldBlock" in str(exc) or "lock" in str(exc).lower():
                    raise StoreBusyError(
                        f"Chỉ mục {self.location} đang được một tiến trình khác dùng (ứng dụng hoặc một lệnh nạp). "
                        f"Hãy hỏi qua ứng dụng đang chạy, dừng tiến trình đó trước, hoặc đặt DANVAN_DATA_DIR sang thư mục khác."
                    ) from exc
                raise DanvanError(f"Cannot open collection {name!r} in {self.location}: {exc}") from exc
            self._shards[name] = shard
        return shard

    def count(self, name: str) -> int:
        import qdrant_edge as qe

        return self._shard(name).count(qe.CountRequest(exact=True)) if self.exists(name) else 0

    # -- points ------------------------------------------------------------

    def upsert(self, name: str, chunks: Sequence[Chunk], dense: Sequence[Sequence[float]],
               sparse: Sequence[SparseVector]) -> None:
        import qdrant_edge as qe

        points = [
            qe.Point(
                chunk.point_id,
                {DENSE: [float(x) for x in vector],
                 LEXICAL: qe.SparseVector(indices=list(lex.indices), values=list(lex.values))},
                chunk_payload(chunk),
            )
            for chunk, vector, lex in zip(chunks, dense, sparse, strict=True)
        ]
        if points:
            shard = self._shard(name)
            shard.update(qe.UpdateOperation.upsert_points(points))
            shard.flush()

    def upsert_raw(self, name: str, rows: Sequence[tuple[str, list[float], SparseVector, dict]]) -> None:
        """Write ``(point id, dense, sparse, payload)`` rows as they are (used to migrate a store)."""
        import qdrant_edge as qe

        points = [
            qe.Point(pid, {DENSE: dense, LEXICAL: qe.SparseVector(indices=list(lex.indices), values=list(lex.values))},
                     payload)
            for pid, dense, lex, payload in rows
        ]
        if points:
            shard = self._shard(name)
            shard.update(qe.UpdateOperation.upsert_points(points))
            shard.flush()

    def iter_payloads(self, name: str, fields: Sequence[str] | None = None) -> Iterator[dict]:
        """Every point's payload (only ``fields`` when given), in id order."""
        import qdrant_edge as qe

        shard = self._shard(name)
        offset = None
        while True:
            records, offset = shard.scroll(qe.ScrollRequest(
                offset=offset, limit=1000, with_payload=list(fields) if fields else True, with_vector=False))
            for record in records:
                yield dict(record.payload or {})
            if offset is None:
                return

    def delete_points(self, name: str, point_ids: Iterable[str]) -> None:
        import qdrant_edge as qe

        ids = list(point_ids)
        if ids:
            shard = self._shard(name)
            shard.update(qe.UpdateOperation.delete_points(ids))
            shard.flush()

    def delete_documents(self, name: str, doc_ids: Iterable[str]) -> None:
        """Delete every point of these documents."""
        import qdrant_edge as qe

        ids = list(doc_ids)
        if ids and self.exists(name):
            shard = self._shard(name)
            flt = qe.Filter(must=[qe.FieldCondition(key="doc_id", match=qe.MatchAny(any=ids))])
            shard.update(qe.UpdateOperation.delete_points_by_filter(flt))
            shard.flush()

    def _leg(self, name: str, leg: str, vector, limit: int, filter: SearchFilter | None) -> Ranked:
        import qdrant_edge as qe

        if leg == "dense":
            query, params = qe.Query.Nearest([float(x) for x in vector], using=DENSE), qe.SearchParams(exact=True)
        else:
            sparse = qe.SparseVector(indices=list(vector.indices), values=list(vector.values))
            query, params = qe.Query.Nearest(sparse, using=LEXICAL), None
        request = qe.QueryRequest(limit=fetch_limit(limit), query=query, filter=_edge_filter(filter), params=params,
                                  with_payload=False)
        return settle(((str(p.id), float(p.score)) for p in self._shard(name).query(request)), limit)

    def _payloads(self, name: str, point_ids: Sequence[str]) -> dict[str, dict]:
        if not point_ids:
            return {}
        return {str(r.id): dict(r.payload or {}) for r in self._shard(name).retrieve(list(point_ids), True, False)}

    def close(self) -> None:
        try:
            for shard in self._shards.values():
                try:
                    shard.flush()
                finally:
                    shard.close()
            self._shards.clear()
        finally:
            if not self._lock.closed:
                fcntl.flock(self._lock, fcntl.LOCK_UN)
                self._lock.close()


def _edge_filter(flt: SearchFilter | None):
    """A qdrant-edge ``Filter`` for a :class:`SearchFilter` (None when it constrains nothing)."""
    import qdrant_edge as qe

    if not flt:
        return None
    must = []
    if flt.doc_types:
        must.append(qe.FieldCondition(key="doc_type", match=qe.MatchAny(any=list(flt.doc_types))))
    if flt.issuers:
        must.append(qe.FieldCondition(key="issuer", match=qe.MatchAny(any=list(flt.issuers))))
    if flt.doc_ids:
        must.append(qe.FieldCondition(key="doc_id", match=qe.MatchAny(any=list(flt.doc_ids))))
    if flt.year_from is not None or flt.year_to is not None:
        must.append(qe.FieldCondition(key="year", range=qe.RangeFloat(gte=flt.year_from, lte=flt.year_to)))
    return qe.Filter(must=must)
