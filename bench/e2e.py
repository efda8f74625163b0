"""End-to-end answer latency, app cold start and memory at the civic scale, stores side by side.

    python bench/e2e.py            # builds data/bench-e2e/{edge,local} from civic.jsonl once (embedding cache helps)

1. Answer latency: ``Pipeline.ask`` (query embedding, hybrid retrieval, extractive answer) over the
   civic_dev questions, the edge and local stores interleaved question by question; p50 and p95.
2. App cold start with an existing index: ``python app.py`` until its port accepts a connection
   (model load, index check, Gradio start), median of ``--starts`` runs; RSS of the app then.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ingest  # noqa: E402
import rag  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


def pct(values, q):
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cold_start(data_dir: Path, corpus: Path, port: int) -> tuple[float, float]:
    env = {**os.environ, "DANVAN_DATA_DIR": str(data_dir), "DANVAN_CORPUS_DIR": str(corpus), "DANVAN_PORT": str(port)}
    t0 = time.perf_counter()
    app = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if app.poll() is not None:
                    raise RuntimeError("the app exited")
                time.sleep(0.1)
        return time.perf_counter() - t0, rss_mb(app.pid)
    finally:
        app.terminate()
        app.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data" / "bench-e2e")
    parser.add_argument("--starts", type=int, default=3)
    args = parser.parse_args()
    base = rag.Settings.from_env()
    corpus = args.data_dir / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    if not (corpus / "civic.jsonl").exists():
        (corpus / "civic.jsonl").symlink_to(SHARED / "corpus" / "civic.jsonl")
    embedder = rag.load_embedder(base)
    pipes = {}
    for kind in ("edge", "local"):
        settings = base.replace(data_dir=args.data_dir / kind, store=kind)
        store = rag.open_store(settings)
        t0 = time.perf_counter()
        report = ingest.sync(settings, [corpus], store=store, embedder=embedder)
        print(f"{kind}: {report.documents} documents, {report.chunks} chunks ({time.perf_counter() - t0:.0f} s)", flush=True)
        pipes[kind] = rag.Pipeline(settings, store=store, embedder=embedder)
    questions = [json.loads(l) for l in open(SHARED / "eval" / "civic_dev.jsonl", encoding="utf-8")]
    times = {k: [] for k in pipes}
    for q in questions:
        turns = [rag.Turn(t["role"], t["content"]) for t in q.get("history") or []]
        for kind, pipe in pipes.items():
            t0 = time.perf_counter()
            pipe.ask(q["question"], turns)
            times[kind].append((time.perf_counter() - t0) * 1000)
    for pipe in pipes.values():
        pipe.store.close()
    print(f"\nanswer latency over {len(questions)} civic_dev questions (ms):")
    print("| store | p50 | p95 |\n|---|---|---|")
    for kind, v in times.items():
        print(f"| {kind} | {statistics.median(v):.0f} | {pct(v, 95):.0f} |")
    starts = [cold_start(args.data_dir / "edge", corpus, 7911 + i) for i in range(args.starts)]
    print(f"\napp cold start with an existing index (edge), median of {len(starts)}: "
          f"{statistics.median(s for s, _ in starts):.1f} s; RSS when ready {statistics.median(r for _, r in starts):.0f} MB")


if __name__ == "__main__":
    main()
