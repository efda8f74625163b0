"""The HTML report is self-contained and shows the failures with what was retrieved."""

from __future__ import annotations

import base64
import re

from evals.metrics import aggregate, score_question
from evals.report import failure_reasons, render_report, write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def row(qid, kind, *, gold, quotes, hits, answer, citations, refused, latency):
    scores = score_question(gold_doc_ids=gold, gold_quotes=quotes, chunk_hits=[(d, s) for d, s, _ in hits],
                            chunk_texts=[t for _, _, t in hits], answer=answer, citations=citations, refused=refused)
    correct = scores.pop("citation_correct")
    return {
        "qid": qid, "kind": kind, "question": f"Câu hỏi {qid} <b>?", "answerable": bool(gold or quotes),
        "gold_doc_ids": list(gold), "gold_quotes": list(quotes), "reference_answer": "Đáp án chuẩn.",
        "retrieved": [], "answer": answer, "refused": refused, "evidence": 0.5,
        "passages": [{"rank": i, "doc_id": d, "chunk_index": 0, "score": s, "section": "Điều 1", "text": t}
                     for i, (d, s, t) in enumerate(hits, start=1)],
        "citations": [{"marker": i, "doc_id": d, "quote": q, "correct": ok}
                      for i, ((d, q), ok) in enumerate(zip(citations, correct), start=1)],
        "metrics": scores, "latency_ms": latency,
    }


def rows():
    return [
        row("ok", "factoid", gold=["g"], quotes=["xã công khai"], hits=[("g", 0.9, "Xã công khai ngân sách.")],
            answer="Xã công khai ngân sách [1].", citations=[("g", "Xã công khai ngân sách.")], refused=False,
            latency=12.0),
        row("missed", "factoid", gold=["g"], quotes=["xã công khai"],
            hits=[("wrong-doc", 0.8, "Đoạn văn <script>alert(1)</script> không liên quan.")],
            answer="Sai [1].", citations=[("wrong-doc", "không liên quan")], refused=False, latency=30.0),
        row("leak", "unanswerable", gold=[], quotes=[], hits=[("x", 0.4, "Gì đó.")],
            answer="Một câu trả lời bịa.", citations=[], refused=False, latency=20.0),
    ]


def config():
    return {"name": "tiny <run>", "date": "2026-01-01T00:00:00+00:00", "dataset": "d.jsonl", "dataset_hash": "ab" * 32,
            "corpus": ["c.jsonl"], "corpus_hash": "cd" * 8, "collection": "eval_x", "embedder": "test-hashing-256",
            "k": 10, "settings": {"retrieval_mode": "hybrid"}}


def metrics_of(rs):
    return aggregate([r["metrics"] for r in rs], [r["kind"] for r in rs], [r["latency_ms"] for r in rs])


def test_failure_reasons():
    ok, missed, leak = rows()
    assert failure_reasons(ok) == []
    assert "Tài liệu đúng không nằm trong top 10" in failure_reasons(missed)
    assert "Có trích dẫn không khớp tài liệu đúng" in failure_reasons(missed)
    assert failure_reasons(leak) == ["Không từ chối câu hỏi ngoài tài liệu"]
    refused = dict(ok, refused=True)
    assert failure_reasons(refused) == ["Từ chối dù tài liệu có câu trả lời"]


def test_report_is_self_contained_with_two_embedded_png_plots(tmp_path):
    rs = rows()
    path = write_report(tmp_path / "report.html", metrics_of(rs), rs, config())
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "charset='utf-8'" in html
    # Nothing to fetch: no external scripts, styles, or image sources.
    assert not re.search(r"<script|<link|src=['\"](?!data:)", html)
    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", html)
    assert len(images) == 2
    assert all(base64.b64decode(data).startswith(PNG_MAGIC) for data in images)


def test_report_shows_summary_kinds_and_failures_with_passages():
    rs = rows()
    html = render_report(metrics_of(rs), rs, config())
    for text in ("Tổng quan", "recall@10", "citation_precision", "factoid", "unanswerable", "test-hashing-256"):
        assert text in html
    failures = html.split("Các câu chưa đạt")[1]
    assert "(2 / 3)" in failures
    assert "missed" in failures and "leak" in failures and ">ok<" not in failures
    assert "wrong-doc" in failures and "Điều 1" in failures
    # Text from documents and datasets is escaped, never markup.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "tiny &lt;run&gt;" in html and "<b>?" not in html
    # Officers read it: Vietnamese headings and labels, the IR names only beside them.
    assert "<th>Chỉ số</th>" in html and "Trích dẫn đúng tài liệu" in html and "<th>Loại câu hỏi</th>" in html
    assert "<th>metric</th>" not in html and "<th>kind</th>" not in html


def test_report_names_uploaded_files_without_the_servers_paths():
    rs = rows()
    cfg = {**config(), "dataset": "/tmp/gradio/3f2a/cau-hoi.jsonl", "corpus": ["/srv/danvan/data/uploads/kho.jsonl"]}
    html = render_report(metrics_of(rs), rs, cfg)
    assert "cau-hoi.jsonl" in html and "kho.jsonl" in html
    assert "/tmp/gradio" not in html and "/srv/danvan" not in html


def test_report_handles_no_answerable_questions_and_no_latency():
    rs = [rows()[2]]
    html = render_report(metrics_of(rs), rs, config())
    assert "Không từ chối" in html and html.count("data:image/png;base64,") == 2
