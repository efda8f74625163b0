"""The question-answering pipeline: hybrid retrieval, then an answer with citations.

``Pipeline.run`` yields typed events (``Retrieved``, then ``Final``) so a UI
only routes them to widgets; ``Pipeline.ask`` returns the final answer.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections.abc import Iterator, Sequence

from rag import sparse
from rag.abbrev import abbreviations_of
from rag.answer import build_answerer, min_dense_similarity, names_document, off_subject, refusal
from rag.catalog import Catalog
from rag.config import Settings
from rag.embed import Embedder, load_embedder
from rag.query import Article, Query, parse, points_back, retrieval_context
from rag.reader import DEPTH as _READER_DEPTH
from rag.reader import load_reader, reads
from rag.rerank import load_reranker, rerank
from rag.store import QdrantStore, collection_stamp, open_store
from rag.text import normalize
from rag.types import Answer, Delta, Final, Hit, Retrieved, SearchFilter, Turn

log = logging.getLogger(__name__)

#: RRF constant used when the search restricted to the documents a question names is merged in.
_MERGE_K = 60
#: A question naming more documents than this (a bare year, a common date) is not narrowed.
_MAX_NAMED = 500
#: Where a legal text says what it covers: Điều 1, Phạm vi điều chỉnh (Luật Ban hành văn bản QPPL).
SCOPE_ARTICLE = Article("1")
_SCOPE_WORDS = ("phạm", "vi", "điều", "chỉnh")


def retrieval_query(question: str, history: Sequence[Turn] = ()) -> tuple[str, str | None]:
    """The question, plus the previous user turn when this one is a follow-up.

    >>> retrieval_query("Còn thời hạn thì sao?", [Turn("user", "Xã công khai ngân sách thế nào?")])
    ('Còn thời hạn thì sao?', 'Xã công khai ngân sách thế nào?')
    """
    return question, retrieval_context(question, history)


class Pipeline:
    """Retrieval + answer over one collection.

    >>> with Pipeline(Settings.from_env()) as pipe:                          # doctest: +SKIP
    ...     answer = pipe.ask("Xã phải công khai thông tin chậm nhất mấy ngày?")
    ...     print(answer.text, [c.label() for c in answer.citations])
    """

    #: Dense leg reads the diacritics-restored question (else unaccented questions go lexical only).
    restore_diacritics = True
    #: Documents whose số hiệu / date the question names are searched on their own and ranked first.
    reference_rank = True
    #: Lexical terms in the form typed per syllable ("syllable"), or one form for the whole question
    #: ("question": all accented terms if any syllable has a diacritic, else all unaccented; the old scheme).
    typed_form = "syllable"

    def __init__(
        self,
        settings: Settings,
        *,
        store: QdrantStore | None = None,
        embedder: Embedder | None = None,
        collection: str | None = None,
        answerer=None,
    ) -> None:
        self.settings = settings
        self._owns_store = store is None
        self.store = store if store is not None else open_store(settings)
        self.collection = collection or settings.collection
        try:
            if not self.store.exists(self.collection):  # say so before loading a model for nothing
                self.store.check(self.collection, {})
            self.embedder = embedder if embedder is not None else load_embedder(settings)
            self.store.check(self.collection, collection_stamp(self.embedder))
        except Exception:
            self.close()
            raise
        # the learned reader (DANVAN_READER): the order of the passages and the refusal; None = off
        self.reader = load_reader(settings)
        # (with the reader on, the answerer refuses only for structure, and the reader decides the rest)
        self.answerer = answerer or build_answerer(settings, self.embedder.name, reader=self.reader)
        self.reranker = load_reranker(settings, self.embedder)  # None unless DANVAN_RERANKER names one
        self._bar = min_dense_similarity(settings, self.embedder.name)  # out of subject below it; 0 = off
        self._catalog: Catalog | None = None
        self._catalog_points = -1
        self._catalog_built = (0.0, 0.0)
        self._catalog_lock = threading.Lock()

    @property
    def catalog(self) -> Catalog:
        """Document metadata and the diacritics model of the collection (built on first use, cached).

        Opened again when the collection's point count has changed since (a document uploaded or
        removed through the running app): a catalog kept from before would not know the new
        document's số hiệu, and "Nghị định 38/2022" would name nothing. The count is the key of
        the catalog's own cache file too (:meth:`Catalog.open`); reading it costs well under 1 ms.
        """
        points = self.store.count(self.collection)
        if self._catalog is None or (points != self._catalog_points and self._catalog_due()):
            with self._catalog_lock:  # one rebuild, not one per concurrent question
                if self._catalog is None or (points != self._catalog_points and self._catalog_due()):
                    started = time.monotonic()
                    self._catalog = Catalog.open(self.store, self.collection,
                                                 self.settings.data_dir / "cache" / "retrieval")
                    self._catalog_points = points
                    self._catalog_built = (started, time.monotonic())
        return self._catalog

    def _catalog_due(self) -> bool:
        """Whether a changed collection's catalog is rebuilt now: always when building is quick
        (under 0.25 s: a few hundred documents); for a large collection that an ingest keeps
        changing, at most every ten build times (civic.jsonl's builds in ~1.6 s: at most ~16 s
        behind), so that questions asked during the ingest do not each pay a rebuild."""
        started, ended = self._catalog_built
        took = ended - started
        return took < 0.25 or time.monotonic() - ended >= 10 * took

    def query(self, question: str, history: Sequence[Turn] = ()) -> Query:
        """The parsed question: references, accent state, restored text, partial numbers resolved.

        >>> pipe.query("Thông tư 09/2025 quy định gì?").resolved  # doctest: +SKIP
        (('09/2025', '09/2025/TT-BNV'),)
        """
        q = parse(question, history)
        changes: dict[str, object] = {}
        if self.restore_diacritics and not all(q.accented) and q.words:
            changes["restored"] = self.catalog.restorer.restore(q.text)
        if q.numbers or q.day_months:  # partial, or typed with D for Đ: the collection's spelling
            changes["resolved"] = self.catalog.resolve(q)
        q = q.with_(**changes) if changes else q
        if q.previous and not points_back(q.text) and (q.dates or q.day_months or q.doc_types):
            # "Kế hoạch ngày 5/3 có mấy nhiệm vụ?", "Luật Tiếp công dân quy định gì?" name their own
            # document (by date, by type and title), as a số hiệu does: no follow-up of the turn before
            q = q.with_(previous=None)
        if q.previous and not points_back(q.text) and self._off_subject_alone(q):
            # a short question that points nowhere and is outside the documents' subject on its own
            # ("Giá vàng hôm nay bao nhiêu?" after a question on công khai) is no follow-up
            q = q.with_(previous=None)
        return q

    def _off_subject_alone(self, q: Query) -> bool:
        """True when the question by itself is outside the documents' subject (no passage among the
        dense leg's top 3 reaches the calibrated out-of-subject bar, :func:`rag.answer.off_subject`);
        always False when the bar is off (a model nobody calibrated)."""
        if self._bar <= 0 or self.settings.retrieval_mode == "lexical":
            return False
        dense = self.embedder.embed_query(q.restored or q.text)
        hits = self.store.search(self.collection, dense=dense, lexical=None, limit=3, candidates=3, mode="dense")
        return off_subject(hits, self._bar)

    def retrieve(self, question: str | Query, history: Sequence[Turn] = (), k: int | None = None,
                 filter: SearchFilter | None = None) -> list[Hit]:
        """Ranked chunks for a question (and its conversation), optionally within ``filter``; with a
        reranker (``DANVAN_RERANKER``), the top ``rerank_depth`` re-ordered before the top ``k`` are kept
        (the reranker reads the question as the dense leg does: diacritics restored, after the turn
        a follow-up points back to)."""
        q = question if isinstance(question, Query) else self.query(question, history)
        limit = k or self.settings.top_k
        reader = self.reader if self.reader is not None and reads(q) else None
        if self.reranker is None and reader is None:
            return self._retrieve(q, limit, k, filter)
        deep = self._retrieve(q, max(limit, self.settings.rerank_depth, _READER_DEPTH if reader else 0), k, filter)
        if self.reranker is not None:
            deep = rerank(self.reranker, q.dense_text, deep, self.settings.rerank_depth)
        return (reader.order(q, deep) if reader else deep)[:limit]

    def _retrieve(self, q: Query, limit: int, k: int | None, filter: SearchFilter | None) -> list[Hit]:
        candidates = max(self.settings.candidates, k or 0, limit)
        lexical = sparse.encode_words(q.words, self._typed(q))
        short = abbreviations_of(q.text)  # "Ủy ban nhân dân" also finds a passage that writes "UBND"
        if short:
            lexical = sparse.combine(lexical, sparse.encode_words([w.lower() for w in short], (True,) * len(short)))
        if q.previous:
            previous = parse(q.previous)
            lexical = sparse.combine(lexical, sparse.encode_words(previous.words, self._typed(previous), weight=0.5))
        dense_text = q.dense_text
        if q.asks_scope and not q.articles:  # look for the article that states it, in the words such articles use
            lexical = sparse.combine(lexical, sparse.encode_words(_SCOPE_WORDS, (True,) * len(_SCOPE_WORDS)))
            dense_text = f"{dense_text} {' '.join(_SCOPE_WORDS)}"
        mode = self.settings.retrieval_mode
        if mode == "hybrid" and q.unaccented and not self.restore_diacritics:
            mode = "lexical"  # e5 cannot read unaccented Vietnamese (R@10 ~0 on civic_dev)
        dense = self.embedder.embed_query(dense_text) if mode != "lexical" else None
        search = dict(dense=dense, lexical=lexical, limit=limit, candidates=candidates, mode=mode)
        # (RRF scores of the hybrid mode only: it was chosen on them, and a single leg's raw scores,
        # cosines packed within hundredths, are on another scale)
        prior = self.settings.statute_prior if mode == "hybrid" else 0.0
        if prior:  # a statute a little below a Thông tư can come up from the next ranks
            hits = by_legal_rank(self.store.search(self.collection, filter=filter,
                                                   **{**search, "limit": max(limit, _PRIOR_DEPTH)}), prior)[:limit]
        else:
            hits = self.store.search(self.collection, filter=filter, **search)
        if not self.reference_rank:
            return hits
        named = self.catalog.named(q)
        articles = q.articles
        if q.asks_scope and not articles and hits:
            # "Nghị định 59/2023 quy định về vấn đề gì?": its Điều 1 (Phạm vi điều chỉnh) first. A
            # document named by its title ("Luật Khiếu nại") is the first passage's whose type and
            # title fit the question, with all its units.
            anchor = next((h for h in hits if names_document(q, h.chunk)), hits[0])
            named = named or self.catalog.siblings(anchor.chunk.doc_id)
            articles = (SCOPE_ARTICLE,)
        if not named or len(named) > _MAX_NAMED:
            return _rank_by_reference(hits, [], set(), articles, limit)
        within = SearchFilter(doc_ids=tuple(sorted(named)))
        if filter:
            within = SearchFilter(filter.doc_types, filter.issuers, filter.year_from, filter.year_to,
                                  tuple(d for d in within.doc_ids if not filter.doc_ids or d in filter.doc_ids))
        extra = self.store.search(self.collection, filter=within, **search) if within.doc_ids else []
        ranked = _rank_by_reference(hits, extra, named, articles, limit)
        if q.asks_scope and not q.articles and ranked and not _article_matches(ranked[0], (SCOPE_ARTICLE,)):
            ranked = self._opening_first(ranked, named, search)
        return ranked

    def _opening_first(self, ranked: list[Hit], named: set[str], search: dict) -> list[Hit]:
        """A scope question about a document without articles (a Kế hoạch, a Báo cáo): its opening
        passage (chunk 0: "I. MỤC ĐÍCH, YÊU CẦU ...") first, fetched from that document if needed."""
        top = ranked[0].chunk.doc_id
        if top not in named:
            return ranked
        opening = next((h for h in ranked if h.chunk.doc_id == top and h.chunk.chunk_index == 0), None)
        if opening is None:
            own = self.store.search(self.collection, filter=SearchFilter(doc_ids=(top,)),
                                    **{**search, "limit": max(search["limit"], 50)})
            opening = next((h for h in own if h.chunk.chunk_index == 0), None)
        if opening is None:
            return ranked
        rest = [h for h in ranked if h.chunk.point_id != opening.chunk.point_id]
        return [dataclasses.replace(h, rank=i) for i, h in enumerate([opening, *rest][: len(ranked)], start=1)]

    def _typed(self, q: Query) -> tuple[bool, ...]:
        return q.accented if self.typed_form == "syllable" else (q.has_diacritics,) * len(q.words)

    def run(self, question: str | Query, history: Sequence[Turn] = (), k: int | None = None,
            filter: SearchFilter | None = None) -> Iterator[Retrieved | Delta | Final]:
        """Yield ``Retrieved`` when the passages are known, ``Delta`` pieces while an LLM answerer
        writes (none for the extractive one), then ``Final`` with the checked answer.

        ``question`` is the text or its :meth:`query` (the app parses once to show how it read it)."""
        q = question if isinstance(question, Query) else self.query(question, history)
        hits = self.retrieve(q, history, k, filter)
        yield Retrieved(tuple(hits))
        # The answerer reads the same Query: numbers and dates in canonical form (05/03/2026, the
        # full số hiệu), the kind of answer asked, the accents as typed.
        stream = getattr(self.answerer, "stream", None)  # an LLM answerer streams its pieces
        answer = None
        if stream is None:
            answer = self.answer(q, hits, history)
        else:
            for event in stream(q, hits, history):
                if isinstance(event, Final):
                    answer = self.decide(q, hits, event.answer)
                else:
                    yield event
            if answer is None:  # pragma: no cover - every answerer ends with a Final
                raise AssertionError(f"{type(self.answerer).__name__}.stream ended without a Final event")
        log.info("answered %r: refused=%s evidence=%.3f", q.question[:80], answer.refused, answer.evidence)
        yield Final(answer)

    def answer(self, q: Query, hits: Sequence[Hit], history: Sequence[Turn] = ()) -> Answer:
        """The answer stage alone: the answerer over ``hits`` (best first), then the reader's decision
        (:meth:`decide`). The counterfactual evaluation calls it on lists with the gold taken out."""
        return self.decide(q, hits, self.answerer.answer(q, hits, history))

    def decide(self, q: Query, hits: Sequence[Hit], answer: Answer) -> Answer:
        """``answer``, or the refusal when the reader (``DANVAN_READER``) judges that ``hits`` do not
        answer ``q`` (:meth:`rag.reader.Reader.answerable` under its threshold)."""
        if self.reader is None or answer.refused:
            return answer
        if not reads(q):  # a named article or a scope question: the answerer's own bar, as without the reader
            return refusal(q.question, hits, answer.evidence) if answer.evidence < self.settings.refusal_threshold else answer
        p = self.reader.answerable(q, hits, answer.evidence)
        log.info("reader: answerable p=%.3f (threshold %.3f)", p, self.reader.threshold)
        return refusal(q.question, hits, answer.evidence) if p < self.reader.threshold else answer

    def ask(self, question: str | Query, history: Sequence[Turn] = (), k: int | None = None,
            filter: SearchFilter | None = None) -> Answer:
        """The final answer to a question.

        >>> pipe.ask("xa phai cong khai thong tin cham nhat may ngay").refused  # doctest: +SKIP
        False
        """
        for event in self.run(question, history, k, filter):
            if isinstance(event, Final):
                return event.answer
        raise AssertionError("pipeline ended without a Final event")  # pragma: no cover

    def close(self) -> None:
        if self._owns_store:
            self.store.close()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _article_matches(hit: Hit, articles: Sequence[Article]) -> bool:
    """True when the chunk is (or compiles) one of the named articles.

    A compiled unit (Pháp điển) carries its original article in ``provision``
    ("Điều 11 Nghị định số 06/2014/NĐ-CP"); other documents in ``section``/``path``.
    """
    c = hit.chunk
    places = [c.provision, c.section] + [p.strip() for p in (c.path or "").split("›")]
    for article in articles:
        head = re.compile(rf"điều {re.escape(article.dieu)}(?:\.(?!\w)|[\s,:;]|$)")
        if any(head.match(normalize(place).lower()) for place in places):
            return True
    return False


#: Kinds of text at the top of the hierarchy of legal documents (Luật Ban hành văn bản quy phạm pháp
#: luật 2015, Điều 4): what an officer cites first, and what the lower texts carry out.
STATUTES = frozenset({"hiến pháp", "bộ luật", "luật"})
#: Fused ranks the statute prior looks at, whatever the k asked.
_PRIOR_DEPTH = 20


def by_legal_rank(hits: Sequence[Hit], prior: float) -> list[Hit]:
    """``hits`` (of the hybrid mode) re-ordered with a statute's passages' fused (RRF) score raised by
    ``prior`` (0.1 = x1.1).

    On civic_dev, 15 of the 41 questions whose first document was wrong had a Luật as gold and a
    Thông tư, Nghị định or Q&A page that carries it out on top; the reverse happened twice. The
    factor is the one knob, chosen by 5-fold cross-validation (EVALS.md, "Statute prior"). Scores
    and ranks of the result are the re-ordered ones.

    >>> from rag.types import Chunk
    >>> tt = Hit(Chunk("tt", 0, "…", doc_type="Thông tư"), 0.50, 1)
    >>> luat = Hit(Chunk("luat", 0, "…", doc_type="Luật"), 0.48, 2)
    >>> [h.chunk.doc_id for h in by_legal_rank([tt, luat], 0.1)], [h.chunk.doc_id for h in by_legal_rank([tt, luat], 0.0)]
    (['luat', 'tt'], ['tt', 'luat'])
    """
    scored = [(h.score * (1 + prior) if h.chunk.doc_type.strip().lower() in STATUTES else h.score, h) for h in hits]
    order = sorted(scored, key=lambda sh: -sh[0])  # stable: ties keep the store's order
    return [dataclasses.replace(h, score=s, rank=i) for i, (s, h) in enumerate(order, start=1)]


def _rank_by_reference(hits: list[Hit], extra: list[Hit], named: set[str], articles: Sequence[Article],
                       limit: int) -> list[Hit]:
    """Merge the named documents' own search into the ranking and put what the question names first.

    The two lists are fused by reciprocal rank (k = 60); then chunks of a named
    document come before the rest, and among each group a chunk of a named
    article (Điều N) first. Order is otherwise kept.
    """
    if not named and not articles:
        return hits
    fused: dict[str, tuple[float, Hit]] = {}
    for ranking in (hits, extra):
        for rank, hit in enumerate(ranking, start=1):
            score, _ = fused.get(hit.chunk.point_id, (0.0, hit))
            fused[hit.chunk.point_id] = (score + 1.0 / (_MERGE_K + rank), hit)
    order = sorted(fused.values(), key=lambda sh: -sh[0])
    if articles and not named:
        tiers = [int(_article_matches(h, articles)) for _, h in order]
    else:
        tiers = [2 * (h.chunk.doc_id in named) + (bool(articles) and _article_matches(h, articles)) for _, h in order]
    ranked = sorted(zip(tiers, order), key=lambda t: -t[0])
    return [dataclasses.replace(h, rank=i, score=tier + s) for i, (tier, (s, h)) in enumerate(ranked[:limit], start=1)]
