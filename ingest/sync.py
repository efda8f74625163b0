"""The index follows the folder: ``add``, ``remove`` and ``sync``, incremental and crash-safe.

For each file under the given paths: unchanged (same content hash, ``done`` in the
manifest) files are skipped; new and changed files are read, chunked, embedded and
written; files gone from a folder lose their points, their document-store rows and
their manifest rows. A bad file is reported (file, reason, fix) and never stops the
batch; a changed file that fails keeps its previous version indexed.

Crash safety (SIGKILL at any moment, then the same command): point ids are
uuid5(doc id, chunk index), the manifest row is ``pending`` with every doc id the
file had or will have before the first point is written, and ``done`` after the
last; a ``pending`` row is redone on the next run and its stale points removed. See
:mod:`ingest.manifest`.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ingest.chunk import CHUNKER_VERSION, chunk_document, index_text
from ingest.load import read_file, scan
from ingest.manifest import FileRecord, Manifest
from rag import sparse
from rag.config import SENTENCE_RESCORER, Settings
from rag.docstore import DocStore, catalog_path
from rag.embed import Embedder
from rag.embed_cache import CachedEmbedder
from rag.errors import CollectionMismatchError, InputError
from rag.store import Store, collection_stamp
from rag.text import normalize, passage_sentences
from rag.types import Chunk, Document, Progress

log = logging.getLogger(__name__)

ProgressFn = Callable[[Progress], None]


@dataclass
class SyncReport:
    """What a sync did, file by file (names are paths inside the folder given).

    ``failed`` and ``unsupported`` hold ``(file, reason and fix)``. ``documents`` and
    ``chunks`` count what the given paths hold in the index after the sync; ``total_documents``
    and ``total_chunks`` what the whole collection holds (uploads and other folders included).
    """

    collection: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    unsupported: list[tuple[str, str]] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    total_documents: int = 0
    total_chunks: int = 0
    rebuilt: bool = False
    seconds: float = 0.0

    @property
    def reingested(self) -> bool:
        """Anything written or removed (False: the index was already up to date)."""
        return bool(self.added or self.updated or self.removed or self.rebuilt)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        """A few lines for a terminal, each list with its file names."""
        lines = [f"Đã thêm {len(self.added)} tệp, cập nhật {len(self.updated)}, xoá {len(self.removed)}, "
                 f"không đổi {len(self.unchanged)}"
                 + (f"; lỗi {len(self.failed)}" if self.failed else "")
                 + (f"; không hỗ trợ {len(self.unsupported)}" if self.unsupported else "") + ".",
                 f"Từ các đường dẫn này: {self.documents} văn bản, {self.chunks} đoạn"
                 + (f"; bộ sưu tập {self.collection!r} có tổng cộng {self.total_documents} văn bản, "
                    f"{self.total_chunks} đoạn (kể cả thư mục khác và tệp tải lên)"
                    if (self.total_documents, self.total_chunks) != (self.documents, self.chunks)
                    else f" trong bộ sưu tập {self.collection!r}")]
        for label, names in (("Đã thêm", self.added), ("Đã cập nhật", self.updated), ("Đã xoá", self.removed)):
            if names:
                lines.append(f"{label} ({len(names)}): {', '.join(names[:20])}{' …' if len(names) > 20 else ''}")
        for label, rows in (("LỖI", self.failed), ("Không hỗ trợ", self.unsupported)):
            for name, why in rows:
                lines.append(f"{label}: {name}: {why}")
        lines.append(f"Xong trong {self.seconds:.1f} giây"
                     + (f"; {len(self.failed)} tệp lỗi, xem cách khắc phục ở trên" if self.failed else ""))
        return "\n".join(lines)


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes (hex, first 32 digits)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:32]


def in_part(name: str, part: tuple[int, int]) -> bool:
    """Whether file ``name`` belongs to part ``i`` of ``n`` (stable across processes and runs).

    >>> sum(in_part(f"f{k}.txt", (i, 3)) for k in range(30) for i in range(3))
    30
    """
    i, n = part
    return int(hashlib.sha1(name.encode()).hexdigest(), 16) % n == i


def _stamp(embedder: Embedder) -> dict[str, object]:
    return collection_stamp(embedder) | {"chunker": CHUNKER_VERSION}


class _Catalog:
    """The manifest and the document store of one data dir, opened together."""

    def __init__(self, settings: Settings) -> None:
        path = catalog_path(settings.data_dir)
        self.manifest = Manifest(path)
        self.docs = DocStore(path)

    def close(self) -> None:
        self.manifest.close()
        self.docs.close()


def _prepare(settings: Settings, store: Store, embedder: Embedder, collection: str, catalog: _Catalog,
             recreate: bool, on_mismatch: str) -> tuple[str, bool]:
    """Make sure the collection exists with the right stamp; returns ``(generation, rebuilt)``.

    A collection built with other settings (model, chunker, ...) is rebuilt when
    ``on_mismatch`` is ``"rebuild"`` (its manifest and document-store rows go with it,
    and the caller re-indexes), else :class:`CollectionMismatchError` says how to rebuild.
    """
    expected = _stamp(embedder)
    stamp = store.stamp(collection) if store.exists(collection) else {}
    fresh = bool(stamp) and all(stamp.get(k) == v for k, v in expected.items()) and stamp.get("generation")
    if fresh and not recreate:
        generation = str(stamp["generation"])
        if catalog.manifest.generations(collection) - {generation}:  # rows of an earlier life of the collection
            catalog.manifest.clear(collection)
            catalog.docs.clear(collection)
        return generation, False
    if stamp and not recreate:
        diffs = [k for k, v in expected.items() if stamp.get(k) != v]
        if on_mismatch != "rebuild":
            store.check(collection, expected)  # names the differing keys and the fix
            raise CollectionMismatchError(
                f"Bộ sưu tập {collection!r} được dựng bởi phiên bản cũ (không có manifest). "
                f"Hãy dựng lại: python -m ingest --recreate PATH...")
        log.warning("collection %s was built with other settings (%s): rebuilding it; documents added from "
                    "other folders must be ingested again", collection, ", ".join(diffs) or "no manifest")
    generation = uuid.uuid4().hex
    store.create(collection, embedder.dim, expected | {"generation": generation})  # first: see the module doc
    catalog.manifest.clear(collection)
    catalog.docs.clear(collection)
    return generation, True


def _source_of(path: Path) -> str:
    return str(path.resolve())


def _link_row(key: tuple[str, str], folders: dict[Path, str]) -> bool:
    """Whether a manifest row was made (by an earlier version) for a link in one of ``folders`` that
    points outside it: such rows are keyed by the link's target and pruned with the folder now."""
    return any((folder / key[1]).is_symlink() for folder in folders)


