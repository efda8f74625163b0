"""``python -m ingest PATH...``: add documents to the index.

Reads settings from the environment (``DANVAN_*``); see README.md.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ingest.index import ingest_paths
from rag.config import Settings, SettingsError
from rag.errors import DanvanError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Chunk, embed and store documents (.jsonl, .jsonl.gz, .txt, .md, or folders of them).",
    )
    parser.add_argument("paths", nargs="+", type=Path, help="files or folders to ingest")
    parser.add_argument("--collection", help="target collection (default: DANVAN_COLLECTION)")
    parser.add_argument("--recreate", action="store_true", help="drop the collection and rebuild it from these paths")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    from tqdm import tqdm

    bar = tqdm(desc="embedding", unit="chunk", total=0)

    def progress(event) -> None:
        bar.total = event.total
        bar.n = event.done
        bar.refresh()

    try:
        report = ingest_paths(settings, args.paths, collection=args.collection, progress=progress, recreate=args.recreate)
    except DanvanError as exc:
        bar.close()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    bar.close()
    print(f"{report.documents} documents, {report.chunks} chunks -> collection {report.collection!r}"
          + (f" ({report.deleted} stale chunks removed)" if report.deleted else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
