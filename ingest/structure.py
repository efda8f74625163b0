"""The structure parser: a document's text -> its units (Chương, Điều, khoản, điểm; I., 1., a), -).

Units are found by position and form, never by "a line starts with Điều": a line
opens a unit only when

- it has the unit's printed form ("Điều 11. Tên", "2. …", "b) …", "II. NỘI DUNG",
  "Chương II" with an upper-case title), and
- the line before it ended a sentence or a heading (``.:;!?)”``, an upper-case
  title line, a heading line and its wrapped title, a blank line), and
- its number follows its siblings' (khoản 3 after khoản 2, điểm c after b; a
  "1." or "a)" that restarts inside a unit is a nested list, kept as text).

So a wrapped cross-reference ("…theo quy định tại\\nĐiều 11 Luật …") and a list
restarting inside a điểm are text, not headings. Page furniture of gazette PDFs
(page numbers, "CÔNG BÁO/Số …", the signature block) is skipped when deciding
what the line before was, and text quoted inside “…” (amendments quoting a whole
Điều) opens no unit. Forms follow Nghị định 30/2020/NĐ-CP (văn bản hành chính)
and Luật Ban hành văn bản quy phạm pháp luật (Phần, Chương, Mục, Điều, khoản, điểm).

>>> s = parse("Điều 3. Công khai\\n1. Xã công khai.\\n2. Hình thức gồm:\\na) Niêm yết;\\nb) Loa truyền thanh.")
>>> [(u.label, u.place) for u in s.units]
[('Điều 3', 'Điều 3'), ('Khoản 1', 'khoản 1 Điều 3'), ('Khoản 2', 'khoản 2 Điều 3'), ('Điểm a', 'điểm a khoản 2 Điều 3'), ('Điểm b', 'điểm b khoản 2 Điều 3')]
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

#: Depth order of the kinds; a new unit closes every open unit of the same or a deeper rank.
RANK = {"phan": 0, "chuong": 1, "muc": 2, "dieu": 3, "section": 3, "khoan": 4, "item": 4,
        "subitem": 5, "diem": 6, "letter": 6, "dash": 7, "plus": 8}
#: Kinds that carry a title line (shown as a chunk's section).
TITLED = frozenset({"phan", "chuong", "muc", "dieu", "section"})
_CONNECTORS = frozenset("tại của và hoặc theo khoản điểm điều về với cho các những là được để từ đến trong "
                        "số ngày tháng năm như sau bởi do thì mà có".split())
_LISTS = frozenset({"khoan", "item", "diem", "letter"})
_LETTERS = "abcdđeghiklmnopqrstuvxy"
_DOC_TYPES = ("Luật", "Bộ luật", "Nghị định", "Nghị quyết", "Thông tư", "Pháp lệnh", "Quyết định",
              "Hiến pháp", "Chỉ thị", "Điều lệ", "Phụ lục", "này", "của")

_PHAN = re.compile(r"^(?:Phần|PHẦN)\s+((?:thứ|THỨ)\s+[^\s.:]+|[IVXLC]+|\d+)\s*[.:\-–]?\s*(.*)$")
_CHUONG = re.compile(r"^(?:Chương|CHƯƠNG)\s+([IVXLC]+|\d+)(?![\w.])\s*[.:\-–]?\s*(.*)$")
_MUC = re.compile(r"^(?:Mục|MỤC)\s+(\d+|[IVX]+)(?![\w.])\s*[.:\-–]?\s*(.*)$")
_DIEU = re.compile(r"^(?:Điều|ĐIỀU)\s+(\d+[a-zđ]?(?:\.(?:\d+|[A-ZĐ]+))*)\s*([.:])\s*(.*)$")
_DIEU_BARE = re.compile(r"^(?:Điều|ĐIỀU)\s+(\d+[a-zđ]?)\s+(\S.*)$")
_ROMAN = re.compile(r"^([IVX]{1,6})\s*[.\-–]\s+(\S.*)$")
_NUM = re.compile(r"^(\d{1,2})\.(?!\d)\s*(\S.*)$")
_SUB = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3})\.?(?![\d,])\s+(\S.*)$")
_LETTER = re.compile(r"^([a-zđ])\)\s*(\S.*)$")
_DASH = re.compile(r"^([-–—•*+])\s*(\S.*)$")
_FURNITURE = re.compile(r"^(?:\d{1,4}|CÔNG BÁO/.*|Người ký:.*|Email:.*|Cơ quan:.*|Thời gian ký:.*)$")
_CLOSERS = re.compile(r"^(?:Nơi nhận\s*:|(?:Luật|Bộ luật|Nghị quyết|Pháp lệnh) này (?:đã )?được .*thông qua)")
_ENDS = tuple(".:;!?…)”\"'»")


@dataclass(frozen=True)
class Unit:
    """One unit of a document's hierarchy; offsets index the document's text.

    ``start..end`` covers the unit and its children (``end`` exclusive, trailing
    spaces left out). ``place`` is the formal place an officer writes ("điểm b
    khoản 2 Điều 3", "mục II.1"); ``lead`` is the ``(start, end)`` of the line
    ending in ":" that introduces the list this unit is an item of, or ``None``.
    """

    kind: str  # phan chuong muc dieu khoan diem | section item subitem letter | dash plus
    label: str  # "Điều 5", "Khoản 2", "Điểm b", "II", "1", "1.2", "b", "-"
    heading: str  # the heading as printed (titled kinds: with the wrapped title; others: first line)
    start: int
    end: int
    depth: int  # 0 for a top-level unit
    place: str
    parent: int = -1  # index of the parent in Structure.units, -1 at the top
    lead: tuple[int, int] | None = None


@dataclass(frozen=True)
class Structure:
    """The units of a document in reading order, and where its paragraphs start."""

    units: tuple[Unit, ...]
    paragraphs: tuple[int, ...]  # offsets of lines that open a paragraph (the line before ended)
    starts: tuple[int, ...] = field(init=False, repr=False, compare=False)  # units' starts, ascending

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts", tuple(u.start for u in self.units))

    def chain(self, offset: int) -> tuple[Unit, ...]:
        """The units containing ``offset``, outermost first (empty outside every unit)."""
        i = bisect.bisect_right(self.starts, offset) - 1
        while i >= 0 and not self.units[i].start <= offset < max(self.units[i].end, self.units[i].start + 1):
            i = self.units[i].parent
        out = []
        while i >= 0:
            out.append(self.units[i])
            i = self.units[i].parent
        return tuple(reversed(out))


def path(chain: tuple[Unit, ...]) -> str:
    """ "Chương II › Điều 5 › Khoản 2 › Điểm b" (dash items are not named)."""
    return " › ".join(u.label for u in chain if u.kind not in ("dash", "plus"))


def _roman(s: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for a, b in zip(s, s[1:] + " "):
        total += -values[a] if values.get(b, 0) > values[a] else values[a]
    return total


def _ordinal(kind: str, label: str) -> int:
    """Sequence number of a label within its siblings (0 when it has none)."""
    if kind in ("diem", "letter"):
        return _LETTERS.find(label) + 1
    if kind in ("section",) or (kind in ("chuong", "muc") and label.isalpha()):
        return _roman(label)
    if kind == "dieu":  # "6a" comes after "6"; a Pháp điển number "18.4.TT.2.5" counts by its last part
        m = re.match(r"(\d+)([a-zđ]?)$", label) or re.search(r"(\d+)()$", label)
        return int(m.group(1)) + (0.5 if m.group(2) else 0) if m else 0
    m = re.match(r"\d+", label.split(".")[-1])
    return int(m.group()) if m else 0


def _ended(line: str) -> bool:
    """The line ends a sentence or a heading: final punctuation, or an upper-case title line."""
    return line.endswith(_ENDS) or (line.isupper() and sum(c.isalpha() for c in line[:40]) >= 2)


def _candidate(line: str, in_dieu: bool) -> tuple[str, str, str, bool] | None:
    """``(kind, number, title, strict)`` when ``line`` has a unit's printed form."""
    if m := _PHAN.match(line):
        return ("phan", m.group(1), m.group(2), not m.group(2) or m.group(2)[0].isupper())
    if m := _CHUONG.match(line):
        return ("chuong", m.group(1), m.group(2), not m.group(2) or m.group(2)[0].isupper())
    if m := _MUC.match(line):
        return ("muc", m.group(1), m.group(2), not m.group(2) or m.group(2)[0].isupper())
    if m := _DIEU.match(line):
        return ("dieu", m.group(1), m.group(3), bool(m.group(3)))
    if m := _DIEU_BARE.match(line):
        title = m.group(2)
        return ("dieu", m.group(1), title, False) if title[0].isupper() and not title.startswith(_DOC_TYPES) else None
    if (m := _ROMAN.match(line)) and _roman(m.group(1)) > 0:
        return ("section", m.group(1), m.group(2), True)
    if m := _NUM.match(line):
        return ("khoan" if in_dieu else "item", m.group(1), m.group(2), True)
    if m := _SUB.match(line):
        return ("subitem", m.group(1), m.group(2), True)
    if m := _LETTER.match(line):
        return ("diem" if in_dieu else "letter", m.group(1), m.group(2), True)
    if m := _DASH.match(line):
        return ("plus" if m.group(1) == "+" else "dash", m.group(1), m.group(2), True)
    return None


def _label(kind: str, number: str) -> str:
    names = {"phan": "Phần", "chuong": "Chương", "muc": "Mục", "dieu": "Điều", "khoan": "Khoản", "diem": "Điểm"}
    if kind == "phan":
        return "Phần " + number.lower() if number.lower().startswith("thứ") else "Phần " + number
    return f"{names[kind]} {number}" if kind in names else number


def _place(chain: list[tuple[str, str]]) -> str:
    """Formal place from ``(kind, number)`` pairs, outermost first."""
    kinds = dict(chain)
    if "dieu" in kinds:
        parts = [f"điểm {kinds['diem']}" if "diem" in kinds else "", f"khoản {kinds['khoan']}" if "khoan" in kinds else ""]
        return " ".join(p for p in parts + [f"Điều {kinds['dieu']}"] if p)
    labels: list[str] = []
    for kind, number in chain:
        if kind == "subitem" and labels and number.startswith(labels[-1] + "."):
            labels[-1] = number
        elif kind in ("section", "item", "subitem", "letter"):
            labels.append(number)
    if labels:
        return "mục " + ".".join(labels)
    if "muc" in kinds:
        return f"Mục {kinds['muc']}" + (f" Chương {kinds['chuong']}" if "chuong" in kinds else "")
    if "chuong" in kinds:
        return f"Chương {kinds['chuong']}"
    if "phan" in kinds:
        return _label("phan", kinds["phan"])
    return ""


def parse(text: str) -> Structure:
    """Parse the hierarchy of a whole document text (NFC, lines separated by "\\n")."""
    found: list[dict] = []  # units in reading order
    stack: list[int] = []  # indexes of the open units, outermost first
    paragraphs: list[int] = []
    last: dict[tuple[int, str], tuple[float, int]] = {}  # (parent, kind) -> (ordinal, index) of the last child
    seen_dieu: set[int] = set()  # numbers of the Điều found so far
    nested: dict[str, int] = {}  # kind -> last number of a list restarting inside a unit (text, not units)
    prev, prev_para, para = "", (0, 0), 0  # the last significant line and the span of its paragraph
    prev_heading, title_open, await_title = True, False, False  # the start of a text counts as after a heading
    blank = furniture = False
    quote: str | None = None
    offset = 0
    for raw in text.split("\n"):
        line_start, offset = offset, offset + len(raw) + 1
        line = raw.strip()
        if not line:
            blank = True
            continue
        if _FURNITURE.match(line):
            furniture = True
            continue
        at = line_start + len(raw) - len(raw.lstrip())
        end_at = line_start + len(raw.rstrip())
        after_break = _ended(prev) or prev_heading or (blank and not furniture)
        blank = furniture = False
        if after_break:
            para = at
            paragraphs.append(at)
        heading = False
        if quote is not None and _resumes(line, after_break, last):
            quote = None  # an unclosed quote (a footnote spilt over a page): the outer numbering goes on
        if quote is not None:  # inside text quoted by an amendment: no units
            if (quote == "“" and "”" in line) or (quote == '"' and line.count('"') % 2):
                quote = None
        elif (title_open and _wrapped_title(prev, line) and not _candidate(line, True)) or (await_title and _ended(line) and not _candidate(line, False)):
            found[-1]["heading"] += " " + line  # the heading's title, wrapped or on its own line
            heading, await_title = True, False
            title_open = not _ended(line)
        else:
            if after_break and _CLOSERS.match(line):
                for i in stack:
                    found[i]["end"] = _trim(text, at)
                stack.clear()
            cand = _candidate(line, any(found[i]["kind"] == "dieu" for i in stack))
            if cand and cand[0] == "dieu" and not cand[2] and prev_heading:  # "Điều 5." at the top, its title lost
                cand = cand[:3] + (True,)
            if cand and cand[0] in _LISTS and after_break:  # a list restarting inside a unit, and its next items
                ordinal = _ordinal(cand[0], cand[1])
                if nested.get(cand[0]) == ordinal - 1 or (ordinal == 1 and not _accept(cand, True, stack, found, last, seen_dieu)):
                    nested[cand[0]] = ordinal
                    cand = None
            if cand and _accept(cand, after_break, stack, found, last, seen_dieu):
                kind, number, title, _ = cand
                for other in [k for k in nested if RANK[k] <= RANK[kind] and k != kind]:
                    del nested[other]
                keep = [i for i in stack if RANK[found[i]["kind"]] < RANK[kind]]
                for i in stack[len(keep):]:
                    found[i]["end"] = _trim(text, at)
                stack = keep
                parent = stack[-1] if stack else -1
                key = _key(parent, kind)
                sibling = last.get(key)
                if sibling is not None and not _in(found, sibling[1], parent):
                    sibling = None
                if kind in TITLED:
                    lead = None
                elif prev.endswith(":") and sibling is None:
                    lead = prev_para
                elif sibling is not None:
                    lead = found[sibling[1]]["lead"]
                else:
                    lead = None
                last[key] = (_ordinal(kind, number), len(found))
                if kind == "dieu":
                    seen_dieu.add(int(_ordinal(kind, number)))
                found.append({"kind": kind, "number": number, "heading": line, "start": at, "end": len(text),
                              "parent": parent, "depth": len(stack), "lead": lead})
                stack.append(len(found) - 1)
                heading = kind in TITLED or _short_heading(line)
                title_open = kind in TITLED and bool(title) and not _ended(line)
                await_title = kind in TITLED and not title
            if line[0] in "“\"" and (line.count("“") > line.count("”") if line[0] == "“" else line.count('"') % 2):
                quote = line[0]
        if not heading:
            title_open = await_title = False
        prev, prev_heading = line, heading
        prev_para = (para, end_at)
    for i in stack:
        found[i]["end"] = _trim(text, len(text))
    return Structure(tuple(_freeze(found)), tuple(paragraphs))


def _wrapped_title(prev: str, line: str) -> bool:
    """``line`` carries on a heading's title: a long heading line, then a tail without final punctuation,
    lower-case (or a few upper-case words: "Ủy ban nhân dân"), unlike the body's first line."""
    return (len(prev) >= 40 and not line.endswith((".", ";", ":"))
            and len(line.split()) <= (20 if line[0].islower() else 6))


def _short_heading(line: str) -> bool:
    """An item line that heads what follows ("1. Phần lễ"), not one wrapped mid-sentence ("1. Theo quy định tại")."""
    words = line.split()
    return len(words) <= 10 and words[-1].lower() not in _CONNECTORS


def _key(parent: int, kind: str) -> tuple[int, str]:
    """Siblings are numbered per parent, except Điều, Chương and Phần, numbered through the text."""
    return (-2, kind) if kind in ("dieu", "chuong", "phan") else (parent, kind)


def _in(found: list[dict], i: int, ancestor: int) -> bool:
    while i >= 0 and i != ancestor:
        i = found[i]["parent"]
    return i == ancestor


def _resumes(line: str, after_break: bool, last: dict[tuple[int, str], tuple[float, int]]) -> bool:
    """A strict "Chương N"/"Điều N." heading that continues the text's own numbering."""
    cand = _candidate(line, False)
    if not (cand and after_break and cand[3] and cand[0] in ("chuong", "dieu")):
        return False
    prior = last.get((-2, cand[0]), (0.0, -1))[0]
    return _ordinal(cand[0], cand[1]) == int(prior) + 1


def _accept(cand: tuple[str, str, str, bool], after_break: bool, stack: list[int], found: list[dict],
            last: dict[tuple[int, str], tuple[float, int]], seen_dieu: set[int]) -> bool:
    """Whether a line of a unit's form opens that unit here (position and numbering)."""
    kind, number, title, strict = cand
    open_ = [i for i in stack if RANK[found[i]["kind"]] < RANK[kind]]
    parent = open_[-1] if open_ else -1
    before = last.get(_key(parent, kind))
    if before is not None and not _in(found, before[1], parent) and _key(parent, kind)[0] != -2:
        before = None
    prior = before[0] if before else 0
    ordinal = _ordinal(kind, number)
    if kind in ("dash", "plus"):
        return after_break
    if kind == "subitem":
        return after_break and parent >= 0 and number.startswith(found[parent]["number"] + ".") and ordinal == int(prior) + 1
    if kind in ("phan", "chuong", "muc", "dieu"):
        expected = ordinal == int(prior) + 1 or (kind == "dieu" and prior == 0)
        if not after_break:  # after a title block line: an upper-case title; inside a sentence: the next Điều
            if kind != "dieu":
                return strict and title.isupper() and (ordinal == 1 or ordinal > prior)
            return strict and expected and title[:1].isupper()
        resumed = kind == "dieu" and ordinal == int(ordinal) and int(ordinal) - 1 in seen_dieu
        return (strict and (ordinal == 1 or ordinal > prior or resumed)) or (expected and bool(title))
    if kind == "section" and title.isupper():  # "I. MỤC ĐÍCH, YÊU CẦU" right under a title block
        after_break = True
    return after_break and prior < ordinal <= prior + 3
def _trim(text: str, end: int) -> int:
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def _freeze(found: list[dict]) -> list[Unit]:
    units: list[Unit] = []
    for u in found:
        chain, i = [], len(units)
        j = u["parent"]
        while j >= 0:
            chain.append((found[j]["kind"], found[j]["number"]))
            j = found[j]["parent"]
        chain = list(reversed(chain)) + [(u["kind"], u["number"])]
        heading = u["heading"][:300]
        units.append(Unit(u["kind"], _label(u["kind"], u["number"]), heading, u["start"], max(u["end"], u["start"]),
                          u["depth"], _place(chain), u["parent"], u["lead"]))
        assert i == len(units) - 1
    return units
