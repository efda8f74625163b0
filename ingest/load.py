"""The loader: files on disk -> :class:`rag.Document` records, text in NFC.

Reads JSONL (``.jsonl``/``.jsonl.gz``, the ../shared/data/corpus format: ``doc_id, title,
number, issuer, date, type, url, text`` plus extra fields), text (``.txt``, ``.md``: UTF-8/16,
Windows-1258, TCVN3, VNI; see :mod:`ingest.encoding`), PDF (:mod:`ingest.pdf`), Word
(``.docx``, ``.doc``: :mod:`ingest.docx`) and saved web pages (``.html``, ``.htm``:
:mod:`ingest.html`). See docs/formats.md.

* :func:`scan` lists the files under the paths given, and the files it cannot read with why.
* :func:`read_file` turns one file into its documents or raises :class:`rag.InputError`
  naming the file, the reason and the fix. A non-JSONL file is one document with doc id
  ``file:<name inside the folder given>``; metadata come from a front-matter block or from
  the document's own header (:mod:`ingest.meta`).
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ingest import lines as textlines
from ingest.breaks import restore_breaks
from ingest.encoding import DecodeError, decode
from ingest.meta import Meta, first_line, front_matter, from_header
from rag.errors import InputError
from rag.text import clean
from rag.types import Document

log = logging.getLogger(__name__)

SUFFIXES: tuple[str, ...] = (".jsonl", ".jsonl.gz", ".txt", ".md", ".pdf", ".docx", ".doc", ".html", ".htm")
#: Largest text, HTML or JSONL file read (bytes, before decompression); PDFs and Word files
#: have their own limits (pages, uncompressed size).
MAX_TEXT_BYTES = 200 * 1024 * 1024
MAX_BINARY_BYTES = 500 * 1024 * 1024
_KNOWN = {"doc_id", "title", "number", "issuer", "date", "type", "url", "text"}
#: Skipped quietly: a folder's READMEs, and the files Windows and macOS leave in folders by themselves.
_SKIP_NAMES = {"readme.md", "readme.txt", "thumbs.db", "desktop.ini", "ehthumbs.db", "icon\r"}
_ADVICE = {  # suffix -> what to do with a file we do not read
    (".xls", ".xlsx", ".ods", ".csv"): "spreadsheets are not read; copy the table into a .docx (one row a line)",
    (".rtf", ".odt", ".wps", ".pages"): "save it as .docx in Word or LibreOffice",
    (".ppt", ".pptx", ".odp"): "export the slides as PDF",
    (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".gif", ".bmp", ".webp"):
        "an image is not read; put the scan into a PDF and ingest it with DANVAN_OCR=on",
    (".zip", ".rar", ".7z", ".tar", ".gz"): "extract the archive into the folder",
    (".json",): "give one JSON object a line in a .jsonl file (see corpus/README.md)",
    (".mht", ".mhtml"): "save the page as 'Web page, HTML only' (.html)",
}


@dataclass(frozen=True)
class Scan:
    """What :func:`scan` found: readable files and the others with why."""

    files: list[tuple[Path, str]]  # (file, name inside the folder given), sorted
    unsupported: list[tuple[Path, str]]  # (file, reason and fix in one sentence)


def _suffix(path: Path) -> str | None:
    name = path.name.lower()
    return next((s for s in SUFFIXES if name.endswith(s)), None)


def _why_unsupported(path: Path) -> str:
    if path.name.startswith("~$"):
        return "a Word/Excel lock file (the document is open somewhere), not a document; close it and delete this file"
    suffix = path.suffix.lower() or "(no extension)"
    advice = next((text for suffixes, text in _ADVICE.items() if suffix in suffixes),
                  "convert it to one of the supported types")
    return f"unsupported file type {suffix}: {advice}. Read: {', '.join(SUFFIXES)}."


def scan(paths: Iterable[Path]) -> Scan:
    """Readable files under ``paths`` and the unsupported ones; READMEs, dotfiles and the system's own
    files (Thumbs.db, desktop.ini) are skipped.

    A folder is walked recursively in sorted order; ``name`` is the file's path inside it
    (POSIX). A file given by itself has its own name.

    Raises:
        InputError: a path does not exist.
    """
    files: list[tuple[Path, str]] = []
    unsupported: list[tuple[Path, str]] = []
    for path in map(Path, paths):
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                relative = child.relative_to(path)
                if any(part.startswith(".") for part in relative.parts) or child.name.lower() in _SKIP_NAMES:
                    continue
                if _suffix(child) and not child.name.startswith("~$"):
                    files.append((child, relative.as_posix()))
                else:
                    unsupported.append((child, _why_unsupported(child)))
        elif path.is_file():
            if _suffix(path) and not path.name.startswith("~$"):
                files.append((path, path.name))
            else:
                unsupported.append((path, _why_unsupported(path)))
        else:
            raise InputError(f"{path}: không có tệp hoặc thư mục này. Hãy kiểm tra lại đường dẫn.")
    return Scan(files, unsupported)


def corpus_files(paths: Iterable[Path]) -> list[Path]:
    """Every readable corpus file under ``paths`` (files are taken as given).

    Raises:
        InputError: a path does not exist, or a file given by name has an unsupported type.
    """
    found = scan(paths)
    for path, why in found.unsupported:
        if path in map(Path, paths):
            raise InputError(f"{path}: {why}")
    return [file for file, _ in found.files]


def load_documents(paths: Iterable[Path]) -> Iterator[Document]:
    """Documents of every readable file under ``paths``, in a stable order (unsupported files logged).

    Raises:
        InputError: the first file that cannot be read (see :func:`read_file`).
    """
    paths = list(paths)
    corpus_files(paths)  # a file given by name with an unsupported type raises before anything is read
    found = scan(paths)
    for path, why in found.unsupported:
        log.warning("%s: %s", path, why)
    for file, name in found.files:
        yield from read_file(file, name)


def read_file(path: Path, name: str, *, ocr: str = "off") -> list[Document]:
    """The documents of one file.

    Raises:
        InputError: ``f"{path}: <reason>. <fix>"`` -- empty, binary, undecodable, damaged,
            encrypted or scanned PDF (with OCR off), Word zip bomb, ``.doc`` without LibreOffice...
    """
    path = Path(path)
    suffix = _suffix(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path}: không đọc được ({exc.strerror}). Hãy kiểm tra quyền truy cập tệp.") from None
    if size == 0:
        raise InputError(f"{path}: tệp rỗng. Hãy xoá tệp hoặc thêm nội dung.")
    limit = MAX_BINARY_BYTES if suffix in (".pdf", ".docx", ".doc") else MAX_TEXT_BYTES
    if size > limit:
        raise InputError(f"{path}: {size / 2**20:.0f} MB, vượt giới hạn {limit // 2**20} MB. Hãy chia tệp thành nhiều phần.")
    if suffix in (".jsonl", ".jsonl.gz"):
        return list(_read_jsonl(path))
    if suffix == ".pdf":
        from ingest.pdf import pdf_document, pdf_pages

        return [pdf_document(path, name, pdf_pages(path, ocr=ocr))]
    if suffix in (".docx", ".doc"):
        suffix = _sniff_word(path, suffix)  # portals serve HTML named .doc; a .docx may be a renamed .doc
    if suffix in (".docx", ".doc"):
        from ingest.docx import doc_lines, docx_lines

        lines = docx_lines(path) if suffix == ".docx" else doc_lines(path)
        return [_document(path, name, "\n".join(lines), wrapped=False)]
    if suffix in (".html", ".htm"):
        from ingest.html import html_charset, html_text

        raw = path.read_bytes()
        charset = html_charset(raw)
        try:
            markup = raw.decode(charset) if charset and charset not in ("utf-8", "utf8") else _decode(path, raw)
        except (LookupError, UnicodeDecodeError):
            markup = _decode(path, raw)
        page_title, text = html_text(markup)
        return [_document(path, name, text, wrapped=False, fallback_title=page_title)]
    if suffix in (".txt", ".md"):
        text = _decode(path, path.read_bytes())
        meta, body, error = front_matter(clean_keep(text))
        if error:
            raise InputError(f"{path}: {error}. Fix the block between the '---' lines at the top, or remove it.")
        if "\f" in body.strip("\f \n"):
            # pdftotext's output: pages separated by form feeds, read as the PDF's pages are (running
            # headers, page numbers and the title block dropped, page numbers kept for citations)
            from ingest.pdf import pdf_document

            document = pdf_document(path, name, body.rstrip("\f \n").split("\f"))
            found = Meta(document.title, document.number, document.date, document.issuer, document.doc_type)
            meta = Meta(*(clean(v) for v in (meta.title, meta.number, meta.date, meta.issuer, meta.doc_type))).over(found)
            return [dataclasses.replace(document, title=meta.title, number=meta.number, date=meta.date,
                                        issuer=meta.issuer, doc_type=meta.doc_type or "Tài liệu")]
        return [_document(path, name, body, wrapped=None, meta=meta)]
    raise InputError(f"{path}: {_why_unsupported(path)}")


def _sniff_word(path: Path, suffix: str) -> str:
    """The real type of a Word file by its first bytes: ".docx" (zip), ".doc" (OLE), ".html"."""
    with path.open("rb") as handle:
        head = handle.read(2048)
    if head.startswith(b"PK\x03\x04"):
        return ".docx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ".doc"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        raise InputError(f"{path}: an RTF file named {suffix}, which is not read. Open it in Word or "
                         "LibreOffice and save it as .docx.")
    if b"<html" in head.lower() or b"<!doctype html" in head.lower():
        return ".html"  # "Word" files saved by web portals are often HTML
    return suffix


def clean_keep(text: str) -> str:
    """Line endings to "\\n" without touching the rest (front matter is parsed before :func:`clean`)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def _decode(path: Path, raw: bytes) -> str:
    try:
        text, encoding = decode(raw)
    except DecodeError as exc:
        raise InputError(f"{path}: tệp {exc}. Hãy lưu lại dưới dạng văn bản UTF-8 (trong Word: Save As > Plain Text > "
                         "Unicode (UTF-8)), hoặc đặt đúng phần mở rộng theo loại thật của tệp.") from None
    if encoding not in ("utf-8", "ascii"):
        log.info("%s: read as %s", path, encoding)
    return text


