"""The Gradio app: a chat that answers with citations, and an evaluation tab.

This module only routes. Retrieval and answering live in :mod:`rag`, the eval
runner in :mod:`evals`, and the Markdown an officer reads in :mod:`ui_render`.
The chat ("Hỏi đáp") routes the pipeline's events (``Retrieved``, ``Delta``,
``Final``) to widgets; ``build_app`` takes any object with
``run(question, history)`` yielding those events, so the UI can be tested
without a model. The "Đánh giá" tab runs :func:`evals.run_eval` on an uploaded
question set through :func:`run_evaluation`. ``python app.py`` runs
:func:`main`: model, index of ``corpus/``, then the app on 127.0.0.1.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

# Before gradio is imported: it reads this at import time.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

import evals  # noqa: E402
import rag  # noqa: E402
from ui_render import (  # noqa: E402
    SOURCES_MARK,
    chat_text,
    citations_text,
    render_eval_error,
    render_eval_summary,
    render_retrieved,
    render_sources,
)

log = logging.getLogger("danvan.app")

TITLE = "Trợ lý hỏi đáp công tác dân vận"
SUBTITLE = (
    "Hỏi về các văn bản đã nạp. Mỗi câu trả lời kèm số thứ tự trích dẫn [n]; "
    "xem nguyên văn đoạn trích và dòng trích dẫn để dán vào văn bản ở khung bên phải."
)
EXAMPLES = [
    "Ủy ban nhân dân xã phải công khai thông tin chậm nhất bao nhiêu ngày?",
    "UBND xa va Mat tran xa hop lien tich bao lau mot lan?",  # typed without diacritics
    "Mỗi xã phải đăng ký bao nhiêu mô hình Dân vận khéo?",
    "Sáu tháng đầu năm 2026 đã giải quyết bao nhiêu kiến nghị của Nhân dân?",
]
EMPTY_SOURCES = "_Nguồn trích dẫn sẽ hiện ở đây sau khi anh/chị đặt câu hỏi._"
SEARCHING = "_Đang tra cứu tài liệu…_"
ERROR_TEXT = (
    "Xin lỗi, hệ thống gặp lỗi khi xử lý câu hỏi này. Anh/chị vui lòng thử lại; "
    "nếu lỗi lặp lại, xin báo cho người quản trị hệ thống."
)
EVAL_INTRO = (
    "Đo độ chính xác của trợ lý trên một bộ câu hỏi có đáp án chuẩn: tìm đúng văn bản, từ chối câu hỏi "
    "ngoài tài liệu, trích dẫn đúng. **Tệp câu hỏi** (.jsonl): mỗi dòng một đối tượng JSON, ví dụ "
    '`{"qid": "q1", "question": "…", "gold_doc_ids": ["…"], "gold_quotes": ["…"], "kind": "factoid"}`; '
    "chỉ `question` là bắt buộc, câu không có `gold_doc_ids` lẫn `gold_quotes` là câu ngoài tài liệu "
    "(đúng là phải từ chối). **Tệp tài liệu** (tùy chọn; .jsonl, .txt, .md): nếu không tải lên, "
    "đánh giá trên chỉ mục hiện tại của ứng dụng."
)
EVAL_EMPTY = "_Kết quả đánh giá sẽ hiện ở đây._"
EVAL_UNAVAILABLE = (
    "_Chức năng đánh giá chưa được bật trong phiên chạy này. Người quản trị có thể chạy đánh giá "
    "bằng lệnh `python -m evals run` (xem EVALS.md)._"
)
NO_DATASET = "**Chưa có tệp câu hỏi.** Anh/chị hãy tải lên tệp câu hỏi (.jsonl) rồi nhấn “Chạy đánh giá”."
DATASET_PROBLEM = "Tệp câu hỏi có dòng sai định dạng (số dòng ghi ở đầu mỗi lỗi); sửa các dòng đó rồi tải lên lại."
INPUT_PROBLEM = (
    "Kiểm tra tệp tài liệu đã tải lên. Nếu không tải tệp tài liệu, đánh giá dùng chỉ mục hiện tại của "
    "ứng dụng, nên chỉ mục đó phải có sẵn; hoặc tải lên một tệp tài liệu để đánh giá trên tệp đó."
)
EVAL_BLOCKED = (
    "Kho chỉ mục chưa dùng được lúc này (ví dụ một lần đánh giá khác đang chạy); làm theo hướng dẫn "
    "trong phần chi tiết hoặc thử lại sau."
)
EVAL_FAILED = "Hệ thống gặp lỗi khi chạy đánh giá; nếu lỗi lặp lại, xin báo cho người quản trị hệ thống."
#: Console/progress-bar label and unit of each ``rag.Progress`` stage (ingest, then the eval's questions).
STAGE_LABELS = {
    "load": ("Đọc tài liệu", "văn bản"),
    "files": ("Lập chỉ mục", "tệp"),
    "embed": ("Lập chỉ mục", "đoạn"),
    "questions": ("Chạy câu hỏi", "câu"),
}
# System fonts: the Source Sans Pro that Gradio bundles lacks glyphs for bold Vietnamese
# (stacked marks such as "ố" and some capitals fall back to another font mid-word).
THEME = gr.themes.Default(
    font=["Segoe UI", "Roboto", "Noto Sans", "Helvetica Neue", "Arial", "Liberation Sans", "system-ui", "sans-serif"],
    font_mono=["Consolas", "Noto Sans Mono", "DejaVu Sans Mono", "monospace"],
)
#: ``launch()`` options that belong to the look of the app (Gradio 6 takes them at launch).
LAUNCH_OPTIONS = {"theme": THEME, "footer_links": []}


class ChatPipeline(Protocol):
    """What the UI needs from :class:`rag.Pipeline`."""

    def run(self, question: str, history: Sequence[rag.Turn]) -> Iterable[object]: ...


#: What the eval tab calls: ``(dataset_file, corpus_file, limit, progress) -> (summary, files)``;
#: :func:`evaluator` builds one around :func:`run_evaluation`.
Evaluate = Callable[[str | None, str | None, float | None, Callable[[rag.Progress], None] | None],
                    tuple[str, list[str]]]


# --- conversation ------------------------------------------------------------


def _content_text(content: Any) -> str:
    """Text of a chat message, whatever shape Gradio gives it (str or parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or "")
    if isinstance(content, (list, tuple)):
        return "\n".join(t for t in (_content_text(c) for c in content) if t)
    return ""


