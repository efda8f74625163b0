"""Line breaks a document lost (a web copy, a JSONL export, a paste): "Điều 1. … Điều 2. … 1. … 2. …"
on one line is read back into the lines a clean copy has, so that the structure parser finds the same
Điều, khoản and điểm, and the header parser the same số hiệu, date and title.

Only a line that surely holds a collapsed document is touched: 40 words or more and two Điều in
sequence ("Điều 1. Phạm vi …" then "Điều 2. …"), or two Roman sections with upper-case titles
("I. MỤC ĐÍCH …" then "II. …"), or the tiêu ngữ with text after it. Inside it, a break goes before:

- "Điều N." (N in sequence), "Chương II", "I. TIÊU ĐỀ" (in sequence), each title kept on its line;
  an Điều's title ends where the body begins: a "1.", or a capitalised word after a lower-case one
  that is no connector ("Phạm vi điều chỉnh | Quy chế này quy định …"), at most 25 words on;
- "1.", "2." (in sequence, after a sentence end or a title), "a)", "b)" (in sequence, after ":", ";"
  or "."), and "-"/"+" items after ":" or ";";
- the title block's pieces (Nghị định 30/2020/NĐ-CP, Phụ lục I): quốc hiệu, tiêu ngữ, "Số: …", the
  place and date, the upper-case type name ("QUY CHẾ").

What a clean copy held cannot always be known (an Điều title ending in a proper noun); the rules
above are what a reader would do.
"""

from __future__ import annotations

import re

__all__ = ["restore_breaks", "collapsed"]

_ENDS = tuple(".:;!?)”\"")
_CONNECTORS = frozenset("của và với cho tại về đối thuộc trong ở từ đến theo hoặc các những là".split())
_PROPER = {("trận", "Tổ"), ("Tổ", "quốc"), ("Việt", "Nam"), ("Hồ", "Chí")}
_ROMAN = re.compile(r"^([IVX]{1,5})\.$")
_KHOAN = re.compile(r"^(\d{1,2})\.$")
_LETTER = re.compile(r"^([a-zđ])\)$")
_LETTERS = "abcdđeghiklmnopqrstuvxy"
_DIEU_NUMBER = re.compile(r"^(\d{1,3})[a-zđ]?\.$")
_TYPES = ("QUYẾT ĐỊNH", "NGHỊ QUYẾT", "NGHỊ ĐỊNH", "THÔNG TƯ LIÊN TỊCH", "THÔNG TƯ", "QUY CHẾ", "QUY ĐỊNH",
          "KẾ HOẠCH", "BÁO CÁO", "THÔNG BÁO", "HƯỚNG DẪN", "CHỈ THỊ", "CHƯƠNG TRÌNH", "ĐỀ ÁN", "LUẬT",
          "NỘI QUY", "QUY ƯỚC", "HƯƠNG ƯỚC", "TỜ TRÌNH", "BIÊN BẢN", "CÔNG VĂN", "KẾT LUẬN", "ĐIỀU LỆ")
_NATIONAL = re.compile(r"(?:CỘNG HÒA|CỘNG HOÀ) XÃ HỘI CHỦ NGHĨA VIỆT NAM|ĐẢNG CỘNG SẢN VIỆT NAM")
_MOTTO = re.compile(r"Độc lập\s*[-–]\s*Tự do\s*[-–]\s*Hạnh phúc")
_NUMBER = re.compile(r"\bSố\s*:?\s*\S*\d\S*")
_DATE = re.compile(r"(?<!\S)[A-ZĐÀ-Ỹ][a-zđà-ỹ]*(?: [A-ZĐÀ-Ỹ][a-zđà-ỹ]*){0,4}, ngày \d{1,2} tháng \d{1,2} năm \d{4}")
_TYPE = re.compile(r"(?<![^\s])(?:" + "|".join(sorted(_TYPES, key=len, reverse=True)) + r")(?=\s+[A-ZĐÀ-Ỹ][a-zđà-ỹ])")


