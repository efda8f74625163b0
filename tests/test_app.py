"""The chat UI without a model: rendering, event routing, history, errors, start-up."""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr
import pytest

import app
import rag

ROOT = Path(__file__).resolve().parents[1]

RULES = rag.Chunk(
    doc_id="mau:quy-che",
    chunk_index=3,
    text="Điều 8. Chế độ họp\n1. Chủ tịch Ủy ban nhân dân xã và Chủ tịch Ủy ban Mặt trận xã họp liên tịch "
    "định kỳ mỗi quý một lần.",
    title="Quy chế phối hợp công tác (Tài liệu mẫu)",
    number="01/QCPH-UBND-MTTQ",
    issuer="Ủy ban nhân dân xã Hòa Bình Mẫu",
    date="05/03/2026",
    doc_type="Quy chế",
    section="Điều 8. Chế độ họp",
)
PLAN = rag.Chunk(
    doc_id="mau:ke-hoach",
    chunk_index=0,
    text="3. Phong trào thi đua \"Dân vận khéo\"\na) Mỗi xã, phường đăng ký ít nhất 02 mô hình.",
    title="Kế hoạch công tác dân vận năm 2026 (Tài liệu mẫu)",
    number="15-KH/BDVTU",
    issuer="Ban Dân vận Tỉnh ủy Mẫu Sơn",
    date="12/01/2026",
    doc_type="Kế hoạch",
    section="II. NHIỆM VỤ TRỌNG TÂM",
)
QUOTE = "Chủ tịch Ủy ban nhân dân xã và Chủ tịch Ủy ban Mặt trận xã họp liên tịch định kỳ mỗi quý một lần."
HITS = (rag.Hit(RULES, 0.9, 1), rag.Hit(PLAN, 0.4, 2), rag.Hit(RULES, 0.3, 3))
CITATION = rag.Citation(
    1, RULES.doc_id, RULES.title, RULES.number, RULES.date, QUOTE,
    issuer=RULES.issuer, doc_type=RULES.doc_type, section="khoản 1 Điều 8", heading=RULES.section,
)
ANSWER = rag.Answer(
    question="Họp liên tịch bao lâu một lần?",
    text=f"Theo Quy chế phối hợp công tác: {QUOTE} [1]",
    citations=(CITATION,),
    hits=HITS,
    refused=False,
    evidence=0.8,
)
REFUSAL = rag.Answer("Giá vàng hôm nay?", rag.REFUSAL_TEXT, (), HITS, True, 0.05)


class ScriptedPipeline:
    """Yields ``Retrieved`` then ``Final`` with a known answer; records what it was asked."""

    def __init__(self, answer: rag.Answer = ANSWER, deltas: tuple[str, ...] = ()) -> None:
        self.answer = answer
        self.deltas = deltas
        self.calls: list[tuple[str, list[rag.Turn]]] = []

    def run(self, question, history=()):
        self.calls.append((question, list(history)))
        yield rag.Retrieved(self.answer.hits)
        for text in self.deltas:
            yield rag.Delta(text)
        yield rag.Final(self.answer)


class BrokenPipeline:
    def run(self, question, history=()):
        yield rag.Retrieved(HITS)
        raise RuntimeError("qdrant went away")


def _last(events):
    events = list(events)
    assert events, "respond yielded nothing"
    return events[-1]


# --- rendering ------------------------------------------------------------------


def test_sources_show_title_number_date_section_and_quote():
    md = app.render_sources(ANSWER)
    assert "[1]" in md
    assert "Quy chế phối hợp công tác (Tài liệu mẫu)" in md
    assert "01/QCPH-UBND-MTTQ" in md
    assert "05/03/2026" in md
    assert "Điều 8. Chế độ họp" in md
    assert f"> {QUOTE}" in md
    assert "khoản 1 Điều 8 — Điều 8. Chế độ họp" in md
    assert "Theo khoản 1 Điều 8 Quy chế phối hợp công tác (Tài liệu mẫu) số 01/QCPH-UBND-MTTQ ngày 05/03/2026" in md


