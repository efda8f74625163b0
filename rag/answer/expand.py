"""The chosen sentence widened or narrowed to what answers: the neighbouring passages its terms
count from, its whole list or the heading's items, an article's opening, the table row asked.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from rag import cite
from rag.answer.scored import _ITEM, _ROW, _Scored, _in_unit, _style, article_of, is_heading, titled, within_unit
from rag.evidence import Terms, keyed
from rag.text import HEADING, sentences
from rag.types import Hit


def _neighbours(hit: Hit, hits: Sequence[Hit]) -> str:
    """The text of the retrieved passages of ``hit``'s document just before and after it (chunk
    index ±1), which a sentence's key terms half-count from, as from its own passage."""
    c = hit.chunk
    return "\n".join(h.chunk.text for h in hits
                     if h.chunk.doc_id == c.doc_id and abs(h.chunk.chunk_index - c.chunk_index) == 1)


#: Most words quoted for one list (lead-in and items).
LIST_WORDS = 150


def whole_list(s: _Scored) -> _Scored:
    """The list a sentence belongs to: its lead-in ("... gồm:") and every item after it.

    The lead-in is a line holding ":" or a titled item's title line ("1. Hạn chế", :func:`titled`).
    Items are the sentences after the lead-in while the text so far ends with ":" or
    ";", or while the next line opens like the first item ("a)", "1.", "-"); an item's later
    sentences on its own line go with it; the quote stops at :data:`LIST_WORDS` words. A sentence
    in no list comes back unchanged.
    """
    text = s.hit.chunk.text
    spans = sentences(text)
    idx = next((i for i, (a, b) in enumerate(spans) if a <= s.start < b), None)
    if idx is None:
        return s
    def lead(i: int) -> bool:  # "… gồm:" or a titled item's title line ("1. Hạn chế")
        return ":" in text[spans[i][0]:spans[i][1]] or titled(text, *spans[i])

    j = idx
    while j > 0 and not lead(j) and (
            _ITEM.match(text[spans[j][0]:spans[j][1]]) or text[spans[j - 1][0]:spans[j - 1][1]].rstrip().endswith(";")):
        j -= 1
    if not lead(j):
        return s
    start, end = spans[j]
    # the first item's style; under a table's header row, the rows'
    style = next((_style(text[a:b]) for a, b in spans[j + 1:j + 3] if _style(text[a:b])), "")
    for a, b in spans[j + 1:]:
        line, tail = text[a:b], text[start:end].rstrip()
        line_start = text.rfind("\n", 0, a) + 1
        if line_start > spans[j][1] and text[line_start:a].strip() and style and _style(text[line_start:b]) == style:
            if len(text[start:b].split()) > LIST_WORDS:
                break
            end = b  # the next sentence of the same item ("a) … chung chung. Kết quả chưa rõ nét.")
            continue
        if not (tail.endswith((":", ";")) or (style and _style(line) == style)):
            break
        if style and _ITEM.match(line) and _style(line) != style:
            break  # the next khoản, not an item of this list
        if len(text[start:b].split()) > LIST_WORDS:
            break
        end = b
    if end <= s.end and start >= s.start:
        return s
    return _Scored(s.hit, start, end, s.coverage, s.score, s.held)


def article_opening(s: _Scored, same_chunk: Sequence[_Scored], article: str = "", unit: str = "") -> _Scored:
    """The passage's quotable text from its first quotable sentence on, up to :data:`LIST_WORDS` words,
    within ``article`` (its number, "3") and ``unit`` ("khoản 2 Điều 3") when given: the quote for a
    question about a whole article (the Phạm vi điều chỉnh, "Điều 3 quy định gì?") or khoản."""
    text = s.hit.chunk.text
    if unit:
        same_chunk = [f for f in same_chunk if within_unit(f, unit)]
    start = min((f.start for f in same_chunk), default=s.start)
    end = s.end
    for a, b in sentences(text):
        if a < start:
            continue
        if len(text[start:b].split()) > LIST_WORDS or (article and article_of(s.hit.chunk, a) != article) or (
                unit and not _in_unit(cite.place(s.hit.chunk, a), unit)):
            break
        end = max(end, b)
    return dataclasses.replace(s, start=start, end=end, pieces=())


def _table_row(s: _Scored, lead_end: int, terms: Terms) -> _Scored | None:
    """Lead-in, header and the one row a question names, when ``s`` quotes a table saved as text.

    The table: the line after the lead-in is its header and every following line of the quote a
    row numbered by STT ("2 Đông Hòa 3 1"). The row is the one holding most syllables of the
    question's terms that the lead-in and header do not ("Đông Hòa" in "Thôn Đông Hòa đăng ký bao
    nhiêu mô hình?"), when no other row holds as many.
    """
    text = s.hit.chunk.text
    header_start = lead_end + 1
    header_end = text.find("\n", header_start)
    if header_end < 0 or header_end >= s.end or _ROW.match(text[header_start:header_end]):
        return None
    rows, at = [], header_end + 1
    while at < s.end:
        end = text.find("\n", at)
        end = s.end if end < 0 or end > s.end else end
        if not _ROW.match(text[at:end]):
            return None
        rows.append((at, end))
        at = end + 1
    if not rows:
        return None
    asked = {w for u in terms.units for w in u.split()}
    known = set(keyed(text[s.start:header_end], terms.accented))
    own = [(asked & set(keyed(text[a:b], terms.accented))) - known for a, b in rows]
    most = max(len(words) for words in own)
    named = [span for words, span in zip(own, rows) if len(words) == most]
    if most == 0 or len(named) != 1:
        return None
    a, b = named[0]
    return _Scored(s.hit, a, b, s.coverage, s.score, s.held, ((s.start, lead_end), (header_start, header_end), (a, b)))


