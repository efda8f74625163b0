"""Eval metrics on hand-computed cases; inputs must come back untouched."""

from __future__ import annotations

import copy
import math

import pytest

from evals.metrics import (
    ANSWER_KEYS,
    RETRIEVAL_KEYS,
    aggregate,
    citation_correct,
    contains_quote,
    first_relevant_rank,
    match_form,
    mean,
    ndcg_at_k,
    percentile,
    quote_hit,
    quote_recalled,
    rank_documents,
    recall_at_k,
    success_at_k,
    reciprocal_rank,
    score_question,
    summarize,
    syllable_coverage,
)

RANKED = ["x", "g1", "y", "g2", "z"]
GOLD = {"g1", "g2"}


def test_documents_are_ranked_by_their_best_chunk():
    chunks = [("a", 0.9), ("b", 0.8), ("a", 0.7), ("c", 0.6), ("b", 0.5)]
    assert rank_documents(chunks) == [("a", 0.9), ("b", 0.8), ("c", 0.6)]


def test_document_rank_follows_chunk_rank_not_later_scores():
    # Rank order is authoritative (fused scores need not be monotonic across legs).
    assert [d for d, _ in rank_documents([("a", 0.2), ("b", 0.9)])] == ["a", "b"]


def test_success_at_k_counts_any_gold_document():
    assert success_at_k(RANKED, GOLD, 1) == 0.0
    assert success_at_k(RANKED, GOLD, 2) == 1.0
    assert success_at_k(RANKED, GOLD, 5) == 1.0
    assert success_at_k(["x", "y"], GOLD, 10) == 0.0


def test_recall_at_k_is_the_share_of_gold_documents_found():
    assert [recall_at_k(RANKED, GOLD, k) for k in (1, 2, 5)] == [0.0, 0.5, 1.0]


def test_reciprocal_rank_is_cut_at_k():
    assert reciprocal_rank(RANKED, GOLD) == 0.5
    assert first_relevant_rank(RANKED, GOLD) == 2
    eleven = [f"d{i}" for i in range(10)] + ["g1"]
    assert first_relevant_rank(eleven, GOLD) == 11
    assert reciprocal_rank(eleven, GOLD, k=10) == 0.0
    assert first_relevant_rank(["x"], GOLD) is None


def test_binary_ndcg_by_hand():
    # Gold at ranks 2 and 4 of two gold documents: (1/log2 3 + 1/log2 5) / (1 + 1/log2 3).
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(RANKED, GOLD, 10) == pytest.approx(expected)
    assert ndcg_at_k(["g1", "g2"], GOLD, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["g1"], {"g1"}, 10) == 1.0
    # A duplicated gold id gains once.
    assert ndcg_at_k(["g1", "g1"], GOLD, 10) == pytest.approx(1 / (1 + 1 / math.log2(3)))
    # Cut at k: the gold document at rank 4 is outside the top 3.
    assert ndcg_at_k(RANKED, GOLD, 3) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))


def test_retrieval_metrics_refuse_an_empty_gold_set():
    with pytest.raises(ValueError):
        recall_at_k(RANKED, set(), 10)


def test_match_form_evens_out_nbsp_tone_marks_case_and_spaces():
    assert match_form("Hoà\u00a0giải   ở\ncơ sở") == "hòa giải ở cơ sở"
    assert match_form("UỶ BAN") == match_form("ủy ban")
    decomposed = "Uy\u0309 ban"  # "Uỷ" with a combining hook above
    assert match_form(decomposed) == "ủy ban"


def test_contains_quote_after_normalising_both_sides():
    chunk = "Điều 5.\u00a0Uỷ ban nhân dân cấp xã có trách nhiệm tổ chức hoà giải."
    assert contains_quote(chunk, ["ủy ban nhân dân cấp xã có trách nhiệm tổ chức hòa giải"])
    assert not contains_quote(chunk, ["hội đồng nhân dân"])
    assert not contains_quote(chunk, [""])  # an empty quote is no evidence
    assert quote_hit(["khác", chunk], ["TỔ CHỨC HOÀ GIẢI"])
    assert not quote_hit([], ["tổ chức"])


def test_syllable_coverage_by_hand():
    # Quote "xã phải công khai" has 4 syllables; the answer holds 3 of them.
    assert syllable_coverage("Xã công khai [1].", "xã phải công khai") == 0.75
    # With multiplicity: the quote says "dân" twice, the answer once -> 3 of 4.
    assert syllable_coverage("dân biết, bàn", "dân biết dân bàn") == 0.75
    # Markers are not words: "[1]" does not cover the quote's "1".
    assert syllable_coverage("Điều [1]", "Điều 1") == 0.5
    assert syllable_coverage("gì cũng được", "") == 0.0


