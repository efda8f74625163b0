"""``python -m rag ask "câu hỏi"``: answer one question from the index, with sources."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict

from rag.config import Settings, SettingsError
from rag.errors import DanvanError
from rag.pipeline import Pipeline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag", description="Ask the indexed documents a question.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer a question and print its sources")
    ask.add_argument("question")
    ask.add_argument("--k", type=int, default=None, help="passages to retrieve (default DANVAN_TOP_K)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level="WARNING", format="%(levelname)s %(name)s: %(message)s")
    try:
        with Pipeline(settings) as pipe:
            answer = pipe.ask(args.question, k=args.k)
    except DanvanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(asdict(answer), ensure_ascii=False, indent=2))
        return 0
    print(answer.text)
    if answer.citations:
        print("\nNguồn:")
        for c in answer.citations:
            where = f"{c.section} — " if c.section and c.section not in c.title else ""
            print(f"[{c.marker}] {where}{c.label()}\n    “{c.quote}”")
    return 0


if __name__ == "__main__":
    sys.exit(main())
