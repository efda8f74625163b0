"""Which sentences may answer: the question's terms less the document's reference, the kind of
answer asked, the document or list a question names, and passages plainly on its subject.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.answer.refuse import PLAIN_COVERAGE
from rag.answer.scored import _Scored, article_of
from rag.evidence import Terms, holds_counted, holds_kind
from rag.query import DOC_TYPES, Query
from rag.text import normalize, strip_accents, syllables


def without_reference(terms: Terms, q: Query) -> Terms:
    """``terms`` less those that only name the document the question is about: its type word, số
    hiệu and year ("Nghị định 125 năm 2026 do ai ký?" asks "ký"; "nghị định", "125", "năm 2026" are in
    every passage of that document and say nothing of the answer). Unchanged when the question names
    no document by number, or is nothing but the reference.

    >>> from rag.evidence import key_terms
    >>> from rag.query import parse
    >>> q = parse("Nghị định 125 năm 2026 do ai ký?")
    >>> without_reference(key_terms(q.evidence_text, ["Nghị định 125/2026 quy định về khoa học."]), q).units
    ('ký',)
    """
    if not q.numbers:
        return terms
    named = set()
    for n in q.numbers:
        named.update(n.doc_type.split())
        named.update(w for w in re.split(r"[\s/.-]+", n.text) if w)
        named.update(filter(None, (n.serial, n.year, *n.code)))
    named.update(str(y) for y in q.years)
    named.update(("so", "nam"))

    def reference(unit: str) -> bool:
        return all(w in named or any(part in named for part in re.split(r"[/.-]", w) if part)
                   for w in (strip_accents(x).lower() for x in unit.split()))

    keep = [(u, w) for u, w in zip(terms.units, terms.weights) if not reference(u)]
    if not keep or len(keep) == len(terms.units):
        return terms
    return Terms(tuple(u for u, _ in keep), tuple(w for _, w in keep), terms.accented)


def _names_list(lists: tuple[str, ...], text: str) -> bool:
    r"""True when ``text`` is a list whose heading or lead-in names what a list question asks
    (:func:`rag.evidence.listed`): its first line over items, or what precedes the ":" of a list on
    one line ("Thành phần Ban Cứu trợ … phải có đại diện các cơ quan: Hội Chữ thập đỏ; …").

    >>> _names_list(("co", "quan"), "a) Ban phải có đại diện các cơ quan: Hội Chữ thập đỏ; cơ quan Y tế; cơ quan Tài chính.")
    True
    >>> _names_list(("co", "quan"), "I. TIÊU CHÍ\n1. Có cơ quan chủ trì."), _names_list(("tieu", "chi"), "I. TIÊU CHÍ\n1. Mô hình hay.")
    (False, True)
    """
    if "\n" in text.strip():
        return holds_counted(lists, text.strip().split("\n", 1)[0])
    lead, colon, items = text.partition(":")
    return bool(colon) and items.count(";") >= 1 and holds_counted(lists, lead)


_OPENING = re.compile(r"\s*(?:Căn cứ|Thực hiện|Nhằm|Để|Trên cơ sở|Quán triệt|Triển khai|Theo)\b")
_SCOPE_FILLER = {"cua", "theo", "trong", "ve", "den", "toi", "la", "gi", "thi", "nay", "do", "so", "nhung", "van",
                 "de", "noi", "dung", "chinh", "quy", "dinh", "dieu", "pham", "vi", "linh", "vuc", "viec", "vay",
                 "the", "cap", "nam"}


def _under_type_name(s: _Scored) -> bool:
    """True when the line above the sentence is a document type in capitals ("KẾ HOẠCH", "BÁO CÁO"):
    the sentence is the document's trích yếu (NĐ 30/2020, Phụ lục I, ô 5a)."""
    above = s.hit.chunk.text[: s.start].rstrip().rsplit("\n", 1)[-1].strip()
    return bool(above) and above.isupper() and strip_accents(above).lower() in DOC_TYPES


