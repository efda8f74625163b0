"""Vietnamese text normalisation: the one place that decides what "the same text" means.

Ingest, queries, sparse terms and citation checks all call these functions, so
``hoà``/``hòa``, ``uỷ``/``ủy``, precomposed/decomposed forms and non-breaking
spaces never make two sides disagree silently.
"""

from __future__ import annotations

import html
import re
import unicodedata

#: Bumped whenever normalisation changes; stamped on collections at ingest.
#: 2: syllable-final i/y after a consonant is one letter (kỉ/kỷ, lí/lý, qui/quy).
#: 3: HTML character references read (clean).
NORMALIZER_VERSION = 3

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# The Icelandic eth (U+00D0/U+00F0) looks like Đ/đ and stands for it in texts from old fonts and
# some keyboards ("Ðiều 40", "Bộ Giáo Dục và Ðào Tạo": 54 times in Pháp điển, 19 in congbao).
_ZERO_WIDTH.update({0x00D0: "Đ", 0x00F0: "đ"})
_BARE_D = str.maketrans("đĐðÐ", "dDdD")
# A hyphen of another code point inside a word or số hiệu ("155/2018/NĐ‑CP", "08/2010/TT–BYT" in
# the gazette, from web copies): the ASCII hyphen. With spaces around, a dash stays a dash, and so
# does a dash between digits ("giai đoạn 2021–2025" stays two years).
_DASHES = "[\u2010\u2011\u2012\u2013\u2212]"
_INNER_DASH = re.compile(rf"(?<=[^\W\d]){_DASHES}(?=\w)|(?<=\w){_DASHES}(?=[^\W\d])")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")

# Old-style tone placement (hoà, khoẻ, thuỷ) -> the style of official documents
# (hòa, khỏe, thủy), only at the end of a syllable ("hoàn" is already right) and
# never after "q" ("quý" keeps its mark on y).
_TONES = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
_OLD_STYLE = re.compile(r"(?<![qQ])([oO][aAeE]|[uU][yY])([\u0300\u0301\u0309\u0303\u0323])(?![^\W\d_])")


# The two spellings of a syllable whose whole rhyme is i/y after a consonant (kỉ luật / kỷ luật, lí do / lý do,
# kĩ / kỹ, Mĩ / Mỹ, hi sinh / hy sinh, qui / quy, sĩ / sỹ, tỉ / tỷ, kí / ký, mì / mỳ): the orthography of 1984
# (QĐ 240/QĐ) and the older "y" are both in use, in one document or another. The index reads "y". Only
# after h, k, l, m, s, t and qu, the onsets where both spellings are written; never inside a longer rhyme
# (tuyệt, nguyệt, huy, túi), never a syllable that starts with the vowel (ý kiến, y tế), never after a
# cluster (khi, nghỉ, thi, chị, phí). A toneless capital "LI"/"MI" may be a Roman numeral and stays.
_TONE = "\u0300\u0301\u0309\u0303\u0323"
_I_FINAL = re.compile(rf"(?<![\w\u0300-\u036f])(qu|Qu|QU|[hklmstHKLMST])([iI])([{_TONE}]?)(?![\w\u0300-\u036f])")


def _y_final(match: re.Match) -> str:
    onset, vowel, tone = match.groups()
    if not tone and vowel == "I" and onset in ("L", "M"):
        return match.group(0)  # "CHƯƠNG LI": a Roman numeral, not lí/lý
    return onset + ("Y" if vowel == "I" else "y") + tone


def same_letter_i_y(text: str) -> str:
    """``text`` with the syllable-final i after a consonant written y (the index's spelling of kỉ/kỷ, lí/lý).

    >>> same_letter_i_y("xử lí kỉ luật, Mĩ, qui định, tuyệt, ý kiến, khi")
    'xử lý kỷ luật, Mỹ, quy định, tuyệt, ý kiến, khi'
    """
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _I_FINAL.sub(_y_final, decomposed))


#: An HTML character reference: named with its ";" ("&acirc;", "&amp;"), or numeric ("&#7879;", "&#x1EC7;").
#: A bare "&" ("Kế hoạch & Đầu tư", "R&D") and a name without ";" ("&notice") are text.
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31};|#[0-9]{2,7};?|#[xX][0-9A-Fa-f]{2,6};?)")


