"""Metadata: front matter on text files, else the document's own header."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.load import read_file
from ingest.meta import NUMBER, consolidated, from_header, front_matter

PDFS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "raw" / "pdf"


@pytest.mark.parametrize("number", ["10/2022/QH15", "06/2022/TT-BLĐTBXH", "290-QĐ/TW", "03-KL/TW", "15-KH/BDVTU",
                                    "126/NQ-CP", "12/VBHN-BTC", "66.17/2026/NQ-CP", "01/QC-UBND-MTTQ"])
def test_number_forms(number):
    assert NUMBER.fullmatch(number)
    assert from_header(f"CƠ QUAN X\nSố: {number}\nHà Nội, ngày 1 tháng 2 năm 2024\nQUYẾT ĐỊNH\nVề việc Y").number == number


def test_party_plan_header():
    text = ("TỈNH ỦY QUẢNG NAM ĐẢNG CỘNG SẢN VIỆT NAM\nBAN DÂN VẬN\n*\n"
            "Số 15-KH/BDVTU Tam Kỳ, ngày 5 tháng 3 năm 2024\nKẾ HOẠCH\n"
            "Tuyên truyền, nhân rộng mô hình “Dân vận khéo” năm 2024\nI. MỤC ĐÍCH, YÊU CẦU")
    meta = from_header(text)
    assert (meta.number, meta.date, meta.doc_type) == ("15-KH/BDVTU", "05/03/2024", "Kế hoạch")
    assert meta.title == "Kế hoạch tuyên truyền, nhân rộng mô hình “Dân vận khéo” năm 2024"
    assert meta.issuer == "Ban Dân vận"


def test_a_bare_type_line_is_never_the_title():
    meta = from_header("QUY CHẾ\nPhối hợp công tác giữa Ủy ban nhân dân xã\nvà Ủy ban Mặt trận Tổ quốc xã\n\nĐiều 1. Phạm vi")
    assert meta.doc_type == "Quy chế"
    assert meta.title == "Quy chế phối hợp công tác giữa Ủy ban nhân dân xã và Ủy ban Mặt trận Tổ quốc xã"


def test_a_law_keeps_its_name():
    meta = from_header("QUỐC HỘI\nLuật số: 10/2022/QH15\nLUẬT\nTHỰC HIỆN DÂN CHỦ Ở CƠ SỞ\nCăn cứ Hiến pháp")
    assert (meta.number, meta.doc_type, meta.title, meta.issuer) == (
        "10/2022/QH15", "Luật", "Luật Thực hiện dân chủ ở cơ sở", "Quốc hội")


def test_a_number_quoted_in_the_body_is_not_the_documents():
    meta = from_header("QUY CHẾ\nPhối hợp\nĐiều 7. Quy chế này thay thế Quy chế số 01/QC-UBND-MTTQ ngày 10/01/2022.")
    assert meta.number == "" and meta.date == ""


def test_consolidated_text_block():
    meta = consolidated("Điều 9.\nVĂN PHÒNG QUỐC HỘI XÁC THỰC VĂN BẢN HỢP NHẤT\n"
                        "Số: 19/VBHN-VPQH Hà Nội, ngày 12 tháng 02 năm 2026\nCHỦ NHIỆM")
    assert (meta.number, meta.date, meta.doc_type) == ("19/VBHN-VPQH", "12/02/2026", "Văn bản hợp nhất")


def test_front_matter_wins_over_the_header(tmp_path):
    path = tmp_path / "ke-hoach.md"
    path.write_text("---\ntitle: Kế hoạch dân vận khéo 2024\nso_hieu: 15-KH/BDVTU\nngay: 05/03/2024\n"
                    "co_quan: Ban Dân vận Tỉnh ủy\nloai: Kế hoạch\n---\n# KẾ HOẠCH\nNội dung.", encoding="utf-8")
    (doc,) = read_file(path, "ke-hoach.md")
    assert (doc.title, doc.number, doc.date, doc.issuer, doc.doc_type) == (
        "Kế hoạch dân vận khéo 2024", "15-KH/BDVTU", "05/03/2024", "Ban Dân vận Tỉnh ủy", "Kế hoạch")
    assert doc.text.startswith("# KẾ HOẠCH") and "---" not in doc.text


def test_front_matter_iso_date_and_bad_yaml(tmp_path):
    meta, body, error = front_matter("---\ndate: 2024-03-05\ntype: Báo cáo\n---\nA")
    assert (meta.date, meta.doc_type, body, error) == ("05/03/2024", "Báo cáo", "A", "")
    bad = tmp_path / "bad.txt"
    bad.write_text("---\ntitle: [unclosed\n---\nA", encoding="utf-8")
    from rag.errors import InputError

    with pytest.raises(InputError, match=r"bad\.txt: front matter is not valid YAML.*Fix the block"):
        read_file(bad, "bad.txt")


def test_text_without_front_matter_reads_its_header(tmp_path):
    path = tmp_path / "qc.txt"
    path.write_text("UBND XÃ PHÚ THỊNH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                    "Số: 12/QC-UBND Phú Thịnh, ngày 5 tháng 3 năm 2024\nQUY CHẾ\nPhối hợp công tác\n"
                    "Điều 1. Phạm vi\nQuy chế này quy định.", encoding="utf-8")
    (doc,) = read_file(path, "qc.txt")
    assert (doc.number, doc.date, doc.doc_type, doc.title, doc.issuer) == (
        "12/QC-UBND", "05/03/2024", "Quy chế", "Quy chế phối hợp công tác", "Ủy ban nhân dân xã Phú Thịnh")
    assert doc.text == "QUY CHẾ\nPhối hợp công tác\nĐiều 1. Phạm vi\nQuy chế này quy định."


@pytest.mark.parametrize("name,number,date,issuer,title", [
    ("nghi-dinh-so-38-2022-nd-cp-37348.pdf", "38/2022/NĐ-CP", "12/06/2022", "Chính phủ",
     "Nghị định quy định mức lương tối thiểu đối với người lao động làm việc theo hợp đồng lao động"),
    ("thong-tu-so-03-2022-tt-bldtbxh-36975.pdf", "03/2022/TT-BLĐTBXH", "30/03/2022",
     "Bộ Lao động - Thương binh và Xã hội", "Thông tư quy định Danh mục nhà tù"),
])
def test_gazette_pdf_header(name, number, date, issuer, title):
    path = PDFS / name
    if not path.exists():
        pytest.skip("shared PDFs not present")
    (doc,) = read_file(path, name)
    assert (doc.number, doc.date, doc.issuer) == (number, date, issuer)
    assert doc.title.startswith(title)


def test_markdown_heading_marks_do_not_hide_the_type():
    meta = from_header("# QUY CHẾ\n**Phối hợp công tác**\n\n## Điều 1. Phạm vi")
    assert (meta.doc_type, meta.title) == ("Quy chế", "Quy chế phối hợp công tác")


def test_consolidated_issuer_wrapped_over_two_lines():
    meta = consolidated("BỘ LAO ĐỘNG - THƯƠNG BINH XÁC THỰC VĂN BẢN HỢP NHẤT\nVÀ XÃ HỘI\n"
                        "Số: 1546/VBHN-BLĐTBXH Hà Nội, ngày 12 tháng 4 năm 2024\n")
    assert (meta.number, meta.issuer) == ("1546/VBHN-BLĐTBXH", "Bộ Lao động - Thương binh và Xã hội")
