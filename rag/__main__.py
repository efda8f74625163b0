"""``python -m rag``: ask the indexed documents, from the terminal.

- ``python -m rag ask "câu hỏi" ["câu hỏi 2" ...] [--json] [--k N]``: one or more questions,
  the model loaded once;
- ``python -m rag`` (or ``python -m rag chat``): an interactive session with follow-ups.

While the app holds the embedded store, questions go through the app's API
(:mod:`rag.remote`), so the command works beside a running app.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict

from rag.config import Settings, SettingsError
from rag.errors import DanvanError, cli_log, vietnamese_argparse
from rag.store import StoreBusyError


def main(argv: list[str] | None = None) -> int:
    vietnamese_argparse()
    parser = argparse.ArgumentParser(prog="python -m rag", description="Hỏi đáp trên các văn bản đã nạp vào chỉ mục.")
    sub = parser.add_subparsers(dest="command")
    ask = sub.add_parser("ask", help="trả lời một hoặc nhiều câu hỏi, kèm nguồn trích dẫn")
    ask.add_argument("questions", nargs="+", metavar="câu_hỏi", help="câu hỏi (đặt trong dấu ngoặc kép)")
    ask.add_argument("--k", type=int, default=None, help="số đoạn văn bản cần tìm (mặc định DANVAN_TOP_K)")
    ask.add_argument("--json", action="store_true", help="in mỗi câu trả lời dưới dạng JSON (một đối tượng cho mỗi câu hỏi)")
    sub.add_parser("chat", help="hỏi đáp liên tục, có câu hỏi nối tiếp (mặc định)")
    args = parser.parse_args(argv)
    log = cli_log("rag")
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        log.error(exc)
        return 2
    logging.basicConfig(level="WARNING", format="%(levelname)s %(name)s: %(message)s")
    try:
        asker = _Asker(settings, k=getattr(args, "k", None))
    except DanvanError as exc:
        log.error(exc)
        return 1
    try:
        if args.command == "ask":
            for question in args.questions:
                answer = asker.ask(question)
                sys.stdout.write((json.dumps(answer, ensure_ascii=False, indent=2) if args.json else render(answer)) + "\n")
            return 0
        return _chat(asker)
    except DanvanError as exc:
        log.error(exc)
        return 1
    finally:
        asker.close()


class _Asker:
    """Answers as dicts, from a local pipeline or, when the store is busy, from the running app."""

    def __init__(self, settings: Settings, k: int | None = None) -> None:
        self.settings, self.k, self.pipe = settings, k, None
        try:
            from rag.pipeline import Pipeline

            self.pipe = Pipeline(settings)
        except StoreBusyError:
            from rag import remote

            cli_log("rag").info(f"(chỉ mục đang được ứng dụng dùng; hỏi qua ứng dụng đang chạy tại {remote.app_url(settings)})")

    def ask(self, question: str, history: list[dict] | None = None) -> dict:
        if self.pipe is None:
            from rag import remote

            return remote.ask(self.settings, question, history or [])
        from rag.types import Turn

        turns = [Turn(t["role"], t["content"]) for t in history or []]
        return asdict(self.pipe.ask(question, turns, k=self.k))

    def close(self) -> None:
        if self.pipe is not None:
            self.pipe.close()


def render(answer: dict) -> str:
    """The answer as an officer reads it in a terminal: text, then numbered sources with quotes."""
    lines = [answer["text"]]
    if answer.get("citations"):
        lines.append("\nNguồn:")
        for c in answer["citations"]:
            where = f"{c['section']} — " if c.get("section") and c["section"] not in c.get("title", "") else ""
            meta = ", ".join(p for p in (f"số {c['number']}" if c.get("number") else "",
                                          f"ngày {c['date']}" if c.get("date") else "") if p)
            label = f"{c.get('title', '')} ({meta})" if meta else c.get("title", "")
            lines.append(f"[{c['marker']}] {where}{label}\n    “{c['quote']}”")
    return "\n".join(lines)


def _chat(asker: _Asker) -> int:
    sys.stdout.write("Hỏi về các văn bản đã nạp (Enter trống hoặc Ctrl-D để thoát).\n")
    history: list[dict] = []
    while True:
        try:
            question = input("\nCâu hỏi> ").strip()
        except EOFError:
            sys.stdout.write("\n")
            return 0
        if not question:
            return 0
        answer = asker.ask(question, history)
        sys.stdout.write(render(answer) + "\n")
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer["text"]}]


if __name__ == "__main__":
    sys.exit(main())
