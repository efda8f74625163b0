"""Compatibility entry points over :mod:`ingest.sync`, and the corpus hash of eval collections."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from ingest.chunk import CHUNKER_VERSION
from ingest.load import corpus_files
from ingest.sync import ProgressFn, SyncReport, sync
from rag.config import Settings
from rag.embed import Embedder, load_embedder
from rag.store import Store, open_store

#: Earlier name of the report; ``documents``, ``chunks`` and ``reingested`` keep their meaning.
IngestReport = SyncReport


def corpus_hash(paths: Iterable[Path]) -> str:
    """Content hash of every corpus file under ``paths`` (names and bytes), with the chunker version."""
    digest = hashlib.sha256(f"chunker={CHUNKER_VERSION}".encode())
    for file in corpus_files(paths):
        digest.update(file.name.encode() + b"\0" + hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()[:16]


def ingest_paths(
    settings: Settings,
    paths: Sequence[Path],
    *,
    store: Store | None = None,
    embedder: Embedder | None = None,
    collection: str | None = None,
    progress: ProgressFn | None = None,
    recreate: bool = False,
) -> SyncReport:
    """Add (or update) the documents under ``paths``; nothing else is removed.

    Opens the store and the embedder from ``settings`` when not given. A collection
    built with other settings is an error naming the fix (``recreate=True`` rebuilds it).

    >>> ingest_paths(Settings.from_env(), [Path("corpus")])  # doctest: +SKIP
    SyncReport(collection='danvan', added=['samples.jsonl'], ...)
    """
    own_store = store is None
    store = store or open_store(settings)
    try:
        embedder = embedder or load_embedder(settings)
        return sync(settings, paths, store=store, embedder=embedder, collection=collection, progress=progress,
                    recreate=recreate, prune=False, on_mismatch="raise")
    finally:
        if own_store:
            store.close()
