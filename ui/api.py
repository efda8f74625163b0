"""The app's HTTP API: ask, ingest and remove through the running app.

The embedded store admits one process, so while the app runs, ``python -m rag ask``
and ``python -m ingest`` go through these endpoints (see :mod:`rag.remote`) instead
of opening the store themselves. Writes are serialised by one lock; questions are
answered while an ingest runs (the store serves reads during writes).

Endpoints (``gradio_client.Client(url).predict(..., api_name=...)``):

- ``/answer`` ``(question: str, history: list[{"role", "content"}])`` -> the answer as JSON text,
  the keys of ``python -m rag ask --json``;
- ``/ingest`` ``(paths: list[str], prune: bool)`` -> the sync report as JSON text; paths are
  files or folders on the app's machine, so they are honoured only for a caller that sends this
  run's local-access token (:mod:`rag.remote`: ``python -m ingest`` reads it from the data dir);
  anyone else is refused and told to upload in the "Tài liệu" tab;
- ``/remove`` ``(doc_ids: list[str])`` -> ``{"removed": [file names]}`` as JSON text; an unknown
  doc id is refused with its name, and nothing is removed.

A failure comes back as ``gr.Error`` with its message (``gradio_client`` raises it as ``AppError``).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gradio as gr

import ingest
import rag

#: The refusal of ``/ingest`` to a caller without the local-access token.
PATHS_REFUSED = ("Chỉ lệnh python -m ingest chạy trên chính máy chủ của ứng dụng mới nạp được tài liệu theo "
                 "đường dẫn. Hãy tải tệp lên ở thẻ Tài liệu.")

log = logging.getLogger("danvan.app")


class Api:
    """The functions behind the endpoints; plain Python, testable without a server.

    ``local_token``: this run's local-access token (:func:`rag.remote.write_local_token`); without it
    no request may ingest paths.
    """

    def __init__(self, settings: rag.Settings, store: rag.Store, embedder: rag.Embedder, pipeline,
                 local_token: str | None = None) -> None:
        self.settings, self.store, self.embedder, self.pipeline = settings, store, embedder, pipeline
        self.local_token = local_token
        self.lock = threading.Lock()

    def ask(self, question: str, history: list[dict] | None = None) -> dict:
        """The answer as the dict of ``python -m rag ask --json``.

        Raises:
            gr.Error: a malformed question or history (:mod:`ui.api_input`: the message says what
                shape is expected; no traceback is logged), or a failure while answering (logged).
        """
        from ui.api_input import BadApiInput, api_question, api_turns
        from ui.chat import ERROR_TEXT

        try:
            question, turns = api_question(question), api_turns(history)
        except BadApiInput as exc:
            log.info("/answer refused: %s", exc)
            raise gr.Error(str(exc), title="Lỗi", print_exception=False) from None
        try:
            return asdict(self.pipeline.ask(question, turns))
        except Exception:
            log.exception("/answer failed for %r", question[:200])
            raise gr.Error(ERROR_TEXT, title="Lỗi", print_exception=False) from None

    def ingest(self, paths: list[str], prune: bool = True, request: gr.Request | None = None) -> dict:
        """Sync these paths of the app's machine into the index (a request must carry the local token).

        Raises:
            gr.Error: the request lacks the token, or a path is missing (the message names it).
        """
        from ui.security import local_caller

        if request is not None and not local_caller(request, self.local_token):
            raise gr.Error(PATHS_REFUSED)
        try:
            with self.lock:
                report = ingest.sync(self.settings, [Path(p) for p in paths], store=self.store,
                                     embedder=self.embedder, prune=prune, on_mismatch="raise")
        except rag.DanvanError as exc:  # a missing folder, a mismatched collection: the fix is in the message
            raise gr.Error(str(exc)) from None
        return asdict(report) | {"summary": report.summary(), "ok": report.ok}

    def remove(self, doc_ids: list[str]) -> dict:
        """Remove documents (with the other documents of their files); ``{"removed": [file names]}``.

        Raises:
            gr.Error: a doc id is not in the index (nothing is removed then).
        """
        try:
            with self.lock:
                return {"removed": ingest.remove(self.settings, doc_ids, store=self.store)}
        except rag.DanvanError as exc:
            raise gr.Error(str(exc)) from None


def register(api: Api) -> None:
    """Declare the endpoints; call inside the app's ``gr.Blocks`` context."""

    # Results travel as JSON text: gradio_client would take any dict with a "path" key (a chunk's
    # structure path) for a file to download.
    def ask(question: str, history: list[dict[str, Any]] | None = None) -> str:
        return json.dumps(api.ask(question, history), ensure_ascii=False)

    def ingest_paths(paths: list[str], prune: bool = True, request: gr.Request = None) -> str:
        return json.dumps(api.ingest(paths, prune, request), ensure_ascii=False)

    def remove(doc_ids: list[str]) -> str:
        return json.dumps(api.remove(doc_ids), ensure_ascii=False)

    gr.api(ask, api_name="answer")
    gr.api(ingest_paths, api_name="ingest", concurrency_limit=1)
    gr.api(remove, api_name="remove", concurrency_limit=1)
