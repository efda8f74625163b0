"""``import-beir`` round-trips a small hand-made BEIR folder into our dataset and corpus formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evals.beir import default_corpus_out, import_beir, read_qrels
from evals.dataset import DatasetError, load_dataset

ROOT = Path(__file__).resolve().parents[1]

CORPUS = [
    {"_id": "d1", "title": "Luật Hòa giải ở cơ sở", "text": "Hòa giải viên do cộng đồng dân cư bầu.",
     "metadata": {"url": "https://example.invalid/d1", "year": 2013}},
    {"_id": "d2", "title": "", "text": "Tổ hòa giải có từ ba hòa giải viên trở lên."},
    {"_id": 3, "title": "Luật Tiếp công dân", "text": "Trụ sở tiếp công dân cấp xã đặt tại Ủy ban nhân dân."},
]
QUERIES = [
    {"_id": "q1", "text": "Ai bầu hòa giải viên?"},
    {"_id": "q2", "text": "Tổ hòa giải có mấy người và ai bầu?"},
    {"_id": "q3", "text": "Câu hỏi không có đánh giá"},
    {"_id": "q4", "text": "Câu hỏi chỉ có đánh giá 0"},
]
TEST_QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t2\nq2\td1\t1\nq4\td2\t0\n"


def make_beir(root: Path, qrels: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True)
    for name, rows in (("corpus.jsonl", CORPUS), ("queries.jsonl", QUERIES)):
        (root / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    (root / "qrels").mkdir()
    for split, text in (qrels or {"test": TEST_QRELS}).items():
        (root / "qrels" / f"{split}.tsv").write_text(text, encoding="utf-8")
    return root


def test_round_trip_keeps_queries_judgements_and_documents(tmp_path):
    beir = make_beir(tmp_path / "tiny")
    result = import_beir(beir, tmp_path / "out" / "tiny.jsonl")
    assert result.corpus == tmp_path / "out" / "tiny.corpus.jsonl"
    assert (result.queries, result.documents, result.split) == (2, 3, "test")

    # Dataset: our loader reads it back; positive qrels become gold documents.
    examples = load_dataset(result.dataset)
    assert [(e.qid, e.question) for e in examples] == [("q1", "Ai bầu hòa giải viên?"),
                                                        ("q2", "Tổ hòa giải có mấy người và ai bầu?")]
    positive = {q: {d for d, s in docs.items() if s > 0} for q, docs in read_qrels(beir / "qrels" / "test.tsv").items()}
    assert {e.qid: set(e.gold_doc_ids) for e in examples} == {q: d for q, d in positive.items() if d}
    assert all(e.kind == "beir" and e.answerable for e in examples)

    # Corpus: the shared corpus format, ids and texts unchanged, metadata kept as extra fields.
    docs = [json.loads(line) for line in result.corpus.read_text(encoding="utf-8").splitlines()]
    assert [(d["doc_id"], d["title"], d["text"]) for d in docs] == [
        (str(c["_id"]), c["title"], c["text"]) for c in CORPUS
    ]
    assert docs[0]["url"] == "https://example.invalid/d1" and docs[0]["year"] == 2013
    for key in ("number", "issuer", "date", "type", "url"):
        assert key in docs[1]


def test_cli_writes_the_corpus_next_to_the_dataset_and_says_how_to_run(tmp_path):
    beir = make_beir(tmp_path / "tiny")
    out = tmp_path / "tiny.jsonl"
    result = subprocess.run([sys.executable, "-m", "evals", "import-beir", str(beir), "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.is_file() and (tmp_path / "tiny.corpus.jsonl").is_file()
    assert "python -m evals run --dataset" in result.stdout
    custom = tmp_path / "elsewhere" / "docs.jsonl"
    result = subprocess.run([sys.executable, "-m", "evals", "import-beir", str(beir), "--out", str(out),
                             "--corpus-out", str(custom)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and custom.is_file()


def test_split_choice(tmp_path):
    two = make_beir(tmp_path / "two", {"dev": "q1\td2\t1\n", "train": TEST_QRELS})
    with pytest.raises(DatasetError, match="--split"):
        import_beir(two, tmp_path / "a.jsonl")
    result = import_beir(two, tmp_path / "a.jsonl", split="dev")  # no header line is fine too
    assert result.split == "dev"
    assert [e.gold_doc_ids for e in load_dataset(result.dataset)] == [("d2",)]
    with pytest.raises(DatasetError, match="Available splits: dev, train"):
        import_beir(two, tmp_path / "a.jsonl", split="test")
    only = make_beir(tmp_path / "only", {"train": TEST_QRELS})
    assert import_beir(only, tmp_path / "b.jsonl").split == "train"


def test_broken_folders_fail_with_the_file_and_line(tmp_path):
    with pytest.raises(DatasetError, match="qrels"):
        import_beir(tmp_path, tmp_path / "x.jsonl")
    beir = make_beir(tmp_path / "bad", {"test": "q1\td1\tyes\n"})
    with pytest.raises(DatasetError, match=r"test.tsv:1: score 'yes'"):
        import_beir(beir, tmp_path / "x.jsonl")
    (beir / "qrels" / "test.tsv").write_text(TEST_QRELS, encoding="utf-8")
    (beir / "corpus.jsonl").write_text('{"_id": "d1"}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"corpus.jsonl:1: "):
        import_beir(beir, tmp_path / "x.jsonl")
    with pytest.raises(DatasetError, match="must differ"):
        import_beir(beir, tmp_path / "x.jsonl", corpus_out=tmp_path / "x.jsonl")


def test_default_corpus_path():
    assert default_corpus_out(Path("runs/scifact.jsonl")) == Path("runs/scifact.corpus.jsonl")
