"""The answer stage: the extractive answerer, and the refusal every answerer shares."""

from rag.answer.extractive import (
    DEFAULT_REFUSAL_THRESHOLD,
    REFUSAL_TEXT,
    ExtractiveAnswerer,
    _Scored,
    build_answerer,
    fits_kind,
    min_dense_similarity,
    names_document,
    off_subject,
    refusal,
    without_reference,
)

__all__ = [
    "DEFAULT_REFUSAL_THRESHOLD",
    "REFUSAL_TEXT",
    "ExtractiveAnswerer",
    "_Scored",
    "build_answerer",
    "fits_kind",
    "min_dense_similarity",
    "names_document",
    "off_subject",
    "refusal",
    "without_reference",
]