def whole_sentence(s: _Scored) -> _Scored:
    """``s`` from the start of its line when it is a clause continuing it after ";" (it opens in lower
    case: "trường hợp phức tạp thì thời hạn …"), up to :data:`LIST_WORDS` words; else ``s``.

    A quote that opens mid-sentence misleads in a draft: "không quá 20 ngày" is the exception, the
    rule before it is "10 ngày làm việc".
    """
    text = s.hit.chunk.text
    line_start = text.rfind("\n", 0, s.start) + 1
    head = text[line_start:s.start].rstrip()
    opening = text[s.start:s.end].lstrip()[:1]
    if not head.endswith(";") or not opening.islower() or len(text[line_start:s.end].split()) > LIST_WORDS:
        return s
    return dataclasses.replace(s, start=line_start)


def with_lead_in(s: _Scored) -> _Scored:
    """An item ("b) Thông báo trên loa …;") quoted under its list's lead-in ("2. Hình thức công khai
    gồm:"), cited at the item; the item alone when it is no list's."""
    whole = whole_list(s)
    text = s.hit.chunk.text
    lead_end = text.find("\n", whole.start)
    if whole.start >= s.start or lead_end < 0 or lead_end > s.start:
        return s
    return dataclasses.replace(s, pieces=((whole.start, lead_end), (s.start, s.end)))


def narrowed(s: _Scored, fitting: Sequence[_Scored], keep: float = 0.75, terms: Terms | None = None) -> _Scored:
    """A whole list quoted for a question that asks no list: its lead-in and the item that answers.

    "Trả lời kiến nghị sau giám sát trong bao nhiêu ngày?" is answered by "2. Ủy ban nhân dân
    xã có trách nhiệm: ... c) Trả lời kiến nghị sau giám sát trong thời hạn 15 ngày;" and cited
    at điểm c, not at the khoản with all its items. The item must be among ``fitting`` (it holds
    the kind of answer asked) and score at least ``keep`` of the list (the share a second
    sentence needs, above). A table keeps its header row above the row that answers; given the
    question's ``terms``, a table saved as text is narrowed to the row it names (:func:`_table_row`).
    """
    if s.pieces or "\n" not in s.text:
        return s
    text = s.hit.chunk.text
    lead_end = text.find("\n", s.start)
    if lead_end < 0 or lead_end >= s.end or not text[s.start:lead_end].rstrip().endswith(":"):
        return s
    row = _table_row(s, lead_end, terms) if terms is not None else None
    if row is not None:  # a table: its header stays above the row (no header, no meaning: "2 Đông Hòa 3 1")
        return row
    items = [f for f in fitting if f.hit is s.hit and lead_end <= f.start and f.end <= s.end and "\n" not in f.text]
    if not items:
        return s
    item = max(items, key=lambda f: f.score)
    if item.score < keep * s.score:
        return s
    pieces = [(s.start, lead_end)]
    header_start = lead_end + 1
    header_end = text.find("\n", header_start)
    header = text[header_start:header_end] if header_end > 0 else ""
    if "\t" in header or " | " in header:  # a table row is read under its column headers
        if header_start < item.start:
            pieces.append((header_start, header_end))
    pieces.append((item.start, item.end))
    return _Scored(s.hit, item.start, item.end, item.coverage, item.score, item.held, tuple(pieces))


def _lines(text: str) -> list[tuple[int, int]]:
    spans, at = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((at, at + len(line)))
        at += len(line) + 1
    return spans


