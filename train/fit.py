"""Fit the reader (:mod:`rag.reader`) on the training questions' candidate lists from our own retriever.

``collect`` asks every training question (``questions.jsonl`` of :mod:`train.pairs`) of an index
built from ``corpus.jsonl`` + ``civic.jsonl`` and keeps, per question, the top passages with their
features and labels (is the passage's document a positive?), and the same list with every positive
taken out: the counterfactual, where only near misses are left (sibling articles, other khoản,
other laws on the subject) and the right behaviour is a refusal.

``fit`` then fits, with scikit-learn's logistic regression (fixed seed, 5-fold cross-validation by
question for the figures):

1. the passage model on every (question, passage) row;
2. the answer model on question rows: the real list (label 1, when a positive is among the top 5
   passages) and the counterfactual list (label 0), each ordered by the passage model and answered by
   the extractive answerer without a threshold, whose evidence is one feature.

The threshold is the answer model's probability under which the answer is a refusal, chosen on the
training questions themselves (the largest that refuses at most :data:`FALSE_REFUSALS` of the
answerable lists in cross-validation), so no evaluation set takes part in any choice.
"""

from __future__ import annotations

import json
import logging
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import rag
from evals.counterfactual import auc, without
from rag.answer import ExtractiveAnswerer
from rag.reader import (ANSWER_FEATURES, DEPTH, PASSAGE_FEATURES, SENTENCE_FEATURES, VERSION, Linear, Reader,
                         passage_features, sentence_features)
from rag.text import syllables

log = logging.getLogger(__name__)

SEED = 20261208
#: Share of answerable training lists the threshold may refuse (cross-validated); the issue's bar
#: for false refusals is 0.05.
FALSE_REFUSALS = 0.03
#: Retrieved passages per question (the counterfactual list is these less the positives).
RETRIEVED = 40
FOLDS = 5


@dataclass
class Listed:
    """One question's candidate list: feature rows, documents, dense top-3, labels; the hits themselves."""

    qid: str
    source: str
    hits: list
    rows: list[list[float]]
    docs: list[str]
    labels: list[int]
    answerable: bool  # for the answer model: a positive is among the top 5 (real list) / none is (counterfactual)
    answer_text: str = ""  # the Q&A page's own answer: which sentences answer (sentence model)


