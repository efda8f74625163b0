"""danvan ``ingest``: chunk and embed Vietnamese documents into Qdrant.

>>> import ingest, rag
>>> ingest.ingest_paths(rag.Settings.from_env(), [Path("corpus")])  # doctest: +SKIP
"""

from ingest.chunk import CHUNKER_VERSION, chunk_document
from ingest.index import IngestReport, corpus_hash, ingest_paths, sync
from ingest.load import corpus_files, load_documents

__all__ = [
    "CHUNKER_VERSION",
    "IngestReport",
    "chunk_document",
    "corpus_files",
    "corpus_hash",
    "ingest_paths",
    "load_documents",
    "sync",
]
