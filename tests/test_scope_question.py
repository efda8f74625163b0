""""Nghị định X quy định về vấn đề gì?": answered from the document's Điều 1, Phạm vi điều chỉnh.

A real store on tmp_path over invented units in Pháp điển's shape (one document per article,
the units of a law sharing its số hiệu) and one whole Quy chế; the hashing embedder.
"""

from __future__ import annotations

import json

import pytest

import ingest
import rag
from fakes import HashingEmbedder
from rag.query import parse


def _unit(doc_id, law, number, doc_type, article, heading, text):
    return {"doc_id": doc_id, "title": f"{law} – Điều {article}. {heading}", "number": number, "type": doc_type,
            "issuer": "Quốc hội" if doc_type == "Luật" else "Chính phủ", "date": "25/11/2013",
            "source_provision": f"Điều {article} {doc_type} số {number}",
            "text": f"Điều {article}. {heading}\n{text}"}


DOCS = [
    _unit("s:tcd-1", "Tiếp công dân", "42/2013/QH13", "Luật", 1, "Phạm vi điều chỉnh",
          "1. Luật này quy định về trách nhiệm tiếp công dân; quyền và nghĩa vụ của người đến khiếu nại, tố cáo, "
          "kiến nghị, phản ánh; việc tổ chức hoạt động tiếp công dân tại Trụ sở tiếp công dân.\n"
          "2. Việc tiếp người nước ngoài đến khiếu nại, tố cáo được thực hiện như đối với tiếp công dân."),
    _unit("s:tcd-3", "Tiếp công dân", "42/2013/QH13", "Luật", 3, "Nguyên tắc tiếp công dân",
          "Việc tiếp công dân phải được tiến hành tại nơi tiếp công dân của cơ quan, tổ chức, đơn vị; "
          "bảo đảm công khai, dân chủ, kịp thời; thủ tục đơn giản, thuận tiện."),
    _unit("s:tcd-12", "Tiếp công dân", "42/2013/QH13", "Luật", 12, "Trách nhiệm tiếp công dân",
          "Chủ tịch Ủy ban nhân dân cấp xã có trách nhiệm tiếp công dân tại trụ sở ít nhất 01 ngày trong 01 tuần."),
    _unit("s:nd64-1", "Tiếp công dân", "64/2014/NĐ-CP", "Nghị định", 1, "Phạm vi điều chỉnh",
          "Nghị định này quy định chi tiết về việc tiếp công dân tại các cơ quan thuộc Chính phủ và "
          "Ủy ban nhân dân các cấp."),
    _unit("s:nd64-8", "Tiếp công dân", "64/2014/NĐ-CP", "Nghị định", 8, "Ban Tiếp công dân cấp huyện",
          "Ban Tiếp công dân cấp huyện thuộc Văn phòng Ủy ban nhân dân cấp huyện, có Trưởng ban và cán bộ."),
    _unit("s:kn-1", "Khiếu nại", "02/2011/QH13", "Luật", 1, "Phạm vi điều chỉnh",
          "Luật này quy định về khiếu nại và giải quyết khiếu nại đối với quyết định hành chính, hành vi "
          "hành chính của cơ quan hành chính nhà nước."),
    _unit("s:kn-9", "Khiếu nại", "02/2011/QH13", "Luật", 9, "Thời hiệu khiếu nại",
          "Thời hiệu khiếu nại là 90 ngày, kể từ ngày nhận được quyết định hành chính."),
    {"doc_id": "s:qc-01", "title": "Quy chế công khai thông tin ở xã", "number": "01/QC-UBND", "type": "Quy chế",
     "issuer": "Ủy ban nhân dân xã Thử Nghiệm", "date": "05/01/2026",
     "text": "Điều 1. Phạm vi điều chỉnh\nQuy chế này quy định nội dung, hình thức và thời hạn công khai thông tin "
             "của Ủy ban nhân dân xã cho Nhân dân.\nĐiều 2. Thời hạn công khai\nỦy ban nhân dân xã công khai "
             "thông tin chậm nhất là 05 ngày làm việc kể từ ngày có quyết định.\nĐiều 3. Hình thức công khai\n"
             "1. Niêm yết tại trụ sở Ủy ban nhân dân xã và nhà văn hóa các thôn.\n"
             "2. Thông báo trên hệ thống loa truyền thanh của xã ba lần trong một tuần.\n"
             "Điều 4. Trách nhiệm thi hành\nVăn phòng Ủy ban nhân dân xã theo dõi việc thực hiện Quy chế này."},
    # an excerpt with articles but no Điều 1: the trích yếu under the type name says what it covers
    {"doc_id": "s:tt-09", "title": "Thông tư quy định chế độ báo cáo", "number": "09/2025/TT-BNV", "type": "Thông tư",
     "issuer": "Bộ Nội vụ", "date": "14/07/2025",
     "text": "THÔNG TƯ\nQuy định chế độ báo cáo kết quả thực hiện dân chủ ở cơ sở\nĐiều 5. Thời hạn báo cáo\n"
             "Ủy ban nhân dân cấp xã gửi báo cáo năm trước ngày 15 tháng 12 hằng năm."},
]


