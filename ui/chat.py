"""The "Hỏi đáp" tab: the conversation as data, the sources panel, the viewer, export and feedback.

The conversation lives in a ``gr.State`` (one per browser session, so one user never
sees another's) as a list of exchanges ``{"question", "answer": rag.Answer | None,
"understood", "text"}``; the chat widget, the history sent to the pipeline and the
exports are all derived from it, never parsed back out of rendered Markdown.

:func:`respond` routes the pipeline's events (``Retrieved``, ``Delta``, ``Final``) and is
tested without Gradio; :func:`chat_tab` lays out the widgets.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import gradio as gr

import rag
from rag.query import Query
from rag.text import strip_accents
from rag.types import SearchFilter
from rag import export as exporter
from rag.cite import source_of
from rag.docstore import StoredDocument
from ui import assets
from ui.feedback import VERDICTS, FeedbackStore
from ui.sources import (answer_markdown, locate_chunk, render_document, render_indexing, render_missing,
                        render_sources_html)
from ui_render import chat_text, citations_text, render_retrieved

log = logging.getLogger("danvan.app")

EXAMPLES = [
    "Ủy ban nhân dân xã phải công khai thông tin chậm nhất bao nhiêu ngày?",
    "UBND xa va Mat tran xa hop lien tich bao lau mot lan?",  # typed without diacritics
    "Mỗi xã phải đăng ký bao nhiêu mô hình Dân vận khéo?",
    "Sáu tháng đầu năm 2026 đã giải quyết bao nhiêu kiến nghị của Nhân dân?",
]
EMPTY_SOURCES = '<p class="muted">Nguồn trích dẫn sẽ hiện ở đây sau khi anh/chị đặt câu hỏi.</p>'
SEARCHING = "_Đang tra cứu tài liệu…_"
ERROR_TEXT = (
    "Xin lỗi, hệ thống gặp lỗi khi xử lý câu hỏi này. Anh/chị vui lòng thử lại; "
    "nếu lỗi lặp lại, xin báo cho người quản trị hệ thống."
)
NO_ANSWER_YET = "Chưa có câu trả lời nào để {what}. Anh/chị hãy đặt câu hỏi trước."
FEEDBACK_SAVED = "Đã ghi nhận góp ý của anh/chị. Xin cảm ơn!"
FEEDBACK_CHOICES = list(VERDICTS.values())
#: Exchanges a conversation keeps (the oldest go first): each holds its answer's passages, and the
#: conversation lives in the server's memory for as long as the session does.
MAX_EXCHANGES = 40

#: Open a document of the index by id (``None``: not indexed); :meth:`rag.docstore.DocStore.get` bound.
OpenDocument = Callable[[str], StoredDocument | None]


class ChatPipeline(Protocol):
    """What the chat needs from :class:`rag.Pipeline` (``filter=`` and ``query`` are used when present)."""

    def run(self, question: str, history: Sequence[rag.Turn]) -> Iterable[object]: ...


# --- the conversation as data -----------------------------------------------------------


def history_to_turns(conv: Sequence[dict] | None) -> list[rag.Turn]:
    """The conversation as ``rag.Turn``s for the pipeline; an answer that failed is left out."""
    turns = []
    for ex in conv or []:
        turns.append(rag.Turn("user", ex["question"]))
        if ex.get("answer") is not None:
            turns.append(rag.Turn("assistant", ex["answer"].text))
    return turns


def chat_messages(conv: Sequence[dict] | None) -> list[dict]:
    """The chat widget's messages: each answer with its ``[n]`` linked to its source."""
    out = []
    for turn, ex in enumerate(conv or []):
        out.append({"role": "user", "content": ex["question"]})
        answer = ex.get("answer")
        if answer is not None:
            # The answer's own text escaped (it quotes documents); chat_text's source labels already are.
            text = (answer_markdown(answer.text, turn, [c.marker for c in answer.citations])
                    + chat_text(answer)[len(answer.text):])
        else:
            text = ex.get("text") or SEARCHING
        out.append({"role": "assistant", "content": text})
    return out


