"""The document store: every indexed document's full text, metadata and structure.

The vector store holds passages; the app's document viewer and the answerer (a
list quoted whole across chunks) need the whole document. It lives in SQLite at
``<data_dir>/catalog.sqlite`` (table ``documents``), keyed by collection and doc
id, so it works the same beside every vector store (edge, local, memory, server).
WAL mode lets a reader (the app) and a writer (an ingest) work at once.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from rag.types import Document

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL, doc_id TEXT NOT NULL, title TEXT, number TEXT, issuer TEXT, date TEXT,
    doc_type TEXT, url TEXT, source TEXT, text TEXT NOT NULL, page_starts TEXT, extra TEXT, units TEXT,
    chunks INTEGER NOT NULL DEFAULT 0, added_at REAL NOT NULL, updated_at REAL NOT NULL,
    PRIMARY KEY (collection, doc_id))
"""


def catalog_path(data_dir: Path) -> Path:
    """Where the document store and the ingest manifest live."""
    return Path(data_dir) / "catalog.sqlite"


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the catalog (created on first use), WAL mode, 60 s busy timeout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=60, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    return db


@dataclass(frozen=True)
class StoredDocument:
    """A document as indexed: the :class:`Document`, its chunk count and when it was added/updated (epoch s).

    ``units`` is the parsed structure (dicts with ``kind``, ``label``, ``start``, ``end``, ``place``…),
    as the chunker produced it; empty when unknown.
    """

    document: Document
    chunks: int
    added_at: float
    updated_at: float
    units: tuple[Mapping[str, object], ...] = field(default_factory=tuple)


class DocStore:
    """Full texts of the indexed documents, per collection.

    >>> store = DocStore(Path(tmp) / "catalog.sqlite")                  # doctest: +SKIP
    >>> store.put("danvan", doc, chunks=4); store.get("danvan", doc.doc_id).chunks   # doctest: +SKIP
    4
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.db = connect(self.path)
        self.db.execute(_SCHEMA)
        self.db.commit()

    def put(self, collection: str, doc: Document, *, chunks: int, units: Sequence[Mapping[str, object]] = (),
            commit: bool = True) -> None:
        """Insert or replace one document (``added_at`` survives a replacement)."""
        now = time.time()
        row = self.db.execute("SELECT added_at FROM documents WHERE collection=? AND doc_id=?",
                              (collection, doc.doc_id)).fetchone()
        self.db.execute(
            "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (collection, doc.doc_id, doc.title, doc.number, doc.issuer, doc.date, doc.doc_type, doc.url, doc.source,
             doc.text, json.dumps(list(doc.page_starts)), json.dumps(dict(doc.extra), ensure_ascii=False, default=str),
             json.dumps(list(units), ensure_ascii=False, default=str), chunks, row[0] if row else now, now),
        )
        if commit:
            self.db.commit()

    def get(self, collection: str, doc_id: str) -> StoredDocument | None:
        row = self.db.execute("SELECT * FROM documents WHERE collection=? AND doc_id=?", (collection, doc_id)).fetchone()
        return _stored(row) if row else None

    def delete(self, collection: str, doc_ids: Iterable[str], commit: bool = True) -> None:
        self.db.executemany("DELETE FROM documents WHERE collection=? AND doc_id=?",
                            [(collection, d) for d in doc_ids])
        if commit:
            self.db.commit()

    def clear(self, collection: str) -> None:
        self.db.execute("DELETE FROM documents WHERE collection=?", (collection,))
        self.db.commit()

    def doc_ids(self, collection: str) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT doc_id FROM documents WHERE collection=?", (collection,))}

    def list(self, collection: str, search: str = "", limit: int = 200, offset: int = 0) -> list[StoredDocument]:
        """Documents ordered by most recently updated; ``search`` matches title, số hiệu or doc id (substring)."""
        like = f"%{search}%"
        rows = self.db.execute(
            "SELECT * FROM documents WHERE collection=? AND (?='' OR title LIKE ? OR number LIKE ? OR doc_id LIKE ?) "
            "ORDER BY updated_at DESC, doc_id LIMIT ? OFFSET ?",
            (collection, search, like, like, like, limit, offset),
        ).fetchall()
        return [_stored(r) for r in rows]

    def count(self, collection: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM documents WHERE collection=?", (collection,)).fetchone()[0]

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        self.db.close()


def _stored(row: Sequence) -> StoredDocument:
    (_, doc_id, title, number, issuer, date, doc_type, url, source, text, pages, extra, units, chunks,
     added, updated) = row
    doc = Document(doc_id, title or "", text, number=number or "", issuer=issuer or "", date=date or "",
                   doc_type=doc_type or "", url=url or "", source=source or "",
                   extra=MappingProxyType(json.loads(extra or "{}")), page_starts=tuple(json.loads(pages or "[]")))
    return StoredDocument(doc, int(chunks), float(added), float(updated), tuple(json.loads(units or "[]")))
