"""Text that carries HTML entities (``nh&acirc;n d&acirc;n``, ``&#7879;``, ``&amp;``), in a text file or
a JSONL record, or that lost its line breaks (a whole document on one line: "Điều 1. … Điều 2. … 1. …
2. …"), reads as the same words and the same structure (Điều, khoản, điểm) as a clean copy. Ten inputs
(issue 18, "Kinds said fixed that fail on new inputs")."""

from __future__ import annotations

import html
import json
import re

import pytest

from ingest.chunk import chunk_document
from ingest.load import read_file
from ingest.structure import parse

QUY_CHE = """ỦY BAN NHÂN DÂN XÃ HÒA PHÚ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 14/QC-UBND
Hòa Phú, ngày 12 tháng 3 năm 2026
QUY CHẾ
Tiếp công dân của Ủy ban nhân dân xã
Điều 1. Phạm vi điều chỉnh
Quy chế này quy định việc tiếp công dân tại trụ sở Ủy ban nhân dân xã Hòa Phú.
Điều 2. Lịch tiếp công dân
1. Chủ tịch Ủy ban nhân dân xã tiếp công dân 02 ngày mỗi tháng.
2. Công chức tư pháp - hộ tịch tiếp công dân vào các ngày làm việc trong tuần.
Điều 3. Trách nhiệm của người tiếp công dân
Người tiếp công dân có trách nhiệm:
a) Đón tiếp, hướng dẫn công dân trình bày nội dung;
b) Ghi chép đầy đủ nội dung vào sổ tiếp công dân;
c) Trả lời công dân trong thời hạn 10 ngày làm việc.
Điều 4. Hiệu lực thi hành
Quy chế này có hiệu lực kể từ ngày ký."""

KE_HOACH = """KẾ HOẠCH
Tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm 2026
I. MỤC ĐÍCH, YÊU CẦU
1. Phát huy sức mạnh khối đại đoàn kết toàn dân tộc ở khu dân cư.
2. Tổ chức trang trọng, tiết kiệm, thiết thực.
II. NỘI DUNG
1. Phần lễ: báo cáo kết quả thực hiện Cuộc vận động "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh".
2. Phần hội gồm các hoạt động:
- Thi đấu thể thao, văn nghệ;
- Thăm hỏi, tặng quà hộ nghèo & gia đình chính sách.
III. TỔ CHỨC THỰC HIỆN
Ban công tác Mặt trận các khu dân cư tổ chức Ngày hội trước ngày 18/11/2026."""

NGHI_QUYET = """Điều 1. Mức hỗ trợ
1. Mỗi thôn được hỗ trợ 20.000.000 đồng để tu sửa nhà văn hóa.
2. Thôn đặc biệt khó khăn được hỗ trợ thêm 10.000.000 đồng.
Điều 2. Điều kiện hỗ trợ
Thôn được hỗ trợ khi đáp ứng các điều kiện sau:
a) Có đề án được Hội nghị thôn thông qua;
b) Nhân dân đóng góp tối thiểu 30% kinh phí.
Điều 3. Tổ chức thực hiện
Ủy ban nhân dân xã tổ chức thực hiện Nghị quyết này theo quy định tại Điều 1 và Điều 2 Nghị quyết này."""


def _entities(text: str, numeric: str = "") -> str:
    """``text`` with its non-ASCII letters as HTML entities, named where HTML has a name (â -> &acirc;),
    else decimal (&#7879;) or, with ``numeric="x"``, hexadecimal (&#x1EC7;); "&" as &amp;."""
    named = {chr(v): k for k, v in html.entities.name2codepoint.items()}
    out = []
    for ch in text.replace("&", "&amp;"):
        if ord(ch) < 128:
            out.append(ch)
        elif ch in named and not numeric:
            out.append(f"&{named[ch]};")
        else:
            out.append(f"&#x{ord(ch):X};" if numeric == "x" else f"&#{ord(ch)};")
    return "".join(out)


def _one_line(text: str) -> str:
    return " ".join(text.split("\n"))


def _jsonl(path, text: str, title: str = "Văn bản mẫu") -> None:
    path.write_text(json.dumps({"doc_id": "d", "title": title, "type": "Quy chế", "text": text}, ensure_ascii=False) + "\n",
                    encoding="utf-8")


def _read(tmp_path, name: str, body: str, title: str = "Văn bản mẫu"):
    path = tmp_path / name
    if name.endswith(".jsonl"):
        _jsonl(path, body, title)
    else:
        path.write_text(body, encoding="utf-8")
    (doc,) = read_file(path, name)
    return doc


def _shape(doc) -> tuple:
    """What must not depend on how the text came: its words, its units, its chunks and their places."""
    units = [(u.kind, u.label, u.place) for u in parse(doc.text).units]
    chunks = [(c.section, c.path, " ".join(c.text.split())) for c in chunk_document(doc)]
    return " ".join(doc.text.split()), units, chunks, (doc.number, doc.date, doc.title)


# (name, clean text, text as it came): the clean copy is read through the same loader
INPUTS = [
    ("quy-che-entities.txt", QUY_CHE, _entities(QUY_CHE)),
    ("quy-che-decimal.jsonl", QUY_CHE, _entities(QUY_CHE, "d")),
    ("ke-hoach-hex.jsonl", KE_HOACH, _entities(KE_HOACH, "x")),
    ("ke-hoach-double.txt", KE_HOACH, _entities(KE_HOACH).replace("&", "&amp;")),  # escaped twice by a web copy
    ("nghi-quyet-nbsp.jsonl", NGHI_QUYET, _entities(NGHI_QUYET).replace(" ", "&nbsp;", 7)),
    ("quy-che-one-line.txt", QUY_CHE, _one_line(QUY_CHE)),
    ("quy-che-one-line.jsonl", QUY_CHE, _one_line(QUY_CHE)),
    ("ke-hoach-one-line.txt", KE_HOACH, _one_line(KE_HOACH)),
    ("nghi-quyet-one-line.jsonl", NGHI_QUYET, _one_line(NGHI_QUYET)),
    ("nghi-quyet-both.jsonl", NGHI_QUYET, _entities(_one_line(NGHI_QUYET))),
]


@pytest.mark.parametrize("name, clean, came", INPUTS, ids=[i[0] for i in INPUTS])
def test_a_text_with_entities_or_on_one_line_reads_as_its_clean_copy(tmp_path, name, clean, came):
    (tmp_path / "clean").mkdir()
    expected = _shape(_read(tmp_path / "clean", name, clean))
    got = _shape(_read(tmp_path, name, came))
    assert got[0] == expected[0]  # the same words
    assert got[1] == expected[1]  # the same Điều, khoản, điểm
    assert got == expected  # the same chunks, places and metadata


def test_a_jsonl_records_title_and_fields_are_read_without_entities(tmp_path):
    doc = _read(tmp_path, "t.jsonl", "Điều 1. Nội dung", title="Quy ch&#7871; d&acirc;n ch&#x1EE7; &amp; c&ocirc;ng khai")
    assert doc.title == "Quy chế dân chủ & công khai"


@pytest.mark.parametrize("line", [
    "Sở Kế hoạch & Đầu tư; R&D; AT&T",  # a bare "&" is text
    "Căn cứ Điều 5 và Điều 6. Luật này quy định",  # a reference, never a heading of its own
    "Tổng kinh phí 1.000.000 đồng. 2 thôn chưa nộp.",
])
def test_plain_lines_are_left_as_they_are(tmp_path, line):
    assert _read(tmp_path, "a.txt", line).text == line
