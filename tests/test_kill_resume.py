"""Crash safety: SIGKILL a real ``python -m ingest`` at several points, run it again, get a clean run's state."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import rag
from ingest.manifest import Manifest
from rag.docstore import DocStore, catalog_path

ROOT = Path(__file__).resolve().parents[1]


def _corpus(folder: Path, version: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, 5):
        body = "\n".join(f"Điều {a}. Quy định {a} của văn bản {n}\n" + f"Nội dung phiên bản {version} về dân chủ cơ sở. " * 12
                         for a in range(1, 4))
        (folder / f"van-ban-{n}.txt").write_text(f"QUY CHẾ {n}\n{body}", encoding="utf-8")


def _ingest(env, folder, kill_at_chunks: int | None = None) -> int:
    proc = subprocess.Popen([sys.executable, "-m", "ingest", str(folder)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if kill_at_chunks is not None:
        def watch():
            seen = b""
            while True:
                byte = proc.stderr.read(1)
                if not byte:
                    return
                seen = (seen + byte)[-200:]
                found = re.findall(r"(\d+) đoạn,".encode(), seen)  # the progress bar: "N đoạn, …"
                if found and int(found[-1]) >= kill_at_chunks:
                    os.kill(proc.pid, signal.SIGKILL)
                    return
        threading.Thread(target=watch, daemon=True).start()
    proc.wait(timeout=600)
    return proc.returncode


def _state(data_dir: Path):
    settings = rag.Settings.from_env({"DANVAN_DATA_DIR": str(data_dir)})
    with rag.open_store(settings) as store:
        points = sorted(sorted(p.items()) for p in store.iter_payloads(settings.collection))
        count = store.count(settings.collection)
    records = Manifest(catalog_path(data_dir)).records(settings.collection)
    manifest = sorted((k[1], r.hash, r.status, r.doc_ids, r.chunks) for k, r in records.items())
    docs = DocStore(catalog_path(data_dir))
    stored = sorted((d, docs.get(settings.collection, d).chunks) for d in docs.doc_ids(settings.collection))
    return points, count, manifest, stored


@pytest.mark.model
def test_sigkill_at_any_point_then_rerun_converges(tmp_path, model_dir):
    base = {**os.environ, "DANVAN_MODEL_DIR": str(model_dir), "DANVAN_EMBED_BATCH_SIZE": "1"}
    clean_folder = tmp_path / "clean-corpus"
    _corpus(clean_folder, 2)
    assert _ingest(base | {"DANVAN_DATA_DIR": str(tmp_path / "clean")}, clean_folder) == 0
    expected = _state(tmp_path / "clean")
    assert expected[1] > 8

    for kill_at in (1, 5, 9):
        folder = tmp_path / f"corpus-{kill_at}"
        env = base | {"DANVAN_DATA_DIR": str(tmp_path / f"data-{kill_at}")}
        _corpus(folder, 1)
        assert _ingest(env, folder) == 0
        _corpus(folder, 2)  # every file changes, then the process dies mid-way
        assert _ingest(env, folder, kill_at_chunks=kill_at) == -signal.SIGKILL
        assert _ingest(env, folder) == 0
        points, count, manifest, stored = _state(tmp_path / f"data-{kill_at}")
        # Same point ids, count and payloads as a clean run; manifest and document store consistent.
        strip = lambda rows: [[kv for kv in row if kv[0] != "source"] for row in rows]  # noqa: E731
        assert count == expected[1] and strip(points) == strip(expected[0])
        assert manifest == expected[2] and stored == expected[3]
