"""Eval metrics: pure functions over plain values, each checkable by hand.

Nothing here mutates its inputs (BEIR's evaluator pops from the caller's dict)
and nothing depends on the pipeline: the runner turns an answer into doc ids,
texts and flags, and these functions score them.

Retrieval is document-level: a document is ranked by its best (highest-ranked)
chunk. Quote checks compare both sides after :func:`rag.normalize` (NFC, spaces
including NBSP, one tone-mark style), lower-casing and whitespace collapsing.

A metric with no question to average over (``refusal_accuracy`` on a dataset
without unanswerable questions, say) is ``None``, never a made-up 0 or 1.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence

import rag

RETRIEVAL_KEYS = (
    "success@1", "success@5", "success@10", "recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "quote_hit@10",
)
_CUTOFFS = (1, 5, 10)
ANSWER_KEYS = ("refusal_accuracy", "false_refusal_rate", "citation_precision", "quote_recall")
#: Metrics where a rise is a regression; every other quality metric is higher-is-better.
LOWER_IS_BETTER = frozenset({"false_refusal_rate"})
#: Share of a gold quote's syllables an answer must contain to count as recalling it.
QUOTE_RECALL_THRESHOLD = 0.5
_DEPTH = 10
_SPACE = re.compile(r"\s+")
_MARKER = re.compile(r"\[\d+\]")


# --- retrieval ----------------------------------------------------------------


def rank_documents(chunk_hits: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    """Documents ranked by their best chunk, from ``(doc_id, score)`` chunks in rank order.

    >>> rank_documents([("a", 0.9), ("b", 0.8), ("a", 0.7), ("c", 0.5)])
    [('a', 0.9), ('b', 0.8), ('c', 0.5)]
    """
    ranked: dict[str, float] = {}
    for doc_id, score in chunk_hits:
        ranked.setdefault(doc_id, score)
    return list(ranked.items())


def first_relevant_rank(ranked: Sequence[str], gold: Collection[str]) -> int | None:
    """1-based rank of the first gold document, or ``None`` when none was retrieved.

    >>> first_relevant_rank(["x", "g", "y"], {"g"})
    2
    """
    for rank, doc_id in enumerate(ranked, start=1):
        if doc_id in gold:
            return rank
    return None


def success_at_k(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """1.0 when any gold document is in the top ``k``, else 0.0 (success@k, "hit rate").

    ``trec_eval``'s ``success.k`` and ir-measures' ``Success@k``.

    >>> success_at_k(["x", "g"], {"g"}, 1), success_at_k(["x", "g"], {"g", "h"}, 5)
    (0.0, 1.0)
    """
    _require_gold(gold)
    return 1.0 if any(doc_id in gold for doc_id in ranked[:k]) else 0.0


def recall_at_k(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """Share of the distinct gold documents found in the top ``k`` (``trec_eval``'s ``recall.k``).

    >>> recall_at_k(["x", "g"], {"g", "h"}, 5), recall_at_k(["h", "g"], {"g", "h"}, 2)
    (0.5, 1.0)
    """
    _require_gold(gold)
    wanted = set(gold)
    return len(wanted & set(ranked[:k])) / len(wanted)


def reciprocal_rank(ranked: Sequence[str], gold: Collection[str], k: int = _DEPTH) -> float:
    """1 / rank of the first gold document within the top ``k``, else 0.0.

    >>> reciprocal_rank(["x", "y", "g"], {"g"})
    0.3333333333333333
    """
    _require_gold(gold)
    rank = first_relevant_rank(ranked[:k], gold)
    return 0.0 if rank is None else 1.0 / rank


def ndcg_at_k(ranked: Sequence[str], gold: Collection[str], k: int = _DEPTH) -> float:
    """Binary nDCG@k: gain 1 for each distinct gold document, discount log2(rank + 1).

    >>> round(ndcg_at_k(["x", "g"], {"g"}), 4)
    0.6309
    """
    _require_gold(gold)
    seen: set[str] = set()
    dcg = 0.0
    for rank, doc_id in enumerate(ranked[:k], start=1):
        if doc_id in gold and doc_id not in seen:
            seen.add(doc_id)
            dcg += 1.0 / math.log2(rank + 1)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(set(gold)), k) + 1))
    return dcg / ideal


def _require_gold(gold: Collection[str]) -> None:
    if not gold:
        raise ValueError("retrieval metrics need at least one gold document")


# --- quotes -------------------------------------------------------------------


def match_form(text: str) -> str:
    """The form in which quotes are compared: normalised, lower-case, single spaces.

    >>> match_form("Uỷ\u00a0ban  nhân\\ndân") == match_form("ủy ban nhân dân")
    True
    """
    return _SPACE.sub(" ", rag.normalize(text).lower()).strip()


def contains_quote(text: str, quotes: Iterable[str]) -> bool:
    """True when ``text`` contains any of ``quotes`` (both sides in :func:`match_form`).

    >>> contains_quote("Điều 5. Hoà giải ở cơ sở", ["hòa giải"])
    True
    """
    haystack = match_form(text)
    return any(needle and needle in haystack for needle in map(match_form, quotes))


def quote_hit(chunk_texts: Iterable[str], quotes: Iterable[str]) -> bool:
    """True when one of the chunks contains one of the gold quotes.

    >>> quote_hit(["khác", "Dân biết, dân bàn"], ["dân bàn"])
    True
    """
    quotes = list(quotes)
    return any(contains_quote(text, quotes) for text in chunk_texts)


def syllable_coverage(answer: str, quote: str) -> float:
    """Share of the quote's syllables (with multiplicity) that the answer contains.

    Citation markers such as ``[1]`` are not counted as answer words.

    >>> syllable_coverage("Xã công khai [1].", "xã phải công khai")
    0.75
    """
    need = Counter(rag.syllables(quote))
    if not need:
        return 0.0
    have = Counter(rag.syllables(_MARKER.sub(" ", answer)))
    return sum((need & have).values()) / sum(need.values())


def quote_recalled(answer: str, quotes: Iterable[str], threshold: float = QUOTE_RECALL_THRESHOLD) -> bool:
    """True when the answer holds at least ``threshold`` of the syllables of some gold quote.

    >>> quote_recalled("Xã công khai [1].", ["xã phải công khai", "khác hẳn"])
    True
    """
    return any(syllable_coverage(answer, quote) >= threshold for quote in quotes)


def citation_correct(doc_id: str, quote: str, gold_doc_ids: Collection[str], gold_quotes: Iterable[str]) -> bool:
    """A citation is correct when it names a gold document or its quote contains a gold quote.

    The second clause credits a non-gold document that repeats the gold text
    verbatim (laws repeat themselves).

    >>> citation_correct("other", "Công dân có quyền khiếu nại.", {"gold"}, ["có quyền khiếu nại"])
    True
    """
    return doc_id in gold_doc_ids or contains_quote(quote, gold_quotes)


# --- one question -------------------------------------------------------------


def score_question(
    *,
    gold_doc_ids: Collection[str],
    gold_quotes: Sequence[str],
    chunk_hits: Sequence[tuple[str, float]],
    chunk_texts: Sequence[str],
    answer: str,
    citations: Sequence[tuple[str, str]],
    refused: bool,
) -> dict[str, object]:
    """Per-question scores from plain values (chunks in rank order, citations as ``(doc_id, quote)``).

    Values are 0.0/1.0 or floats; a metric that does not apply to the question
    (retrieval on an unanswerable one, quotes when there are none) is ``None``.

    >>> s = score_question(gold_doc_ids={"d"}, gold_quotes=[], chunk_hits=[("x", 0.9), ("d", 0.5)],
    ...                    chunk_texts=["...", "..."], answer="...", citations=[("d", "...")], refused=False)
    >>> s["success@1"], s["success@5"], s["mrr@10"], s["citations_correct"]
    (0.0, 1.0, 0.5, 1)
    """
    gold = frozenset(gold_doc_ids)
    answerable = bool(gold or gold_quotes)
    ranked = [doc_id for doc_id, _ in rank_documents(chunk_hits)]
    scores: dict[str, object] = {"answerable": answerable, "refused": bool(refused)}
    if gold:
        scores["first_gold_rank"] = first_relevant_rank(ranked, gold)
        for k in _CUTOFFS:
            scores[f"success@{k}"] = success_at_k(ranked, gold, k)
        for k in _CUTOFFS:
            scores[f"recall@{k}"] = recall_at_k(ranked, gold, k)
        scores["mrr@10"] = reciprocal_rank(ranked, gold, _DEPTH)
        scores["ndcg@10"] = ndcg_at_k(ranked, gold, _DEPTH)
    else:
        scores["first_gold_rank"] = None
        scores.update(dict.fromkeys([f"success@{k}" for k in _CUTOFFS] + [f"recall@{k}" for k in _CUTOFFS]
                                    + ["mrr@10", "ndcg@10"]))
    if answerable and gold_quotes:
        scores["quote_hit@10"] = 1.0 if quote_hit(chunk_texts[:_DEPTH], gold_quotes) else 0.0
        scores["quote_coverage"] = max(syllable_coverage(answer, q) for q in gold_quotes)
        scores["quote_recall"] = 1.0 if quote_recalled(answer, gold_quotes) else 0.0
    else:
        scores.update(dict.fromkeys(("quote_hit@10", "quote_coverage", "quote_recall")))
    correct = [citation_correct(d, q, gold, gold_quotes) for d, q in citations]
    scores["citation_correct"] = correct
    scores["citations"] = len(correct)
    scores["citations_correct"] = sum(correct)
    return scores


# --- aggregates ---------------------------------------------------------------


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that are not ``None``; ``None`` when there are none.

    >>> mean([1.0, None, 0.0]), mean([None])
    (0.5, None)
    """
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Iterable[float], q: float) -> float | None:
    """The ``q``-th percentile with linear interpolation (numpy's default); ``None`` if empty.

    >>> percentile([10, 20, 30, 40], 50), percentile([10, 20, 30, 40], 95)
    (25.0, 38.5)
    """
    xs = sorted(values)
    if not xs:
        return None
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))


