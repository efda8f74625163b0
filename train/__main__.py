"""``python -m train``: build the reader's training data, and fit the reader.

    python -m train pairs [--out data/train]          # questions.jsonl, corpus.jsonl, stamp.json
    python -m ingest data/train/corpus.jsonl ../shared/data/corpus/civic.jsonl   # with DANVAN_COLLECTION=train
    python -m train fit [--data data/train] [--collection train] [--out rag/weights/reader.json]

Both steps are deterministic (fixed seed; the stamp records the hash of every input), and run in
about 10 minutes on 2 cores besides the index's embedding. See EVALS.md, "The reader".
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
    except rag.DanvanError as exc:
        log.error("%s", exc)
        return 2


if __name__ == "__main__":
    sys.exit(main())
