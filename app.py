"""The Gradio chat: ask in Vietnamese, get a short answer and citations to paste into drafts.

This module only renders. Retrieval and answering live in :mod:`rag`; the UI
routes the pipeline's events (``Retrieved``, ``Delta``, ``Final``) to widgets.
``build_app`` takes any object with ``run(question, history)`` yielding those
events, so the UI can be tested without a model. ``python app.py`` runs
:func:`main`: model, index of ``corpus/``, then the chat on 127.0.0.1.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

# Before gradio is imported: it reads this at import time.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

import rag  # noqa: E402

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
# Appended to an answer in the chat so older answers keep their sources; cut off
# again before the conversation goes back to the pipeline as history.
SOURCES_MARK = "\n\n_Nguồn:_ "
NEAREST_DOCS = 3
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


# --- rendering (plain functions, tested directly) ------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")
_MD_LINE_START = re.compile(r"^(\s*)(\d+)([.)])(\s)|^(\s*)([-+])(\s)", re.MULTILINE)


def md_escape(text: str) -> str:
    """Show document text literally in Markdown (no lists, links or emphasis from it).

    >>> print(md_escape("1. Xã *công khai* [1]"))
    1\\. Xã \\*công khai\\* \\[1\\]
    """
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(
        lambda m: f"{m[1]}{m[2]}\\{m[3]}{m[4]}" if m[2] else f"{m[5]}\\{m[6]}{m[7]}", text
    )


def _blockquote(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return "\n>\n".join(f"> {md_escape(line)}" for line in lines)


def citation_line(citation: rag.Citation) -> str:
    """The sentence an officer pastes into a draft.

    >>> c = rag.Citation(1, "d", "Quy chế phối hợp", "01/QC", "05/03/2026", "…", section="khoản 1 Điều 8")
    >>> citation_line(c)
    'Theo khoản 1 Điều 8 Quy chế phối hợp số 01/QC ngày 05/03/2026'
    """
    ref = citation.section
    dieu = ref[ref.find("Điều"):] if "Điều" in ref else ""
    if dieu and dieu.lower() in citation.title.lower():  # law units titled "... Điều 5. ..."
        ref = ""
    parts = ["Theo", ref, citation.title]
    if citation.number:
        parts.append(f"số {citation.number}")
    if citation.date:
        parts.append(f"ngày {citation.date}")
    if citation.issuer:
        parts.append(f"của {citation.issuer}")
    return " ".join(p for p in parts if p)


def _meta(number: str, date: str, issuer: str = "", doc_type: str = "") -> str:
    parts = [
        f"Số hiệu: {md_escape(number)}" if number else "",
        f"Ngày: {date}" if date else "",
        f"Loại: {md_escape(doc_type)}" if doc_type else "",
        f"Cơ quan ban hành: {md_escape(issuer)}" if issuer else "",
    ]
    return " · ".join(p for p in parts if p)


def render_citation(citation: rag.Citation) -> str:
    """One numbered source: title, số hiệu, ngày, section, quoted passage, paste line."""
    head = [f"**[{citation.marker}] {md_escape(citation.title)}**"]
    if meta := _meta(citation.number, citation.date, citation.issuer, citation.doc_type):
        head.append(meta)
    if citation.section or citation.heading:
        where = " — ".join(p for p in (citation.section, citation.heading) if p)
        head.append(f"Vị trí: {md_escape(where)}")
    paste = f"Trích dẫn: _{md_escape(citation_line(citation))}_"
    return "  \n".join(head) + "\n\n" + _blockquote(citation.quote) + "\n\n" + paste


def nearest_documents(hits: Sequence[rag.Hit], limit: int = NEAREST_DOCS) -> list[rag.Hit]:
    """The best hit of each of the first ``limit`` distinct documents."""
    seen: dict[str, rag.Hit] = {}
    for hit in sorted(hits, key=lambda h: h.rank):
        if hit.chunk.doc_id not in seen and len(seen) < limit:
            seen[hit.chunk.doc_id] = hit
    return list(seen.values())


def _snippet(text: str, words: int = 40) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def render_refusal(answer: rag.Answer) -> str:
    """The refusal, then the nearest documents so the officer knows where to look."""
    out = [f"**{rag.REFUSAL_TEXT}**"]
    near = nearest_documents(answer.hits)
    if near:
        out.append("\nCác tài liệu gần nhất (chỉ để tham khảo, không phải câu trả lời):")
    for n, hit in enumerate(near, 1):
        c = hit.chunk
        block = [f"**{n}. {md_escape(c.title)}**"]
        if meta := _meta(c.number, c.date, c.issuer, c.doc_type):
            block.append(meta)
        if c.section:
            block.append(f"Mục: {md_escape(c.section)}")
        out.append("  \n".join(block) + "\n\n" + _blockquote(_snippet(c.text)))
    return "\n\n".join(out)


def render_sources(answer: rag.Answer) -> str:
    """Markdown of the sources panel for a finished answer."""
    if answer.refused:
        return render_refusal(answer)
    if not answer.citations:
        return "_Câu trả lời không kèm trích dẫn._"
    return "\n\n---\n\n".join(render_citation(c) for c in answer.citations)


def render_retrieved(hits: Sequence[rag.Hit]) -> str:
    """What the sources panel shows while the answer is being written."""
    docs = len({h.chunk.doc_id for h in hits})
    return f"_Đã tìm thấy {len(hits)} đoạn văn bản trong {docs} tài liệu; đang soạn câu trả lời…_"


def citations_text(answer: rag.Answer) -> str:
    """Plain-text citation lines for the copy box, one per source."""
    return "\n".join(f"[{c.marker}] {citation_line(c)}" for c in answer.citations)


def chat_text(answer: rag.Answer) -> str:
    """The answer as shown in the chat: its text plus the sources it does not name itself."""
    unnamed = [c for c in answer.citations if c.label() not in answer.text]
    if answer.refused or not unnamed:
        return answer.text
    labels = "; ".join(f"\\[{c.marker}\\] {md_escape(c.label())}" for c in unnamed)
    return answer.text + SOURCES_MARK + labels


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


# --- the app -----------------------------------------------------------------


def build_app(pipeline: ChatPipeline) -> gr.Blocks:
    """The chat UI around ``pipeline`` (anything with ``run(question, history)``)."""

    def ask(message: str, history: list[dict]):
        yield from respond(pipeline, message, history)

    def clear():
        return [], EMPTY_SOURCES, "", ""

    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        gr.Markdown(f"# {TITLE}\n{SUBTITLE}")
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
    return app


# --- entry point ---------------------------------------------------------------


class ConsoleProgress:
    """Shows ingest ``rag.Progress`` events as tqdm bars on the console, one per stage."""

    LABELS = {"load": ("Đọc tài liệu", "văn bản"), "embed": ("Lập chỉ mục", "đoạn")}

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
    """Prepare the model, index ``corpus/`` if needed, and serve the chat on 127.0.0.1."""
    import ingest

    try:
        settings = rag.Settings.from_env()
    except rag.SettingsError as exc:
        raise SystemExit(f"error: {exc}") from None
    log_file = configure_logging(settings)
    log.info("data dir %s; log file %s", settings.data_dir, log_file)
    log.info("loading the embedding model %s (the first run converts it, about a minute)", settings.embed_model)
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
        pipeline = rag.Pipeline(settings, store=store, embedder=embedder)
        build_app(pipeline).launch(server_name=settings.host, server_port=settings.port, **LAUNCH_OPTIONS)


if __name__ == "__main__":
    sys.exit(main())
