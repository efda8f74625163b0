"""The reader: learned decisions of which passage answers a question, and whether any does.

Two small linear models, fitted by ``python -m train fit`` on thousands of real questions
(``../shared/data/train/``) and their candidate lists from this very retriever, replace the
hand-set orders and bars that decided these before:

- the **passage model** scores each of the top passages from what retrieval and the words say
  (fused rank, dense cosine and its gap to the best, lexical score, how much of the question's key
  terms the passage, its best sentence and its title hold, whether it carries the number or date
  asked, the document's kind); the pipeline orders the passages by it, so the answer is composed
  from, and first cites, the passage the model finds most likely to answer;
- the **answer model** reads the best passages' scores and the answer's evidence and gives the
  probability that the documents answer at all; under the shipped threshold the answer is a
  refusal. It replaces the coverage threshold and the out-of-subject bar.

The weights are plain JSON (``rag/weights/reader.json``): feature names, standardisation, the
coefficients, the threshold and a stamp (training data hashes, commit, figures). Loading checks
that the stamp's feature names are this module's. Nothing here trains: the trainer lives in
``train/`` and the runtime never imports it.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rag.answer.select import fits_kind, without_reference
from rag.errors import DanvanError
from rag.evidence import Terms, key_terms
from rag.query import Query
from rag.text import sentences
from rag.types import Hit

#: Where the shipped weights live (package data).
WEIGHTS = Path(__file__).parent / "weights" / "reader.json"
#: Format of the weights file; a file of another version is refused with the fix.
VERSION = 1
#: Passages the reader scores (the rest keep their order below them).
DEPTH = 20
PASSAGE_FEATURES = ("inv_rank", "log_rank", "dense", "dense_gap", "lexical", "passage_cov", "sentence_cov",
                    "title_cov", "statute", "untyped", "asks_kind", "kind_fit", "doc_share", "first_chunk")
ANSWER_FEATURES = ("top", "margin", "second", "max_dense", "evidence", "asks_kind", "kind_fit", "n_terms",
                   "unaccented", "top_sentence_cov", "top_title_cov", "doc_missing", "max_missing")
SENTENCE_FEATURES = ("coverage", "coverage_gap", "held_share", "fits", "inv_rank", "log_words", "lines")
_STATUTES = frozenset({"hiến pháp", "bộ luật", "luật"})


def reads(q: Query) -> bool:
    """True when the reader decides for ``q``: not when the question names a document's article or
    asks what a document covers ("Điều 3 … quy định gì?", "Nghị định 59/2023 quy định về vấn đề gì?"):
    structure answers those (the named article, Điều 1), whatever the words."""
    return not (q.articles or q.asks_scope)


def load_reader(settings) -> Reader | None:
    """The reader ``settings.reader`` asks for: ``on`` = the shipped weights, ``off`` = None, or the
    path of a weights file of one's own.

    Raises:
        ReaderError: the weights cannot be read (:meth:`Reader.load`), or the setting is unknown.
    """
    choice = settings.reader.strip()
    if choice.lower() == "off":
        return None
    if choice.lower() == "on":
        return Reader.load(WEIGHTS)
    if not Path(choice).is_file():
        raise ReaderError(f"DANVAN_READER={choice!r}: expected on, off or the path of a weights file.")
    return Reader.load(Path(choice))


class ReaderError(DanvanError):
    """The reader's weights are missing, unreadable or of another version."""


@dataclass(frozen=True)
class Linear:
    """``logit = ((x - mean) / scale) . coef + intercept`` over named features."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def logit(self, row: Sequence[float]) -> float:
        """The model's logit for one feature row (same order as ``names``)."""
        return self.intercept + sum((x - m) / s * c for x, m, s, c in zip(row, self.mean, self.scale, self.coef))

    @classmethod
    def from_json(cls, obj: dict) -> Linear:
        return cls(tuple(obj["names"]), tuple(obj["mean"]), tuple(obj["scale"]), tuple(obj["coef"]),
                   float(obj["intercept"]))


def sigmoid(x: float) -> float:
    """The logistic function, 0..1."""
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


