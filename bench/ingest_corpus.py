"""Ingest throughput and peak RSS of a whole corpus, against the model's own tight-loop speed.

    python bench/ingest_corpus.py ../shared/data/corpus/civic.jsonl
    DANVAN_EMBED_QUANTIZE=int8 python bench/ingest_corpus.py ../shared/data/corpus/phapdien.jsonl.gz
    python bench/ingest_corpus.py ../shared/data/corpus/phapdien.jsonl.gz --limit 4000   # a part, to extrapolate

Ingests into a fresh data dir (edge store) with the embedding cache off, the way a first
``python -m ingest`` runs, then embeds ``--sample`` of the same passages in a tight loop
(``embed_passages`` alone, same batch size) for the ratio ingest / tight loop (target ≤ 1.5).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ingest  # noqa: E402
import rag  # noqa: E402
from ingest.chunk import index_text  # noqa: E402
from rag.embed import SentenceTransformerEmbedder, resolve_device  # noqa: E402


def _first_lines(corpus: Path, n: int) -> Path:
    """The first ``n`` documents of a JSONL corpus (gzipped or not) as a temporary .jsonl file."""
    import gzip
    import itertools

    out = Path(tempfile.mkdtemp(prefix="danvan-part-")) / corpus.name.replace(".gz", "")
    with (gzip.open if corpus.suffix == ".gz" else open)(corpus, "rt", encoding="utf-8") as src, \
            out.open("w", encoding="utf-8") as dst:
        dst.writelines(itertools.islice(src, n))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--sample", type=int, default=256)
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents of a .jsonl(.gz) corpus")
    args = parser.parse_args()
    if args.limit:
        args.corpus = _first_lines(args.corpus, args.limit)
    from rag.e5model import ensure_e5_model

    base = rag.Settings.from_env()
    settings = base.replace(data_dir=Path(tempfile.mkdtemp(prefix="danvan-ingest-")))
    folder = ensure_e5_model(base.models_path)
    embedder = SentenceTransformerEmbedder(folder, name=base.embed_model, device=resolve_device(base.embed_device),
                                           batch_size=base.embed_batch_size, quantize=base.embed_quantize)
    last = [0.0]

    def progress(event: rag.Progress) -> None:
        if time.perf_counter() - last[0] > 60:
            last[0] = time.perf_counter()
            print(f"  {event.done}/{event.total} files, {event.message}", flush=True)

    t0 = time.perf_counter()
    with rag.open_store(settings) as store:
        report = ingest.sync(settings, [args.corpus], store=store, embedder=embedder, progress=progress)
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    docs = list(ingest.load_documents([args.corpus]))
    chunks = [c for d in docs[:2000] for c in ingest.chunk_document(d)][: args.sample]
    texts = [rag.normalize(index_text(c)) for c in chunks]
    t0 = time.perf_counter()
    embedder.embed_passages(texts)
    tight = len(texts) / (time.perf_counter() - t0)
    rate = report.chunks / wall
    print(f"{args.corpus.name}: {report.documents} documents, {report.chunks} chunks in {wall:.0f} s "
          f"({wall / 60:.1f} min, {rate:.1f} chunks/s); model {embedder.name}, batch {embedder.batch_size}")
    print(f"tight-loop embedding of {len(texts)} of the passages: {tight:.1f} passages/s; "
          f"ratio tight / ingest = {tight / rate:.2f}; peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
