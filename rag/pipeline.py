"""The question-answering pipeline: hybrid retrieval, then an answer with citations.

``Pipeline.run`` yields typed events (``Retrieved``, then ``Final``) so a UI
only routes them to widgets; ``Pipeline.ask`` returns the final answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

from rag import sparse
from rag.answer import ExtractiveAnswerer
from rag.config import Settings
from rag.embed import Embedder, load_embedder
from rag.store import QdrantStore, collection_stamp, open_store
from rag.text import has_diacritics, normalize, syllables
from rag.types import Answer, Delta, Final, Hit, Retrieved, Turn

log = logging.getLogger(__name__)

# A follow-up that is short or points back ("còn ... thì sao?", "việc đó") gets the
# previous question added to its retrieval query.
_POINTERS = {"đó", "này", "trên", "ấy", "còn", "vậy", "thế", "sao", "do", "nay", "con", "vay", "the"}
_SHORT_FOLLOWUP = 12


def retrieval_query(question: str, history: Sequence[Turn] = ()) -> tuple[str, str | None]:
    """The question, plus the previous user turn when this one is a follow-up.

    >>> retrieval_query("Còn thời hạn thì sao?", [Turn("user", "Xã công khai ngân sách thế nào?")])
    ('Còn thời hạn thì sao?', 'Xã công khai ngân sách thế nào?')
    """
    previous = next((t.content for t in reversed(history) if t.role == "user" and t.content.strip()), None)
    if previous is None:
        return question, None
    words = syllables(question)
    if len(words) <= _SHORT_FOLLOWUP or _POINTERS & set(words):
        return question, previous
    return question, None


class Pipeline:
    """Retrieval + answer over one collection.

    >>> with Pipeline(Settings.from_env()) as pipe:                          # doctest: +SKIP
    ...     answer = pipe.ask("Xã phải công khai thông tin chậm nhất mấy ngày?")
    ...     print(answer.text, [c.label() for c in answer.citations])
    """

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
        self.answerer = answerer or ExtractiveAnswerer(
            max_sentences=settings.answer_sentences, refusal_threshold=settings.refusal_threshold
        )

    def retrieve(self, question: str, history: Sequence[Turn] = (), k: int | None = None) -> list[Hit]:
        """Ranked chunks for a question (and its conversation)."""
        question = normalize(question)
        current, previous = retrieval_query(question, history)
        dense_text = f"{previous}\n{current}" if previous else current
        lexical = sparse.encode_query(current)
        if previous:
            lexical = sparse.combine(lexical, sparse.encode_query(normalize(previous), weight=0.5))
        mode = self.settings.retrieval_mode
        if mode == "hybrid" and not has_diacritics(current):
            # e5 cannot read unaccented Vietnamese (R@10 ~0 on civic_dev); its ranks would only add noise.
            mode = "lexical"
        dense = self.embedder.embed_query(dense_text) if mode != "lexical" else None
        return self.store.search(
            self.collection,
            dense=dense,
            lexical=lexical,
            limit=k or self.settings.top_k,
            candidates=max(self.settings.candidates, k or 0),
            mode=mode,
        )

    def run(self, question: str, history: Sequence[Turn] = (), k: int | None = None) -> Iterator[Retrieved | Delta | Final]:
        """Yield ``Retrieved`` when the passages are known, then ``Final``."""
        hits = self.retrieve(question, history, k)
        yield Retrieved(tuple(hits))
        answer = self.answerer.answer(question, hits, history)
        log.info("answered %r: refused=%s evidence=%.3f", question[:80], answer.refused, answer.evidence)
        yield Final(answer)

    def ask(self, question: str, history: Sequence[Turn] = (), k: int | None = None) -> Answer:
        """The final answer to a question.

        >>> pipe.ask("xa phai cong khai thong tin cham nhat may ngay").refused  # doctest: +SKIP
        False
        """
        for event in self.run(question, history, k):
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
