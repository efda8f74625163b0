"""Saved web pages -> the main text, through the standard library's ``html.parser``.

No extra dependency: portal pages ("Lưu trang" of a commune or ministry site) are simple enough
that dropping the page chrome (``script``, ``style``, ``nav``, ``header``, ``footer``, ``aside``,
``form``, menus) and keeping ``<main>``/``<article>`` when the page has one gives the article;
entities (``&agrave;``, ``&#7879;``) are decoded by the parser; a table row becomes one line
whose cells keep their column headers, as in Word files. trafilatura would do better on
arbitrary sites but brings a dozen dependencies (lxml, courlan, htmldate, justext...).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_text", "html_charset"]

_SKIP = {"script", "style", "noscript", "template", "svg", "nav", "header", "footer", "aside", "form",
         "button", "select", "iframe", "head", "menu"}
_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "main",
          "table", "ul", "ol", "blockquote", "pre", "hr", "dd", "dt", "dl", "figcaption", "address"}
_VOID = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "wbr"}
_CHROME = re.compile(r"\b(?:menu|nav|breadcrumb|sidebar|footer|header|banner|share|social|comment|related|"
                     r"advert|cookie)\b", re.IGNORECASE)


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped) of open elements
        self.skip = 0
        self.main = 0
        self.all: list[str] = []
        self.main_parts: list[str] = []
        self.title = ""
        self._in_title = False
        self.tables: list[list[list[str]]] = []  # open tables: rows of cells
        self.cell: list[str] | None = None  # text of the open cell

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag in ("br", "hr"):
                self._emit("\n")
            return
        attr = " ".join(v or "" for k, v in attrs if k in ("class", "id", "role"))
        skipped = tag in _SKIP or bool(attr and _CHROME.search(attr) and tag in ("div", "ul", "section", "span"))
        self.stack.append((tag, skipped))
        self.skip += skipped
        if tag in ("main", "article") or "main" in attr.split():
            self.main += 1
            self.stack[-1] = (tag + "#main", skipped)
        if tag == "title":
            self._in_title = True
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            if not self.tables[-1]:
                self.tables[-1].append([])
            self.cell = []
        elif tag in _BLOCK:
            self._emit("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        while self.stack:  # close up to the matching tag (HTML in the wild is not well nested)
            open_tag, skipped = self.stack.pop()
            self.skip -= skipped
            if open_tag.endswith("#main"):
                self.main -= 1
                open_tag = open_tag[:-5]
            if open_tag == tag:
                break
            if not any(t.split("#")[0] == tag for t, _ in self.stack):
                self.stack.append((open_tag, skipped))
                self.skip += skipped
                break
        if tag == "title":
            self._in_title = False
        if tag in ("td", "th") and self.tables and self.cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table" and self.tables:
            from ingest.docx import table_lines

            lines = table_lines(self.tables.pop())
            if self.tables and self.cell is not None:  # a table inside a cell: flattened into it
                self.cell.append(" " + "; ".join(lines))
            else:
                self._emit("\n" + "\n".join(lines) + "\n")
        elif tag in _BLOCK:
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            return
        if self.skip > 0:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif not self.tables:  # text between table cells is layout whitespace
            self._emit(data)

    def _emit(self, text: str) -> None:
        self.all.append(text)
        if self.main > 0:
            self.main_parts.append(text)


def _lines(parts: list[str]) -> str:
    text = "".join(parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def html_text(markup: str) -> tuple[str, str]:
    """``(title, text)`` of a web page: the ``<title>`` and the main text, one block a line.

    >>> html_text("<html><head><title>Tin &amp; bài</title><script>x()</script></head><body>"
    ...           "<nav>Trang chủ</nav><article><h1>Họp dân</h1><p>Th&ocirc;n &#272;&ocirc;ng</p></article></body></html>")
    ('Tin & bài', 'Họp dân\\nThôn Đông')
    """
    parser = _Extractor()
    parser.feed(markup)
    parser.close()
    main, everything = _lines(parser.main_parts), _lines(parser.all)
    text = main if main and (len(main) >= 200 or len(main) >= 0.3 * len(everything)) else everything
    return " ".join(parser.title.split()), text


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def html_charset(raw: bytes) -> str | None:
    """The charset a page declares in a ``<meta>`` tag, or None."""
    match = _CHARSET.search(raw[:4096])
    return match.group(1).decode("ascii").lower() if match else None
