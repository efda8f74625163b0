"""A second stage for retrieval: a user's reranker re-orders the top passages.

No reranking model ships offline (nothing comes from model hubs here), so none is on by default.
A user who has one (a cross-encoder, a service) plugs it in with two settings::

    DANVAN_RERANKER=my_package.rerankers:CrossEncoderReranker   # module:attribute
    DANVAN_RERANK_DEPTH=20                                       # passages it re-orders

The attribute is called once with the :class:`~rag.config.Settings` and must return an object
with a ``rerank`` method (:class:`Reranker`). The pipeline then retrieves ``rerank_depth``
passages, orders them by the reranker's scores (ties keep the retrieval order), and keeps the
top ``k``. Scores of the hits stay the fused retrieval scores; only the order changes.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol, runtime_checkable

from rag.config import Settings, SettingsError
from rag.types import Hit


@runtime_checkable
class Reranker(Protocol):
    """Scores passages for a question; higher is more relevant."""

    def rerank(self, question: str, hits: Sequence[Hit]) -> Sequence[float]:
        """One score per hit, in the order of ``hits`` (any scale)."""
        ...


def load_reranker(settings: Settings) -> Reranker | None:
    """The reranker ``settings.reranker`` names (``module:attribute``), or ``None`` when empty.

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
        reranker = factory(settings)
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
