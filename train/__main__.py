"""``python -m train``: build the training data, fit the reader, and fine-tune the embedder.

    python -m train pairs [--out data/train]          # questions.jsonl, corpus.jsonl, stamp.json
    python -m ingest data/train/corpus.jsonl ../shared/data/corpus/civic.jsonl   # with DANVAN_COLLECTION=train
    python -m train fit [--data data/train] [--collection train] [--out rag/weights/reader.json]
    python -m train embedder-pairs [--out data/train]  # embedder.jsonl, embedder-stamp.json
    python -m train embedder [--data data/train] [--steps 480] [--out rag/weights/e5-small-civic.safetensors]

Both steps are deterministic (fixed seed; the stamp records the hash of every input), and run in
about 10 minutes on 2 cores besides the index's embedding; the embedder's fine-tune about 70 minutes
(480 steps of 32 triplets, bf16 autocast on a CPU that has it). See EVALS.md, "The reader".
"""

from __future__ import annotations

import argparse
import json
import logging
import pickle
import subprocess
import sys
import time
from pathlib import Path

import rag
from rag.errors import cli_log

ROOT = Path(__file__).resolve().parents[1]


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train", description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    pairs = sub.add_parser("pairs", help="build questions.jsonl, corpus.jsonl and stamp.json")
    pairs.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    pairs.add_argument("--out", type=Path, default=Path("data/train"))
    pairs.add_argument("--with-overlap", action="store_true", help="keep rows flagged eval_gold_overlap")
    pairs.add_argument("--max-questions", type=int, default=None)
    fit = sub.add_parser("fit", help="fit the reader on the training questions' candidate lists")
    fit.add_argument("--data", type=Path, default=Path("data/train"))
    fit.add_argument("--collection", default="train")
    fit.add_argument("--out", type=Path, default=Path("rag/weights/reader.json"))
    fit.add_argument("--limit", type=int, default=None, help="first N questions only (a smoke run)")
    epairs = sub.add_parser("embedder-pairs", help="build embedder.jsonl (question, passage, hard negative)")
    epairs.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    epairs.add_argument("--out", type=Path, default=Path("data/train"))
    epairs.add_argument("--with-overlap", action="store_true", help="keep rows flagged eval_gold_overlap")
    emb = sub.add_parser("embedder", help="fine-tune e5-small's top layers on embedder.jsonl; write the delta")
    emb.add_argument("--data", type=Path, default=Path("data/train"))
    emb.add_argument("--steps", type=int, default=480, help="batches of 32 triplets (480: ~70 minutes on 2 cores)")
    emb.add_argument("--batch", type=int, default=32)
    emb.add_argument("--limit", type=int, default=None, help="first N triplets only (a smoke run)")
    emb.add_argument("--no-bf16", action="store_true", help="train in fp32 (slower; for CPUs without bf16)")
    emb.add_argument("--out", type=Path, default=Path("rag/weights/e5-small-civic.safetensors"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s")
    log = cli_log("train")
    try:
        if args.command == "pairs":
            from train.pairs import MAX_QUESTIONS, build

            stamp = build(args.shared.resolve(), ROOT, args.out, with_overlap=args.with_overlap,
                          max_questions=args.max_questions or MAX_QUESTIONS)
            print(json.dumps({k: v for k, v in stamp.items() if k != "inputs"}, ensure_ascii=False, indent=1))
            return 0
        if args.command == "embedder-pairs":
            from train.embedder import triplets

            stamp = triplets(args.shared.resolve(), ROOT, args.out, with_overlap=args.with_overlap)
            print(json.dumps({k: v for k, v in stamp.items() if k != "inputs"}, ensure_ascii=False, indent=1))
            return 0
        if args.command == "embedder":
            from rag.e5model import ensure_e5_model
            from train.embedder import fit as fit_embedder, read_triplets

            if not (args.data / "embedder.jsonl").is_file():
                log.error("%s is missing: build it first with python -m train embedder-pairs --out %s",
                          args.data / "embedder.jsonl", args.data)
                return 2
            rows = read_triplets(args.data / "embedder.jsonl", args.limit)
            pairs_stamp = json.loads((args.data / "embedder-stamp.json").read_text(encoding="utf-8"))
            base = ensure_e5_model(rag.Settings.from_env().models_path)
            record = fit_embedder(rows, base, args.out, steps=args.steps, batch=args.batch, bf16=not args.no_bf16,
                                  stamp={"trained": time.strftime("%Y-%m-%d"), "commit": _commit(),
                                         "triplets_sha256": pairs_stamp["triplets_sha256"],
                                         "inputs": pairs_stamp["inputs"], "limit": args.limit})
            print(json.dumps({k: v for k, v in record.items() if k != "inputs"}, ensure_ascii=False, indent=1))
            return 0
        from train.fit import collect, fit as fit_reader, read_questions, to_json

        settings = rag.Settings.from_env().replace(reader="off", reranker="")
        started = time.monotonic()
        lists = args.data / f"lists-{args.limit or 'all'}.pickle"  # the retriever's lists, kept for refits
        if lists.is_file() and lists.stat().st_mtime > (args.data / "questions.jsonl").stat().st_mtime:
            data = pickle.loads(lists.read_bytes())
        else:
            with rag.Pipeline(settings, collection=args.collection) as pipe:
                data = collect(pipe, read_questions(args.data / "questions.jsonl", args.limit))
            lists.write_bytes(pickle.dumps(data))
        reader, report = fit_reader(data, rag.ExtractiveAnswerer(max_sentences=settings.answer_sentences,
                                                                  refusal_threshold=0.0))
        pairs_stamp = json.loads((args.data / "stamp.json").read_text(encoding="utf-8"))
        stamp = {"trained": time.strftime("%Y-%m-%d"), "commit": _commit(), "seed": pairs_stamp["seed"],
                 "questions_sha256": pairs_stamp["questions_sha256"], "corpus_sha256": pairs_stamp["corpus_sha256"],
                 "inputs": pairs_stamp["inputs"], "limit": args.limit, "cv": report,
                 "seconds": round(time.monotonic() - started)}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(to_json(reader, stamp), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    except (rag.DanvanError, ValueError) as exc:
        log.error("%s", exc)
        return 2


if __name__ == "__main__":
    sys.exit(main())
