"""The app's entry point: ``python app.py`` serves the chat, the documents and the evaluations.

This module only wires parts together. The tabs live in :mod:`ui` (one module each:
:mod:`ui.chat`, :mod:`ui.documents`, :mod:`ui.evaluations`), login in :mod:`ui.auth`,
feedback in :mod:`ui.feedback`, the HTTP API in :mod:`ui.api`, and every string an
officer reads is built by :mod:`ui_render` and :mod:`ui.sources`. Retrieval and answering
live in :mod:`rag`, indexing in :mod:`ingest`, the eval runner in :mod:`evals`.

``build_app`` takes any object with ``run(question, history)`` yielding the pipeline's
events, so the UI can be tested without a model. :func:`main`: settings, model, sync of
``corpus/``, then the app on 127.0.0.1 (another address only with a users file).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

# Before gradio is imported: it reads this at import time.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

import evals  # noqa: E402, F401  (kept importable as app.evals for older callers)
import rag  # noqa: E402
from ui import assets  # noqa: E402
from ui.chat import ERROR_TEXT, EXAMPLES, SEARCHING, ChatPipeline, chat_tab, history_to_turns, respond  # noqa: E402
from ui.evaluations import (  # noqa: E402
    DATASET_PROBLEM,
    EVAL_BLOCKED,
    EVAL_FAILED,
    EVAL_UNAVAILABLE,
    INPUT_PROBLEM,
    NO_DATASET,
    Evaluate,
    evaluations_tab,
    evaluator,
    run_evaluation,
)
from ui.progress import STAGE_LABELS, progress_events  # noqa: E402

__all__ = [
    "DATASET_PROBLEM", "EVAL_BLOCKED", "EVAL_FAILED", "EVAL_UNAVAILABLE", "INPUT_PROBLEM", "NO_DATASET", "ERROR_TEXT",
    "EXAMPLES", "SEARCHING", "build_app", "evaluator", "history_to_turns", "main", "progress_events", "respond",
    "run_evaluation",
]

log = logging.getLogger("danvan.app")

TITLE = "Trợ lý hỏi đáp công tác dân vận"
SUBTITLE = (
    "Hỏi về các văn bản đã nạp. Mỗi câu trả lời kèm số thứ tự trích dẫn [n]: bấm vào [n] hoặc “Xem văn bản” "
    "để mở nguyên văn, sao chép dòng trích dẫn ở khung bên phải."
)
# System fonts: the Source Sans Pro that Gradio bundles lacks glyphs for bold Vietnamese
# (stacked marks such as "ố" and some capitals fall back to another font mid-word); no web fonts.
THEME = gr.themes.Default(
    primary_hue=gr.themes.colors.red,
    font=["Segoe UI", "Roboto", "Noto Sans", "Helvetica Neue", "Arial", "Liberation Sans", "system-ui", "sans-serif"],
    font_mono=["Consolas", "Noto Sans Mono", "DejaVu Sans Mono", "monospace"],
)
#: Gradio sessions (browser tabs, API clients) whose state the app keeps, the most recently used ones.
#: Each costs ~150 KB of Gradio's copy of the page's configuration plus its conversation; Gradio's
#: default, 10,000, let memory grow by ~290 KB per new session up to ~3 GB (RELIABILITY.md, "Soak").
SESSIONS_KEPT = 200
#: ``launch()`` options of the look of the app and its memory bound (Gradio 6 takes them at launch).
LAUNCH_OPTIONS = {"theme": THEME, "footer_links": [], "css": assets.CSS, "head": assets.HEAD, "i18n": assets.i18n(),
                  "state_session_capacity": SESSIONS_KEPT}


def build_app(pipeline: ChatPipeline, evaluate: Evaluate | None = None, api=None, *, library=None,
              feedback=None) -> gr.Blocks:
    """The app: chat ("Hỏi đáp"), documents ("Tài liệu", with a library) and evaluation ("Đánh giá").

    Args:
        pipeline: answers the chat (anything with ``run(question, history)``).
        evaluate: runs the "Đánh giá" tab (:func:`ui.evaluations.evaluator`); ``None`` leaves the tab
            with a note that evaluation is not available.
        api: a :class:`ui.api.Api` whose endpoints (``/answer``, ``/ingest``, ``/remove``) the app serves.
        library: a :class:`ui.documents.Library`: the "Tài liệu" tab, the viewer's documents and the
            chat's filters; ``None`` (tests of the chat alone): no documents tab, no viewer.
        feedback: a :class:`ui.feedback.FeedbackStore` for the officers' verdicts.
    """
    runs = Path(library.settings.data_dir) / "runs" if library is not None else None
    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        gr.Markdown(f"# {TITLE}\n{SUBTITLE}", elem_id="app-title")
        with gr.Tabs():
            with gr.Tab("Hỏi đáp", id="chat-tab"):
                chat_tab(pipeline, open_document=library.get if library else None, feedback=feedback,
                         indexing=library.indexing if library else None,
                         filter_choices=library.choices if library and _takes_filter(pipeline) else None)
            if library is not None:
                with gr.Tab("Tài liệu", id="docs-tab"):
                    from ui.documents import documents_tab

                    documents_tab(library)
            with gr.Tab("Đánh giá", id="eval-tab"):
                evaluations_tab(evaluate, runs)
        if api is not None:
            from ui.api import register

            register(api)
    return app


def _takes_filter(pipeline: object) -> bool:
    import inspect

    try:
        return "filter" in inspect.signature(pipeline.run).parameters
    except (TypeError, ValueError, AttributeError):
        return False


# --- entry point ---------------------------------------------------------------


class ConsoleProgress:
    """Shows ingest ``rag.Progress`` events as tqdm bars on the console, one per stage."""

    LABELS = STAGE_LABELS

    def __init__(self) -> None:
        self._bar = None
        self._stage = ""

    def __call__(self, event: rag.Progress) -> None:
        from tqdm import tqdm

        if event.stage != self._stage or self._bar is None:
            self.close()
            self._stage = event.stage
            desc, unit = self.LABELS.get(event.stage, (event.stage, "it"))
            self._bar = tqdm(total=event.total, desc=desc, unit=unit)
        self._bar.total = event.total
        self._bar.n = event.done
        if event.message:
            self._bar.set_postfix_str(event.message, refresh=False)
        self._bar.refresh()
        if event.total and event.done >= event.total:  # a finished stage stops its clock
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def configure_logging(settings: rag.Settings) -> Path:
    """Log to the console and to ``<data_dir>/logs/app.log``; returns the log file."""
    log_dir = Path(settings.data_dir) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / "app.log"
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[logging.StreamHandler(), logging.FileHandler(log_file, encoding="utf-8")],
        force=True,
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # Gradio's own start-up requests
    return log_file


def main() -> None:
    """Check the address and login, prepare the model, index ``corpus/`` if needed, and serve."""
    from ui.auth import check_bind

    try:
        settings = rag.Settings.from_env()
        auth = check_bind(settings)
    except (rag.SettingsError, rag.InputError) as exc:
        raise SystemExit(f"error: {exc}") from None
    log_file = configure_logging(settings)
    log.info("data dir %s; log file %s; login %s", settings.data_dir, log_file, "on" if auth else "off")
    try:
        serve(settings, auth)
    except rag.DanvanError as exc:  # a bad corpus file, a locked store: the message names the fix
        log.error("%s", exc)
        raise SystemExit(f"error: {exc}") from None


def serve(settings: rag.Settings, auth=None) -> None:
    """Load the model, sync the corpus folder into the index, and serve until stopped."""
    import ingest
    from ui.api import Api
    from ui.documents import Library
    from ui.security import write_local_token
    from ui.feedback import FeedbackStore, feedback_path

    log.info("loading the embedding model %s (the first run converts it, a few seconds)", settings.embed_model)
    embedder = rag.load_embedder(settings)
    with rag.open_store(settings) as store:
        progress = ConsoleProgress()
        try:
            report = ingest.sync(
                settings, [settings.corpus_dir], store=store, embedder=embedder,
                collection=settings.collection, progress=progress,
            )
        finally:
            progress.close()
        log.info("index %s: %d documents, %d chunks, %d of the documents from %s (%s)", report.collection,
                 report.total_documents, report.total_chunks, report.documents, settings.corpus_dir,
                 "re-indexed" if report.reingested else "up to date")
        for name, why in report.failed + report.unsupported:
            log.warning("not indexed: %s: %s", name, why)
        pipeline = rag.Pipeline(settings, store=store, embedder=embedder)
        token = write_local_token(settings.data_dir)  # the proof of local access of python -m ingest / rag
        api = Api(settings, store, embedder, pipeline, local_token=token)
        library = Library(settings, store, embedder, api.lock)
        feedback = FeedbackStore(feedback_path(settings.data_dir))
        build_app(pipeline, evaluate=evaluator(settings, store, embedder), api=api, library=library,
                  feedback=feedback).launch(**launch_options(settings, auth, token))


def launch_options(settings: rag.Settings, auth=None, token: str = "") -> dict:
    """``launch()`` arguments of the served app: address, login (with the command lines' local login),
    upload limit, the security middleware (:mod:`ui.security`, SECURITY.md) and the look."""
    from ui.auth import vietnamese_login_middleware
    from ui.security import middleware, with_local_login

    runs = Path(settings.data_dir) / "runs"  # eval reports are served from here when data_dir is elsewhere
    login_page = [vietnamese_login_middleware()] if auth else []
    return dict(
        server_name=settings.host, server_port=settings.port, allowed_paths=[str(runs)],
        auth=with_local_login(auth, token), auth_message="Đăng nhập để dùng trợ lý hỏi đáp." if auth else None,
        max_file_size=f"{settings.upload_max_mb}mb", app_kwargs={"middleware": middleware(settings) + login_page},
        **LAUNCH_OPTIONS,
    )


if __name__ == "__main__":
    sys.exit(main())