def question_terms(q: Query, hits: Sequence[Hit], pool: int = 10) -> Terms:
    """The question's key terms as the answerer weighs them (rarity among the top ``pool`` passages),
    less the words that only name the document asked about."""
    texts = [f"{h.chunk.title}\n{h.chunk.section}\n{h.chunk.text}" for h in hits[:pool]]
    return without_reference(key_terms(q.evidence_text, texts), q)


def passage_features(q: Query, hits: Sequence[Hit], terms: Terms | None = None) -> list[list[float]]:
    """One row of :data:`PASSAGE_FEATURES` per hit of ``hits[:DEPTH]`` (best first as retrieved).

    Dense and lexical scores are those of the retrieval legs (``Hit.dense_score``,
    ``Hit.sparse_score``); a passage that one leg did not return gets that leg's lowest score
    in the list (dense) or 0 (lexical, divided by the list's best).
    """
    hits = list(hits[:DEPTH])
    if not hits:
        return []
    terms = terms if terms is not None else question_terms(q, hits)
    dense = [h.dense_score for h in hits if h.dense_score is not None]
    low, high = (min(dense), max(dense)) if dense else (0.0, 0.0)
    lex_top = max((h.sparse_score or 0.0) for h in hits) or 1.0
    docs = [h.chunk.doc_id for h in hits]
    asks = 1.0 if q.kind in ("number", "date") else 0.0
    rows = []
    for i, h in enumerate(hits, start=1):
        c = h.chunk
        d = h.dense_score if h.dense_score is not None else low
        context = f"{c.title}\n{c.section}\n{c.text}"
        best = max((terms.coverage(c.text[a:b], context) for a, b in sentences(c.text)), default=0.0)
        rows.append([
            1.0 / i, math.log(i), d, d - high, (h.sparse_score or 0.0) / lex_top,
            terms.coverage(c.text), best, terms.coverage(c.title),
            1.0 if c.doc_type.strip().lower() in _STATUTES else 0.0,
            0.0 if c.doc_type.strip() else 1.0,  # no type: a Q&A page, a file without its metadata
            asks, 1.0 if asks and fits_kind(q, c.text) else 0.0,
            docs.count(c.doc_id) / DEPTH, 1.0 if c.chunk_index == 0 else 0.0,
        ])
    return rows


def sentence_features(q: Query, scored: Sequence, n_units: int) -> list[list[float]]:
    """One row of :data:`SENTENCE_FEATURES` per quotable sentence the extractive answerer scored
    (``rag.answer.scored._Scored``: its passage, span, key-term coverage and the terms it holds whole)."""
    best = max((s.coverage for s in scored), default=0.0)
    rows = []
    for s in scored:
        text = s.text
        rows.append([s.coverage, s.coverage - best, len(s.held) / max(1, n_units),
                     1.0 if fits_kind(q, text) else 0.0, 1.0 / s.hit.rank,
                     math.log1p(len(text.split())), float(text.count("\n") + 1)])
    return rows


