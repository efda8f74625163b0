"""The indexer: documents -> chunks -> vectors -> Qdrant, idempotently.

Every document is read and checked before the collection is touched, so a bad
file never costs what is already stored. Point ids are uuid5(doc id, chunk
index): re-ingesting overwrites, and a document that shrank loses its extra
points.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.chunk import CHUNKER_VERSION, chunk_document, index_text
from ingest.load import corpus_files, load_documents
from rag import sparse
from rag.config import Settings
from rag.embed import Embedder, load_embedder
from rag.errors import InputError
from rag.store import QdrantStore, collection_stamp, open_store
from rag.text import normalize
from rag.types import Chunk, Document, Progress

log = logging.getLogger(__name__)

ProgressFn = Callable[[Progress], None]


@dataclass(frozen=True)
class IngestReport:
    collection: str
    documents: int
    chunks: int
    reingested: bool
    corpus_hash: str = ""
    deleted: int = 0


def corpus_hash(paths: Iterable[Path]) -> str:
    """Content hash of every corpus file under ``paths`` (names and bytes)."""
    digest = hashlib.sha256(f"chunker={CHUNKER_VERSION}".encode())
    for file in corpus_files(paths):
        digest.update(file.name.encode() + b"\0" + hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _stamp(embedder: Embedder) -> dict[str, object]:
    return collection_stamp(embedder) | {"chunker": CHUNKER_VERSION}


def _checked_documents(paths: Sequence[Path]) -> list[Document]:
    docs = list(load_documents(paths))
    seen: dict[str, str] = {}
    for doc in docs:
        if doc.doc_id in seen:
            raise InputError(
                f"{doc.source}: doc_id {doc.doc_id!r} also appears in {seen[doc.doc_id]}. "
                "Each document needs its own doc_id."
            )
        seen[doc.doc_id] = doc.source
    return docs


def index_documents(
    settings: Settings,
    docs: Sequence[Document],
    *,
    store: QdrantStore,
    embedder: Embedder,
    collection: str,
    progress: ProgressFn | None = None,
    recreate: bool = False,
    remove: Iterable[str] = (),
) -> tuple[int, int]:
    """Chunk, embed and upsert ``docs``, and drop every point of the ``remove`` doc ids.

    Returns ``(chunks written, stale points deleted)``.
    """
    stamp = _stamp(embedder)
    if recreate or not store.exists(collection):
        store.create(collection, embedder.dim, stamp)
        existing: dict[str, list[tuple[str, int]]] = {}
    else:
        store.check(collection, stamp)
        existing = store.chunk_counts(collection)
    chunks: list[Chunk] = []
    stale: list[str] = []
    for doc in docs:
        parts = chunk_document(doc, settings.chunk_min_words, settings.chunk_max_words)
        chunks.extend(parts)
        stale.extend(pid for pid, index in existing.get(doc.doc_id, []) if index >= len(parts))
    stale.extend(pid for doc_id in remove for pid, _ in existing.get(doc_id, []))
    store.delete_points(collection, stale)
    batch = max(1, settings.embed_batch_size)
    for i in range(0, len(chunks), batch):
        part = chunks[i : i + batch]
        texts = [normalize(index_text(c)) for c in part]
        store.upsert(collection, part, embedder.embed_passages(texts), [sparse.encode_document(t) for t in texts])
        if progress:
            progress(Progress("embed", min(i + batch, len(chunks)), len(chunks)))
    return len(chunks), len(stale)


def ingest_paths(
    settings: Settings,
    paths: Sequence[Path],
    *,
    store: QdrantStore | None = None,
    embedder: Embedder | None = None,
    collection: str | None = None,
    progress: ProgressFn | None = None,
    recreate: bool = False,
) -> IngestReport:
    """Add (or update) the documents under ``paths`` in a collection.

    >>> ingest_paths(Settings.from_env(), [Path("corpus")])  # doctest: +SKIP
    IngestReport(collection='danvan', documents=4, chunks=31, reingested=True, ...)
    """
    docs = _checked_documents(paths)  # before any write: bad input loses nothing
    collection = collection or settings.collection
    own_store = store is None
    store = store or open_store(settings)
    try:
        embedder = embedder or load_embedder(settings)
        written, deleted = index_documents(
            settings, docs, store=store, embedder=embedder, collection=collection,
            progress=progress, recreate=recreate,
        )
    finally:
        if own_store:
            store.close()
    log.info("ingested %d documents, %d chunks into %s", len(docs), written, collection)
    return IngestReport(collection, len(docs), written, True, deleted=deleted)


def sync(
    settings: Settings,
    paths: Sequence[Path],
    *,
    store: QdrantStore,
    embedder: Embedder,
    collection: str | None = None,
    progress: ProgressFn | None = None,
) -> IngestReport:
    """Ingest ``paths`` only if the collection is missing or stale.

    Stale means the files' content hash, the embedding model, the chunker or the
    normaliser changed. Documents that were added from other paths are kept;
    documents that disappeared from these paths are removed.
    """
    paths = [Path(p) for p in paths]
    collection = collection or settings.collection
    key = "|".join(sorted(str(p.resolve()) for p in paths))
    digest = corpus_hash(paths)
    stamp = store.stamp(collection)
    expected = _stamp(embedder)
    fresh = all(stamp.get(k) == v for k, v in expected.items())
    sources = dict(stamp.get("sources") or {})
    if fresh and sources.get(key, {}).get("hash") == digest and store.count(collection):
        n = sources[key]
        return IngestReport(collection, n.get("documents", 0), n.get("chunks", 0), False, digest)
    docs = _checked_documents(paths)
    if progress:
        progress(Progress("load", len(docs), len(docs), f"{len(docs)} documents"))
    gone = set(sources.get(key, {}).get("doc_ids", [])) - {d.doc_id for d in docs}
    written, deleted = index_documents(
        settings, docs, store=store, embedder=embedder, collection=collection,
        progress=progress, recreate=not fresh, remove=gone,
    )
    sources = sources if fresh else {}
    sources[key] = {"hash": digest, "documents": len(docs), "chunks": written, "doc_ids": sorted(d.doc_id for d in docs)}
    store.update_stamp(collection, sources=sources)
    log.info("synced %s: %d documents, %d chunks (%d documents removed)", collection, len(docs), written, len(gone))
    return IngestReport(collection, len(docs), written, True, digest, deleted)
