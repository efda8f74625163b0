"""The app without a model: chat rendering, event routing, history, errors, the eval tab, start-up."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import gradio as gr
import pytest
from fakes import HashingEmbedder

import app
import evals
import ingest
import rag
import ui.chat
import ui_render

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


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


#: Questions over ``MINI_DOCS`` of conftest (the ``mini_corpus`` fixture).
EVAL_QUESTIONS = [
    {"qid": "e1", "kind": "factoid", "question": "Tổ hòa giải có từ bao nhiêu hòa giải viên trở lên?",
     "gold_doc_ids": ["test:hoa-giai"], "gold_quotes": ["Tổ hòa giải có từ 03 hòa giải viên trở lên"]},
    {"qid": "e2", "kind": "no_diacritics", "question": "chu tich xa tiep cong dan may ngay mot tuan",
     "gold_doc_ids": ["test:tiep-dan"]},
    {"qid": "e3", "kind": "factoid", "question": "Hội nghị thôn được tổ chức mấy lần một năm?",
     "gold_doc_ids": ["test:hop-dan"]},
    {"qid": "e4", "kind": "unanswerable", "question": "Giá vé máy bay đi Đà Nẵng tuần sau là bao nhiêu đô la?"},
]


def _last(events):
    events = list(events)
    assert events, "respond yielded nothing"
    return events[-1]


# --- rendering ------------------------------------------------------------------


def test_sources_show_title_number_date_section_and_quote():
    md = ui_render.render_sources(ANSWER)
    assert "[1]" in md
    assert "Quy chế phối hợp công tác (Tài liệu mẫu)" in md
    assert "01/QCPH-UBND-MTTQ" in md
    assert "05/03/2026" in md
    assert "Điều 8. Chế độ họp" in md
    assert f"> {QUOTE}" in md
    assert "khoản 1 Điều 8 — Điều 8. Chế độ họp" in md
    assert "Theo khoản 1 Điều 8 Quy chế phối hợp công tác (Tài liệu mẫu) số 01/QCPH-UBND-MTTQ ngày 05/03/2026" in md


def test_citation_line_names_the_section_the_way_drafts_do():
    assert ui_render.citation_line(CITATION) == (
        "Theo khoản 1 Điều 8 Quy chế phối hợp công tác (Tài liệu mẫu) số 01/QCPH-UBND-MTTQ ngày 05/03/2026 "
        "của Ủy ban nhân dân xã Hòa Bình Mẫu"
    )
    plan = rag.Citation(2, PLAN.doc_id, PLAN.title, PLAN.number, PLAN.date, "…", section="mục II.3")
    assert ui_render.citation_line(plan).startswith("Theo mục II.3 Kế hoạch công tác dân vận năm 2026")
    item = rag.Citation(3, "d", "Kế hoạch X", "", "01/02/2026", "…")
    assert ui_render.citation_line(item) == "Theo Kế hoạch X ngày 01/02/2026"
    # Law units carry the article in their title already: do not say it twice.
    law = rag.Citation(4, "d", "Dân chủ ở cơ sở – Điều 11. Công khai", "10/2022/QH15", "", "…", section="Điều 11")
    assert ui_render.citation_line(law) == "Theo Dân chủ ở cơ sở – Điều 11. Công khai số 10/2022/QH15"


def test_document_text_is_shown_literally_not_as_markdown():
    weird = rag.Citation(1, "d", "Tiêu đề *đậm* [x]", "1/2026", "", "1. Điểm *a* <b>đậm</b>\n- gạch đầu dòng")
    md = ui_render.render_sources(rag.Answer("q", "t [1]", (weird,), (), False, 1.0))
    assert "Tiêu đề \\*đậm\\* \\[x\\]" in md
    assert "> 1\\. Điểm \\*a\\* \\<b\\>đậm\\</b\\>" in md
    assert "> \\- gạch đầu dòng" in md


def test_refusal_shows_the_refusal_and_the_nearest_documents_once_each():
    md = ui_render.render_sources(REFUSAL)
    assert rag.REFUSAL_TEXT in md
    assert md.count(RULES.title) == 1 and PLAN.title in md
    assert md.index(RULES.title) < md.index(PLAN.title)
    assert "15-KH/BDVTU" in md
    assert ui_render.citations_text(REFUSAL) == ""


def test_chat_text_lists_sources_and_the_history_comes_from_the_conversation_data():
    shown = ui_render.chat_text(ANSWER)
    assert shown.startswith(ANSWER.text)
    assert "01/QCPH-UBND-MTTQ" in shown
    conv = [{"question": "Họp liên tịch bao lâu một lần?", "answer": ANSWER, "understood": "", "text": ""}]
    assert app.history_to_turns(conv) == [
        rag.Turn("user", "Họp liên tịch bao lâu một lần?"),
        rag.Turn("assistant", ANSWER.text),
    ]
    [_, shown_msg] = ui.chat.chat_messages(conv)
    # Each [n] of the answer links to its source card (answer 0, citation 1).
    assert "[\\[1\\]](#nguon-0-1)" in shown_msg["content"] and "01/QCPH-UBND-MTTQ" in shown_msg["content"]


def test_chat_text_does_not_repeat_a_source_the_answer_already_names():
    named = rag.Answer("q", f"Theo {CITATION.label()}: {QUOTE} [1]", (CITATION,), HITS, False, 0.8)
    assert ui_render.chat_text(named) == named.text


# --- the handler ------------------------------------------------------------------


def test_respond_routes_events_to_chat_sources_and_copy_box():
    pipe = ScriptedPipeline()
    events = list(app.respond(pipe, "  hop lien tich bao lau mot lan  ", []))
    _, first_chat, first_sources, _, first_box = events[0]
    assert first_chat[-1] == {"role": "assistant", "content": app.SEARCHING}
    assert first_box == ""  # the textbox is cleared at once
    conv, chat, sources, cites, box = events[-1]
    assert conv[-1]["answer"] == ANSWER and conv[-1]["question"] == "hop lien tich bao lau mot lan"
    assert pipe.calls == [("hop lien tich bao lau mot lan", [])]
    assert chat[0] == {"role": "user", "content": "hop lien tich bao lau mot lan"}
    linked = ANSWER.text.replace("[1]", "[\\[1\\]](#nguon-0-1)")
    assert chat[1]["role"] == "assistant" and chat[1]["content"].startswith(linked)
    assert QUOTE in sources and "01/QCPH-UBND-MTTQ" in sources
    assert f'<mark class="hit">{QUOTE}</mark>' in sources  # the quoted span highlighted in its passage
    assert 'data-view="0:1"' in sources and "data-copy=" in sources
    assert cites == "[1] " + CITATION.formal()
    assert box == ""
    assert any("Đã tìm thấy 3 đoạn văn bản trong 2 tài liệu" in e[2] for e in events)


def test_follow_up_passes_the_conversation_as_turns():
    pipe = ScriptedPipeline()
    conv, *_ = _last(app.respond(pipe, "Họp liên tịch bao lâu một lần?", []))
    _last(app.respond(pipe, "Còn họp bất thường thì sao?", conv))
    question, history = pipe.calls[-1]
    assert question == "Còn họp bất thường thì sao?"
    assert history == [rag.Turn("user", "Họp liên tịch bao lâu một lần?"), rag.Turn("assistant", ANSWER.text)]
    assert all(isinstance(t, rag.Turn) for t in history)


def test_streamed_deltas_build_the_message_until_the_final_answer():
    pipe = ScriptedPipeline(deltas=("Theo Quy chế ", "phối hợp"))
    events = list(app.respond(pipe, "Họp liên tịch?", []))
    shown = [e[1][-1]["content"] for e in events]
    assert "Theo Quy chế " in shown and "Theo Quy chế phối hợp" in shown
    assert shown[-1].startswith(ANSWER.text[:-3]) and "(#nguon-0-1)" in shown[-1]


def test_refusal_in_the_chat_and_nearest_documents_in_the_panel():
    _, chat, sources, cites, _ = _last(app.respond(ScriptedPipeline(REFUSAL), "Giá vàng hôm nay?", []))
    assert chat[-1]["content"] == rag.REFUSAL_TEXT
    assert rag.REFUSAL_TEXT in sources and RULES.title in sources
    assert cites == ""


def test_an_error_becomes_a_vietnamese_message_and_a_logged_traceback(caplog):
    with caplog.at_level(logging.ERROR, logger="danvan.app"):
        conv, chat, sources, cites, _ = _last(app.respond(BrokenPipeline(), "Họp liên tịch?", []))
    assert chat[-1] == {"role": "assistant", "content": app.ERROR_TEXT}
    assert "Xin lỗi" in chat[-1]["content"]
    assert sources == "" and cites == ""
    record = next(r for r in caplog.records if r.name == "danvan.app")
    assert record.exc_info and "qdrant went away" in str(record.exc_info[1])
    # The error message is not sent back to the pipeline as something the assistant said.
    assert app.history_to_turns(conv) == [rag.Turn("user", "Họp liên tịch?")]


def test_a_pipeline_without_a_final_answer_is_an_error():
    class Silent:
        def run(self, question, history=()):
            yield rag.Retrieved(())

    _, chat, *_ = _last(app.respond(Silent(), "Họp liên tịch?", []))
    assert chat[-1]["content"] == app.ERROR_TEXT


def test_an_empty_question_does_not_reach_the_pipeline():
    pipe = ScriptedPipeline()
    conv, chat, *_ = _last(app.respond(pipe, "   ", []))
    assert conv == [] and chat == [] and pipe.calls == []


# --- the eval tab ------------------------------------------------------------------


@pytest.fixture
def questions(tmp_path) -> Path:
    return write_jsonl(tmp_path / "questions.jsonl", EVAL_QUESTIONS)


def test_evaluation_shows_the_metrics_of_the_run_and_offers_the_report(settings, store, questions, mini_corpus):
    events = []
    summary, files = app.run_evaluation(evals.run_eval, settings, str(questions), str(mini_corpus), None,
                                        events.append, store=store, embedder=HashingEmbedder())

    report, metrics_file = map(Path, files)
    assert (report.name, metrics_file.name) == ("report.html", "metrics.json")
    assert report.is_file() and report.parent.parent == settings.data_dir / "runs"
    assert report.parent.name.endswith("-questions") and report.parent.name in summary
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    assert "4 câu hỏi: 3 câu có đáp án trong tài liệu, 1 câu ngoài tài liệu." in summary
    for section, key, label, meaning in ui_render.EVAL_METRICS:
        shown = ui_render.format_metric(section, key, metrics[section][key])
        assert f"| {label} | **{shown}** | {meaning} |" in summary
    # Four documents, all retrieved: every answerable question has its document in the top 10.
    assert "| Văn bản đúng trong 10 kết quả đầu (Recall@10) | **100,0%** |" in summary
    # One row per kind, with its question count; retrieval is not measured on unanswerable questions.
    assert "| Hỏi dữ kiện (factoid) | 2 | " in summary and "| Gõ không dấu (no\\_diacritics) | 1 | " in summary
    unanswerable = next(line for line in summary.splitlines() if line.startswith("| Ngoài tài liệu"))
    refusal = metrics["by_kind"]["unanswerable"]["answer"]["refusal_accuracy"]
    refused = ui_render.format_metric("answer", "refusal_accuracy", refusal)
    assert unanswerable.startswith("| Ngoài tài liệu (unanswerable) | 1 | — | — | — | " + refused)
    assert "Traceback" not in summary
    assert events[-1] == rag.Progress("questions", 4, 4, "e4")
    # The uploaded corpus went to the eval store under data_dir/evals, not into the app's store.
    config = json.loads((report.parent / "config.json").read_text(encoding="utf-8"))
    assert config["collection"].startswith("eval_") and not store.exists(config["collection"])
    assert (settings.data_dir / "evals").is_dir()


def test_evaluation_without_a_corpus_uses_the_app_index_and_explains_a_missing_one(settings, store, questions,
                                                                                      mini_corpus):
    embedder = HashingEmbedder()
    summary, files = app.run_evaluation(evals.run_eval, settings, str(questions), None, None,
                                        store=store, embedder=embedder)
    assert files == [] and summary.startswith("**Không chạy được đánh giá.**")
    assert app.INPUT_PROBLEM in summary and f"No index {settings.collection!r} to evaluate" in summary
    assert not any((settings.data_dir / "runs").iterdir())  # no empty run folder left behind

    ingest.sync(settings, [mini_corpus], store=store, embedder=embedder)
    summary, files = app.run_evaluation(evals.run_eval, settings, str(questions), None, 2.0,
                                        store=store, embedder=embedder)
    assert "2 câu hỏi: 2 câu có đáp án" in summary  # the limit
    config = json.loads((Path(files[0]).parent / "config.json").read_text(encoding="utf-8"))
    assert config["collection"] == settings.collection and config["limit"] == 2


def test_a_malformed_dataset_line_is_named_in_vietnamese(settings, store, tmp_path, mini_corpus):
    upload = tmp_path / "gradio" / "0a1b2c"  # Gradio keeps the file name in a temporary folder
    upload.mkdir(parents=True)
    bad = upload / "cau_hoi.jsonl"
    bad.write_text(json.dumps(EVAL_QUESTIONS[0], ensure_ascii=False) + "\n\n{\"qid\": \"x\", oops}\n"
                   + json.dumps({"qid": "y"}) + "\n", encoding="utf-8")
    summary, files = app.run_evaluation(evals.run_eval, settings, str(bad), str(mini_corpus), None,
                                        store=store, embedder=HashingEmbedder())
    assert files == []
    assert summary.startswith("**Không chạy được đánh giá.** " + app.DATASET_PROBLEM)
    assert "cau_hoi.jsonl:3: JSON không hợp lệ" in summary
    assert 'cau_hoi.jsonl:4: "question" is missing or empty' in summary
    assert str(upload) not in summary and "Traceback" not in summary
    assert not (settings.data_dir / "evals").exists()  # nothing was indexed for a broken dataset


def test_a_busy_eval_store_and_an_unexpected_failure_are_shown_in_vietnamese(settings, store, questions,
                                                                             mini_corpus, caplog):
    # The CLI holds the eval store (a run in progress) while the tab starts one.
    with rag.open_store(settings.replace(data_dir=settings.data_dir / "evals")):
        summary, files = app.run_evaluation(evals.run_eval, settings, str(questions), str(mini_corpus), None,
                                            store=store, embedder=HashingEmbedder())
    assert files == [] and app.EVAL_BLOCKED in summary and "đang được một tiến trình khác dùng" in summary

    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    with caplog.at_level(logging.ERROR, logger="danvan.app"):
        summary, files = app.run_evaluation(broken, settings, str(questions))
    assert files == [] and app.EVAL_FAILED in summary and "OSError: No space left on device" in summary
    assert "Traceback" not in summary
    assert any(r.exc_info for r in caplog.records if r.name == "danvan.app")


def test_no_dataset_asks_for_one():
    assert app.run_evaluation(evals.run_eval, rag.Settings.from_env(), None) == (app.NO_DATASET, [])


def test_progress_events_label_each_stage_for_the_bar():
    calls = []
    report = app.progress_events(lambda progress, desc=None, unit="steps": calls.append((progress, desc, unit)))
    report(rag.Progress("embed", 3, 10))
    report(rag.Progress("questions", 2, 4, "q2"))
    report(rag.Progress("load", 0, 0))  # nothing to count yet
    assert calls == [((3, 10), "Lập chỉ mục", "đoạn"), ((2, 4), "Chạy câu hỏi", "câu")]


def test_format_metric_and_null_metrics():
    assert ui_render.format_metric("answer", "false_refusal_rate", 0.0) == "0,0%"
    assert ui_render.format_metric("latency_ms", "p50", 1234.4) == "1234 ms"
    metrics = {"n": 2, "n_answerable": 2, "retrieval": dict.fromkeys(["recall@1", "recall@10", "mrr@10"], 1.0),
               "answer": {"refusal_accuracy": None, "false_refusal_rate": 0.5, "citation_precision": 1.0,
                          "quote_recall": None},
               "latency_ms": {"p50": 3.0, "p95": 4.0}, "by_kind": {}}
    md = ui_render.render_eval_summary(metrics, name="thử *nghiệm*")
    assert "### Kết quả đánh giá: thử \\*nghiệm\\*" in md
    assert "| Từ chối đúng | **—** |" in md and "—: không có câu hỏi nào để tính chỉ số này" in md
    assert "Theo loại câu hỏi" not in md


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
    # The chat comes first; without an evaluator the eval tab says so and offers no inputs.
    assert [t.label for t in blocks.blocks.values() if isinstance(t, gr.Tab)] == ["Hỏi đáp", "Đánh giá"]
    assert isinstance(blocks.blocks[next(k for k, b in blocks.blocks.items() if b.elem_id == "sources")], gr.HTML)
    assert app.EVAL_UNAVAILABLE in texts
    assert [c.elem_id for c in blocks.blocks.values() if isinstance(c, gr.File)] == ["export-file"]


def test_build_app_with_an_evaluator_has_the_eval_inputs(settings, store):
    blocks = app.build_app(ScriptedPipeline(), evaluate=app.evaluator(settings, store, HashingEmbedder()))
    files = {c.elem_id: c for c in blocks.blocks.values() if isinstance(c, gr.File)}
    assert set(files) == {"eval-dataset", "eval-corpus", "eval-files", "export-file"}
    assert ".txt" in files["eval-corpus"].file_types and not files["eval-files"].interactive
    texts = str(blocks.config)
    assert "Chạy đánh giá" in texts and "Giới hạn số câu" in texts and app.EVAL_UNAVAILABLE not in texts


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
    monkeypatch.chdir(ROOT)  # corpus_dir defaults to ./corpus
    monkeypatch.setenv("DANVAN_STORE", "memory")
    monkeypatch.setattr(rag, "load_embedder", lambda settings: HashingEmbedder())
    served, launched = [], {}

    dataset = write_jsonl(tmp_path / "sample_questions.jsonl", [
        {"qid": "s1", "question": "Ủy ban nhân dân xã phải công khai thông tin chậm nhất bao nhiêu ngày?",
         "gold_quotes": ["chậm nhất là 05 ngày làm việc"]},
    ])

    def build_and_ask(pipeline, evaluate, api=None, library=None, feedback=None):
        question = "Ủy ban nhân dân xã phải công khai thông tin chậm nhất bao nhiêu ngày?"
        served.append(_last(app.respond(pipeline, question, [])))
        # The eval tab without a corpus evaluates the app's own (in-memory) index.
        served.append(evaluate(str(dataset), None, None, None))
        return gr.Blocks()

    monkeypatch.setattr(app, "build_app", build_and_ask)
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kwargs: launched.update(kwargs))
    app.main()

    assert launched["server_name"] == "127.0.0.1" and launched["server_port"] == 7860
    assert (tmp_path / "data" / "logs" / "app.log").is_file()
    assert "Lập chỉ mục" in capsys.readouterr().err  # the ingest progress bar
    [(_, chat, sources, cites, _), (summary, files)] = served
    assert "1 câu hỏi: 1 câu có đáp án" in summary and [Path(f).name for f in files] == ["report.html", "metrics.json"]
    assert launched["allowed_paths"] == [str(tmp_path / "data" / "runs")]
    assert "05 ngày làm việc" in chat[-1]["content"]
    assert "01/QCPH-UBND-MTTQ" in sources and "Tài liệu mẫu" in sources
    assert "Khoản 1 Điều 4 Quy chế phối hợp công tác" in cites


def test_main_reports_a_bad_setting_with_the_fix(monkeypatch):
    monkeypatch.setenv("DANVAN_TOPK", "5")
    with pytest.raises(SystemExit, match="DANVAN_TOP_K"):
        app.main()


def test_a_bad_corpus_file_is_named_with_the_fix_and_the_app_serves_the_rest(tmp_path, monkeypatch, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bad.jsonl").write_text('{"doc_id": "a", "text": "ok"}\n{broken\n', encoding="utf-8")
    (corpus / "tot.txt").write_text("Quy chế họp\nXã họp liên tịch mỗi quý một lần.", encoding="utf-8")
    monkeypatch.setenv("DANVAN_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("DANVAN_STORE", "memory")
    monkeypatch.setattr(rag, "load_embedder", lambda settings: HashingEmbedder())
    launched = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: launched.update(kw))
    app.main()  # logs to the console and <data_dir>/logs/app.log
    assert launched  # a bad file no longer stops the app
    assert re.search(r"not indexed: bad\.jsonl: .*bad\.jsonl:2: JSON không hợp lệ", capsys.readouterr().err)


class _Reads:
    """A pipeline whose reading of the question is given (the real Query value, restored text set)."""

    def __init__(self, restored: str) -> None:
        self.restored = restored

    def query(self, question, history=()):
        from rag.query import parse

        return parse(question, history).with_(restored=self.restored)


def test_the_understood_question_shows_restored_diacritics_only_where_none_were_typed():
    from ui.chat import understood_question

    # typed with diacritics: a restorer's guess ("hôm này") is never shown as the officer's question
    assert understood_question(_Reads("Giá vàng hôm này bao nhiêu?"), "Giá vàng hôm nay bao nhiêu?", []) == ""
    # typed without: the restored reading is shown
    shown = understood_question(_Reads("xã phải công khai thông tin chậm nhất mấy ngày"),
                                "xa phai cong khai thong tin cham nhat may ngay", [])
    assert shown == "xã phải công khai thông tin chậm nhất mấy ngày"
    # typed partly: shown too
    partly = "Ủy ban nhân dân xã tra loi kien nghi trong bao nhieu ngay?"
    restored = "Ủy ban nhân dân xã trả lời kiến nghị trong bao nhiêu ngày?"
    assert understood_question(_Reads(restored), partly, []) == restored


def test_a_chat_turn_parses_the_question_once(settings, store, embedder, mini_corpus, monkeypatch):
    # The app shows how it read the question and hands that same Query to the pipeline.
    import rag.pipeline

    ingest.ingest_paths(settings, [mini_corpus], store=store, embedder=embedder)
    pipe = rag.Pipeline(settings, store=store, embedder=embedder)
    calls = []
    parse = rag.pipeline.parse
    monkeypatch.setattr(rag.pipeline, "parse", lambda *a, **kw: calls.append(a[0]) or parse(*a, **kw))
    question = "uy ban nhan dan xa cong khai thong tin cham nhat may ngay"
    _, chat, sources, *_ = _last(app.respond(pipe, question, []))
    assert calls == [question]
    assert "05 ngày làm việc" in chat[-1]["content"]
    shown = re.search(r"Đã hiểu câu hỏi là: ([^<]*)", sources).group(1)  # the restored reading, from that one parse
    assert shown.startswith("ủy ban nhân dân xã công khai")