def test_quote_recall_needs_half_of_some_quote():
    answer = "Theo Luật: Công dân được công khai thông tin [1]."
    assert quote_recalled(answer, ["được công khai thông tin đầy đủ"])  # 5 of 7
    assert not quote_recalled(answer, ["yêu cầu cung cấp thông tin đầy đủ chính xác kịp thời"])  # 2 of 12
    assert quote_recalled("hoà giải viên", ["hòa giải"])  # tone marks evened out


def test_citation_is_correct_by_document_or_by_quote():
    assert citation_correct("g1", "bất kỳ", {"g1"}, [])
    assert citation_correct("other", "Công dân có quyền khiếu nại theo luật.", {"g1"}, ["có quyền khiếu nại"])
    assert not citation_correct("other", "Công dân có quyền tố cáo.", {"g1"}, ["có quyền khiếu nại"])


def _question(**overrides):
    values = dict(
        gold_doc_ids=("g1",),
        gold_quotes=["xã phải công khai"],
        chunk_hits=[("x", 0.9), ("x", 0.8), ("g1", 0.7)],
        chunk_texts=["khác", "khác nữa", "Xã phải công khai ngân sách."],
        answer="Xã phải công khai ngân sách [1].",
        citations=[("g1", "Xã phải công khai ngân sách."), ("x", "khác")],
        refused=False,
    )
    values.update(overrides)
    return values


def test_score_question_by_hand_and_without_mutation():
    inputs = _question()
    before = copy.deepcopy(inputs)
    s = score_question(**inputs)
    assert inputs == before
    # Documents: x (rank 1), g1 (rank 2).
    assert s["first_gold_rank"] == 2
    assert (s["success@1"], s["success@5"], s["success@10"]) == (0.0, 1.0, 1.0)
    assert s["mrr@10"] == 0.5
    assert s["ndcg@10"] == pytest.approx(1 / math.log2(3))
    assert s["quote_hit@10"] == 1.0
    assert s["quote_recall"] == 1.0 and s["quote_coverage"] == 1.0
    assert (s["citations"], s["citations_correct"], s["citation_correct"]) == (2, 1, [True, False])


def test_quote_hit_looks_at_the_top_ten_chunks_only():
    chunk_hits = [(f"d{i}", 1.0 - i / 100) for i in range(11)]
    texts = ["khác"] * 10 + ["xã phải công khai"]
    s = score_question(**_question(chunk_hits=chunk_hits, chunk_texts=texts))
    assert s["quote_hit@10"] == 0.0


def test_unanswerable_question_has_no_retrieval_scores():
    s = score_question(**_question(gold_doc_ids=(), gold_quotes=[], refused=True, citations=[]))
    assert s["answerable"] is False and s["refused"] is True
    assert all(s[key] is None for key in RETRIEVAL_KEYS)
    assert s["quote_recall"] is None and s["first_gold_rank"] is None


def test_answerable_by_quote_only_has_quote_scores_but_no_document_scores():
    s = score_question(**_question(gold_doc_ids=()))
    assert s["answerable"] is True
    assert s["success@10"] is None and s["recall@10"] is None and s["quote_hit@10"] == 1.0


def _scores():
    # Three answerable questions, two unanswerable ones.
    a1 = score_question(**_question())  # recall@1 0, mrr .5, 2 citations (1 right), recalled
    a2 = score_question(**_question(chunk_hits=[("g1", 1.0)], chunk_texts=["xã phải công khai"],
                                    citations=[("g1", "xã phải công khai")]))  # all perfect
    a3 = score_question(**_question(chunk_hits=[("x", 1.0)], chunk_texts=["khác"], answer="",
                                    citations=[], refused=True))  # missed and refused
    u1 = score_question(**_question(gold_doc_ids=(), gold_quotes=[], refused=True, citations=[]))
    u2 = score_question(**_question(gold_doc_ids=(), gold_quotes=[], refused=False, citations=[("x", "khác")]))
    return [a1, a2, a3, u1, u2]


def test_summarize_uses_the_right_denominators():
    scores = _scores()
    before = copy.deepcopy(scores)
    out = summarize(scores)
    assert scores == before
    r, a = out["retrieval"], out["answer"]
    assert list(r) == list(RETRIEVAL_KEYS) and list(a) == list(ANSWER_KEYS)
    assert r["success@1"] == pytest.approx(1 / 3)
    assert r["success@10"] == pytest.approx(2 / 3)
    assert r["mrr@10"] == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    assert r["quote_hit@10"] == pytest.approx(2 / 3)
    assert a["refusal_accuracy"] == 0.5  # u1 refused, u2 did not
    assert a["false_refusal_rate"] == pytest.approx(1 / 3)  # a3
    # Citations of answerable questions only: a1 gives 1 of 2, a2 1 of 1; u2's is ignored.
    assert a["citation_precision"] == pytest.approx(2 / 3)
    assert a["quote_recall"] == pytest.approx(2 / 3)


