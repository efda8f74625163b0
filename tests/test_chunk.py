from ingest.chunk import chunk_document, index_text
from rag.types import Document


def _doc(text, doc_id="d"):
    return Document(doc_id, "Quy chế mẫu", text, number="01/QC")


def _long_rule(n, words=40):
    return f"Điều {n}. Quy định số {n}\n" + " ".join(f"từ{n}x{i}" for i in range(words)) + "."


def test_chunks_stay_within_bounds_and_cover_the_text_in_order():
    text = "\n".join(_long_rule(n) for n in range(1, 16))
    chunks = chunk_document(_doc(text), 80, 150)
    assert len(chunks) > 3
    assert all(len(c.text.split()) <= 150 * 1.3 for c in chunks)
    assert all(len(c.text.split()) >= 80 for c in chunks[:-1])
    assert [c.chunk_index for c in chunks] == list(range(len(chunks)))
    assert all(text[c.start : c.end] == c.text for c in chunks)
    assert all(a.end < b.start for a, b in zip(chunks, chunks[1:]))


def test_a_heading_starts_a_new_chunk_and_names_its_section():
    chunks = chunk_document(_doc("\n".join(_long_rule(n, 60) for n in range(1, 5))), 80, 150)
    assert all(c.text.startswith("Điều ") for c in chunks)
    assert [c.section for c in chunks] == [f"Điều {n}. Quy định số {n}" for n in range(1, 5)]  # 66 words each: one Điều a chunk
    short = chunk_document(_doc("\n".join(_long_rule(n, 20) for n in range(1, 9))), 80, 150)
    assert len(short) < 8 and all(c.text.startswith("Điều ") for c in short)  # short Điều share a chunk, cut between them


def test_an_overlong_line_is_split_at_sentences_then_words():
    sentence = " ".join(["dân"] * 50) + "."
    text = " ".join([sentence] * 8)  # 400 words on one line
    chunks = chunk_document(_doc(text), 80, 150)
    assert len(chunks) >= 3 and all(len(c.text.split()) <= 150 * 1.3 for c in chunks)
    one_sentence = " ".join(["bàn"] * 400)
    assert len(chunk_document(_doc(one_sentence), 80, 150)) == 3


def test_chunks_never_cross_documents_and_carry_metadata():
    a = chunk_document(_doc("Ngắn gọn một dòng.", "a"))
    b = chunk_document(_doc("Dòng khác.", "b"))
    assert [c.doc_id for c in a] == ["a"] and [c.doc_id for c in b] == ["b"]
    assert a[0].number == "01/QC" and a[0].title == "Quy chế mẫu"
    assert a[0].point_id != b[0].point_id


def test_index_text_adds_title_and_section():
    chunk = chunk_document(_doc("Điều 2. Phạm vi\nNội dung."))[0]
    assert index_text(chunk).splitlines()[:2] == ["Quy chế mẫu", "Điều 2. Phạm vi"]


# --- structure: lists, places, paths, pages ------------------------------------------------

import gzip  # noqa: E402
import json  # noqa: E402

from ingest.chunk import CHUNKER_VERSION  # noqa: E402
from ingest.structure import parse  # noqa: E402
from rag.text import clean  # noqa: E402


def _filler(n, tag):
    return " ".join(f"{tag}{i}" for i in range(n))


def _quy_che(list_words=6):
    """A sibling of field cases 15/16: khoản 2 of Điều 3 is a lead-in and three điểm, after a long khoản 1."""
    return "\n".join([
        "QUY CHẾ",
        "Phối hợp giữa Ủy ban nhân dân xã và Hội Cựu chiến binh xã",
        "Chương I",
        "QUY ĐỊNH CHUNG",
        "Điều 1. Phạm vi",
        f"Quy chế này quy định việc phối hợp {_filler(60, 'pv')}.",
        "Điều 2. Nguyên tắc",
        f"1. Phối hợp thường xuyên {_filler(40, 'nt')}.",
        f"2. Bảo đảm dân chủ {_filler(30, 'dc')}.",
        "Chương II",
        "NỘI DUNG PHỐI HỢP",
        "Điều 3. Công khai thông tin",
        f"1. Ủy ban nhân dân xã công khai các nội dung theo quy định tại {_filler(50, 'ck')}.",
        "2. Hình thức công khai gồm:",
        f"a) Niêm yết tại trụ sở xã {_filler(list_words, 'ny')};",
        f"b) Thông báo trên hệ thống loa truyền thanh của xã {_filler(list_words, 'lo')};",
        f"c) Thông báo tại hội nghị thôn {_filler(list_words, 'hn')}.",
        "Điều 4. Họp liên tịch",
        f"Định kỳ 06 tháng một lần, hai bên tổ chức họp liên tịch {_filler(50, 'hl')}.",
    ])


def _chunk_holding(chunks, phrase):
    return next(c for c in chunks if phrase in c.text)


