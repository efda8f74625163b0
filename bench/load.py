"""Load: N concurrent users asking the app through its HTTP API for a fixed time.

    python bench/load.py --data-dir data/bench-e2e/edge --corpus data/bench-e2e/corpus   # starts the app itself
    python bench/load.py --url http://127.0.0.1:7860/                                      # an app already running

Each user (a thread with its own ``gradio_client.Client``) asks civic_dev questions in
turn on ``/answer`` until ``--seconds`` pass or ``--max-requests`` are sent, whichever comes
first. Only 127.0.0.1 is ever contacted. Reports throughput, latency p50/p95, errors, and
(for an app this script started) its RSS before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--port", type=int, default=7931)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--max-requests", type=int, default=20000)
    args = parser.parse_args()
    app = None
    url = args.url or f"http://127.0.0.1:{args.port}/"
    if urlparse(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("load is only ever sent to this machine (127.0.0.1)")
    if not args.url:
        env = {**os.environ, "DANVAN_DATA_DIR": str(args.data_dir), "DANVAN_CORPUS_DIR": str(args.corpus),
               "DANVAN_PORT": str(args.port)}
        app = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", args.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
    from gradio_client import Client

    questions = [json.loads(l)["question"] for l in open(SHARED / "eval" / "civic_dev.jsonl", encoding="utf-8")]
    Client(url, verbose=False).predict(questions[0], [], api_name="/answer")  # warm
    rss_start = rss_mb(app.pid) if app else 0.0
    latencies: list[float] = []
    errors: list[str] = []
    sent = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + args.seconds

    def user(seed: int) -> None:
        client = Client(url, verbose=False)
        rng = random.Random(seed)
        while time.perf_counter() < deadline:
            with lock:
                if sent[0] >= args.max_requests:
                    return
                sent[0] += 1
            t0 = time.perf_counter()
            try:
                json.loads(client.predict(rng.choice(questions), [], api_name="/answer"))
                with lock:
                    latencies.append(time.perf_counter() - t0)
            except Exception as exc:  # noqa: BLE001 - every failure is counted and shown
                with lock:
                    errors.append(repr(exc)[:200])

    started = time.perf_counter()
    threads = [threading.Thread(target=user, args=(i,)) for i in range(args.users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    rss_end = rss_mb(app.pid) if app else 0.0
    if app:
        app.terminate()
        app.wait(timeout=60)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 100
    print(f"{args.users} users, {elapsed:.0f} s: {len(latencies)} answers ({len(latencies) / elapsed:.1f}/s), "
          f"{len(errors)} errors; latency p50 {statistics.median(latencies):.2f} s, p95 {q[94]:.2f} s")
    if app:
        print(f"app RSS {rss_start:.0f} MB at the start, {rss_end:.0f} MB at the end")
    for e in errors[:5]:
        print("error:", e)


if __name__ == "__main__":
    main()
