"""The learned reader (rag/reader.py): features, order, refusal, the shipped weights, and the trainer
(train/) run for a few steps on a handful of questions (CI never trains for real)."""

import json

import pytest

import ingest
import rag
from rag.query import parse
from rag.reader import (
    ANSWER_FEATURES,
    PASSAGE_FEATURES,
    WEIGHTS,
    Linear,
    Reader,
    ReaderError,
    load_reader,
    passage_features,
    reads,
)
from rag.types import Chunk, Hit


def _hit(doc_id, text, rank, dense=0.8, lexical=1.0, doc_type="Quy chế", title="Quy chế"):
    return Hit(Chunk(doc_id, 0, text, title=title, doc_type=doc_type), 1.0 / rank, rank, dense, lexical)


def _linear(names, **coef):
    return Linear(tuple(names), (0.0,) * len(names), (1.0,) * len(names),
                  tuple(coef.get(n, 0.0) for n in names), 0.0)


HITS = [
    _hit("a", "Ủy ban nhân dân xã họp với các thành viên của Mặt trận.", 1, dense=0.86),
    _hit("b", "Tổ công nghệ số cộng đồng có 68 thành viên là đoàn viên thanh niên.", 2, dense=0.84),
    _hit("c", "Thời tiết hôm nay đẹp.", 3, dense=0.80, lexical=None),
]


def test_passage_features_carry_the_words_and_the_kind_asked():
    q = parse("Tổ công nghệ số cộng đồng có bao nhiêu thành viên?")
    rows = passage_features(q, HITS)
    assert len(rows) == 3 and all(len(r) == len(PASSAGE_FEATURES) for r in rows)
    col = {name: [r[i] for r in rows] for i, name in enumerate(PASSAGE_FEATURES)}
    assert col["passage_cov"][1] > col["passage_cov"][0] > col["passage_cov"][2] == 0.0
    assert col["kind_fit"] == [0.0, 1.0, 0.0]  # "68 thành viên" holds the number asked
    assert col["asks_kind"] == [1.0, 1.0, 1.0]
    assert col["dense_gap"][0] == 0.0 and col["dense_gap"][2] < 0
    assert col["lexical"][2] == 0.0  # the lexical leg did not return it


def test_the_reader_orders_by_its_passage_model_and_keeps_ties_in_retrieved_order():
    words = Reader(_linear(PASSAGE_FEATURES, passage_cov=3.0, kind_fit=2.0), _linear(ANSWER_FEATURES), 0.5)
    q = parse("Tổ công nghệ số cộng đồng có bao nhiêu thành viên?")
    ordered = words.order(q, HITS)
    assert [h.chunk.doc_id for h in ordered] == ["b", "a", "c"]
    assert [h.rank for h in ordered] == [1, 2, 3]
    flat = Reader(_linear(PASSAGE_FEATURES), _linear(ANSWER_FEATURES), 0.5)
    assert [h.chunk.doc_id for h in flat.order(q, HITS)] == ["a", "b", "c"]


def test_the_answer_model_reads_the_evidence():
    reader = Reader(_linear(PASSAGE_FEATURES), _linear(ANSWER_FEATURES, evidence=8.0), 0.5)
    q = parse("Tổ công nghệ số cộng đồng có bao nhiêu thành viên?")
    assert reader.answerable(q, HITS, 0.9) > 0.99 > 0.01 > reader.answerable(q, HITS, -0.9)


def test_structure_decides_named_articles_and_scope_questions():
    assert reads(parse("Họp liên tịch bao lâu một lần?"))
    assert not reads(parse("Điều 3 quy chế phối hợp quy định gì?"))
    assert not reads(parse("Nghị định 59/2023 quy định về vấn đề gì?"))


def _weights(tmp_path, **changes):
    obj = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    obj.update(changes)
    path = tmp_path / "reader.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


def test_weights_of_another_version_or_other_features_are_refused_with_the_fix(tmp_path):
    with pytest.raises(ReaderError, match="python -m train fit"):
        Reader.load(_weights(tmp_path, version=0))
    obj = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    obj["passage"]["names"] = obj["passage"]["names"][:-1]
    with pytest.raises(ReaderError, match="other features"):
        Reader.load(_weights(tmp_path, passage=obj["passage"]))
    with pytest.raises(ReaderError, match="Cannot read"):
        Reader.load(tmp_path / "missing.json")