def test_citation_line_names_the_section_the_way_drafts_do():
    assert app.citation_line(CITATION) == (
        "Theo khoản 1 Điều 8 Quy chế phối hợp công tác (Tài liệu mẫu) số 01/QCPH-UBND-MTTQ ngày 05/03/2026 "
        "của Ủy ban nhân dân xã Hòa Bình Mẫu"
    )
    plan = rag.Citation(2, PLAN.doc_id, PLAN.title, PLAN.number, PLAN.date, "…", section="mục II.3")
    assert app.citation_line(plan).startswith("Theo mục II.3 Kế hoạch công tác dân vận năm 2026")
    item = rag.Citation(3, "d", "Kế hoạch X", "", "01/02/2026", "…")
    assert app.citation_line(item) == "Theo Kế hoạch X ngày 01/02/2026"
    # Law units carry the article in their title already: do not say it twice.
    law = rag.Citation(4, "d", "Dân chủ ở cơ sở – Điều 11. Công khai", "10/2022/QH15", "", "…", section="Điều 11")
    assert app.citation_line(law) == "Theo Dân chủ ở cơ sở – Điều 11. Công khai số 10/2022/QH15"


def test_document_text_is_shown_literally_not_as_markdown():
    weird = rag.Citation(1, "d", "Tiêu đề *đậm* [x]", "1/2026", "", "1. Điểm *a* <b>đậm</b>\n- gạch đầu dòng")
    md = app.render_sources(rag.Answer("q", "t [1]", (weird,), (), False, 1.0))
    assert "Tiêu đề \\*đậm\\* \\[x\\]" in md
    assert "> 1\\. Điểm \\*a\\* \\<b\\>đậm\\</b\\>" in md
    assert "> \\- gạch đầu dòng" in md


def test_refusal_shows_the_refusal_and_the_nearest_documents_once_each():
    md = app.render_sources(REFUSAL)
    assert rag.REFUSAL_TEXT in md
    assert md.count(RULES.title) == 1 and PLAN.title in md
    assert md.index(RULES.title) < md.index(PLAN.title)
    assert "15-KH/BDVTU" in md
    assert app.citations_text(REFUSAL) == ""


def test_chat_text_lists_sources_and_history_drops_them_again():
    shown = app.chat_text(ANSWER)
    assert shown.startswith(ANSWER.text)
    assert "01/QCPH-UBND-MTTQ" in shown
    history = [
        {"role": "user", "content": [{"type": "text", "text": "Họp liên tịch bao lâu một lần?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": shown}]},
    ]
    assert app.history_to_turns(history) == [
        rag.Turn("user", "Họp liên tịch bao lâu một lần?"),
        rag.Turn("assistant", ANSWER.text),
    ]


def test_chat_text_does_not_repeat_a_source_the_answer_already_names():
    named = rag.Answer("q", f"Theo {CITATION.label()}: {QUOTE} [1]", (CITATION,), HITS, False, 0.8)
    assert app.chat_text(named) == named.text


# --- the handler ------------------------------------------------------------------


def test_respond_routes_events_to_chat_sources_and_copy_box():
    pipe = ScriptedPipeline()
    events = list(app.respond(pipe, "  hop lien tich bao lau mot lan  ", []))
    first_chat, first_sources, _, first_box = events[0]
    assert first_chat[-1] == {"role": "assistant", "content": app.SEARCHING}
    assert first_box == ""  # the textbox is cleared at once
    chat, sources, cites, box = events[-1]
    assert pipe.calls == [("hop lien tich bao lau mot lan", [])]
    assert chat[0] == {"role": "user", "content": "hop lien tich bao lau mot lan"}
    assert chat[1]["role"] == "assistant" and chat[1]["content"].startswith(ANSWER.text)
    assert QUOTE in sources and "01/QCPH-UBND-MTTQ" in sources
    assert cites == "[1] " + app.citation_line(CITATION)
    assert box == ""
    assert any("Đã tìm thấy 3 đoạn văn bản trong 2 tài liệu" in e[1] for e in events)


def test_follow_up_passes_the_conversation_as_turns():
    pipe = ScriptedPipeline()
    chat, *_ = _last(app.respond(pipe, "Họp liên tịch bao lâu một lần?", []))
    _last(app.respond(pipe, "Còn họp bất thường thì sao?", chat))
    question, history = pipe.calls[-1]
    assert question == "Còn họp bất thường thì sao?"
    assert history == [rag.Turn("user", "Họp liên tịch bao lâu một lần?"), rag.Turn("assistant", ANSWER.text)]
    assert all(isinstance(t, rag.Turn) for t in history)


def test_streamed_deltas_build_the_message_until_the_final_answer():
    pipe = ScriptedPipeline(deltas=("Theo Quy chế ", "phối hợp"))
    events = list(app.respond(pipe, "Họp liên tịch?", []))
    shown = [e[0][-1]["content"] for e in events]
    assert "Theo Quy chế " in shown and "Theo Quy chế phối hợp" in shown
    assert shown[-1].startswith(ANSWER.text)


