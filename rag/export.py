"""Export for drafts: an answer, or a whole conversation, with numbered references and quotes.

Markdown for pasting anywhere, DOCX (python-docx) for the officer's word processor.
Each answer keeps its own ``[n]`` numbering; under it, each reference is the formal
line ("Khoản 1 Điều 12 Luật ... số 10/2022/QH15 ngày 10/11/2022 của Quốc hội") and
the exact quoted words.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rag.types import Answer

TITLE = "Trích xuất câu trả lời"
QUESTION = "Câu hỏi"
ANSWER = "Trả lời"
REFERENCES = "Tài liệu trích dẫn"


def _as_list(answers: Answer | Sequence[Answer]) -> list[Answer]:
    return [answers] if isinstance(answers, Answer) else list(answers)


def to_markdown(answers: Answer | Sequence[Answer]) -> str:
    """Markdown of one answer or a conversation (a list of answers, in order).

    >>> from rag.types import Citation
    >>> a = Answer("Xã công khai mấy ngày?", "Chậm nhất 05 ngày làm việc. [1]",
    ...            (Citation(1, "d", "Quy chế", "02/QC", "12/02/2026", "chậm nhất 05 ngày làm việc", section="khoản 1 Điều 3"),), (), False, 1.0)
    >>> print(to_markdown(a))  # doctest: +NORMALIZE_WHITESPACE
    # Trích xuất câu trả lời
    <BLANKLINE>
    ## Câu hỏi: Xã công khai mấy ngày?
    <BLANKLINE>
    Chậm nhất 05 ngày làm việc. [1]
    <BLANKLINE>
    ### Tài liệu trích dẫn
    <BLANKLINE>
    [1] Khoản 1 Điều 3 Quy chế số 02/QC ngày 12/02/2026
    > “chậm nhất 05 ngày làm việc”
    <BLANKLINE>
    """
    lines = [f"# {TITLE}", ""]
    for answer in _as_list(answers):
        lines += [f"## {QUESTION}: {answer.question}", "", answer.text, ""]
        if answer.citations:
            lines += [f"### {REFERENCES}", ""]
            for c in answer.citations:
                lines.append(f"[{c.marker}] {c.formal()}")
                lines.append(f"> “{c.quote}”")
                if c.url:
                    lines.append(f"> {c.url}")
                lines.append("")
    return "\n".join(lines)


def to_docx(answers: Answer | Sequence[Answer], path: str | Path) -> Path:
    """Write one answer or a conversation as a .docx file; returns the path.

    Raises:
        ImportError: python-docx is missing (``pip install python-docx``).
    """
    try:
        import docx
        from docx.shared import Pt
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ImportError("DOCX export needs python-docx: pip install python-docx") from exc
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"  # the typeface of administrative documents (Nghị định 30/2020/NĐ-CP)
    style.font.size = Pt(13)
    document.add_heading(TITLE, level=1)
    for answer in _as_list(answers):
        document.add_heading(f"{QUESTION}: {answer.question}", level=2)
        for line in answer.text.split("\n"):
            document.add_paragraph(line)
        if answer.citations:
            document.add_heading(REFERENCES, level=3)
            for c in answer.citations:
                document.add_paragraph(f"[{c.marker}] {c.formal()}")
                quote = document.add_paragraph()
                quote.add_run(f"“{c.quote}”").italic = True
                if c.url:
                    document.add_paragraph(c.url)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path