def _document(path: Path, name: str, text: str, *, wrapped: bool | None, meta: Meta = Meta(),
              fallback_title: str = "") -> Document:
    """One document from the text of a non-JSONL file: header metadata, title block, wraps."""
    text = restore_breaks(clean(text))
    if not text:
        raise InputError(f"{path}: tệp không có chữ. Hãy xoá tệp, hoặc xuất lại tệp có kèm nội dung chữ.")
    header = from_header(text)
    meta = Meta(*(clean(v) for v in (meta.title, meta.number, meta.date, meta.issuer, meta.doc_type))).over(header)
    body = textlines.strip_title_block(text.split("\n"))
    body_text = "\n".join(body)
    if wrapped or (wrapped is None and textlines.looks_wrapped(body_text)):
        body_text = textlines.join_lines(body)[0]
    body_text = clean(body_text) or text
    title = meta.title or fallback_title or first_line(body_text, path.name)
    return Document(doc_id=f"file:{name}", title=clean(title), text=body_text, number=meta.number,
                    issuer=meta.issuer, date=meta.date, doc_type=meta.doc_type or "Tài liệu", source=str(path))


def _open_text(path: Path) -> str:
    try:
        raw = gzip.open(path, "rb").read() if path.name.lower().endswith(".gz") else path.read_bytes()
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: không đọc được ({exc}). Hãy kiểm tra tệp .gz/.jsonl có đầy đủ, không bị hỏng.") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: không phải UTF-8 (byte {exc.start}). Tệp JSONL phải là UTF-8: hãy xuất lại, hoặc chuyển mã "
            f"(`iconv -f UTF-16 -t UTF-8 {path.name} > fixed.jsonl` với tệp UTF-16)."
        ) from None


