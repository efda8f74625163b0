"""``python -m ingest PATH...``: make the index follow these folders and files.

Incremental: new files are indexed, changed ones re-indexed, files gone from a
folder removed, unchanged ones skipped (content hash). Bad files are listed with
the reason and the fix and never stop the batch; the exit status is 1 when any
failed. Reads settings from the environment (``DANVAN_*``); see README.md.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from rag.config import Settings, SettingsError
from rag.errors import DanvanError, cli_log, vietnamese_argparse


def main(argv: list[str] | None = None) -> int:
    vietnamese_argparse()
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Nạp văn bản vào chỉ mục (.pdf, .docx, .doc, .html, .txt, .md, .jsonl, .jsonl.gz, hoặc thư mục chứa chúng); "
                    "chỉ mục theo sát các thư mục: tệp không còn trong thư mục sẽ bị xoá khỏi chỉ mục.",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="các tệp hoặc thư mục cần nạp")
    parser.add_argument("--collection", help="bộ sưu tập đích (mặc định: DANVAN_COLLECTION)")
    parser.add_argument("--recreate", action="store_true", help="xoá bộ sưu tập và dựng lại từ các đường dẫn này")
    parser.add_argument("--keep", action="store_true", help="chỉ thêm và cập nhật: giữ lại văn bản của tệp đã không còn trong thư mục")
    parser.add_argument("--remove", nargs="+", metavar="DOC_ID", default=[],
                        help="xoá các văn bản này (và tệp gốc của chúng) khỏi chỉ mục")
    parser.add_argument("--part", metavar="I/N", type=_part, default=None,
                        help="chỉ nạp phần I (đếm từ 0) trong N phần của các tệp, để chạy N tiến trình nạp trên một bộ tài liệu")
    args = parser.parse_args(argv)
    log = cli_log("ingest")
    if not args.paths and not args.remove:
        parser.error("hãy nêu PATH... để nạp, hoặc --remove DOC_ID... để xoá")
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        log.error(exc)
        return 2
    logging.basicConfig(level=settings.log_level if settings.log_level != "INFO" else "WARNING",
                        format="%(levelname)s %(name)s: %(message)s")
    import ingest
    from rag.embed import load_embedder
    from rag.store import open_store

    from rag.store import StoreBusyError

    bar = _ProgressBar()
    try:
        store = open_store(settings)
    except StoreBusyError:
        return _through_the_app(settings, args)
    except DanvanError as exc:
        log.error(exc)
        return 1
    try:
        with store:
            if args.remove:
                names = ingest.remove(settings, args.remove, store=store, collection=args.collection)
                print(f"Đã xoá khỏi chỉ mục: {', '.join(names) or ', '.join(args.remove)}")
            if not args.paths:
                return 0
            ingest.scan(args.paths)  # a missing path is reported before the model loads
            embedder = load_embedder(settings)
            report = ingest.sync(settings, args.paths, store=store, embedder=embedder, collection=args.collection,
                                 progress=bar, recreate=args.recreate, prune=not args.keep, on_mismatch="raise",
                                 part=args.part)
    except DanvanError as exc:
        bar.close()
        log.error(exc)
        return 1
    bar.close()
    print(report.summary())
    return 0 if report.ok else 1


def _part(text: str) -> tuple[int, int]:
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: hãy viết phần dưới dạng I/N, ví dụ 0/3") from None
    if not 0 <= i < n:
        raise argparse.ArgumentTypeError(f"{text!r}: I phải nằm trong khoảng 0..N-1")
    return i, n


def _through_the_app(settings, args) -> int:
    """The app holds the store: have it do the work through its API (see ui/api.py)."""
    from rag import remote

    log = cli_log("ingest")
    log.info(f"(chỉ mục đang được ứng dụng dùng; nạp qua ứng dụng đang chạy tại {remote.app_url(settings)})")
    try:
        if args.remove:
            print(f"Đã xoá khỏi chỉ mục: {', '.join(remote.remove(settings, args.remove)['removed']) or ', '.join(args.remove)}")
        if not args.paths:
            return 0
        if args.recreate or args.collection:
            log.error("không dùng được --recreate và --collection khi ứng dụng đang chạy; hãy dừng ứng dụng rồi chạy lại lệnh.")
            return 1
        result = remote.ingest(settings, args.paths, prune=not args.keep)
    except Exception as exc:  # the app's error comes back as an exception from gradio_client
        log.error(exc)
        return 1
    print(result["summary"])
    return 0 if result["ok"] else 1


class _ProgressBar:
    """One tqdm bar over files, with the chunks written and both true rates (from the sync's own clock)."""

    def __init__(self) -> None:
        self._bar = None

    def __call__(self, event) -> None:
        from tqdm import tqdm

        if self._bar is None:
            self._bar = tqdm(total=event.total, unit="tệp", desc="đang nạp", dynamic_ncols=True, file=sys.stderr)
        self._bar.n = event.done
        self._bar.set_postfix_str(event.message, refresh=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


if __name__ == "__main__":
    sys.exit(main())