def test_metrics_without_questions_to_average_are_none():
    out = summarize(_scores()[:3])
    assert out["answer"]["refusal_accuracy"] is None
    out = summarize(_scores()[3:])
    assert out["retrieval"]["success@10"] is None and out["retrieval"]["recall@10"] is None
    assert out["answer"]["citation_precision"] is None


def test_aggregate_has_exactly_the_contract_keys_and_per_kind_blocks():
    scores = _scores()
    kinds = ["factoid", "factoid", "multi", "unanswerable", "unanswerable"]
    out = aggregate(scores, kinds, [10.0, 20.0, 30.0, 40.0, 50.0])
    assert set(out) == {"n", "n_answerable", "retrieval", "answer", "latency_ms", "by_kind"}
    assert (out["n"], out["n_answerable"]) == (5, 3)
    assert out["latency_ms"] == {"p50": 30.0, "p95": 48.0}
    assert set(out["by_kind"]) == {"factoid", "multi", "unanswerable"}
    assert all(set(block) == {"retrieval", "answer"} for block in out["by_kind"].values())
    assert out["by_kind"]["factoid"]["retrieval"]["success@1"] == 0.5
    assert out["by_kind"]["unanswerable"]["answer"]["refusal_accuracy"] == 0.5
    with pytest.raises(ValueError):
        aggregate(scores, kinds[:2], [1.0] * 5)


def test_percentile_and_mean_by_hand():
    values = [40.0, 10.0, 30.0, 20.0]
    assert percentile(values, 50) == 25.0
    assert percentile(values, 95) == pytest.approx(38.5)
    assert values == [40.0, 10.0, 30.0, 20.0]  # not sorted in place
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None
    assert mean([1.0, None, 0.0]) == 0.5 and mean([]) is None


def test_success_counts_any_gold_and_recall_the_share_of_gold():
    ranked = ["x", "g1", "y", "g2"]
    gold = {"g1", "g2", "g3"}
    assert [success_at_k(ranked, gold, k) for k in (1, 2, 10)] == [0.0, 1.0, 1.0]
    assert [recall_at_k(ranked, gold, k) for k in (1, 2, 10)] == pytest.approx([0.0, 1 / 3, 2 / 3])
    s = score_question(gold_doc_ids=gold, gold_quotes=[], chunk_hits=[(d, 1.0 - i / 10) for i, d in enumerate(ranked)],
                       chunk_texts=[""] * 4, answer="", citations=[], refused=False)
    assert (s["success@1"], s["success@5"], s["recall@5"]) == (0.0, 1.0, pytest.approx(2 / 3))


def test_harness_figures_agree_with_ir_measures_on_the_written_run_files(tmp_path):
    """The run.trec and qrels.trec the runner writes give trec_eval's figures (via ir-measures)."""
    ir_measures = pytest.importorskip("ir_measures")
    from evals.dataset import Example
    from evals.runner import qrels_lines, run_lines

    golds = {"q1": ("a",), "q2": ("b", "c"), "q3": ("d", "e", "f"), "q4": ("z",), "q5": ("c", "a")}
    rankings = {"q1": "xayb", "q2": "cxbyw", "q3": "fxyzwvutsrd", "q4": "abc", "q5": "bcdefghijka"}
    examples = [Example(qid, "?", gold_doc_ids=gold) for qid, gold in golds.items()]
    rows, scores = [], []
    for qid, ranked in rankings.items():
        hits = [(d, round(1.0 - (i // 2) / 20, 3)) for i, d in enumerate(ranked)]  # ties, as RRF gives
        rows.append({"qid": qid, "retrieved": [{"doc_id": d, "score": sc} for d, sc in hits]})
        scores.append(score_question(gold_doc_ids=golds[qid], gold_quotes=[], chunk_hits=hits,
                                     chunk_texts=[""] * len(hits), answer="", citations=[], refused=False))
    (tmp_path / "run.trec").write_text("".join(run_lines(rows, "t")), encoding="utf-8")
    (tmp_path / "qrels.trec").write_text("".join(qrels_lines(examples)), encoding="utf-8")
    ours = summarize(scores)["retrieval"]

    from ir_measures import RR, Recall, Success, nDCG

    measures = {"success@1": Success @ 1, "success@5": Success @ 5, "success@10": Success @ 10,
                "recall@1": Recall @ 1, "recall@5": Recall @ 5, "recall@10": Recall @ 10,
                "mrr@10": RR @ 10, "ndcg@10": nDCG @ 10}
    qrels = list(ir_measures.read_trec_qrels(str(tmp_path / "qrels.trec")))
    run = list(ir_measures.read_trec_run(str(tmp_path / "run.trec")))
    theirs = ir_measures.calc_aggregate(list(measures.values()), qrels, run)
    for key, measure in measures.items():
        assert ours[key] == pytest.approx(theirs[measure], abs=1e-9), key
    assert 0 < ours["recall@10"] < ours["success@10"] < 1  # the two differ on multi-gold questions