PLAN = {"doc_id": "s:kh-15", "title": "Kế hoạch công tác dân vận năm 2026", "number": "15-KH/BDVTU",
        "type": "Kế hoạch", "issuer": "Ban Dân vận Tỉnh ủy", "date": "12/01/2026",
        "text": "TỈNH ỦY THỬ NGHIỆM\nBAN DÂN VẬN\nSố 15-KH/BDVTU\nThử Nghiệm, ngày 12 tháng 01 năm 2026\n"
                "KẾ HOẠCH\nCông tác dân vận năm 2026\nThực hiện Chương trình công tác năm 2026 của Ban Thường vụ "
                "Tỉnh ủy, Ban Dân vận Tỉnh ủy xây dựng Kế hoạch công tác dân vận năm 2026 như sau:\n"
                "I. MỤC ĐÍCH, YÊU CẦU\n1. Nâng cao chất lượng công tác dân vận của hệ thống chính trị ở cơ sở.\n"
                "II. NHIỆM VỤ TRỌNG TÂM\n1. Tham mưu sơ kết 3 năm thực hiện Luật Thực hiện dân chủ ở cơ sở.\n"
                "2. Nhân rộng các mô hình Dân vận khéo ở thôn, tổ dân phố."}
REPORT = {"doc_id": "s:bc-42", "title": "Báo cáo sơ kết công tác dân vận", "number": "42-BC/BDVTU",
          "type": "Báo cáo", "issuer": "Ban Dân vận Tỉnh ủy", "date": "25/06/2026",
          "text": "Văn bản này được gửi tới các chi bộ trực thuộc để nghiên cứu và thực hiện nghiêm túc.\n"
                  "TỈNH ỦY THỬ NGHIỆM\nBAN DÂN VẬN\nSố 42-BC/BDVTU\nBÁO CÁO\nSơ kết công tác dân vận 6 tháng đầu năm, "
                  "phương hướng nhiệm vụ 6 tháng cuối năm 2026\nI. KẾT QUẢ\n"
                  "1. Toàn tỉnh có 326 mô hình Dân vận khéo được đăng ký, tăng 41 mô hình so với cùng kỳ."}
DOCS.extend([PLAN, REPORT])


@pytest.fixture
def pipe(settings, store, tmp_path):
    path = tmp_path / "scope.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in DOCS) + "\n", encoding="utf-8")
    embedder = HashingEmbedder()
    ingest.ingest_paths(settings, [path], store=store, embedder=embedder)
    return rag.Pipeline(settings, store=store, embedder=embedder)


@pytest.mark.parametrize("question", [
    "Nghị định 59/2023 quy định về vấn đề gì?", "Phạm vi điều chỉnh của Luật Tín ngưỡng, tôn giáo?",
    "luat tiep cong dan quy dinh ve van de gi", "Thông tư 09/2025 nói về gì vậy?",
    "Nội dung chính của Kế hoạch 15-KH/BDVTU là gì?", "Luật Khiếu nại quy định những gì?",
    "Điều 5 quy chế phối hợp có nội dung gì", "dieu 3 quy che phoi hop quy dinh gi",  # a whole article
])
def test_scope_questions_are_recognised(question):
    assert parse(question).asks_scope


@pytest.mark.parametrize("question", [
    "Luật quy định gì về thời hạn?",  # one matter of a document
    "Hành vi nào bị cấm, Luật quy định gì?",  # another question word
    "Xã phải công khai những gì?",  # names no document
    "Trưởng thôn phải làm gì?",
])
def test_questions_about_one_matter_are_not_scope_questions(question):
    assert not parse(question).asks_scope


@pytest.mark.parametrize("question, doc_id, says", [
    ("Luật 42/2013/QH13 quy định về vấn đề gì?", "s:tcd-1", "Luật này quy định về trách nhiệm tiếp công dân"),
    ("Nghị định 64/2014/NĐ-CP quy định về vấn đề gì?", "s:nd64-1", "Nghị định này quy định chi tiết"),
    ("Nghị định 64/2014 điều chỉnh những vấn đề gì?", "s:nd64-1", "Nghị định này quy định chi tiết"),
    # named by title: the Luật, not the Nghị định of the same subject
    ("Luật Tiếp công dân quy định về vấn đề gì?", "s:tcd-1", "Luật này quy định về trách nhiệm tiếp công dân"),
    ("luat tiep cong dan quy dinh ve van de gi", "s:tcd-1", "Luật này quy định về trách nhiệm tiếp công dân"),
    ("Phạm vi điều chỉnh của Luật Khiếu nại?", "s:kn-1", "Luật này quy định về khiếu nại"),
    # a whole document with its articles in sections
    ("Quy chế 01/QC-UBND quy định về vấn đề gì?", "s:qc-01", "Quy chế này quy định nội dung, hình thức"),
])
def test_scope_question_is_answered_from_article_1(pipe, question, doc_id, says):
    answer = pipe.ask(question)
    assert not answer.refused, answer.text
    assert [c.doc_id for c in answer.citations] == [doc_id]
    assert says in answer.text and "Điều 1" in answer.citations[0].section
    assert pipe.retrieve(question)[0].chunk.doc_id == doc_id