def heading_list(s: _Scored, terms: Terms, hits: Sequence[Hit] = ()) -> list[_Scored]:
    """For a list question: the heading above the sentence and the items right under it.

    "Kế hoạch có những nhiệm vụ trọng tâm nào?" is answered by "II. NHIỆM VỤ TRỌNG TÂM"
    and its "1. ...", "2. ..." lines (their sub-items left out), not by one sub-item. Used when
    the quote opens on the heading itself, or when the heading holds a key term the sentence
    lacks; otherwise ``[s]`` comes back unchanged. A heading wrapped over two lines is read whole.
    A section that goes on past the passage goes on in the next passages of the document among
    ``hits`` (the chunker cuts long sections between items): each gives its own items, cited at
    its own marker. Without them, a passage holding one item quotes what it has of that item.
    """
    text = s.hit.chunk.text
    lines = _lines(text)
    at = next((i for i, (a, b) in enumerate(lines) if a <= s.start < b + 1), None)
    head = next((i for i in range(at, -1, -1) if is_heading(text[lines[i][0]:lines[i][1]])), None) if at is not None else None
    top = head
    while top is not None and top > 0 and not HEADING.match(text[lines[top][0]:lines[top][1]]) and is_heading(
            text[lines[top - 1][0]:lines[top - 1][1]]):
        top -= 1  # a heading wrapped over lines ("II. NHIỆM VỤ, GIẢI PHÁP" / "TRỌNG TÂM NĂM 2026")
    if head is None:  # the heading is above the chunk: its section, from where it starts when retrieved
        opening = _section_opening(s.hit, hits)
        if opening is not None:
            return heading_list(dataclasses.replace(s, hit=opening[0], start=opening[1], end=opening[2], pieces=()),
                                terms, hits)
        heading, first, pieces = s.hit.chunk.section, 0, []
    else:
        while head + 1 < len(lines) and is_heading(text[lines[head + 1][0]:lines[head + 1][1]]) and not (
                HEADING.match(text[lines[head + 1][0]:lines[head + 1][1]]) or _ITEM.match(text[lines[head + 1][0]:lines[head + 1][1]])):
            head += 1  # ... read from its first line
        heading, first = text[lines[top][0]:lines[head][1]], head + 1
        pieces = [(lines[top][0], lines[head][1])]
    if first >= len(lines) or not heading:
        return [s]
    on_heading = head is not None and top <= at <= head
    if not on_heading and not any(terms.holds(u, heading) for u in terms.units if u not in s.held):
        return [s]  # (a quote that opens on the heading itself was chosen for it)
    style = _ITEM.match(text[lines[first][0]:lines[first][1]])
    if not style:
        return [s]
    mark = style.group(0).strip()[0]
    marker = re.compile(r"^\s*" + (r"\d{1,2}[.)]" if mark.isdigit() else r"[a-zđ]\)" if mark.isalpha() else re.escape(mark)) + r"\s")
    words = [len(heading.split())]

    def items(chunk_text: str, spans: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], bool]:
        """The item lines of ``spans`` and whether the list ended there (a heading, the word limit)."""
        found = []
        for a, b in spans:
            line = chunk_text[a:b]
            if is_heading(line) and not marker.match(line):
                return found, True
            if marker.match(line):
                words[0] += len(line.split())
                if words[0] > LIST_WORDS:
                    return found, True
                found.append((a, b))
        return found, False

    own, ended = items(text, lines[first:])
    pieces += own
    more: list[_Scored] = []
    index = s.hit.chunk.chunk_index
    while not ended:  # the section goes on in the document's next passages, when retrieved
        index += 1
        nxt = next((h for h in hits if h.chunk.doc_id == s.hit.chunk.doc_id and h.chunk.chunk_index == index), None)
        if nxt is None or not _same_section(nxt.chunk.section, heading):
            break
        found, ended = items(nxt.chunk.text, _lines(nxt.chunk.text))
        if found:
            more.append(_Scored(nxt, found[0][0], found[-1][1], s.coverage, s.score, s.held, tuple(found)))
    if not more and (len(pieces) < 2 or len(pieces) == 2 and head is not None):
        # one item only before the passage ends: quote what the passage has of it, sub-items included
        a = lines[top][0] if head is not None else lines[first][0]
        end = a
        for _, b in lines[first:]:
            if len(text[a:b].split()) > LIST_WORDS:
                break
            end = b
        if end <= s.end:
            return [s]
        return [_Scored(s.hit, a, end, s.coverage, s.score, s.held)]
    if not pieces:
        return [s]
    return [_Scored(s.hit, pieces[0][0], pieces[-1][1], s.coverage, s.score, s.held, tuple(pieces)), *more]


def _section_opening(hit: Hit, hits: Sequence[Hit]) -> tuple[Hit, int, int] | None:
    """Where the section of ``hit`` (a passage that starts inside it) opens: the retrieved passage of
    the same document before it, every passage between retrieved and in the section, that holds the
    section's heading line, and that line's span; None when one of them was not retrieved."""
    chunk, section = hit.chunk, hit.chunk.section
    if not section:
        return None
    own = {h.chunk.chunk_index: h for h in hits if h.chunk.doc_id == chunk.doc_id}
    index = chunk.chunk_index - 1
    while index in own:
        text = own[index].chunk.text
        for a, b in _lines(text):
            if is_heading(text[a:b]) and _same_section(section, text[a:b]):
                return own[index], a, b
        if not _same_section(own[index].chunk.section, section):
            return None  # (the passage that opens the section has the section before it as its own)
        index -= 1
    return None


def _same_section(section: str, heading: str) -> bool:
    """True when a chunk's recorded ``section`` ("II. NHIỆM VỤ, GIẢI PHÁP", or "… › lead-in:") is the
    ``heading`` read from the text (which may run over two lines), whitespace aside."""
    a = " ".join(section.split(" › ")[0].split())
    b = " ".join(heading.split())
    return bool(a and b) and (a.startswith(b) or b.startswith(a))
