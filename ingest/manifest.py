"""The ingest manifest: which file produced which documents, at which content hash.

One row per file per collection in ``<data_dir>/catalog.sqlite`` (table ``files``),
so it holds 42k documents where collection metadata could not. A row is written
as ``pending`` — with every doc id the file had or will have — *before* any point
is written, and becomes ``done`` after its points and document-store rows are in.
A sync that finds a ``pending`` row redoes that file (or removes it, if the file
is gone): this is what makes a SIGKILL at any moment converge on the next run.

``generation`` ties the rows to one life of the collection (a uuid stamped on it
at creation): rows of an older generation describe points that no longer exist.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rag.docstore import connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    collection TEXT NOT NULL, source TEXT NOT NULL, name TEXT NOT NULL, hash TEXT NOT NULL,
    status TEXT NOT NULL, doc_ids TEXT NOT NULL, chunks INTEGER NOT NULL DEFAULT 0, generation TEXT NOT NULL,
    updated_at REAL NOT NULL, PRIMARY KEY (collection, source, name))
"""


@dataclass(frozen=True)
class FileRecord:
    """One ingested file: ``source`` is the folder it was found in (resolved), ``name`` its path inside."""

    source: str
    name: str
    hash: str
    status: str  # "pending" or "done"
    doc_ids: tuple[str, ...]
    chunks: int
    generation: str


class Manifest:
    """Read and write the ``files`` table of the catalog."""

    def __init__(self, path: Path) -> None:
        self.db = connect(Path(path))
        self.db.execute(_SCHEMA)
        self.db.commit()

    def records(self, collection: str, source: str | None = None) -> dict[tuple[str, str], FileRecord]:
        """``{(source, name): record}`` of a collection (of one source folder when given)."""
        sql = "SELECT source, name, hash, status, doc_ids, chunks, generation FROM files WHERE collection=?"
        args: tuple = (collection,)
        if source is not None:
            sql += " AND source=?"
            args += (source,)
        return {(r[0], r[1]): FileRecord(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5], r[6])
                for r in self.db.execute(sql, args)}

    def put(self, collection: str, record: FileRecord) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?,?)",
            (collection, record.source, record.name, record.hash, record.status, json.dumps(list(record.doc_ids)),
             record.chunks, record.generation, time.time()),
        )
        self.db.commit()

    def delete(self, collection: str, keys: Iterable[tuple[str, str]]) -> None:
        self.db.executemany("DELETE FROM files WHERE collection=? AND source=? AND name=?",
                            [(collection, s, n) for s, n in keys])
        self.db.commit()

    def clear(self, collection: str) -> None:
        self.db.execute("DELETE FROM files WHERE collection=?", (collection,))
        self.db.commit()

    def generations(self, collection: str) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT generation FROM files WHERE collection=?", (collection,))}

    def close(self) -> None:
        self.db.close()
