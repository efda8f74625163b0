"""Plain frozen dataclasses passed between pipeline stages.

Framework objects (Qdrant ``ScoredPoint``, llama-index nodes) are converted to
these at the adapter edge, so every stage can be tested with plain values.
"""

from __future__ import annotations

import re
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

        See :func:`formal_line`.
        """
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


# -- the formal line -------------------------------------------------------------
# The formal line follows how officers cite in drafts (Nghị định 30/2020/NĐ-CP, Phụ lục I on the
# form of references): place, document kind and name, số hiệu, date, issuer: "Khoản 1 Điều 12 Luật
# Thực hiện dân chủ ở cơ sở số 10/2022/QH15 ngày 10/11/2022 của Quốc hội".

_COMPILED_ARTICLE = re.compile(r"Điều\s+\d+(?:\.[\w]+)+")  # Pháp điển numbering: "Điều 44.13.LQ.12"
_SOURCE_ARTICLE = re.compile(r"^\s*(Điều\s+\d+[a-zđ]?)\b")
_CODE_KINDS = ("Luật", "Bộ luật", "Pháp lệnh", "Hiến pháp")


#: The type ingest gives a file whose header names none: no kind to put before the title.
UNKNOWN_TYPE = "Tài liệu"


def document_name(citation: Citation) -> str:
    """The document as named in a reference: "Luật Thực hiện dân chủ ở cơ sở", "Thông tư".

    Pháp điển units carry the topic ("Thực hiện dân chủ ở cơ sở – Điều 44.13.LQ.24. ...")
    as title: for a law the topic is the law's name; otherwise only the kind is sure.

    >>> document_name(Citation(1, "d", "Thực hiện dân chủ ở cơ sở – Điều 44.13.LQ.12. X", "10/2022/QH15", "", "", doc_type="Luật"))
    'Luật Thực hiện dân chủ ở cơ sở'
    >>> document_name(Citation(1, "d", "Thông báo lịch tiếp dân", "", "", "", doc_type="Tài liệu"))  # type unknown
    'Thông báo lịch tiếp dân'
    """
    title, kind = citation.title.strip(), citation.doc_type.strip()
    if kind == UNKNOWN_TYPE:
        kind = ""
    if " – " in title and _COMPILED_ARTICLE.search(title):
        topic = title.split(" – ", 1)[0].strip()
        if kind in _CODE_KINDS:
            return f"{kind} {topic}"
        return kind or topic
    if kind and not title.lower().startswith(kind.lower()):
        return f"{kind} {title}".strip() if title else kind
    return title


def formal_place(citation: Citation) -> str:
    """The place with a compiled article replaced by the article of the source provision.

    >>> formal_place(Citation(1, "d", "", "", "", "", section="khoản 1 Điều 44.13.LQ.12", provision="Điều 12 Luật số 10/2022/QH15"))
    'khoản 1 Điều 12'
    """
    section = citation.section.strip()
    compiled = _COMPILED_ARTICLE.search(section)
    if compiled:
        source = _SOURCE_ARTICLE.match(citation.provision)
        section = section[: compiled.start()] + source.group(1) + section[compiled.end():] if source else section[: compiled.start()].strip()
    return section


def formal_line(citation: Citation) -> str:
    """The reference as an officer writes it in a draft.

    >>> formal_line(Citation(1, "phapdien:44.13.LQ.12", "Thực hiện dân chủ ở cơ sở – Điều 44.13.LQ.12. Công khai",
    ...     "10/2022/QH15", "10/11/2022", "", issuer="Quốc hội", doc_type="Luật", section="khoản 1 Điều 44.13.LQ.12",
    ...     provision="Điều 12 Luật số 10/2022/QH15, có hiệu lực thi hành kể từ ngày 01/07/2023"))
    'Khoản 1 Điều 12 Luật Thực hiện dân chủ ở cơ sở số 10/2022/QH15 ngày 10/11/2022 của Quốc hội'
    """
    parts = [formal_place(citation), document_name(citation)]
    if citation.number:
        parts.append(f"số {citation.number}")
    if citation.date:
        parts.append(f"ngày {citation.date}")
    if citation.issuer and citation.issuer.lower() not in parts[1].lower():
        parts.append(f"của {citation.issuer}")
    line = " ".join(p for p in parts if p)
    return line[:1].upper() + line[1:]
