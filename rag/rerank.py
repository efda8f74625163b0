"""A second stage for retrieval: a user's reranker re-orders the top passages.

No reranking model ships offline (nothing comes from model hubs here). One second stage ships that
needs none: :class:`SentenceRescorer` re-scores the top passages by their best-matching sentence
with the pipeline's own embedder (``DANVAN_RERANKER=rag.rerank:SentenceRescorer``); it is off by
default because ingest then also embeds every sentence (×1.85 the ingest time on civic, EVALS.md).
A user who has a reranker (a cross-encoder, a service) plugs it in with two settings::

    DANVAN_RERANKER=my_package.rerankers:CrossEncoderReranker   # module:attribute
    DANVAN_RERANK_DEPTH=20                                       # passages it re-orders

The attribute is called once with the :class:`~rag.config.Settings` (and ``embedder=``, the
pipeline's own, when it takes that keyword) and must return an object with a ``rerank`` method
(:class:`Reranker`). The pipeline then retrieves ``rerank_depth``
passages, orders them by the reranker's scores (ties keep the retrieval order), and keeps the
top ``k``. Scores of the hits stay the fused retrieval scores; only the order changes.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol, runtime_checkable

from rag.config import Settings, SettingsError
from rag.text import passage_sentences
from rag.types import Hit


@runtime_checkable
class Reranker(Protocol):
    """Scores passages for a question; higher is more relevant."""

    def rerank(self, question: str, hits: Sequence[Hit]) -> Sequence[float]:
        """One score per hit, in the order of ``hits`` (any scale)."""
        ...


def load_reranker(settings: Settings, embedder=None) -> Reranker | None:
    """The reranker ``settings.reranker`` names (``module:attribute``), or ``None`` when empty.

    ``embedder`` (the pipeline's) is passed on to a factory that takes an ``embedder`` keyword.

    Raises:
        SettingsError: the value is not ``module:attribute``, the module or attribute cannot be
            imported, building it fails, or what it builds has no ``rerank`` method.
    """
    spec = settings.reranker.strip()
    if not spec:
        return None
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise SettingsError(f"DANVAN_RERANKER={spec!r}: write it as module:attribute, e.g. my_rerankers:CrossEncoder.")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise SettingsError(f"DANVAN_RERANKER={spec!r}: cannot import it ({exc}). Install the package that "
                            "provides it, or leave DANVAN_RERANKER empty.") from exc
    try:
        takes_embedder = "embedder" in inspect.signature(factory).parameters
    except (TypeError, ValueError):  # a builtin or an odd callable: called with the settings only
        takes_embedder = False
    try:
        reranker = factory(settings, embedder=embedder) if takes_embedder else factory(settings)
    except Exception as exc:  # the user's code: say which setting led there
        raise SettingsError(f"DANVAN_RERANKER={spec!r}: building it failed: {type(exc).__name__}: {exc}") from exc
    if not isinstance(reranker, Reranker):
        raise SettingsError(f"DANVAN_RERANKER={spec!r}: {type(reranker).__name__} has no rerank(question, hits) method.")
    return reranker


def rerank(reranker: Reranker, question: str, hits: Sequence[Hit], depth: int) -> list[Hit]:
    """``hits`` with the first ``depth`` re-ordered by ``reranker`` (ties keep their order), ranked from 1.

    Raises:
        ValueError: the reranker returned a number of scores other than the number of hits.

    >>> from rag.types import Chunk
    >>> class Shortest:
    ...     def rerank(self, question, hits): return [-len(h.chunk.text) for h in hits]
    >>> hits = [Hit(Chunk("a", 0, "dài dài dài"), 0.9, 1), Hit(Chunk("b", 0, "ngắn"), 0.5, 2), Hit(Chunk("c", 0, "x"), 0.1, 3)]
    >>> [(h.chunk.doc_id, h.rank) for h in rerank(Shortest(), "?", hits, depth=2)]
    [('b', 1), ('a', 2), ('c', 3)]
    """
    head, tail = list(hits[:depth]), list(hits[depth:])
    if not head:
        return list(hits)
    scores = list(reranker.rerank(question, head))
    if len(scores) != len(head):
        raise ValueError(f"{type(reranker).__name__}.rerank gave {len(scores)} scores for {len(head)} passages")
    order = sorted(range(len(head)), key=lambda i: (-float(scores[i]), i))
    return [replace(h, rank=r) for r, h in enumerate([head[i] for i in order] + tail, start=1)]


class SentenceRescorer:
    """A second stage with the pipeline's own model: each passage re-scored by its best sentence.

    The question's vector is compared with every sentence of every passage (``passage:`` prefix,
    sentences of 3 words or more; a passage without any counts as one sentence), each passage
    takes its best cosine, and the passages' ranks by that cosine are fused with their retrieval
    ranks by reciprocal rank (RRF k = 2, as the first stage): ``1 / (rank + 1) + weight / (rank' + 1)``.

    ``weight`` 0.5 was chosen by 5-fold cross-validation on civic_dev and on alqac_dev (4 of 5 and
    5 of 5 folds picked it); measured in EVALS.md, "Second stages tried". Sentence vectors go
    through the embedder's cache, so a passage seen before costs nothing; with this reranker set,
    ingest embeds every passage's sentences into that cache beforehand (×1.85 the ingest time on
    civic), so questions stay as fast as without it.

    Raises:
        SettingsError: built without an embedder (it needs the pipeline's: load it through
            ``DANVAN_RERANKER=rag.rerank:SentenceRescorer``).
    """

    def __init__(self, settings: Settings | None = None, *, embedder=None, weight: float = 0.5) -> None:
        if embedder is None:
            raise SettingsError("SentenceRescorer re-scores with the pipeline's embedder: set "
                                "DANVAN_RERANKER=rag.rerank:SentenceRescorer and let the pipeline build it.")
        self.embedder = embedder
        self.weight = weight

    def rerank(self, question: str, hits: Sequence[Hit]) -> list[float]:
        if not hits:
            return []
        per_hit = [passage_sentences(h.chunk.text) for h in hits]
        flat = [s for group in per_hit for s in group]
        vectors = self.embedder.embed_passages(flat)
        q = self.embedder.embed_query(question)
        cosines = [sum(a * b for a, b in zip(v, q)) for v in vectors]
        best, i = [], 0
        for group in per_hit:
            best.append(max(cosines[i:i + len(group)]))
            i += len(group)
        by_sentence = sorted(range(len(hits)), key=lambda j: (-best[j], j))
        second = {j: r for r, j in enumerate(by_sentence, start=1)}
        return [1.0 / (j + 2) + self.weight / (second[j] + 1) for j in range(len(hits))]  # hits come in rank order
