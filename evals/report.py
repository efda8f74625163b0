"""``report.html``: one self-contained page an officer can open, mail or archive.

Summary, per-kind table, a histogram of the rank of the first gold document, a
latency histogram, and every failure with the passages that were retrieved.
Plots are drawn with matplotlib (imported here, lazily, and through
``matplotlib.figure.Figure`` so no global pyplot state is touched) and embedded
as base64 PNG, so the page needs no other file and no network.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

from evals.metrics import ANSWER_KEYS, RETRIEVAL_KEYS

#: Failures listed in full; the rest are counted.
MAX_FAILURES = 200
_PASSAGES_SHOWN = 5
_CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;line-height:1.45}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f4f4f4}
.meta td{text-align:left}.fail{border:1px solid #e0c0c0;border-radius:6px;padding:.6em 1em;margin:1em 0}
.why{color:#a00;font-weight:600}.gold{background:#e8f6e8}.psg{font-size:.9em;color:#333;margin:.3em 0 .3em 1em}
.muted{color:#777}img{max-width:100%}
"""


def failure_reasons(row: Mapping) -> list[str]:
    """Why a question counts as a failure (empty when it does not), in Vietnamese for the reader.

    >>> failure_reasons({"answerable": False, "refused": False, "metrics": {}, "citations": []})
    ['Không từ chối câu hỏi ngoài tài liệu']
    """
    m = row.get("metrics") or {}
    reasons = []
    if not row.get("answerable"):
        if not row.get("refused"):
            reasons.append("Không từ chối câu hỏi ngoài tài liệu")
        return reasons
    if row.get("refused"):
        reasons.append("Từ chối dù tài liệu có câu trả lời")
    if m.get("success@10") == 0.0:
        reasons.append("Tài liệu đúng không nằm trong top 10")
    if m.get("quote_hit@10") == 0.0:
        reasons.append("Không đoạn nào trong top 10 chứa trích dẫn chuẩn")
    if any(not c.get("correct") for c in row.get("citations") or []):
        reasons.append("Có trích dẫn không khớp tài liệu đúng")
    if m.get("quote_recall") == 0.0 and not row.get("refused"):
        reasons.append("Câu trả lời không chứa nội dung trích dẫn chuẩn")
    return reasons


