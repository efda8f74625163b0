"""HTML of the sources panel and of the document viewer; every piece of document text escaped.

Plain functions over ``rag`` values (no Gradio), so what an officer sees can be tested
as strings. Document text is untrusted (an uploaded file may hold ``<script>``): it goes
through :func:`html.escape` and nothing else ever reaches the page unescaped.

The page's script (:mod:`ui.assets`) reads three attributes: ``a[href^="#nguon-"]``
(a ``[n]`` marker in the chat, ``#nguon-<turn>-<n>``), ``data-view="<turn>:<n>"`` (open the
document of citation ``n`` of answer ``turn``) and ``data-copy`` (text for the clipboard).
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Sequence
from datetime import datetime

import rag
from rag.cite import QUOTE_JOINER, source_of
from rag.docstore import StoredDocument
from ui_render import md_escape

_e = html.escape


def anchor(turn: int, marker: int) -> str:
    """Element id of citation ``marker`` of answer ``turn`` in the sources panel."""
    return f"nguon-{turn}-{marker}"


def quote_spans(quote: str, text: str, start: int = 0) -> list[tuple[int, int]]:
    """Where the pieces of ``quote`` (joined by " … ") sit in ``text``, at or after ``start``.

    Case and runs of whitespace are forgiven; a piece not found is left out. A piece that is
    not after the one before it (an answer may quote a later sentence first) is looked for
    from ``start`` again, where it does not overlap a piece already found.

    >>> quote_spans("mỗi quý … một lần", "Họp định kỳ Mỗi  quý một lần.")
    [(12, 20), (21, 28)]
    >>> quote_spans("một lần … Họp", "Họp định kỳ mỗi quý một lần.")
    [(20, 27), (0, 3)]
    """
    spans, at = [], start
    for piece in quote.split(QUOTE_JOINER.strip()):
        words = piece.strip(" \n\t“”\"'").split()
        if not words:
            continue
        pattern = re.compile(r"\s+".join(map(re.escape, words)), re.IGNORECASE)
        found = pattern.search(text, at) or next(
            (m for m in pattern.finditer(text, start) if all(m.end() <= a or m.start() >= b for a, b in spans)), None)
        if found:
            spans.append(found.span())
            at = max(at, found.end())
    return spans


def mark_spans(text: str, spans: Sequence[tuple[int, int]], cls: str = "hit", first_id: str = "") -> str:
    """``text`` escaped, with each span in ``<mark>`` (the first one with id ``first_id``)."""
    out, at = [], 0
    for n, (a, b) in enumerate(sorted(spans)):
        if a < at:
            continue
        ident = f' id="{first_id}"' if first_id and n == 0 else ""
        out += [_e(text[at:a]), f'<mark class="{cls}"{ident}>', _e(text[a:b]), "</mark>"]
        at = b
    out.append(_e(text[at:]))
    return "".join(out)


def _meta_line(number: str, date: str, doc_type: str, issuer: str) -> str:
    parts = [("Số hiệu", number), ("Ngày", date), ("Loại", doc_type), ("Cơ quan ban hành", issuer)]
    return " · ".join(f"{k}: {_e(v)}" for k, v in parts if v)


def _pages(chunk: rag.Chunk) -> str:
    if not chunk.page_start:
        return ""
    if chunk.page_end and chunk.page_end != chunk.page_start:
        return f"trang {chunk.page_start}–{chunk.page_end}"
    return f"trang {chunk.page_start}"


def render_source_card(citation: rag.Citation, hits: Sequence[rag.Hit], turn: int) -> str:
    """One cited source: title and metadata, the passage with the quote highlighted, formal line, buttons."""
    hit = source_of(citation, hits)
    passage = hit.chunk.text if hit else citation.quote
    spans = quote_spans(citation.quote, passage) if hit else [(0, len(passage))]
    where = " — ".join(p for p in (citation.section, citation.heading) if p)
    if hit and (pages := _pages(hit.chunk)):
        where = f"{where} · {pages}" if where else pages[0].upper() + pages[1:]
    formal = citation.formal()
    meta = _meta_line(citation.number, citation.date, citation.doc_type, citation.issuer)
    return (
        f'<div class="src-card" id="{anchor(turn, citation.marker)}">'
        f'<div class="src-title"><span class="src-n">[{citation.marker}]</span> {_e(citation.title)}</div>'
        + (f'<div class="src-meta">{meta}</div>' if meta else "")
        + (f'<div class="src-where">Vị trí: {_e(where)}</div>' if where else "")
        + f'<blockquote class="src-passage">{mark_spans(passage, spans)}</blockquote>'
        f'<div class="src-formal"><span class="src-label">Trích dẫn:</span> {_e(formal)}</div>'
        f'<div class="src-actions"><button type="button" class="src-btn src-copy" data-copy="{_e(formal)}">'
        f'Sao chép trích dẫn</button><button type="button" class="src-btn src-view" data-view="{turn}:{citation.marker}">'
        f"Xem văn bản</button></div></div>"
    )


def render_understood(understood: str) -> str:
    return f'<div class="understood">Đã hiểu câu hỏi là: {_e(understood)}</div>' if understood else ""


def render_sources_html(answer: rag.Answer, turn: int, understood: str = "") -> str:
    """The sources panel of answer number ``turn`` (0-based in the conversation)."""
    head = render_understood(understood)
    if answer.refused:
        near = {}
        for hit in sorted(answer.hits, key=lambda h: h.rank):
            near.setdefault(hit.chunk.doc_id, hit)
        cards = []
        for n, hit in enumerate(list(near.values())[:3], 1):
            c = hit.chunk
            meta = _meta_line(c.number, c.date, c.doc_type, c.issuer)
            words = c.text.split()
            snippet = " ".join(words[:40]) + (" …" if len(words) > 40 else "")
            cards.append(f'<div class="src-card near"><div class="src-title">{n}. {_e(c.title)}</div>'
                         + (f'<div class="src-meta">{meta}</div>' if meta else "")
                         + f'<blockquote class="src-passage">{_e(snippet)}</blockquote></div>')
        intro = (f'<p class="refusal"><b>{_e(rag.REFUSAL_TEXT)}</b></p>'
                 + ('<p class="muted">Các tài liệu gần nhất (chỉ để tham khảo, không phải câu trả lời):</p>'
                    if cards else ""))
        return head + intro + "".join(cards)
    if not answer.citations:
        return head + '<p class="muted">Câu trả lời không kèm trích dẫn.</p>'
    return head + "".join(render_source_card(c, answer.hits, turn) for c in answer.citations)


def answer_markdown(text: str, turn: int = 0, markers: Sequence[int] = ()) -> str:
    """Answer text as Markdown that shows it literally, each ``[n]`` of a known citation a link to its source.

    The text quotes documents (untrusted: ``<img onerror=…>``, ``*``, a clause "1." at a line's
    start), so everything but the markers is escaped; the chat shows exactly what the document says.
    Lines starting "- " (the nearest documents under a refusal) stay a list.

    >>> print(answer_markdown("Mỗi quý <b>một</b> lần. [1] [3]\\n1. Điểm *a*\\n- Quy chế", 0, [1]))
    Mỗi quý \\<b\\>một\\</b\\> lần. [\\[1\\]](#nguon-0-1) \\[3\\]
    1\\. Điểm \\*a\\*
    - Quy chế
    """
    known, out, at = set(markers), [], 0
    for m in re.finditer(r"\[(\d+)\]", text):
        out.append(md_escape(text[at:m.start()]).replace("&", "\\&"))
        n = int(m[1])
        out.append(f"[\\[{n}\\]](#{anchor(turn, n)})" if n in known else f"\\[{n}\\]")
        at = m.end()
    out.append(md_escape(text[at:]).replace("&", "\\&"))
    return re.sub(r"(?m)^(\s*)\\-(\s)", r"\1-\2", "".join(out))


def locate_chunk(doc_text: str, chunk: rag.Chunk) -> tuple[int, int]:
    """``(start, end)`` of the chunk in its document: its offsets when they hold, else found by its text."""
    if chunk.end > chunk.start and doc_text[chunk.start:chunk.end].split() == chunk.text.split():
        return chunk.start, chunk.end
    spans = quote_spans(chunk.text, doc_text)
    return spans[0] if spans else (chunk.start, min(max(chunk.end, chunk.start), len(doc_text)))


def page_of(page_starts: Sequence[int], offset: int) -> int:
    """1-based page holding character ``offset`` (0 when the document has no pages).

    >>> page_of([0, 100, 250], 120), page_of([], 5)
    (2, 0)
    """
    return bisect.bisect_right(list(page_starts), offset) if page_starts else 0


def render_document(stored: StoredDocument, passage: tuple[int, int] | None = None, quote: str = "") -> str:
    """The whole document, escaped, with ``passage`` (offsets) and the quote in it highlighted.

    The first highlighted quote has id ``doc-hit`` (the passage ``doc-passage``): the page
    scrolls to it. Pages of a PDF are marked where they begin ("Trang 3").
    """
    doc = stored.document
    text = doc.text
    a, b = passage if passage else (0, 0)
    spans = quote_spans(quote, text, a) if quote and passage else []
    spans = [s for s in spans if s[1] <= b]
    # Cut points: page starts, passage edges, quote spans; the text between them escaped.
    cuts: dict[int, list[str]] = {}
    for n, start in enumerate(doc.page_starts, 1):
        if 0 < start < len(text) or n > 1:
            cuts.setdefault(start, []).append(f'<span class="page-no">Trang {n}</span>')
    if passage and b > a:
        cuts.setdefault(a, []).append('<span class="doc-passage" id="doc-passage">')
        for i, (qa, qb) in enumerate(spans):
            ident = ' id="doc-hit"' if i == 0 else ""
            cuts.setdefault(qa, []).append(f'<mark class="hit"{ident}>')
            cuts.setdefault(qb, []).insert(0, "</mark>")
        cuts.setdefault(b, []).insert(0, "</span>")
    out, at = [], 0
    for pos in sorted(cuts):
        pos = min(max(pos, 0), len(text))
        out += [_e(text[at:pos]), *cuts[pos]] if pos >= at else cuts[pos]
        at = max(at, pos)
    out.append(_e(text[at:]))
    page = page_of(doc.page_starts, a) if passage else 0
    meta = _meta_line(doc.number, doc.date, doc.doc_type, doc.issuer)
    added = datetime.fromtimestamp(stored.added_at).strftime("%d/%m/%Y %H:%M")
    info = [meta, f"{stored.chunks} đoạn", f"nạp lúc {added}"]
    if page:
        info.append(f"đoạn trích ở trang {page}")
    return (
        f'<div class="viewer" data-doc="{_e(doc.doc_id)}"><div class="viewer-head"><div class="viewer-title">'
        f"{_e(doc.title or doc.doc_id)}</div><div class=\"src-meta\">{' · '.join(p for p in info if p)}</div></div>"
        f'<div class="viewer-body" id="viewer-body">{"".join(out)}</div></div>'
    )


def render_indexing(doc_id: str, title: str = "", passage: str = "") -> str:
    """The viewer while the cited document is still being indexed: say so, and show the cited passage."""
    body = f'<div class="viewer-body" id="viewer-body">{_e(passage)}</div>' if passage else ""
    return (f'<div class="viewer"><p class="warn">Văn bản <b>{_e(title or doc_id)}</b> đang được lập chỉ mục, '
            "chưa xem được toàn văn. Hãy bấm “Xem văn bản” lại sau ít phút"
            + ("; dưới đây là đoạn được trích." if passage else ".") + f"</p>{body}</div>")


def render_missing(doc_id: str) -> str:
    return (f'<div class="viewer"><p class="warn">Văn bản <code>{_e(doc_id)}</code> không còn trong chỉ mục '
            "(có thể đã bị xóa). Hãy hỏi lại để có nguồn mới.</p></div>")