def summarize(scores: Sequence[Mapping[str, object]]) -> dict[str, dict[str, float | None]]:
    """The ``retrieval`` and ``answer`` blocks of ``metrics.json`` for a set of questions.

    Retrieval and quote metrics average over the answerable questions they
    apply to; ``refusal_accuracy`` over the unanswerable ones;
    ``citation_precision`` pools every citation given for answerable questions.
    """
    answerable = [s for s in scores if s["answerable"]]
    unanswerable = [s for s in scores if not s["answerable"]]
    cited = sum(int(s["citations"]) for s in answerable)
    correct = sum(int(s["citations_correct"]) for s in answerable)
    return {
        "retrieval": {key: mean(s[key] for s in answerable) for key in RETRIEVAL_KEYS},
        "answer": {
            "refusal_accuracy": mean(float(s["refused"]) for s in unanswerable),
            "false_refusal_rate": mean(float(s["refused"]) for s in answerable),
            "citation_precision": correct / cited if cited else None,
            "quote_recall": mean(s["quote_recall"] for s in answerable),
        },
    }


def aggregate(scores: Sequence[Mapping[str, object]], kinds: Sequence[str], latencies_ms: Sequence[float]) -> dict:
    """The whole ``metrics.json`` object: overall, latency and per-kind blocks.

    ``kinds`` and ``latencies_ms`` run parallel to ``scores``.
    """
    if not len(scores) == len(kinds) == len(latencies_ms):
        raise ValueError("scores, kinds and latencies_ms must have the same length")
    overall = summarize(scores)
    by_kind = {}
    for kind in sorted(set(kinds)):
        by_kind[kind] = summarize([s for s, k in zip(scores, kinds) if k == kind])
    return {
        "n": len(scores),
        "n_answerable": sum(1 for s in scores if s["answerable"]),
        "retrieval": overall["retrieval"],
        "answer": overall["answer"],
        "latency_ms": {"p50": percentile(latencies_ms, 50), "p95": percentile(latencies_ms, 95)},
        "by_kind": by_kind,
    }
