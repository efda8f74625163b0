"""Reach a running app over HTTP when the embedded store is held by it.

The command lines call these when opening the store raises
:class:`rag.store.StoreBusyError`: the app on ``settings.host:settings.port``
answers through its API (:mod:`ui.api`). ``gradio_client`` is imported here only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from rag.config import Settings
from rag.errors import DanvanError


def app_url(settings: Settings) -> str:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    return f"http://{host}:{settings.port}/"


def _client(settings: Settings):
    try:
        from gradio_client import Client

        return Client(app_url(settings), verbose=False)
    except Exception as exc:  # connection refused, not a danvan app, ...
        raise DanvanError(
            f"The store is held by another process, and no app answers at {app_url(settings)} ({exc}). "
            "Stop the other process, or start the app (make app) and retry."
        ) from exc


def ask(settings: Settings, question: str, history: Sequence[dict] = ()) -> dict:
    """The running app's answer, as the dict of ``python -m rag ask --json``."""
    return json.loads(_client(settings).predict(question, list(history), api_name="/answer"))


def ingest(settings: Settings, paths: Sequence[Path], prune: bool = True) -> dict:
    """Have the running app index these files or folders (absolute paths on this machine)."""
    return json.loads(_client(settings).predict([str(Path(p).resolve()) for p in paths], prune, api_name="/ingest"))


def remove(settings: Settings, doc_ids: Sequence[str]) -> dict:
    return json.loads(_client(settings).predict(list(doc_ids), api_name="/remove"))
