"""The answer's text: the chosen quotes with their ``[n]`` markers and citations, and the sentence
a namesake document says instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag import cite
from rag.answer.refuse import short_label
from rag.answer.scored import _Scored, is_heading
from rag.text import normalize, sentences, syllables
from rag.types import Answer, Citation, Hit


def _leads(line: str) -> bool:
    """True for a line that introduces what follows (a lead-in ending with ":", a heading)."""
    return line.rstrip().endswith(":") or is_heading(line.strip())


def _marked(s: _Scored, marker: int) -> str:
    """The quoted text with its ``[n]``: after each item of a quote made of separate lines (a heading
    and its items, items 4 and 5 of a list), never after a heading or a lead-in alone; after the
    last line always."""
    lines = [s.hit.chunk.text[a:b].strip() for a, b in s.spans]
    if len(lines) == 1:
        return f"{s.text} [{marker}]"
    out = [ln if _leads(ln) and i < len(lines) - 1 else f"{ln} [{marker}]" for i, ln in enumerate(lines)]
    return "\n".join(out)


def _counterpart(s: _Scored, other, hits: Sequence[Hit]) -> _Scored | None:
    """The sentence of ``other`` (a namesake document) closest to the quoted one, by shared syllables."""
    want = set(syllables(s.text))
    best, best_overlap = None, 0
    for hit in hits:
        if hit.chunk.doc_id != other.doc_id:
            continue
        for a, b in sentences(hit.chunk.text):
            overlap = len(want & set(syllables(hit.chunk.text[a:b])))
            if overlap > best_overlap:
                best, best_overlap = _Scored(hit, a, b, s.coverage, 0.0), overlap
    return best if best is not None and best_overlap >= len(want) / 2 else None


def twin_label(chunk) -> str:
    """A document told apart from its namesake: its label, and the file for a file ("(tệp quy-che.txt)")."""
    label = short_label(chunk)
    return f"{label} (tệp {chunk.doc_id[5:]})" if chunk.doc_id.startswith("file:") else f"{label} ({chunk.doc_id})"


def compose(question: str, hits: Sequence[Hit], chosen: list[_Scored], evidence: float) -> Answer:
    """The answer quoting ``chosen`` (the sentence that answers first), each quote with the ``[n]`` of
    its passage, and one citation per passage quoted, at the finest place that holds its quotes."""
    markers: dict[str, int] = {}
    quotes: dict[int, list[str]] = {}
    parts = []
    # The sentence that answers comes first; the rest follow in document order.
    # (the lead document's own passages in its order: a list going on in its next passages)
    lead_doc = chosen[0].hit.chunk.doc_id

    def place(s: _Scored) -> tuple:
        other = s.hit.chunk.doc_id != lead_doc
        return other, s.hit.rank if other else 0, s.hit.chunk.chunk_index, s.start

    ordered = chosen[:1] + sorted(chosen[1:], key=place)
    # a sentence two passages both hold (a lead-in repeated above a list's next passage, a copy of
    # the text) is quoted once
    said: list[str] = []
    kept = []
    for s in ordered:
        words = " ".join(normalize(s.text).lower().split())
        if not any(words in earlier for earlier in said):
            said.append(words)
            kept.append(s)
    ordered = kept
    for s in ordered:
        marker = markers.setdefault(s.hit.chunk.point_id, len(markers) + 1)
        quotes.setdefault(marker, []).append(s.quote)
        parts.append(_marked(s, marker))
    lead = chosen[0].hit.chunk
    where = f"Theo {short_label(lead)}: " if lead.title else ""
    citations = []
    for hit in hits:
        marker = markers.get(hit.chunk.point_id)
        if marker is not None and marker not in {c.marker for c in citations}:
            c = hit.chunk
            # the finest place that holds what answers from this passage (items 4 and 5 of mục II:
            # "mục II", not the place of the first piece alone), not the lead-in that precedes it
            # ("… gồm:" over the điểm asked); a heading over its items is cited with them (the section)
            quoted = [span for s in ordered if s.hit is hit for span in s.spans]
            spans = [(a, b) for a, b in quoted if not c.text[a:b].rstrip().endswith(":")] or quoted
            citations.append(
                Citation(marker, c.doc_id, c.title, c.number, c.date, cite.QUOTE_JOINER.join(quotes[marker]),
                         issuer=c.issuer, doc_type=c.doc_type, url=c.url, heading=c.section, provision=c.provision,
                         section=cite.span_place(c, min(a for a, _ in spans), max(b for _, b in spans)))
            )
    return Answer(question, where + "\n".join(parts), tuple(sorted(citations, key=lambda c: c.marker)),
                  tuple(hits), False, round(min(evidence, 1.0), 4))
