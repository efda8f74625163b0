"""Text-level cleanup: page furniture, signing and title blocks, wrapped lines, page starts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ingest.lines import join_lines, looks_wrapped, rejoin, strip_furniture, strip_signature, strip_title_block

FIELD = Path(__file__).resolve().parents[1].parent / "shared" / "field-cases"


def test_field_case_13_quoted_sentence_is_whole():
    path = FIELD / "case13" / "docs" / "quy-che-pdftotext.txt"
    if not path.exists():
        pytest.skip("shared field cases not present")
    text = path.read_text(encoding="utf-8")
    assert looks_wrapped(text)
    lines = rejoin(text).split("\n")
    whole = ("2. Ủy ban nhân dân xã trả lời bằng văn bản trong thời hạn 10 ngày làm việc kể từ ngày nhận được "
             "kiến nghị; trường hợp phức tạp thì thời hạn trả lời không quá 20 ngày làm việc.")
    assert whole in lines
    # headings, lead-ins and list items stay lines of their own
    for line in ("Chương II", "NỘI DUNG PHỐI HỢP", "Điều 6. Họp liên tịch", "2. Hình thức công khai gồm:",
                 "b) Việc quản lý, sử dụng đất đai và giải quyết đơn thư liên quan đến đất đai;",
                 "Phối hợp công tác giữa Ủy ban nhân dân xã và Ủy ban Mặt trận Tổ quốc Việt Nam xã Phú Thịnh"):
        assert line in lines


def test_a_wrapped_cross_reference_is_not_a_heading():
    lines = ["1. Hồ sơ đề nghị được gửi đến Ủy ban nhân dân cấp xã theo quy định tại",
             "Điều 11 Luật này trong thời hạn 05 ngày làm việc kể từ ngày họp.", "Điều 12. Họp dân",
             "Nội dung theo quy định tại khoản 2", "Điều 3. Hiệu lực"]
    # "Điều 11" opens a line in the PDF, but the sentence goes on; "Điều 12." is a heading, and so is
    # "Điều 3." even after a line that ends without a period.
    assert join_lines(lines)[0].split("\n") == [lines[0] + " " + lines[1]] + lines[2:]
    wrapped = ["a) Người sử dụng lao động hoạt động trên địa bàn thuộc vùng nào thì áp dụng",
               "mức lương tối thiểu quy định đối với địa bàn đó.", "b) Người sử dụng lao động có đơn vị"]
    assert join_lines(wrapped)[0].split("\n") == [wrapped[0] + " " + wrapped[1], wrapped[2]]


def test_plain_paragraph_per_line_text_is_left_alone():
    text = "Kế hoạch tuyên truyền\nI. MỤC ĐÍCH\nNâng cao nhận thức.\nII. NỘI DUNG\nTổ chức hội nghị."
    assert not looks_wrapped(text) and rejoin(text) == text


def test_page_starts_follow_joins_across_pages():
    lines = ["Điều 1. Phạm vi", "Nghị định này quy định mức lương tối thiểu tháng và mức lương tối thiểu giờ",
             "áp dụng đối với người lao động.", "Điều 2. Đối tượng"]
    text, starts = join_lines(lines, [1, 1, 2, 2])
    assert text == ("Điều 1. Phạm vi\nNghị định này quy định mức lương tối thiểu tháng và mức lương tối thiểu giờ "
                    "áp dụng đối với người lao động.\nĐiều 2. Đối tượng")
    assert starts[0] == 0 and text[starts[1]:].startswith("áp dụng")


def test_running_headers_page_numbers_and_signature_stamps_are_removed():
    pages = [
        ["2 CÔNG BÁO/Số 447 + 448/Ngày 25-6-2022", "VĂN BẢN QUY PHẠM PHÁP LUẬT", "Điều 1. Phạm vi", "Nội dung một.",
         "Người ký: Cổng Thông tin điện tử Chính phủ", "Email: thongtinchinhphu@chinhphu.vn",
         "Cơ quan: Văn phòng Chính phủ", "Thời gian ký: 23.06.2022 10:13:36 +07:00"],
        ["CÔNG BÁO/Số 447 + 448/Ngày 25-6-2022 3", "Điều 2. Đối tượng", "Nội dung hai.", "3"],
        ["Trang 4", "UBND XÃ PHÚ THỊNH - KẾ HOẠCH 15", "Điều 3. Hiệu lực", "Nội dung ba."],
        ["Trang 5", "UBND XÃ PHÚ THỊNH - KẾ HOẠCH 15", "Điều 4. Thi hành", "______________", "Nội dung bốn.",
         "(Xem tiếp Công báo số 1171 + 1172)"],
    ]
    out = strip_furniture(pages)
    assert out == [["Điều 1. Phạm vi", "Nội dung một."], ["Điều 2. Đối tượng", "Nội dung hai."],
                   ["Điều 3. Hiệu lực", "Nội dung ba."], ["Điều 4. Thi hành", "Nội dung bốn."]]


def test_signing_block_and_distribution_list_are_removed_but_appendix_kept():
    lines = ["2. Bộ trưởng chịu trách nhiệm thi hành Thông tư này./.", "Nơi nhận: KT. BỘ TRƯỞNG",
             "- Ban Bí thư Trung ương Đảng;", "THỨ TRƯỞNG", "- Lưu: VT, PC.", "(Đã ký)", "Nguyễn Văn Thành",
             "PHỤ LỤC I", "DANH MỤC NGHỀ", "1. Khai thác mỏ."]
    assert strip_signature(lines) == [lines[0], "PHỤ LỤC I", "DANH MỤC NGHỀ", "1. Khai thác mỏ."]


def test_two_column_title_block_is_removed_and_type_and_summary_kept():
    lines = ["BỘ LAO ĐỘNG - THƯƠNG BINH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "VÀ XÃ HỘI Độc lập - Tự do - Hạnh phúc",
             "_______________", "Số: 03/2022/TT-BLĐTBXH Hà Nội, ngày 30 tháng 3 năm 2022", "THÔNG TƯ",
             "Quy định Danh mục nhà tù", "Căn cứ Nghị định số 14/2017/NĐ-CP;"]
    assert strip_title_block(lines) == lines[4:]
    party = ["ĐẢNG BỘ TỈNH QUẢNG NAM ĐẢNG CỘNG SẢN VIỆT NAM", "BAN DÂN VẬN", "*",
             "Số 15-KH/BDVTU Tam Kỳ, ngày 05 tháng 3 năm 2024", "KẾ HOẠCH", "Tuyên truyền dân vận khéo"]
    assert strip_title_block(party) == ["KẾ HOẠCH", "Tuyên truyền dân vận khéo"]
    plain = ["QUY CHẾ", "Phối hợp công tác", "Điều 1. Phạm vi"]
    assert strip_title_block(plain) == plain


def test_a_5_mb_single_line_is_handled_in_linear_time():
    line = "Ủy ban nhân dân xã công khai thông tin " * 130_000
    start = time.perf_counter()
    text, _ = join_lines([line])
    assert rejoin(line) == line and looks_wrapped(line) is False
    assert text == line.strip() and time.perf_counter() - start < 5
