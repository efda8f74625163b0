"""danvan ``ingest``: read, chunk and embed Vietnamese documents into the vector store.

The index follows the folder (``sync``), files can be added (``add``) and documents
removed (``remove``); every run is incremental and crash-safe (see :mod:`ingest.sync`).

>>> import ingest, rag
>>> ingest.ingest_paths(rag.Settings.from_env(), [Path("corpus")])  # doctest: +SKIP
"""

from ingest.chunk import CHUNKER_VERSION, chunk_document, index_text
from ingest.index import IngestReport, corpus_hash, ingest_paths
from ingest.load import corpus_files, load_documents, read_file, scan
from ingest.sync import SyncReport, add, adopt_moved, file_hash, remove, sync

__all__ = [
    "CHUNKER_VERSION",
    "IngestReport",
    "SyncReport",
    "add",
    "adopt_moved",
    "chunk_document",
    "corpus_files",
    "corpus_hash",
    "file_hash",
    "index_text",
    "ingest_paths",
    "load_documents",
    "read_file",
    "remove",
    "scan",
    "sync",
]
