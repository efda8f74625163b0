"""The chunker: documents -> passages of roughly 80–150 words, cut along the document's structure.

The text is parsed into units (:mod:`ingest.structure`: Chương, Điều, khoản, điểm;
I., 1., a), -) and cut into pieces at every line (and at sentence ends inside
long lines, at words inside overlong sentences). A dynamic programme then picks
the cuts with the lowest total cost, where

- a cut costs least before a Chương or Điều, then before a khoản, a điểm, a
  paragraph, a sentence, and most inside a sentence;
- a cut between a lead-in line ("… gồm:", "… sau đây:") and its first item is
  never taken, and a cut inside its list costs more than going over the maximum,
  so a list stays whole when it fits in 1.5 × the maximum; a chunk that starts
  inside a list carries the lead-in in its ``section`` (and so in its index text);
- a chunk costs more the further its length falls outside ``min_words..max_words``
  (never over 1.5 × ``max_words``), and every Điều or Chương it runs into costs
  extra, so chunks stay inside one unit unless the units are short.

Each chunk carries its structure path, the formal place of every unit starting
in it (``marks``, read by :meth:`rag.types.Chunk.place_at`) and its pages.
Chunks never cross a document boundary.
"""

from __future__ import annotations

import bisect
import re

from ingest.structure import TITLED, Structure, Unit, parse, path
from rag.text import sentences
from rag.types import Chunk, Document

#: Bumped whenever chunk boundaries or chunk fields change; stamped on collections.
#: 4: indexed text reads the eth Ð as Đ and inner hyphens of other code points as "-" (rag.text.clean).
#: 5: HTML entities read (rag.text.clean) and a document's lost line breaks put back (ingest.breaks).
CHUNKER_VERSION = 5

#: Cost of cutting just before a unit of each kind (lower = better place to cut).
_CUT = {"phan": 0.0, "chuong": 0.0, "muc": 0.0, "dieu": 0.0, "section": 0.0, "khoan": 1.0, "item": 1.0,
        "subitem": 1.5, "diem": 2.5, "letter": 2.5, "dash": 3.0, "plus": 3.5}
_PARAGRAPH, _LINE, _SENTENCE, _WORDS = 3.5, 7.0, 5.0, 9.0
_NEVER = 1000.0  # between a lead-in and its first item
_LIST = 5.0  # between two items of a list with a lead-in
_CROSS = 2.0  # a Chương/Điều/I. starting inside a chunk
_ORPHAN = 6.0  # a chunk ending on a heading whose body is in the next one
_LONG_LINE = 40  # lines with more words are also cut at sentence ends


def _pieces(doc: Document, st: Structure, max_words: int) -> list[tuple[int, int, int, float, float, bool]]:
    """``(start, end, words, cost of a cut before, cost of running into it, is a heading)`` for each piece."""
    text = doc.text
    opening = {u.start: u for u in st.units}
    paragraphs = set(st.paragraphs)
    out: list[tuple[int, int, int, float, float, bool]] = []
    offset, title = 0, ""
    for line in text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        if not line.strip():
            continue
        at = start + len(line) - len(line.lstrip())
        unit = opening.get(at)
        if unit is not None:
            cost = _CUT[unit.kind]
            cross = _CROSS if unit.kind in TITLED else 0.0
            title = unit.heading if unit.kind in TITLED else ""
            heading = bool(title)
        else:
            cost, cross = (_PARAGRAPH if at in paragraphs else _LINE), 0.0
            heading = bool(title) and line.strip() in title  # a title printed on its own line(s)
            title = title if heading else ""
        words = line.split()
        if len(words) <= _LONG_LINE:
            out.append((at, start + len(line.rstrip()), len(words), cost, cross, heading))
            continue
        for k, (a, b) in enumerate(sentences(line)):
            found = list(re.finditer(r"\S+", line[a:b]))
            for i in range(0, len(found), max_words):
                window = found[i : i + max_words]
                piece_cost = cost if (k == 0 and i == 0) else (_SENTENCE if i == 0 else _WORDS)
                out.append((start + a + window[0].start(), start + a + window[-1].end(), len(window),
                            piece_cost, cross if (k == 0 and i == 0) else 0.0, False))
    return out


def _lists(st: Structure) -> list[tuple[int, int, int]]:
    """``(lead-in start, first item start, last item end)`` of every list introduced by a lead-in."""
    spans: dict[tuple[int, int], list[int]] = {}
    for u in st.units:
        if u.lead is not None:
            span = spans.setdefault(u.lead, [u.start, u.end])
            span[1] = max(span[1], u.end)
    return [(lead[0], first, end) for lead, (first, end) in spans.items()]


def _list_costs(pieces: list[tuple[int, int, int, float, float, bool]], st: Structure) -> list[float]:
    """Extra cost of a cut before each piece: inside a lead-in or before its first item, or inside its list."""
    starts = [p[0] for p in pieces]
    extra = [0.0] * len(pieces)
    for lead, first, end in _lists(st):
        for k in range(bisect.bisect_right(starts, lead), bisect.bisect_left(starts, end)):
            extra[k] = max(extra[k], _NEVER if starts[k] <= first else _LIST)
    return extra


def _size_cost(words: int, min_words: int, max_words: int) -> float:
    if words < min_words:
        return 0.3 + 4.0 * (min_words - words) / min_words
    if words <= max_words:
        return 0.3
    return 2.3 + 8.0 * (words - max_words) / max_words


