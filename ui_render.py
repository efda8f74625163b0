"""Markdown the app shows: the sources of an answer and the summary of an eval run.

Plain functions over ``rag`` values and metrics dicts, with no Gradio in them,
so every string an officer reads can be tested directly. :mod:`app` routes
events to widgets and calls these to fill them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import rag

# Appended to an answer in the chat so older answers keep their sources; cut off
# again before the conversation goes back to the pipeline as history.
SOURCES_MARK = "\n\n_Nguồn:_ "
NEAREST_DOCS = 3

# --- the sources of an answer ------------------------------------------------------

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
    return "\n".join(f"[{c.marker}] {c.formal()}" for c in answer.citations)


def chat_text(answer: rag.Answer) -> str:
    """The answer as shown in the chat: its text plus the sources it does not name itself."""
    unnamed = [c for c in answer.citations if c.label() not in answer.text]
    if answer.refused or not unnamed:
        return answer.text
    labels = "; ".join(f"\\[{c.marker}\\] {md_escape(c.label())}" for c in unnamed)
    return answer.text + SOURCES_MARK + labels


# --- the summary of an eval run ----------------------------------------------------

#: ``(section, key, label, meaning)`` of the summary table, in the order an officer reads them.
EVAL_METRICS = (
    ("retrieval", "recall@1", "Văn bản đúng đứng đầu (Recall@1)",
     "Tỷ lệ câu hỏi có đáp án mà văn bản đúng là kết quả tìm kiếm đầu tiên."),
    ("retrieval", "recall@10", "Văn bản đúng trong 10 kết quả đầu (Recall@10)",
     "Tỷ lệ câu hỏi có đáp án mà văn bản đúng nằm trong 10 văn bản tìm được đầu tiên."),
    ("retrieval", "mrr@10", "Thứ hạng của văn bản đúng (MRR@10)",
     "Trung bình của 1/thứ hạng văn bản đúng: 1 là luôn đứng đầu, 0,5 là thường đứng thứ hai, 0 là ngoài top 10."),
    ("answer", "refusal_accuracy", "Từ chối đúng",
     "Tỷ lệ câu hỏi ngoài tài liệu được trả lời “Không tìm thấy thông tin…”; càng cao càng tốt."),
    ("answer", "false_refusal_rate", "Từ chối nhầm",
     "Tỷ lệ câu hỏi có đáp án trong tài liệu mà hệ thống lại từ chối; càng thấp càng tốt."),
    ("answer", "citation_precision", "Trích dẫn đúng",
     "Tỷ lệ trích dẫn [n] chỉ đúng văn bản chuẩn hoặc chứa đúng đoạn nguyên văn chuẩn."),
    ("answer", "quote_recall", "Câu trả lời có đoạn nguyên văn",
     "Tỷ lệ câu trả lời chứa ít nhất một nửa số tiếng của một đoạn nguyên văn chuẩn."),
    ("latency_ms", "p50", "Thời gian trả lời (trung vị)", "Một nửa số câu hỏi được trả lời nhanh hơn mức này."),
    ("latency_ms", "p95", "Thời gian trả lời (95%)", "95% số câu hỏi được trả lời nhanh hơn mức này."),
)
#: Columns of the per-kind table (no latency: metrics.json has none per kind).
KIND_COLUMNS = (
    ("retrieval", "recall@1", "Recall@1"),
    ("retrieval", "recall@10", "Recall@10"),
    ("retrieval", "mrr@10", "MRR@10"),
    ("answer", "refusal_accuracy", "Từ chối đúng"),
    ("answer", "false_refusal_rate", "Từ chối nhầm"),
    ("answer", "citation_precision", "Trích dẫn đúng"),
    ("answer", "quote_recall", "Có đoạn nguyên văn"),
)
#: The kinds of the shared question sets; any other kind is shown as it is written.
KIND_LABELS = {
    "factoid": "Hỏi dữ kiện",
    "multi": "Cần nhiều văn bản",
    "docnum": "Nêu số hiệu, điều khoản",
    "no_diacritics": "Gõ không dấu",
    "tone_variant": "Kiểu bỏ dấu khác (hoà/hòa)",
    "followup": "Hỏi nối tiếp",
    "unanswerable": "Ngoài tài liệu",
    "seed": "Câu mẫu",
    "other": "Khác",
    "legal_true_false": "Pháp luật: đúng/sai",
    "legal_multiple_choice": "Pháp luật: trắc nghiệm",
    "legal_essay": "Pháp luật: tự luận",
}
NOT_MEASURED = "—"


def format_metric(section: str, key: str, value: float | None) -> str:
    """One metric as shown to an officer: shares in per cent, MRR as a fraction, latency in ms.

    Vietnamese writes the decimal comma.

    >>> format_metric("retrieval", "recall@10", 0.8333), format_metric("retrieval", "mrr@10", 0.75)
    ('83,3%', '0,750')
    >>> format_metric("latency_ms", "p95", 41.6), format_metric("answer", "refusal_accuracy", None)
    ('42 ms', '—')
    """
    if value is None:
        return NOT_MEASURED
    if section == "latency_ms":
        return f"{value:.0f} ms"
    text = f"{value:.3f}" if key.startswith("mrr") else f"{value * 100:.1f}%"
    return text.replace(".", ",")


#: Vietnamese names of every metric a comparison lists (those of :data:`EVAL_METRICS` and the rest).
METRIC_LABELS = {
    **{(section, key): label for section, key, label, _ in EVAL_METRICS},
    ("retrieval", "success@1"): "Có văn bản đúng ở kết quả đầu (Success@1)",
    ("retrieval", "success@5"): "Có văn bản đúng trong 5 kết quả đầu (Success@5)",
    ("retrieval", "success@10"): "Có văn bản đúng trong 10 kết quả đầu (Success@10)",
    ("retrieval", "recall@5"): "Văn bản đúng trong 5 kết quả đầu (Recall@5)",
    ("retrieval", "ndcg@10"): "Chất lượng thứ hạng (nDCG@10)",
    ("retrieval", "quote_hit@10"): "Đoạn nguyên văn chuẩn trong 10 đoạn đầu",
    ("latency_ms", "mean"): "Thời gian trả lời (trung bình)",
}


def metric_label(section: str, key: str) -> str:
    """The Vietnamese name of a metric ("Từ chối nhầm"); an unknown one keeps its key.

    >>> metric_label("answer", "false_refusal_rate"), metric_label("retrieval", "success@10")
    ('Từ chối nhầm', 'Có văn bản đúng trong 10 kết quả đầu (Success@10)')
    """
    return METRIC_LABELS.get((section, key), key)


def kind_name(kind: str) -> str:
    """The Vietnamese name of a question kind ("Gõ không dấu"); an unknown kind as it is written.

    >>> kind_name("no_diacritics"), kind_name("my_kind")
    ('Gõ không dấu', 'my_kind')
    """
    return KIND_LABELS.get(kind, kind)


def _kind_label(kind: str) -> str:
    label = KIND_LABELS.get(kind)
    return f"{label} ({md_escape(kind)})" if label else md_escape(kind)


def render_eval_summary(metrics: Mapping, *, name: str, kind_counts: Mapping[str, int] | None = None,
                        out_dir: str = "") -> str:
    """Markdown summary of a run's ``metrics.json``: main metrics explained, then one row per kind."""
    n, answerable = metrics["n"], metrics["n_answerable"]
    out = [
        f"### Kết quả đánh giá: {md_escape(name)}",
        f"{n} câu hỏi: {answerable} câu có đáp án trong tài liệu, {n - answerable} câu ngoài tài liệu.",
        "| Chỉ số | Kết quả | Ý nghĩa |\n|---|---|---|\n" + "\n".join(
            f"| {label} | **{format_metric(section, key, metrics[section][key])}** | {meaning} |"
            for section, key, label, meaning in EVAL_METRICS
        ),
    ]
    kinds = metrics.get("by_kind") or {}
    if kinds:
        head = "| Loại câu hỏi | Số câu | " + " | ".join(c[2] for c in KIND_COLUMNS) + " |"
        rule = "|---" * (len(KIND_COLUMNS) + 2) + "|"
        rows = [
            f"| {_kind_label(kind)} | {(kind_counts or {}).get(kind, NOT_MEASURED)} | "
            + " | ".join(format_metric(s, k, block[s][k]) for s, k, _ in KIND_COLUMNS) + " |"
            for kind, block in sorted(kinds.items())
        ]
        out += ["#### Theo loại câu hỏi", "\n".join([head, rule, *rows])]
    if any(b[s][k] is None for b in [metrics, *kinds.values()] for s, k, _ in KIND_COLUMNS):
        out.append(f"{NOT_MEASURED}: không có câu hỏi nào để tính chỉ số này "
                   "(ví dụ: câu hỏi ngoài tài liệu không có văn bản đúng để tìm).")
    if out_dir:
        out.append(f"Thư mục kết quả: {md_escape(str(out_dir))}. Báo cáo đầy đủ (report.html, có từng câu sai "
                   "và đoạn văn đã tìm) và số liệu (metrics.json) ở khung tải xuống bên dưới.")
    return "\n\n".join(out)


def render_eval_error(problem: str, detail: str) -> str:
    """A failed run: what to do, in Vietnamese, then the underlying message verbatim."""
    detail = detail.replace("```", "'''")
    return f"**Không chạy được đánh giá.** {problem}\n\nChi tiết:\n\n```text\n{detail}\n```"