def _upper(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _roman(s: str) -> int:
    values = {"I": 1, "V": 5, "X": 10}
    return sum(-values[a] if values.get(b, 0) > values[a] else values[a] for a, b in zip(s, s[1:] + " "))


def _depths(words: list[str]) -> list[int]:
    """How many parentheses are open before each word: "(Điều này có nội dung liên quan đến Điều 3. …;
    Điều 4. …)", the Pháp điển's note, names articles, it opens none."""
    out, depth = [], 0
    for w in words:
        out.append(depth)
        depth = max(0, depth + w.count("(") - w.count(")"))
    return out


def collapsed(line: str) -> bool:
    """True when ``line`` holds a whole document (or a run of it) whose line breaks were lost.

    >>> collapsed("Điều 1. Phạm vi Quy chế này quy định việc họp. " * 4 + "Điều 2. Hiệu lực Quy chế có hiệu lực.")
    True
    >>> collapsed("Căn cứ Điều 5 và Điều 6. Luật này quy định việc họp dân ở thôn.")
    False
    >>> collapsed("Xã giải quyết khiếu nại lần đầu đối với quyết định hành chính của mình. " * 4
    ...           + "(Điều này có nội dung liên quan đến Điều 3. Nguyên tắc; Điều 4. Thẩm quyền)")
    False
    """
    words = line.split()
    if len(words) < 40:
        return False
    depth = _depths(words)
    dieu = [int(m.group(1)) for i, (w, n, after) in enumerate(zip(words, words[1:], words[2:] + [""]))
            if w in ("Điều", "ĐIỀU") and not depth[i] and (m := _DIEU_NUMBER.match(n)) and after[:1].isupper()]
    romans = [_roman(m.group(1)) for w, n in zip(words, words[1:]) if (m := _ROMAN.match(w)) and _upper(n) and len(n) > 1]
    sequence = lambda xs: any(b == a + 1 for a, b in zip(xs, xs[1:]))  # noqa: E731
    motto = _MOTTO.search(line)
    return sequence(dieu) or sequence(romans) or bool(motto and line[motto.end():].strip())


def _header_breaks(line: str) -> set[int]:
    """Offsets where the title block's pieces begin or end, in the first 600 characters."""
    head = line[:600]
    cuts: set[int] = set()
    for pattern in (_NATIONAL, _MOTTO, _NUMBER, _DATE):
        for m in pattern.finditer(head):
            cuts.update((m.start(), m.end()))
    for m in _TYPE.finditer(head):
        cuts.update((m.start(), m.end()))
    return cuts


def _body_breaks(words: list[re.Match]) -> set[int]:
    """Offsets of the words before which a unit begins (see the module's rules)."""
    cuts: set[int] = set()
    dieu = roman = khoan = 0
    letter = ""
    title = 0  # words left in an Điều title being read (0: none)
    upper_title = False  # reading an upper-case title (a Roman section, a Chương)
    text = [w.group(0) for w in words]
    depth = _depths(text)
    skip = first = 0  # the number after "Điều", "Chương"; where an Điều title starts
    for i, w in enumerate(text):
        if skip:
            skip -= 1
            continue
        prev = text[i - 1] if i else ""
        nxt = text[i + 1] if i + 1 < len(text) else ""
        after = prev.endswith(_ENDS) or i == 0
        if upper_title and not _upper(w):
            upper_title = False
            cuts.add(words[i].start())
            after = True
        if w in ("Điều", "ĐIỀU") and not depth[i] and (m := _DIEU_NUMBER.match(nxt)) and i + 2 < len(text) and text[i + 2][:1].isupper():
            number = int(m.group(1))
            if number == dieu + 1 or (dieu == 0 and (after or number == 1)):
                cuts.add(words[i].start())
                dieu, khoan, letter, title, skip = number, 0, "", 25, 1
                first = i + 2  # the title's first word
                continue
        if w in ("Chương", "CHƯƠNG") and nxt and (re.fullmatch(r"[IVXLC]+|\d+", nxt)):
            cuts.add(words[i].start())
            upper_title, khoan, letter, skip = True, 0, "", 1
            continue
        if (m := _ROMAN.match(w)) and _upper(nxt) and len(nxt) > 1 and _roman(m.group(1)) == roman + 1:
            cuts.add(words[i].start())
            roman, khoan, letter, upper_title, title = roman + 1, 0, "", True, 0
            continue
        if title and i > first:
            title -= 1
            starts_body = w == "1." or (
                w[:1].isupper() and prev[:1].islower() and prev not in _CONNECTORS and not prev.endswith(",")
                and (prev, w) not in _PROPER)
            if starts_body:
                cuts.add(words[i].start())
                title, after = 0, True
            elif prev.endswith(_ENDS):
                title = 0
        if (m := _KHOAN.match(w)) and int(m.group(1)) == khoan + 1 and after and nxt[:1].isupper():
            cuts.add(words[i].start())
            khoan, letter = khoan + 1, ""
        elif (m := _LETTER.match(w)) and prev.endswith((":", ";", ".")) and (
                (not letter and m.group(1) == "a") or (letter and _LETTERS.find(m.group(1)) == _LETTERS.find(letter) + 1)):
            cuts.add(words[i].start())
            letter = m.group(1)
        elif w in ("-", "+", "•", "–") and prev.endswith((":", ";")):
            cuts.add(words[i].start())
    return cuts


def restore_breaks(text: str) -> str:
    """``text`` with the line breaks of each collapsed line (:func:`collapsed`) put back; other lines
    unchanged.

    >>> print(restore_breaks("Điều 1. Phạm vi điều chỉnh Quy chế này quy định việc tiếp công dân tại trụ sở "
    ...       "Ủy ban nhân dân xã, nhà văn hóa các thôn và điểm tiếp dân lưu động của xã Hòa Phú. "
    ...       "Điều 2. Lịch tiếp 1. Chủ tịch tiếp 02 ngày. 2. Công chức tiếp hằng ngày: a) Sáng; b) Chiều."))
    Điều 1. Phạm vi điều chỉnh
    Quy chế này quy định việc tiếp công dân tại trụ sở Ủy ban nhân dân xã, nhà văn hóa các thôn và điểm tiếp dân lưu động của xã Hòa Phú.
    Điều 2. Lịch tiếp
    1. Chủ tịch tiếp 02 ngày.
    2. Công chức tiếp hằng ngày:
    a) Sáng;
    b) Chiều.
    """
    out = []
    for line in text.split("\n"):
        if not collapsed(line):
            out.append(line)
            continue
        words = list(re.finditer(r"\S+", line))
        cuts = sorted((_header_breaks(line) | _body_breaks(words)) - {0, len(line)})
        pieces, last = [], 0
        for cut in cuts:
            pieces.append(line[last:cut].strip())
            last = cut
        pieces.append(line[last:].strip())
        out.append("\n".join(p for p in pieces if p))
    return "\n".join(out)
