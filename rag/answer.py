"""The extractive answerer: answers with the documents' own sentences, no LLM.

It scores every sentence of the top passages by how much of the question it
covers (question syllables and bigrams, weighted by how rare they are among the
retrieved passages), quotes the best one or two with ``[n]`` markers, and
refuses when no passage covers enough of the question.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.text import has_diacritics, locate, normalize, sentences, strip_accents, syllables
from rag.types import Answer, Citation, Hit, Turn

REFUSAL_TEXT = "Không tìm thấy thông tin này trong tài liệu đã nạp."

# Question words and glue that say nothing about the topic (checked unaccented,
# so "gi"/"gì" and "nao"/"nào" are both covered).
_STOP = set(
    strip_accents(w)
    for w in """là của và có không được thì các những cho trong với để theo nào gì bao nhiêu mấy ai
    đâu sao thế như vậy này đó kia khi nếu hay hoặc mà ở tại về từ đến bị do vì nên phải cần hỏi
    cho tôi xin bác chị anh em ạ nhé ơi luật quy định điều khoản văn bản người việc một những
    được không thế_nào làm sao bao_giờ chưa đã sẽ đang còn thì_sao hả vâng""".replace("_", " ").split()
)


@dataclass(frozen=True)
class _Scored:
    hit: Hit
    start: int
    end: int
    coverage: float  # weighted share of the question this sentence covers, 0..1
    score: float  # coverage discounted by the passage's rank: what picks the quote

    @property
    def text(self) -> str:
        return self.hit.chunk.text[self.start:self.end].strip()


def _key(word: str, accented: bool) -> str:
    return word if accented else strip_accents(word)


_YEAR = re.compile(r"(?:19[4-9]\d|20\d\d)")
_CLAUSE_WORDS = {"điều", "khoản", "điểm", "dieu", "khoan", "diem"}


def specific_terms(question: str) -> set[str]:
    """Document numbers and years a question names: evidence must mention them.

    Article numbers are left out (compiled units renumber articles).

    >>> sorted(specific_terms("Nghị quyết 25-NQ/TW năm 2013, Điều 2020 và 250 hộ"))
    ['2013', '25-nq/tw']
    """
    words = syllables(question)
    found = set()
    for i, word in enumerate(words):
        after_clause = i > 0 and words[i - 1] in _CLAUSE_WORDS
        if any(c.isdigit() for c in word) and any(c in "/-" for c in word):
            found.add(word)
        elif _YEAR.fullmatch(word) and not after_clause:
            found.add(word)
    return found


def missing_specifics(question: str, hits: Sequence[Hit]) -> set[str]:
    """The document numbers and years of the question that none of ``hits`` mentions."""
    wanted = specific_terms(question)
    if not wanted:
        return set()
    accented = has_diacritics(question)
    seen: set[str] = set()
    for hit in hits:
        c = hit.chunk
        seen.update(_key(w, accented) for w in syllables(" ".join((c.title, c.number, c.date, c.provision, c.text))))
        seen.update(_YEAR.findall(c.date))
    return {t for t in wanted if _key(t, accented) not in seen}


# What kind of answer a question wants, and how a sentence that has one looks.
_WANTS_WHEN = re.compile(r"\b(khi nao|bao gio|bao lau|thoi han|han chot|ngay nao|thoi gian|thoi hieu|luc nao|cham nhat|truoc ngay)\b")
_WANTS_COUNT = re.compile(r"\b(bao nhieu|may|so luong|ty le|muc)\b")
_HAS_TIME = re.compile(r"\d|\b(ngay|thang|nam|quy|tuan|gio|hang nam|dinh ky)\b")
_HAS_COUNT = re.compile(r"\d|\b(mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi|tram|nghin|mot nua|phan)\b")


def answer_type(question: str) -> re.Pattern | None:
    """The pattern a sentence must match to answer the question's kind ("when", "how many").

    >>> answer_type("Thời hạn khiếu nại là bao lâu?") is _HAS_TIME
    True
    """
    bare = strip_accents(normalize(question)).lower()
    if _WANTS_WHEN.search(bare):
        return _HAS_TIME
    if _WANTS_COUNT.search(bare):
        return _HAS_COUNT
    return None


def question_terms(question: str) -> tuple[list[str], bool]:
    """Content syllables of a question, compared accented only if it has accents."""
    accented = has_diacritics(question)
    words = [_key(w, accented) for w in syllables(question)]
    return [w for w in words if strip_accents(w) not in _STOP and len(w) > 1 or w.isdigit()], accented


class ExtractiveAnswerer:
    """Answers with quoted sentences of the retrieved passages.

    >>> ExtractiveAnswerer().answer("câu hỏi", []).text.startswith(REFUSAL_TEXT)
    True
    """

    def __init__(self, max_sentences: int = 2, refusal_threshold: float = 0.22, passages: int = 5, must_match: int = 3, rank_decay: float = 0.5, type_penalty: float = 0.7, phrase_weight: float = 0.5) -> None:
        self.max_sentences = max_sentences
        self.refusal_threshold = refusal_threshold
        self.passages = passages
        self.rank_decay = rank_decay  # how much a lower-ranked passage's sentences are discounted
        self.phrase_weight = phrase_weight  # weight of each question word pair found in order
        self.type_penalty = type_penalty  # score factor of a sentence that lacks the wanted number/date
        self.must_match = must_match  # named numbers/years must appear in one of this many top passages

    def answer(self, question: str, hits: Sequence[Hit], history: Sequence[Turn] = ()) -> Answer:
        missing = missing_specifics(question, hits[: self.must_match])
        if missing:  # "Nghị quyết 25-NQ/TW" is not "Nghị quyết 26-NQ/TW": do not answer from the wrong one
            return self._refuse(question, hits, 0.0)
        terms, accented = question_terms(question)
        top = list(hits[: self.passages])
        scored = self._score(terms, accented, top, answer_type(question))
        best = max(scored, key=lambda s: s.score, default=None)
        evidence = max((s.coverage for s in scored), default=0.0)
        if best is None or evidence < self.refusal_threshold:
            return self._refuse(question, hits, evidence)
        chosen = [best]
        for candidate in sorted(scored, key=lambda s: -s.score):
            if len(chosen) >= self.max_sentences:
                break
            # Only the best passage's own document: on civic_dev a second document's sentence
            # was a correct citation 10 times in 58.
            same_doc = candidate.hit.chunk.doc_id == best.hit.chunk.doc_id
            if candidate is not best and same_doc and candidate.score >= 0.75 * best.score:
                if not any(c.hit is candidate.hit and c.start == candidate.start for c in chosen):
                    chosen.append(candidate)
        chosen = [_extend_list(s) for s in chosen]
        return self._compose(question, hits, chosen, evidence)

    # -- scoring -------------------------------------------------------------

    def _score(self, terms: list[str], accented: bool, hits: list[Hit], wants: re.Pattern | None = None) -> list[_Scored]:
        if not terms or not hits:
            return []
        unique = list(dict.fromkeys(terms))
        bigrams = {f"{a} {b}" for a, b in zip(terms, terms[1:])}
        words_of = {id(h): {_key(w, accented) for w in syllables(h.chunk.title + " " + h.chunk.text)} for h in hits}
        # Rarer among the retrieved passages = more telling; +1 keeps every weight > 0.
        weight = {t: math.log(1 + (len(hits) + 1) / (1 + sum(t in words_of[id(h)] for h in hits))) + 0.2 for t in unique}
        total = sum(weight.values()) + self.phrase_weight * len(bigrams)
        out = []
        for hit in hits:
            context = {_key(w, accented) for w in syllables(hit.chunk.title + " " + hit.chunk.section)}
            for start, end in sentences(hit.chunk.text):
                words = [_key(w, accented) for w in syllables(hit.chunk.text[start:end])]
                if len(words) < 3:
                    continue
                have = set(words)
                # A term in the passage's title or heading half-counts for its sentences.
                covered = sum(weight[t] * (1.0 if t in have else 0.5 if t in context else 0.0) for t in unique)
                pairs = {f"{a} {b}" for a, b in zip(words, words[1:])}
                covered += self.phrase_weight * len(bigrams & pairs)
                rank_prior = 1.0 / (1.0 + self.rank_decay * (hit.rank - 1))
                # A "how many"/"when" question is answered by a sentence with a number or a date.
                bare = " ".join(strip_accents(w) for w in words).replace("mot so", "")  # "một số" counts nothing
                fits = 1.0 if wants is None or wants.search(bare) else self.type_penalty
                out.append(_Scored(hit, start, end, covered / total, covered / total * rank_prior * fits))
        return out

    # -- composing -----------------------------------------------------------

    def _compose(self, question: str, hits: Sequence[Hit], chosen: list[_Scored], evidence: float) -> Answer:
        markers: dict[str, int] = {}
        quotes: dict[int, list[str]] = {}
        parts = []
        for s in sorted(chosen, key=lambda s: (s.hit.rank, s.start)):
            marker = markers.setdefault(s.hit.chunk.point_id, len(markers) + 1)
            quotes.setdefault(marker, []).append(s.text)
            parts.append(f"{s.text} [{marker}]")
        lead = chosen[0].hit.chunk
        where = f"Theo {_short_label(lead)}: " if lead.title else ""
        citations = []
        for hit in hits:
            marker = markers.get(hit.chunk.point_id)
            if marker is not None and marker not in {c.marker for c in citations}:
                c = hit.chunk
                first = min((s for s in chosen if s.hit is hit), key=lambda s: s.start)
                citations.append(
                    Citation(marker, c.doc_id, c.title, c.number, c.date, " … ".join(quotes[marker]),
                             issuer=c.issuer, doc_type=c.doc_type, url=c.url, heading=c.section, provision=c.provision,
                             section=locate(c.text, first.start, c.section))
                )
        return Answer(question, where + "\n".join(parts), tuple(sorted(citations, key=lambda c: c.marker)),
                      tuple(hits), False, round(min(evidence, 1.0), 4))

    def _refuse(self, question: str, hits: Sequence[Hit], evidence: float) -> Answer:
        seen: dict[str, str] = {}
        for hit in hits:
            if hit.chunk.doc_id not in seen and len(seen) < 3:
                seen[hit.chunk.doc_id] = _short_label(hit.chunk)
        text = REFUSAL_TEXT
        if seen:
            text += "\nCác tài liệu gần nhất:\n" + "\n".join(f"- {label}" for label in seen.values())
        return Answer(question, text, (), tuple(hits), True, round(min(evidence, 1.0), 4))


def _extend_list(s: _Scored) -> _Scored:
    """A sentence that opens a list ("... gồm:") brings its items along (up to ~80 words)."""
    if not s.text.endswith(":"):
        return s
    text = s.hit.chunk.text
    end = s.end
    for start, stop in sentences(text):
        if start >= s.end and len(text[s.start:stop].split()) <= 80:
            end = stop
        elif start >= s.end:
            break
    return _Scored(s.hit, s.start, end, s.coverage, s.score)


def _short_label(chunk) -> str:
    title = chunk.title
    extra = ", ".join(p for p in (f"số {chunk.number}" if chunk.number else "", f"ngày {chunk.date}" if chunk.date else "") if p)
    return f"{title} ({extra})" if extra else title
