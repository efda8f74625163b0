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
    assert chunks[0].section == "Điều 1. Quy định số 1"
    assert chunks[1].section == "Điều 3. Quy định số 3"


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
