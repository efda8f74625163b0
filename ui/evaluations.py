"""The "Đánh giá" tab: run an eval on an uploaded question set, open past runs, compare two.

:func:`run_evaluation` wraps :func:`evals.run_eval` for the tab (Vietnamese messages, never
an exception); :func:`gold_warning` says when the question set's gold documents are not
in the index evaluated (a 0 % that means "wrong index", not "bad retrieval"). Every run
is a folder ``<data_dir>/runs/<date-time>-<name>`` (:func:`past_runs`); the tab lists
them so a result survives a page reload, and :func:`render_comparison` sets two side by
side (:func:`evals.compare`).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import gradio as gr

import evals
import rag
from rag.docstore import DocStore, catalog_path
from ui.progress import progress_events
from ui_render import format_metric, kind_name, md_escape, metric_label, render_eval_error, render_eval_summary

log = logging.getLogger("danvan.app")

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
NO_GOLD_IN_INDEX = (
    "**Cảnh báo: chỉ mục đang đánh giá không chứa văn bản chuẩn nào của bộ câu hỏi** ({missing}/{total} văn bản "
    "chuẩn vắng mặt). Kết quả tìm kiếm sẽ gần 0% vì thiếu tài liệu, không phải vì tìm sai: hãy tải lên tệp tài "
    "liệu của bộ câu hỏi, hoặc nạp các văn bản đó ở thẻ Tài liệu."
)
SOME_GOLD_MISSING = (
    "**Lưu ý:** {missing}/{total} văn bản chuẩn của bộ câu hỏi không có trong chỉ mục đang đánh giá; các câu "
    "hỏi về chúng sẽ bị tính là tìm sai."
)

#: What the eval tab calls: ``(dataset_file, corpus_file, limit, progress) -> (summary, files)``.
Evaluate = Callable[[str | None, str | None, float | None, Callable[[rag.Progress], None] | None],
                    tuple[str, list[str]]]


def gold_warning(settings: rag.Settings, dataset: Path, collection: str | None = None) -> str:
    """A warning when gold documents of ``dataset`` are absent from the app's index ("" when all are there)."""
    try:
        examples = evals.load_dataset(dataset)
    except evals.DatasetError:
        return ""  # the run itself reports the broken lines
    gold = {d for e in examples for d in e.gold_doc_ids}
    if not gold:
        return ""
    docs = DocStore(catalog_path(settings.data_dir))
    try:
        present = docs.doc_ids(collection or settings.collection)
    finally:
        docs.close()
    missing = len(gold - present)
    if missing == len(gold):
        return NO_GOLD_IN_INDEX.format(missing=missing, total=len(gold))
    if missing:
        return SOME_GOLD_MISSING.format(missing=missing, total=len(gold))
    return ""


def run_evaluation(
    runner: Callable[..., dict],
    settings: rag.Settings,
    dataset_file: str | None,
    corpus_file: str | None = None,
    limit: float | None = None,
    progress: Callable[[rag.Progress], None] | None = None,
    *,
    store: rag.Store | None = None,
    embedder: rag.Embedder | None = None,
) -> tuple[str, list[str]]:
    """Run one evaluation for the tab; returns ``(summary markdown, files to download)``.

    The run folder is ``<data_dir>/runs/<date-time>-<dataset name>``. Without a corpus the
    app's own index is evaluated (``store``), and a warning heads the summary when the
    question set's gold documents are not in it. Bad input and failures come back as a
    Vietnamese message with the underlying one (logged with its traceback).
    """
    if not dataset_file:
        return NO_DATASET, []
    dataset = Path(dataset_file)
    corpus = [Path(corpus_file)] if corpus_file else []
    warning = "" if corpus else gold_warning(settings, dataset)
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
    if warning:
        (out / "warning.md").write_text(warning, encoding="utf-8")
    return open_run(out), [str(out / "report.html"), str(out / "metrics.json")]


def open_run(run_dir: Path) -> str:
    """The summary of a finished run folder (with its warning, if it had one)."""
    run_dir = Path(run_dir)
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    warning = run_dir / "warning.md"
    head = warning.read_text(encoding="utf-8") + "\n\n" if warning.is_file() else ""
    return head + render_eval_summary(metrics, name=run_dir.name, kind_counts=_kind_counts(run_dir / "rows.jsonl"),
                                      out_dir=run_dir.name)


