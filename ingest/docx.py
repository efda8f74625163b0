"""Word files -> text lines, through python-docx (MIT); legacy ``.doc`` via LibreOffice.

* Paragraphs in document order, one line each; heading styles stay lines of their own.
* Numbered and bulleted lists get the label Word shows ("1.", "a)", "II.", "-"), computed
  from ``word/numbering.xml`` (python-docx does not render numbering).
* Tables: a row is one line in which every cell keeps its column header:
  "Thôn: Đông Hòa; Số mô hình đăng ký: 3; Được công nhận: 1".
* Zip bombs: the archive's declared uncompressed sizes are checked before anything is parsed
  (:data:`MAX_UNCOMPRESSED` in all, :data:`MAX_RATIO` per member).
* ``.doc``: converted by ``soffice --headless --convert-to docx`` when LibreOffice is installed
  (``apt-get install libreoffice-writer-nogui``); otherwise an InputError with the fix.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from rag.errors import InputError

__all__ = ["docx_lines", "doc_lines", "check_zip", "table_lines", "MAX_UNCOMPRESSED", "MAX_RATIO"]

#: Uncompressed bytes one .docx may hold in all (text-heavy documents are a few MB).
MAX_UNCOMPRESSED = 200 * 1024 * 1024
#: Largest compression ratio of one member over 1 MB (XML compresses ~10-20x; bombs 1000x+).
MAX_RATIO = 200
MAX_MEMBERS = 10_000

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def check_zip(path: Path) -> None:
    """Raise InputError when ``path`` is not a zip or would expand past the limits."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}: not a valid .docx (a .docx is a zip archive: {exc}). "
                         "Open it in Word or LibreOffice and save it again as .docx.") from None
    total = sum(info.file_size for info in infos)
    if len(infos) > MAX_MEMBERS or total > MAX_UNCOMPRESSED:
        raise InputError(f"{path}: would expand to {total / 2**20:.0f} MB in {len(infos)} parts, over the "
                         f"limit of {MAX_UNCOMPRESSED // 2**20} MB (a zip bomb or a file of mostly images). "
                         "Save the text as a new .docx without embedded media.")
    for info in infos:
        if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise InputError(f"{path}: part {info.filename} expands {info.file_size // max(info.compress_size, 1)}x "
                             f"(limit {MAX_RATIO}x): a zip bomb. The file is not ingested; save it again from Word.")
    if "word/document.xml" not in {info.filename for info in infos}:
        raise InputError(f"{path}: not a Word document (no word/document.xml). "
                         "Save it from Word or LibreOffice as .docx.")


def _roman(n: int) -> str:
    out = ""
    for value, sign in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + sign, n - value
    return out


