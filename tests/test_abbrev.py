"""Abbreviations against full names (rag/abbrev.py): a question typed "UBND" finds and quotes a
passage that writes "Ủy ban nhân dân", and the reverse, in search, coverage and answers."""

import json

import pytest

import ingest
import rag
from fakes import HashingEmbedder
from rag.abbrev import abbreviations_of, expand
from rag.evidence import key_terms
from rag.query import parse

DOCS = [
    {"doc_id": "t:full", "title": "Quy chế tiếp dân", "type": "Quy chế", "text":
        "Điều 2. Lịch tiếp dân\nChủ tịch Ủy ban nhân dân xã tiếp công dân ít nhất 02 ngày trong một tháng tại trụ sở."},
    {"doc_id": "t:short", "title": "Kế hoạch giám sát", "type": "Kế hoạch", "text":
        "1. Ban Thường trực UBMTTQ xã giám sát việc giải quyết kiến nghị của cử tri mỗi quý một lần."},
    {"doc_id": "t:hdnd", "title": "Nội quy kỳ họp", "type": "Nội quy", "text":
        "Điều 5. Kỳ họp\nHĐND xã họp thường lệ mỗi năm ít nhất 02 kỳ; Thường trực HĐND triệu tập kỳ họp."},
    {"doc_id": "t:bhxh", "title": "Hướng dẫn an sinh", "type": "Hướng dẫn", "text":
        "2. Người tham gia bảo hiểm xã hội tự nguyện được Nhà nước hỗ trợ 30% mức đóng đối với hộ nghèo."},
    {"doc_id": "t:other", "title": "Thông báo", "type": "Thông báo", "text":
        "Xã tổ chức ngày hội đại đoàn kết toàn dân tộc vào tháng 11 hằng năm tại nhà văn hóa thôn."},
]


@pytest.mark.parametrize("text, spelled", [
    ("UBND xã tiếp dân mấy ngày?", "Ủy ban nhân dân xã tiếp dân mấy ngày?"),
    ("HĐND và UBMTTQ xã", "Hội đồng nhân dân và Ủy ban Mặt trận Tổ quốc xã"),
    ("hdnd xa hop may ky", "hoi dong nhan dan xa hop may ky"),
    ("Quyết định 12/2020/QĐ-UBND; Nghị quyết 25-NQ/TW", "Quyết định 12/2020/QĐ-UBND; Nghị quyết 25-NQ/TW"),
    ("Tổ dân phố ntm", "Tổ dân phố ntm"),  # lower case in accented text: a word, not an abbreviation
])
def test_expand_spells_out_what_the_field_abbreviates_and_leaves_so_hieu_alone(text, spelled):
    assert expand(text) == spelled


def test_full_names_carry_their_abbreviation_to_the_lexical_query():
    assert abbreviations_of("Ban Thường trực Ủy ban Mặt trận Tổ quốc xã") == ["UBMTTQ", "MTTQ"]
    assert abbreviations_of("hoi dong nhan dan xa") == ["HĐND"]
    assert abbreviations_of("Xã tổ chức ngày hội") == []


def test_coverage_reads_a_passage_that_abbreviates_as_the_full_name():
    q = parse("Hội đồng nhân dân xã họp mấy kỳ một năm?")
    terms = key_terms(q.evidence_text, [DOCS[2]["text"]])
    assert terms.coverage("HĐND xã họp thường lệ mỗi năm ít nhất 02 kỳ") == 1.0


@pytest.mark.parametrize("question, doc_id", [
    ("UBND xã tiếp công dân mấy ngày một tháng?", "t:full"),
    ("ubnd xa tiep cong dan may ngay mot thang", "t:full"),
    ("Ủy ban Mặt trận Tổ quốc xã giám sát kiến nghị của cử tri bao lâu một lần?", "t:short"),
    ("Hội đồng nhân dân xã họp thường lệ mấy kỳ một năm?", "t:hdnd"),
    ("Người tham gia BHXH tự nguyện được hỗ trợ bao nhiêu phần trăm?", "t:bhxh"),
])
def test_a_question_and_a_passage_that_write_a_name_differently_meet(settings, store, tmp_path, question, doc_id):
    path = tmp_path / "abbrev.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in DOCS) + "\n", encoding="utf-8")
    embedder = HashingEmbedder()
    ingest.ingest_paths(settings, [path], store=store, embedder=embedder)
    with rag.Pipeline(settings.replace(retrieval_mode="lexical"), store=store, embedder=embedder) as pipe:
        answer = pipe.ask(question)
        assert pipe.retrieve(question)[0].chunk.doc_id == doc_id
        assert not answer.refused and answer.citations[0].doc_id == doc_id
