"""danvan ``rag``: retrieval and cited answers over Vietnamese official documents.

The library layer. It never imports ``ingest``, ``evals``, ``app`` or gradio, and
importing it loads no model (torch and sentence-transformers are imported when
an embedder is constructed).

>>> import rag
>>> settings = rag.Settings.from_env({})                     # doctest: +SKIP
>>> with rag.Pipeline.open(settings) as pipe:                # doctest: +SKIP
...     print(pipe.ask("Xã phải công khai thông tin chậm nhất mấy ngày?").text)
"""

from rag.answer import REFUSAL_TEXT, ExtractiveAnswerer
from rag.config import Settings, SettingsError
from rag.embed import Embedder, load_embedder
from rag.errors import CollectionMismatchError, DanvanError, InputError
from rag.pipeline import Pipeline
from rag.store import EdgeStore, QdrantStore, Store, StoreBusyError, open_store
from rag.text import clean, normalize, passage_sentences, sentences, strip_accents, syllables
from rag.types import (
    Answer,
    Chunk,
    Citation,
    Delta,
    Document,
    Final,
    Hit,
    Progress,
    Retrieved,
    Turn,
    point_id,
)

__all__ = [
    "REFUSAL_TEXT",
    "Answer",
    "Chunk",
    "Citation",
    "CollectionMismatchError",
    "DanvanError",
    "Delta",
    "Document",
    "Embedder",
    "ExtractiveAnswerer",
    "Final",
    "Hit",
    "InputError",
    "Pipeline",
    "Progress",
    "EdgeStore",
    "QdrantStore",
    "Store",
    "StoreBusyError",
    "Retrieved",
    "Settings",
    "SettingsError",
    "Turn",
    "clean",
    "load_embedder",
    "normalize",
    "open_store",
    "passage_sentences",
    "point_id",
    "sentences",
    "strip_accents",
    "syllables",
]