def test_a_list_stays_with_its_lead_in_and_the_place_names_point_clause_and_article():
    text = _quy_che()
    chunks = chunk_document(_doc(text), 80, 150)
    assert all(text[c.start : c.end] == c.text for c in chunks)
    c = _chunk_holding(chunks, "Hình thức công khai gồm:")
    assert all(p in c.text for p in ("Niêm yết", "loa truyền thanh", "hội nghị thôn"))  # case 15's kind
    at = c.text.index("Thông báo trên hệ thống loa")
    assert c.place_at(at) == "điểm b khoản 2 Điều 3"  # case 16's kind
    assert c.place_at(c.text.index("Niêm yết")) == "điểm a khoản 2 Điều 3"
    assert c.place_at(c.text.index("2. Hình thức")) == "khoản 2 Điều 3"
    h = _chunk_holding(chunks, "họp liên tịch")
    assert h.place_at(h.text.index("Định kỳ 06 tháng")) == "Điều 4"  # case 18's kind
    assert h.path.endswith("Điều 4") and h.section == "Điều 4. Họp liên tịch"


def test_the_place_comes_from_a_khoan_heading_in_the_previous_chunk():
    """Khoản 2's heading and điểm a fill one chunk; điểm b starts the next: its place still names khoản 2."""
    text = _quy_che(list_words=70)  # each điểm ~75 words: the list cannot fit in 1.5 × 150
    chunks = chunk_document(_doc(text), 80, 150)
    c = _chunk_holding(chunks, "Thông báo trên hệ thống loa")
    assert not c.text.startswith("2. Hình thức")
    assert c.place_at(c.text.index("Thông báo trên hệ thống loa")) == "điểm b khoản 2 Điều 3"
    assert "Khoản 2" in c.path and c.path.startswith("Chương II › Điều 3")
    # the lead-in travels with the items that follow it, in the section and so in the index text
    assert c.section == "Điều 3. Công khai thông tin › 2. Hình thức công khai gồm:"
    assert "2. Hình thức công khai gồm:" in index_text(c)
    lead = _chunk_holding(chunks, "2. Hình thức công khai gồm:")
    assert "a) Niêm yết" in lead.text  # never separated from its first item


def test_field_case_quy_che_as_shipped(shared_data):
    rows = [json.loads(line) for line in (shared_data.parent / "field-cases" / "case16" / "docs" / "base.jsonl").open()]
    row = next(r for r in rows if r["doc_id"] == "thu:quy-che-phoi-hop-2026")
    chunks = chunk_document(Document(row["doc_id"], row["title"], row["text"]), 80, 150)
    c = _chunk_holding(chunks, "Hình thức công khai gồm:")
    assert all(p in c.text for p in ("Niêm yết", "loa truyền thanh", "hội nghị thôn"))
    assert c.place_at(c.text.index("Thông báo trên hệ thống loa")) == "điểm b khoản 2 Điều 3"
    six = _chunk_holding(chunks, "Định kỳ 06 tháng")
    assert six.place_at(six.text.index("Định kỳ 06 tháng")) == "Điều 6"
    assert all(len(c.text.split()) <= 225 for c in chunks)


def test_marks_ascend_and_cover_every_unit_starting_in_the_chunk():
    text = _quy_che()
    units = parse(text).units
    for c in chunk_document(_doc(text), 80, 150):
        offsets = [at for at, _ in c.marks]
        assert offsets == sorted(offsets) and (not offsets or offsets[0] >= c.start)
        for u in units:
            if c.start <= u.start < c.end:
                assert c.place_at(u.start - c.start) == u.place


def test_pages_come_from_page_starts():
    text = _quy_che()
    second = text.index("Điều 3.")
    doc = Document("d", "Quy chế", text, page_starts=(0, second))
    chunks = chunk_document(doc, 80, 150)
    assert chunks[0].page_start == 1
    assert _chunk_holding(chunks, "Họp liên tịch").page_end == 2
    assert all(1 <= c.page_start <= c.page_end <= 2 for c in chunks)
    assert all(c.page_start == c.page_end == 0 for c in chunk_document(_doc(text), 80, 150))


def test_administrative_plan_places():
    text = ("KẾ HOẠCH\nTổ chức Ngày hội Đại đoàn kết\nI. MỤC ĐÍCH\n1. Phát huy đoàn kết.\nII. NỘI DUNG\n"
            "1. Mỗi thôn tổ chức ngày hội.\n2. Xã hỗ trợ kinh phí 5.000.000 đồng mỗi thôn.")
    c = chunk_document(_doc(text), 80, 150)[0]
    assert c.place_at(c.text.index("Xã hỗ trợ")) == "mục II.2"


def test_chunker_version_is_stamped():
    assert CHUNKER_VERSION >= 3


def test_gazette_chunks_stay_inside_articles(shared_data):
    """Real gazette texts: no chunk runs from one Điều into the next when both parts could stand alone."""
    with gzip.open(shared_data / "corpus" / "congbao.jsonl.gz", "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for i, line in enumerate(f) if i % 8 == 0]
    for row in rows:
        doc = Document(row["doc_id"], row["title"], clean(row["text"]))
        dieu = [u.start for u in parse(doc.text).units if u.kind == "dieu"]
        chunks = chunk_document(doc, 80, 150)
        assert all(doc.text[c.start : c.end] == c.text for c in chunks)
        assert all(a.end <= b.start for a, b in zip(chunks, chunks[1:]))
        for c in chunks:
            assert len(c.text.split()) <= 225, row["doc_id"]
            for at in (p for p in dieu if c.start < p < c.end):
                before, after = len(doc.text[c.start : at].split()), len(doc.text[at : c.end].split())
                assert min(before, after) < 80, (row["doc_id"], c.chunk_index, before, after)
