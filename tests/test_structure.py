"""The structure parser: units found by form and position, formal places, on sibling texts and real gazettes."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from ingest.structure import parse, path

QUY_CHE = """QUY CHẾ
Phối hợp giữa Ủy ban nhân dân xã và Hội Nông dân xã Tân Lập
(Văn bản giả định)

Chương I
QUY ĐỊNH CHUNG

Điều 1. Phạm vi
Quy chế này quy định việc phối hợp giữa hai bên trong tuyên truyền pháp luật.

Chương II
NỘI DUNG PHỐI HỢP

Điều 2. Tuyên truyền
1. Hai bên phối hợp tuyên truyền chính sách về đất đai theo quy định tại
Điều 11 Luật Đất đai và hướng dẫn của cấp trên.
2. Hình thức tuyên truyền gồm:
a) Họp dân tại nhà văn hóa thôn;
b) Phát thanh trên loa của xã;
c) Phát tờ rơi đến từng hộ.
3. Kinh phí do ngân sách xã bảo đảm.

Điều 3. Hiệu lực
Quy chế có hiệu lực từ ngày ký."""

KE_HOACH = """KẾ HOẠCH
Tổ chức Ngày hội Đại đoàn kết năm 2026
I. MỤC ĐÍCH, YÊU CẦU
1. Phát huy truyền thống đoàn kết.
II. NỘI DUNG
1. Phần lễ
1.1. Báo cáo kết quả phong trào.
1.2. Khen thưởng gia đình tiêu biểu:
a) Gia đình văn hóa;
b) Gia đình hiếu học.
2. Phần hội
- Thi kéo co;
- Thi nấu cơm."""


def _by_label(structure):
    return {(u.label, u.place) for u in structure.units}


def test_legal_hierarchy_with_places_and_paths():
    s = parse(QUY_CHE)
    assert [u.label for u in s.units if u.kind == "dieu"] == ["Điều 1", "Điều 2", "Điều 3"]
    places = {u.place for u in s.units}
    assert {"khoản 2 Điều 2", "điểm b khoản 2 Điều 2", "Điều 3", "Chương II"} <= places
    b = next(u for u in s.units if u.place == "điểm b khoản 2 Điều 2")
    assert QUY_CHE[b.start : b.end] == "b) Phát thanh trên loa của xã;"
    assert path(s.chain(b.start + 5)) == "Chương II › Điều 2 › Khoản 2 › Điểm b"
    assert s.chain(QUY_CHE.index("Kinh phí"))[-1].place == "khoản 3 Điều 2"
    chuong = next(u for u in s.units if u.label == "Chương II")
    assert chuong.heading == "Chương II NỘI DUNG PHỐI HỢP"
    assert QUY_CHE[chuong.start : chuong.end].endswith("Quy chế có hiệu lực từ ngày ký.")


def test_a_wrapped_cross_reference_is_not_a_heading():
    s = parse(QUY_CHE)
    assert not [u for u in s.units if u.label == "Điều 11"]
    assert s.chain(QUY_CHE.index("Luật Đất đai"))[-1].place == "khoản 1 Điều 2"
    # the same line after a finished sentence, with a heading's form, is a heading
    s2 = parse("Điều 10. Một\nNội dung một.\nĐiều 11. Hai\nNội dung hai.")
    assert [u.label for u in s2.units] == ["Điều 10", "Điều 11"]
    # a reference to a Điều or khoản that happens to end a line is text
    s3 = parse("Điều 4. Ba\n1. Theo quy định tại khoản\n2. Điều 5 Luật này.\n2. Khoản hai.")
    assert [u.place for u in s3.units] == ["Điều 4", "khoản 1 Điều 4", "khoản 2 Điều 4"]
    assert s3.units[-1].heading == "2. Khoản hai."


def test_a_list_restarting_inside_a_point_stays_text():
    text = "Điều 7. Hồ sơ\n1. Hồ sơ gồm:\na) Đơn, gồm các mục:\n1. Họ tên;\n2. Địa chỉ.\nb) Bản sao giấy tờ.\n2. Nộp tại xã."
    s = parse(text)
    assert [u.place for u in s.units] == ["Điều 7", "khoản 1 Điều 7", "điểm a khoản 1 Điều 7",
                                          "điểm b khoản 1 Điều 7", "khoản 2 Điều 7"]


def test_party_and_administrative_numbering():
    s = parse(KE_HOACH)
    assert {"mục I.1", "mục II.1", "mục II.1.1", "mục II.1.2", "mục II.1.2.b", "mục II.2"} <= {u.place for u in s.units}
    dashes = [u for u in s.units if u.kind == "dash"]
    assert len(dashes) == 2 and all(u.place == "mục II.2" for u in dashes)
    item = next(u for u in s.units if u.place == "mục II.1.2")
    assert path(s.chain(item.start)) == "II › 1 › 1.2"
    a = next(u for u in s.units if u.place == "mục II.1.2.a")
    assert KE_HOACH[a.lead[0] : a.lead[1]] == "1.2. Khen thưởng gia đình tiêu biểu:"


def test_wrapped_titles_page_furniture_and_quoted_amendments():
    text = ("Điều 2. Đối tượng tham gia bảo hiểm xã hội bắt buộc và bảo hiểm xã hội\n"
            "tự nguyện\n"
            "1. Người lao động thuộc đối tượng tham gia bảo hiểm\n"
            "xã hội bắt buộc bao gồm:\n"
            "a) Người làm việc theo hợp đồng lao động;\n"
            "Người ký: CỔNG THÔNG TIN ĐIỆN TỬ CHÍNH PHỦ\n"
            " \n4 \nCÔNG BÁO/Số 987 + 988/Ngày 25-8-2024 \n"
            "b) Cán bộ, công chức, viên chức.\n"
            "Điều 3. Sửa đổi, bổ sung một số điều\n"
            "1. Sửa đổi Điều 9 như sau:\n"
            "“Điều 9. Mức đóng\n"
            "1. Mức đóng hằng tháng\n"
            "2. Mức đóng hằng năm.”\n"
            "2. Bãi bỏ Điều 10.")
    s = parse(text)
    dieu2 = s.units[0]
    assert dieu2.heading.endswith("bảo hiểm xã hội tự nguyện")
    assert [u.place for u in s.units] == ["Điều 2", "khoản 1 Điều 2", "điểm a khoản 1 Điều 2", "điểm b khoản 1 Điều 2",
                                          "Điều 3", "khoản 1 Điều 3", "khoản 2 Điều 3"]
    a = s.units[2]
    assert text[a.lead[0] : a.lead[1]] == "1. Người lao động thuộc đối tượng tham gia bảo hiểm\nxã hội bắt buộc bao gồm:"


def test_text_without_structure_has_no_units_but_paragraphs():
    text = "Thôn Đông ra mắt tổ tự quản.\nTổ có 15 thành viên, do trưởng thôn\nlàm tổ trưởng.\nKinh phí do dân đóng góp."
    s = parse(text)
    assert s.units == () and s.chain(5) == ()
    assert [text[p : p + 5] for p in s.paragraphs] == ["Thôn ", "Tổ có", "Kinh "]


def test_field_case_quy_che(shared_data):
    """Field cases 15/16/18: the Quy chế phối hợp as shipped."""
    rows = [json.loads(line) for line in (shared_data.parent / "field-cases" / "case16" / "docs" / "base.jsonl").open()]
    text = next(r["text"] for r in rows if r["doc_id"] == "thu:quy-che-phoi-hop-2026")
    s = parse(text)
    assert [u.label for u in s.units if u.kind == "dieu"] == [f"Điều {n}" for n in range(1, 8)]
    assert s.chain(text.index("Thông báo trên hệ thống loa"))[-1].place == "điểm b khoản 2 Điều 3"
    assert s.chain(text.index("Định kỳ 06 tháng"))[-1].place == "Điều 6"
    plan = next(r["text"] for r in rows if r["doc_id"] == "thu:ke-hoach-dan-van-kheo-2026")
    assert parse(plan).chain(plan.index("Mỗi mô hình được hỗ trợ"))[-1].place == "mục II.3"


_HEADING_LINE = re.compile(r"^Điều (\d+)\. [A-ZĐÀ-Ỹ]")


def _gazettes(shared_data):
    path_ = shared_data / "corpus" / "congbao.jsonl.gz"
    with gzip.open(path_, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_gazette_articles_are_found_in_order(shared_data):
    """On the 412 real gazette texts (PDF text with page headers and wrapped lines).

    Every "Điều N. Title" line that follows a finished sentence is a Điều, except in
    consolidated texts (VBHN), whose footnotes quote articles of amending laws; Điều
    numbers rise; khoản sit in a Điều and điểm in a khoản or Điều; no line that continues
    a sentence ("…quy định tại\\nĐiều 11 Luật …") opens a Điều.
    """
    found = expected = 0
    for row in _gazettes(shared_data):
        text = row["text"]
        s = parse(text)
        dieu = [u for u in s.units if u.kind == "dieu"]
        starts = {u.start for u in dieu}
        for u in s.units:
            if u.kind == "khoan":
                assert s.units[u.parent].kind == "dieu", (row["doc_id"], u.heading)
            if u.kind == "diem":
                assert s.units[u.parent].kind in ("khoan", "subitem", "dieu"), (row["doc_id"], u.heading)
        for u in dieu:
            assert re.match(r"^(Điều|ĐIỀU)\s+\d+[a-zđ]?(\.\d+)?\s*[.:]", u.heading), (row["doc_id"], u.heading)
            assert not re.match(r"^Điều \d+ (của|Luật|Nghị định|Thông tư|này)", u.heading)
        if row["type"] in ("VB HN", "Văn bản hợp nhất"):
            continue
        numbers = [int(re.match(r"Điều (\d+)", u.label).group(1)) for u in dieu]
        assert sum(b < a and b != 1 for a, b in zip(numbers, numbers[1:])) <= 1, row["doc_id"]
        prev = ""
        offset = 0
        for line in text.split("\n"):
            at, offset = offset, offset + len(line) + 1
            stripped = line.strip()
            if _HEADING_LINE.match(stripped) and prev.endswith((".", ":", ";")) and not prev.startswith("“"):
                expected += 1
                found += at in starts
            if stripped and not re.match(r"^(\d{1,4}|CÔNG BÁO/.*)$", stripped):
                prev = stripped
    assert expected > 3000
    assert found / expected >= 0.985, (found, expected)


def test_civic_units_nest(shared_data):
    rows = [json.loads(line) for line in (shared_data / "corpus" / "civic.jsonl").open(encoding="utf-8")]
    with_khoan = 0
    for row in rows:
        s = parse(row["text"])
        dieu = [u for u in s.units if u.kind == "dieu"]
        if row["doc_id"].startswith("phapdien:"):  # one compiled Điều per document, "Điều 18.4.TT.2.5. Tên"
            assert len(dieu) >= 1 and dieu[0].start == 0, row["doc_id"]
            assert dieu[0].label == "Điều " + row["doc_id"].split(":", 1)[1].split()[0]
        khoan = [u for u in s.units if u.kind == "khoan"]
        with_khoan += bool(khoan)
        numbers = [int(u.label.split()[1]) for u in khoan if u.parent == (khoan[0].parent if khoan else -1)]
        assert numbers == sorted(set(numbers)), row["doc_id"]  # rising (a compiled excerpt may start at khoản 2)
    assert with_khoan > len(rows) // 2
