"""English an officer used to read in the app: upload error details, the comparison table, Gradio's status.

Real Library and store for uploads, a real eval run for the comparison (hashing embedder).
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

import app
import ingest
import rag
from evals import run_eval
from fakes import HashingEmbedder
from test_evals_runner import DOCS, QUESTIONS, write_jsonl
from ui.assets import HEAD
from ui.documents import Library
from ui.evaluations import render_comparison

ENGLISH = re.compile(r"\b(missing|Every record|invalid JSON|expected a JSON object|needs|line|record)\b")
GOOD = json.dumps(DOCS[0], ensure_ascii=False)


@pytest.mark.parametrize("lines, where", [
    ([GOOD, json.dumps({"title": "Không mã", "text": "Nội dung."}, ensure_ascii=False)], "dòng 2"),
    ([json.dumps({"doc_id": "x:1", "title": "Không nội dung"}, ensure_ascii=False)], "dòng 1"),
    ([json.dumps({"title": "Trống"}, ensure_ascii=False), GOOD], "dòng 1"),
    ([GOOD, "{không phải JSON"], "dòng 2"),
    ([GOOD, GOOD.replace("t:cong-khai", "t:khac"), '["một", "mảng"]'], "dòng 3"),
])
def test_a_bad_jsonl_upload_is_explained_in_vietnamese_with_its_line(settings, tmp_path, lines, where):
    bad = tmp_path / "tai-lieu.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with rag.open_store(settings) as store:
        report = Library(settings, store, HashingEmbedder()).upload([str(bad)])
    assert "Không nạp được tai-lieu.jsonl" in report and f"Vị trí lỗi: {where}" in report, report
    assert not ENGLISH.search(report), report


@pytest.fixture
def two_runs(settings, tmp_path):
    dataset = write_jsonl(tmp_path / "questions.jsonl", QUESTIONS)
    corpus = write_jsonl(tmp_path / "corpus.jsonl", DOCS)
    runs = tmp_path / "runs"
    run_eval(settings, dataset, [corpus], runs / "a", embedder=HashingEmbedder())
    shutil.copytree(runs / "a", runs / "b")
    metrics = json.loads((runs / "b" / "metrics.json").read_text(encoding="utf-8"))
    metrics["answer"]["false_refusal_rate"] = (metrics["answer"]["false_refusal_rate"] or 0) + 0.25
    (runs / "b" / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    return runs


def test_the_comparison_names_metrics_and_kinds_in_vietnamese(two_runs):
    table = render_comparison(two_runs, "a", "b")
    assert "Từ chối nhầm" in table and "⚠ kém đi" in table and "Hỏi dữ kiện" in table
    cells = [row.split("|")[1:3] for row in table.splitlines() if row.startswith("| ") and "Phạm vi" not in row]
    for scope, metric in cells:
        for code in ("factoid", "tone_variant", "docnum", "followup", "unanswerable"):
            assert code not in scope, scope
        assert not re.search(r"\b(rate|accuracy|precision|recall)\b|_", metric.replace("\\_", "_")), metric


def test_gradio_status_words_are_replaced_and_the_chat_shows_no_overlay():
    assert "đang xử lý |" in HEAD and "hàng đợi: " in HEAD and "processing \\|" in HEAD
    demo = app.build_app(_Silent())
    asks = [d for d in demo.config["dependencies"] if d.get("api_name") == "ask"]
    assert asks and all(d["show_progress"] == "hidden" for d in asks)


class _Silent:
    def run(self, question, history=()):
        return iter(())
