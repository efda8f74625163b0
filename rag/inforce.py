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

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.query import DOC_TYPES, DocNumber, normalize_date, parse_number
from rag.text import normalize, strip_accents
from rag.types import Chunk, Hit

# Read on the unaccented, lower-case text (one character for one, so spans hold in both): officers'
# files are typed with and without diacritics, and a reference's "QĐ" is as often "QD".
_TYPES = "|".join(sorted([*DOC_TYPES, "quy dinh", "van ban", "dieu le", "noi quy"], key=len, reverse=True))
#: A clause ends at a sentence end or a line; a reference never spans one.
_CLAUSE = re.compile(r"[^\n]+?(?:[.;!?](?=\s+[a-z(\"“]|\s*$)|$)", re.MULTILINE)
_VERB = re.compile(r"\b(?:(?P<passive>(?:da |se )?(?:duoc|bi) )(?:thay the|bai bo|sua doi, bo sung|sua doi)\b"
                   r"|(?P<active>thay the|bai bo|sua doi, bo sung|sua doi)\b|(?P<lapse>het hieu luc)\b)")
_WORDS = {"thay the": "thay thế", "bai bo": "bãi bỏ", "sua doi, bo sung": "sửa đổi, bổ sung", "sua doi": "sửa đổi, bổ sung",
          "het hieu luc": "thay thế"}
#: "Quyết định số 12/2020/QĐ-UBND", "Quyết định 14/2023", "số 05/2020", "Quy chế số 03" (type and serial),
#: "Kế hoạch ngày 05/3/2025" (type and date), "Quyết định này" (the text itself).
_REF = re.compile(
    rf"\b(?:(?P<type>{_TYPES})\s+(?:(?:so|so hieu)\s*:?\s*)?|(?:so|so hieu)\s*:?\s*)"
    r"(?P<number>\d{1,4}(?:[/-][0-9a-z]+)+|\d{1,4}\b(?![/.,]\d))"
    rf"|\b(?P<dtype>{_TYPES})\s+ngay\s+(?P<date>\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{4}}|\d{{1,2}} thang \d{{1,2}} nam \d{{4}})"
    rf"|\b(?P<self>{_TYPES}) nay\b"
)
_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}$")


@dataclass(frozen=True)
class Change:
    """``newer`` replaces, repeals or amends the document numbered ``old_number`` (or ``old`` itself)."""

    verb: str  # "thay thế", "bãi bỏ", "sửa đổi, bổ sung", or "thay thế" for a later version
    newer: Chunk
    old: Chunk | None = None

    @property
    def whole(self) -> bool:
        """True when the older text is out of force as a whole (replaced, repealed), not amended in part."""
        return self.verb != "sửa đổi, bổ sung"


def _date_key(date: str) -> tuple[int, int, int]:
    parts = re.findall(r"\d+", date)
    if len(parts) != 3:
        return (0, 0, 0)
    d, m, y = (int(p) for p in parts)
    return (y, m, d)


def _same_title(a: str, b: str) -> bool:
    strip = lambda t: re.sub(r"[\d/()-]+|\b(năm|ngày|sửa đổi|bổ sung)\b", " ", normalize(t).lower()).split()  # noqa: E731
    return bool(a) and strip(a) == strip(b)


def _fold(text: str) -> str:
    return strip_accents(text).lower()


def _refers(m: re.Match, chunk: Chunk) -> tuple[bool, bool]:
    """Whether reference ``m`` can name ``chunk``'s document, and whether its type says so too."""
    kind = _fold(chunk.doc_type)
    if m.group("date"):
        return normalize_date(m.group("date")) == normalize_date(chunk.date) != "" and m.group("dtype") == kind, True
    written, typed = m.group("number"), m.group("type") or ""
    if not chunk.number or not written or _DATE.match(written):
        return False, False
    n = parse_number(written) or DocNumber(written, written.lstrip("0") or "0", doc_type=typed)
    if n.code:  # a full số hiệu names its document whatever type word stands before it ("kèm theo Quyết định số")
        return n.matches(chunk.number), True
    if not n.year:  # "Quy chế số 03": a serial is a document only with its type
        return bool(typed) and n.matches(chunk.number, chunk.doc_type), True
    return n.matches(chunk.number), not typed or typed == kind


def _named(refs: list[re.Match], chunks: Sequence[Chunk], own: Chunk) -> list[Chunk]:
    """The documents among ``chunks`` (not ``own``'s) that the references name; for a partial number,
    those of its type when there are any."""
    out: list[Chunk] = []
    for m in refs:
        found = [(c, typed) for c in chunks if c.doc_id != own.doc_id for ok, typed in [_refers(m, c)] if ok]
        strict = [c for c, typed in found if typed]
        out += [c for c in (strict or [c for c, _ in found]) if c not in out]
    return out