def _cuts(pieces: list[tuple[int, int, int, float, float, bool]], min_words: int, max_words: int) -> list[int]:
    """Indexes of the pieces that open a chunk (always 0 first), by dynamic programming."""
    n = len(pieces)
    hard = int(max_words * 1.5)
    best = [0.0] + [float("inf")] * n
    back = [0] * (n + 1)
    for j in range(1, n + 1):
        words, cross = 0, 0.0
        orphan = _ORPHAN if pieces[j - 1][5] and j < n else 0.0  # a chunk ending on a heading without its body
        for i in range(j - 1, -1, -1):
            words += pieces[i][2]
            if words > hard and i < j - 1:
                break
            cost = best[i] + (pieces[i][3] if i else 0.0) + _size_cost(words, min_words, max_words) + cross + orphan
            if cost < best[j]:
                best[j], back[j] = cost, i
            cross += pieces[i][4]
    starts, j = [], n
    while j > 0:
        j = back[j]
        starts.append(j)
    return starts[::-1]


def chunk_document(doc: Document, min_words: int = 80, max_words: int = 150) -> list[Chunk]:
    """Split one document into passages along its structure.

    >>> doc = Document("d1", "Quy chế mẫu", "Điều 1. Phạm vi\\nQuy chế này quy định việc họp dân.")
    >>> [(c.chunk_index, c.section, c.path) for c in chunk_document(doc)]
    [(0, 'Điều 1. Phạm vi', 'Điều 1')]
    """
    st = parse(doc.text)
    pieces = _pieces(doc, st, max_words)
    if not pieces:
        return []
    pieces = [p[:3] + (p[3] + extra,) + p[4:] for p, extra in zip(pieces, _list_costs(pieces, st))]
    starts = _cuts(pieces, min_words, max_words)
    bounds = [(pieces[a][0], pieces[b - 1][1]) for a, b in zip(starts, starts[1:] + [len(pieces)])]
    return [_chunk(doc, st, i, start, end) for i, (start, end) in enumerate(bounds)]


def _chunk(doc: Document, st: Structure, index: int, start: int, end: int) -> Chunk:
    chain = st.chain(_anchor(doc.text, st, start))
    return Chunk(
        doc_id=doc.doc_id,
        chunk_index=index,
        text=doc.text[start:end],
        title=doc.title,
        number=doc.number,
        issuer=doc.issuer,
        date=doc.date,
        doc_type=doc.doc_type,
        section=_section(doc.text, chain, start),
        provision=str(doc.extra.get("source_provision") or ""),
        start=start,
        end=end,
        url=doc.url,
        source=doc.source,
        path=path(chain),
        marks=_marks(doc.text, st, start, end),
        page_start=_page(doc.page_starts, start),
        page_end=_page(doc.page_starts, max(start, end - 1)),
    )


def _anchor(text: str, st: Structure, start: int) -> int:
    """Where the chunk's own unit starts: past headings that only open a child ("Chương II" -> its Điều 3)."""
    k = bisect.bisect_left(st.starts, start)
    k = k if k < len(st.starts) and st.starts[k] == start else None
    while k is not None and k + 1 < len(st.units):
        unit, child = st.units[k], st.units[k + 1]
        if child.kind not in TITLED or child.parent != k or " ".join(text[unit.start : child.start].split()) != unit.heading:
            break
        start, k = child.start, k + 1
    return start


def _section(text: str, chain: tuple[Unit, ...], start: int) -> str:
    """The nearest titled heading as printed, and the lead-in of a list the chunk starts inside."""
    titled = [u.heading for u in chain if u.kind in TITLED]
    heading = titled[-1][:160] if titled else ""
    lead = next((u.lead for u in reversed(chain) if u.lead and u.lead[0] < start), None)
    if lead is None:
        return heading
    lead_text = " ".join(text[lead[0] : lead[1]].split())[:200]
    return f"{heading} › {lead_text}" if heading else lead_text


def _marks(text: str, st: Structure, start: int, end: int) -> tuple[tuple[int, str], ...]:
    """``(offset, formal place from there on)`` at the chunk start and wherever a unit starts or ends inside."""
    inside = st.units[bisect.bisect_right(st.starts, start) : bisect.bisect_left(st.starts, end)]
    events = {start} | {u.start for u in inside}
    events |= {u.end for u in st.chain(start) + inside if start < u.end < end}
    marks: list[tuple[int, str]] = []
    ordered = sorted(events)
    for k, at in enumerate(ordered):
        following = ordered[k + 1] if k + 1 < len(ordered) else end
        if at != start and not text[at:following].strip():
            continue  # the space between two units belongs to neither
        chain = st.chain(at)
        place = chain[-1].place if chain else ""
        if (marks and marks[-1][1] == place) or (not marks and not place):
            continue
        marks.append((at, place))
    return tuple(marks)


def _page(page_starts: tuple[int, ...], offset: int) -> int:
    """1-based page holding ``offset``; 0 when the document has no pages."""
    return bisect.bisect_right(page_starts, offset) if page_starts else 0


def index_text(chunk: Chunk) -> str:
    """What is embedded and indexed: title, heading (with a list's lead-in), the path's finer steps, text.

    >>> index_text(Chunk("d", 0, "b) Loa.", title="Quy chế", section="Điều 3. Công khai", path="Điều 3 › Khoản 2 › Điểm b"))
    'Quy chế\\nĐiều 3. Công khai\\nKhoản 2 › Điểm b\\nb) Loa.'
    """
    known = f"{chunk.title} {chunk.section}"
    steps = [step for step in chunk.path.split(" › ") if step and step not in known]
    parts = [chunk.title, chunk.section if chunk.section not in chunk.title else "", " › ".join(steps),
             chunk.provision, chunk.text]
    return "\n".join(p for p in parts if p)