def sync(settings: Settings, paths: Sequence[Path], *, store: Store, embedder: Embedder,
         collection: str | None = None, progress: ProgressFn | None = None, recreate: bool = False,
         prune: bool = True, on_mismatch: str = "rebuild", part: tuple[int, int] | None = None) -> SyncReport:
    """Make the collection hold exactly the documents of ``paths`` (folders or files), incrementally.

    With ``prune`` (the default), files that were indexed from one of these folders
    and are gone now are removed; ``add`` is ``sync`` without pruning. ``recreate``
    drops the collection first. ``on_mismatch``: ``"rebuild"`` a collection built with
    other settings, or ``"raise"``. ``part=(i, n)`` takes only the files whose name hashes
    to ``i`` modulo ``n`` (and prunes only those), so ``n`` processes can share a corpus.

    Raises:
        InputError: a path does not exist (nothing is written then).
        CollectionMismatchError: with ``on_mismatch="raise"``.
    """
    started = time.perf_counter()
    collection = collection or settings.collection
    found = scan(paths)  # raises before any write
    report = SyncReport(collection, unsupported=[(str(p), why) for p, why in found.unsupported])
    catalog = _Catalog(settings)
    try:
        generation, report.rebuilt = _prepare(settings, store, embedder, collection, catalog, recreate, on_mismatch)
        folders = {Path(p): _source_of(Path(p)) for p in paths if Path(p).is_dir()}
        roots = set(folders.values())
        known = catalog.manifest.records(collection)
        wanted: dict[tuple[str, str], Path] = {}
        for file, name in found.files:
            # The folder the walk found the file in, not the one a link points to: a link's row must
            # belong to its folder, or it is never pruned when the link goes.
            root = next((r for folder, r in folders.items() if file.is_relative_to(folder)), None)
            if part is not None and not in_part(name, part):
                continue
            if root is not None and not _source_of(file).startswith(root + "/"):
                report.failed.append((name, f"{file}: liên kết tới {file.resolve()}, nằm ngoài thư mục {root}. "
                                            "Chỉ đi theo liên kết trong thư mục: hãy chép tệp vào thư mục."))
                continue
            wanted[(root or _source_of(file), name)] = file
        gone = [key for key, rec in known.items() if key not in wanted and (part is None or in_part(key[1], part))
                and (key[0] in roots or _link_row(key, folders))] if prune else []
        _remove_records(store, collection, catalog, [known[k] for k in gone])
        report.removed.extend(name for _, name in gone)
        owners = {d: key for key, rec in known.items() if key not in gone for d in rec.doc_ids}
        todo = []
        for key, file in wanted.items():
            digest = file_hash(file)
            rec = known.get(key)
            if rec and rec.status == "done" and rec.hash == digest:
                report.unchanged.append(key[1])
            else:
                todo.append((key, file, digest, rec))
        existing = store.chunk_counts(collection) if todo else {}
        bar = _Bar(progress, len(todo))
        for key, file, digest, rec in todo:
            try:
                docs = read_file(file, key[1], ocr=settings.ocr)
                _check_owners(file, key, docs, owners)
            except InputError as exc:
                report.failed.append((key[1], str(exc)))
                bar.file_done(0)
                continue
            written = _index_file(settings, store, embedder, collection, catalog, generation, key, digest, docs,
                                  rec, existing, bar)
            owners.update({d.doc_id: key for d in docs})
            (report.updated if rec else report.added).append(key[1])
            bar.file_done(written)
        done = catalog.manifest.records(collection)
        mine = [r for k, r in done.items() if k in wanted and r.status == "done"]
        report.documents = sum(len(r.doc_ids) for r in mine)
        report.chunks = sum(r.chunks for r in mine)
        every = [r for r in done.values() if r.status == "done"]
        report.total_documents = sum(len(r.doc_ids) for r in every)
        report.total_chunks = sum(r.chunks for r in every)
    finally:
        catalog.close()
    report.seconds = time.perf_counter() - started
    log.info("synced %s: %d added, %d updated, %d removed, %d unchanged, %d failed", collection, len(report.added),
             len(report.updated), len(report.removed), len(report.unchanged), len(report.failed))
    return report