def history_to_turns(history: Sequence[dict] | None) -> list[rag.Turn]:
    """Chat messages -> ``rag.Turn``s, without the UI's source lists or placeholders."""
    turns = []
    for message in history or []:
        role = message.get("role")
        text = _content_text(message.get("content")).split(SOURCES_MARK, 1)[0].strip()
        if role in ("user", "assistant") and text and text not in (SEARCHING, ERROR_TEXT):
            turns.append(rag.Turn(role, text))
    return turns


def respond(pipeline: ChatPipeline, message: str, history: list[dict] | None) -> Iterator[tuple]:
    """Route one question through the pipeline; yields ``(chat, sources, citations, textbox)``."""
    question = (message or "").strip()
    chat = list(history or [])
    if not question:
        yield chat, gr.skip(), gr.skip(), ""
        return
    turns = history_to_turns(chat)
    chat += [{"role": "user", "content": question}, {"role": "assistant", "content": SEARCHING}]
    sources, cites = "", ""
    yield list(chat), SEARCHING, cites, ""
    streamed, answered = "", False
    try:
        for event in pipeline.run(question, turns):
            if isinstance(event, rag.Retrieved):
                sources = render_retrieved(event.hits)
            elif isinstance(event, rag.Delta):
                streamed += event.text
                chat[-1] = {"role": "assistant", "content": streamed}
            elif isinstance(event, rag.Final):
                answered = True
                chat[-1] = {"role": "assistant", "content": chat_text(event.answer)}
                sources, cites = render_sources(event.answer), citations_text(event.answer)
            yield list(chat), sources, cites, ""  # a copy: earlier yields stay as they were
    except Exception:
        log.exception("answering failed for question %r", question[:200])
        chat[-1] = {"role": "assistant", "content": ERROR_TEXT}
        yield chat, "", "", ""
        return
    if not answered:
        log.error("pipeline ended without a Final event for %r", question[:200])
        if not streamed:
            chat[-1] = {"role": "assistant", "content": ERROR_TEXT}
            yield chat, "", "", ""


# --- evaluation ----------------------------------------------------------------


