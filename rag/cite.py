"""The citation checker: where a quote sits and whether it holds.

Every answerer (extractive or LLM) hands its answer to :func:`verify` before the
answer is shown: a citation whose quote is not found, word for word after
normalisation, in a retrieved passage of the cited document is dropped together
with its ``[n]`` markers, and a sentence left with no marker is dropped too. An
answer never shows a citation that fails.

The formal line of a citation is :meth:`rag.types.Citation.formal` (:func:`rag.types.formal_line`).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence

from rag.answer.refuse import refusal
from rag.text import locate, normalize
from rag.types import Answer, Chunk, Citation, Hit

log = logging.getLogger(__name__)

#: What joins two quoted pieces of one passage in ``Citation.quote``.
QUOTE_JOINER = " … "

_SPACE = re.compile(r"\s+")
_MARKER = re.compile(r"\s?\[(\d+)\]")


def place(chunk: Chunk, offset: int) -> str:
    """The formal place of character ``offset`` of ``chunk.text`` ("khoản 1 Điều 12", "mục II.3").

    The chunker's structure marks decide when it left them; otherwise the place is
    read back from the text above the offset (:func:`rag.text.locate`).

    >>> place(Chunk("d", 0, "Điều 8. Họp\\n1. Mỗi quý.", section=""), 14)
    'khoản 1 Điều 8'
    """
    if chunk.marks:
        found = chunk.place_at(offset)
        if found:
            return found
    return locate(chunk.text, offset, chunk.section)


def span_place(chunk: Chunk, start: int, end: int) -> str:
    """The place of a quote ``chunk.text[start:end]``: the finest place that holds all of it.

    A quote running over khoản 1 and 2 of an article is cited at the article.

    >>> c = Chunk("d", 0, "Điều 8. Họp\\n1. Mỗi quý.\\n2. Khi cần.", section="")
    >>> span_place(c, 12, 23), span_place(c, 12, 34)
    ('khoản 1 Điều 8', 'Điều 8')
    >>> plan = Chunk("k", 0, "4. Nắm tình hình.\\n5. Vùng đồng bào.", section="II. NHIỆM VỤ", path="II › 4")
    >>> span_place(plan, 0, 17), span_place(plan, 0, 36)
    ('mục II.4', 'mục II')
    """
    first = place(chunk, start)
    last_char = max(start, len(chunk.text[:end].rstrip()) - 1)
    last = place(chunk, last_char)
    if first == last or not last:
        return first
    a, b = _PARTS.findall(first), _PARTS.findall(last)
    common = []
    for x, y in zip(reversed(a), reversed(b)):  # from the coarsest step (Điều, Mục) down
        if x != y:
            break
        common.insert(0, x)
    if not common and a and b:  # "mục II.4" and "mục II.5": their common outline number, "mục II"
        (kind_a, num_a), (kind_b, num_b) = a[-1].split(None, 1), b[-1].split(None, 1)
        shared = [x for x, _ in zip(*(n.split(".") for n in (num_a, num_b))) if x]
        shared = shared[: next((i for i, (x, y) in enumerate(zip(num_a.split("."), num_b.split("."))) if x != y),
                               len(shared))]
        if kind_a.lower() == kind_b.lower() and shared:
            return f"{kind_a} {'.'.join(shared)}"
    return " ".join(common) or first


_PARTS = re.compile(r"(?:điểm|khoản|Điều|mục|Mục|Chương|Phần)\s+[\w.]+")


def _form(text: str) -> str:
    return _SPACE.sub(" ", normalize(text).lower()).strip()


def quote_holds(quote: str, passage: str) -> bool:
    """True when every piece of ``quote`` (pieces joined by " … ") is in ``passage``.

    Both sides are compared normalised (NFC, one tone style), lower-cased, with
    whitespace collapsed; nothing else is forgiven.

    >>> quote_holds("công khai chậm nhất 05 ngày … niêm yết", "Xã công khai chậm nhất 05 ngày. Việc niêm yết")
    True
    >>> quote_holds("chậm nhất 30 ngày", "Xã công khai chậm nhất 05 ngày.")
    False
    """
    pieces = [p for p in (_form(p) for p in quote.split(QUOTE_JOINER.strip())) if p]
    haystack = _form(passage)
    return bool(pieces) and all(p in haystack for p in pieces)


def source_of(citation: Citation, hits: Sequence[Hit]) -> Hit | None:
    """The retrieved passage of the cited document that holds the citation's quote, if any."""
    for hit in hits:
        if hit.chunk.doc_id == citation.doc_id and quote_holds(citation.quote, hit.chunk.text):
            return hit
    return None


def verify(answer: Answer) -> Answer:
    """``answer`` without any citation that fails, its markers, or sentences left unsupported.

    A refusal is returned as it is. When no citation survives, the answer becomes
    a refusal (``refused=True``, no citations): an unsupported answer is never shown.
    """
    if answer.refused:
        return answer
    good, bad = [], set()
    for c in answer.citations:
        if source_of(c, answer.hits) is not None:
            good.append(c)
        else:
            bad.add(c.marker)
            log.warning("dropped citation [%d] of %s: quote not found in its passage", c.marker, c.doc_id)
    if not bad:
        return answer
    if not good:
        return refusal(answer.question, answer.hits, answer.evidence)
    return dataclasses.replace(answer, text=strip_markers(answer.text, bad), citations=tuple(good))


def strip_markers(text: str, bad: set[int]) -> str:
    """``text`` without the markers in ``bad``; a line that only had bad markers is dropped.

    >>> strip_markers("A [1]\\nB [2]\\nC", {2})
    'A [1]\\nC'
    """
    kept = []
    for line in text.split("\n"):
        markers = {int(m) for m in _MARKER.findall(line)}
        if markers and markers <= bad:
            continue
        kept.append(_MARKER.sub(lambda m: "" if int(m.group(1)) in bad else m.group(0), line))
    return "\n".join(kept)