def answers(conv: Sequence[dict] | None) -> list[rag.Answer]:
    return [ex["answer"] for ex in conv or [] if ex.get("answer") is not None]


def read_question(pipeline: Any, question: str, turns: Sequence[rag.Turn]) -> Any:
    """The pipeline's :class:`~rag.query.Query` of the question (parsed once per turn, shown in the
    sources and handed back to ``pipeline.run``); ``None`` when it has no ``query`` or it failed."""
    if not hasattr(pipeline, "query"):
        return None
    try:
        return pipeline.query(question, turns)
    except Exception:  # only a courtesy line: never fail the answer for it
        log.warning("could not show the understood question", exc_info=True)
        return None


def understood(q: Any, question: str) -> str:
    """How the pipeline read the question (restored diacritics, a follow-up's context); "" when as typed."""
    if q is None:
        return ""
    # Restored diacritics are shown only for a question typed without them (wholly or partly): on a
    # typed one the restorer can only guess words the officer already wrote right ("hôm nay" -> "hôm này").
    if not looks_like_words(question):
        return ""  # "Đã hiểu câu hỏi là: xohd aopv q iud …" would tell the officer nothing
    typed_bare = getattr(q, "unaccented", False) or getattr(q, "typed_partly", False)
    restored = getattr(q, "restored", "") if typed_bare else ""
    text = (restored or getattr(q, "canonical", "") or question).strip()
    shown = text if text.casefold() != question.strip().casefold() else ""
    previous = getattr(q, "previous", None)
    if previous:
        shown = f"{clip(shown or question.strip())} (nối tiếp câu hỏi: {clip(previous, UNDERSTOOD_CHARS // 2)})"
    return clip(shown, 2 * UNDERSTOOD_CHARS) if previous else clip(shown)


