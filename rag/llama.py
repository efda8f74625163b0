"""llama-index adapter: our hybrid retrieval as a llama-index ``BaseRetriever``.

Lets llama-index users plug the Vietnamese-aware retrieval (dense + syllable
BM25, tone-mark normalisation, unaccented fallback) into their own query
engines. Conversion to llama-index nodes happens here, at the edge; nothing
else in ``rag`` sees llama-index objects, and llama-index's global ``Settings``
are never consulted.
"""

from __future__ import annotations

from dataclasses import asdict


def as_llama_retriever(pipeline, k: int | None = None):
    """Wrap a :class:`rag.Pipeline` as a llama-index retriever.

    >>> retriever = as_llama_retriever(pipe)                    # doctest: +SKIP
    >>> retriever.retrieve("xã công khai thông tin mấy ngày")[0].node.metadata["doc_id"]  # doctest: +SKIP
    'phapdien:44.13.LQ.12'
    """
    try:
        from llama_index.core.retrievers import BaseRetriever
        from llama_index.core.schema import NodeWithScore, TextNode
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("llama-index-core is missing: pip install llama-index-core==0.14.25") from exc

    class DanvanRetriever(BaseRetriever):
        """Hybrid Qdrant retrieval over Vietnamese documents, as llama-index nodes."""

        def _retrieve(self, query_bundle):
            hits = pipeline.retrieve(query_bundle.query_str, k=k)
            return [
                NodeWithScore(
                    node=TextNode(
                        id_=hit.chunk.point_id,
                        text=hit.chunk.text,
                        metadata={key: v for key, v in asdict(hit.chunk).items() if key != "text"},
                    ),
                    score=hit.score,
                )
                for hit in hits
            ]

    return DanvanRetriever()
