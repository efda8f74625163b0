"""The optional LLM judge of answer correctness: a seam, off by default.

The harness never needs a judge: every metric in ``metrics.json`` is computed
deterministically. When a caller passes a :class:`Judge` to
:func:`evals.run_eval`, its verdicts are reported separately, under the
``judge`` key of ``metrics.json`` (absent when no judge ran) and in each row.

A judge is one small method. :class:`PromptJudge` turns any text-completion
callable (an LLM backend configured elsewhere) into a judge with a Vietnamese
prompt; nothing in this module opens a network connection.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from evals.metrics import mean

JUDGE_PROMPT_VI = """Bạn là cán bộ pháp chế, chấm câu trả lời của một trợ lý hỏi đáp về văn bản pháp luật.

Câu hỏi: {question}

Đáp án chuẩn: {reference}

Câu trả lời cần chấm: {answer}

Câu trả lời có đúng với đáp án chuẩn về nội dung không (không cần trùng từng chữ)?
Trả lời đúng một dòng đầu tiên là ĐÚNG hoặc SAI, dòng thứ hai giải thích ngắn gọn."""

_VERDICT = re.compile(r"^\W*(ĐÚNG|SAI|DUNG)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    """A judge's decision on one answer."""

    correct: bool
    reason: str = ""


@runtime_checkable
class Judge(Protocol):
    """Decides whether an answer says what the reference answer says."""

    name: str

    def judge(self, question: str, reference: str, answer: str) -> Verdict: ...


class PromptJudge:
    """A :class:`Judge` over any ``complete(prompt) -> str`` callable, with a Vietnamese prompt.

    >>> judge = PromptJudge(lambda prompt: "ĐÚNG\\nKhớp nội dung.", name="scripted")
    >>> judge.judge("Ai chủ trì?", "Chủ tịch xã.", "Chủ tịch UBND xã chủ trì.").correct
    True
    """

    def __init__(self, complete: Callable[[str], str], name: str = "llm", prompt: str = JUDGE_PROMPT_VI) -> None:
        self.complete = complete
        self.name = name
        self.prompt = prompt

    def judge(self, question: str, reference: str, answer: str) -> Verdict:
        reply = self.complete(self.prompt.format(question=question, reference=reference, answer=answer)).strip()
        match = _VERDICT.match(reply)
        if match is None:
            # An unparseable reply is a wrong answer, and says why, rather than a guess.
            return Verdict(False, f"unparseable judge reply: {reply[:200]!r}")
        _, _, rest = reply.partition("\n")
        return Verdict(match.group(1).upper() in ("ĐÚNG", "DUNG"), rest.strip())


def judged(row: Mapping) -> bool:
    """Whether a row can be judged: an answerable question with a reference answer."""
    return bool(row.get("answerable")) and bool(str(row.get("reference_answer") or "").strip())


def summarize_verdicts(judge_name: str, rows: Sequence[Mapping]) -> dict:
    """The ``judge`` block of ``metrics.json`` from rows that carry a ``judge`` verdict.

    >>> summarize_verdicts("j", [{"kind": "a", "judge": {"correct": True}}, {"kind": "b", "judge": {"correct": False}}])
    {'name': 'j', 'n': 2, 'accuracy': 0.5, 'by_kind': {'a': 1.0, 'b': 0.0}}
    """
    verdicts = [(str(r.get("kind")), 1.0 if r["judge"]["correct"] else 0.0) for r in rows if r.get("judge")]
    kinds = sorted({kind for kind, _ in verdicts})
    return {
        "name": judge_name,
        "n": len(verdicts),
        "accuracy": mean(v for _, v in verdicts),
        "by_kind": {kind: mean(v for k, v in verdicts if k == kind) for kind in kinds},
    }
