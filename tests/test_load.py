import gzip
import json

import pytest

from ingest.load import corpus_files, load_documents
from rag.errors import InputError


def test_jsonl_keeps_doc_id_and_metadata(mini_corpus):
    docs = list(load_documents([mini_corpus]))
    assert [d.doc_id for d in docs][:2] == ["test:cong-khai", "test:hoa-giai"]
    assert docs[0].number == "01/QC-TEST" and docs[0].doc_type == "Quy chế" and docs[0].date == "05/01/2026"
    assert docs[0].source == str(mini_corpus)


def test_text_is_nfc_and_extra_fields_are_kept(tmp_path):
    path = tmp_path / "x.jsonl.gz"
    record = {"doc_id": "x", "title": "Ho\u0300a gia\u0309i", "text": "U\u0309y ban\u00a0xã", "demuc": "Dân vận"}
    path.write_bytes(gzip.compress((json.dumps(record) + "\n").encode()))
    (doc,) = load_documents([path])
    assert doc.title == "Hòa giải" and doc.text == "Ủy ban xã" and doc.extra["demuc"] == "Dân vận"


def test_txt_and_md_use_the_first_line_as_title_and_skip_readme(tmp_path):
    (tmp_path / "ke-hoach.md").write_text("# Kế hoạch mẫu\n\nNội dung kế hoạch.", encoding="utf-8")
    (tmp_path / "tin.txt").write_text("Tin mẫu\nNội dung tin.", encoding="utf-8")
    (tmp_path / "README.md").write_text("Not a document", encoding="utf-8")
    (tmp_path / "anh.png").write_bytes(b"\x89PNG")
    docs = list(load_documents([tmp_path]))
    assert [(d.doc_id, d.title) for d in docs] == [("file:ke-hoach.md", "Kế hoạch mẫu"), ("file:tin.txt", "Tin mẫu")]


def test_jsonl_strings_may_hold_unicode_line_separators(tmp_path):
    # JSON allows raw U+0085 / U+2028 / U+2029 inside strings; the gazette's forms use U+0085 as a
    # check box ("Giới tính: \x85 Nam \x85 Nữ"), and str.splitlines() cut such a record in two
    path = tmp_path / "congbao.jsonl"
    records = [{"doc_id": "a", "text": "3. Giới tính: \x85 Nam \x85 Nữ\u2028Hết.\u2029"}, {"doc_id": "b", "text": "Hai"}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    docs = list(load_documents([path]))
    assert [d.doc_id for d in docs] == ["a", "b"] and "Nam" in docs[0].text and "Nữ" in docs[0].text


def test_every_shared_jsonl_corpus_loads():
    from pathlib import Path

    corpus = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpus"
    if not corpus.is_dir():
        pytest.skip("../shared/data/corpus is not here")
    for name, count in (("civic.jsonl", 1267), ("alqac.jsonl", 2249), ("congbao.jsonl.gz", 412)):
        assert sum(1 for _ in load_documents([corpus / name])) == count, name


def test_malformed_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"doc_id": "a", "text": "ok"}\n{"doc_id": "b", "text": \n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl:2: JSON không hợp lệ"):
        list(load_documents([path]))


def test_missing_text_and_wrong_encoding_and_missing_path(tmp_path):
    path = tmp_path / "no-text.jsonl"
    path.write_text('{"doc_id": "a", "text": ""}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"no-text\.jsonl:1: thiếu text"):
        list(load_documents([path]))
    binary = tmp_path / "cu.txt"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    with pytest.raises(InputError, match=r"cu\.txt: tệp .*nhị phân.*UTF-8"):
        list(load_documents([binary]))
    with pytest.raises(InputError, match="không có tệp hoặc thư mục này"):
        corpus_files([tmp_path / "missing"])
    with pytest.raises(InputError, match="unsupported file type"):
        corpus_files([tmp_path / "cu.txt"]) and corpus_files([_touch(tmp_path / "a.xlsx")])


def _touch(path):
    path.write_bytes(b"")
    return path


def test_text_files_in_subfolders_keep_distinct_ids(tmp_path):
    for sub in ("2025", "2026"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "ke-hoach.md").write_text(f"# Kế hoạch {sub}\nNội dung.", encoding="utf-8")
    assert [d.doc_id for d in load_documents([tmp_path])] == ["file:2025/ke-hoach.md", "file:2026/ke-hoach.md"]


PDFTOTEXT = ("CÔNG BÁO/Số 12/Ngày 05-3-2026\nQUY CHẾ\nPhối hợp công tác ở xã\nĐiều 3. Công khai thông tin\n"
             "1. Ủy ban nhân dân xã công khai các nội dung tại nhà văn hóa thôn. Việc công khai được thực hiện chậm\n"
             "nhất 05 ngày làm việc.\n2. Hình thức công khai gồm:\na) Niêm yết tại trụ sở;\n1\n\f"
             "CÔNG BÁO/Số 12/Ngày 05-3-2026\nb) Thông báo trên loa truyền thanh;\nc) Thông báo tại hội nghị thôn.\n2\n\f")


def test_pdftotext_output_is_read_page_by_page_like_the_pdf(tmp_path):
    """Form feeds separate pdftotext's pages: running headers and page numbers go, lines re-join,
    and each page's start is kept for citations; front matter still wins for the metadata."""
    (tmp_path / "quy-che.txt").write_text("---\nsố hiệu: 02/QC-UBND\n---\n" + PDFTOTEXT, encoding="utf-8")
    (doc,) = load_documents([tmp_path])
    assert "CÔNG BÁO" not in doc.text and "\n1\n" not in doc.text and "\n2\n" not in doc.text
    assert "a) Niêm yết tại trụ sở;\nb) Thông báo trên loa truyền thanh;" in doc.text  # the list is whole again
    assert "chậm nhất 05 ngày làm việc." in doc.text  # the wrapped line re-joined
    assert len(doc.page_starts) == 2 and doc.number == "02/QC-UBND" and doc.doc_id == "file:quy-che.txt"
