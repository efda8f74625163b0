"""The embedder's fine-tune (train/embedder.py, issue 17 rung 1): the triplet builder's rules on a small
shared folder written here, a few training steps on a handful of triplets (CI never trains for real),
and the delta laid over the base model (rag.embed.apply_delta), shipped weights included."""

import gzip
import json
import shutil

import pytest

import rag
from rag.embed import SentenceTransformerEmbedder, apply_delta
from train.embedder import read_triplets, triplets

LAW = "Luật Thử nghiệm"
ARTICLES = {  # phapdien:1.1.LQ.N: three neighbouring articles of one law
    1: "Điều 1.1.LQ.1. Phạm vi điều chỉnh\nLuật này quy định việc tổ chức hội nghị thôn và tổ dân phố ở cơ sở.",
    2: "Điều 1.1.LQ.2. Thời hạn công khai thông tin\nỦy ban nhân dân cấp xã công khai thông tin chậm nhất là "
       "05 ngày làm việc kể từ ngày văn bản được ban hành, trừ trường hợp pháp luật có quy định khác.",
    3: "Điều 1.1.LQ.3. Hình thức công khai thông tin\nThông tin được niêm yết tại trụ sở Ủy ban nhân dân cấp "
       "xã, nhà văn hóa thôn và đăng trên trang thông tin điện tử của xã.",
    4: "Điều 1.1.LQ.4. Giám sát việc công khai\nBan thanh tra nhân dân giám sát việc công khai thông tin của "
       "chính quyền cấp xã theo quy định của pháp luật.",
}
GOLD_TEXT = ("Trưởng thôn triệu tập hội nghị thôn mỗi năm ít nhất một lần vào cuối năm để nhân dân bàn và quyết "
             "định các công việc của cộng đồng dân cư theo quy định.")
FILLER = ("Quý khách cần hỏi thêm thông tin về pháp luật có thể đặt câu hỏi cho chúng tôi, hoặc xem các văn bản "
          "mới nhất được cập nhật mỗi ngày trên trang tra cứu văn bản của chúng tôi.")


