"""Ours against the pipeline a user would write first, same model, same corpus, same questions, one run.

    python bench/baseline_llamaindex.py          # civic.jsonl, civic_dev (answerable questions)

Baseline: llama-index ``VectorStoreIndex`` with its default ``SentenceSplitter`` over
``QdrantVectorStore`` in qdrant-client local mode, dense only, the same e5-small model
(``HuggingFaceEmbedding`` on the converted folder, e5 prompts), every model passed
explicitly (never llama-index's global ``Settings``). Ours: the default pipeline
(edge store, hybrid retrieval). Both ingest from scratch without any embedding cache.
Reported: success@10 and MRR@10 at the document level (evals.metrics, 40 chunks
retrieved per question), ingest time, and retrieval p50 — with the ratios.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import evals.metrics as M  # noqa: E402
import ingest  # noqa: E402
import rag  # noqa: E402
from rag.embed import SentenceTransformerEmbedder  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


def scores(ranked_lists, gold_lists):
    s10 = [M.success_at_k(r, g, 10) for r, g in zip(ranked_lists, gold_lists)]
    mrr = [M.reciprocal_rank(r, g, 10) for r, g in zip(ranked_lists, gold_lists)]
    return statistics.mean(s10), statistics.mean(mrr)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents (quick check)")
    args = parser.parse_args()
    from llama_index.core import Document as LIDocument
    from llama_index.core import StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.qdrant import QdrantVectorStore
    from qdrant_client import QdrantClient

    from rag.e5model import ensure_e5_model

    base = rag.Settings.from_env()
    folder = ensure_e5_model(base.models_path)
    corpus = SHARED / "corpus" / "civic.jsonl"
    docs = list(ingest.load_documents([corpus]))
    if args.limit:
        docs = docs[: args.limit]
    keep = {d.doc_id for d in docs}
    questions = [json.loads(l) for l in open(SHARED / "eval" / "civic_dev.jsonl", encoding="utf-8")]
    questions = [q for q in questions if set(q.get("gold_doc_ids") or []) & keep]
    gold = [q["gold_doc_ids"] for q in questions]
    work = Path(tempfile.mkdtemp(prefix="danvan-baseline-"))

    # --- baseline -----------------------------------------------------------------
    embed = HuggingFaceEmbedding(model_name=str(folder), query_instruction="query: ", text_instruction="passage: ",
                                 device="cpu", embed_batch_size=32)
    client = QdrantClient(path=str(work / "li-qdrant"))
    store = QdrantVectorStore(client=client, collection_name="baseline")
    t0 = time.perf_counter()
    index = VectorStoreIndex.from_documents(
        [LIDocument(text=d.text, doc_id=d.doc_id, metadata={"doc_id": d.doc_id, "title": d.title}) for d in docs],
        storage_context=StorageContext.from_defaults(vector_store=store), embed_model=embed,
        transformations=[SentenceSplitter()],
    )
    li_ingest = time.perf_counter() - t0
    retriever = index.as_retriever(similarity_top_k=40)
    li_ranked, li_times = [], []
    for q in questions:
        t0 = time.perf_counter()
        nodes = retriever.retrieve(q["question"])
        li_times.append(time.perf_counter() - t0)
        li_ranked.append([d for d, _ in M.rank_documents((n.node.metadata["doc_id"], n.score) for n in nodes)])
    client.close()

    # --- ours -------------------------------------------------------------------
    settings = base.replace(data_dir=work / "ours")
    embedder = SentenceTransformerEmbedder(folder, name=base.embed_model)  # no embedding cache: a fair ingest
    src = work / "corpus"
    src.mkdir()
    (src / "civic.jsonl").write_text("".join(json.dumps({"doc_id": d.doc_id, "title": d.title, "number": d.number,
                                     "issuer": d.issuer, "date": d.date, "type": d.doc_type, "text": d.text,
                                     **dict(d.extra)}, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    with rag.open_store(settings) as our_store:
        t0 = time.perf_counter()
        report = ingest.sync(settings, [src], store=our_store, embedder=embedder)
        our_ingest = time.perf_counter() - t0
        pipe = rag.Pipeline(settings, store=our_store, embedder=embedder)
        our_ranked, our_times = [], []
        for q in questions:
            t0 = time.perf_counter()
            hits = pipe.retrieve(q["question"], [rag.Turn(t["role"], t["content"]) for t in q.get("history") or []], k=40)
            our_times.append(time.perf_counter() - t0)
            our_ranked.append([d for d, _ in M.rank_documents((h.chunk.doc_id, h.score) for h in hits)])
    shutil.rmtree(work, ignore_errors=True)

    li_s, li_m = scores(li_ranked, gold)
    our_s, our_m = scores(our_ranked, gold)
    li_p50, our_p50 = statistics.median(li_times) * 1000, statistics.median(our_times) * 1000
    print(f"{len(docs)} documents, {len(questions)} answerable questions; ours: {report.chunks} chunks")
    print("| pipeline | success@10 | MRR@10 | ingest (s) | retrieval p50 (ms) |\n|---|---|---|---|---|")
    print(f"| llama-index VectorStoreIndex, SentenceSplitter, Qdrant local, dense | {li_s:.3f} | {li_m:.3f} | {li_ingest:.0f} | {li_p50:.0f} |")
    print(f"| danvan (edge, hybrid) | {our_s:.3f} | {our_m:.3f} | {our_ingest:.0f} | {our_p50:.0f} |")
    print(f"| ratio ours / baseline | {our_s / li_s:.2f} | {our_m / li_m:.2f} | {our_ingest / li_ingest:.2f} | {our_p50 / li_p50:.2f} |")


if __name__ == "__main__":
    main()
