import dataclasses

import pytest

from evals.counterfactual import OUT_OF_SUBJECT, auc, calibrate, choose, collect, replay, scores, signals, without
from evals.dataset import Example
from rag.answer import ExtractiveAnswerer
from rag.types import Chunk, Hit


def _hit(doc_id, text, rank):
    return Hit(Chunk(doc_id, 0, text, title="Quy chế"), 1.0 / rank, rank)


GOLD = _hit("gold", "Ủy ban nhân dân xã công khai chậm nhất 05 ngày làm việc kể từ ngày ban hành.", 1)
COPY = _hit("copy", "Bản sao: Ủy ban nhân dân xã công khai chậm nhất 05 ngày làm việc kể từ ngày ban hành.", 2)
OTHER = _hit("other", "Hội nghị thôn được tổ chức mỗi năm ít nhất một lần do trưởng thôn chủ trì.", 3)
EXAMPLE = Example("q1", "Xã công khai chậm nhất mấy ngày làm việc?", gold_doc_ids=("gold",),
                  gold_quotes=("công khai chậm nhất 05 ngày làm việc",))


def test_a_counterfactual_drops_the_gold_documents_and_any_passage_with_a_gold_quote():
    rest = without([GOLD, COPY, OTHER], ("gold",), EXAMPLE.gold_quotes, k=10)
    assert [(h.chunk.doc_id, h.rank) for h in rest] == [("other", 1)]


def test_collect_builds_three_sets_and_the_answerer_refuses_the_counterfactual():
    records = collect(lambda q, h: [GOLD, COPY, OTHER], [EXAMPLE], out_of_subject=["Giá vàng hôm nay bao nhiêu?"])
    assert [(r.set, r.answerable) for r in records] == [("dataset", True), ("counterfactual", False), ("out_of_subject", False)]
    rows = replay(records, ExtractiveAnswerer(refusal_threshold=-1.0))
    at = scores(rows, 0.3)
    assert at["false_refusal_rate"] == 0.0 and at["refusal_accuracy"] == 1.0 and at["citation_precision"] == 1.0
    assert at["quote_recall"] == 1.0


def test_the_threshold_is_chosen_within_the_false_refusal_bound_and_reported_on_held_out_rows():
    rows = [{"qid": f"a{i}", "set": "dataset", "answerable": True, "evidence": 0.5 + i / 100, "hard_refusal": False,
             "has_quotes": False, "quote_recall": False, "citations": 1, "correct_citations": 1} for i in range(40)]
    rows += [{"qid": f"u{i}", "set": "counterfactual", "answerable": False, "evidence": i / 100, "hard_refusal": False,
              "has_quotes": False, "quote_recall": False, "citations": 1, "correct_citations": 0} for i in range(40)]
    grid = [i / 20 for i in range(21)]
    assert choose(rows, grid) == 0.45  # the highest threshold under 0.5 refuses all 40 unanswerable, no answerable
    result = calibrate(rows, grid)
    assert result["cross_validated"]["refusal_accuracy"] == 1.0 and result["cross_validated"]["false_refusal_rate"] == 0.0
    assert result["held_apart"]["n_answerable"] + result["split_tuned"]["n_answerable"] == 40


def test_there_are_at_least_fifty_out_of_subject_questions():
    assert len(set(OUT_OF_SUBJECT)) >= 50


def test_auc_counts_ties_half_and_needs_both_classes():
    assert auc([0.9, 0.8], [0.1, 0.2]) == 1.0 and auc([0.1], [0.9]) == 0.0 and auc([0.5], [0.5]) == 0.5
    with pytest.raises(ValueError):
        auc([], [0.1])


def test_signals_separate_the_answerable_question_from_its_counterfactual():
    """The gold passage is close to the question by both legs; what is left without it is not."""
    gold, other = (dataclasses.replace(GOLD, dense_score=0.93, sparse_score=30.0),
                   dataclasses.replace(OTHER, dense_score=0.81, sparse_score=4.0))
    records = collect(lambda q, h: [gold, other], [EXAMPLE], out_of_subject=["Giá vàng hôm nay bao nhiêu?"])
    found = signals(records, ExtractiveAnswerer(refusal_threshold=-1.0))
    assert found["dense_top3"]["answerable"] == 0.93 and found["dense_top3"]["counterfactual"] == 0.81
    assert found["dense_top3"]["auc"] == 1.0 and found["sparse_cited"]["answerable"] == 30.0
    assert set(found) == {"evidence", "dense_cited", "dense_top3", "sparse_cited", "rank_cited"}


def test_the_out_of_subject_bar_is_one_step_below_the_lowest_fold_pick():
    """Answerable questions' passages sit at dense cosine 0.90-0.93: every fold may raise the bar to
    0.90 without a false refusal, and the setting is one grid step below."""
    import rag
    from evals.counterfactual import Record, calibrate_bar
    from rag.answer import off_subject

    class BarOnly:  # the answerer, refusing by the dense bar alone (its word rescue left out)
        def __init__(self, bar):
            self.bar, self.inner = bar, ExtractiveAnswerer(refusal_threshold=-1.0)

        def answer(self, question, hits, history=()):
            if self.bar > 0 and off_subject(hits, self.bar):
                return rag.Answer(question, rag.REFUSAL_TEXT, (), tuple(hits), True, 0.0)
            return self.inner.answer(question, hits, history)

    records = []
    for i in range(20):
        near = dataclasses.replace(GOLD, dense_score=0.90 + (i % 4) / 100)
        records.append(Record(f"q{i}", "dataset", EXAMPLE.question, True, [near, OTHER], gold_doc_ids=("gold",),
                              gold_quotes=EXAMPLE.gold_quotes))
        far = dataclasses.replace(GOLD, dense_score=0.80 + (i % 5) / 100)  # same words, far by meaning
        records.append(Record(f"oos-{i}", "out_of_subject", EXAMPLE.question, False, [far]))
    grid = [round(0.85 + i / 100, 2) for i in range(9)]  # 0.85 ... 0.93
    result = calibrate_bar(records, BarOnly, grid, threshold=0.28)
    assert result["fold_picks"] == [0.9] * 5 and result["setting"] == 0.89
    assert result["cross_validated"]["false_refusal_rate"] == 0.0
    assert result["at_setting"]["refusal_accuracy[out_of_subject]"] == 1.0
    assert result["per_bar"]["0.0"]["refusal_accuracy[out_of_subject]"] == 0.0  # words alone answer them