def past_runs(runs: Path) -> list[tuple[str, str]]:
    """``(label, folder name)`` of the finished runs under ``runs``, newest first."""
    if not runs.is_dir():
        return []
    found = []
    for folder in sorted((p for p in runs.iterdir() if (p / "metrics.json").is_file()), reverse=True):
        try:
            metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
            label = f"{folder.name} — {metrics['n']} câu, Recall@10 " + format_metric(
                "retrieval", "recall@10", metrics["retrieval"]["recall@10"])
        except (ValueError, KeyError, TypeError):
            continue
        found.append((label, folder.name))
    return found


def render_comparison(runs: Path, a: str | None, b: str | None) -> str:
    """Markdown table of two runs' metrics side by side (overall and per kind), regressions marked."""
    if not a or not b:
        return "_Chọn hai lần chạy để so sánh._"
    try:
        deltas = evals.compare(*(json.loads((runs / n / "metrics.json").read_text(encoding="utf-8")) for n in (a, b)))
    except (OSError, ValueError) as exc:
        return f"**Không so sánh được.** {md_escape(str(exc))}"
    rows = ["| Phạm vi | Chỉ số | A | B | Chênh lệch |", "|---|---|---|---|---|"]
    for d in deltas:
        section, key = d.metric.split("/", 1)
        change = "—" if d.delta is None else format_metric(section, key, d.delta)
        flag = " ⚠ kém đi" if d.regressed else ""
        scope = "Tổng thể" if d.scope == "overall" else md_escape(kind_name(d.scope))
        rows.append(f"| {scope} | {md_escape(metric_label(section, key))} | {format_metric(section, key, d.a)} | "
                    f"{format_metric(section, key, d.b)} | {change}{flag} |")
    return f"**A:** {md_escape(a)}  \n**B:** {md_escape(b)}\n\n" + "\n".join(rows)


def evaluator(settings: rag.Settings, store: rag.Store, embedder: rag.Embedder) -> Evaluate:
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
    if rows_file.is_file():
        with rows_file.open(encoding="utf-8") as handle:
            for line in handle:
                kind = json.loads(line)["kind"]
                counts[kind] = counts.get(kind, 0) + 1
    return counts


def evaluations_tab(evaluate: Evaluate | None, runs: Path | None = None) -> None:
    """Lay out the tab; call inside a ``gr.Tab``."""
    if evaluate is None:
        gr.Markdown(EVAL_UNAVAILABLE, elem_id="eval-result")
        return

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
    with gr.Accordion("Các lần chạy trước: mở lại hoặc so sánh", open=runs is not None, visible=runs is not None,
                      elem_id="eval-history"):
        with gr.Row():
            past = gr.Dropdown(past_runs(runs) if runs else [], label="Lần chạy", scale=4, elem_id="eval-past")
            open_btn = gr.Button("Mở", size="sm", scale=1, elem_id="eval-open")
        with gr.Row():
            run_a = gr.Dropdown(past_runs(runs) if runs else [], label="Lần chạy A (gốc)", elem_id="eval-a")
            run_b = gr.Dropdown(past_runs(runs) if runs else [], label="Lần chạy B (mới)", elem_id="eval-b")
            cmp_btn = gr.Button("So sánh", size="sm", elem_id="eval-compare")
        comparison = gr.Markdown("", elem_id="eval-comparison")

    def run(dataset_file, corpus_file, limit, progress=gr.Progress()):
        summary, found = evaluate(dataset_file, corpus_file, limit, progress_events(progress))
        return (summary, found, *refresh())

    def refresh():
        choices = past_runs(runs) if runs else []
        return tuple(gr.update(choices=choices) for _ in range(3))

    def show(name):
        if not name or runs is None:
            return EVAL_EMPTY, []
        folder = runs / Path(name).name
        if not (folder / "metrics.json").is_file():
            return "**Không mở được lần chạy này** (thư mục kết quả đã bị xóa).", []
        return open_run(folder), [str(folder / "report.html"), str(folder / "metrics.json")]

    open_btn.click(show, inputs=[past], outputs=[result, files])
    cmp_btn.click(lambda a, b: render_comparison(runs, a, b) if runs else "", inputs=[run_a, run_b],
                  outputs=[comparison])
    gr.on([past.focus, run_a.focus, run_b.focus], refresh, outputs=[past, run_a, run_b], show_progress="hidden")
    # One run at a time: an uploaded corpus is indexed in the one eval store, which a single client may hold.
    start.click(run, inputs=[dataset, corpus, limit], outputs=[result, files, past, run_a, run_b],
                concurrency_limit=1, concurrency_id="evaluation")