def _letter(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


_FORMATS = {
    "decimal": str, "decimalZero": lambda n: f"{n:02d}", "lowerLetter": _letter,
    "upperLetter": lambda n: _letter(n).upper(), "lowerRoman": lambda n: _roman(n).lower(),
    "upperRoman": _roman,
}


class _Numbering:
    """Labels of numbered paragraphs, from numbering.xml (numId -> abstractNum -> levels)."""

    def __init__(self, document) -> None:
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for node in root.findall(f"{_W}abstractNum"):
            levels = {}
            for lvl in node.findall(f"{_W}lvl"):
                fmt = lvl.find(f"{_W}numFmt")
                text = lvl.find(f"{_W}lvlText")
                start = lvl.find(f"{_W}start")
                levels[int(lvl.get(f"{_W}ilvl", "0"))] = (
                    fmt.get(f"{_W}val", "decimal") if fmt is not None else "decimal",
                    text.get(f"{_W}val", "") if text is not None else "",
                    int(start.get(f"{_W}val", "1")) if start is not None else 1,
                )
            abstract[node.get(f"{_W}abstractNumId", "")] = levels
        for num in root.findall(f"{_W}num"):
            ref = num.find(f"{_W}abstractNumId")
            if ref is not None:
                self.levels[num.get(f"{_W}numId", "")] = abstract.get(ref.get(f"{_W}val", ""), {})

    def label(self, paragraph) -> str:
        ppr = paragraph._p.pPr
        numpr = ppr.find(f"{_W}numPr") if ppr is not None else None
        style = paragraph.style
        while numpr is None and style is not None:  # "List Number" carries its numbering in the style
            style_ppr = style.element.pPr
            numpr = style_ppr.find(f"{_W}numPr") if style_ppr is not None else None
            style = style.base_style
        if numpr is None:
            return ""
        num_id = numpr.find(f"{_W}numId")
        ilvl = numpr.find(f"{_W}ilvl")
        key = num_id.get(f"{_W}val", "") if num_id is not None else ""
        level = int(ilvl.get(f"{_W}val", "0")) if ilvl is not None else 0
        levels = self.levels.get(key)
        if not levels or key == "0" or level not in levels:
            return ""
        fmt, text, start = levels[level]
        if fmt == "bullet":
            return "-"
        if fmt == "none":
            return ""
        counts = self.counters.setdefault(key, {})
        counts[level] = counts.get(level, start - 1) + 1
        for deeper in [k for k in counts if k > level]:
            del counts[deeper]
        label = text
        for k in range(level + 1):
            k_fmt, _, k_start = levels.get(k, ("decimal", "", 1))
            label = label.replace(f"%{k + 1}", _FORMATS.get(k_fmt, str)(counts.get(k, k_start)))
        return label.strip()


def _cell_text(cell) -> str:
    return " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())


def _table_lines(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:  # a merged cell is returned once per grid column it spans
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(_cell_text(cell))
        rows.append(cells)
    return table_lines(rows)


def table_lines(rows: list[list[str]]) -> list[str]:
    """Rows of cells -> one line a row, each cell after its column header (the first row).

    >>> table_lines([["Thôn", "Số mô hình"], ["Đông Hòa", "3"]])
    ['Thôn: Đông Hòa; Số mô hình: 3']
    """
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    header = rows[0]
    if len(rows) == 1 or len(header) < 2:
        return ["; ".join(c for c in r if c) for r in rows]
    lines = []
    for row in rows[1:]:
        parts = [f"{header[i]}: {value}" if i < len(header) and header[i] else value
                 for i, value in enumerate(row) if value]
        lines.append("; ".join(parts))
    return lines


def docx_lines(path: Path) -> list[str]:
    """The lines of a .docx: paragraphs (with list labels) and table rows, in document order.

    Raises:
        InputError: not a zip / not Word, over the size limits, or unreadable.
    """
    check_zip(path)
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors...
        raise InputError(f"{path}: the Word file cannot be read ({type(exc).__name__}: {exc}). "
                         "Open it in Word or LibreOffice and save it again as .docx.") from None
    numbering = _Numbering(document)
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        if child.tag == f"{_W}p":
            paragraph = Paragraph(child, document)
            text = paragraph.text.strip()
            if not text:
                if lines and lines[-1]:
                    lines.append("")
                continue
            label = numbering.label(paragraph)
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            if style.lower().startswith(("heading", "title")) and lines and lines[-1]:
                lines.append("")  # a heading opens a block
            lines.append(f"{label} {text}" if label and not text.startswith(label) else text)
        elif child.tag == f"{_W}tbl":
            lines.extend(_table_lines(Table(child, document)))
            lines.append("")
    return lines


def doc_lines(path: Path, timeout: int = 180) -> list[str]:
    """A legacy .doc converted to .docx by LibreOffice, then read by :func:`docx_lines`."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise InputError(f"{path}: a legacy Word .doc needs LibreOffice to be read, and it is not installed. "
                         "Install it (apt-get install libreoffice-writer-nogui) or save the file as .docx in Word.")
    with tempfile.TemporaryDirectory() as tmp:
        try:
            run = subprocess.run(
                [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/profile",
                 "--convert-to", "docx", "--outdir", tmp, str(path)],
                capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise InputError(f"{path}: LibreOffice did not convert the .doc within {timeout} s. "
                             "Save the file as .docx in Word.") from None
        out = Path(tmp) / (path.stem + ".docx")
        if run.returncode != 0 or not out.exists():
            raise InputError(f"{path}: LibreOffice could not convert the .doc ({run.stderr.strip()[:200]}). "
                             "Save the file as .docx in Word.")
        return docx_lines(out)
