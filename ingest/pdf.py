"""PDF -> pages of text through pdfplumber (MIT, on pdfminer.six) -> one Document with page starts.

:func:`pdf_pages` extracts; :func:`pdf_document` removes page furniture, signing blocks and the
title block (:mod:`ingest.lines`), reads the header's metadata (:mod:`ingest.meta`) and re-joins
wrapped lines, recording where each page starts in the text.

pdfplumber was chosen by measuring (bench/pdf_quality.py, BENCHMARKS.md): on the shared gazette
PDFs pypdf splits Vietnamese syllables at the justified text's wide spacing ("m ức lương"),
pdfminer's layout mode scatters tables column by column; pdfplumber groups characters into
lines by position, so syllables stay whole and table rows stay rows. PyMuPDF is AGPL: not used.
Pages whose text is mostly rotated (landscape tables) are re-read with pypdf (BSD), which
follows the text's orientation where pdfplumber reads such lines backwards.

A PDF without a text layer (a scan) needs OCR: off by default; with ``ocr="on"`` each page is
rendered at 300 dpi (pypdfium2, shipped with pdfplumber) and read by Debian's ``tesseract``
with the Vietnamese model (``apt-get install tesseract-ocr tesseract-ocr-vie``).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from ingest import lines as textlines
from ingest.meta import Meta, consolidated, first_line, from_header
from rag.errors import InputError
from rag.text import clean
from rag.types import Document

log = logging.getLogger(__name__)

__all__ = ["pdf_pages", "pdf_document", "MAX_PAGES"]

#: Pages read from one PDF at most (the largest gazette issue is a few hundred pages).
MAX_PAGES = 3000
#: Fewer visible characters than this per page on average: no usable text layer.
MIN_CHARS_PER_PAGE = 25

_OCR_FIX = ("set DANVAN_OCR=on and install Debian's OCR (apt-get install tesseract-ocr tesseract-ocr-vie), "
            "or give a PDF that has a text layer")


def pdf_pages(path: Path, *, ocr: str = "off") -> list[str]:
    """The text of each page of ``path`` (one string per page, lines separated by "\\n").

    Raises:
        InputError: not a PDF, damaged, password-protected, over :data:`MAX_PAGES` pages, or a
            scan without a text layer while OCR is off or unavailable.
    """
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.psparser import PSException

    try:
        with pdfplumber.open(path) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise InputError(f"{path}: {len(pdf.pages)} pages, over the limit of {MAX_PAGES}. "
                                 "Split the PDF into parts.")
            pages = [page.extract_text() or "" for page in pdf.pages]
            rotated = [i for i, page in enumerate(pdf.pages) if _mostly_rotated(page)]
            # pages of images only: scanned pages inside a text PDF (a blank page has no image)
            scanned = [i for i, page in enumerate(pdf.pages) if not pages[i].strip() and page.images]
        if rotated:
            pages = _rotated_pages(path, pages, rotated)
    except InputError:
        raise
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise InputError(f"{path}: the PDF is password-protected. Save an unprotected copy "
                         "(e.g. qpdf --decrypt --password=PASSWORD in.pdf out.pdf) and ingest that.") from None
    except (PSException, ValueError, KeyError, TypeError, AttributeError, IndexError, AssertionError,
            RecursionError) as exc:
        raise InputError(f"{path}: the PDF is damaged and cannot be read ({type(exc).__name__}: {exc}). "
                         "Open it in a PDF reader and save or print it to a new PDF.") from None
    except Exception as exc:  # pdfplumber wraps pdfminer errors in PdfminerException
        if _is_password(exc):
            raise InputError(f"{path}: the PDF is password-protected. Save an unprotected copy "
                             "(e.g. qpdf --decrypt --password=PASSWORD in.pdf out.pdf) and ingest that.") from None
        raise InputError(f"{path}: the PDF cannot be read ({type(exc).__name__}: {exc}). "
                         "Open it in a PDF reader and save or print it to a new PDF.") from None
    if not pages:
        raise InputError(f"{path}: the PDF has no pages. Remove it or export it again.")
    visible = sum(len("".join(page.split())) for page in pages)
    if visible >= MIN_CHARS_PER_PAGE * len(pages) or visible >= 200:
        blank = scanned
        if blank and ocr == "on":
            read = _ocr(path, blank)
            return [read.get(i, page) for i, page in enumerate(pages)]
        if blank:
            log.warning("%s: page(s) %s have no text layer (scanned?); set DANVAN_OCR=on to read them",
                        path, ", ".join(str(i + 1) for i in blank[:20]))
        return pages
    if ocr != "on":
        raise InputError(f"{path}: no text layer ({len(pages)} page(s) of images, a scan); it needs OCR. "
                         f"To read it, {_OCR_FIX}.")
    read = _ocr(path, list(range(len(pages))))
    return [read[i] for i in range(len(pages))]


def _is_password(exc: BaseException) -> bool:
    """True when ``exc`` or an error it wraps says the PDF needs a password."""
    seen: list[object] = [exc]
    visited: set[int] = set()
    while seen:
        item = seen.pop()
        if isinstance(item, BaseException) and id(item) not in visited:
            visited.add(id(item))
            name = type(item).__name__.lower()
            if "password" in name or "encrypt" in name or "password" in str(item).lower():
                return True
            seen.extend([*item.args, item.__cause__, item.__context__])
    return False


def _mostly_rotated(page) -> bool:
    """True when most characters are not upright (a landscape table printed on a portrait page)."""
    chars = page.chars
    return len(chars) >= 50 and sum(1 for c in chars if not c.get("upright", True)) > 0.5 * len(chars)


def _rotated_pages(path: Path, pages: list[str], rotated: list[int]) -> list[str]:
    """Pages of rotated text re-read by pypdf (BSD), which follows the text matrix's orientation.

    pdfplumber reads such lines character by character backwards ("gnôc ủht cệiv").
    """
    import pypdf

    reader = pypdf.PdfReader(path)
    pages = list(pages)
    for index in rotated:
        try:
            pages[index] = reader.pages[index].extract_text() or pages[index]
        except Exception as exc:  # keep pdfplumber's text for a page pypdf cannot read
            log.warning("%s: page %d: pypdf failed (%s)", path, index + 1, exc)
    return pages


def _ocr(path: Path, indexes: list[int]) -> dict[int, str]:
    """``{page index: text}`` read by tesseract (Vietnamese); InputError when tesseract or ``vie`` is missing."""
    tesseract = shutil.which("tesseract")
    if not tesseract:
        raise InputError(f"{path}: no text layer and OCR is on, but tesseract is not installed. "
                         "Install it: apt-get install tesseract-ocr tesseract-ocr-vie.")
    langs = subprocess.run([tesseract, "--list-langs"], capture_output=True, text=True, check=False).stdout
    if "vie" not in langs.split():
        raise InputError(f"{path}: no text layer; tesseract has no Vietnamese model. "
                         "Install it: apt-get install tesseract-ocr-vie.")
    import pypdfium2

    pages: dict[int, str] = {}
    document = pypdfium2.PdfDocument(str(path))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for index in indexes:
                image = document[index].render(scale=300 / 72).to_pil()
                png = Path(tmp) / f"p{index}.png"
                image.save(png)
                run = subprocess.run([tesseract, str(png), "stdout", "-l", "vie"], capture_output=True,
                                     text=True, timeout=300, check=False)
                if run.returncode != 0:
                    raise InputError(f"{path}: OCR of page {index + 1} failed ({run.stderr.strip()[:200]}). "
                                     "Check the tesseract install, or give a PDF with a text layer.")
                pages[index] = run.stdout
    finally:
        document.close()
    log.info("%s: read %d page(s) by OCR", path, len(indexes))
    return pages


def pdf_document(path: Path, name: str, pages: list[str]) -> Document:
    """A PDF's pages -> one document with page starts; furniture and signing blocks removed."""
    page_lines = textlines.strip_furniture([clean(page).split("\n") for page in pages])
    head = clean("\n".join("\n".join(lines) for lines in page_lines[:3]))
    meta = from_header(head)
    vbhn = consolidated("\n".join("\n".join(lines) for lines in page_lines))
    if vbhn:  # a văn bản hợp nhất: its own number, date and issuer; the title stays the text's
        meta = Meta(title=meta.title).over(vbhn)
    elif not meta.number and page_lines:
        meta = meta.over(from_header(clean("\n".join(page_lines[-1]))))
    flat: list[str] = []
    owners: list[int] = []
    for number, lines in enumerate(page_lines, start=1):
        lines = textlines.strip_signature(lines)
        if number == 1 or (not flat and lines):
            lines = textlines.strip_title_block(lines)
        flat.extend(lines)
        owners.extend([number] * len(lines))
    text, starts = textlines.join_lines(flat, owners)
    if not text.strip():
        raise InputError(f"{path}: the PDF holds no text after its page headers and title block. "
                         "Check that it is the right file.")
    title = meta.title or first_line(text, path.name)
    return Document(doc_id=f"file:{name}", title=title, text=text, number=meta.number, issuer=meta.issuer,
                    date=meta.date, doc_type=meta.doc_type or "Tài liệu", source=str(path), page_starts=starts)