def run_evaluation(
    runner: Callable[..., dict],
    settings: rag.Settings,
    dataset_file: str | None,
    corpus_file: str | None = None,
    limit: float | None = None,
    progress: Callable[[rag.Progress], None] | None = None,
    *,
    store: rag.QdrantStore | None = None,
    embedder: rag.Embedder | None = None,
) -> tuple[str, list[str]]:
    """Run one evaluation for the "Đánh giá" tab; returns ``(summary markdown, files to download)``.

    The run folder is ``<data_dir>/runs/<date-time>-<dataset name>``. Bad input and
    failures come back as a Vietnamese message with the underlying one (logged with its
    traceback), never as an exception.

    Args:
        runner: :func:`evals.run_eval` (its signature).
        settings: the app's settings.
        dataset_file, corpus_file: uploaded paths; without a corpus the app's index is evaluated.
        limit: evaluate only the first ``limit`` questions (empty or 0: all).
        progress: receives the run's ``rag.Progress`` events.
        store, embedder: the app's open store and loaded model. The store is passed on only
            when the app's own index is evaluated: an uploaded corpus goes to the eval store
            under ``<data_dir>/evals`` (its own lock), so the app's store never holds eval data.

    >>> summary, files = run_evaluation(evals.run_eval, settings, "q.jsonl", None, 20,
    ...                                 store=store, embedder=embedder)  # doctest: +SKIP
    >>> [Path(f).name for f in files]                                    # doctest: +SKIP
    ['report.html', 'metrics.json']
    """
    if not dataset_file:
        return NO_DATASET, []
    dataset = Path(dataset_file)
    corpus = [Path(corpus_file)] if corpus_file else []
    out = _new_run_dir(Path(settings.data_dir) / "runs", dataset)
    try:
        metrics = runner(
            settings, dataset, corpus or None, out, name=out.name, limit=_limit(limit), progress=progress,
            store=None if corpus else store, embedder=embedder,
        )
    except Exception as exc:  # shown to the officer; the traceback goes to the log only
        _remove_if_empty(out)
        uploads = [dataset, *corpus]
        if isinstance(exc, evals.DatasetError):
            return render_eval_error(DATASET_PROBLEM, _short_paths(str(exc), uploads)), []
        if isinstance(exc, rag.InputError):
            return render_eval_error(INPUT_PROBLEM, _short_paths(str(exc), uploads)), []
        if isinstance(exc, rag.DanvanError):  # the store is locked or was built with another model
            log.warning("evaluation of %s not started: %s", dataset, exc)
            return render_eval_error(EVAL_BLOCKED, _short_paths(str(exc), uploads)), []
        log.exception("evaluation of %s failed", dataset)
        return render_eval_error(EVAL_FAILED, f"{type(exc).__name__}: {_short_paths(str(exc), uploads)}"), []
    summary = render_eval_summary(metrics, name=out.name, kind_counts=_kind_counts(out / "rows.jsonl"), out_dir=out)
    return summary, [str(out / "report.html"), str(out / "metrics.json")]


def evaluator(settings: rag.Settings, store: rag.QdrantStore, embedder: rag.Embedder) -> Evaluate:
    """The eval tab's callable: :func:`run_evaluation` with :func:`evals.run_eval` and the app's parts."""
    return functools.partial(run_evaluation, evals.run_eval, settings, store=store, embedder=embedder)


def _limit(value: float | str | None) -> int | None:
    number = int(float(value)) if value not in (None, "") else 0
    return number if number > 0 else None


def _new_run_dir(runs: Path, dataset: Path) -> Path:
    stem = re.sub(r"[^\w.-]+", "_", dataset.name.split(".")[0]).strip("_.") or "run"
    base = f"{datetime.now():%Y%m%d-%H%M%S}-{stem}"
    out, n = runs / base, 1
    while out.exists():  # two runs in the same second
        n += 1
        out = runs / f"{base}-{n}"
    return out


def _remove_if_empty(folder: Path) -> None:
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def _short_paths(message: str, uploads: Sequence[Path]) -> str:
    """Uploaded files by their own names, not by Gradio's temporary folders."""
    for path in uploads:
        message = message.replace(str(path), path.name)
    return message