def read_questions(path: Path, limit: int | None = None) -> list[dict]:
    """The training questions of :mod:`train.pairs` (``questions.jsonl``), the first ``limit`` if given."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[:limit] if limit else rows


def collect(pipe: rag.Pipeline, questions: Sequence[dict]) -> list[tuple]:
    """``(query, real, counterfactual)`` for each training question, from ``pipe`` (its reader is not
    used: the lists are the retriever's own)."""
    out = []
    reader, pipe.reader = pipe.reader, None
    try:
        for i, row in enumerate(questions):
            q = pipe.query(row["question"])
            hits = pipe.retrieve(q, k=RETRIEVED)
            positives = set(row["positive_doc_ids"])
            real = hits[:DEPTH]
            rest = without(hits, tuple(positives), (), len(hits))  # the counterfactual list, re-ranked
            pair = []
            for listed, answerable in ((real, any(h.chunk.doc_id in positives for h in real[:5])), (rest[:DEPTH], False)):
                pair.append(Listed(row["qid"], row.get("source", ""), listed, passage_features(q, listed),
                                   [h.chunk.doc_id for h in listed], [int(h.chunk.doc_id in positives) for h in listed],
                                   answerable, row.get("answer_text", "") if listed is real else ""))
            out.append((q, *pair))
            if (i + 1) % 100 == 0:
                log.info("collected %d/%d", i + 1, len(questions))
    finally:
        pipe.reader = reader
    return out


def _linear(model, scaler, names) -> Linear:
    return Linear(tuple(names), tuple(float(x) for x in scaler.mean_), tuple(float(x) or 1.0 for x in scaler.scale_),
                  tuple(float(x) for x in model.coef_[0]), float(model.intercept_[0]))


def _fit(X, y, names, c: float = 1.0) -> Linear:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    model = LogisticRegression(C=c, max_iter=2000, random_state=SEED).fit(scaler.transform(X), y)
    return _linear(model, scaler, names)


def _folds(n: int) -> list[int]:
    order = list(range(n))
    random.Random(SEED).shuffle(order)
    fold = [0] * n
    for k, i in enumerate(order):
        fold[i] = k % FOLDS
    return fold


def _success_at_1(lists: Sequence[Listed], scores: Sequence[Sequence[float]]) -> float:
    """Share of lists holding a positive whose best-scored passage is a positive."""
    held = [(lst, s) for lst, s in zip(lists, scores) if any(lst.labels)]
    if not held:
        return float("nan")
    return sum(lst.labels[max(range(len(s)), key=lambda i: (s[i], -i))] for lst, s in held) / len(held)


def _auc(pos: Sequence[float], neg: Sequence[float]) -> float:
    return auc(pos, neg) if pos and neg else float("nan")


def fit(data: list, answerer: ExtractiveAnswerer) -> tuple[Reader, dict]:
    """The fitted reader and its cross-validated figures on the training lists."""
    for q, *lists in data:  # the features of this code, whatever code collected the lists
        for lst in lists:
            lst.rows = passage_features(q, lst.hits)
    folds = _folds(len(data))
    real = [d[1] for d in data]
    report: dict = {"questions": len(data), "by_source": {}}

    def passage_model(keep) -> Linear:
        X = [r for lst, f in zip(real, folds) if keep(f) for r in lst.rows]
        y = [v for lst, f in zip(real, folds) if keep(f) for v in lst.labels]
        return _fit(X, y, PASSAGE_FEATURES)

    # 1. passage model, cross-validated
    cv_scores = [None] * len(real)
    for k in range(FOLDS):
        m = passage_model(lambda f, k=k: f != k)
        for i, (lst, f) in enumerate(zip(real, folds)):
            if f == k:
                cv_scores[i] = [m.logit(r) for r in lst.rows]
    retrieved_order = [[-i for i in range(len(lst.rows))] for lst in real]
    report["passage_success@1_cv"] = round(_success_at_1(real, cv_scores), 4)
    report["retrieval_success@1"] = round(_success_at_1(real, retrieved_order), 4)
    for source in sorted({lst.source for lst in real}):
        idx = [i for i, lst in enumerate(real) if lst.source == source]
        report["by_source"][source] = {
            "questions": len(idx),
            "retrieval_success@1": round(_success_at_1([real[i] for i in idx], [retrieved_order[i] for i in idx]), 4),
            "passage_success@1_cv": round(_success_at_1([real[i] for i in idx], [cv_scores[i] for i in idx]), 4)}
    passage = passage_model(lambda f: True)

    # 2. sentence model: which sentence of the top passages the page's own answer quotes
    reader = Reader(passage, _zero(ANSWER_FEATURES), 0.5)
    S, t, sowner, native = [], [], [], []
    for i, (q, real_list, _) in enumerate(data):
        if not real_list.answer_text or not real_list.answerable:
            continue
        ordered = reader.order(q, real_list.hits)
        terms, scored = answerer._score_all(q, ordered[:10])
        if not scored:
            continue
        wanted = _trigrams(real_list.answer_text)
        positives = set(d for d, label in zip(real_list.docs, real_list.labels) if label)
        labels = [int(s.hit.chunk.doc_id in positives and _quoted(s.text, wanted)) for s in scored]
        if not any(labels):
            continue
        S.extend(sentence_features(q, scored, len(terms.units)))
        t.extend(labels)
        sowner.extend([i] * len(scored))
        native.extend(s.score for s in scored)
    sentence = None
    if S and 0 < sum(t) < len(t):
        cv_s = [0.0] * len(S)
        for k in range(FOLDS):
            rows_k = [j for j, i in enumerate(sowner) if folds[i] != k]
            m = _fit([S[j] for j in rows_k], [t[j] for j in rows_k], SENTENCE_FEATURES)
            for j, i in enumerate(sowner):
                if folds[i] == k:
                    cv_s[j] = m.logit(S[j])
        sentence = _fit(S, t, SENTENCE_FEATURES)
        report["sentence_hit@1_cv"] = round(_hit_at_1(sowner, t, cv_s), 4)
        report["sentence_hit@1_answerer"] = round(_hit_at_1(sowner, t, native), 4)
        report["sentence_questions"] = len(set(sowner))

    # 3. answer model: both lists of each question, ordered by the passage model, answered without a
    # bar (the answerer's evidence is a feature). The rows are built once with the passage model fitted
    # on every question, so its cross-validated figures are slightly optimistic.
    X, y, owner = [], [], []
    for i, (q, real_list, counterfactual) in enumerate(data):
        for lst in (real_list, counterfactual):
            if lst is real_list and not lst.answerable:
                continue  # the positive was not retrieved: neither answerable as listed nor a clean negative
            ordered = reader.order(q, lst.hits)
            answer = answerer.answer(q, ordered[:10])
            if answer.refused:  # a structural refusal (a named number that no passage holds ...)
                continue
            X.append(reader.answer_features(q, ordered, answer.evidence))
            y.append(int(lst.answerable))
            owner.append(i)
        if (i + 1) % 200 == 0:
            log.info("answered %d/%d", i + 1, len(data))
    cv_p: list[tuple[float, int]] = []
    for k in range(FOLDS):
        train_rows = [j for j, i in enumerate(owner) if folds[i] != k]
        a = _fit([X[j] for j in train_rows], [y[j] for j in train_rows], ANSWER_FEATURES)
        cv_p.extend((1 / (1 + math.exp(-a.logit(X[j]))), y[j]) for j, i in enumerate(owner) if folds[i] == k)
    answer = _fit(X, y, ANSWER_FEATURES)
    pos = sorted(p for p, label in cv_p if label)
    neg = [p for p, label in cv_p if not label]
    threshold = pos[int(FALSE_REFUSALS * len(pos))] if pos else 0.5
    report["answer_auc_cv"] = round(_auc(pos, neg), 4)
    report["answer_rows"] = {"answerable": len(pos), "counterfactual": len(neg)}
    report["threshold"] = round(threshold, 4)
    report["cv_false_refusals"] = round(sum(p < threshold for p in pos) / max(1, len(pos)), 4)
    report["cv_counterfactual_refused"] = round(sum(p < threshold for p in neg) / max(1, len(neg)), 4)
    return Reader(passage, answer, threshold, sentence=sentence), report


def _zero(names) -> Linear:
    return Linear(tuple(names), (0.0,) * len(names), (1.0,) * len(names), (0.0,) * len(names), 0.0)


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = [w.lower() for w in syllables(text)]
    return set(zip(words, words[1:], words[2:]))


def _quoted(sentence: str, wanted: set, share: float = 0.6) -> bool:
    """True when at least ``share`` of the sentence's syllable trigrams are in the answer's."""
    grams = _trigrams(sentence)
    return len(grams) >= 3 and sum(g in wanted for g in grams) >= share * len(grams)


def _hit_at_1(owner: Sequence[int], labels: Sequence[int], scores: Sequence[float]) -> float:
    """Share of questions whose best-scored sentence is one the answer quotes (first on ties)."""
    best: dict[int, tuple[float, int]] = {}
    for i, label, score in zip(owner, labels, scores):
        if i not in best or score > best[i][0]:
            best[i] = (score, label)
    return sum(label for _, label in best.values()) / max(1, len(best))


def to_json(reader: Reader, stamp: dict) -> dict:
    """The weights file's content (:meth:`rag.reader.Reader.load` reads it)."""
    def lin(m: Linear) -> dict:
        return {"names": list(m.names), "mean": [round(x, 8) for x in m.mean], "scale": [round(x, 8) for x in m.scale],
                "coef": [round(x, 8) for x in m.coef], "intercept": round(m.intercept, 8)}

    return {"version": VERSION, "passage": lin(reader.passage), "answer": lin(reader.answer),
            "sentence": lin(reader.sentence) if reader.sentence else None,
            "threshold": round(reader.threshold, 6), "stamp": stamp}


__all__ = ["collect", "fit", "read_questions", "to_json"]