#: Characters of the question that "Đã hiểu câu hỏi là:" repeats (a pasted paragraph is cut).
UNDERSTOOD_CHARS = 200
_SYLLABLE = re.compile(r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(ch|ng|nh|[cmnpt])?")


def clip(text: str, limit: int = UNDERSTOOD_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, "…" marking the cut.

    >>> clip("Xã phải công khai thông tin chậm nhất mấy ngày?", 20)
    'Xã phải công khai …'
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut + " …"


def looks_like_words(question: str) -> bool:
    """Whether at least half the tokens of ``question`` are Vietnamese syllables, numbers or codes (a
    typed question) rather than keyboard noise ("xohd aopv", "aaaa…", "!!!???").

    >>> looks_like_words("xa phai cong khai may ngay"), looks_like_words("uc drq xohd aopv q iud")
    (True, False)
    """
    tokens = re.findall(r"\w+", strip_accents(question).replace("đ", "d").replace("Đ", "D"))
    if not tokens:
        return False
    fine = sum(bool(_SYLLABLE.fullmatch(t.lower()) or any(c.isdigit() for c in t) or (t.isupper() and len(t) <= 6))
               for t in tokens)  # (UBND, HĐND: abbreviations in capitals)
    return fine * 2 >= len(tokens)


def understood_question(pipeline: Any, question: str, turns: Sequence[rag.Turn]) -> str:
    """:func:`understood` of the pipeline's reading of ``question``."""
    return understood(read_question(pipeline, question, turns), question)


def search_filter(doc_types: Sequence[str] | None = None, issuers: Sequence[str] | None = None,
                  year_from: float | None = None, year_to: float | None = None) -> SearchFilter | None:
    """The filter of the chat's "Lọc" controls (``None``: no condition)."""
    years = [int(y) if y not in (None, "") and int(y) > 0 else None for y in (year_from, year_to)]
    found = SearchFilter(tuple(doc_types or ()), tuple(issuers or ()), years[0], years[1])
    return found if found else None


def respond(pipeline: ChatPipeline, message: str, conv: list[dict] | None,
            filter: SearchFilter | None = None) -> Iterator[tuple]:
    """Route one question through the pipeline; yields ``(conv, chat, sources html, citations, textbox)``."""
    question = (message or "").strip()
    conv = list(conv or [])
    if not question:
        yield conv, chat_messages(conv), gr.skip(), gr.skip(), ""
        return
    turns = history_to_turns(conv)
    ex = {"question": question, "answer": None, "understood": "", "text": SEARCHING}
    conv = [*conv[-(MAX_EXCHANGES - 1):], ex]
    turn = len(conv) - 1
    yield conv, chat_messages(conv), f'<p class="muted">{SEARCHING.strip("_")}</p>', "", ""
    q = read_question(pipeline, question, turns)
    ex["understood"] = understood(q, question)
    asked = q if isinstance(q, Query) else question  # the pipeline does not parse it a second time
    streamed, answered = "", False
    try:
        events = pipeline.run(asked, turns, filter=filter) if filter else pipeline.run(asked, turns)
        sources, cites = "", ""
        for event in events:
            if isinstance(event, rag.Retrieved):
                sources = f'<p class="muted">{render_retrieved(event.hits).strip("_")}</p>'
            elif isinstance(event, rag.Delta):
                streamed += event.text
                ex["text"] = answer_markdown(streamed)
            elif isinstance(event, rag.Final):
                answered = True
                ex["answer"] = event.answer
                sources = render_sources_html(event.answer, turn, ex["understood"])
                cites = citations_text(event.answer)
            yield conv, chat_messages(conv), sources, cites, ""
    except Exception:
        log.exception("answering failed for question %r", question[:200])
        ex["answer"], ex["text"] = None, ERROR_TEXT
        yield conv, chat_messages(conv), "", "", ""
        return
    if not answered:
        log.error("pipeline ended without a Final event for %r", question[:200])
        if not streamed:
            ex["text"] = ERROR_TEXT
            yield conv, chat_messages(conv), "", "", ""


# --- viewer, export, feedback -------------------------------------------------------------


def view_citation(conv: Sequence[dict] | None, request: str, open_document: OpenDocument | None,
                  indexing: Callable[[str], bool] | None = None) -> str:
    """The viewer for ``"<turn>:<n>"``: the cited document whole, scrolled to the passage, highlighted.

    A document not in the document store is "being indexed" (with the cited passage) when
    ``indexing(doc_id)`` says so (:meth:`ui.documents.Library.indexing`), else gone."""
    try:
        turn, marker = (int(p) for p in (request or "").split(":"))
        answer = (conv or [])[turn]["answer"]
        citation = next(c for c in answer.citations if c.marker == marker)
    except (ValueError, IndexError, KeyError, TypeError, StopIteration, AttributeError):
        return '<p class="warn">Không tìm thấy nguồn này; hãy hỏi lại.</p>'
    stored = open_document(citation.doc_id) if open_document else None
    hit = source_of(citation, answer.hits)
    if stored is None and indexing is not None and indexing(citation.doc_id):
        return render_indexing(citation.doc_id, citation.title, hit.chunk.text if hit else citation.quote)
    if stored is None:
        return render_missing(citation.doc_id)
    passage = locate_chunk(stored.document.text, hit.chunk) if hit else None
    if passage is None:
        from ui.sources import quote_spans

        spans = quote_spans(citation.quote, stored.document.text)
        passage = (min(a for a, _ in spans), max(b for _, b in spans)) if spans else None
    return render_document(stored, passage, citation.quote)


def export_answers(conv: Sequence[dict] | None, which: str, fmt: str, out_dir: Path | None = None) -> str | None:
    """Write the last answer (``which="last"``) or the whole conversation as ``fmt`` (md/docx); returns the path."""
    found = answers(conv)
    if not found:
        return None
    chosen = found[-1:] if which == "last" else found
    out_dir = Path(out_dir or tempfile.mkdtemp(prefix="danvan-export-"))
    name = "cau-tra-loi" if which == "last" else "hoi-thoai"
    if fmt == "docx":
        return str(exporter.to_docx(chosen, out_dir / f"{name}.docx"))
    path = out_dir / f"{name}.md"
    path.write_text(exporter.to_markdown(chosen), encoding="utf-8")
    return str(path)


def save_feedback(store: FeedbackStore | None, conv: Sequence[dict] | None, label: str | None, comment: str,
                  user: str = "") -> str:
    """Store the officer's verdict on the last answer; returns the message shown."""
    found = answers(conv)
    if not found:
        return NO_ANSWER_YET.format(what="góp ý")
    verdict = next((k for k, v in VERDICTS.items() if v == label), None)
    if verdict is None:
        return "Anh/chị hãy chọn Đúng, Sai hoặc Nguồn sai trước khi gửi."
    if store is None:
        return "Chức năng góp ý chưa được bật trong phiên chạy này."
    store.add(found[-1], verdict, comment or "", user=user)
    return FEEDBACK_SAVED


# --- the tab ---------------------------------------------------------------------------------


def chat_tab(pipeline: ChatPipeline, *, open_document: OpenDocument | None = None,
             feedback: FeedbackStore | None = None,
             filter_choices: Callable[[], tuple[list[str], list[str]]] | None = None,
             indexing: Callable[[str], bool] | None = None) -> None:
    """Lay out the chat; call inside a ``gr.Tab`` (``indexing``: :meth:`ui.documents.Library.indexing`)."""
    conv = gr.State([])
    takes_filter = filter_choices is not None
    types, issuers = filter_choices() if takes_filter else ([], [])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="Hội thoại", height=520, buttons=["copy"], feedback_options=None,
                                 latex_delimiters=[], elem_id="chat",
                                 placeholder="Đặt câu hỏi về văn bản đã nạp, ví dụ về thời hạn, trách nhiệm, số liệu…")
            with gr.Row():
                question = gr.Textbox(label="Câu hỏi", show_label=False, placeholder="Nhập câu hỏi (có thể gõ không dấu) rồi nhấn Enter",
                                      max_length=2000, scale=8, autofocus=True, elem_id="question")
                send = gr.Button("Gửi", variant="primary", scale=1, min_width=80, elem_id="send")
            if takes_filter:
                with gr.Accordion("Lọc văn bản (loại, cơ quan ban hành, năm)", open=False,
                                  elem_id="filters") as filter_box:
                    with gr.Row():
                        f_types = gr.Dropdown(types, multiselect=True, label="Loại văn bản", elem_id="filter-types")
                        f_issuers = gr.Dropdown(issuers, multiselect=True, label="Cơ quan ban hành",
                                                elem_id="filter-issuers")
                        f_from = gr.Number(label="Từ năm", precision=0, minimum=0, elem_id="filter-from")
                        f_to = gr.Number(label="Đến năm", precision=0, minimum=0, elem_id="filter-to")
                filters = [f_types, f_issuers, f_from, f_to]

                def fresh_choices():  # documents uploaded since the page loaded bring their types and issuers
                    now_types, now_issuers = filter_choices()
                    return gr.update(choices=now_types), gr.update(choices=now_issuers)

                filter_box.expand(fresh_choices, outputs=[f_types, f_issuers], show_progress="hidden")
            else:
                filters = []
            gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[question], label="Câu hỏi mẫu")
            with gr.Row():
                reset = gr.Button("Xóa hội thoại", variant="secondary", size="sm", min_width=60, elem_classes=["tool-btn"])
                exp_last_md = gr.Button("Tải câu trả lời (.md)", size="sm", min_width=60, elem_classes=["tool-btn"], elem_id="export-last-md")
                exp_last_docx = gr.Button("Tải câu trả lời (.docx)", size="sm", min_width=60, elem_classes=["tool-btn"], elem_id="export-last-docx")
                exp_all_md = gr.Button("Tải cả hội thoại (.md)", size="sm", min_width=60, elem_classes=["tool-btn"], elem_id="export-all-md")
                exp_all_docx = gr.Button("Tải cả hội thoại (.docx)", size="sm", min_width=60, elem_classes=["tool-btn"], elem_id="export-all-docx")
            download = gr.File(label="Tệp tải xuống", interactive=False, visible=False, elem_id="export-file")
            with gr.Accordion("Góp ý về câu trả lời gần nhất", open=False, elem_id="feedback"):
                with gr.Row():
                    verdict = gr.Radio(FEEDBACK_CHOICES, label="Câu trả lời", elem_id="feedback-verdict")
                    comment = gr.Textbox(label="Ghi chú (tùy chọn)", lines=1, max_length=2000, scale=2,
                                         elem_id="feedback-comment")
                    send_fb = gr.Button("Gửi góp ý", size="sm", elem_id="feedback-send")
                fb_status = gr.Markdown("", elem_id="feedback-status")
        with gr.Column(scale=2):
            gr.Markdown("## Nguồn trích dẫn")
            sources = gr.HTML(EMPTY_SOURCES, elem_id="sources")
            cites = gr.Textbox(label="Các dòng trích dẫn để dán vào văn bản", lines=3, interactive=False,
                               buttons=["copy"], elem_id="citations")
    with gr.Column(visible=False, elem_id="viewer") as viewer_box:
        with gr.Row():
            gr.Markdown("### Xem văn bản")
            close = gr.Button("Đóng", size="sm", scale=0, min_width=80, elem_id="viewer-close")
        viewer = gr.HTML("", elem_id="viewer-html")
    view_request = gr.Textbox(label="Yêu cầu xem văn bản", visible="hidden", elem_id="view-request")
    view_go = gr.Button("Mở", visible="hidden", elem_id="view-go")

    def ask(message, state, *chosen):
        yield from respond(pipeline, message, state, search_filter(*chosen) if chosen else None)

    def clear():
        return [], [], EMPTY_SOURCES, "", "", gr.update(visible=False)

    def open_view(state, request):
        return view_citation(state, request, open_document, indexing), gr.update(visible=True)

    def export(which, fmt):
        def run(state, request: gr.Request):
            from ui.security import export_dir  # the user's own folder: no one else may download it

            path = export_answers(state, which, fmt, out_dir=export_dir(request))
            if path is None:
                gr.Warning(NO_ANSWER_YET.format(what="tải xuống"))
                return gr.update(value=None, visible=False)
            return gr.update(value=path, visible=True)
        return run

    def give(state, label, text, request: gr.Request):
        user = getattr(request, "username", None) or ""
        message = save_feedback(feedback, state, label, text, user)
        return message, (None if message == FEEDBACK_SAVED else gr.skip()), ("" if message == FEEDBACK_SAVED
                                                                               else gr.skip())

    outputs = [conv, chatbot, sources, cites, question]
    # The chat says "Đang tra cứu tài liệu…" itself: no Gradio overlay ("processing | 3.6s") over it.
    gr.on([question.submit, send.click], ask, inputs=[question, conv, *filters], outputs=outputs,
          show_progress="hidden")
    reset.click(clear, outputs=[conv, chatbot, sources, cites, question, viewer_box])
    view_go.click(open_view, inputs=[conv, view_request], outputs=[viewer, viewer_box]).then(
        None, js=assets.SCROLL_TO_HIT)
    close.click(lambda: gr.update(visible=False), outputs=[viewer_box])
    for button, which, fmt in ((exp_last_md, "last", "md"), (exp_last_docx, "last", "docx"),
                               (exp_all_md, "all", "md"), (exp_all_docx, "all", "docx")):
        button.click(export(which, fmt), inputs=[conv], outputs=[download])
    send_fb.click(give, inputs=[conv, verdict, comment], outputs=[fb_status, verdict, comment])