def render_report(metrics: Mapping, rows: Sequence[Mapping], config: Mapping) -> str:
    """The report page as one HTML string."""
    name = str(config.get("name", ""))
    parts = [
        "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'>",
        f"<title>Đánh giá {escape(name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Kết quả đánh giá: {escape(name)}</h1>",
        _meta_table(config),
        "<h2>Tổng quan</h2>",
        _summary_table(metrics),
        "<h2>Theo loại câu hỏi</h2>",
        _kind_table(metrics, rows),
        "<h2>Thứ hạng của tài liệu đúng đầu tiên</h2>",
        _img(_rank_histogram(rows), "rank histogram"),
        "<h2>Độ trễ mỗi câu hỏi</h2>",
        _img(_latency_histogram(rows), "latency histogram"),
        _failures(rows),
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(path: str | Path, metrics: Mapping, rows: Sequence[Mapping], config: Mapping) -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8) and return it."""
    path = Path(path)
    path.write_text(render_report(metrics, rows, config), encoding="utf-8")
    return path


def _fmt(value: object) -> str:
    if value is None:
        return "<span class='muted'>–</span>"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1 else f"{value:.0f}"
    return escape(str(value))


def _meta_table(config: Mapping) -> str:
    settings = config.get("settings") or {}
    items = [
        ("Ngày chạy", config.get("date")),
        # File names only: an uploaded file's path is the server's temporary folder (config.json keeps it).
        ("Bộ câu hỏi", f"{Path(config.get('dataset') or '').name} (sha256 {str(config.get('dataset_hash', ''))[:12]})"),
        ("Kho tài liệu", f"{', '.join(Path(p).name for p in config.get('corpus') or []) or 'chỉ mục hiện tại'}"
                         f" (hash {str(config.get('corpus_hash') or '')[:12]})"),
        ("Collection (Qdrant)", config.get("collection")),
        ("Mô hình nhúng", config.get("embedder")),
        ("Chế độ truy xuất", settings.get("retrieval_mode")),
        ("Số đoạn truy xuất (k)", config.get("k")),
    ]
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v if v is not None else ''))}</td></tr>" for k, v in items)
    return f"<table class='meta'>{body}</table>"


#: What each figure means, for officers reading the report (the IR names stay beside them).
LABELS = {
    "n": "Số câu hỏi",
    "n_answerable": "Số câu có đáp án trong tài liệu",
    "success@1": "Tài liệu đúng đứng đầu",
    "success@5": "Có tài liệu đúng trong 5 kết quả đầu",
    "success@10": "Có tài liệu đúng trong 10 kết quả đầu",
    "recall@1": "Độ phủ tài liệu đúng ở kết quả đầu",
    "recall@5": "Độ phủ tài liệu đúng trong 5 kết quả đầu",
    "recall@10": "Độ phủ tài liệu đúng trong 10 kết quả đầu",
    "mrr@10": "Thứ hạng nghịch đảo trung bình (10 kết quả đầu)",
    "ndcg@10": "Chất lượng xếp hạng nDCG (10 kết quả đầu)",
    "quote_hit@10": "Có đoạn chứa trích dẫn chuẩn trong 10 kết quả đầu",
    "refusal_accuracy": "Từ chối đúng câu không có đáp án",
    "false_refusal_rate": "Từ chối nhầm câu có đáp án",
    "citation_precision": "Trích dẫn đúng tài liệu",
    "quote_recall": "Câu trả lời chứa nội dung trích dẫn chuẩn",
}


def _summary_table(metrics: Mapping) -> str:
    cells = [("n", metrics.get("n")), ("n_answerable", metrics.get("n_answerable"))]
    cells += [(k, (metrics.get("retrieval") or {}).get(k)) for k in RETRIEVAL_KEYS]
    cells += [(k, (metrics.get("answer") or {}).get(k)) for k in ANSWER_KEYS]
    latency = metrics.get("latency_ms") or {}
    cells += [("latency p50 (ms)", latency.get("p50")), ("latency p95 (ms)", latency.get("p95"))]
    names = {**LABELS, "latency p50 (ms)": "Thời gian trả lời, trung vị (ms)", "latency p95 (ms)": "Thời gian trả lời, 95% câu dưới (ms)"}
    body = "".join(f"<tr><td>{escape(names.get(k, k))}</td><td class='muted'>{escape(k)}</td><td>{_fmt(v)}</td></tr>"
                   for k, v in cells)
    return f"<table><tr><th>Chỉ số</th><th>Tên chuẩn</th><th>Giá trị</th></tr>{body}</table>"


def _kind_table(metrics: Mapping, rows: Sequence[Mapping]) -> str:
    # Two narrow tables (retrieval, answer) rather than one too wide for the page.
    counts = Counter(str(row.get("kind")) for row in rows)
    tables = []
    for block, keys in (("retrieval", RETRIEVAL_KEYS), ("answer", ANSWER_KEYS)):
        head = "<tr><th>Loại câu hỏi</th><th>Số câu</th>" + "".join(
            f"<th title='{escape(LABELS.get(k, k))}'>{escape(k)}</th>" for k in keys) + "</tr>"
        body = ""
        for kind, values in sorted((metrics.get("by_kind") or {}).items()):
            body += f"<tr><td>{escape(kind)}</td><td>{counts[kind]}</td>" + "".join(
                f"<td>{_fmt((values.get(block) or {}).get(k))}</td>" for k in keys) + "</tr>"
        tables.append(f"<table>{head}{body}</table>")
    return "\n".join(tables)


def _figure():
    from matplotlib.figure import Figure  # heavy; only when a report is written

    fig = Figure(figsize=(7, 3))
    return fig, fig.add_subplot()


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _img(data: str, alt: str) -> str:
    return f"<img alt='{escape(alt)}' src='data:image/png;base64,{data}'>"


def _rank_histogram(rows: Sequence[Mapping]) -> str:
    depth = 10
    labels = [str(r) for r in range(1, depth + 1)] + ["không\nthấy"]
    counts = [0] * len(labels)
    for row in rows:
        m = row.get("metrics") or {}
        if m.get("success@10") is None:  # unanswerable, or no gold document ids
            continue
        rank = m.get("first_gold_rank")
        counts[rank - 1 if rank is not None and rank <= depth else depth] += 1
    fig, ax = _figure()
    ax.bar(labels, counts, color=["#4a7fb5"] * depth + ["#c05050"])
    ax.set_xlabel("hạng (cấp tài liệu)")
    ax.set_ylabel("số câu hỏi")
    return _png(fig)


def _latency_histogram(rows: Sequence[Mapping]) -> str:
    values = [float(row["latency_ms"]) for row in rows if row.get("latency_ms") is not None]
    fig, ax = _figure()
    ax.hist(values or [0.0], bins=min(30, max(1, len(values))), color="#4a7fb5")
    ax.set_xlabel("ms")
    ax.set_ylabel("số câu hỏi")
    return _png(fig)


def _failures(rows: Sequence[Mapping]) -> str:
    failed = [(row, reasons) for row in rows if (reasons := failure_reasons(row))]
    parts = [f"<h2>Các câu chưa đạt ({len(failed)} / {len(rows)})</h2>"]
    for row, reasons in failed[:MAX_FAILURES]:
        gold = set(row.get("gold_doc_ids") or [])
        parts.append("<div class='fail'>")
        parts.append(f"<div><b>{escape(str(row.get('qid')))}</b>"
                     f" <span class='muted'>[{escape(str(row.get('kind')))}]</span>"
                     f" <span class='why'>{escape('; '.join(reasons))}</span></div>")
        parts.append(f"<div><b>Câu hỏi:</b> {escape(str(row.get('question', '')))}</div>")
        if row.get("reference_answer"):
            parts.append(f"<div><b>Đáp án chuẩn:</b> {escape(str(row['reference_answer']))}</div>")
        if gold:
            parts.append(f"<div><b>Tài liệu đúng:</b> {escape(', '.join(sorted(gold)))}</div>")
        for quote in row.get("gold_quotes") or []:
            parts.append(f"<div class='psg'>“{escape(quote)}”</div>")
        parts.append(f"<div><b>Trả lời:</b> {escape(str(row.get('answer', '')))}</div>")
        for c in row.get("citations") or []:
            mark = "✓" if c.get("correct") else "✗"
            parts.append(f"<div class='psg'>{mark} [{escape(str(c.get('marker')))}] {escape(str(c.get('doc_id')))}: "
                         f"“{escape(str(c.get('quote', '')))}”</div>")
        parts.append("<div><b>Đoạn truy xuất được:</b></div>")
        for p in (row.get("passages") or [])[:_PASSAGES_SHOWN]:
            cls = " gold" if p.get("doc_id") in gold else ""
            where = f"({float(p.get('score', 0.0)):.3f}) {escape(str(p.get('section') or ''))}"
            parts.append(f"<div class='psg{cls}'>#{p.get('rank')} <b>{escape(str(p.get('doc_id')))}</b> "
                         f"<span class='muted'>{where}</span><br>{escape(str(p.get('text', '')))}</div>")
        parts.append("</div>")
    if len(failed) > MAX_FAILURES:
        parts.append(f"<p class='muted'>… và {len(failed) - MAX_FAILURES} câu khác (xem rows.jsonl).</p>")
    return "\n".join(parts)