def test_the_setting_picks_the_shipped_weights_none_or_a_file(tmp_path):
    settings = rag.Settings.from_env({})
    assert load_reader(settings.replace(reader="off")) is None
    assert load_reader(settings.replace(reader="on")).threshold == Reader.load().threshold
    assert load_reader(settings.replace(reader=str(_weights(tmp_path)))) is not None
    with pytest.raises(ReaderError, match="on, off or the path"):
        load_reader(settings.replace(reader=str(tmp_path / "nope.json")))


def test_the_shipped_weights_say_what_they_were_trained_on():
    reader = Reader.load()
    stamp = reader.stamp
    assert len(stamp["questions_sha256"]) == 64 and len(stamp["corpus_sha256"]) == 64
    assert "../shared/data/train/zalo_legal_2021.jsonl.gz" in " ".join(stamp["inputs"]) or any(
        "zalo_legal_2021" in k for k in stamp["inputs"])
    assert 0.0 < reader.threshold < 1.0
    cv = stamp["cv"]
    # the passage model beats the retriever's own order on questions it was not fitted on
    assert cv["passage_success@1_cv"] > cv["retrieval_success@1"]
    assert cv["answer_auc_cv"] > 0.75
    assert WEIGHTS.stat().st_size < 30_000_000


def test_a_pipeline_with_the_reader_refuses_what_its_answer_model_rejects(settings, store, embedder, mini_corpus, tmp_path):
    ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)
    never = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    never["answer"]["intercept"], never["answer"]["coef"] = -50.0, [0.0] * len(ANSWER_FEATURES)
    path = tmp_path / "never.json"
    path.write_text(json.dumps(never), encoding="utf-8")
    question = "Ủy ban nhân dân xã công khai thông tin chậm nhất mấy ngày?"
    with rag.Pipeline(settings.replace(reader="off"), store=store, embedder=embedder) as plain:
        assert not plain.ask(question).refused
    with rag.Pipeline(settings.replace(reader=str(path)), store=store, embedder=embedder) as read:
        assert read.ask(question).refused
        # a named article is structure's to answer, whatever the model says
        assert read.reader is not None and not reads(read.query("Điều 1 quy định gì?"))


def test_the_trainer_runs_end_to_end_on_a_handful_of_questions(settings, store, embedder, mini_corpus):
    """A few steps of ``python -m train fit``'s own code on the mini corpus (no real training)."""
    from train.fit import collect, fit, to_json

    ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)
    questions = [
        {"qid": f"q{i}", "question": q, "positive_doc_ids": [d], "source": "test"}
        for i, (q, d) in enumerate([
            ("Ủy ban nhân dân xã công khai thông tin chậm nhất mấy ngày?", "test:cong-khai"),
            ("tổ hòa giải có bao nhiêu hòa giải viên", "test:hoa-giai"),
            ("Chủ tịch xã tiếp công dân mấy ngày một tuần?", "test:tiep-dan"),
            ("hội nghị thôn tổ chức khi nào", "test:hop-dan"),
            ("Thời hạn công khai thông tin là bao lâu?", "test:cong-khai"),
            ("Hòa giải viên do ai bầu?", "test:hoa-giai"),
            ("Lịch tiếp công dân của chủ tịch xã?", "test:tiep-dan"),
            ("Hội nghị thôn do ai triệu tập?", "test:hop-dan"),
            ("Xã công khai thông tin ở đâu?", "test:cong-khai"),
            ("Tổ hòa giải gồm những ai?", "test:hoa-giai"),
        ])
    ]
    # the page's own answer marks the sentence that answers (the sentence model's labels)
    questions[0]["answer_text"] = "Theo quy định, Ủy ban nhân dân xã công khai thông tin chậm nhất là 05 ngày làm việc."
    questions[1]["answer_text"] = "Tổ hòa giải có từ 03 hòa giải viên trở lên, trong đó có hòa giải viên nữ."
    questions[5]["answer_text"] = questions[1]["answer_text"]
    with rag.Pipeline(settings, store=store, embedder=embedder) as pipe:
        data = collect(pipe, questions)
        reader, report = fit(data, rag.ExtractiveAnswerer(refusal_threshold=0.0))
    assert len(data) == 10 and all(real.labels and not any(cf.labels) for _, real, cf in data)
    assert report["questions"] == 10 and 0.0 <= report["threshold"] <= 1.0
    assert reader.sentence is not None and report["sentence_questions"] >= 2
    saved = to_json(reader, {"test": True})
    assert Reader.load(_write(saved, settings.data_dir / "r.json")).passage.names == PASSAGE_FEATURES


def _write(obj, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path