def test_refusal_in_the_chat_and_nearest_documents_in_the_panel():
    chat, sources, cites, _ = _last(app.respond(ScriptedPipeline(REFUSAL), "Giá vàng hôm nay?", []))
    assert chat[-1]["content"] == rag.REFUSAL_TEXT
    assert rag.REFUSAL_TEXT in sources and RULES.title in sources
    assert cites == ""


def test_an_error_becomes_a_vietnamese_message_and_a_logged_traceback(caplog):
    with caplog.at_level(logging.ERROR, logger="danvan.app"):
        chat, sources, cites, _ = _last(app.respond(BrokenPipeline(), "Họp liên tịch?", []))
    assert chat[-1] == {"role": "assistant", "content": app.ERROR_TEXT}
    assert "Xin lỗi" in chat[-1]["content"]
    assert sources == "" and cites == ""
    record = next(r for r in caplog.records if r.name == "danvan.app")
    assert record.exc_info and "qdrant went away" in str(record.exc_info[1])
    # The error message is not sent back to the pipeline as something the assistant said.
    assert app.history_to_turns(chat) == [rag.Turn("user", "Họp liên tịch?")]


def test_a_pipeline_without_a_final_answer_is_an_error():
    class Silent:
        def run(self, question, history=()):
            yield rag.Retrieved(())

    chat, *_ = _last(app.respond(Silent(), "Họp liên tịch?", []))
    assert chat[-1]["content"] == app.ERROR_TEXT


def test_an_empty_question_does_not_reach_the_pipeline():
    pipe = ScriptedPipeline()
    chat, *_ = _last(app.respond(pipe, "   ", []))
    assert chat == [] and pipe.calls == []


# --- the app ---------------------------------------------------------------------


def test_build_app_needs_no_model():
    blocks = app.build_app(ScriptedPipeline())
    assert isinstance(blocks, gr.Blocks)
    assert blocks.title == app.TITLE
    chatbots = [c for c in blocks.blocks.values() if isinstance(c, gr.Chatbot)]
    assert len(chatbots) == 1
    texts = str(blocks.config)
    assert "Nguồn trích dẫn" in texts and app.TITLE in texts
    assert any(q.isascii() for q in app.EXAMPLES), "one example question is typed without diacritics"


def test_console_progress_draws_one_bar_per_stage(capsys):
    bar = app.ConsoleProgress()
    bar(rag.Progress("load", 5, 5, "5 documents"))
    for done in (32, 64, 70):
        bar(rag.Progress("embed", done, 70))
    bar.close()
    err = capsys.readouterr().err
    assert "70/70" in err and "Lập chỉ mục" in err


def test_main_indexes_the_sample_corpus_and_serves_a_real_pipeline(monkeypatch, tmp_path, capsys):
    """Start-up with everything real (settings, loader, chunker, store, answerer) but the embedder."""
    from fakes import HashingEmbedder

    monkeypatch.chdir(ROOT)  # corpus_dir defaults to ./corpus
    monkeypatch.setenv("DANVAN_QDRANT_URL", ":memory:")
    monkeypatch.setattr(rag, "load_embedder", lambda settings: HashingEmbedder())
    served, launched = [], {}

    def build_and_ask(pipeline):
        question = "Ủy ban nhân dân xã phải công khai thông tin chậm nhất bao nhiêu ngày?"
        served.append(_last(app.respond(pipeline, question, [])))
        return gr.Blocks()

    monkeypatch.setattr(app, "build_app", build_and_ask)
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kwargs: launched.update(kwargs))
    app.main()

    assert launched["server_name"] == "127.0.0.1" and launched["server_port"] == 7860
    assert (tmp_path / "data" / "logs" / "app.log").is_file()
    assert "Lập chỉ mục" in capsys.readouterr().err  # the ingest progress bar
    [(chat, sources, cites, _)] = served
    assert "05 ngày làm việc" in chat[-1]["content"]
    assert "01/QCPH-UBND-MTTQ" in sources and "Tài liệu mẫu" in sources
    assert "Theo khoản 1 Điều 4 Quy chế phối hợp công tác" in cites


def test_main_reports_a_bad_setting_with_the_fix(monkeypatch):
    monkeypatch.setenv("DANVAN_TOPK", "5")
    with pytest.raises(SystemExit, match="DANVAN_TOP_K"):
        app.main()
