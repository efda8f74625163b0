"""What officers and commune IT staff read from the command lines is Vietnamese, with the fix named.

Real subprocesses (``python -m ingest | rag | evals | ui.users``) on a tmp data dir; no model is
loaded: ``--help``, argparse errors, ``--remove`` of an unknown id, ``evals compare`` of two tiny run
folders, ``evals run`` with a missing dataset, a users file command. Identifiers, file names,
``DANVAN_*`` settings and metric keys stay as they are written.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: English sentences these commands printed before (none may come back).
ENGLISH = re.compile(
    r"show this help message|positional arguments|\boptions:|\busage:|\berror:|the following arguments are required"
    r"|not in the index|nothing was removed|Check the doc id|removed:|No metric dropped|metric\(s\) dropped"
    r"|REGRESSION|warning:|different number of questions|not found\. Pass|does not exist|Pass a JSONL"
    r"|files or folders to index|target collection|Index documents|Ask the indexed documents|Evaluate the"
    r"|compare two run folders|Manage the app|no users file|no user |saved in|Written to",
)


def _run(args, env, stdin=None):
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, input=stdin)


@pytest.fixture
def env(tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith("DANVAN_")}
    return {**base, "DANVAN_DATA_DIR": str(tmp_path / "data"), "PYTHONIOENCODING": "utf-8"}


def _vietnamese(text: str, *words: str) -> None:
    assert not ENGLISH.search(text), ENGLISH.search(text).group(0) + "\n" + text
    for word in words:
        assert word in text, f"{word!r} not in:\n{text}"


@pytest.mark.parametrize("args, words", [
    (["ingest", "--help"], ["Nạp văn bản vào chỉ mục", "tuỳ chọn", "xoá các văn bản này", "DANVAN_COLLECTION"]),
    (["rag", "--help"], ["Hỏi đáp trên các văn bản", "trả lời một hoặc nhiều câu hỏi"]),
    (["rag", "ask", "--help"], ["số đoạn văn bản cần tìm", "DANVAN_TOP_K", "JSON"]),
    (["evals", "--help"], ["Đánh giá chất lượng", "so sánh hai thư mục lần chạy"]),
    (["evals", "run", "--help"], ["bộ câu hỏi", "metrics.json", "DANVAN_RETRIEVAL_MODE"]),
    (["evals", "compare", "--help"], ["thư mục lần chạy gốc", "mức giảm lớn nhất cho phép"]),
    (["ui.users", "--help"], ["Quản lý tệp người dùng", "DANVAN_USERS_FILE"]),
])
def test_help_is_vietnamese(env, args, words):
    result = _run(args, env)
    assert result.returncode == 0, result.stderr
    _vietnamese(result.stdout, "cách dùng:", "in hướng dẫn này rồi thoát", *words)


def test_a_command_line_mistake_names_the_fix_in_vietnamese(env):
    nothing = _run(["ingest"], env)
    assert nothing.returncode == 2
    _vietnamese(nothing.stderr, "lỗi:", "hãy nêu PATH", "--remove DOC_ID", "python -m ingest --help")
    no_out = _run(["evals", "run", "--dataset", "q.jsonl"], env)
    assert no_out.returncode == 2
    _vietnamese(no_out.stderr, "thiếu tham số bắt buộc: --out")
    no_file = _run(["ui.users", "list"], env)
    assert no_file.returncode == 2
    _vietnamese(no_file.stderr, "chưa có tệp người dùng", "--file", "DANVAN_USERS_FILE")


def test_ingest_of_a_missing_path_and_an_unknown_setting(env, tmp_path):
    missing = _run(["ingest", str(tmp_path / "khong-co.docx")], env)
    assert missing.returncode == 1
    _vietnamese(missing.stderr, "lỗi:", "khong-co.docx", "không có tệp hoặc thư mục này", "kiểm tra lại đường dẫn")
    bad = _run(["ingest", str(tmp_path)], {**env, "DANVAN_TOPK": "3"})
    assert bad.returncode == 2
    _vietnamese(bad.stderr, "lỗi:", "Không có thiết lập DANVAN_TOPK", "DANVAN_TOP_K")


def test_removing_an_unknown_doc_id_says_so_and_names_where_to_look(env):
    result = _run(["ingest", "--remove", "file:khong-co.docx"], env)
    assert result.returncode == 1 and "Đã xoá" not in result.stdout
    _vietnamese(result.stderr, "lỗi:", "file:khong-co.docx", "không có trong chỉ mục", "chưa xoá gì", "Mã văn bản")


def test_evals_run_with_a_missing_dataset(env, tmp_path):
    result = _run(["evals", "run", "--dataset", str(tmp_path / "cau-hoi.jsonl"), "--out", str(tmp_path / "o")], env)
    assert result.returncode == 2
    _vietnamese(result.stderr, "lỗi:", "cau-hoi.jsonl", "Không có tệp bộ câu hỏi", "--dataset")
    assert "Traceback" not in result.stderr


def _run_dir(path: Path, n: int, recall: float) -> Path:
    path.mkdir()
    metrics = {"n": n, "retrieval": {"recall@10": recall}, "answer": {}, "by_kind": {"factoid": {"retrieval": {"recall@10": recall}}}}
    (path / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    return path


def test_evals_compare_prints_vietnamese_and_keeps_metric_keys(env, tmp_path):
    a, b = _run_dir(tmp_path / "a", 2, 0.8), _run_dir(tmp_path / "b", 3, 0.5)
    worse = _run(["evals", "compare", str(a), str(b)], env)
    assert worse.returncode == 1, worse.stderr
    _vietnamese(worse.stdout, "phạm vi", "chỉ số", "tổng thể", "KÉM ĐI", "số câu hỏi khác nhau",
                "2 chỉ số kém đi quá ngưỡng", "retrieval/recall@10", "factoid")
    same = _run(["evals", "compare", str(a), str(a)], env)
    assert same.returncode == 0
    _vietnamese(same.stdout, "Không chỉ số nào kém đi")
    gone = _run(["evals", "compare", str(a), str(tmp_path / "khong-co")], env)
    assert gone.returncode == 2
    _vietnamese(gone.stderr, "lỗi:", "metrics.json", "không tìm thấy", "python -m evals run --out DIR")


def test_users_file_messages(env, tmp_path):
    users = str(tmp_path / "users.txt")
    short = _run(["ui.users", "add", "canbo", "--file", users, "--password-stdin"], env, stdin="ngan\n")
    assert short.returncode == 1
    _vietnamese(short.stderr, "lỗi:", "ít nhất 8 ký tự")
    saved = _run(["ui.users", "add", "canbo", "--file", users, "--password-stdin"], env, stdin="mat-khau-dai\n")
    assert saved.returncode == 0, saved.stderr
    _vietnamese(saved.stdout, "canbo: đã lưu vào", "users.txt")
    unknown = _run(["ui.users", "remove", "khong-ai", "--file", users], env)
    assert unknown.returncode == 1
    _vietnamese(unknown.stderr, "lỗi:", "không có người dùng 'khong-ai'", "python -m ui.users list")