def test_the_whole_article_is_quoted_and_cited_at_the_article(pipe):
    answer = pipe.ask("Luật 42/2013/QH13 quy định về vấn đề gì?")
    assert "tố cáo, kiến nghị, phản ánh; việc tổ chức hoạt động tiếp công dân tại Trụ sở" in answer.text
    assert "2. Việc tiếp người nước ngoài" in answer.text
    assert answer.citations[0].section == "Điều 1"  # khoản 1 and 2 are quoted: the place holds both


@pytest.mark.parametrize("question", [
    "Luật Đất đai quy định về vấn đề gì?",  # no such law indexed: never another law's Điều 1
    "Nghị định 99/2020/NĐ-CP quy định về vấn đề gì?",  # a số hiệu no document has
])
def test_scope_of_a_document_not_indexed_is_refused(pipe, question):
    assert pipe.ask(question).refused


def test_a_question_about_one_matter_still_gets_that_article(pipe):
    answer = pipe.ask("Theo Luật Khiếu nại, thời hiệu khiếu nại là bao nhiêu ngày?")
    assert not answer.refused and answer.citations[0].doc_id == "s:kn-9" and "90 ngày" in answer.text


@pytest.mark.parametrize("question", ["Nội dung chính của Kế hoạch 15-KH/BDVTU là gì?",
                                      "Kế hoạch 15-KH/BDVTU đề cập đến vấn đề gì?"])
def test_a_document_without_articles_answers_with_its_opening_statement(pipe, question):
    answer = pipe.ask(question)
    assert not answer.refused, answer.text
    assert [c.doc_id for c in answer.citations] == ["s:kh-15"]
    assert "xây dựng Kế hoạch công tác dân vận năm 2026 như sau" in answer.text
    assert "Số 15-KH/BDVTU" not in answer.citations[0].quote  # not the header block


def test_without_an_opening_statement_the_trich_yeu_answers(pipe):
    """A Báo cáo opens with no "Thực hiện …/Căn cứ …": the line under its type name says what it is."""
    answer = pipe.ask("Báo cáo 42-BC/BDVTU nói về gì?")
    assert not answer.refused and [c.doc_id for c in answer.citations] == ["s:bc-42"]
    assert answer.citations[0].quote.startswith("Sơ kết công tác dân vận 6 tháng đầu năm")


@pytest.mark.parametrize("question", ["Điều 3 của Quy chế công khai thông tin ở xã quy định gì?",
                                      "Quy chế 01/QC-UBND, Điều 3 có nội dung gì",
                                      "dieu 3 quy che cong khai thong tin o xa quy dinh gi"])
def test_a_named_article_is_quoted_whole_and_cited_at_the_article(pipe, question):
    """ "Điều 3 ... quy định gì?" asks the whole article: both its khoản, cited "Điều 3", nothing of Điều 4."""
    answer = pipe.ask(question)
    assert not answer.refused, answer.text
    (citation,) = answer.citations
    assert citation.doc_id == "s:qc-01" and citation.section == "Điều 3"
    assert "Niêm yết tại trụ sở" in answer.text and "loa truyền thanh" in answer.text
    assert "Văn phòng Ủy ban nhân dân xã theo dõi" not in answer.text


def test_a_named_khoan_is_answered_alone(pipe):
    answer = pipe.ask("Khoản 2 Điều 3 Quy chế công khai thông tin ở xã quy định gì?")
    assert not answer.refused and answer.citations[0].section == "khoản 2 Điều 3"
    assert "loa truyền thanh" in answer.text and "Niêm yết" not in answer.text


def test_the_scope_quote_stops_at_the_end_of_article_1(pipe):
    answer = pipe.ask("Quy chế 01/QC-UBND quy định về vấn đề gì?")
    assert answer.citations[0].section == "Điều 1" and "05 ngày làm việc" not in answer.text


def test_a_document_with_articles_but_no_article_1_answers_with_its_trich_yeu(pipe):
    answer = pipe.ask("Thông tư 09/2025/TT-BNV quy định về vấn đề gì?")
    assert not answer.refused, answer.text
    assert [c.doc_id for c in answer.citations] == ["s:tt-09"]
    assert answer.citations[0].quote == "Quy định chế độ báo cáo kết quả thực hiện dân chủ ở cơ sở"


@pytest.mark.parametrize("question", ["Điều 12 Luật 42/2013/QH13 quy định gì?", "dieu 12 luat 42/2013 quy dinh gi"])
def test_a_named_article_of_a_document_named_by_number_is_answered_whatever_its_words(pipe, question):
    """No word of the question is in the article: the article and the số hiệu say which text it is."""
    answer = pipe.ask(question)
    assert not answer.refused, answer.text
    assert [c.doc_id for c in answer.citations] == ["s:tcd-12"] and "01 ngày trong 01 tuần" in answer.text
