"""Speed and memory of the default stack on a real corpus, measured side by side in one run.

    python bench/query_ingest.py --corpus ../shared/data/corpus/civic.jsonl \
        --questions ../shared/data/eval/civic_dev.jsonl

Builds (or reuses) an embedded Qdrant collection of the corpus under --data-dir, then reports:
ingest throughput (chunking, embedding, sparse encoding, upserts; on a fresh --sample of chunks),
query latency per retrieval mode and for the answerer (median and p95 over the questions,
modes interleaved question by question so machine noise hits them alike), and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ingest  # noqa: E402
import rag  # noqa: E402
from ingest.chunk import index_text  # noqa: E402
from rag import sparse  # noqa: E402


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, default=Path("data/bench"))
    parser.add_argument("--sample", type=int, default=256, help="chunks embedded for the ingest throughput")
    args = parser.parse_args()

    settings = rag.Settings.from_env().replace(data_dir=args.data_dir, collection="bench")
    t0 = time.perf_counter()
    embedder = rag.load_embedder(settings)
    load_s = time.perf_counter() - t0
    docs = list(ingest.load_documents([args.corpus]))
    chunks = [c for d in docs for c in ingest.chunk_document(d)]
    texts = [rag.normalize(index_text(c)) for c in chunks[: args.sample]]

    t0 = time.perf_counter()
    embedder.embed_passages(texts)
    embed_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for text in texts:
        sparse.encode_document(text)
    sparse_s = time.perf_counter() - t0

    with rag.open_store(settings) as store:
        t0 = time.perf_counter()
        report = ingest.sync(settings, [args.corpus], store=store, embedder=embedder)
        sync_s = time.perf_counter() - t0
        questions = [json.loads(line)["question"] for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
        pipes = {mode: rag.Pipeline(settings.replace(retrieval_mode=mode), store=store, embedder=embedder)
                 for mode in ("dense", "lexical", "hybrid")}
        for q in questions[:5]:  # warm caches
            pipes["hybrid"].ask(q)
        timings: dict[str, list[float]] = {m: [] for m in (*pipes, "answer (hybrid, end to end)")}
        for q in questions:
            for mode, pipe in pipes.items():
                t0 = time.perf_counter()
                hits = pipe.retrieve(q + " ")  # a new string: the query-embedding cache does not hide the model
                timings[mode].append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            pipes["hybrid"].ask(q + "  ")
            timings["answer (hybrid, end to end)"].append((time.perf_counter() - t0) * 1000)

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"corpus: {len(docs)} documents, {len(chunks)} chunks; collection {'rebuilt' if report.reingested else 'reused'}"
          f" ({sync_s:.1f} s)")
    print(f"model load: {load_s:.1f} s")
    print(f"embedding: {len(texts) / embed_s:.1f} chunks/s ({len(texts)} chunks); sparse encoding: {len(texts) / sparse_s:.0f} chunks/s")
    print(f"{'query latency (ms)':32s} {'median':>8s} {'p95':>8s}   n={len(questions)}")
    for name, values in timings.items():
        print(f"{name:32s} {statistics.median(values):8.1f} {pct(values, 95):8.1f}")
    print(f"peak RSS: {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
