"""The command lines, run as a user runs them: real subprocesses, real model, real store."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args, env, check=True):
    result = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def env(tmp_path, model_dir):
    return {**os.environ, "DANVAN_DATA_DIR": str(tmp_path / "data"), "DANVAN_MODEL_DIR": str(model_dir)}


@pytest.mark.model
def test_ingest_then_ask_with_the_real_model(env, mini_corpus):
    first = _run(["ingest", str(mini_corpus)], env)
    assert "4 văn bản" in first.stdout
    again = _run(["ingest", str(mini_corpus)], env)
    assert first.stdout.splitlines()[1] == again.stdout.splitlines()[1]  # same counts: idempotent
    assert "Đã thêm (1): mini.jsonl" in first.stdout and "không đổi 1" in again.stdout

    answer = _run(["rag", "ask", "xa cong khai thong tin cham nhat may ngay lam viec"], env)
    assert "05 ngày làm việc" in answer.stdout and "[1]" in answer.stdout
    assert "Nguồn:" in answer.stdout and "01/QC-TEST" in answer.stdout

    as_json = json.loads(_run(["rag", "ask", "Tổ hòa giải có bao nhiêu hòa giải viên?", "--json"], env).stdout)
    assert as_json["refused"] is False and as_json["citations"][0]["doc_id"] == "test:hoa-giai"

    refusal = _run(["rag", "ask", "Giá cổ phiếu ngân hàng hôm nay là bao nhiêu?"], env)
    assert refusal.stdout.startswith("Không tìm thấy thông tin này trong tài liệu đã nạp.")


def test_cli_errors_are_clear(tmp_path):
    env = {**os.environ, "DANVAN_DATA_DIR": str(tmp_path / "data"), "DANVAN_TOPK": "3"}
    bad_key = _run(["rag", "ask", "x"], env, check=False)
    assert bad_key.returncode == 2 and "Không có thiết lập DANVAN_TOPK" in bad_key.stderr
    del env["DANVAN_TOPK"]
    missing = _run(["ingest", str(tmp_path / "nope.jsonl")], env, check=False)
    assert missing.returncode == 1 and "không có tệp hoặc thư mục này" in missing.stderr
    no_index = _run(["rag", "ask", "x"], env, check=False)
    assert no_index.returncode == 1 and "Hãy nạp văn bản trước: python -m ingest" in no_index.stderr
