"""What a newcomer met on the command lines: honest counts, a busy store explained, an eval corpus reused.

- ``python -m ingest corpus/`` said "5 documents" while the index held 7 (two uploads): the
  summary now says what the paths hold and what the whole collection holds.
- ``python -m evals run`` without ``--corpus`` beside the app printed a StoreBusyError traceback.
- An eval corpus once run in the app's "Đánh giá" tab (a temporary copy) made the same file fail
  in the CLI ("doc_id … appears also in samples.jsonl"): the cached eval collection is reused.
Real store and CLI mains; the hashing embedder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import ingest
import rag
from evals import run_eval
from evals.__main__ import main as evals_main
from fakes import HashingEmbedder
from test_evals_runner import DOCS, QUESTIONS, write_jsonl
from ui.documents import Library
from ui.evaluations import run_evaluation

ROOT = Path(__file__).resolve().parents[1]


def test_sync_summary_counts_the_paths_and_the_whole_collection(settings, mini_corpus, tmp_path):
    embedder = HashingEmbedder()
    extra = write_jsonl(tmp_path / "up.jsonl", DOCS[:2])
    with rag.open_store(settings) as store:
        Library(settings, store, embedder).upload([str(extra)])  # two documents uploaded in the app
        report = ingest.sync(settings, [mini_corpus], store=store, embedder=embedder)
        again = ingest.sync(settings, [mini_corpus], store=store, embedder=embedder)
    assert (report.documents, report.total_documents) == (4, 6)
    assert report.total_chunks > report.chunks
    first = again.summary().splitlines()[1]
    assert "4 văn bản" in first and "tổng cộng 6 văn bản" in first, first


def test_summary_of_a_collection_of_only_these_paths_names_one_count(settings, mini_corpus):
    with rag.open_store(settings) as store:
        report = ingest.sync(settings, [mini_corpus], store=store, embedder=HashingEmbedder())
    first = report.summary().splitlines()[1]
    assert "4 văn bản" in first and "tổng cộng" not in first and "'danvan'" in first


@pytest.fixture
def eval_paths(tmp_path):
    return write_jsonl(tmp_path / "questions.jsonl", QUESTIONS), write_jsonl(tmp_path / "samples.jsonl", DOCS)


def test_evals_without_corpus_beside_the_app_explains_instead_of_a_traceback(settings, eval_paths, monkeypatch,
                                                                             capsys, mini_corpus):
    dataset, _ = eval_paths
    monkeypatch.setattr(rag, "load_embedder", lambda settings: HashingEmbedder())
    with rag.open_store(settings) as held:  # the app holds the index
        ingest.sync(settings, [mini_corpus], store=held, embedder=HashingEmbedder())
        code = evals_main(["run", "--dataset", str(dataset), "--out", str(settings.data_dir / "runs" / "x")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "--corpus" in err and "dừng ứng dụng" in err and "đang được một tiến trình khác dùng" in err


@pytest.mark.parametrize("first_at", ["gradio-tmp/abc123/samples.jsonl", "other-checkout/corpus/samples.jsonl"])
def test_an_eval_corpus_run_from_one_path_is_reused_from_another(settings, eval_paths, tmp_path, first_at):
    dataset, corpus = eval_paths
    copy = tmp_path / first_at
    copy.parent.mkdir(parents=True)
    shutil.copyfile(corpus, copy)  # what the Đánh giá tab receives: a temporary copy of the same file
    embedder = HashingEmbedder()
    first = run_eval(settings, dataset, [copy], tmp_path / "run1", embedder=embedder)
    embedded = embedder.calls
    second = run_eval(settings, dataset, [corpus], tmp_path / "run2", embedder=embedder)
    assert first["retrieval"] == second["retrieval"]
    assert embedder.calls - embedded <= len(QUESTIONS) * 3  # questions only: the passages were not embedded again
    copy.unlink()  # the upload's copy is gone; a third run from the CLI path still works
    assert run_eval(settings, dataset, [corpus], tmp_path / "run3", embedder=embedder)["n"] == len(QUESTIONS)


def test_the_eval_tab_then_the_cli_on_the_same_file(settings, eval_paths, tmp_path, monkeypatch, capsys):
    dataset, corpus = eval_paths
    upload = tmp_path / "gradio" / "f00d" / corpus.name
    upload.parent.mkdir(parents=True)
    shutil.copyfile(corpus, upload)
    monkeypatch.setattr(rag, "load_embedder", lambda settings: HashingEmbedder())
    summary, files = run_evaluation(run_eval, settings, str(dataset), str(upload), embedder=HashingEmbedder())
    assert files, summary
    code = evals_main(["run", "--dataset", str(dataset), "--corpus", str(corpus), "--out", str(tmp_path / "cli")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "appears also" not in captured.err and "xuất hiện cả trong" not in captured.err
    assert json.loads((tmp_path / "cli" / "metrics.json").read_text(encoding="utf-8"))["n"] == len(QUESTIONS)
