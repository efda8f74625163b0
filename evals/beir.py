"""Import a BEIR-format folder as an eval dataset plus a corpus.

A BEIR folder (``beir/datasets/data_loader.py`` is the reference) holds::

    corpus.jsonl     {"_id": "...", "title": "...", "text": "...", "metadata": {...}}
    queries.jsonl    {"_id": "...", "text": "..."}
    qrels/test.tsv   query-id <TAB> corpus-id <TAB> score   (with a header line)

The import writes our dataset format (one question per line, gold documents
from the positive qrels) and a corpus JSONL in the ``../shared/data/corpus``
format that ``python -m evals run --corpus`` ingests. Like BEIR's loader, only
queries that have judgements in the chosen split are kept.
"""

from __future__ import annotations

import csv
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from evals.dataset import DatasetError, iter_jsonl

log = logging.getLogger(__name__)

#: The ``kind`` given to imported questions.
BEIR_KIND = "beir"
_CORPUS_FIELDS = ("title", "number", "issuer", "date", "type", "url")


@dataclass(frozen=True)
class BeirImport:
    """What an import wrote."""

    dataset: Path
    corpus: Path
    queries: int
    documents: int
    split: str


def default_corpus_out(out: Path) -> Path:
    """``runs/scifact.jsonl`` -> ``runs/scifact.corpus.jsonl``."""
    return out.with_name(out.stem + ".corpus.jsonl")


def import_beir(beir_dir: str | Path, out: str | Path, corpus_out: str | Path | None = None,
                split: str | None = None) -> BeirImport:
    """Convert a BEIR folder into a dataset JSONL (``out``) and a corpus JSONL (``corpus_out``).

    Args:
        beir_dir: folder with ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv``
            (``.jsonl.gz`` files are read too).
        out: dataset file to write.
        corpus_out: corpus file to write; default ``<out stem>.corpus.jsonl`` next to ``out``.
        split: qrels split; default ``test`` when present, else the only split there is.

    Raises:
        DatasetError: a file is missing or malformed (named with its line).

    >>> import_beir("scifact", "runs/scifact.jsonl").queries    # doctest: +SKIP
    300
    """
    beir_dir, out = Path(beir_dir), Path(out)
    corpus_out = default_corpus_out(out) if corpus_out is None else Path(corpus_out)
    if corpus_out.resolve() == out.resolve():
        raise DatasetError(f"--corpus-out must differ from --out ({out}).")
    qrels_path, split = _qrels_file(beir_dir, split)
    qrels = read_qrels(qrels_path)
    queries = _read_queries(_find(beir_dir, "queries"))

    out.parent.mkdir(parents=True, exist_ok=True)
    corpus_out.parent.mkdir(parents=True, exist_ok=True)
    documents = _write_corpus(_find(beir_dir, "corpus"), corpus_out)

    written = 0
    with out.open("w", encoding="utf-8") as handle:
        for qid, question in queries.items():
            gold = [doc_id for doc_id, score in qrels.get(qid, {}).items() if score > 0]
            if not gold:
                continue
            row = {"qid": qid, "question": question, "answer": "", "gold_doc_ids": gold,
                   "gold_quotes": [], "kind": BEIR_KIND}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            written += 1
    missing = set(qrels) - set(queries)
    if missing:
        log.warning("%d judged query ids are not in queries.jsonl (e.g. %s)", len(missing), sorted(missing)[0])
    return BeirImport(dataset=out, corpus=corpus_out, queries=written, documents=documents, split=split)


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """``{query_id: {doc_id: score}}`` from a BEIR qrels TSV (header line optional)."""
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter="\t"), start=1):
            if not row or (number == 1 and row[0] == "query-id"):
                continue
            if len(row) < 3:
                raise DatasetError(f"{path}:{number}: expected query-id<TAB>corpus-id<TAB>score, got {row!r}.")
            try:
                score = int(row[2])
            except ValueError:
                raise DatasetError(f"{path}:{number}: score {row[2]!r} is not an integer.") from None
            qrels.setdefault(row[0], {})[row[1]] = score
    return qrels


def _qrels_file(beir_dir: Path, split: str | None) -> tuple[Path, str]:
    folder = beir_dir / "qrels"
    splits = sorted(p.stem for p in folder.glob("*.tsv")) if folder.is_dir() else []
    if not splits:
        raise DatasetError(f"No qrels/*.tsv under {beir_dir}; is it a BEIR folder?")
    if split is None:
        if "test" in splits:
            split = "test"
        elif len(splits) == 1:
            split = splits[0]
        else:
            raise DatasetError(f"Several qrels splits in {folder}: {', '.join(splits)}. Choose one with --split.")
    if split not in splits:
        raise DatasetError(f"No qrels/{split}.tsv in {beir_dir}. Available splits: {', '.join(splits)}.")
    return folder / f"{split}.tsv", split


def _find(beir_dir: Path, stem: str) -> Path:
    for name in (f"{stem}.jsonl", f"{stem}.jsonl.gz"):
        if (beir_dir / name).is_file():
            return beir_dir / name
    raise DatasetError(f"No {stem}.jsonl in {beir_dir}; a BEIR folder has corpus.jsonl, queries.jsonl and qrels/.")


def _record(obj: object) -> bool:
    """A BEIR corpus or query line: an object with an ``_id`` and a ``text``."""
    return isinstance(obj, dict) and isinstance(obj.get("_id"), (str, int)) and isinstance(obj.get("text"), str)


def _read_queries(path: Path) -> dict[str, str]:
    queries: dict[str, str] = {}
    for number, obj in iter_jsonl(path):
        if not _record(obj):
            raise DatasetError(f'{path}:{number}: a query needs "_id" and "text".')
        queries[str(obj["_id"])] = obj["text"]
    return queries


def _write_corpus(source: Path, target: Path) -> int:
    count = 0
    with target.open("w", encoding="utf-8") as handle:
        for number, obj in iter_jsonl(source):
            if not _record(obj):
                raise DatasetError(f'{source}:{number}: a document needs "_id" and "text".')
            row = {"doc_id": str(obj["_id"]), **dict.fromkeys(_CORPUS_FIELDS, "")}
            row["title"] = obj.get("title") or ""
            metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
            # BEIR metadata fills our empty fields and is kept as extra fields, never over ours.
            for key, value in metadata.items():
                if key in _CORPUS_FIELDS and isinstance(value, str) and not row[key]:
                    row[key] = value
                elif key not in row and key != "text":
                    row[key] = value
            row["text"] = obj["text"]
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count

