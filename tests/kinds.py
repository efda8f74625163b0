"""Support for the tests of the kinds said fixed (tests/test_kinds_*.py): a small corpus ingested
into a real store on ``tmp_path`` with the real loader and chunker, and questions asked through the
real pipeline (the embedder is the hashing fake, so nothing loads a model)."""

from __future__ import annotations

import json
from pathlib import Path

import ingest
import rag


def write_jsonl(path: Path, records: list[dict]) -> Path:
    """``records`` as a JSONL file at ``path`` (one record a line, UTF-8)."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def ask_all(settings, store, embedder, corpus: list[Path], questions: list[str]) -> list[rag.Answer]:
    """Ingest ``corpus`` (files or folders) and answer each question, in order."""
    ingest.ingest_paths(settings, corpus, store=store, embedder=embedder)
    pipe = rag.Pipeline(settings, store=store, embedder=embedder)
    return [pipe.ask(q) for q in questions]


def verdict(answer: rag.Answer, doc: str, words: tuple[str, ...] = (), section: str = "") -> list[str]:
    """What is wrong with ``answer`` (empty when nothing): it must answer from ``doc``, quote every one
    of ``words``, and cite ``section`` (a part of the formal place) when given."""
    wrong = []
    if answer.refused:
        return [f"refused: {answer.text[:160]!r}"]
    if not answer.citations or answer.citations[0].doc_id != doc:
        wrong.append(f"first citation {[c.doc_id for c in answer.citations][:3]}, not {doc}")
    wrong += [f"{w!r} not quoted in {answer.text[:300]!r}" for w in words if w not in answer.text]
    if section and not any(section in c.section for c in answer.citations if c.doc_id == doc):
        wrong.append(f"section {[c.section for c in answer.citations]}, not {section!r}")
    return wrong