def unescape(text: str) -> str:
    """``text`` with HTML character references read (web copies, JSONL exported from a portal), up to
    three levels deep ("&amp;acirc;" escaped twice).

    >>> unescape("nh&acirc;n d&acirc;n, Vi&#7879;t, &#x1EE6;y ban &amp; R&D")
    'nhân dân, Việt, Ủy ban & R&D'
    """
    for _ in range(3):
        if "&" not in text or not _ENTITY.search(text):
            break
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    return text


def clean(text: str) -> str:
    """HTML entities read, NFC, one kind of space, no zero-width characters, Ð (eth) as Đ; keeps lines
    and tone marks.

    >>> clean("Điều\u00a01.\u200b  Phạm vi")
    'Điều 1. Phạm vi'
    >>> clean("Ðiều 40") == "Điều 40", clean("nh&acirc;n&nbsp;d&#226;n")
    (True, 'nhân dân')
    """
    text = _INNER_DASH.sub("-", unicodedata.normalize("NFC", unescape(text)).translate(_ZERO_WIDTH))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def normalize(text: str) -> str:
    """:func:`clean` plus one tone-mark placement and one spelling of i/y (:func:`same_letter_i_y`):
    the form that is indexed and compared (the original text is kept for display and citation).

    >>> normalize("hoà giải") == normalize("hòa giải"), normalize("kỉ luật") == normalize("kỷ luật")
    (True, True)
    >>> normalize("Uỷ ban quý")
    'Ủy ban quý'
    """
    decomposed = unicodedata.normalize("NFD", clean(text))
    moved = _OLD_STYLE.sub(lambda m: m.group(1)[0] + m.group(2) + m.group(1)[1], decomposed)
    return unicodedata.normalize("NFC", _I_FINAL.sub(_y_final, moved))


def strip_accents(text: str) -> str:
    """Remove every diacritic (``đ`` -> ``d``): the fallback field for unaccented queries.

    >>> strip_accents("Ủy ban nhân dân xã")
    'Uy ban nhan dan xa'
    """
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare.translate(_BARE_D))


def has_diacritics(text: str) -> bool:
    """True when any letter carries a Vietnamese diacritic.

    >>> has_diacritics("xa phai cong khai"), has_diacritics("xã phải")
    (False, True)
    """
    return strip_accents(text) != unicodedata.normalize("NFC", text)


_WORD = re.compile(r"[^\W_]+(?:[./-][^\W_]+)*", re.UNICODE)


def syllables(text: str) -> list[str]:
    """Lower-cased syllables of the normalised text; document numbers stay whole.

    >>> syllables("Luật số 10/2022/QH15 về Dân chủ")
    ['luật', 'số', '10/2022/qh15', 'về', 'dân', 'chủ']
    """
    return _WORD.findall(normalize(text).lower())


#: A line's opening numbering that ends in a full stop: a Roman numeral or a capital letter ("II.", "A.").
_NUMBERING = re.compile(r"\s*(?:[IVXLC]{1,6}|[A-ZĐ])\.$")
_SENTENCE_END = re.compile(r"(?<=[^\d\s][.!?;])\s+(?=[\"“(\[]?[A-ZĐÀ-Ỹa-zđà-ỹ0-9])")


#: A table row as ingest writes it, every cell after its column header ("Thôn: Hòa Bình; Số mô hình
#: đăng ký: 1; Được công nhận: 0", :func:`ingest.docx.table_lines`): one sentence, never cut at ";".
_TABLE_ROW = re.compile(r"^[^:;.!?\n]{1,80}: (?:(?![.!?]\s)[^;\n])*(?:; [^:;.!?\n]{1,80}: (?:(?![.!?]\s)[^;\n])*)+$")


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (lines, then sentence ends).

    A numbering such as ``1.`` or ``a)`` stays with the sentence it opens; a table row whose cells
    keep their headers (``Thôn: Hòa Bình; Số hộ: 120``) is one sentence.

    >>> t = "1. Xã công khai. Dân giám sát.\\na) Họp dân"
    >>> [t[a:b] for a, b in sentences(t)]
    ['1. Xã công khai.', 'Dân giám sát.', 'a) Họp dân']
    >>> t = "Thôn: Hòa Bình; Số mô hình: 1\\nXã họp dân; Thôn họp tổ."
    >>> [t[a:b] for a, b in sentences(t)]
    ['Thôn: Hòa Bình; Số mô hình: 1', 'Xã họp dân;', 'Thôn họp tổ.']
    >>> len(sentences("Thời hạn: 10 ngày. Trường hợp cần xác minh thì 20 ngày; Lệ phí: không thu."))
    3
    >>> t = "II. NHIỆM VỤ TRỌNG TÂM\\nB. Xã họp. Dân bàn."
    >>> [t[a:b] for a, b in sentences(t)]
    ['II. NHIỆM VỤ TRỌNG TÂM', 'B. Xã họp.', 'Dân bàn.']
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        start = 0
        if _TABLE_ROW.match(line):
            spans.append((offset, offset + len(line)))
            offset += len(line) + 1
            continue
        for match in _SENTENCE_END.finditer(line):
            if start == 0 and _NUMBERING.match(line[: match.start()]):
                continue  # "I. TIÊU CHÍ ĐÁNH GIÁ": the numbering opens the line, it ends nothing
            spans.append((offset + start, offset + match.start()))
            start = match.end()
        spans.append((offset + start, offset + len(line)))
        offset += len(line) + 1
    return [(a, b) for a, b in spans if text[a:b].strip()]


