import docx

from rag.export import to_docx, to_markdown
from rag.types import Answer, Citation

CITATION = Citation(1, "phapdien:44.13.LQ.12", "Thực hiện dân chủ ở cơ sở – Điều 44.13.LQ.12. Thời hạn công khai",
                    "10/2022/QH15", "10/11/2022", "chậm nhất là 05 ngày làm việc", issuer="Quốc hội", doc_type="Luật",
                    section="khoản 1 Điều 44.13.LQ.12", provision="Điều 12 Luật số 10/2022/QH15")
FIRST = Answer("Xã công khai chậm nhất mấy ngày?", "Theo Luật: chậm nhất là 05 ngày làm việc. [1]", (CITATION,), (), False, 0.9)
SECOND = Answer("Giá vàng hôm nay?", "Không tìm thấy thông tin này trong tài liệu đã nạp.", (), (), True, 0.0)
FORMAL = "[1] Khoản 1 Điều 12 Luật Thực hiện dân chủ ở cơ sở số 10/2022/QH15 ngày 10/11/2022 của Quốc hội"


def test_markdown_has_the_answer_its_formal_reference_and_quote():
    md = to_markdown([FIRST, SECOND])
    assert "## Câu hỏi: Xã công khai chậm nhất mấy ngày?" in md and FORMAL in md
    assert "> “chậm nhất là 05 ngày làm việc”" in md
    assert md.index("Giá vàng") > md.index(FORMAL)  # the conversation keeps its order


def test_docx_reads_back_with_the_same_content(tmp_path):
    path = to_docx([FIRST, SECOND], tmp_path / "out" / "tra-loi.docx")
    paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
    assert "Câu hỏi: Xã công khai chậm nhất mấy ngày?" in paragraphs
    assert "Theo Luật: chậm nhất là 05 ngày làm việc. [1]" in paragraphs
    assert FORMAL in paragraphs and "“chậm nhất là 05 ngày làm việc”" in paragraphs
    assert "Không tìm thấy thông tin này trong tài liệu đã nạp." in paragraphs
    quote = next(p for p in docx.Document(str(path)).paragraphs if p.text.startswith("“"))
    assert quote.runs[0].italic
