"""The chunker: documents -> passages of roughly 80–150 words.

Passages follow the document's own lines: a line is never split unless it alone
is longer than the maximum (then it is split at sentence ends, then at words).
A new heading (Chương, Mục, Điều, I./II.) starts a new passage once the current
one is long enough, and every passage remembers the nearest heading above it,
so a citation can say "Điều 12". Passages never cross a document boundary.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rag.text import HEADING, sentences
from rag.types import Chunk, Document

#: Bumped whenever chunk boundaries change; stamped on collections.
CHUNKER_VERSION = 2



def _spans(text: str, max_words: int) -> Iterator[tuple[int, int, bool]]:
    """Pieces ``(start, end, is_heading)``: lines, or parts of overlong lines."""
    offset = 0
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        offset = end + 1
        if not line.strip():
            continue
        heading = bool(HEADING.match(line))
        if len(line.split()) <= max_words:
            yield start, end, heading
            continue
        for a, b in sentences(line):
            piece = line[a:b]
            words = list(re.finditer(r"\S+", piece))
            if len(words) <= max_words:
                yield start + a, start + b, heading and a == 0
                continue
            for i in range(0, len(words), max_words):
                window = words[i : i + max_words]
                yield start + a + window[0].start(), start + a + window[-1].end(), False


def chunk_document(doc: Document, min_words: int = 80, max_words: int = 150) -> list[Chunk]:
    """Split one document into passages.

    >>> doc = Document("d1", "Quy chế mẫu", "Điều 1. Phạm vi\\nQuy chế này quy định việc họp dân.")
    >>> [(c.chunk_index, c.section) for c in chunk_document(doc)]
    [(0, 'Điều 1. Phạm vi')]
    """
    groups: list[list[tuple[int, int, str]]] = []  # pieces with the heading in force
    current: list[tuple[int, int, str]] = []
    words = 0
    section = ""
    for start, end, is_heading in _spans(doc.text, max_words):
        n = len(doc.text[start:end].split())
        if is_heading:
            section = doc.text[start:end].strip()[:120]
        if current and (words + n > max_words or (is_heading and words >= min_words)):
            groups.append(current)
            current, words = [], 0
        current.append((start, end, section))
        words += n
    if current:
        # A short tail joins the previous passage when the two still fit comfortably.
        if groups and words < min_words and _words(doc, groups[-1]) + words <= max_words * 1.3:
            groups[-1].extend(current)
        else:
            groups.append(current)
    return [
        Chunk(
            doc_id=doc.doc_id,
            chunk_index=i,
            text=doc.text[g[0][0] : g[-1][1]],
            title=doc.title,
            number=doc.number,
            issuer=doc.issuer,
            date=doc.date,
            doc_type=doc.doc_type,
            section=g[0][2],
            provision=str(doc.extra.get("source_provision") or ""),
            start=g[0][0],
            end=g[-1][1],
            url=doc.url,
            source=doc.source,
        )
        for i, g in enumerate(groups)
    ]


def _words(doc: Document, group: list[tuple[int, int, str]]) -> int:
    return len(doc.text[group[0][0] : group[-1][1]].split())


def index_text(chunk: Chunk) -> str:
    """What is embedded and indexed for a chunk: title, heading and source provision give context."""
    parts = [chunk.title, chunk.section if chunk.section not in chunk.title else "", chunk.provision, chunk.text]
    return "\n".join(p for p in parts if p)