def _kind_counts(rows_file: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with rows_file.open(encoding="utf-8") as handle:
        for line in handle:
            kind = json.loads(line)["kind"]
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def progress_events(bar: Callable[..., Any]) -> Callable[[rag.Progress], None]:
    """Route ``rag.Progress`` events to a ``gr.Progress`` bar, labelled by stage."""

    def report(event: rag.Progress) -> None:
        desc, unit = STAGE_LABELS.get(event.stage, (event.stage, "bước"))
        if event.total:
            bar((event.done, event.total), desc=desc, unit=unit)

    return report


# --- the app -----------------------------------------------------------------


def build_app(pipeline: ChatPipeline, evaluate: Evaluate | None = None, api=None) -> gr.Blocks:
    """The app: the chat around ``pipeline`` (anything with ``run(question, history)``), then evaluation.

    Args:
        pipeline: answers the chat ("Hỏi đáp", the first tab).
        evaluate: runs the "Đánh giá" tab (see :func:`evaluator`); ``None`` leaves the tab
            with a note that evaluation is not available.
        api: a :class:`ui.api.Api` whose endpoints (``/answer``, ``/ingest``, ``/remove``) the app serves,
            so the command lines work while the app holds the store.
    """
    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        gr.Markdown(f"# {TITLE}")
        with gr.Tabs():
            with gr.Tab("Hỏi đáp", id="chat-tab"):
                gr.Markdown(SUBTITLE)
                _chat_tab(pipeline)
            with gr.Tab("Đánh giá", id="eval-tab"):
                _eval_tab(evaluate)
        if api is not None:
            from ui.api import register

            register(api)
    return app


def _chat_tab(pipeline: ChatPipeline) -> None:
    def ask(message: str, history: list[dict]):
        yield from respond(pipeline, message, history)

    def clear():
        return [], EMPTY_SOURCES, "", ""

    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(
                label="Hội thoại",
                height=520,
                buttons=["copy"],
                feedback_options=None,
                latex_delimiters=[],
                placeholder="Đặt câu hỏi về văn bản đã nạp, ví dụ về thời hạn, trách nhiệm, số liệu…",
                elem_id="chat",
            )
            with gr.Row():
                question = gr.Textbox(
                    show_label=False,
                    placeholder="Nhập câu hỏi (có thể gõ không dấu) rồi nhấn Enter",
                    max_length=2000,
                    scale=8,
                    autofocus=True,
                    elem_id="question",
                )
                send = gr.Button("Gửi", variant="primary", scale=1, min_width=80, elem_id="send")
            gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[question], label="Câu hỏi mẫu")
            reset = gr.Button("Xóa hội thoại", variant="secondary", size="sm")
        with gr.Column(scale=2):
            gr.Markdown("## Nguồn trích dẫn")
            sources = gr.Markdown(EMPTY_SOURCES, max_height=640, latex_delimiters=[], elem_id="sources")
            cites = gr.Textbox(
                label="Dòng trích dẫn để dán vào văn bản",
                lines=3,
                interactive=False,
                buttons=["copy"],
                elem_id="citations",
            )
    outputs = [chatbot, sources, cites, question]
    gr.on([question.submit, send.click], ask, inputs=[question, chatbot], outputs=outputs)
    reset.click(clear, outputs=outputs)


def _eval_tab(evaluate: Evaluate | None) -> None:
    if evaluate is None:
        gr.Markdown(EVAL_UNAVAILABLE, elem_id="eval-result")
        return

    def run(dataset_file, corpus_file, limit, progress=gr.Progress()):
        return evaluate(dataset_file, corpus_file, limit, progress_events(progress))

    gr.Markdown(EVAL_INTRO, latex_delimiters=[])
    with gr.Row(equal_height=True):
        dataset = gr.File(label="Tệp câu hỏi (.jsonl)", file_types=[".jsonl", ".gz"], elem_id="eval-dataset")
        corpus = gr.File(label="Tệp tài liệu (tùy chọn: .jsonl, .txt, .md)",
                         file_types=[".jsonl", ".gz", ".txt", ".md"], elem_id="eval-corpus")
        with gr.Column(min_width=200):
            limit = gr.Number(label="Giới hạn số câu", info="0 hoặc để trống: chạy tất cả các câu", precision=0,
                              minimum=0, elem_id="eval-limit")
            start = gr.Button("Chạy đánh giá", variant="primary", elem_id="eval-run")
    result = gr.Markdown(EVAL_EMPTY, latex_delimiters=[], elem_id="eval-result")
    files = gr.File(label="Tải xuống: báo cáo (report.html) và số liệu (metrics.json)", file_count="multiple",
                    interactive=False, elem_id="eval-files")
    # One run at a time: an uploaded corpus is indexed in the one eval store, which a single client may hold.
    start.click(run, inputs=[dataset, corpus, limit], outputs=[result, files], concurrency_limit=1,
                concurrency_id="evaluation")


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
    """Prepare the model, index ``corpus/`` if needed, and serve the chat and evaluation on 127.0.0.1."""
    try:
        settings = rag.Settings.from_env()
    except rag.SettingsError as exc:
        raise SystemExit(f"error: {exc}") from None
    log_file = configure_logging(settings)
    log.info("data dir %s; log file %s", settings.data_dir, log_file)
    try:
        serve(settings)
    except rag.DanvanError as exc:  # a bad corpus file, a locked store: the message names the fix
        log.error("%s", exc)
        raise SystemExit(f"error: {exc}") from None


def serve(settings: rag.Settings) -> None:
    """Load the model, sync the corpus folder into the index, and serve until stopped."""
    import ingest

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
        log.info("index %s: %d documents, %d chunks (%s)", report.collection, report.documents, report.chunks,
                 "re-indexed" if report.reingested else "up to date")
        for name, why in report.failed + report.unsupported:
            log.warning("not indexed: %s: %s", name, why)
        pipeline = rag.Pipeline(settings, store=store, embedder=embedder)
        from ui.api import Api

        api = Api(settings, store, embedder, pipeline)
        runs = Path(settings.data_dir) / "runs"  # eval reports are served from here when data_dir is elsewhere
        build_app(pipeline, evaluate=evaluator(settings, store, embedder), api=api).launch(
            server_name=settings.host, server_port=settings.port, allowed_paths=[str(runs)], **LAUNCH_OPTIONS
        )


if __name__ == "__main__":
    sys.exit(main())