def add(settings: Settings, paths: Sequence[Path], **kwargs) -> SyncReport:
    """Index new and changed files under ``paths``; nothing else is removed (the app's upload)."""
    return sync(settings, paths, prune=False, **kwargs)


def remove(settings: Settings, doc_ids: Iterable[str], *, store: Store, collection: str | None = None) -> list[str]:
    """Remove documents (and every other document of the same files) from the index; returns the file names removed.

    A document that no manifest row knows (added by an earlier version) loses its points and its row too.

    Raises:
        InputError: a doc id is not in the index (named; nothing is removed then).
    """
    collection = collection or settings.collection
    wanted = set(doc_ids)
    catalog = _Catalog(settings)
    try:
        records = [r for r in catalog.manifest.records(collection).values() if wanted & set(r.doc_ids)]
        stray = wanted - {d for r in records for d in r.doc_ids}
        unknown = {d for d in stray if catalog.docs.get(collection, d) is None}
        if unknown and store.exists(collection):
            unknown -= set(store.chunk_counts(collection))  # points of a document no catalog row knows
        if unknown:
            raise InputError(f"{', '.join(sorted(unknown))}: không có trong chỉ mục (bộ sưu tập {collection!r}); "
                             "chưa xoá gì. Hãy kiểm tra lại mã văn bản (thẻ Tài liệu của ứng dụng liệt kê "
                             "chúng ở cột Mã văn bản).")
        _remove_records(store, collection, catalog, records)
        store.delete_documents(collection, stray)
        catalog.docs.delete(collection, stray)
    finally:
        catalog.close()
    return [r.name for r in records]


def adopt_moved(settings: Settings, paths: Sequence[Path], *, collection: str | None = None) -> list[str]:
    """Files under ``paths`` indexed before from another path with the same content become these
    paths' files in the manifest (their points stay); returns the files adopted.

    For a collection named by its content (an eval corpus: :func:`evals.runner.collection_name`),
    where the same content at a new path (the copy the app's "Đánh giá" tab receives, another
    checkout) must find its index again instead of being refused as "doc_id … appears also in …".
    """
    collection = collection or settings.collection
    roots = {_source_of(Path(p)) for p in paths if Path(p).is_dir()}
    wanted = {}
    for file, name in scan(paths).files:
        root = next((r for r in roots if str(file.resolve()).startswith(r + "/")), None)
        wanted[(root or _source_of(file), name)] = file
    adopted = []
    manifest = Manifest(catalog_path(settings.data_dir))
    try:
        known = manifest.records(collection)
        for key, file in wanted.items():
            if key in known:
                continue
            digest = file_hash(file)
            moved = next((k for k, r in known.items() if k not in wanted and r.status == "done" and r.hash == digest),
                         None)
            if moved is not None:
                manifest.delete(collection, [moved])
                manifest.put(collection, replace(known.pop(moved), source=key[0], name=key[1]))
                log.info("%s was indexed from %s with the same content; adopted", file, moved[0])
                adopted.append(key[1])
    finally:
        manifest.close()
    return adopted


