"""The eval runner end to end: real Qdrant on tmp_path, hashing embedder, a tiny corpus and dataset."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fakes import HashingEmbedder  # noqa: E402

import ingest  # noqa: E402
import rag  # noqa: E402
from evals import DatasetError, PromptJudge, run_eval  # noqa: E402
from evals.__main__ import main  # noqa: E402
from evals.metrics import ANSWER_KEYS, RETRIEVAL_KEYS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

DOCS = [
    {"doc_id": "t:cong-khai", "title": "Quy chế mẫu về công khai thông tin ở xã", "number": "11/QC-MAU",
     "issuer": "Ủy ban nhân dân xã Mẫu", "date": "05/01/2026", "type": "Quy chế",
     "text": "Điều 1. Thời hạn công khai\nỦy ban nhân dân xã công khai thông tin chậm nhất là 05 ngày làm việc "
             "kể từ ngày ban hành quyết định.\nĐiều 2. Thời gian công khai\n"
             "Thời gian niêm yết công khai ít nhất là 30 ngày liên tục tại trụ sở Ủy ban nhân dân xã."},
    {"doc_id": "t:hoa-giai", "title": "Hướng dẫn mẫu về tổ hòa giải", "number": "12/HD-MAU",
     "issuer": "Ủy ban Mặt trận Tổ quốc xã Mẫu", "date": "10/02/2026", "type": "Hướng dẫn",
     "text": "Điều 1. Thành phần tổ hòa giải\n"
             "Tổ hòa giải có từ 03 hòa giải viên trở lên, trong đó có hòa giải viên nữ.\n"
             "Điều 2. Tổ trưởng\nTổ trưởng tổ hòa giải do các hòa giải viên bầu trong số các hòa giải viên."},
    {"doc_id": "t:tiep-dan", "title": "Nội quy mẫu tiếp công dân", "number": "13/NQ-MAU",
     "issuer": "Ủy ban nhân dân xã Mẫu", "date": "20/04/2026", "type": "Nội quy",
     "text": "Điều 1. Lịch tiếp công dân\nChủ tịch Ủy ban nhân dân xã tiếp công dân ít nhất một ngày trong một tuần "
             "tại trụ sở tiếp công dân của xã.\nĐiều 2. Thái độ\nNgười tiếp công dân phải tôn trọng công dân."},
]
QUESTIONS = [
    {"qid": "q1", "kind": "factoid", "question": "Tổ hòa giải có ít nhất bao nhiêu hòa giải viên?",
     "answer": "Từ 03 hòa giải viên trở lên.", "gold_doc_ids": ["t:hoa-giai"],
     "gold_quotes": ["Tổ hòa giải có từ 03 hòa giải viên trở lên"]},
    {"qid": "q2", "kind": "tone_variant", "question": "Tổ trưởng tổ hoà giải do ai bầu?",
     "answer": "Các hòa giải viên bầu.", "gold_doc_ids": ["t:hoa-giai"],
     "gold_quotes": ["Tổ trưởng tổ hoà giải do các hoà giải viên bầu"]},
    {"qid": "q3", "kind": "docnum",
     "question": "Nội quy 13/NQ-MAU quy định chủ tịch xã tiếp công dân mấy ngày một tuần?",
     "answer": "Ít nhất một ngày trong một tuần.", "gold_doc_ids": ["t:tiep-dan"], "gold_quotes": []},
    {"qid": "q4", "kind": "followup", "question": "Còn thời gian niêm yết thì sao?",
     "answer": "Ít nhất 30 ngày liên tục.", "gold_doc_ids": ["t:cong-khai"],
     "gold_quotes": ["Thời gian niêm yết công khai ít nhất là 30 ngày liên tục"],
     "history": [{"role": "user", "content": "Ủy ban nhân dân xã công khai thông tin chậm nhất mấy ngày?"},
                 {"role": "assistant", "content": "Chậm nhất 05 ngày làm việc."}]},
    {"qid": "q5", "kind": "unanswerable",
     "question": "Mức phụ cấp xăng xe của phóng viên báo quốc tế là bao nhiêu đô la?",
     "answer": "", "gold_doc_ids": [], "gold_quotes": []},
]
RUN_FILES = {"metrics.json", "rows.jsonl", "run.trec", "qrels.trec", "config.json", "report.html"}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def paths(tmp_path):
    corpus = write_jsonl(tmp_path / "corpus.jsonl", DOCS)
    dataset = write_jsonl(tmp_path / "questions.jsonl", QUESTIONS)
    return dataset, corpus


@pytest.fixture
def settings(tmp_path):
    return rag.Settings.from_env({"DANVAN_DATA_DIR": str(tmp_path / "data")})


def test_run_writes_the_contract_files_and_keys(tmp_path, paths, settings):
    dataset, corpus = paths
    out = tmp_path / "run"
    events = []
    metrics = run_eval(settings, dataset, [corpus], out, name="tiny run", embedder=HashingEmbedder(),
                       progress=events.append)

    assert {p.name for p in out.iterdir()} == RUN_FILES
    on_disk = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert on_disk == metrics
    assert set(metrics) == {"n", "n_answerable", "retrieval", "answer", "latency_ms", "by_kind"}
    assert list(metrics["retrieval"]) == list(RETRIEVAL_KEYS)
    assert list(metrics["answer"]) == list(ANSWER_KEYS)
    assert set(metrics["latency_ms"]) == {"p50", "p95"}
    assert set(metrics["by_kind"]) == {q["kind"] for q in QUESTIONS}
    for block in metrics["by_kind"].values():
        assert list(block) == ["retrieval", "answer"]
        assert list(block["retrieval"]) == list(RETRIEVAL_KEYS) and list(block["answer"]) == list(ANSWER_KEYS)
    assert (metrics["n"], metrics["n_answerable"]) == (5, 4)
    for value in [*metrics["retrieval"].values(), *metrics["answer"].values()]:
        assert value is None or 0.0 <= value <= 1.0
    assert metrics["latency_ms"]["p50"] > 0

    # The question progress reaches n of n after the ingest stages.
    assert events[-1] == rag.Progress("questions", 5, 5, "q5")
    assert any(e.stage != "questions" for e in events)


def test_rows_answers_and_refusals(tmp_path, paths, settings):
    dataset, corpus = paths
    run_eval(settings, dataset, [corpus], tmp_path / "run", embedder=HashingEmbedder())
    rows = [json.loads(line) for line in (tmp_path / "run" / "rows.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["qid"] for r in rows] == [q["qid"] for q in QUESTIONS]
    by_qid = {r["qid"]: r for r in rows}
    for row in rows:
        assert {"retrieved", "passages", "answer", "citations", "refused", "metrics", "latency_ms"} <= set(row)
        assert all(set(d) == {"doc_id", "score"} for d in row["retrieved"])
        assert [p["rank"] for p in row["passages"]] == list(range(1, len(row["passages"]) + 1))
    # Each document appears once in the document ranking.
    assert all(len({d["doc_id"] for d in r["retrieved"]}) == len(r["retrieved"]) for r in rows)
    assert by_qid["q1"]["retrieved"][0]["doc_id"] == "t:hoa-giai"
    assert by_qid["q1"]["metrics"]["recall@1"] == 1.0
    # Tone-variant quote (hoà) still matches the document text (hòa).
    assert by_qid["q2"]["metrics"]["quote_hit@10"] == 1.0
    # The follow-up is answered from its history's document.
    assert by_qid["q4"]["retrieved"][0]["doc_id"] == "t:cong-khai"
    # The question outside the documents is refused with the exact text.
    assert by_qid["q5"]["refused"] is True and by_qid["q5"]["answer"].startswith(rag.REFUSAL_TEXT)
    assert by_qid["q5"]["metrics"]["recall@10"] is None
    answered = [r for r in rows if not r["refused"]]
    assert answered and all(r["citations"] and re.search(r"\[\d+\]", r["answer"]) for r in answered)
    assert all(isinstance(c["correct"], bool) for r in rows for c in r["citations"])


def test_run_file_qrels_and_config(tmp_path, paths, settings):
    dataset, corpus = paths
    run_eval(settings.replace(qdrant_api_key="secret-key"), dataset, [corpus], tmp_path / "run",
             name="tiny run", embedder=HashingEmbedder())
    lines = (tmp_path / "run" / "run.trec").read_text(encoding="utf-8").splitlines()
    rows = [line.split(" ") for line in lines]
    assert rows and all(len(r) == 6 and r[1] == "Q0" and r[5] == "tiny_run" for r in rows)
    for qid in {r[0] for r in rows}:
        ranks = [int(r[3]) for r in rows if r[0] == qid]
        scores = [float(r[4]) for r in rows if r[0] == qid]
        assert ranks == list(range(1, len(ranks) + 1))
        assert scores == sorted(scores, reverse=True)
    qrels = (tmp_path / "run" / "qrels.trec").read_text(encoding="utf-8").splitlines()
    assert "q1 0 t:hoa-giai 1" in qrels and not any(line.startswith("q5 ") for line in qrels)

    config = json.loads((tmp_path / "run" / "config.json").read_text(encoding="utf-8"))
    assert config["name"] == "tiny run" and config["embedder"] == "test-hashing-256"
    assert config["corpus_hash"] == ingest.corpus_hash([corpus])
    assert len(config["dataset_hash"]) == 64 and config["date"]
    assert all(isinstance(v, str) for v in config["settings"].values())
    assert config["settings"]["retrieval_mode"] == "hybrid"
    assert config["settings"]["qdrant_api_key"] == "***"
    assert {"python", "qdrant-client", "sentence-transformers"} <= set(config["versions"])
    assert config["versions"]["qdrant-client"]


def test_runs_are_reproducible_cached_and_never_touch_the_app_index(tmp_path, paths, settings):
    dataset, corpus = paths
    first = run_eval(settings, dataset, [corpus], tmp_path / "a", name="r", embedder=HashingEmbedder())
    again = HashingEmbedder()
    second = run_eval(settings, dataset, [corpus], tmp_path / "b", name="r", embedder=again)

    def strip(metrics):
        return {k: v for k, v in metrics.items() if k != "latency_ms"}

    assert strip(first) == strip(second)
    assert (tmp_path / "a" / "run.trec").read_bytes() == (tmp_path / "b" / "run.trec").read_bytes()
    assert again.calls == len(QUESTIONS)  # query embeddings only: the corpus was not embedded again
    assert (settings.data_dir / "evals").is_dir()
    assert not (settings.data_dir / "qdrant").exists()  # the app's store was never opened


def test_current_index_is_used_without_a_corpus(tmp_path, paths, settings):
    dataset, corpus = paths
    with pytest.raises(rag.InputError, match="python -m ingest"):
        run_eval(settings, dataset, None, tmp_path / "none", embedder=HashingEmbedder())
    embedder = HashingEmbedder()
    with rag.open_store(settings) as store:
        ingest.sync(settings, [corpus], store=store, embedder=embedder)
    metrics = run_eval(settings, dataset, [], tmp_path / "app", embedder=embedder)
    config = json.loads((tmp_path / "app" / "config.json").read_text(encoding="utf-8"))
    assert config["collection"] == settings.collection and config["corpus_hash"] is None
    assert metrics["n"] == 5


def test_limit_and_bad_input_fail_fast(tmp_path, paths, settings):
    dataset, corpus = paths
    assert run_eval(settings, dataset, [corpus], tmp_path / "lim", limit=2, embedder=HashingEmbedder())["n"] == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text(dataset.read_text(encoding="utf-8") + '{"qid": "q6"}\n', encoding="utf-8")
    fresh = settings.replace(data_dir=tmp_path / "fresh")
    with pytest.raises(DatasetError, match=r"bad.jsonl:6: "):
        run_eval(fresh, bad, [corpus], tmp_path / "bad-run", embedder=HashingEmbedder())
    assert not fresh.data_dir.exists()  # nothing opened or ingested for a broken dataset
    with pytest.raises(rag.InputError, match="Không có tệp hoặc thư mục văn bản .*--corpus"):
        run_eval(fresh, dataset, [tmp_path / "missing"], tmp_path / "bad-run", embedder=HashingEmbedder())


def test_judge_is_reported_separately_only_when_given(tmp_path, paths, settings):
    dataset, corpus = paths
    prompts = []

    def complete(prompt: str) -> str:
        prompts.append(prompt)
        return "ĐÚNG\nkhớp" if "bao nhiêu hòa giải viên" in prompt else "SAI\nkhông khớp"

    metrics = run_eval(settings, dataset, [corpus], tmp_path / "j", embedder=HashingEmbedder(),
                       judge=PromptJudge(complete, name="scripted"))
    assert len(prompts) == 4  # answerable questions with a reference answer
    assert metrics["judge"]["name"] == "scripted" and metrics["judge"]["n"] == 4
    assert metrics["judge"]["accuracy"] == 0.25
    plain = run_eval(settings, dataset, [corpus], tmp_path / "plain", embedder=HashingEmbedder())
    assert "judge" not in plain


def test_cli_run(tmp_path, paths, monkeypatch, capsys):
    dataset, corpus = paths
    monkeypatch.setenv("DANVAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(rag, "load_embedder", lambda settings: HashingEmbedder())  # the model is slow, not under test
    out = tmp_path / "cli"
    code = main(["run", "--dataset", str(dataset), "--corpus", str(corpus), "--out", str(out), "--limit", "3",
                 "--k", "5"])
    assert code == 0
    assert {p.name for p in out.iterdir()} == RUN_FILES
    assert json.loads((out / "metrics.json").read_text(encoding="utf-8"))["n"] == 3
    printed = capsys.readouterr().out
    assert "recall@10=" in printed and "report.html" in printed


def test_cli_reports_a_malformed_line_with_its_number(tmp_path, paths):
    dataset, _ = paths
    bad = tmp_path / "bad.jsonl"
    bad.write_text(dataset.read_text(encoding="utf-8") + "not json\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "DANVAN_DATA_DIR": str(tmp_path / "d")}
    result = subprocess.run([sys.executable, "-m", "evals", "run", "--dataset", str(bad), "--out", str(tmp_path / "o")],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2
    assert f"{bad}:6: JSON không hợp lệ" in result.stderr


def test_importing_evals_loads_no_heavy_library():
    code = ("import evals, sys; print(sorted(m for m in ('torch', 'sentence_transformers', 'gradio', "
            "'matplotlib', 'tqdm') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
