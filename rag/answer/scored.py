"""A scored sentence of a passage (:class:`_Scored`) and where it sits in its passage: its article
and unit, whether a line is a heading, a list item or a titled item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag import cite
from rag.text import HEADING, normalize
from rag.types import Hit


@dataclass(frozen=True)
class _Scored:
    hit: Hit
    start: int
    end: int
    coverage: float  # weighted share of the question's key terms this sentence (and its passage) holds, 0..1
    score: float  # coverage discounted by the passage's rank and a missing answer kind: what picks the quote
    held: frozenset = frozenset()  # the key terms the sentence itself holds whole
    pieces: tuple[tuple[int, int], ...] = ()  # a quote of separate lines (a heading and its items); () = start..end

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        return self.pieces or ((self.start, self.end),)

    @property
    def text(self) -> str:
        return "\n".join(self.hit.chunk.text[a:b].strip() for a, b in self.spans)

    @property
    def quote(self) -> str:
        return cite.QUOTE_JOINER.join(self.hit.chunk.text[a:b].strip() for a, b in self.spans)


_PLACE_ARTICLE = re.compile(r"Điều\s+([\w.]+)")


def article_of(chunk, offset: int) -> str:
    """The article number of a character of a chunk; a compiled unit's is its source provision's."""
    m = _PLACE_ARTICLE.search(cite.place(chunk, offset))
    if not m:
        return ""
    number = m.group(1).rstrip(".")
    if "." in number:  # Pháp điển's "44.13.LQ.12": the source provision says "Điều 12 Luật ..."
        source = re.match(r"\s*Điều\s+(\d+[a-zđ]?)\b", chunk.provision)
        return source.group(1).lower() if source else ""
    return number.lower()


def is_heading(line: str) -> bool:
    """A heading line ("Điều 3. Công khai thông tin", "II. NHIỆM VỤ TRỌNG TÂM"): it says where, not what.

    >>> is_heading("NỘI DUNG PHỐI HỢP"), is_heading("Điều 9. Thời hiệu khiếu nại là 90 ngày.")
    (True, False)
    """
    line = line.strip()
    if line.endswith((".", ";", ":")):
        return False
    return bool(HEADING.match(line)) or (line.upper() == line and any(c.isalpha() for c in line))


_ITEM = re.compile(r"^\s*(?:[a-zđ]\)|\d{1,2}[.)]|[-–•+])\s")


def _style(line: str) -> str:
    m = _ITEM.match(line)
    if not m:
        return "row" if _ROW.match(line) else ""
    first = m.group(0).strip()[0]
    return "digit" if first.isdigit() else "letter" if first.isalpha() else first


_ROW = re.compile(r"^\s*\d{1,3}\s+\S")  # "2 Đông Hòa 3 1": a table row numbered by STT
#: Most words of a titled item's title line ("1. Hạn chế", "2. Công tác dân vận chính quyền").
TITLE_WORDS = 12


def titled(text: str, start: int, end: int) -> bool:
    r"""True when ``text[start:end]`` is the title line of an item whose body is the lines under it:
    numbered or lettered, short (:data:`TITLE_WORDS`), no closing punctuation, and the next line
    opens an item of another style ("1. Hạn chế" over "a) …", "b) …"). Such a line says where, like
    a heading; its body says what, as the items of a lead-in ending in ":" do.

    >>> t = "II. HẠN CHẾ\n1. Hạn chế\na) Mô hình còn chung chung.\n2. Nguyên nhân\na) Thiếu kinh nghiệm."
    >>> titled(t, 12, 22), titled(t, 23, 50)
    (True, False)
    """
    line = text[start:end].strip()
    if "\n" in line or not _ITEM.match(line) or line.endswith((".", ";", ":", "!", "?")) or len(line.split()) > TITLE_WORDS:
        return False
    after = text[end:].lstrip("\n")
    nxt = after.split("\n", 1)[0]
    return bool(_style(nxt)) and _style(nxt) != _style(line)


def _in_unit(place: str, unit: str) -> bool:
    return bool(re.search(rf"(?<!\w){re.escape(normalize(unit).lower())}(?!\w)", normalize(place).lower()))


def within_unit(s: _Scored, unit: str) -> bool:
    """True when the sentence lies in the named ``unit`` ("khoản 2 Điều 3" holds its điểm a, b, c;
    "điểm b khoản 2 Điều 3" only itself), by the place the citation would give it."""
    return _in_unit(cite.place(s.hit.chunk, s.start), unit)
