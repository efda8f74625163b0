"""The sample corpus ships well-formed, NFC, clearly marked sample documents."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "corpus" / "samples.jsonl"
FIELDS = ("doc_id", "title", "number", "issuer", "date", "type", "url", "text", "license_note")
SAMPLE_MARK = "tài liệu mẫu"


def _records() -> list[dict]:
    lines = SAMPLES.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


RECORDS = _records()


def test_every_line_is_a_json_object():
    for number, line in enumerate(SAMPLES.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"blank line {number} in {SAMPLES.name}"
        assert isinstance(json.loads(line), dict), f"line {number} is not an object"


def test_the_four_kinds_of_document_are_there():
    assert {"Kế hoạch", "Quy chế", "Tin tức", "Báo cáo"} <= {r["type"] for r in RECORDS}
    assert 4 <= len(RECORDS) <= 6


def test_doc_ids_are_unique_and_namespaced():
    ids = [r["doc_id"] for r in RECORDS]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("mau:") for i in ids)


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r["doc_id"])
def test_record_has_the_fields_of_the_shared_format(record):
    assert set(FIELDS) <= set(record)
    for name in FIELDS:
        assert isinstance(record[name], str), name
    for name in ("doc_id", "title", "issuer", "date", "type", "text"):
        assert record[name].strip(), f"{name} is empty"
    day, month, year = record["date"].split("/")
    assert (len(day), len(month), len(year)) == (2, 2, 4)
    assert record["url"] == ""
    assert "\n" in record["text"]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r["doc_id"])
def test_record_is_nfc(record):
    for name in FIELDS:
        assert unicodedata.is_normalized("NFC", record[name]), name


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r["doc_id"])
def test_record_says_it_is_a_sample(record):
    assert SAMPLE_MARK in record["title"].lower()
    assert SAMPLE_MARK in record["text"].splitlines()[0].lower()
    assert record["license_note"] == "Tài liệu mẫu do nhóm phát triển tự soạn, không phải văn bản thật."


def test_number_appears_in_the_text():
    for record in RECORDS:
        if record["number"]:
            assert record["number"] in record["text"], record["doc_id"]


def test_structure_an_officer_can_cite():
    by_type = {r["type"]: r["text"] for r in RECORDS}
    plan, rules = by_type["Kế hoạch"], by_type["Quy chế"]
    for heading in ("\nI. ", "\nII. ", "\nIII. ", "\n1. ", "\na) ", "\nb) "):
        assert heading in plan, heading
    for heading in ("\nChương I\n", "\nChương II\n", "\nĐiều 1. ", "\nĐiều 8. ", "\n1. "):
        assert heading in rules, heading
    assert "chậm nhất 05 ngày làm việc" in rules
    assert "mỗi quý một lần" in rules
