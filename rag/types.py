"""Plain frozen dataclasses passed between pipeline stages.

Framework objects (Qdrant ``ScoredPoint``, llama-index nodes) are converted to
these at the adapter edge, so every stage can be tested with plain values.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

#: Namespace of the deterministic point ids (uuid5 of ``doc_id#chunk_index``).
POINT_NAMESPACE = uuid.UUID("6f6b1f4e-3c57-4d0e-9a3e-64616e76616e")


def point_id(doc_id: str, chunk_index: int) -> str:
    """Deterministic Qdrant point id: re-ingesting a document overwrites, never duplicates.

    >>> point_id("doc-1", 0) == point_id("doc-1", 0)
    True
    """
    return str(uuid.uuid5(POINT_NAMESPACE, f"{doc_id}#{chunk_index}"))


@dataclass(frozen=True)
class Document:
    """One source document (a law unit, a plan, a news item), text in NFC."""

    doc_id: str
    title: str
    text: str
    number: str = ""  # số hiệu, e.g. "10/2022/QH15"
    issuer: str = ""
    date: str = ""  # dd/mm/yyyy as printed on the document
    doc_type: str = ""  # Luật, Nghị định, Kế hoạch, Tin tức, ...
    url: str = ""
    source: str = ""  # file the document came from
    extra: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    page_starts: tuple[int, ...] = ()  # character offset where page 1, 2, ... begins (PDF); () = no pages


@dataclass(frozen=True)
class Chunk:
    """A passage of one document; never crosses a document boundary."""

    doc_id: str
    chunk_index: int
    text: str  # original text, for display and quoting
    title: str = ""
    number: str = ""
    issuer: str = ""
    date: str = ""
    doc_type: str = ""
    section: str = ""  # nearest heading above the passage ("Điều 5. ...", "II. Nhiệm vụ")
    provision: str = ""  # the original provision a compiled unit comes from (Pháp điển's source_provision)
    start: int = 0  # character offsets in the document's text
    end: int = 0
    url: str = ""
    source: str = ""
    path: str = ""  # structure path at the chunk's start: "Chương II › Điều 5 › Khoản 2 › Điểm b"
    marks: tuple[tuple[int, str], ...] = ()  # (offset in the document, formal place from there on), ascending
    page_start: int = 0  # 1-based pages the chunk spans (0 = the document has no pages)
    page_end: int = 0

    @property
    def point_id(self) -> str:
        return point_id(self.doc_id, self.chunk_index)

    def place_at(self, offset: int) -> str:
        """The formal place ("điểm b khoản 2 Điều 3", "mục II.1") of a character of the chunk.

        ``offset`` counts from the start of ``text``; "" when the structure is unknown.

        >>> c = Chunk("d", 0, "Điều 3. A 1. B", start=100, marks=((100, "Điều 3"), (110, "khoản 1 Điều 3")))
        >>> c.place_at(0), c.place_at(12)
        ('Điều 3', 'khoản 1 Điều 3')
        """
        place = ""
        for at, where in self.marks:
            if at > self.start + offset:
                break
            place = where
        return place


@dataclass(frozen=True)
class SearchFilter:
    """Metadata conditions on a search; empty fields do not constrain.

    ``year_from``/``year_to`` are inclusive and compare the year of the document's date.
    """

    doc_types: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    doc_ids: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.doc_types or self.issuers or self.doc_ids or self.year_from or self.year_to)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and 1-based rank."""

    chunk: Chunk
    score: float
    rank: int
    dense_score: float | None = None
    sparse_score: float | None = None


@dataclass(frozen=True)
class Citation:
    """What an officer pastes into a draft: which document, where, and the exact words."""

    marker: int  # the n of "[n]" in the answer text
    doc_id: str
    title: str
    number: str
    date: str
    quote: str
    issuer: str = ""
    doc_type: str = ""
    section: str = ""  # formal place of the quote: "khoản 1 Điều 12", "mục II.3"
    heading: str = ""  # the heading above it, as printed: "Điều 12. Thời hạn công khai"
    provision: str = ""  # original provision of a compiled unit: "Điều 12 Luật ... số 10/2022/QH15"
    url: str = ""

    def label(self) -> str:
        """Human label: title, số hiệu and date, as far as they are known.

        >>> Citation(1, "d", "Luật Thực hiện dân chủ ở cơ sở", "10/2022/QH15", "10/11/2022", "").label()
        'Luật Thực hiện dân chủ ở cơ sở (số 10/2022/QH15, ngày 10/11/2022)'
        """
        parts = []
        if self.number:
            parts.append(f"số {self.number}")
        if self.date:
            parts.append(f"ngày {self.date}")
        return f"{self.title} ({', '.join(parts)})" if parts else self.title

    def formal(self) -> str:
        """The reference as officers write it: "Khoản 1 Điều 12 Luật ... số 10/2022/QH15 ngày ... của Quốc hội".

        See :func:`rag.cite.formal_line`.
        """
        from rag.cite import formal_line  # rag.cite builds on these types

        return formal_line(self)


@dataclass(frozen=True)
class Turn:
    """One message of a conversation (``role`` is ``user`` or ``assistant``)."""

    role: str
    content: str


@dataclass(frozen=True)
class Answer:
    """The result of one question: text with ``[n]`` markers and the citations behind them."""

    question: str
    text: str
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    refused: bool
    evidence: float  # how well the best passage supports an answer, 0..1


# --- events -----------------------------------------------------------------


@dataclass(frozen=True)
class Retrieved:
    """Retrieval finished; the hits are known before the answer is written."""

    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class Delta:
    """A piece of answer text (LLM backends stream these)."""

    text: str


@dataclass(frozen=True)
class Final:
    """The finished answer."""

    answer: Answer


@dataclass(frozen=True)
class Progress:
    """Ingest progress: ``done`` of ``total`` units of ``stage``."""

    stage: str
    done: int
    total: int
    message: str = ""
