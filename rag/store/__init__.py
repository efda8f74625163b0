"""The vector store: one protocol, four arrangements chosen by ``DANVAN_STORE``.

- ``edge`` (default): qdrant-edge, Qdrant's embedded Rust engine, under ``<data_dir>/edge``.
  Chosen by measurement: the hybrid query at 40k chunks took ~19 ms against ~11 s in
  qdrant-client's local mode, with the same top 10 (issue 9; BENCHMARKS.md).
- ``local``: qdrant-client local mode under ``<data_dir>/qdrant`` (pure Python, exact).
- ``memory``: qdrant-client in memory (tests, throw-away evaluations).
- ``server``: a Qdrant server or cluster at ``DANVAN_QDRANT_URL`` (+ ``DANVAN_QDRANT_API_KEY``).

Every arrangement passes the same contract tests (``tests/test_store_contract.py``).
"""

from __future__ import annotations

import logging

from rag.config import Settings
from rag.errors import DanvanError
from rag.sparse import SPARSE_VERSION
from rag.store.base import DENSE, LEXICAL, MODES, RRF_K, Store, StoreBase, chunk_payload, payload_chunk
from rag.store.client import QdrantStore
from rag.store.edge import EdgeStore, StoreBusyError
from rag.text import NORMALIZER_VERSION

log = logging.getLogger(__name__)

STORES = ("edge", "local", "memory", "server")

__all__ = [
    "DENSE", "LEXICAL", "MODES", "RRF_K", "STORES", "EdgeStore", "QdrantStore", "Store", "StoreBase",
    "StoreBusyError", "chunk_payload", "collection_stamp", "open_store", "payload_chunk",
]


def collection_stamp(embedder) -> dict[str, object]:
    """What the library needs from a collection to query it correctly."""
    return {
        "embed_model": embedder.name,
        "dim": embedder.dim,
        "normalizer": NORMALIZER_VERSION,
        "sparse": SPARSE_VERSION,
    }


def open_store(settings: Settings, kind: str | None = None) -> Store:
    """The store ``settings.store`` (or ``kind``) names.

    The embedded stores (``edge``, ``local``) can be opened by one process at a time.

    Raises:
        DanvanError: an unknown store, a server without URL.
        StoreBusyError: the embedded folder is held by another process.
    """
    kind = kind or settings.store
    if kind not in STORES:
        raise DanvanError(f"DANVAN_STORE={kind!r} is not a store; choose one of {', '.join(STORES)}.")
    if kind == "edge":
        store = EdgeStore(settings.data_dir / "edge")
        _migrate_local(settings, store)
        return store
    from qdrant_client import QdrantClient

    if kind == "memory":
        return QdrantStore(QdrantClient(location=":memory:"), ":memory:")
    if kind == "server":
        if not settings.qdrant_url:
            raise DanvanError("DANVAN_STORE=server needs DANVAN_QDRANT_URL (e.g. http://127.0.0.1:6333).")
        client = QdrantClient(url=settings.qdrant_url, api_key=settings.qdrant_api_key or None)
        options = {"shard_number": settings.qdrant_shards, "replication_factor": settings.qdrant_replicas,
                   "on_disk_payload": {"true": True, "false": False}.get(settings.qdrant_on_disk_payload.lower())}
        return QdrantStore(client, settings.qdrant_url, options)
    path = settings.qdrant_path
    path.mkdir(parents=True, exist_ok=True)
    try:
        client = QdrantClient(path=str(path))
    except RuntimeError as exc:  # portalocker: another process holds the folder
        raise StoreBusyError(
            f"Chỉ mục Qdrant {path} đang được một tiến trình khác dùng "
            f"(hãy dừng ứng dụng, hoặc đặt DANVAN_DATA_DIR sang thư mục khác). ({exc})"
        ) from exc
    return QdrantStore(client, str(path))


def _migrate_local(settings: Settings, edge: EdgeStore) -> None:
    """Copy the collections of an index built by an earlier version (qdrant-client local mode).

    Earlier versions kept the index in ``<data_dir>/qdrant``. When the edge folder holds no
    collection yet and that folder does, every collection is copied point by point (vectors,
    payloads and stamp), and the old folder is left in place for the user to delete.
    """
    legacy = settings.qdrant_path
    if edge.collections() or not (legacy / "collection").is_dir():
        return
    from qdrant_client import QdrantClient

    try:
        client = QdrantClient(path=str(legacy))
    except RuntimeError as exc:
        raise StoreBusyError(f"Chỉ mục cũ {legacy} đang được một tiến trình khác dùng; hãy dừng tiến trình đó rồi chạy lại. ({exc})") from exc
    old = QdrantStore(client, str(legacy))
    try:
        for description in client.get_collections().collections:
            name = description.name
            stamp = old.stamp(name)
            if not stamp.get("dim"):
                continue
            log.warning("Migrating collection %s from the earlier local index %s to the edge store %s "
                        "(the old folder is kept; delete it once you are satisfied).", name, legacy, edge.location)
            edge.create(name, int(stamp["dim"]), stamp | {"migrated_from": str(legacy)})
            rows: list = []
            for row in old.iter_points(name):
                rows.append(row)
                if len(rows) == 256:
                    edge.upsert_raw(name, rows)
                    rows = []
            edge.upsert_raw(name, rows)
    finally:
        old.close()
