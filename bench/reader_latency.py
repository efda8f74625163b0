"""Answer latency with the learned reader on and off, side by side, at the civic scale.

    DANVAN_DATA_DIR=data/bench-reader python bench/reader_latency.py [--rounds 2]

Builds (once; the embedding cache helps) the eval collection of ``civic.jsonl`` as ``python -m
evals run`` does, then asks every civic_dev question through two pipelines over the same store and
embedder, one with ``DANVAN_READER=off`` and one with ``on``, interleaved question by question so
that both see the same machine load. Prints p50 and p95 of ``Pipeline.ask`` for each, their ratio,
and the reader's own cost (features and both models) per question.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import rag  # noqa: E402
from evals.dataset import load_dataset  # noqa: E402
from evals.runner import _prepare  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


def pct(values, q):
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--dataset", type=Path, default=SHARED / "eval" / "civic_dev.jsonl")
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "civic.jsonl")
    args = parser.parse_args()
    settings = rag.Settings.from_env()
    embedder = rag.load_embedder(settings)
    examples = load_dataset(args.dataset)
    times: dict[str, list[float]] = {"off": [], "on": []}
    reader_ms: list[float] = []
    with rag.open_store(settings.replace(data_dir=settings.data_dir / "evals")) as store:
        collection, _ = _prepare(settings, [args.corpus], store, embedder, None)
        pipes = {mode: rag.Pipeline(settings.replace(reader=mode), store=store, embedder=embedder, collection=collection)
                 for mode in ("off", "on")}
        reader = pipes["on"].reader
        for _ in range(args.rounds):
            for ex in examples:
                for mode, pipe in pipes.items():
                    started = time.perf_counter()
                    answer = pipe.ask(ex.question, ex.history)
                    times[mode].append((time.perf_counter() - started) * 1000)
                    if mode == "on":
                        q = pipe.query(ex.question, ex.history)
                        started = time.perf_counter()
                        ordered = reader.order(q, list(answer.hits) or [])
                        reader.answerable(q, ordered, answer.evidence)
                        reader_ms.append((time.perf_counter() - started) * 1000)
    result = {mode: {"p50_ms": round(pct(v, 50), 1), "p95_ms": round(pct(v, 95), 1), "n": len(v)}
              for mode, v in times.items()}
    result["p50_ratio_on_off"] = round(result["on"]["p50_ms"] / result["off"]["p50_ms"], 2)
    result["reader_only_ms"] = {"p50": round(pct(reader_ms, 50), 1), "p95": round(pct(reader_ms, 95), 1)}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
