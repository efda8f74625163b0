"""Reading eval datasets: defaults, follow-up history, and malformed lines named by number."""

from __future__ import annotations

import gzip
import json

import pytest

import rag
from evals.dataset import DEFAULT_KIND, DatasetError, Example, file_sha256, load_dataset, parse_example

FULL = {
    "qid": "dev-001", "question": "Cơ sở gồm những nơi nào?", "answer": "Xã, phường, thị trấn.",
    "gold_doc_ids": ["phapdien:44.13.LQ.2"], "gold_quotes": ["Cơ sở là xã, phường, thị trấn"],
    "kind": "factoid",
}
FOLLOWUP = {
    "qid": "dev-123", "question": "Vậy ai chỉ đạo ban đó?", "gold_doc_ids": ["d"], "kind": "followup",
    "history": [{"role": "user", "content": "Ban Thanh tra nhân dân có mấy người?"},
                {"role": "assistant", "content": "Không ít hơn 05 người."}],
}


def write(path, lines):
    path.write_text("".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) + "\n"
                            for line in lines), encoding="utf-8")
    return path


def test_reads_every_field_and_history(tmp_path):
    path = write(tmp_path / "d.jsonl", [FULL, "\n", FOLLOWUP])
    first, second = load_dataset(path)
    assert first == Example("dev-001", FULL["question"], FULL["answer"], ("phapdien:44.13.LQ.2",),
                            ("Cơ sở là xã, phường, thị trấn",), "factoid", ())
    assert second.history == (rag.Turn("user", "Ban Thanh tra nhân dân có mấy người?"),
                              rag.Turn("assistant", "Không ít hơn 05 người."))
    assert first.answerable and second.answerable


def test_missing_optional_fields_get_defaults(tmp_path):
    path = write(tmp_path / "d.jsonl", [{"question": "Câu hỏi ngoài tài liệu?"}, {"qid": 7, "question": "Số?"}])
    first, second = load_dataset(path)
    assert first.qid == "line-1" and first.kind == DEFAULT_KIND
    assert (first.answer, first.gold_doc_ids, first.gold_quotes, first.history) == ("", (), (), ())
    assert not first.answerable
    assert second.qid == "7"


def test_unanswerable_line_from_shared_format():
    example = parse_example({"qid": "dev-141", "question": "Hiệu lực?", "answer": "", "gold_doc_ids": [],
                             "gold_quotes": [], "kind": "unanswerable"})
    assert not example.answerable and example.kind == "unanswerable"


def test_malformed_lines_are_reported_with_their_line_numbers(tmp_path):
    path = write(tmp_path / "bad.jsonl", [
        FULL,                                               # 1 ok
        '{"qid": "q2", "question": "thiếu ngoặc"\n',          # 2 not JSON
        {"qid": "q3"},                                      # 3 no question
        {"qid": "q4", "question": "?", "gold_doc_ids": "d"},  # 4 not a list
        "[1, 2]\n",                                         # 5 not an object
        {"qid": "dev-001", "question": "lặp"},              # 6 duplicate qid
        {"qid": "q 7", "question": "?"},                    # 7 space in qid
        {"qid": "q8", "question": "?", "history": [{"role": "bot", "content": "x"}]},  # 8 bad turn
    ])
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    message = str(info.value)
    for number, words in [(2, "JSON không hợp lệ"), (3, '"question"'), (4, '"gold_doc_ids"'),
                          (5, "JSON object"), (6, "đã dùng ở dòng 1"), (7, '"qid"'), (8, '"history"[0]')]:
        assert f"{path}:{number}: " in message and words in message, (number, message)
    assert f"{path}:1:" not in message
    assert isinstance(info.value, rag.InputError)


def test_limit_keeps_the_first_questions_but_still_checks_every_line(tmp_path):
    good = [{"qid": f"q{i}", "question": f"Câu {i}?"} for i in range(5)]
    assert [e.qid for e in load_dataset(write(tmp_path / "d.jsonl", good), limit=2)] == ["q0", "q1"]
    with pytest.raises(DatasetError, match=r":6: "):
        load_dataset(write(tmp_path / "e.jsonl", good + ["oops\n"]), limit=2)


def test_missing_empty_and_non_utf8_files_fail_with_the_fix(tmp_path):
    with pytest.raises(DatasetError, match="Không có tệp bộ câu hỏi"):
        load_dataset(tmp_path / "nope.jsonl")
    with pytest.raises(DatasetError, match="không có câu hỏi nào"):
        load_dataset(write(tmp_path / "empty.jsonl", ["\n"]))
    (tmp_path / "latin.jsonl").write_bytes('{"question": "Xã?"}\n'.encode("utf-16"))
    with pytest.raises(DatasetError, match="UTF-8"):
        load_dataset(tmp_path / "latin.jsonl")


def test_gzipped_dataset_and_hash(tmp_path):
    path = tmp_path / "d.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(FULL, ensure_ascii=False) + "\n")
    assert load_dataset(path)[0].qid == "dev-001"
    plain = write(tmp_path / "d.jsonl", [FULL])
    assert file_sha256(plain) == file_sha256(plain) and len(file_sha256(plain)) == 64
    assert file_sha256(plain) != file_sha256(write(tmp_path / "e.jsonl", [FOLLOWUP]))


def test_shared_dev_sets_load_when_present():
    from pathlib import Path

    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval"
    if not shared.is_dir():
        pytest.skip("../shared/data/eval is not present")
    civic = load_dataset(shared / "civic_dev.jsonl")
    assert len(civic) == 160 and sum(e.answerable for e in civic) == 140
    assert sum(bool(e.history) for e in civic) == 15
    assert len(load_dataset(shared / "alqac_dev.jsonl")) == 316


@pytest.mark.parametrize("name", ["civic_heldout.jsonl", "civic_heldout2.jsonl"])
def test_held_apart_sets_load_and_quote_the_corpus_verbatim(name):
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    corpus = root.parent / "shared" / "data" / "corpus" / "civic.jsonl"
    if not corpus.exists():
        pytest.skip("../shared/data/corpus/civic.jsonl is not here")
    examples = load_dataset(root / "evals" / "sets" / name)
    texts = {}
    for line in corpus.read_text(encoding="utf-8").split("\n"):
        if line.strip():
            doc = json.loads(line)
            texts[doc["doc_id"]] = doc["text"]
    dev = {e.question for e in load_dataset(root.parent / "shared" / "data" / "eval" / "civic_dev.jsonl")}
    assert len({e.qid for e in examples}) == len(examples)
    for e in examples:
        assert e.question not in dev, e.qid
        if not e.answerable:
            assert not e.gold_quotes, e.qid
            continue
        assert all(d in texts for d in e.gold_doc_ids), e.qid
        for quote in e.gold_quotes:
            assert any(quote in texts[d] for d in e.gold_doc_ids), (e.qid, quote)
