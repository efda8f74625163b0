"""The reader's training questions and the corpus they are mined against, built deterministically.

Reads ``../shared/data/train/`` (rules in its README) and the shared corpora, and writes three
files under ``--out`` (default ``data/train``):

- ``questions.jsonl``: one training question a line, ``{"qid", "question", "positive_doc_ids",
  "source", "answer_text"}`` (the Q&A page's own answer, which marks the sentences that answer; empty
  for the others; training only, never shipped); ``source`` is ``zalo``, ``qa_aligned`` or ``structure`` (a question made from an
  article's title, "Điều N ... quy định gì").
- ``corpus.jsonl``: the documents the questions are asked against besides ``civic.jsonl`` (which is
  ingested with it), in the corpus format of ``corpus/README.md``: every positive and its sibling
  articles (the previous and next unit of the same law in Pháp điển: the near misses that hurt).
- ``stamp.json``: seed, counts, and the sha256 of every input file, so a model trained on these
  files can say exactly what it saw.

What is left out (the README's rules): rows flagged ``eval_gold_overlap`` (unless
``--with-overlap``), rows whose positive is a gold document of any evaluation set
(``../shared/data/eval/*.jsonl`` and ``evals/sets/*.jsonl``, recomputed here so a set written
after the data was gathered counts too), and rows whose question shares half its words (accents
stripped, Jaccard >= 0.5) with any evaluation question.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from rag.text import normalize, strip_accents

SEED = 20261208
#: Jaccard overlap (accents stripped) at or above which a training question repeats an eval question
#: (the threshold the shared data was filtered with, ``../shared/data/train/README.md``).
REPEAT_JACCARD = 0.5
#: Training questions kept at most (a seeded sample: the mining index must embed on 2 cores).
MAX_QUESTIONS = 600
#: Longer documents of the mining corpus are cut to their first this many words (a few gazette texts
#: run to 10,000 words, and every chunk must be embedded on 2 cores; a positive's answer is rarely past it).
MAX_WORDS = 600
_UNIT = re.compile(r"^phapdien:(?P<law>.+)\.(?P<n>\d+)$")
_TITLE = re.compile(r"^Điều\s+[\d.A-Za-zĐđ]+\.\s*(?P<title>.+)$")


def _rows(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle.read().split("\n"):
            if line.strip():
                yield json.loads(line)


def _keyed(seed: int, qid: str) -> str:
    return hashlib.sha256(f"{seed}:{qid}".encode()).hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", strip_accents(normalize(text)).lower()))


def eval_sets(shared: Path, repo: Path) -> list[Path]:
    """Every evaluation question file: the shared dev sets and the project's held-apart sets."""
    return sorted((shared / "eval").glob("*.jsonl")) + sorted((repo / "evals" / "sets").glob("*.jsonl"))


def _eval_index(paths: Iterable[Path]) -> tuple[set[str], list[frozenset[str]]]:
    gold: set[str] = set()
    questions: list[frozenset[str]] = []
    for path in paths:
        for row in _rows(path):
            gold.update(row.get("gold_doc_ids") or ())
            questions.append(_words(row["question"]))
    return gold, questions


def _repeats(words: frozenset[str], evals: list[frozenset[str]]) -> bool:
    return any(len(words & e) / max(1, len(words | e)) >= REPEAT_JACCARD for e in evals)


def siblings(doc_id: str) -> list[str]:
    """The previous and next unit of the same law in Pháp điển (the near misses that hurt); none for
    a document that is not a Pháp điển unit.

    >>> siblings("phapdien:44.13.LQ.12"), siblings("phapdien:44.13.LQ.1"), siblings("civic:x")
    (['phapdien:44.13.LQ.11', 'phapdien:44.13.LQ.13'], ['phapdien:44.13.LQ.2'], [])
    """
    match = _UNIT.match(doc_id)
    if not match:
        return []
    n = int(match.group("n"))
    return [f"phapdien:{match.group('law')}.{m}" for m in (n - 1, n + 1) if m > 0]


def structure_question(title: str) -> str | None:
    """A question an officer might ask of an article, from its title ("Điều 5. Quyền của công dân"
    -> "Quyền của công dân được quy định như thế nào?"); None for a title too short to ask about.

    >>> structure_question("Điều 44.13.LQ.12. Thời hạn công khai thông tin")
    'Thời hạn công khai thông tin được quy định như thế nào?'
    """
    match = _TITLE.match(title.strip())
    text = (match.group("title") if match else title).strip().rstrip(".")
    if len(text.split()) < 3 or "(được bãi bỏ)" in text:
        return None
    return f"{text[0].upper()}{text[1:]} được quy định như thế nào?"