def _remove_records(store: Store, collection: str, catalog: _Catalog, records: Sequence[FileRecord]) -> None:
    for rec in records:
        store.delete_documents(collection, rec.doc_ids)
        catalog.docs.delete(collection, rec.doc_ids)
        catalog.manifest.delete(collection, [(rec.source, rec.name)])


def _check_owners(file: Path, key: tuple[str, str], docs: Sequence[Document], owners: dict) -> None:
    seen: set[str] = set()
    for doc in docs:
        other = owners.get(doc.doc_id)
        if doc.doc_id in seen or (other is not None and other != key):
            where = "hai lần trong tệp này" if doc.doc_id in seen else f"cả trong {other[1]} ({other[0]})"
            raise InputError(f"{file}: doc_id {doc.doc_id!r} xuất hiện {where}. "
                             "Mỗi văn bản cần một doc_id riêng: hãy đổi doc_id rồi nạp lại.")
        seen.add(doc.doc_id)


def _index_file(settings, store, embedder, collection, catalog, generation, key, digest, docs, rec, existing,
                bar) -> int:
    """Write one file's documents; the manifest row brackets the writes (``pending`` … ``done``)."""
    new_ids = tuple(d.doc_id for d in docs)
    old_ids = rec.doc_ids if rec else ()
    catalog.manifest.put(collection, FileRecord(key[0], key[1], digest, "pending",
                                                tuple(dict.fromkeys(old_ids + new_ids)), 0, generation))
    gone_docs = [d for d in old_ids if d not in new_ids]
    store.delete_documents(collection, gone_docs)
    catalog.docs.delete(collection, gone_docs)
    chunks: list[Chunk] = []
    units: dict[str, list] = {}
    for doc in docs:
        parts = chunk_document(doc, settings.chunk_min_words, settings.chunk_max_words)
        chunks.extend(parts)
        units[doc.doc_id] = _units(doc)
        store.delete_points(collection, [pid for pid, i in existing.get(doc.doc_id, []) if i >= len(parts)])
    batch = max(1, settings.embed_batch_size)
    warm = settings.reranker.strip() == SENTENCE_RESCORER and isinstance(embedder, CachedEmbedder)
    for i in range(0, len(chunks), batch):
        part = chunks[i : i + batch]
        texts = [normalize(index_text(c)) for c in part]
        store.upsert(collection, part, embedder.embed_passages(texts), [sparse.encode_document(t) for t in texts])
        if warm:  # the second stage's sentence vectors, into the cache now rather than at question time
            embedder.embed_passages([s for c in part for s in passage_sentences(c.text)])
        bar.chunks_done(len(part))
    counts: dict[str, int] = {}
    for c in chunks:
        counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
    for doc in docs:
        catalog.docs.put(collection, doc, chunks=counts.get(doc.doc_id, 0), units=units[doc.doc_id], commit=False)
    catalog.docs.commit()
    catalog.manifest.put(collection, FileRecord(key[0], key[1], digest, "done", new_ids, len(chunks), generation))
    return len(chunks)


def _units(doc: Document) -> list[dict]:
    """The document's structure as plain dicts for the document store (empty if it cannot be parsed)."""
    try:
        from ingest.structure import parse
    except ImportError:  # pragma: no cover - the structure parser ships with ingest
        return []
    return [asdict(u) for u in parse(doc.text).units]


class _Bar:
    """Turns file and chunk counts into ``Progress`` events (stage ``files``; message: chunks and rates)."""

    def __init__(self, progress: ProgressFn | None, total: int) -> None:
        self.progress, self.total = progress, total
        self.files = self.chunks = 0
        self.started = time.perf_counter()

    def _emit(self) -> None:
        if self.progress:
            elapsed = max(time.perf_counter() - self.started, 1e-9)
            self.progress(Progress("files", self.files, self.total,
                                   f"{self.chunks} đoạn, {self.files / elapsed:.2f} tệp/giây, "
                                   f"{self.chunks / elapsed:.1f} đoạn/giây"))

    def chunks_done(self, n: int) -> None:
        self.chunks += n
        self._emit()

    def file_done(self, n: int) -> None:
        self.files += 1
        self._emit()