def _clauses(c: Chunk, chunks: Sequence[Chunk]):
    """``(verb, older, newer)`` for each change a clause of ``c`` states; ``c`` stands for "này"."""
    text = _fold(normalize(c.text))
    for clause in _CLAUSE.finditer(text):
        body = clause.group(0)
        verb = _VERB.search(body)
        if not verb:
            continue
        refs = list(_REF.finditer(body))
        before = [m for m in refs if m.end() <= verb.start()]
        after = [m for m in refs if m.start() >= verb.end()]
        subject = _named([m for m in before if not m.group("self")], chunks, c)
        itself = any(m.group("self") for m in before) or not [m for m in before if not m.group("self")]
        word = _WORDS[re.sub(r"^(?:da |se )?(?:duoc|bi) ", "", verb.group(0))]
        if verb.group("lapse"):  # "Quyết định số 08/2021/QĐ-UBND … hết hiệu lực kể từ ngày Quyết định này …"
            for old in subject:
                yield word, old, c
        elif verb.group("passive"):  # "(Văn bản này) đã được thay thế bởi Quyết định số 19/2025/QĐ-UBND"
            newer = _named(after, chunks, c)
            for old in subject or ([c] if itself else []):
                for new in newer:
                    if new.doc_id != old.doc_id:
                        yield word, old, new
        else:  # "Quy chế này thay thế Quy chế ban hành kèm theo Quyết định số 12/2020/QĐ-UBND và …"
            newer = subject[0] if subject and not itself else c
            for old in _named(after, chunks, c) if newer is c else _named(after, chunks, newer):
                if old.doc_id != newer.doc_id:
                    yield word, old, newer


def changes(hits: Sequence[Hit]) -> dict[str, Change]:
    """Doc ids of hits whose text is no longer (wholly) in force, with what changed them.

    A clause of a retrieved text says so ("Quyết định này thay thế Quyết định số …", "… bãi bỏ …",
    "sửa đổi, bổ sung … kèm theo Quyết định số …", "Quyết định số … hết hiệu lực …", "Văn bản này đã
    được thay thế bởi …", "Kế hoạch này thay thế Kế hoạch ngày 05/3/2025 …"), naming the other by số
    hiệu (in full, in part with its type, or typed with D for Đ) or by type and date; or two versions
    of one title carry different dates (the later one is current).

    >>> old = Chunk("qd-12", 0, "Điều 1. Mức hỗ trợ 100.000 đồng.", number="12/2020/QĐ-UBND", date="01/02/2020")
    >>> new = Chunk("qd-30", 0, "Quyết định này thay thế Quyết định số 12/2020/QĐ-UBND.", number="30/2024/QĐ-UBND")
    >>> changes([Hit(old, 1.0, 1), Hit(new, 0.9, 2)])["qd-12"].newer.doc_id
    'qd-30'
    """
    chunks = list({h.chunk.doc_id: h.chunk for h in hits}.values())
    texts: dict[str, list[Chunk]] = {}
    for h in hits:  # every retrieved passage of a document may hold its clause
        texts.setdefault(h.chunk.doc_id, []).append(h.chunk)
    out: dict[str, Change] = {}
    for own in texts.values():
        for c in own:
            for verb, old, newer in _clauses(c, chunks):
                out.setdefault(old.doc_id, Change(verb, newer, old))
    for i, a in enumerate(chunks):
        for b in chunks[i + 1:]:
            same = (a.number and a.number == b.number) or _same_title(a.title, b.title)
            if not same or a.date == b.date or not (a.date and b.date):
                continue
            older, newer = sorted((a, b), key=lambda c: _date_key(c.date))
            out.setdefault(older.doc_id, Change("thay thế", newer, older))
    return out


def in_force_first(scored: Sequence, found: dict[str, Change], threshold: float) -> list:
    """``scored`` sentences (with ``hit``, ``score`` and ``coverage``) with those of changed texts
    halved, and, for a text replaced or repealed as a whole, the best sentence of the text that
    replaced it raised to where the old text's best stood: the text in force answers in its place.
    That sentence must speak of the matter (coverage at half ``threshold``: the old text's sentence
    already shows the question is on the documents' subject, and a new version is often worded
    otherwise than people still ask). Amended texts keep what was not amended.
    """
    standing: dict[str, float] = {}  # newer doc id -> the best score of the texts it replaced
    for s in scored:
        change = found.get(s.hit.chunk.doc_id)
        if change is not None and change.whole:
            standing[change.newer.doc_id] = max(standing.get(change.newer.doc_id, 0.0), s.score)
    heirs: dict[str, int] = {}  # newer doc id -> index of its best sentence on the matter
    for i, s in enumerate(scored):
        doc = s.hit.chunk.doc_id
        if doc in standing and doc not in found and s.coverage >= 0.5 * threshold:
            if doc not in heirs or s.score > scored[heirs[doc]].score:
                heirs[doc] = i
    raised = {i: standing[doc] for doc, i in heirs.items()}
    out = []
    for i, s in enumerate(scored):
        if s.hit.chunk.doc_id in found:
            s = dataclasses.replace(s, score=s.score * 0.5)
        elif raised.get(i, 0.0) > s.score:
            s = dataclasses.replace(s, score=raised[i])
        out.append(s)
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