def passage_sentences(text: str) -> list[str]:
    """The sentences of a passage a second stage compares with a question: those of 3 words or more;
    the whole passage when it has none.

    >>> passage_sentences("Điều 3. Họp\\nXã họp mỗi quý một lần. Có.")
    ['Điều 3. Họp', 'Xã họp mỗi quý một lần.']
    """
    said = [text[a:b].strip() for a, b in sentences(text)]
    return [s for s in said if len(s.split()) >= 3] or [text]


def word_count(text: str) -> int:
    """Whitespace-separated words (a Vietnamese "word" here is a syllable)."""
    return len(text.split())


# -- where a sentence sits in a document ----------------------------------------

HEADING = re.compile(
    r"^(?:Chương\s+[IVXLC\d]+|Mục\s+\d+|Điều\s+\d[\w.]*|Phần\s+(?:thứ\s+)?\w+|[IVX]{1,5}\.\s)",
    re.IGNORECASE,
)
_LEVELS = (
    ("chuong", re.compile(r"^Chương\s+([IVXLC\d]+)\b", re.IGNORECASE)),
    ("dieu", re.compile(r"^Điều\s+(\d[\w.]*?)\.?(?=\s|$)")),
    ("roman", re.compile(r"^([IVX]{1,5})\.\s")),
    ("khoan", re.compile(r"^(\d{1,2})\.\s")),
    ("diem", re.compile(r"^([a-zđ])\)\s")),
)
_RESETS = {"chuong": ("dieu", "roman", "khoan", "diem"), "dieu": ("khoan", "diem"), "roman": ("khoan", "diem"), "khoan": ("diem",)}


def locate(text: str, pos: int, heading: str = "") -> str:
    """The formal place of position ``pos`` in ``text``: "điểm a khoản 1 Điều 8", "mục II.3".

    ``heading`` is the heading in force where ``text`` starts (a chunk's section).

    >>> t = "Điều 8. Họp liên tịch\\n1. Định kỳ mỗi quý.\\n2. Khi cần:\\na) Đột xuất."
    >>> locate(t, t.index("Đột"))
    'điểm a khoản 2 Điều 8'
    >>> locate("1. Tổ chức hội nghị.", 3, heading="II. NHIỆM VỤ")
    'mục II.1'
    """
    state: dict[str, str] = {}
    line_end = text.find("\n", pos)
    upto = text if line_end < 0 else text[:line_end]  # the line holding pos counts (its "1." opens it)
    lines = ([heading] if heading else []) + [line.strip() for line in upto.split("\n")]
    for line in lines:
        for level, pattern in _LEVELS:
            match = pattern.match(line)
            if match:
                for lower in _RESETS.get(level, ()):
                    state.pop(lower, None)
                state[level] = match.group(1)
                break
    if "dieu" in state:
        parts = [f"điểm {state['diem']}" if "diem" in state else "", f"khoản {state['khoan']}" if "khoan" in state else ""]
        return " ".join(p for p in parts + [f"Điều {state['dieu']}"] if p)
    if "roman" in state:
        return "mục " + ".".join(state[k] for k in ("roman", "khoan", "diem") if k in state)
    if "chuong" in state:
        return f"Chương {state['chuong']}"
    return ""
