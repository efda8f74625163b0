"""The Query value: references parsed once, in every form an officer types them."""

from __future__ import annotations

import pytest

from rag.query import Article, normalize_date, parse, parse_number
from rag.types import Turn


@pytest.mark.parametrize("typed", ["5/3/2026", "05/03/2026", "05-03-2026", "5.3.2026", "ngày 5 tháng 3 năm 2026",
                                   "ngay 5 thang 3 nam 2026", "5/3/26"])
def test_dates_in_every_common_form_normalise_to_dd_mm_yyyy(typed):
    assert normalize_date(typed) == "05/03/2026"
    assert parse(f"Kế hoạch ngày {typed} nói gì?").dates == ("05/03/2026",)


@pytest.mark.parametrize("typed", ["Kế hoạch ngày 5/3 nói gì?", "ke hoach ngay 05-3 noi gi", "Kế hoạch mùng 5/3",
                                   "Kế hoạch ngày 5 tháng 3 của Đảng ủy"])
def test_a_date_typed_without_its_year_is_a_day_and_month_not_a_number(typed):
    q = parse(typed)
    assert q.day_months == ("05/03",) and q.numbers == () and q.dates == ()
    assert "05/03" in q.canonical and q.specifics == {"05/03"}
    # the pipeline resolves it to the one date of the collection with that day and month
    assert " 05/03/2026" in q.with_(resolved=(("05/03", "05/03/2026"),)).canonical


def test_a_fraction_or_a_full_date_is_no_day_and_month():
    assert parse("cần 2/3 số hộ tán thành").day_months == ()
    assert parse("ngày 5/3/2026").day_months == () and parse("ngày 32/3").day_months == ()


def test_impossible_dates_and_document_numbers_are_not_dates():
    assert parse("ngày 32/13/2026").dates == ()
    q = parse("Luật số 10/2022/QH15 và Thông tư 09/2025")
    assert q.dates == () and [n.text for n in q.numbers] == ["10/2022/QH15", "09/2025"]


@pytest.mark.parametrize("typed, number, doc_type, expected", [
    ("Thông tư 09/2025", "09/2025/TT-BNV", "Thông tư", True),
    ("Thông tư 9/2025", "09/2025/TT-BNV", "Thông tư", True),
    ("Thông tư 09/2025", "09/2024/TT-BNV", "Thông tư", False),
    ("Nghị định 09/2025", "09/2025/TT-BNV", "Thông tư", False),  # the type disagrees
    ("Thông tư 09/2025/TT-BLDTBXH", "09/2025/TT-BLĐTBXH", "Thông tư", True),  # đ typed as d
    ("Quyết định 33/2014/qd-ttg", "33/2014/QĐ-TTg", "Quyết định", True),
    ("Kế hoạch 21-KH/DU", "21-KH/ĐU", "Kế hoạch", True),
    ("Thông tư số 9 năm 2025", "09/2025/TT-BNV", "Thông tư", True),
    ("Luật 10/2022/QH15", "10/2022/QH14", "Luật", False),
])
def test_document_numbers_match_in_full_or_in_part(typed, number, doc_type, expected):
    assert any(n.matches(number, doc_type) for n in parse(typed).numbers) is expected


def test_a_bare_serial_without_year_or_code_names_nothing():
    assert parse_number("09") is None
    assert parse("Điều 9 quy định gì").numbers == ()


def test_articles_clauses_and_points():
    q = parse("Theo điểm a khoản 2 Điều 5 và Điều 36 Luật Thực hiện dân chủ ở cơ sở")
    assert q.articles == (Article("5", "2", "a"), Article("36"))
    assert parse("dieu 9 luat khieu nai").articles == (Article("9"),)


def test_years_issuers_and_types():
    q = parse("Luật Khiếu nại 2011 và Quyết định của UBND xã, Bộ Nội vụ; do ai quyết định thành lập?")
    assert q.years == (2011,)
    assert q.issuers == ("Ủy ban nhân dân", "Bộ Nội vụ")
    assert q.doc_types == ("luat", "quyet dinh")  # the verb "quyết định" is not a type


def test_accent_state_per_syllable_and_tone_variants():
    q = parse("Uỷ ban xa phai công khai")
    assert q.words == ("ủy", "ban", "xa", "phai", "công", "khai")
    assert q.accented == (True, False, False, False, True, False)
    assert q.has_diacritics and q.partly_accented and not q.unaccented
    assert parse("uy ban xa").unaccented
    assert parse("hoà giải").words == parse("hòa giải").words


