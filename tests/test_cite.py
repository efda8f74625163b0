import dataclasses

from rag import cite
from rag.answer import REFUSAL_TEXT, ExtractiveAnswerer
from rag.types import Answer, Chunk, Citation, Hit

LAW = Chunk("phapdien:44.13.LQ.12", 0,
            "Điều 44.13.LQ.12. Thời hạn công khai\n1. Thông tin phải được công khai chậm nhất là 05 ngày làm việc "
            "kể từ ngày được phê duyệt.\n2. Thời gian niêm yết ít nhất là 30 ngày.",
            title="Thực hiện dân chủ ở cơ sở – Điều 44.13.LQ.12. Thời hạn công khai", number="10/2022/QH15",
            date="10/11/2022", issuer="Quốc hội", doc_type="Luật", section="Điều 44.13.LQ.12. Thời hạn công khai",
            provision="Điều 12 Luật số 10/2022/QH15, có hiệu lực thi hành kể từ ngày 01/07/2023")


def test_the_formal_line_is_written_as_officers_write_it():
    answer = ExtractiveAnswerer().answer("Thông tin phải được công khai chậm nhất mấy ngày làm việc?", [Hit(LAW, 1.0, 1)])
    (c,) = answer.citations
    assert c.section == "khoản 1 Điều 44.13.LQ.12"
    assert c.formal() == "Khoản 1 Điều 12 Luật Thực hiện dân chủ ở cơ sở số 10/2022/QH15 ngày 10/11/2022 của Quốc hội"


def test_the_place_comes_from_the_chunkers_marks_when_present():
    text = "Điều 3. Công khai\n1. Xã công khai.\n2. Hình thức gồm:\nb) Loa truyền thanh."
    marked = Chunk("d", 0, text, start=1000, marks=((1000, "Điều 3"), (1018, "khoản 1 Điều 3"),
                                                    (1035, "khoản 2 Điều 3"), (1052, "điểm b khoản 2 Điều 3")))
    assert cite.place(marked, text.index("Loa")) == "điểm b khoản 2 Điều 3"
    assert cite.place(dataclasses.replace(marked, marks=()), text.index("Loa")) == "điểm b khoản 2 Điều 3"  # read from text


def test_a_citation_whose_quote_is_not_in_its_passage_is_never_shown():
    hits = (Hit(LAW, 1.0, 1),)
    good = Citation(1, LAW.doc_id, LAW.title, LAW.number, LAW.date, "chậm nhất là 05 ngày  làm việc")  # spacing forgiven
    forged = Citation(2, LAW.doc_id, LAW.title, LAW.number, LAW.date, "chậm nhất là 30 ngày làm việc")
    answer = Answer("q", "Chậm nhất 05 ngày. [1]\nHoặc 30 ngày. [2]", (good, forged), hits, False, 0.9)
    checked = cite.verify(answer)
    assert [c.marker for c in checked.citations] == [1]
    assert checked.text == "Chậm nhất 05 ngày. [1]"
    # a citation of another document than the passage holding the words fails too
    elsewhere = dataclasses.replace(good, doc_id="other")
    only_bad = cite.verify(dataclasses.replace(answer, citations=(elsewhere,)))
    assert only_bad.refused and only_bad.citations == () and only_bad.text.startswith(REFUSAL_TEXT)


def test_tone_mark_styles_do_not_fail_a_quote():
    assert cite.quote_holds("hoà giải ở cơ sở", "Công tác hòa giải ở cơ sở.")
    assert not cite.quote_holds("", "anything")
