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
from collections.abc import Sequence

from rag import cite, inforce
from rag.answer.compose import _counterpart, compose, twin_label
from rag.answer.expand import (
    _neighbours,
    article_opening,
    heading_list,
    narrowed,
    whole_list,
    whole_sentence,
    with_lead_in,
)
from rag.answer.refuse import (
    DEFAULT_REFUSAL_THRESHOLD,
    min_dense_similarity,
    missing_specifics,
    names_dated_document,
    off_subject,
    refusal,
    short_label,
)
from rag.answer.scored import _Scored, article_of, is_heading, titled, within_unit
from rag.answer.select import (
    _OPENING,
    _names_list,
    _on_subject_by_words,
    _under_type_name,
    fits_kind,
    names_document,
    without_reference,
)
from rag.evidence import Terms, counted_in, holds_counted, holds_kind, key_terms, levels, other_level
from rag.guard import is_instruction, without_instructions
from rag.query import Query, as_query
from rag.text import normalize, sentences
from rag.types import Answer, Hit, Turn


class ExtractiveAnswerer:
    """Answers with quoted sentences of the retrieved passages.

    >>> from rag.answer.refuse import REFUSAL_TEXT
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
        return compose(question, hits, chosen, evidence)


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
