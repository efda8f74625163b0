"""Retrieval latency and memory of the stores at scale, side by side in one run.

    python bench/store_latency.py --points 100000 --local-points 10000

Points carry the real sparse (BM25 syllable) vectors of Pháp điển passages
(../shared/data/corpus/phapdien.jsonl.gz, chunked as ingest does) and random unit
dense vectors of the model's size (384): exact dense search costs the same
whatever the vectors hold, and embedding 100k passages on 2 cores would take hours.
Queries are civic_dev questions (their real sparse vectors, random dense ones).
Reports build time, reopen time, per-mode query p50/p95 for each store, and peak RSS.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import rag  # noqa: E402
from ingest.chunk import chunk_document, index_text  # noqa: E402
from rag import sparse  # noqa: E402
from rag.types import Document  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DIM = 384


def passages(limit: int):
    with gzip.open(SHARED / "corpus" / "phapdien.jsonl.gz", "rt", encoding="utf-8") as fh:
        n = 0
        for line in fh:
            r = json.loads(line)
            doc = Document(str(r["doc_id"]), r.get("title") or "", rag.clean(r["text"]))
            for c in chunk_document(doc):
                yield c
                n += 1
                if n >= limit:
                    return


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def build(store, name: str, chunks, rng) -> float:
    store.create(name, DIM, {"dim": DIM})
    t0 = time.perf_counter()
    for i in range(0, len(chunks), 512):
        part = chunks[i : i + 512]
        store.upsert(name, part, unit(rng, len(part)).tolist(),
                     [sparse.encode_document(rag.normalize(index_text(c))) for c in part])
    return time.perf_counter() - t0


def pct(values, q):
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--local-points", type=int, default=10_000, help="qdrant-client local mode is slow; smaller")
    parser.add_argument("--queries", type=int, default=60)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    chunks = list(passages(args.points))
    print(f"{len(chunks)} passages chunked in {time.perf_counter() - t0:.0f} s", flush=True)
    questions = [json.loads(l)["question"] for l in open(SHARED / "eval" / "civic_dev.jsonl", encoding="utf-8")]
    random.Random(0).shuffle(questions)
    questions = questions[: args.queries]
    qvecs = unit(rng, len(questions)).tolist()
    qsparse = [sparse.encode_query(rag.normalize(q)) for q in questions]

    root = Path(tempfile.mkdtemp(prefix="danvan-bench-"))
    results = {}
    for kind, n in (("edge", len(chunks)), ("local", min(args.local_points, len(chunks))), ("edge", min(args.local_points, len(chunks)))):
        settings = rag.Settings.from_env({}).replace(data_dir=root / f"{kind}-{n}", store=kind)
        with rag.open_store(settings) as store:
            built = build(store, "bench", chunks[:n], rng)
        t0 = time.perf_counter()
        store = rag.open_store(settings)
        store.count("bench")
        reopen = time.perf_counter() - t0
        times = {m: [] for m in rag.store.MODES}
        for dense, lex in zip(qvecs, qsparse):
            for mode in rag.store.MODES:  # interleaved: noise hits every mode alike
                t = time.perf_counter()
                store.search("bench", dense=dense, lexical=lex, limit=10, candidates=50, mode=mode)
                times[mode].append((time.perf_counter() - t) * 1000)
        store.close()
        results[f"{kind} @ {n:,}"] = (built, reopen, {m: (statistics.median(v), pct(v, 95)) for m, v in times.items()})
        print(f"{kind} @ {n:,}: build {built:.0f} s, reopen {reopen:.2f} s, "
              + ", ".join(f"{m} p50 {a:.1f} ms p95 {b:.1f} ms" for m, (a, b) in results[f'{kind} @ {n:,}'][2].items()),
              flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of the benchmark process: {rss:.0f} MB")
    print("\n| store @ points | build (s) | reopen (s) | dense p50/p95 (ms) | lexical p50/p95 | hybrid p50/p95 |")
    print("|---|---|---|---|---|---|")
    for key, (built, reopen, t) in results.items():
        print(f"| {key} | {built:.0f} | {reopen:.2f} | " + " | ".join(f"{t[m][0]:.1f} / {t[m][1]:.1f}" for m in ("dense", "lexical", "hybrid")) + " |")


if __name__ == "__main__":
    main()
