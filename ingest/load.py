"""The loader: files on disk -> :class:`rag.Document` records, text in NFC.

Reads JSONL (``.jsonl`` and ``.jsonl.gz``, the ../shared/data/corpus format:
``doc_id, title, number, issuer, date, type, url, text`` plus any extra
fields), ``.txt`` and ``.md`` (the first non-empty line is the title). Folders
are walked in sorted order; ``README.md`` files are documentation, not corpus.
Every problem is an :class:`rag.InputError` naming the file, the line and the fix.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import MappingProxyType

from rag.errors import InputError
from rag.text import clean
from rag.types import Document

log = logging.getLogger(__name__)

SUFFIXES = (".jsonl", ".jsonl.gz", ".txt", ".md")
_KNOWN = {"doc_id", "title", "number", "issuer", "date", "type", "url", "text"}
_SKIP_NAMES = {"readme.md", "readme.txt"}


def _suffix(path: Path) -> str | None:
    name = path.name.lower()
    return next((s for s in SUFFIXES if name.endswith(s)), None)


def _walk(paths: Iterable[Path]) -> list[tuple[Path, str]]:
    """``(file, name)`` of every corpus file; ``name`` is relative to the folder it was found in."""
    found: list[tuple[Path, str]] = []
    for path in map(Path, paths):
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                relative = child.relative_to(path)
                if _suffix(child) and child.name.lower() not in _SKIP_NAMES and not any(
                    part.startswith(".") for part in relative.parts
                ):
                    found.append((child, relative.as_posix()))
        elif path.is_file():
            if not _suffix(path):
                raise InputError(
                    f"{path}: unsupported file type. Supported: {', '.join(SUFFIXES)} "
                    f"(convert the file to one of these, e.g. save a .docx as .txt in UTF-8)."
                )
            found.append((path, path.name))
        else:
            raise InputError(f"{path}: no such file or folder. Check the path.")
    return found


def corpus_files(paths: Iterable[Path]) -> list[Path]:
    """Every readable corpus file under ``paths`` (files are taken as given).

    Raises:
        InputError: a path does not exist, or a file given by name has an unsupported type.
    """
    return [file for file, _ in _walk(paths)]


def load_documents(paths: Iterable[Path]) -> Iterator[Document]:
    """Documents of every file under ``paths``, in a stable order.

    A ``.txt``/``.md`` file's doc id is ``file:`` plus its path inside the folder given
    (``file:2026/ke-hoach.md``), so equal file names in two subfolders stay apart.
    """
    for file, name in _walk(paths):
        if _suffix(file) in (".jsonl", ".jsonl.gz"):
            yield from _read_jsonl(file)
        else:
            yield _read_text(file, name)


def _open_text(path: Path) -> str:
    try:
        raw = gzip.open(path, "rb").read() if path.name.lower().endswith(".gz") else path.read_bytes()
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 (byte {exc.start}). Convert it first, e.g. "
            f"`iconv -f WINDOWS-1258 -t UTF-8 {path.name} > fixed.txt` for TCVN/Windows text."
        ) from None
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot be read ({exc}).") from None


def _read_jsonl(path: Path) -> Iterator[Document]:
    for lineno, line in enumerate(_open_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{path}:{lineno}: invalid JSON ({exc.msg} at column {exc.colno}). "
                "Each line must be one JSON object; fix or remove this line."
            ) from None
        if not isinstance(record, dict):
            raise InputError(f"{path}:{lineno}: expected a JSON object, got {type(record).__name__}.")
        missing = [k for k in ("doc_id", "text") if not str(record.get(k) or "").strip()]
        if missing:
            raise InputError(
                f"{path}:{lineno}: missing {' and '.join(missing)}. Every record needs a unique "
                '"doc_id" and a non-empty "text" (see corpus/README.md).'
            )
        yield Document(
            doc_id=str(record["doc_id"]),
            title=clean(str(record.get("title") or "")) or str(record["doc_id"]),
            text=clean(str(record["text"])),
            number=clean(str(record.get("number") or "")),
            issuer=clean(str(record.get("issuer") or "")),
            date=clean(str(record.get("date") or "")),
            doc_type=clean(str(record.get("type") or "")),
            url=str(record.get("url") or ""),
            source=str(path),
            extra=MappingProxyType({k: v for k, v in record.items() if k not in _KNOWN}),
        )


def _read_text(path: Path, name: str) -> Document:
    text = clean(_open_text(path))
    if not text:
        raise InputError(f"{path}: the file is empty. Remove it or add text.")
    title = next(line for line in text.split("\n") if line.strip()).lstrip("#").strip()
    return Document(doc_id=f"file:{name}", title=title, text=text, source=str(path),
                    doc_type="Tài liệu")


# -- the interface of ingest.sync (the full readers for PDF/DOCX/HTML and legacy encodings extend these) --

from dataclasses import dataclass  # noqa: E402


@dataclass(frozen=True)
class Scan:
    """Files found under some paths: readable ones as ``(file, name inside the folder)``, others with a reason."""

    files: list[tuple[Path, str]]
    unsupported: list[tuple[Path, str]]


def scan(paths: Iterable[Path]) -> Scan:
    """Every corpus file under ``paths``, and every other file with why it is not read.

    Raises:
        InputError: a path does not exist.
    """
    files: list[tuple[Path, str]] = []
    unsupported: list[tuple[Path, str]] = []
    for path in map(Path, paths):
        if not path.exists():
            raise InputError(f"{path}: no such file or folder. Check the path.")
        children = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for child in children:
            name = child.relative_to(path).as_posix() if path.is_dir() else child.name
            if any(part.startswith(".") for part in Path(name).parts) or child.name.lower() in _SKIP_NAMES:
                continue
            if _suffix(child):
                files.append((child, name))
            else:
                unsupported.append((child, f"unsupported file type; supported: {', '.join(SUFFIXES)}"))
    return Scan(files, unsupported)


def read_file(path: Path, name: str, *, ocr: str = "off") -> list[Document]:
    """The documents of one file (a JSONL file holds many; others one, doc id ``file:<name>``).

    Raises:
        InputError: naming the file, the reason and the fix.
    """
    if _suffix(path) in (".jsonl", ".jsonl.gz"):
        return list(_read_jsonl(path))
    return [_read_text(path, name)]