def names_document(q, chunk) -> bool:
    """True when ``chunk`` belongs to the document a scope question names (:attr:`Query.asks_scope`).

    By số hiệu when the question gives one; otherwise by the type it names ("Luật", "Nghị định")
    and every other word of the question, found in the chunk's title, source provision or opening.

    >>> from rag.query import parse
    >>> from rag.types import Chunk
    >>> law = Chunk("d", 0, "Luật này quy định về tiếp công dân.", title="Luật Tiếp công dân", doc_type="Luật")
    >>> names_document(parse("Luật Tiếp công dân quy định về vấn đề gì?"), law)
    True
    >>> names_document(parse("Luật Đất đai quy định về vấn đề gì?"), law)
    False
    """
    if q.numbers:
        return any(n.matches(chunk.number, chunk.doc_type) for n in q.numbers)
    place = strip_accents(normalize(f"{chunk.title} {chunk.provision} {chunk.text[:300]}")).lower()
    types = q.doc_types or tuple(t for t in DOC_TYPES if strip_accents(q.text).lower().startswith(t))
    kind = strip_accents(chunk.doc_type or "").lower()
    if types and kind and not any(kind == t or kind.startswith(t + " ") for t in types):
        return False
    skip = set(" ".join(types).split()) | _SCOPE_FILLER
    words = [w for w in (strip_accents(w).lower() for w in syllables(q.text)) if w not in skip and not w.isdigit()]
    have = set(syllables(place))
    return all(w in have for w in words)


def fits_kind(q: Query, text: str, counts: tuple[str, ...] | None = None) -> bool:
    r"""True when ``text`` can carry the kind of answer ``q`` asks (:func:`rag.evidence.holds_kind`),
    or, for "có mấy hình thức …?", is a list whose lead-in names what is counted: its items count.

    >>> from rag.query import parse
    >>> forms = "Hình thức công khai gồm:\na) Niêm yết tại trụ sở;\nb) Thông báo trên loa truyền thanh."
    >>> fits_kind(parse("Có mấy hình thức công khai?"), forms), fits_kind(parse("Có mấy thành viên?"), forms)
    (True, False)
    """
    if holds_kind(q.kind, text):
        return True
    counts = q.counts if counts is None else counts
    if q.kind != "number" or not counts:
        return False
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) < 3 or not lines[0].rstrip().endswith(":"):
        return False
    return holds_counted(counts, lines[0])


def _on_subject_by_words(q: Query, terms: Terms, scored: Sequence[_Scored]) -> bool:
    """True when the passages plainly are about the question, whatever the dense leg says: one
    sentence holds every key term of the question whole, or covers :data:`PLAIN_COVERAGE` of them
    ("Thôn Đông Hòa có bao nhiêu kiến nghị?" against a row "Thôn: Đông Hòa; Số kiến nghị: 25" of a
    small Word file whose one chunk mixes topics), or the article the question names is among them
    ("Điều 4 … quy định gì?"), or one document's retrieved passages hold every key term whole.

    On civic_dev's 20 unanswerable and 140 counterfactual questions, and the 120 out-of-subject
    ones (EVALS.md, "Answers"), no out-of-subject question came above 0.70, so the out-of-subject bar
    refuses them as before; no answerable civic_dev question is below the bar at all.
    """
    units = set(terms.units)
    if units and any(units <= s.held or s.coverage >= PLAIN_COVERAGE for s in scored):
        return True
    # one document's retrieved passages (with its title) holding every key term whole: "Tổ công nghệ
    # số cộng đồng có bao nhiêu thành viên?" over a news item naming the team in its first passage and
    # its "68 thành viên" in the next; an everyday question outside the documents has no such document
    documents: dict[str, list[str]] = {}
    for h in {id(s.hit): s.hit for s in scored}.values():
        documents.setdefault(h.chunk.doc_id, [h.chunk.title]).append(h.chunk.text)
    if units and any(all(terms.holds(u, "\n".join(texts)) for u in units) for texts in documents.values()):
        return True
    return bool(q.article) and any(article_of(s.hit.chunk, s.start) == q.article for s in scored)
