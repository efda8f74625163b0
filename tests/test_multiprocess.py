"""One machine, several processes: the command lines work while the app holds the store."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.model
def test_ask_and_ingest_while_the_app_runs(tmp_path, model_dir, mini_corpus):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "quy-che.txt").write_text(
        "QUY CHẾ\nPhối hợp công khai thông tin\nĐiều 3. Thời hạn\n"
        "Ủy ban nhân dân xã công khai thông tin chậm nhất 05 ngày làm việc kể từ ngày ban hành.", encoding="utf-8")
    port = _free_port()
    env = {**os.environ, "DANVAN_DATA_DIR": str(tmp_path / "data"), "DANVAN_MODEL_DIR": str(model_dir),
           "DANVAN_CORPUS_DIR": str(corpus), "DANVAN_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    app = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 240
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert app.poll() is None, app.stdout.read()
                time.sleep(1)
        else:
            pytest.fail("the app did not start in 240 s")

        def run(*args):
            return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=300)

        # Both at once: an ingest of another corpus and a question, while the app holds the store.
        ingesting = subprocess.Popen([sys.executable, "-m", "ingest", "--keep", str(mini_corpus)], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        asked = run("rag", "ask", "Xã phải công khai thông tin chậm nhất mấy ngày?", "--json")
        out, err = ingesting.communicate(timeout=300)
        assert ingesting.returncode == 0, err
        assert "qua ứng dụng đang chạy" in err and "Đã thêm (1): mini.jsonl" in out
        assert asked.returncode == 0, asked.stderr
        answer = json.loads(asked.stdout)
        assert not answer["refused"] and "05 ngày" in answer["text"]
        assert answer["citations"][0]["doc_id"] in {"file:quy-che.txt", "test:cong-khai"}  # either may be in first

        again = run("rag", "ask", "Tổ hòa giải có bao nhiêu hòa giải viên?", "--json")
        assert json.loads(again.stdout)["citations"][0]["doc_id"] == "test:hoa-giai"  # the new documents answer
        removed = run("ingest", "--remove", "test:hoa-giai")
        assert removed.returncode == 0 and "mini.jsonl" in removed.stdout
    finally:
        app.terminate()
        app.wait(timeout=60)
    # Nothing corrupted: the store opens cleanly once the app is gone, with the corpus file and no mini docs.
    import rag

    settings = rag.Settings.from_env({"DANVAN_DATA_DIR": str(tmp_path / "data")})
    with rag.open_store(settings) as store:
        ids = {p["doc_id"] for p in store.iter_payloads(settings.collection, ["doc_id"])}
    assert ids == {"file:quy-che.txt"}
