"""Embedding speed and drift: fp32 against torch dynamic int8, batch sizes, in one run.

    python bench/embed_speed.py --passages 384

Passages are civic.jsonl chunks as ingest embeds them (title + heading + text, NFC).
Each variant embeds the same passages in the same process, variants interleaved
round by round (``--rounds``) so machine noise hits them alike; reported: median
passages/s, and for int8 the cosine of its vectors to fp32's (min, mean).
sentence-transformers' ONNX backend needs optimum, whose releases pin transformers < 5
(this project runs 5.24): it cannot be installed beside it, so it is not measured.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import ingest  # noqa: E402
import rag  # noqa: E402
from ingest.chunk import index_text  # noqa: E402
from rag.embed import SentenceTransformerEmbedder  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=384)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from rag.e5model import ensure_e5_model

    settings = rag.Settings.from_env()
    folder = ensure_e5_model(settings.models_path)
    docs = list(ingest.load_documents([SHARED / "corpus" / "civic.jsonl"]))
    chunks = [c for d in docs for c in ingest.chunk_document(d)]
    step = max(1, len(chunks) // args.passages)
    texts = [rag.normalize(index_text(c)) for c in chunks[::step][: args.passages]]
    words = statistics.mean(len(t.split()) for t in texts)
    print(f"{len(texts)} passages, {words:.0f} words on average", flush=True)

    variants = {
        "fp32, batch 32": SentenceTransformerEmbedder(folder, batch_size=32),
        "fp32, batch 8": SentenceTransformerEmbedder(folder, batch_size=8),
        "fp32, batch 128": SentenceTransformerEmbedder(folder, batch_size=128),
        "int8, batch 32": SentenceTransformerEmbedder(folder, batch_size=32, quantize="int8"),
    }
    speed: dict[str, list[float]] = {k: [] for k in variants}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(args.rounds):
        for name, emb in variants.items():
            t0 = time.perf_counter()
            out = emb.embed_passages(texts)
            speed[name].append(len(texts) / (time.perf_counter() - t0))
            vectors[name] = np.asarray(out)
    ref = vectors["fp32, batch 32"]
    print("\n| variant | passages/s (median of rounds) | ratio to fp32 b32 | cosine to fp32 (min / mean) |")
    print("|---|---|---|---|")
    base = statistics.median(speed["fp32, batch 32"])
    for name in variants:
        cos = (vectors[name] * ref).sum(axis=1)
        print(f"| {name} | {statistics.median(speed[name]):.1f} | {statistics.median(speed[name]) / base:.2f} | "
              f"{cos.min():.4f} / {cos.mean():.4f} |")


if __name__ == "__main__":
    main()
