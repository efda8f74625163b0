"""Second stages for retrieval, measured by cross-validation (EVALS.md, "Second stages tried").

One was kept, opt-in: the sentence re-scoring ships as ``rag.rerank:SentenceRescorer``.

Each runs against an eval collection that ``python -m evals run`` has built (the same cached
``eval_<hash>`` collection), never changes the default pipeline, and prints its figures:

* ``rescore`` — a second stage over the top 20 chunks with the same e5 model: each chunk re-scored
  by its best-matching sentence (``smax``) or by its title and heading (``title``), fused with the
  first-stage rank by RRF at weight ``w``; plus chunk-to-document aggregation (a document's score
  = its best chunk + ``beta`` × the rest). Weights chosen by 5-fold cross-validation over the
  questions (by MRR@10 on four folds, scored on the fifth).
* ``prf`` — dense pseudo-relevance feedback (Rocchio): the query vector moved towards the mean of
  the top ``m`` passages' vectors by ``alpha``, then the hybrid search run again.
* ``adapter`` — a linear query-side adapter (``q' = norm(q + W q)``, W 384 × 384 from zero)
  trained on Pháp điển units that are not in civic.jsonl (heading → unit, and inverse cloze:
  one sentence → the unit without it), never on eval questions; then the eval run with it.

    python -m evals.experiments rescore --dataset ../shared/data/eval/civic_dev.jsonl --corpus ../shared/data/corpus/civic.jsonl
    python -m evals.experiments prf --alpha 0.3 --dataset ... --corpus ...
    python -m evals.experiments adapter --pairs 3000 --dataset ... --corpus ...
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from pathlib import Path

import numpy as np

import ingest
import rag
from evals.dataset import load_dataset
from evals.metrics import rank_documents, reciprocal_rank, success_at_k
from evals.runner import collection_name, run_eval
from ingest import index_text
from rag import normalize, passage_sentences, sentences

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "corpus"


def _pipeline(settings, corpus, embedder=None):
    embedder = embedder or rag.load_embedder(settings)
    store = rag.open_store(settings.replace(data_dir=settings.data_dir / "evals"))
    collection = collection_name(ingest.corpus_hash([Path(corpus)]), embedder, settings)
    if not store.exists(collection):
        store.close()
        raise SystemExit(f"No eval collection for {corpus}: run `python -m evals run --corpus {corpus} ...` first.")
    return rag.Pipeline(settings, store=store, embedder=embedder, collection=collection)


def rescore(settings, dataset, corpus, depth=20, folds=5) -> None:
    pipe = _pipeline(settings, corpus)
    emb = pipe.embedder
    rows = []
    for ex in load_dataset(dataset):
        if not ex.answerable:
            continue
        q = pipe.query(ex.question, ex.history)
        hits = pipe.retrieve(q, ex.history, k=40)
        qv = np.array(emb.embed_query(q.dense_text))
        feats = []
        for h in hits:
            f = {"doc": h.chunk.doc_id, "rank": h.rank, "score": h.score, "smax": None, "title": None}
            if h.rank <= depth:
                said = passage_sentences(h.chunk.text)  # what SentenceRescorer compares
                f["smax"] = float((np.array(emb.embed_passages(said)) @ qv).max())
                f["title"] = float(np.array(emb.embed_passages([f"{h.chunk.title} {h.chunk.path or h.chunk.section}"])[0]) @ qv)
            feats.append(f)
        rows.append((ex.qid, frozenset(ex.gold_doc_ids), feats))

    def ranked(feats, key, w):
        sc = {i: 1 / (f["rank"] + 1) for i, f in enumerate(feats)}  # RRF k = 2, as the first stage
        head = sorted((i for i, f in enumerate(feats) if f.get(key) is not None), key=lambda i: -feats[i][key])
        for j, i in enumerate(head, start=1):
            sc[i] += w / (j + 1)
        order = sorted(sc, key=lambda i: (-sc[i], feats[i]["rank"]))
        return [d for d, _ in rank_documents((feats[i]["doc"], 0.0) for i in order)]

    def aggregated(feats, beta):
        per: dict[str, list[float]] = {}
        for f in feats:
            per.setdefault(f["doc"], []).append(f["score"])
        return sorted(per, key=lambda d: -(max(per[d]) + beta * (sum(per[d]) - max(per[d]))))

    def figures(subset, rank_fn):
        return (np.mean([reciprocal_rank(rank_fn(f), g) for _, g, f in subset]),
                np.mean([success_at_k(rank_fn(f), g, 1) for _, g, f in subset]),
                np.mean([success_at_k(rank_fn(f), g, 10) for _, g, f in subset]))

    grids = {"smax": [0, 0.25, 0.5, 0.75, 1, 1.5, 2], "title": [0, 0.25, 0.5, 0.75, 1, 1.5, 2],
             "aggregate": [0, 0.1, 0.25, 0.5, 1]}

    def fn(method, value):
        return (lambda f: aggregated(f, value)) if method == "aggregate" else (lambda f: ranked(f, method, value))

    print(f"{len(rows)} answerable questions; first stage: MRR@10 %.3f S@1 %.3f S@10 %.3f" % figures(rows, fn("smax", 0)))
    shuffled = rows[:]
    random.Random(0).shuffle(shuffled)
    for method, grid in grids.items():
        for value in grid:
            print(f"  {method} {value}: MRR@10 %.3f S@1 %.3f S@10 %.3f (tuned on all)" % figures(rows, fn(method, value)))
        held, chosen = [], []
        for k in range(folds):
            test, train = shuffled[k::folds], [r for i, r in enumerate(shuffled) if i % folds != k]
            best = max(grid, key=lambda v: figures(train, fn(method, v))[0])
            chosen.append(best)
            held.extend((r, best) for r in test)
        cv = [np.mean([figures([r], fn(method, v))[i] for r, v in held]) for i in range(3)]
        print(f"  {method} cross-validated (chosen {chosen}): MRR@10 %.3f S@1 %.3f S@10 %.3f" % tuple(cv))
    pipe.store.close()


class _QueryMapped:
    """An embedder whose query vectors pass through ``fn`` (the passages' stay as indexed)."""

    def __init__(self, inner, fn) -> None:
        self.inner, self.fn = inner, fn

    def __getattr__(self, attr):
        return getattr(self.inner, attr)

    def embed_query(self, text: str) -> list[float]:
        return self.fn(text, np.array(self.inner.embed_query(text)))


def prf(settings, dataset, corpus, out, alpha=0.3, m=3) -> dict:
    """Dense Rocchio feedback inside the pipeline's retrieval; the eval's metrics."""
    first = rag.Pipeline._retrieve

    def second(self, q, limit, k, filter):
        hits = first(self, q, limit, k, filter)
        if not hits:
            return hits
        qv = np.array(self.embedder.embed_query(q.dense_text))
        pv = np.array(self.embedder.embed_passages([normalize(index_text(h.chunk)) for h in hits[:m]]))
        moved = qv + alpha * pv.mean(axis=0)
        inner = self.embedder
        self.embedder = _QueryMapped(inner, lambda text, v: list(moved / np.linalg.norm(moved)))
        try:
            return first(self, q, limit, k, filter)
        finally:
            self.embedder = inner

    rag.Pipeline._retrieve = second
    try:
        return run_eval(settings, dataset, [corpus], out)
    finally:
        rag.Pipeline._retrieve = first


def adapter_pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` (query, passage) pairs from Pháp điển units not in civic.jsonl: heading -> unit, or one
    body sentence -> the unit without it (inverse cloze), half and half."""
    civic = {json.loads(line)["doc_id"] for line in open(SHARED / "civic.jsonl", encoding="utf-8")}
    with gzip.open(SHARED / "phapdien.jsonl.gz", "rt", encoding="utf-8") as fh:
        units = [d for d in map(json.loads, fh) if d["doc_id"] not in civic]
    rng = random.Random(seed)
    rng.shuffle(units)
    pairs = []
    for d in units:
        if len(pairs) >= n:
            break
        body = d["text"].split("\n", 1)[-1]
        words = body.split()
        if len(words) < 30:
            continue
        head = re.sub(r"^.*?Điều [\w.]+\.\s*", "", d["title"].split(" – ", 1)[-1]).strip()
        text = " ".join(words[:150])
        said = [body[a:b].strip() for a, b in sentences(body)]
        said = [s for s in said if 8 <= len(s.split()) <= 40]
        if rng.random() < 0.5 and len(head.split()) >= 3:
            pairs.append((normalize(head), normalize(f"{d['title']}\n{text}")))
        elif said:
            s = rng.choice(said)
            pairs.append((normalize(s), normalize(f"{d['title']}\n{' '.join(text.replace(s, ' ').split())}")))
    return pairs


def train_adapter(Q: np.ndarray, P: np.ndarray, tau: float = 0.02, l2: float = 1e-3, epochs: int = 60) -> np.ndarray:
    """W (d × d) minimising in-corpus softmax cross-entropy of ``norm(q + W q)`` against all passages,
    kept at the epoch of best MRR on a 10 % split of the pairs."""
    import torch

    Qt, Pt = torch.tensor(Q, dtype=torch.float32), torch.tensor(P, dtype=torch.float32)
    n, d = Qt.shape
    g = torch.Generator().manual_seed(0)
    perm = torch.randperm(n, generator=g)
    dev, train = perm[: n // 10], perm[n // 10:]
    W = torch.zeros(d, d, requires_grad=True)
    opt = torch.optim.Adam([W], lr=1e-3)

    def mapped(q):
        return torch.nn.functional.normalize(q + q @ W.T, dim=-1)

    def dev_mrr() -> float:
        with torch.no_grad():
            s = mapped(Qt[dev]) @ Pt.T
            rank = (s > s[torch.arange(len(dev)), dev][:, None]).sum(1) + 1
            return float((1.0 / rank.float()).mean())

    best = (dev_mrr(), W.detach().clone())
    print(f"adapter: dev MRR before {best[0]:.3f}")
    position = {int(t): j for j, t in enumerate(train)}
    for _ in range(epochs):
        order = train[torch.randperm(len(train), generator=g)]
        for i in range(0, len(order), 128):
            batch = order[i:i + 128]
            logits = mapped(Qt[batch]) @ Pt[train].T / tau
            target = torch.tensor([position[int(x)] for x in batch])
            loss = torch.nn.functional.cross_entropy(logits, target) + l2 * (W ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        score = dev_mrr()
        if score > best[0]:
            best = (score, W.detach().clone())
    print(f"adapter: dev MRR best {best[0]:.3f}")
    return best[1].numpy()


def adapter(settings, dataset, corpus, out, n_pairs=3000) -> dict:
    embedder = rag.load_embedder(settings)
    pairs = adapter_pairs(n_pairs)
    Q = np.array([embedder.embed_query(q) for q, _ in pairs], dtype=np.float32)
    P = np.array(embedder.embed_passages([p for _, p in pairs]), dtype=np.float32)
    W = train_adapter(Q, P)

    def apply(text, q):
        v = q + W @ q
        return list(v / np.linalg.norm(v))

    return run_eval(settings, dataset, [corpus], out, embedder=_QueryMapped(embedder, apply))


def _print(metrics: dict) -> None:
    r, a = metrics["retrieval"], metrics["answer"]
    print(" ".join(f"{k}={r[k]:.3f}" for k in ("success@1", "success@10", "mrr@10", "ndcg@10")),
          " ".join(f"{k}={v:.3f}" for k, v in a.items() if v is not None), f"p50={metrics['latency_ms']['p50']:.0f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.experiments", description=__doc__.split("\n")[0])
    parser.add_argument("method", choices=("rescore", "prf", "adapter"))
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--out", default="data/runs/experiment")
    parser.add_argument("--alpha", type=float, default=0.3)
    parser.add_argument("--pairs", type=int, default=3000)
    parser.add_argument("--depth", type=int, default=20, help="rescore: chunks re-scored (the top DANVAN_RERANK_DEPTH)")
    args = parser.parse_args(argv)
    settings = rag.Settings.from_env()
    if args.method == "rescore":
        rescore(settings, args.dataset, args.corpus, depth=args.depth)
    elif args.method == "prf":
        _print(prf(settings, args.dataset, args.corpus, args.out, alpha=args.alpha))
    else:
        _print(adapter(settings, args.dataset, args.corpus, args.out, n_pairs=args.pairs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
