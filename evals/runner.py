"""The eval runner: ingest the eval corpus (cached), ask every question, write the run folder.

A run folder holds ``metrics.json``, ``rows.jsonl`` (one row per question),
``run.trec`` (document-level run file), ``qrels.trec`` (the gold judgements in
TREC form, so ``trec_eval``/``pytrec_eval`` can re-check the numbers),
``config.json`` and ``report.html``. The same function powers
``python -m evals run`` and the app's "Đánh giá" tab.

An eval corpus is ingested into its own collection, named from the corpus
content hash and the embedding/chunking settings, in a store under
``<data_dir>/evals``; the app's index is never touched. Without a corpus the
current index (``settings.collection``) is evaluated.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import ingest
import rag

from evals.dataset import Example, file_sha256, load_dataset
from evals.judge import Judge, judged, summarize_verdicts
from evals.metrics import aggregate, rank_documents, score_question
from evals.report import write_report

log = logging.getLogger(__name__)

ProgressFn = Callable[[rag.Progress], None]
#: Stage name of the per-question progress events (ingest sends its own stages).
QUESTIONS = "questions"
_VERSIONED = ("danvan", "qdrant-client", "sentence-transformers", "torch", "transformers")
_SECRET_FIELDS = ("api_key", "token", "password")


def run_eval(
    settings: rag.Settings,
    dataset_path: str | Path,
    corpus_paths: Sequence[str | Path] | None,
    out_dir: str | Path,
    *,
    name: str | None = None,
    k: int = 10,
    limit: int | None = None,
    progress: ProgressFn | None = None,
    judge: Judge | None = None,
    store: rag.QdrantStore | None = None,
    embedder: rag.Embedder | None = None,
) -> dict:
    """Run a dataset through the pipeline and write the run folder; returns the metrics.

    Args:
        settings: the pipeline settings (retrieval mode, model, top_k, ...).
        dataset_path: questions, one JSON object per line.
        corpus_paths: files or folders to ingest into the eval's own collection;
            ``None`` or empty evaluates the current index.
        out_dir: the run folder (created; files in it are overwritten).
        name: run name in ``run.trec`` and the report; default the folder name.
        k: depth of the document-level metrics; 4k chunks are retrieved per question.
        limit: evaluate only the first ``limit`` questions.
        progress: receives ``rag.Progress`` events (ingest stages, then ``questions``).
        judge: optional answer-correctness judge, reported under ``metrics["judge"]``.
        store, embedder: already-open components to reuse (the app passes its own);
            by default they are opened from ``settings`` and closed afterwards.

    Raises:
        rag.InputError: a malformed dataset (with line numbers), a missing corpus path,
            or no index to evaluate.

    >>> metrics = run_eval(rag.Settings.from_env(), "../shared/data/eval/civic_dev.jsonl",
    ...                    ["../shared/data/corpus/civic.jsonl"], "runs/hybrid", limit=20)  # doctest: +SKIP
    >>> metrics["retrieval"]["success@10"]                                                  # doctest: +SKIP
    0.95
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    examples = load_dataset(dataset_path, limit=limit)  # before anything heavy: a bad line fails fast
    corpus = [Path(p) for p in corpus_paths or ()]
    for path in corpus:
        if not path.exists():
            raise rag.InputError(f"Không có tệp hoặc thư mục văn bản {path}. Hãy chỉ đúng một tệp JSONL hoặc một thư mục bằng --corpus.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = name or out.resolve().name

    embedder = embedder if embedder is not None else rag.load_embedder(settings)
    own_store = store is None
    if own_store:
        # The eval store lives beside the app's, never in it (and the embedder keeps
        # the app's model folder: only the store moves).
        store = rag.open_store(settings.replace(data_dir=settings.data_dir / "evals") if corpus else settings)
    try:
        collection, corpus_digest = _prepare(settings, corpus, store, embedder, progress)
        pipe = rag.Pipeline(settings, store=store, embedder=embedder, collection=collection)
        # Ten chunks hold ~8 documents; ask for 4k chunks so that success@k counts k documents.
        rows = _ask_all(pipe, examples, max(4 * k, settings.top_k), progress, judge)
    finally:
        if own_store:
            store.close()

    metrics = aggregate([r["metrics"] for r in rows], [r["kind"] for r in rows], [r["latency_ms"] for r in rows])
    if judge is not None:
        metrics["judge"] = summarize_verdicts(judge.name, rows)
    config = _config(settings, embedder, name=name, k=k, limit=limit, dataset=Path(dataset_path),
                     corpus=corpus, corpus_digest=corpus_digest, collection=collection, n=len(rows))
    _write_jsonl(out / "rows.jsonl", rows)
    (out / "run.trec").write_text("".join(run_lines(rows, name)), encoding="utf-8")
    (out / "qrels.trec").write_text("".join(qrels_lines(examples)), encoding="utf-8")
    _write_json(out / "config.json", config)
    _write_json(out / "metrics.json", metrics)
    write_report(out / "report.html", metrics, rows, config)
    log.info("eval %s: %d questions, success@10=%s, written to %s", name, len(rows),
             metrics["retrieval"]["success@10"], out)
    return metrics


def collection_name(corpus_digest: str, embedder: rag.Embedder, settings: rag.Settings) -> str:
    """``eval_<hash>`` of the corpus content and what shapes its index.

    The model and chunk sizes are part of the name so that evaluating two models
    keeps both indexes cached instead of rebuilding one in turn.
    """
    key = f"{corpus_digest}|{embedder.name}|{embedder.dim}|{settings.chunk_min_words}|{settings.chunk_max_words}"
    return "eval_" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _prepare(settings, corpus, store, embedder, progress) -> tuple[str, str | None]:
    if not corpus:
        if not store.exists(settings.collection):
            raise rag.InputError(
                f"No index {settings.collection!r} to evaluate. Run `python -m ingest PATH` first, or pass --corpus."
            )
        return settings.collection, None
    digest = ingest.corpus_hash(corpus)
    collection = collection_name(digest, embedder, settings)
    # the same content indexed before from another path (the Đánh giá tab's temporary copy) is reused
    ingest.adopt_moved(settings, corpus, collection=collection)
    report = ingest.sync(settings, corpus, store=store, embedder=embedder, collection=collection, progress=progress)
    if report.failed:  # an eval on a partial corpus would mislead: stop with every file's reason
        raise rag.InputError("; ".join(why for _, why in report.failed))
    log.info("eval corpus %s: %d documents, %d chunks (%s)", collection, report.documents, report.chunks,
             "ingested" if report.reingested else "cached")
    return collection, digest


def _ask_all(pipe, examples: Sequence[Example], depth: int, progress, judge) -> list[dict]:
    rows = []
    for done, example in enumerate(examples, start=1):
        started = time.perf_counter()
        answer = pipe.ask(example.question, history=example.history, k=depth)
        latency_ms = (time.perf_counter() - started) * 1000.0
        row = make_row(example, answer, latency_ms)
        if judge is not None and judged(row):
            verdict = judge.judge(example.question, example.answer, answer.text)
            row["judge"] = {"correct": verdict.correct, "reason": verdict.reason}
        rows.append(row)
        if progress:
            progress(rag.Progress(QUESTIONS, done, len(examples), example.qid))
    return rows


def make_row(example: Example, answer: rag.Answer, latency_ms: float) -> dict:
    """One ``rows.jsonl`` row: what was retrieved and answered, and its per-question scores."""
    hits = sorted(answer.hits, key=lambda h: h.rank)
    chunk_hits = [(h.chunk.doc_id, h.score) for h in hits]
    scores = score_question(
        gold_doc_ids=example.gold_doc_ids,
        gold_quotes=example.gold_quotes,
        chunk_hits=chunk_hits,
        chunk_texts=[h.chunk.text for h in hits],
        answer=answer.text,
        citations=[(c.doc_id, c.quote) for c in answer.citations],
        refused=answer.refused,
    )
    correct = scores.pop("citation_correct")
    return {
        "qid": example.qid,
        "kind": example.kind,
        "question": example.question,
        "answerable": example.answerable,
        "gold_doc_ids": list(example.gold_doc_ids),
        "gold_quotes": list(example.gold_quotes),
        "reference_answer": example.answer,
        "retrieved": [{"doc_id": d, "score": s} for d, s in rank_documents(chunk_hits)],
        "passages": [
            {"rank": h.rank, "doc_id": h.chunk.doc_id, "chunk_index": h.chunk.chunk_index,
             "score": h.score, "section": h.chunk.section, "text": h.chunk.text}
            for h in hits
        ],
        "answer": answer.text,
        "refused": answer.refused,
        "evidence": answer.evidence,
        "citations": [
            {"marker": c.marker, "doc_id": c.doc_id, "title": c.title, "number": c.number,
             "date": c.date, "section": c.section, "quote": c.quote, "correct": ok}
            for c, ok in zip(answer.citations, correct)
        ],
        "metrics": scores,
        "latency_ms": round(latency_ms, 3),
    }


def run_lines(rows: Sequence[dict], name: str) -> list[str]:
    """TREC run-file lines ``qid Q0 doc_id rank score name``, documents ranked by best chunk.

    trec_eval orders by score, not by the rank column, and breaks ties by doc id;
    fused scores tie often (RRF), so a tied score is written a hair below the one
    before it and every tool reads the ranking the harness scored.

    >>> run_lines([{"qid": "q", "retrieved": [{"doc_id": "a", "score": 0.5}, {"doc_id": "b", "score": 0.5}]}], "t")
    ['q Q0 a 1 0.500000 t\\n', 'q Q0 b 2 0.499999 t\\n']
    """
    tag = "_".join(name.split()) or "run"
    lines = []
    for row in rows:
        previous = None
        for rank, doc in enumerate(row["retrieved"], start=1):
            score = round(float(doc["score"]), 6)
            if previous is not None and score >= previous:
                score = round(previous - 1e-6, 6)
            previous = score
            lines.append(f"{row['qid']} Q0 {doc['doc_id']} {rank} {score:.6f} {tag}\n")
    return lines


def qrels_lines(examples: Sequence[Example]) -> list[str]:
    """TREC qrels lines ``qid 0 doc_id 1`` for every gold document."""
    return [f"{e.qid} 0 {doc_id} 1\n" for e in examples for doc_id in e.gold_doc_ids]


def _config(settings, embedder, *, name, k, limit, dataset, corpus, corpus_digest, collection, n) -> dict:
    return {
        "name": name,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "dataset": str(dataset),
        "dataset_hash": file_sha256(dataset),
        "corpus": [str(p) for p in corpus],
        "corpus_hash": corpus_digest,
        "collection": collection,
        "k": k,
        "limit": limit,
        "n": n,
        "embedder": embedder.name,
        "embedder_dim": embedder.dim,
        "settings": _settings_strings(settings),
        "versions": _versions(),
    }


def _settings_strings(settings: rag.Settings) -> dict[str, str]:
    out = {}
    for f in fields(settings):
        value = str(getattr(settings, f.name))
        if value and any(secret in f.name for secret in _SECRET_FIELDS):
            value = "***"  # a run folder gets shared; a key must not travel with it
        out[f.name] = value
    return out


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for module in (rag, ingest):
        versions[module.__name__] = getattr(module, "__version__", None)
    for dist in _VERSIONED:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return versions


def _write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_jsonl(path: Path, rows: Sequence[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