def _write_jsonl(path, rows, gz=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def shared(tmp_path):
    root = tmp_path / "shared" / "data"
    units = [{"doc_id": f"phapdien:1.1.LQ.{n}", "title": LAW, "text": t} for n, t in ARTICLES.items()]
    _write_jsonl(root / "corpus" / "phapdien.jsonl.gz", units, gz=True)
    _write_jsonl(root / "corpus" / "civic.jsonl", [
        *units[:3], {"doc_id": "civic:gold", "title": "Quy chế", "text": GOLD_TEXT}])
    _write_jsonl(root / "corpus" / "alqac.jsonl", [])
    _write_jsonl(root / "eval" / "civic_dev.jsonl", [
        {"qid": "e1", "question": "Ai triệu tập hội nghị thôn hằng năm?", "gold_doc_ids": ["civic:gold"]}])
    aligned = {"question": "Xã phải công khai thông tin trong bao nhiêu ngày làm việc?",
               "positive_doc_ids": ["phapdien:1.1.LQ.2"], "positive_text": ARTICLES[2],
               "answer_text": "Theo Điều 2, xã công khai thông tin chậm nhất là 05 ngày làm việc."}
    _write_jsonl(root / "train" / "qa_pages_aligned.jsonl.gz", [
        {"qid": "a:1", **aligned},
        {"qid": "a:2", **aligned, "question": "Hỏi về chính sách thử", "eval_gold_overlap": ["civic_dev"]},
        {"qid": "a:3", **aligned, "question": "Câu hỏi về văn bản vàng", "positive_doc_ids": ["civic:gold"]},
        {"qid": "a:4", **aligned, "question": "Ai triệu tập hội nghị thôn hằng năm vậy?"},  # repeats e1
    ], gz=True)
    _write_jsonl(root / "train" / "zalo_legal_2021.jsonl.gz", [
        {"qid": "z:1", "question": "Thông tin của xã được niêm yết ở đâu?",
         "positive_doc_ids": ["phapdien:1.1.LQ.3"], "positive_text": ARTICLES[3]}], gz=True)
    sections = [
        {"qid": "s:1", "page": "p1", "question": "Ban thanh tra nhân dân giám sát những gì?",
         "answer_text": "*Dưới đây là thông tin về Ban thanh tra nhân dân giám sát những gì?*\n"
                        + ARTICLES[4].split("\n")[1] + " " + FILLER},
        {"qid": "s:2", "page": "p1", "question": "Trang tra cứu văn bản cập nhật khi nào?",
         "answer_text": FILLER + " " + FILLER},
        {"qid": "s:3", "page": "p1", "question": "Hội nghị thôn họp mấy lần?",
         "answer_text": "Theo quy chế: " + GOLD_TEXT + " " + FILLER},  # quotes the eval gold document
    ]
    _write_jsonl(root / "train" / "qa_pages_sections.jsonl.gz", sections, gz=True)
    return root


def test_the_builder_keeps_the_rules_and_mines_sibling_articles(shared, tmp_path):
    repo = tmp_path / "repo"
    (repo / "evals" / "sets").mkdir(parents=True)
    stamp = triplets(shared, repo, tmp_path / "out")
    rows = {r["qid"]: r for r in read_triplets(tmp_path / "out" / "embedder.jsonl")}
    # flagged, gold-document and repeated questions are out; so is the section quoting a gold document
    assert stamp["dropped"]["eval_gold_overlap"] == 1 and stamp["dropped"]["eval_gold_doc"] == 1
    assert stamp["dropped"]["repeats_eval_question"] == 1 and stamp["dropped"]["quotes_eval_gold"] == 1
    assert "a:1" in rows and "z:1" in rows and "s:3" not in rows
    # the negative of an article is its neighbour in the same law, never itself
    assert rows["a:1"]["positive"].startswith("Điều 1.1.LQ.2")
    assert rows["a:1"]["negative"].startswith(("Điều 1.1.LQ.1", "Điều 1.1.LQ.3"))
    # a structure question from a civic article's title, its body without the title
    structure = [r for r in rows.values() if r["source"] == "structure"]
    assert any(r["query"] == "Thời hạn công khai thông tin được quy định như thế nào?"
               and r["positive"].startswith("Ủy ban nhân dân cấp xã") for r in structure)
    # a section's negative is another section of its page; the heading's echo is gone
    assert rows["s:1"]["negative"].startswith("Quý khách") and "Dưới đây" not in rows["s:1"]["positive"]
    # deterministic: the same inputs write the same file
    again = triplets(shared, repo, tmp_path / "again")
    assert again["triplets_sha256"] == stamp["triplets_sha256"]


@pytest.mark.model
def test_a_few_training_steps_write_a_delta_that_changes_the_embedder(shared, tmp_path, model_dir):
    """Two steps of ``python -m train embedder``'s own code on a handful of triplets (no real training)."""
    from rag.e5model import MODEL_NAME
    from train.embedder import fit

    repo = tmp_path / "repo"
    (repo / "evals" / "sets").mkdir(parents=True)
    triplets(shared, repo, tmp_path / "out")
    rows = read_triplets(tmp_path / "out" / "embedder.jsonl")
    base = model_dir / MODEL_NAME
    delta = tmp_path / "delta.safetensors"
    record = fit(rows * 4, base, delta, steps=2, batch=4, layers=1, max_length=48, learning_rate=1e-3)
    assert record["steps"] == 2 and len(record["delta_sha256"]) == 64 and record["base"]["converter"]
    from safetensors.torch import load_file

    names = set(load_file(str(delta)))
    assert names and all(n.startswith("encoder.layer.11.") for n in names)  # only the top layer
    plain = SentenceTransformerEmbedder(base, name="base")
    tuned = SentenceTransformerEmbedder(base, name="base", delta=delta)
    assert tuned.name == f"base@{record['delta_sha256'][:12]}"  # a collection built with either is rebuilt
    question = "xã công khai thông tin chậm nhất mấy ngày"
    a, b = plain.embed_query(question), tuned.embed_query(question)
    assert sum(x * y for x, y in zip(a, b)) < 0.99999

    # a damaged delta, or one for another model, is named and refused
    bad = tmp_path / "bad.safetensors"
    shutil.copy(delta, bad)
    shutil.copy(delta.with_suffix(".json"), bad.with_suffix(".json"))
    with bad.open("r+b") as handle:
        handle.seek(-4, 2)
        handle.write(b"\x00\x01\x02\x03")
    with pytest.raises(rag.DanvanError, match="damaged"):
        apply_delta(plain._model, base, bad)
    stamp = json.loads(delta.with_suffix(".json").read_text(encoding="utf-8"))
    other = tmp_path / "other.safetensors"
    shutil.copy(delta, other)
    other.with_suffix(".json").write_text(json.dumps({**stamp, "base": {"converter": 99}}), encoding="utf-8")
    with pytest.raises(rag.DanvanError, match="trained on"):
        apply_delta(plain._model, base, other)


@pytest.mark.model
def test_the_tuned_model_without_its_delta_names_the_fix(settings, model_dir, monkeypatch, tmp_path):
    import rag.embed
    from rag.config import TUNED_EMBED_MODEL

    monkeypatch.setattr(rag.embed, "TUNED_DELTA", tmp_path / "absent.safetensors")
    with pytest.raises(rag.DanvanError, match="python -m train embedder"):
        rag.embed.load_embedder(settings.replace(embed_model=TUNED_EMBED_MODEL, model_dir=str(model_dir)))
