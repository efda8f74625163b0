"""Text-level cleanup of extracted documents: page furniture, title block, wrapped lines.

Works on lines, before the structure parser sees the text:

* :func:`strip_furniture` -- per page, drops running headers and footers that repeat across
  pages ("CÔNG BÁO/Số 447 + 448/Ngày 25-6-2022", "2", "Trang 3/10"), the gazette's
  "(Xem tiếp Công báo số 1171 + 1172)", the gazette's section
  line ("VĂN BẢN QUY PHẠM PHÁP LUẬT"), digital-signature stamps ("Người ký: …", "Email: …",
  "Cơ quan: …", "Thời gian ký: …") and rules made of underscores.
* :func:`strip_title_block` -- drops the two-column title block of an administrative document
  (cơ quan ban hành | quốc hiệu, tiêu ngữ, "Số: …" | "Hà Nội, ngày …") up to the document type
  line; its facts live on in :class:`rag.Document` fields (see :mod:`ingest.meta`).
  The layout follows Nghị định 30/2020/NĐ-CP, Phụ lục I (thể thức văn bản hành chính) and
  Hướng dẫn 36-HD/VPTW (Party documents: "ĐẢNG CỘNG SẢN VIỆT NAM").
* :func:`join_lines` -- re-joins lines wrapped inside a sentence (pdftotext and PDF text layers
  break every visual line) and returns the text with the offset where each page starts.

All functions are linear in the text's length (a 5 MB single line is fine).
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["strip_furniture", "strip_title_block", "strip_signature", "join_lines", "rejoin", "looks_wrapped"]

_GAZETTE = re.compile(r"^(?:\d{1,4}\s+)?CÔNG BÁO\s*/\s*Số\b.*$|^\((?:Xem tiếp|Tiếp theo)\s+Công báo số[^)]*\)$",
                      re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^(?:[-–—]\s*)?(?:Trang\s+)?\d{1,4}(?:\s*/\s*\d{1,4})?(?:\s*[-–—])?$", re.IGNORECASE)
_RULE = re.compile(r"^[\s_\-–—=.*•·]{3,}$")
_SIGNATURE = re.compile(r"^(?:Người ký|Email|Cơ quan|Thời gian ký|Ký bởi|Ngày ký)\s*:", re.IGNORECASE)
_SECTION = re.compile(r"^(?:VĂN BẢN QUY PHẠM PHÁP LUẬT|VĂN BẢN HỢP NHẤT|VĂN BẢN KHÁC|VĂN BẢN HÀNH CHÍNH)$")
_DIGITS = re.compile(r"\d+")


def _furniture_key(line: str) -> str:
    return _DIGITS.sub("#", line.strip().lower())


def strip_furniture(pages: list[list[str]], edge: int = 3) -> list[list[str]]:
    """Pages of lines without running headers/footers, page numbers and signature stamps.

    A line among the first or last ``edge`` lines of a page is a running header/footer when,
    with its digits masked, it recurs at a page edge on at least 2 pages and 30 % of them.
    """
    keys: Counter[str] = Counter()
    for lines in pages:
        shown = [line for line in lines if line.strip()]
        keys.update({_furniture_key(line) for line in shown[:edge] + shown[-edge:]})
    need = max(2, 0.3 * len(pages))
    repeated = {key for key, count in keys.items() if count >= need and len(pages) > 1}
    out: list[list[str]] = []
    for lines in pages:
        shown = [i for i, line in enumerate(lines) if line.strip()]
        edges = set(shown[:edge] + shown[-edge:])
        kept = []
        for i, line in enumerate(lines):
            text = line.strip()
            if _GAZETTE.match(text) or _SIGNATURE.match(text) or _RULE.match(text) or _SECTION.match(text):
                continue
            if i in edges and (_PAGE_NUMBER.match(text) or _furniture_key(text) in repeated):
                continue
            kept.append(line)
        out.append(kept)
    return out


_NATIONAL = re.compile(r"\s*(?:CỘNG HÒA|CỘNG HOÀ) XÃ HỘI CHỦ NGHĨA VIỆT NAM\s*|\s*ĐẢNG CỘNG SẢN VIỆT NAM\s*",
                       re.IGNORECASE)
_MOTTO = re.compile(r"\s*Độc lập\s*[-–]\s*Tự do\s*[-–]\s*Hạnh phúc\s*", re.IGNORECASE)
_NUMBER_LINE = re.compile(r"^(?:Số|Luật số|Số hiệu)\s*:?\s*\S*\d\S*(?:\s|$)", re.IGNORECASE)
_DATE_LINE = re.compile(r"^[^\d\n]{0,60},?\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}\s*$", re.IGNORECASE)
#: Document types that open the body of a document (Luật Ban hành văn bản QPPL 2025, Điều 4;
#: Nghị định 30/2020/NĐ-CP, Điều 7; Quy định 66-QĐ/TW on Party document types).
DOC_TYPES = (
    "Hiến pháp", "Bộ luật", "Luật", "Pháp lệnh", "Nghị quyết liên tịch", "Nghị quyết", "Nghị định",
    "Quyết định", "Thông tư liên tịch", "Thông tư", "Chỉ thị", "Lệnh", "Văn bản hợp nhất",
    "Quy chế", "Quy định", "Kế hoạch", "Báo cáo", "Thông báo", "Hướng dẫn", "Chương trình",
    "Đề án", "Phương án", "Kết luận", "Công văn", "Tờ trình", "Biên bản", "Công điện",
    "Chỉ thị", "Điều lệ", "Hương ước", "Quy ước", "Dự án", "Giấy mời", "Nội quy",
)
DOC_TYPE_LINE = re.compile(
    r"^(?:" + "|".join(sorted({t.upper() for t in DOC_TYPES}, key=len, reverse=True)) + r")\d{0,2}$")


def _title_block_end(lines: list[str], limit: int = 25) -> int:
    """Index of the document-type line ("NGHỊ ĐỊNH") in the first ``limit`` lines, else -1."""
    for i, line in enumerate(lines[:limit]):
        if DOC_TYPE_LINE.match(line.strip()):
            return i
    return -1


def strip_title_block(lines: list[str]) -> list[str]:
    """``lines`` without the title block (issuer, quốc hiệu, tiêu ngữ, số, place and date).

    Only lines above the document-type line are touched, and only when a quốc hiệu, tiêu ngữ,
    "Số:" or date line shows there is a title block; the type line and the trích yếu stay.
    """
    end = _title_block_end(lines)
    zone = lines[:end] if end >= 0 else lines[:12]
    marks = sum(bool(_NATIONAL.search(l) or _MOTTO.search(l) or _NUMBER_LINE.match(l.strip())
                     or _DATE_LINE.match(l.strip())) for l in zone)
    if not marks:
        return lines
    kept: list[str] = []
    for line in zone:
        rest = _MOTTO.sub(" ", _NATIONAL.sub(" ", line)).strip()
        if not any(ch.isalnum() for ch in rest) or _NUMBER_LINE.match(rest) or _DATE_LINE.match(rest):
            continue  # empty, a rule, the "*" under a Party organ, "Số: …", "Hà Nội, ngày …"
        if end >= 0 and rest.upper() == rest:  # issuer lines ("BỘ TÀI CHÍNH") above the type line
            continue
        kept.append(rest if end < 0 else line)
    return kept + lines[len(zone):]


_SIGN_START = re.compile(r"^(?:.*\s)?(?:(?:TM|KT|TL|TUQ|Q|PP|T/M|K/T)\.\s*[A-ZĐ][A-ZĐÀ-Ỹ]|XÁC THỰC VĂN BẢN HỢP NHẤT)"
                         r"|^Nơi nhận\s*:")
_SIGNED = re.compile(r"^\((?:Đã ký|đã ký|Ký|ký)[^)]*\)$")
_NAME = re.compile(r"^(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*\s){1,5}[A-ZĐÀ-Ỹ][\wÀ-ỹ]*$")


def strip_signature(lines: list[str]) -> list[str]:
    """``lines`` without signing blocks: "Nơi nhận:" lists, "TM./KT. …" with title, "(Đã ký)"
    and the signer's name, "XÁC THỰC VĂN BẢN HỢP NHẤT" with its number and date.

    Form of the block: Nghị định 30/2020/NĐ-CP, Phụ lục I, mục II.8-9 (quyền hạn, chức vụ, họ tên
    người ký; nơi nhận).
    """
    out: list[str] = []
    inside = 0  # lines of the block still allowed
    for line in lines:
        text = line.strip()
        if _SIGN_START.match(text):
            inside = 12
            continue
        if inside and re.match(r"^(?:PHỤ LỤC|Phụ lục|DANH MỤC|MẪU|Mẫu số|BIỂU)", text):
            inside = 0
        if inside:
            inside -= 1
            if (not text or _is_caps(text) or _SIGNED.match(text) or _NAME.match(text)
                    or text.startswith(("-", "+", "Số:", "Số ")) or _DATE_LINE.match(text)
                    or re.match(r"^[^,]{0,40},\s*ngày\s+\d", text)):
                continue
            inside = 0
        out.append(line)
    return out


# -- wrapped lines ------------------------------------------------------------------------------
_ENDS_SENTENCE = re.compile(r"[.;:!?…]['\"”’)]*$|\./\.$")
_OPENS_UNIT = re.compile(
    r"^(?:(?:Phần|Chương|Mục|Tiểu mục|Điều|Phụ lục|PHẦN|CHƯƠNG|MỤC|ĐIỀU|PHỤ LỤC)\s+\S+"
    r"|[IVXLC]{1,6}[.)]\s|\d{1,3}(?:\.\d{1,3})*[.)]\s|[a-zđ][)]\s|[-+•*–—·]\s|#|\||>|```|Nơi nhận)")
_HEADING = re.compile(r"^(?:Phần|Chương|Mục|Điều|PHẦN|CHƯƠNG|MỤC)\s+[\wIVXLC]+\.?$")
# "Điều 11 Luật này", "Chương II của", never "Điều 11." (a heading has its period).
_CROSS_REFERENCE = re.compile(r"^(?:Điều|Chương|Mục|Phần)\s+[\dIVXLC]+[a-zđ]?(?:,\s*\d+)*\s+(?![.:])\S")
# A line that stops on a word no sentence or heading ends with.
_DANGLING = re.compile(r"(?:^|\s)(?:tại|theo|của|và|hoặc|với|về|đến|từ|trong|thuộc|như|quy định|khoản \d+|"
                       r"điểm [a-zđ]|các|những|là|bởi|cho)$")
_ARTICLE = re.compile(r"^(?:Điều|ĐIỀU)\s+\d")


def _continues(line: str) -> bool:
    """A line that can only go on a sentence: lower case, a digit, a closing sign."""
    return line[0].islower() or line[0] in "0123456789\"“'‘%,;"


def _is_caps(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _joins(prev: str, nxt: str, wide: int) -> bool:
    """True when ``nxt`` continues the sentence that ``prev`` wraps."""
    if not prev or not nxt or _ENDS_SENTENCE.search(prev) or _HEADING.match(prev):
        return False
    if _CROSS_REFERENCE.match(nxt) and _DANGLING.search(prev):
        return True  # "… theo quy định tại" / "Điều 11 Luật này …": a reference, not a heading
    if _OPENS_UNIT.match(nxt):
        return False
    if _OPENS_UNIT.match(prev) and not _continues(nxt) and (len(prev) < 0.5 * wide or _ARTICLE.match(prev)):
        return False  # "Điều 1. Phạm vi điều chỉnh" / "Nghị định này …"
    if _is_caps(prev) != _is_caps(nxt) and not _continues(nxt):
        return False
    if _is_caps(prev) and _is_caps(nxt):
        return False  # "NGHỊ ĐỊNH" / "QUY ĐỊNH CHUNG": headings, never one sentence
    if _continues(nxt) and not nxt[0].isdigit():
        return True
    if nxt[0].isdigit():  # "trong thời hạn\n10 ngày" (a numbering "10. " was excluded above)
        return len(prev) >= 0.4 * wide
    return len(prev) >= 0.8 * wide  # a full-width line followed by a capital: a proper noun wraps


def _width(lines: list[str]) -> int:
    lengths = sorted(len(l) for l in lines if len(l.strip()) > 20)
    return max(60, lengths[int(0.9 * (len(lengths) - 1))]) if lengths else 80


def looks_wrapped(text: str) -> bool:
    """True when many lines end mid-sentence and the next goes on in lower case (hard wraps)."""
    lines = [l.strip() for l in text.split("\n")]
    pairs = sum(1 for a, b in zip(lines, lines[1:]) if a and b and not _ENDS_SENTENCE.search(a)
                and b[0].islower() and not _OPENS_UNIT.match(b))
    return pairs >= 3 and pairs >= 0.05 * sum(1 for l in lines if l)


def join_lines(lines: list[str], pages: list[int] | None = None) -> tuple[str, tuple[int, ...]]:
    """``(text, page_starts)``: lines re-joined where a sentence wraps, blank lines kept.

    ``pages[i]`` is the 1-based page of ``lines[i]`` (or None: no pages). ``page_starts[p-1]``
    is the offset in ``text`` of the first character that came from page ``p``.

    >>> join_lines(["2. Ủy ban nhân dân xã trả lời bằng văn bản trong thời hạn", "10 ngày làm việc."])[0]
    '2. Ủy ban nhân dân xã trả lời bằng văn bản trong thời hạn 10 ngày làm việc.'
    >>> join_lines(["Điều 1. Phạm vi điều chỉnh", "Nghị định này quy định"])[0]
    'Điều 1. Phạm vi điều chỉnh\\nNghị định này quy định'
    """
    wide = _width(lines)
    out: list[str] = []
    starts: dict[int, int] = {}
    size = 0
    prev = ""
    for i, raw in enumerate(lines):
        line = raw.strip()
        page = pages[i] if pages else 0
        if out and line and prev and _joins(prev, line, wide):
            sep = "" if prev.endswith("-") and line[0].islower() and len(prev) > 1 and prev[-2].isalpha() else " "
            if sep == "":
                out[-1] = out[-1][:-1]
                size -= 1
            if page and page not in starts:
                starts[page] = size + len(sep)
            out[-1] += sep + line
            size += len(sep) + len(line)
            prev = line
            continue
        if out:
            size += 1  # the "\n" before this line
        if page and page not in starts:
            starts[page] = size
        out.append(line)
        size += len(line)
        prev = line
    text = "\n".join(out)
    if pages:
        last = max(pages, default=0)
        for page in range(1, last + 1):  # a page with no text starts where the next one does
            starts.setdefault(page, min((starts[p] for p in starts if p > page), default=len(text)))
        return text, tuple(starts[p] for p in range(1, last + 1))
    return text, ()


def rejoin(text: str) -> str:
    """:func:`join_lines` over a whole text when it :func:`looks_wrapped`; else ``text`` unchanged."""
    return join_lines(text.split("\n"))[0] if looks_wrapped(text) else text