def _read_jsonl(path: Path) -> Iterator[Document]:
    # JSON Lines are separated by "\n" alone: str.splitlines() would also cut at U+0085, U+2028 and
    # the like, which JSON strings may hold raw (the gazette's check boxes "Giới tính: \x85 Nam")
    for lineno, line in enumerate(_open_text(path).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{path}:{lineno}: JSON không hợp lệ ({exc.msg}, cột {exc.colno}). "
                "Mỗi dòng phải là một đối tượng JSON; hãy sửa hoặc xoá dòng này."
            ) from None
        if not isinstance(record, dict):
            raise InputError(f"{path}:{lineno}: cần một đối tượng JSON {{...}}, nhưng gặp {type(record).__name__}. Hãy sửa dòng này.")
        missing = [k for k in ("doc_id", "text") if not str(record.get(k) or "").strip()]
        if missing:
            raise InputError(
                f"{path}:{lineno}: thiếu {' và '.join(missing)}. Mỗi bản ghi cần một "
                '"doc_id" riêng và "text" không rỗng (xem corpus/README.md).'
            )
        yield Document(
            doc_id=str(record["doc_id"]),
            title=clean(str(record.get("title") or "")) or str(record["doc_id"]),
            text=restore_breaks(clean(str(record["text"]))),
            number=clean(str(record.get("number") or "")),
            issuer=clean(str(record.get("issuer") or "")),
            date=clean(str(record.get("date") or "")),
            doc_type=clean(str(record.get("type") or "")),
            url=str(record.get("url") or ""),
            source=str(path),
            extra=MappingProxyType({k: v for k, v in record.items() if k not in _KNOWN}),
        )