def test_follow_up_keeps_the_previous_question():
    history = [Turn("user", "Tổ hoà giải có bao nhiêu người?"), Turn("assistant", "Từ 03 người.")]
    q = parse("Còn tổ trưởng thì ai bầu?", history)
    assert q.previous == "Tổ hòa giải có bao nhiêu người?"
    assert q.dense_text == "Tổ hòa giải có bao nhiêu người?\nCòn tổ trưởng thì ai bầu?"
    assert parse("Chủ tịch Ủy ban nhân dân xã phải tiếp công dân định kỳ bao nhiêu ngày trong một tuần tại trụ sở",
                 history).previous is None


def test_query_is_frozen():
    q = parse("xã")
    with pytest.raises(AttributeError):
        q.text = "khác"  # type: ignore[misc]
    assert q.with_(restored="xã").restored == "xã"


def test_a_question_typed_in_capitals_is_read_in_sentence_case():
    q = parse("UBND XÃ PHẢI CÔNG KHAI THÔNG TIN THEO QUYẾT ĐỊNH 33/2014/QĐ-TTG MẤY NGÀY?")
    # (the abbreviation is read as what it stands for, rag.abbrev)
    assert q.text == "Ủy ban nhân dân xã phải công khai thông tin theo Quyết định 33/2014/QĐ-TTG mấy ngày?"
    assert q.doc_types == ("quyet dinh",)  # the type keeps its capital
    shouted = parse("PHẠM VI ĐIỀU CHỈNH CỦA LUẬT TIẾP CÔNG DÂN LÀ GÌ?")
    assert shouted.asks_scope and shouted.doc_types == ("luat",)
    assert parse("UBND, HĐND XÃ CÓ TRÁCH NHIỆM GÌ THEO NGHỊ QUYẾT (NQ/TW)?").text.startswith("Ủy ban nhân dân, Hội đồng nhân dân xã")
    assert q.question.startswith("UBND XÃ") and [n.serial for n in q.numbers] == ["33"] and q.kind == "date"
    assert parse("Theo Luật 10/2022/QH15, xã công khai gì?").text == "Theo Luật 10/2022/QH15, xã công khai gì?"


def test_day_and_month_edges():
    assert parse("từ ngày 1/7 đến 15/7 xã làm gì?").day_months == ("01/07", "15/07")
    assert parse("ngày 31/2 họp").day_months == () and parse("ngày 31/2/2026").dates == ()
    assert parse("Kế hoạch ngày 5-3-KH/ĐU").day_months == ()


def test_a_short_question_naming_its_own_article_or_document_is_no_follow_up():
    history = [Turn("user", "Xã phải công khai thông tin chậm nhất mấy ngày?"), Turn("assistant", "05 ngày")]
    assert parse("Điều 3 quy chế phối hợp quy định gì?", history).previous is None
    assert parse("Thông tư 09/2025 quy định gì?", history).previous is None
    assert parse("Còn Điều 5 thì sao?", history).previous == "Xã phải công khai thông tin chậm nhất mấy ngày?"


@pytest.mark.parametrize("question, follows", [
    # issue 18: a standalone question on the documents' subject pointed at an unrelated earlier one
    ("UBND xã phải công khai chậm nhất mấy ngày?", False),
    ("Mỗi xã phải đăng ký bao nhiêu mô hình Dân vận khéo?", False),
    ("Ban thanh tra nhân dân ở xã có tối đa bao nhiêu thành viên?", False),
    ("Hội nghị thôn do trưởng thôn triệu tập mấy lần một năm?", False),
    ("xa phai cong khai thong tin cham nhat may ngay", False),
    # too little to stand alone, or pointing back: the turn before is read with it
    ("Tỉnh phải trả lời trong bao lâu?", True),
    ("Mấy ngày?", True),
    ("Còn phường thì sao?", True),
    ("Vậy ai chủ trì?", True),
    ("Ngày truyền thống của họ là ngày nào?", True),
])
def test_a_short_question_follows_the_turn_before_only_when_it_cannot_stand_alone(question, follows):
    history = [Turn("user", "hop lien tich bao lau mot lan"), Turn("assistant", "Mỗi quý một lần.")]
    assert (parse(question, history).previous is not None) == follows
