"""Which text is in force among the retrieved passages.

Two signals, both read from what retrieval returned (no registry of legal status
exists offline):

* a document says it replaces, repeals or amends another by number ("Quyết định này
  thay thế Quyết định số 12/2020/QĐ-UBND", "bãi bỏ ...", "sửa đổi, bổ sung một số
  điều của ...");
* two versions of one document are indexed: same title, different dates (or the
  same number with different dates) — the later one is current.

The answerer prefers sentences of current documents and says which was replaced. When two
versions cannot be ordered (no date, or the same one) and say different things, it says so
(:func:`twins`): an officer must not paste the old figure unwarned.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.text import normalize
from rag.types import Chunk, Hit

_NUMBER = r"(\d{1,4}/(?:\d{4}/)?[A-ZĐ][A-ZĐ0-9-]*)"
_CHANGES = re.compile(
    r"\b(thay thế|bãi bỏ|sửa đổi, bổ sung|sửa đổi)\b[^.;\n]{0,160}?\bsố\s+" + _NUMBER
)


@dataclass(frozen=True)
class Change:
    """``newer`` replaces, repeals or amends the document numbered ``old_number`` (or ``old`` itself)."""

    verb: str  # "thay thế", "bãi bỏ", "sửa đổi, bổ sung", or "thay thế" for a later version
    newer: Chunk
    old: Chunk | None = None


def _date_key(date: str) -> tuple[int, int, int]:
    parts = re.findall(r"\d+", date)
    if len(parts) != 3:
        return (0, 0, 0)
    d, m, y = (int(p) for p in parts)
    return (y, m, d)


def _same_title(a: str, b: str) -> bool:
    strip = lambda t: re.sub(r"[\d/()-]+|\b(năm|ngày|sửa đổi|bổ sung)\b", " ", normalize(t).lower()).split()  # noqa: E731
    return bool(a) and strip(a) == strip(b)


def changes(hits: Sequence[Hit]) -> dict[str, Change]:
    """Doc ids of hits whose text is no longer (wholly) in force, with what changed them.

    >>> old = Chunk("qd-12", 0, "Điều 1. Mức hỗ trợ 100.000 đồng.", number="12/2020/QĐ-UBND", date="01/02/2020")
    >>> new = Chunk("qd-30", 0, "Quyết định này thay thế Quyết định số 12/2020/QĐ-UBND.", number="30/2024/QĐ-UBND")
    >>> changes([Hit(old, 1.0, 1), Hit(new, 0.9, 2)])["qd-12"].newer.doc_id
    'qd-30'
    """
    chunks = {h.chunk.doc_id: h.chunk for h in hits}
    by_number: dict[str, list[Chunk]] = {}
    for c in chunks.values():
        if c.number:
            by_number.setdefault(c.number.lower(), []).append(c)
    out: dict[str, Change] = {}
    for c in chunks.values():
        for m in _CHANGES.finditer(normalize(c.text)):
            verb, number = m.group(1).lower(), m.group(2).lower()
            if number == c.number.lower():
                continue
            for old in by_number.get(number, []):
                if old.doc_id != c.doc_id:
                    out.setdefault(old.doc_id, Change(verb, c, old))
    listed = list(chunks.values())
    for i, a in enumerate(listed):
        for b in listed[i + 1:]:
            same = (a.number and a.number == b.number) or _same_title(a.title, b.title)
            if not same or a.date == b.date or not (a.date and b.date):
                continue
            older, newer = sorted((a, b), key=lambda c: _date_key(c.date))
            out.setdefault(older.doc_id, Change("thay thế", newer, older))
    return out


def note(lead: Chunk, found: dict[str, Change], label) -> str:
    """The sentence telling the officer which text was replaced ("" when nothing was).

    ``label`` formats a chunk's document ("Title (số ..., ngày ...)").
    """
    if lead.doc_id in found:
        ch = found[lead.doc_id]
        return f"Lưu ý: {label(lead)} đã được {ch.verb} bởi {label(ch.newer)}; cần đối chiếu văn bản hiện hành."
    replaced = [ch for ch in found.values() if ch.newer.doc_id == lead.doc_id and ch.old is not None]
    if replaced:
        olds = "; ".join(label(ch.old) for ch in replaced)
        return f"Văn bản này {replaced[0].verb} {olds}."
    return ""


def twins(lead: Chunk, quoted: str, hits: Sequence[Hit]) -> list[Chunk]:
    """Other retrieved documents of ``lead``'s very title that cannot be ordered against it (no
    date on one of them, or the same date; and no different issuer or số hiệu) and whose retrieved
    text does not hold ``quoted`` (each piece of it): two versions that may disagree, neither known to
    be current. One chunk per document, in rank order; the answerer warns only when it finds the
    other's differing sentence.

    >>> a = Chunk("file:qc.txt", 0, "Công khai chậm nhất 07 ngày.", title="Quy chế phối hợp")
    >>> b = Chunk("file:qc-2026.txt", 0, "Công khai chậm nhất 05 ngày.", title="Quy chế phối hợp")
    >>> [c.doc_id for c in twins(a, "Công khai chậm nhất 07 ngày.", [Hit(a, 1.0, 1), Hit(b, 0.9, 2)])]
    ['file:qc-2026.txt']
    >>> twins(a, "Công khai chậm nhất 07 ngày.", [Hit(a, 1.0, 1), Hit(a, 0.9, 2)])
    []
    """
    pieces = [" ".join(normalize(p).split()) for p in quoted.split(" … ")]
    pieces = [p for p in pieces if p]
    found: dict[str, Chunk] = {}
    holds: set[str] = set()
    for hit in hits:
        c = hit.chunk
        if c.doc_id == lead.doc_id:
            continue
        # the very same title (units of one compiled law share a số hiệu and differ in title)
        same = bool(lead.title) and normalize(lead.title).lower() == normalize(c.title).lower()
        if not same or (lead.date and c.date and lead.date != c.date):
            continue  # another document, or versions the dates order (:func:`changes`)
        if any(a and b and a != b for a, b in ((lead.issuer, c.issuer), (lead.number, c.number))):
            continue  # a "Quy chế làm việc" of another body, not a version of this one
        found.setdefault(c.doc_id, c)
        text = " ".join(normalize(c.text).split())
        if pieces and all(p in text for p in pieces):
            holds.add(c.doc_id)
    return [c for d, c in found.items() if d not in holds]


def twins_note(others: Sequence[Chunk], label) -> str:
    """The warning for :func:`twins` ("" when there are none)."""
    if not others:
        return ""
    names = "; ".join(label(c) for c in others)
    return (f"Lưu ý: {names} cùng tên với văn bản trên nhưng quy định khác, và không rõ văn bản nào "
            "ban hành sau; cần đối chiếu để dùng văn bản hiện hành.")
