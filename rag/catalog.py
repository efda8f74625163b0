"""What retrieval knows about a collection beyond its vectors: document metadata and a diacritics model.

Built once per collection from the stored payloads (``Store.iter_payloads``) and
cached as JSON under ``<data_dir>/cache/retrieval/``, keyed by the collection
name, its point count and its stamp, so a re-ingest that changes the collection
rebuilds it and an unchanged one opens in milliseconds.

The catalog answers "which documents does this question name?": a số hiệu in
full or in part, matched with :meth:`rag.query.DocNumber.matches`, or a date
equal to the document's date (``dd/mm/yyyy`` on both sides).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from rag.diacritics import MODEL_VERSION, Restorer
from rag.query import Query

log = logging.getLogger(__name__)

CATALOG_VERSION = 1
_FIELDS = ("doc_id", "number", "date", "doc_type", "issuer", "title", "text")


@dataclass(frozen=True)
class DocMeta:
    number: str = ""
    date: str = ""
    doc_type: str = ""
    issuer: str = ""


class Catalog:
    """Per-document metadata of a collection, plus the diacritics restorer learned from its text.

    >>> c = Catalog({"a": DocMeta("09/2025/TT-BNV", "14/07/2025", "Thông tư")}, Restorer({}, {}))
    >>> from rag.query import parse
    >>> sorted(c.named(parse("Theo Thông tư 09/2025 thì sao?")))
    ['a']
    >>> c.resolve(parse("Theo Thông tư 09/2025 thì sao?"))
    (('09/2025', '09/2025/TT-BNV'),)
    """

    def __init__(self, docs: dict[str, DocMeta], restorer: Restorer) -> None:
        self.docs = docs
        self.restorer = restorer

    @classmethod
    def build(cls, payloads) -> Catalog:
        """From an iterable of chunk payloads (``doc_id``, metadata, ``title``, ``text``)."""
        docs: dict[str, DocMeta] = {}
        texts: list[str] = []
        titles: dict[str, str] = {}
        for p in payloads:
            doc_id = str(p.get("doc_id", ""))
            if doc_id not in docs:
                docs[doc_id] = DocMeta(str(p.get("number") or ""), str(p.get("date") or ""),
                                       str(p.get("doc_type") or ""), str(p.get("issuer") or ""))
                titles[doc_id] = str(p.get("title") or "")
            texts.append(str(p.get("text") or ""))
        return cls(docs, Restorer.train(list(titles.values()) + texts))

    @classmethod
    def open(cls, store, collection: str, cache_dir: Path | None) -> Catalog:
        """The catalog of ``collection``, from the cache when it is current, else built and cached."""
        key = json.dumps([CATALOG_VERSION, MODEL_VERSION, collection, store.count(collection),
                          store.stamp(collection)], sort_keys=True, default=str, ensure_ascii=False)
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        path = cache_dir / f"{_safe(collection)}-{digest}.json" if cache_dir else None
        if path is not None and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                return cls({d: DocMeta(*m) for d, m in data["docs"].items()},
                           Restorer(data["unigrams"], data["bigrams"]))
            except (OSError, ValueError, KeyError, TypeError):
                log.warning("retrieval cache %s unreadable; rebuilding", path)
        catalog = cls.build(store.iter_payloads(collection, list(_FIELDS)))
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_text(json.dumps({
                    "docs": {d: [m.number, m.date, m.doc_type, m.issuer] for d, m in catalog.docs.items()},
                    "unigrams": catalog.restorer.unigrams, "bigrams": catalog.restorer.bigrams,
                }, ensure_ascii=False), encoding="utf-8")
                tmp.replace(path)
                _drop_older(path, collection)
            except OSError as exc:  # a read-only data dir costs a rebuild next time, nothing else
                log.warning("cannot write retrieval cache %s: %s", path, exc)
        log.info("retrieval catalog of %s: %d documents, %d syllables", collection, len(catalog.docs),
                 len(catalog.restorer.unigrams))
        return catalog

    def named(self, query: Query) -> set[str]:
        """Doc ids whose số hiệu or date the question names (empty when it names none); a date
        typed without its year ("ngày 5/3") names every document of that day and month."""
        if not query.numbers and not query.dates and not query.day_months:
            return set()
        return {
            doc_id for doc_id, m in self.docs.items()
            if (m.number and any(n.matches(m.number, m.doc_type) for n in query.numbers))
            or query.names_date(m.date)
        }

    def siblings(self, doc_id: str) -> set[str]:
        """``doc_id`` and every document sharing its số hiệu (the units of one compiled law).

        >>> sorted(catalog.siblings("phapdien:44.13.LQ.2"))[:2]  # doctest: +SKIP
        ['phapdien:44.13.LQ.1', 'phapdien:44.13.LQ.10']
        """
        meta = self.docs.get(doc_id)
        if meta is None or not meta.number:
            return {doc_id}
        return {d for d, m in self.docs.items() if m.number == meta.number} | {doc_id}

    def resolve(self, query: Query) -> tuple[tuple[str, str], ...]:
        """Numbers of the question that name exactly one số hiệu of the collection but are not written
        as it is, with it: a partial number ("09/2025"), or a full one typed with D for Đ or in
        another case ("12/2025/TT-BLDTBXH" for 12/2025/TT-BLĐTBXH); and dates without a year ("05/03")
        that only one date of the collection has, with it. The answerer then reads the collection's
        spelling (:attr:`rag.query.Query.canonical`), so "no passage mentions the number" never
        refuses a question for a keyboard without Đ."""
        out = []
        for day_month in query.day_months:
            full = {m.date for m in self.docs.values() if m.date and m.date[:5] == day_month}
            if len(full) == 1:
                out.append((day_month, full.pop()))
        for n in query.numbers:
            full = {m.number for m in self.docs.values() if m.number and n.matches(m.number, m.doc_type)}
            if len(full) == 1 and (found := full.pop()) != n.text:
                out.append((n.text, found))
        return tuple(out)


def _drop_older(current: Path, collection: str) -> None:
    """Remove the cache files of earlier states of ``collection`` (one per point count it had: an app
    that takes uploads would otherwise leave one file per upload)."""
    stem = re.compile(re.escape(_safe(collection)) + r"-[0-9a-f]{16}\.json")
    for old in current.parent.glob(f"{_safe(collection)}-*.json"):
        if old != current and stem.fullmatch(old.name):
            old.unlink(missing_ok=True)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:60]
