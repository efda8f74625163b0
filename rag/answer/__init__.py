"""The answer stage: the extractive answerer, and the refusal every answerer shares.

Its parts, each importing only parts listed above it:

- :mod:`rag.answer.refuse`: the refusal and the bars that decide it, and the checks made before any
  sentence is read (a named document no passage mentions, a question out of subject);
- :mod:`rag.answer.scored`: a scored sentence and where it sits (its article, a heading, a list item);
- :mod:`rag.answer.select`: which sentences may answer (the kind asked, the document or list named);
- :mod:`rag.answer.expand`: the chosen sentence widened or narrowed to what answers (neighbouring
  passages, the whole list, a heading's items, an article's opening, a table row);
- :mod:`rag.answer.compose`: the answer's text with its ``[n]`` markers and citations;
- :mod:`rag.answer.extractive`: :class:`ExtractiveAnswerer`, which runs them, and :func:`build_answerer`.

:mod:`rag.cite` imports only :mod:`rag.answer.refuse`, which imports no other part and not
:mod:`rag.cite`: the import graph has no circle (``tests/test_layering.py``).
"""

from rag.answer.extractive import ExtractiveAnswerer, build_answerer
from rag.answer.refuse import DEFAULT_REFUSAL_THRESHOLD, REFUSAL_TEXT, min_dense_similarity, off_subject, refusal
from rag.answer.scored import _Scored
from rag.answer.select import fits_kind, names_document, without_reference

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