def build(shared: Path, repo: Path, out: Path, *, with_overlap: bool = False,
          max_questions: int = MAX_QUESTIONS, seed: int = SEED) -> dict:
    """Write ``questions.jsonl``, ``corpus.jsonl`` and ``stamp.json`` under ``out``; return the stamp.

    Args:
        shared: the ``shared/data`` folder (``train/``, ``corpus/``, ``eval/``).
        repo: the repository root (its ``evals/sets/*.jsonl`` are evaluation sets too).
        out: output folder, created if missing.
        with_overlap: keep rows flagged ``eval_gold_overlap`` (report figures that used them apart).
        max_questions: gathered questions kept at most (seeded sample), structure questions aside.
    """
    train = shared / "train"
    inputs = [train / "zalo_legal_2021.jsonl.gz", train / "qa_pages_aligned.jsonl.gz",
              shared / "corpus" / "phapdien.jsonl.gz", shared / "corpus" / "civic.jsonl",
              *eval_sets(shared, repo)]
    gold, eval_questions = _eval_index(eval_sets(shared, repo))
    dropped = {"eval_gold_overlap": 0, "eval_gold_doc": 0, "repeats_eval_question": 0}
    gathered: list[dict] = []
    texts: dict[str, str] = {}  # a positive cut from a gazette text: its own text, from the row
    for source, path in (("zalo", inputs[0]), ("qa_aligned", inputs[1])):
        for row in _rows(path):
            positives = list(row["positive_doc_ids"])
            if row.get("eval_gold_overlap") and not with_overlap:
                dropped["eval_gold_overlap"] += 1
                continue
            if gold.intersection(positives):
                dropped["eval_gold_doc"] += 1
                continue
            if _repeats(_words(row["question"]), eval_questions):
                dropped["repeats_eval_question"] += 1
                continue
            gathered.append({"qid": row["qid"], "question": normalize(row["question"]),
                             "positive_doc_ids": positives, "source": source,
                             # the page's own answer marks which sentences answer (never shipped)
                             "answer_text": normalize(row.get("answer_text") or "")})
            texts.setdefault(positives[0], row["positive_text"])
    # a seeded sample that does not move when a few rows drop out (a new evaluation set): the
    # questions whose keyed hash is smallest
    gathered = sorted(sorted(gathered, key=lambda r: _keyed(seed, r["qid"]))[:max_questions], key=lambda r: r["qid"])

    civic = list(_rows(shared / "corpus" / "civic.jsonl"))
    civic_ids = {r["doc_id"] for r in civic}
    structure = []
    for row in civic:  # the civil-affairs units of Pháp điển, which the gathered data barely covers
        question = structure_question(row["text"].split("\n", 1)[0]) if row["doc_id"].startswith("phapdien:") else None
        if question and row["doc_id"] not in gold and not _repeats(_words(question), eval_questions):
            structure.append({"qid": f"structure:{row['doc_id']}", "question": question,
                              "positive_doc_ids": [row["doc_id"]], "source": "structure"})

    wanted = {d for r in gathered for d in r["positive_doc_ids"]}
    neighbours = set()
    for doc_id in wanted:
        neighbours.update(siblings(doc_id))
    corpus: dict[str, dict] = {r["doc_id"]: r for r in civic}
    for row in _rows(shared / "corpus" / "phapdien.jsonl.gz"):
        if row["doc_id"] in wanted or row["doc_id"] in neighbours:
            corpus.setdefault(row["doc_id"], row)
    alqac = {r["doc_id"]: r for r in _rows(shared / "corpus" / "alqac.jsonl")}
    inputs.append(shared / "corpus" / "alqac.jsonl")
    for row in gathered:
        present = [d for d in row["positive_doc_ids"] if d in corpus]
        for doc_id in row["positive_doc_ids"]:
            if doc_id in alqac:
                corpus.setdefault(doc_id, alqac[doc_id])
            elif not present and doc_id in texts:  # an article cut from a gazette text
                corpus.setdefault(doc_id, {"doc_id": doc_id, "title": doc_id.split(":", 1)[1],
                                           "text": texts[doc_id]})
                present.append(doc_id)
    gathered = [r for r in gathered if any(d in corpus for d in r["positive_doc_ids"])]
    out.mkdir(parents=True, exist_ok=True)
    questions = gathered + structure
    _write(out / "questions.jsonl", questions)
    # civic.jsonl itself is the rest of the mining corpus (ingested beside this file, its vectors
    # cached by the civic evaluation already)
    _write(out / "corpus.jsonl", [_cut({k: v for k, v in r.items() if k in _CORPUS_FIELDS}, civic_ids)
                                  for r in sorted(corpus.values(), key=lambda r: r["doc_id"])
                                  if r["doc_id"] not in civic_ids])
    stamp = {
        "seed": seed, "with_overlap": with_overlap, "max_questions": max_questions,
        "questions": len(questions), "by_source": {s: sum(r["source"] == s for r in questions)
                                                   for s in ("zalo", "qa_aligned", "structure")},
        "corpus_documents": len(corpus), "civic_documents": len(civic_ids), "dropped": dropped,
        "inputs": {str(p.relative_to(p.parents[2]) if "shared" in p.parts else p.relative_to(repo)): _sha256(p)
                   for p in inputs},
        "questions_sha256": _sha256(out / "questions.jsonl"), "corpus_sha256": _sha256(out / "corpus.jsonl"),
    }
    (out / "stamp.json").write_text(json.dumps(stamp, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return stamp


_CORPUS_FIELDS = ("doc_id", "title", "number", "issuer", "date", "type", "url", "text")


def _cut(row: dict, keep: set[str]) -> dict:
    words = row["text"].split(" ")
    if len(words) <= MAX_WORDS:
        return row
    return {**row, "text": " ".join(words[:MAX_WORDS])}


def _write(path: Path, rows: Iterable[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
