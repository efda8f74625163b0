""""Xem văn bản" on a document still being indexed says so, never that it is gone.

A file's passages are searchable as soon as they are written, and the document store gets the
whole text last, so a question asked during an upload could cite the new document while the
viewer said "không còn trong chỉ mục (có thể đã bị xóa)". Each test asks the real pipeline from
inside ingest's progress callback (the file half-written) and opens the citation as the chat does.
"""

from __future__ import annotations

import json

import pytest

import ingest
import rag
from fakes import HashingEmbedder
from ui.chat import respond, view_citation
from ui.documents import Library

GONE = "không còn trong chỉ mục"
INDEXING = "đang được lập chỉ mục"
NEW = {"doc_id": "moi:hoi-nghi", "title": "Quy chế mới về hội nghị cử tri", "number": "05/QC-MOI", "type": "Quy chế",
       "issuer": "Ủy ban nhân dân xã Thử Nghiệm", "date": "01/06/2026",
       "text": "Điều 1. Hội nghị cử tri\nHội nghị cử tri ở thôn được tổ chức mỗi năm hai lần vào tháng sáu và "
               "tháng mười hai.\nĐiều 2. Triệu tập\nTrưởng thôn triệu tập hội nghị cử tri trước ít nhất năm ngày."}
QUESTION = "Hội nghị cử tri ở thôn được tổ chức mỗi năm mấy lần?"


@pytest.fixture
def parts(settings, mini_corpus, tmp_path):
    embedder = HashingEmbedder()
    with rag.open_store(settings) as store:
        ingest.sync(settings, [mini_corpus], store=store, embedder=embedder)
        pipe = rag.Pipeline(settings, store=store, embedder=embedder)
        new = tmp_path / "moi.jsonl"
        new.write_text(json.dumps(NEW, ensure_ascii=False) + "\n", encoding="utf-8")
        yield settings, store, embedder, pipe, Library(settings, store, embedder), new


def _chat(pipe, question=QUESTION):
    for conv, *_ in respond(pipe, question, []):
        pass
    return conv


class _DuringIndexing:
    """A progress callback that asks and opens the viewer once the new file's passages are written."""

    def __init__(self, pipe, library) -> None:
        self.pipe, self.library, self.seen = pipe, library, None

    def __call__(self, event: rag.Progress) -> None:
        if event.stage == "files" and self.seen is None and "0 chunks" not in event.message:
            conv = _chat(self.pipe)
            cited = [c.doc_id for c in conv[0]["answer"].citations]
            assert NEW["doc_id"] in cited, conv[0]["answer"].text
            marker = next(c.marker for c in conv[0]["answer"].citations if c.doc_id == NEW["doc_id"])
            self.seen = view_citation(conv, f"0:{marker}", self.library.get, self.library.indexing)


def test_an_upload_in_progress_is_being_indexed_not_gone(parts):
    settings, store, embedder, pipe, library, new = parts
    during = _DuringIndexing(pipe, library)
    library.upload([str(new)], progress=during)
    assert during.seen is not None and INDEXING in during.seen and GONE not in during.seen
    assert "Hội nghị cử tri ở thôn" in during.seen  # the cited passage is shown meanwhile
    conv = _chat(pipe)
    after = view_citation(conv, "0:1", library.get, library.indexing)
    assert INDEXING not in after and 'class="viewer-body"' in after and "Triệu tập" in after


def test_a_command_line_ingest_in_progress_is_being_indexed(parts):
    """``python -m ingest`` beside the app writes without the app's lock: the pending manifest row tells."""
    settings, store, embedder, pipe, library, new = parts
    during = _DuringIndexing(pipe, library)
    ingest.add(settings, [new], store=store, embedder=embedder, progress=during)
    assert during.seen is not None and INDEXING in during.seen and GONE not in during.seen


def test_a_reindex_in_progress_is_being_indexed(parts):
    settings, store, embedder, pipe, library, new = parts
    library.upload([str(new)])
    conv = _chat(pipe)
    marker = next(c.marker for c in conv[0]["answer"].citations if c.doc_id == NEW["doc_id"])
    seen = []
    library.reindex(NEW["doc_id"], progress=lambda e: seen.append(
        view_citation(conv, f"0:{marker}", library.get, library.indexing)))
    assert seen and INDEXING in seen[0] and all(GONE not in s for s in seen)  # the last: indexed again


def test_a_deleted_document_is_gone(parts):
    settings, store, embedder, pipe, library, new = parts
    library.upload([str(new)])
    conv = _chat(pipe)
    marker = next(c.marker for c in conv[0]["answer"].citations if c.doc_id == NEW["doc_id"])
    library.delete(NEW["doc_id"])
    shown = view_citation(conv, f"0:{marker}", library.get, library.indexing)
    assert GONE in shown and INDEXING not in shown
