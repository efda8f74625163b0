"""The LLM-judge seam: a Vietnamese prompt over any completion callable, no network."""

from __future__ import annotations

from evals.judge import JUDGE_PROMPT_VI, Judge, PromptJudge, Verdict, judged, summarize_verdicts


class Scripted:
    """Returns queued replies and records the prompts it was given."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        return self.replies.pop(0)


def test_prompt_judge_fills_the_vietnamese_prompt_and_parses_the_verdict():
    llm = Scripted("ĐÚNG\nNội dung khớp đáp án.", "Sai\nThiếu thời hạn.", "  **ĐÚNG**", "Có lẽ vậy")
    judge = PromptJudge(llm, name="scripted")
    assert isinstance(judge, Judge)
    assert judge.judge("Ai chủ trì?", "Chủ tịch UBND xã.", "Chủ tịch xã [1].") == Verdict(True, "Nội dung khớp đáp án.")
    assert "Câu hỏi: Ai chủ trì?" in llm.prompts[0] and "Đáp án chuẩn: Chủ tịch UBND xã." in llm.prompts[0]
    assert "ĐÚNG hoặc SAI" in JUDGE_PROMPT_VI
    assert judge.judge("q", "r", "a") == Verdict(False, "Thiếu thời hạn.")
    assert judge.judge("q", "r", "a").correct is True
    unparsed = judge.judge("q", "r", "a")
    assert unparsed.correct is False and "unparseable" in unparsed.reason


def test_only_answerable_rows_with_a_reference_are_judged():
    assert judged({"answerable": True, "reference_answer": "Có."})
    assert not judged({"answerable": True, "reference_answer": " "})
    assert not judged({"answerable": False, "reference_answer": "Có."})


def test_summary_counts_only_judged_rows():
    rows = [
        {"kind": "factoid", "judge": {"correct": True}},
        {"kind": "factoid", "judge": {"correct": False}},
        {"kind": "multi", "judge": {"correct": True}},
        {"kind": "unanswerable"},
    ]
    assert summarize_verdicts("scripted", rows) == {
        "name": "scripted", "n": 3, "accuracy": 2 / 3, "by_kind": {"factoid": 0.5, "multi": 1.0},
    }
    assert summarize_verdicts("x", [])["accuracy"] is None
