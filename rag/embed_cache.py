"""A per-passage embedding cache: re-ingesting a changed file re-embeds only what is new.

Vectors are kept in SQLite (``<model_dir>/cache/<model>.sqlite``, WAL mode, so
several processes may share it) keyed by the SHA-1 of the passage prefix and the
normalised passage text, as float32 bytes. The key includes the prefix because
e5 embeds ``passage: `` + text; the file name includes the model and its
dimension, so two models never mix.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


class CachedEmbedder:
    """Wraps an :class:`rag.embed.Embedder`; ``embed_passages`` looks each text up first.

    Queries are not cached on disk (the wrapped embedder keeps an in-memory LRU).

    >>> from pathlib import Path; import tempfile                          # doctest: +SKIP
    >>> cached = CachedEmbedder(inner, Path(tempfile.mkdtemp()))           # doctest: +SKIP
    """

    def __init__(self, inner, folder: Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.hits = 0
        self.misses = 0
        folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{inner.name}-{inner.dim}")
        self.path = folder / f"{safe}.sqlite"
        self._db = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")
        self._db.commit()
        self._prefix = getattr(inner, "passage_prefix", "")

    def __getattr__(self, attr: str):  # query_prefix, batch_size, ... of the wrapped embedder
        return getattr(self.inner, attr)

    def _key(self, text: str) -> bytes:
        return hashlib.sha1(f"{self._prefix}\0{text}".encode()).digest()

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        """Vectors of ``texts`` (length ``dim`` each), from the cache where present."""
        keys = [self._key(t) for t in texts]
        found: dict[bytes, list[float]] = {}
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            rows = self._db.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})", part
            ).fetchall()
            found.update((k, np.frombuffer(v, dtype=np.float32).tolist()) for k, v in rows)
        todo = [i for i, k in enumerate(keys) if k not in found]
        self.hits += len(texts) - len(todo)
        self.misses += len(todo)
        if todo:
            vectors = self.inner.embed_passages([texts[i] for i in todo])
            rows = []
            for i, vector in zip(todo, vectors, strict=True):
                as32 = np.asarray(vector, dtype=np.float32)  # what a later hit returns, so first and later agree
                found[keys[i]] = as32.tolist()
                rows.append((keys[i], as32.tobytes()))
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
            self._db.commit()
        return [found[k] for k in keys]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def close(self) -> None:
        self._db.close()
