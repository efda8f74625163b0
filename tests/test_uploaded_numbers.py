"""A document added while the app runs is named by a partial số hiệu or a date without its year.

The app builds one :class:`rag.Pipeline` at start-up; its catalog (số hiệu, dates) was kept from
before the upload, so "Nghị định 38/2022 quy định về vấn đề gì?" on a PDF uploaded in the
"Tài liệu" tab named nothing and was refused while the full "38/2022/NĐ-CP" worked. Real store,
real PDF reader, the app's own :class:`ui.documents.Library`; the hashing embedder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ingest
import rag
from fakes import HashingEmbedder
from ui.documents import Library

PDF = "raw/pdf/{}"
ND38 = "nghi-dinh-so-38-2022-nd-cp-37348.pdf"
TT14 = "thong-tu-so-14-2026-tt-btc-469036.pdf"


@pytest.fixture
def app_parts(settings, mini_corpus):
    """The app's pipeline and library over one store, the pipeline already used (its catalog built)."""
    embedder = HashingEmbedder()
    with rag.open_store(settings) as store:
        ingest.sync(settings, [mini_corpus], store=store, embedder=embedder)
        pipe = rag.Pipeline(settings, store=store, embedder=embedder)
        assert pipe.query("Quy chế 01/QC-TEST thì sao?").resolved == ()  # the catalog exists before the upload
        pipe.ask("Ủy ban nhân dân xã công khai thông tin chậm nhất mấy ngày?")
        yield pipe, Library(settings, store, embedder)


def _upload(library: Library, shared_data: Path, *names: str) -> None:
    report = library.upload([str(shared_data / PDF.format(n)) for n in names])
    assert "Đã nạp" in report, report


@pytest.mark.parametrize("question", [
    "Nghị định 38/2022 quy định về vấn đề gì?",
    "nghi dinh 38/2022 quy dinh ve van de gi",
    "Nghị định số 38/2022 áp dụng đối với những đối tượng nào?",
    "NĐ 38/2022 quy định mức lương tối thiểu như thế nào?",
])
def test_partial_number_of_an_uploaded_pdf_names_it(app_parts, shared_data, question):
    pipe, library = app_parts
    _upload(library, shared_data, ND38)
    assert pipe.query(question).resolved == (("38/2022", "38/2022/NĐ-CP"),)
    answer = pipe.ask(question)
    assert not answer.refused, answer.text
    assert answer.citations[0].doc_id == f"file:{ND38}"


def test_each_of_several_uploads_is_named_in_turn(app_parts, shared_data):
    pipe, library = app_parts
    _upload(library, shared_data, ND38)
    assert pipe.query("Nghị định 38/2022 quy định gì?").resolved == (("38/2022", "38/2022/NĐ-CP"),)
    _upload(library, shared_data, TT14)  # a second upload after the pipeline read the first
    answer = pipe.ask("Thông tư 14/2026 quy định về vấn đề gì?")
    assert pipe.query("Thông tư 14/2026 quy định về vấn đề gì?").resolved == (("14/2026", "14/2026/TT-BTC"),)
    assert not answer.refused and answer.citations[0].doc_id == f"file:{TT14}", answer.text


def test_a_removed_document_is_no_longer_named(app_parts, shared_data):
    pipe, library = app_parts
    _upload(library, shared_data, ND38)
    assert pipe.query("Nghị định 38/2022 quy định gì?").resolved
    library.delete(f"file:{ND38}")
    assert pipe.query("Nghị định 38/2022 quy định gì?").resolved == ()
    answer = pipe.ask("Nghị định 38/2022 quy định gì?")
    assert all(c.doc_id != f"file:{ND38}" for c in answer.citations), answer.text


def test_jsonl_upload_number_and_date_without_year(app_parts, tmp_path):
    pipe, library = app_parts
    record = {"doc_id": "up:tt-07", "title": "Thông tư hướng dẫn họp dân ở thôn", "number": "07/2026/TT-BNV",
              "type": "Thông tư", "issuer": "Bộ Nội vụ", "date": "23/09/2026",
              "text": "Điều 1. Phạm vi điều chỉnh\nThông tư này hướng dẫn việc tổ chức hội nghị thôn, tổ dân phố "
                      "để Nhân dân bàn và quyết định.\nĐiều 2. Thời gian họp\nHội nghị được tổ chức ít nhất hai "
                      "lần trong một năm."}
    upload = tmp_path / "thong-tu-07.jsonl"
    upload.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert "Đã nạp" in library.upload([str(upload)])
    assert pipe.query("Thông tư 07/2026 quy định về vấn đề gì?").resolved == (("07/2026", "07/2026/TT-BNV"),)
    assert pipe.query("Thông tư ngày 23/9 quy định gì?").resolved == (("23/09", "23/09/2026"),)
    answer = pipe.ask("Thông tư 07/2026 quy định về vấn đề gì?")
    assert not answer.refused and answer.citations[0].doc_id == "up:tt-07", answer.text


def test_catalog_cache_keeps_one_file_per_collection(app_parts, shared_data, settings):
    pipe, library = app_parts
    _upload(library, shared_data, ND38)
    pipe.query("Nghị định 38/2022 quy định gì?")
    files = sorted((Path(settings.data_dir) / "cache" / "retrieval").glob(f"{settings.collection}-*.json"))
    assert len(files) == 1, files