@dataclass(frozen=True)
class Reader:
    """The fitted passage and answer models, and the refusal threshold.

    >>> reader = Reader.load()                                      # doctest: +SKIP
    >>> ordered = reader.order(query, hits)                         # doctest: +SKIP
    >>> reader.answerable(query, ordered, answer.evidence) < reader.threshold   # refuse?  # doctest: +SKIP
    """

    passage: Linear
    answer: Linear
    threshold: float
    stamp: dict = dataclasses.field(default_factory=dict)
    sentence: Linear | None = None  # which sentence to quote; None = the answerer's own score

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> Reader:
        """Read the weights file.

        Raises:
            ReaderError: the file is missing or unreadable, of another format version, or fitted
                on other features than this module computes (retrain: ``python -m train fit``).
        """
        try:
            obj = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ReaderError(f"Cannot read the reader's weights {path}: {exc}. "
                              "Reinstall the package, or train them: python -m train fit.") from None
        if obj.get("version") != VERSION:
            raise ReaderError(f"{path} is reader format {obj.get('version')!r}, this code reads {VERSION}: "
                              "retrain with python -m train fit.")
        passage, answer = Linear.from_json(obj["passage"]), Linear.from_json(obj["answer"])
        sentence = Linear.from_json(obj["sentence"]) if obj.get("sentence") else None
        if passage.names != PASSAGE_FEATURES or answer.names != ANSWER_FEATURES or (
                sentence is not None and sentence.names != SENTENCE_FEATURES):
            raise ReaderError(f"{path} was fitted on other features than this code computes: "
                              "retrain with python -m train fit.")
        return cls(passage, answer, float(obj["threshold"]), obj.get("stamp", {}), sentence)

    def sentence_scores(self, q: Query, terms: Terms, scored: Sequence) -> list[float]:
        """The sentence model's probability (0..1) that each scored sentence answers ``q``; the
        answerer's own scores when no sentence model was fitted."""
        if self.sentence is None:
            return [s.score for s in scored]
        return [sigmoid(self.sentence.logit(r)) for r in sentence_features(q, scored, len(terms.units))]

    def scores(self, q: Query, hits: Sequence[Hit], terms: Terms | None = None) -> list[float]:
        """The passage model's logit of each of ``hits[:DEPTH]``."""
        return [self.passage.logit(row) for row in passage_features(q, hits, terms)]

    def order(self, q: Query, hits: Sequence[Hit]) -> list[Hit]:
        """``hits`` with the top :data:`DEPTH` re-ordered by the passage model (ties keep their
        retrieved order), ranks renumbered from 1; the scores become the model's logits."""
        head, tail = list(hits[:DEPTH]), list(hits[DEPTH:])
        scored = sorted(zip(self.scores(q, head), range(len(head)), head), key=lambda t: (-t[0], t[1]))
        ordered = [dataclasses.replace(h, score=s) for s, _, h in scored] + tail
        return [dataclasses.replace(h, rank=i) for i, h in enumerate(ordered, start=1)]

    def answer_features(self, q: Query, hits: Sequence[Hit], evidence: float) -> list[float]:
        """One row of :data:`ANSWER_FEATURES` for hits already in the reader's order."""
        terms = question_terms(q, hits)
        rows = passage_features(q, hits, terms)
        dense = [h.dense_score for h in hits[:3] if h.dense_score is not None]
        return self.answer_row(rows, hits[:DEPTH], max(dense) if dense else 0.0, evidence, terms, q.unaccented)

    def answer_row(self, rows: Sequence[Sequence[float]], hits: Sequence[Hit], max_dense: float,
                   evidence: float, terms: Terms, unaccented: bool) -> list[float]:
        """:data:`ANSWER_FEATURES` from passage feature rows (:func:`passage_features`) of ``hits``,
        the best dense cosine of the top 3, the answer's evidence, the question's key terms and
        whether it was typed without diacritics. ``doc_missing`` and ``max_missing`` are the weight
        shares of the key terms that the best passage's document (its retrieved passages and title)
        does not hold whole, all of them and the heaviest one: what is asked and absent."""
        if not rows:
            return [0.0] * len(ANSWER_FEATURES)
        logits = [self.passage.logit(r) for r in rows]
        top = max(range(len(rows)), key=lambda i: logits[i])
        doc = hits[top].chunk.doc_id
        second = max((lg for lg, h in zip(logits, hits) if h.chunk.doc_id != doc), default=logits[top] - 5.0)
        text = "\n".join([hits[top].chunk.title] + [h.chunk.text for h in hits if h.chunk.doc_id == doc])
        missing = [w for u, w in zip(terms.units, terms.weights) if not terms.holds(u, text)]
        total = terms.total or 1.0
        at = PASSAGE_FEATURES.index
        return [logits[top], logits[top] - second, second, max_dense, evidence,
                rows[top][at("asks_kind")], rows[top][at("kind_fit")], math.log1p(len(terms.units)),
                1.0 if unaccented else 0.0, rows[top][at("sentence_cov")], rows[top][at("title_cov")],
                sum(missing) / total, max(missing, default=0.0) / total]

    def answerable(self, q: Query, hits: Sequence[Hit], evidence: float) -> float:
        """Probability (0..1) that ``hits`` (in the reader's order) answer ``q``, given the evidence
        (key-term coverage, 0..1) of the sentence the answerer would quote."""
        return sigmoid(self.answer.logit(self.answer_features(q, hits, evidence)))
