"""``compare`` catches an injected regression, overall and per kind, and only then fails."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from evals.compare import compare, compare_dirs, format_table
from evals.metrics import ANSWER_KEYS, RETRIEVAL_KEYS

ROOT = Path(__file__).resolve().parents[1]


def block(value: float = 0.8, false_refusal: float = 0.1) -> dict:
    return {
        "retrieval": dict.fromkeys(RETRIEVAL_KEYS, value),
        "answer": {"refusal_accuracy": value, "false_refusal_rate": false_refusal,
                   "citation_precision": value, "quote_recall": value},
    }


def metrics() -> dict:
    return {"n": 10, "n_answerable": 8, **block(), "latency_ms": {"p50": 120.0, "p95": 300.0},
            "by_kind": {"factoid": block(), "unanswerable": block()}}


def run_dir(path: Path, data: dict) -> Path:
    path.mkdir(parents=True)
    (path / "metrics.json").write_text(json.dumps(data), encoding="utf-8")
    return path


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "evals", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def flagged(a: dict, b: dict, tolerance: float = 0.01) -> set[tuple[str, str]]:
    return {(d.scope, d.metric) for d in compare(a, b, tolerance) if d.regressed}


def test_identical_runs_do_not_regress():
    a = metrics()
    assert flagged(a, copy.deepcopy(a)) == set()


def test_an_overall_drop_beyond_tolerance_is_caught():
    a, b = metrics(), metrics()
    b["retrieval"]["recall@10"] = 0.78
    assert flagged(a, b) == {("overall", "retrieval/recall@10")}
    assert flagged(a, b, tolerance=0.05) == set()


def test_a_drop_within_tolerance_passes_even_with_float_noise():
    a, b = metrics(), metrics()
    b["answer"]["citation_precision"] = 0.79  # exactly the tolerance
    assert flagged(a, b) == set()


def test_a_per_kind_drop_is_caught_while_overall_holds():
    a, b = metrics(), metrics()
    b["by_kind"]["factoid"]["answer"]["quote_recall"] = 0.5
    assert flagged(a, b) == {("factoid", "answer/quote_recall")}


def test_more_false_refusals_is_a_regression_and_fewer_is_not():
    a, b = metrics(), metrics()
    b["answer"]["false_refusal_rate"] = 0.3
    assert flagged(a, b) == {("overall", "answer/false_refusal_rate")}
    b["answer"]["false_refusal_rate"] = 0.0
    assert flagged(a, b) == set()


def test_latency_and_missing_values_never_gate():
    a, b = metrics(), metrics()
    b["latency_ms"]["p95"] = 9000.0
    b["answer"]["refusal_accuracy"] = None
    del b["by_kind"]["unanswerable"]
    assert flagged(a, b) == set()
    rows = {(d.scope, d.metric): d for d in compare(a, b)}
    assert rows[("overall", "latency_ms/p95")].delta == pytest.approx(8700.0)
    assert rows[("unanswerable", "retrieval/recall@10")].b is None


def test_compare_does_not_mutate_its_inputs():
    a, b = metrics(), metrics()
    b["retrieval"]["mrr@10"] = 0.1
    before = (copy.deepcopy(a), copy.deepcopy(b))
    compare(a, b)
    assert (a, b) == before


def test_table_lists_overall_and_every_kind():
    a, b = metrics(), metrics()
    b["retrieval"]["recall@1"] = 0.5
    table = format_table(compare(a, b))
    assert "KÉM ĐI" in table and "-0.3000" in table
    for scope in ("tổng thể", "factoid", "unanswerable"):
        assert scope in table
    metric_count = len(RETRIEVAL_KEYS) + len(ANSWER_KEYS)
    assert len(table.splitlines()) == 1 + 3 * metric_count + 2  # header, 3 scopes, 2 latency rows


def test_compare_dirs_warns_when_question_counts_differ(tmp_path):
    a, b = metrics(), metrics()
    b["n"] = 5
    report, regressed = compare_dirs(run_dir(tmp_path / "a", a), run_dir(tmp_path / "b", b))
    assert not regressed and "số câu hỏi khác nhau" in report


def test_cli_exits_non_zero_on_an_injected_regression(tmp_path):
    base = run_dir(tmp_path / "base", metrics())
    worse = metrics()
    worse["by_kind"]["unanswerable"]["answer"]["refusal_accuracy"] = 0.6
    new = run_dir(tmp_path / "new", worse)
    result = cli("compare", str(base), str(new))
    assert result.returncode == 1, result.stderr
    assert "unanswerable" in result.stdout and "answer/refusal_accuracy" in result.stdout
    assert "KÉM ĐI" in result.stdout
    assert cli("compare", str(base), str(new), "--tolerance", "0.25").returncode == 0
    assert cli("compare", str(base), str(base)).returncode == 0


def test_cli_reports_a_missing_run_folder(tmp_path):
    result = cli("compare", str(tmp_path / "nope"), str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "metrics.json. Hãy chỉ đến thư mục" in result.stderr and "không tìm thấy" in result.stderr and "evals run" in result.stderr
