"""The question as a value: built once, read by the retriever and the answerer.

:func:`parse` turns a question (and its conversation) into a :class:`Query`:
the normalised text, its syllables and which of them the user typed with
diacritics, the earlier turn a follow-up points back to, and the references it
names: document numbers (số hiệu, in full or in part, with ``đ`` or ``d``),
articles (Điều / khoản / điểm), dates (normalised to ``dd/mm/yyyy``), years,
document types and issuers. Nothing downstream re-derives any of these.

Forms of the references follow Nghị định 30/2020/NĐ-CP (Phụ lục I: số hiệu
``số/năm/ký hiệu``, ký hiệu = abbreviation of the type and the issuer) and the
everyday ways of typing them (``5/3/2026``, ``05-03-2026``,
``ngày 5 tháng 3 năm 2026``, ``Thông tư 09/2025``, ``QD`` for ``QĐ``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rag.abbrev import expand
from rag.evidence import MEASURE_WORDS, STOP, counted, listed, question_kind
from rag.text import has_diacritics, normalize, strip_accents, syllables
from rag.types import Turn

# A follow-up that is short or points back ("còn ... thì sao?", "việc đó") gets the
# previous question added to its retrieval query.
_SHORT_FOLLOWUP = 12
#: Content syllables (not in rag.evidence.STOP) a short question may have and still be a follow-up: the
#: most of the follow-ups of civic_dev and held-apart sets 1 and 2 that point back by no word is 7
#: ("Trước khi họp thì kế hoạch phải gửi cho những nơi nào?"); questions that name their own
#: subject have more (9: "Mỗi xã phải đăng ký bao nhiêu mô hình Dân vận khéo?").
_FOLLOWUP_CONTENT = 7

#: Document types as officers name them -> the abbreviation in a số hiệu (NĐ 30/2020, Phụ lục III).
DOC_TYPES = {
    "hien phap": "", "bo luat": "qh", "luat": "qh", "phap lenh": "pl", "nghi quyet": "nq", "nghi dinh": "nd",
    "quyet dinh": "qd", "thong tu lien tich": "ttlt", "thong tu": "tt", "chi thi": "ct", "ke hoach": "kh",
    "quy che": "qc", "huong dan": "hd", "cong van": "", "thong bao": "tb", "bao cao": "bc",
    "to trinh": "ttr", "ket luan": "kl", "chuong trinh": "ctr", "de an": "da",
}
_TYPE_ALT = "|".join(sorted(DOC_TYPES, key=len, reverse=True))
#: Issuers named in questions: unaccented pattern -> canonical name.
ISSUERS = {
    r"ubnd|uy ban nhan dan": "Ủy ban nhân dân",
    r"hdnd|hoi dong nhan dan": "Hội đồng nhân dân",
    r"chinh phu": "Chính phủ",
    r"thu tuong(?: chinh phu)?": "Thủ tướng Chính phủ",
    r"quoc hoi": "Quốc hội",
    r"uy ban thuong vu quoc hoi|ubtvqh": "Ủy ban Thường vụ Quốc hội",
    r"mttq|mat tran to quoc": "Mặt trận Tổ quốc",
    r"dang uy": "Đảng ủy",
    r"bo noi vu|bnv": "Bộ Nội vụ",
    r"bo tai chinh|btc": "Bộ Tài chính",
    r"thanh tra chinh phu|ttcp": "Thanh tra Chính phủ",
    r"bo lao dong(?:[ ,-]+thuong binh va xa hoi)?|bldtbxh": "Bộ Lao động - Thương binh và Xã hội",
}

_NUMBER = re.compile(r"(?<![\w/.-])(\d{1,4})((?:[/-][0-9a-zđ]+)+)(?![\w/])")
_DATE_NUM = re.compile(r"(?<![\w/.-])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?![\w/.-])")
_DATE_WORDS = re.compile(r"\bngay (\d{1,2}) thang (\d{1,2}) nam (\d{4})\b")
#: A day and month without the year, after "ngày"/"mùng" ("Kế hoạch ngày 5/3", "ngày 5 tháng 3"), typed on a phone.
_DAY_MONTH = re.compile(r"\b(?:ngay|mung|mong|den|tu) ((\d{1,2})[/.-](\d{1,2}))(?!\w|[/.-]\w)")
_DAY_MONTH_WORDS = re.compile(r"\bngay (\d{1,2}) thang (\d{1,2})\b(?! nam \d)")
_DAY_MONTH_TYPED = re.compile(r"\b(ng[aà]y|m[uù]ng|m[oồ]ng|đến|từ) (\d{1,2})[/.-](\d{1,2})(?!\w|[/.-]\w)", re.IGNORECASE)
#: Any day and month written in a passage ("5/3", "05/03/2026", "ngày 5 tháng 3"), for evidence checks.
_ANY_DAY_MONTH = re.compile(r"(?<![\w/.-])(\d{1,2})[/.-](\d{1,2})(?:[/.-]\d{2,4})?(?![\w/-])|\bngày (\d{1,2}) tháng (\d{1,2})\b")
_DAY_MONTH_SPELLED = re.compile(r"\b(ng[aà]y) (\d{1,2}) th[aá]ng (\d{1,2})\b(?! n[aă]m \d)", re.IGNORECASE)
_DATE_SPELLED = re.compile(r"\b(ng[aà]y) (\d{1,2}) th[aá]ng (\d{1,2}) n[aă]m (\d{4})\b", re.IGNORECASE)
_YEAR = re.compile(r"(?<![\w/.-])(19[4-9]\d|20\d\d)(?![\w/.-])")
_ARTICLE = re.compile(r"\b(?:diem ([a-zđ])\s+)?(?:khoan (\d{1,3})\s+)?dieu (\d{1,3}[a-z]?)\b")
#: A question about what a document covers as a whole ("Nghị định 59/2023 quy định về vấn đề gì?",
#: "phạm vi điều chỉnh của Luật ..."): its answer is the document's Điều 1, Phạm vi điều chỉnh
#: (Luật Ban hành văn bản quy phạm pháp luật 2015 and NĐ 34/2016 put it first in every legal text).
#: Anchored at the end, so "quy định gì về thời hạn?" (a question about one matter) is not one; the
#: question must also name a document (a số hiệu or a capitalised type: "Luật", "Nghị định").
_SCOPE = re.compile(
    r"\bpham vi dieu chinh\b"
    r"|\b(?:quy dinh|dieu chinh|noi|de cap)(?: ve| den| toi)?(?: nhung)?(?: (?:van de|noi dung|linh vuc|viec))? gi(?: vay| the)?\s*\??\s*$"
    r"|\bnoi dung (?:chinh )?(?:cua [^?]* )?(?:la )?gi\s*\??\s*$"
)
#: Another question word makes it a question about one matter ("Hành vi nào bị cấm, Luật quy định gì?").
_OTHER_ASK = re.compile(r"\b(?:nao|ai|bao nhieu|bao lau|may|o dau)\b")
#: Words after a number that make it a count, not a document's serial ("báo cáo 6 tháng").
_COUNT_UNITS = MEASURE_WORDS | {"buoc", "trieu", "muc", "loai", "nhom"}
_TYPED_NUMBER = re.compile(rf"\b({_TYPE_ALT})(?: so)? (\d{{1,4}})(?:(?: nam)? (19[4-9]\d|20\d\d))?(?![\w/.-])")


@dataclass(frozen=True)
class DocNumber:
    """A số hiệu as named in a question, complete or not.

    ``serial`` has no leading zeros; ``code`` is the unaccented, lower-case ký hiệu
    parts (``("tt", "bnv")``); ``doc_type`` the unaccented type word before it.

    >>> n = parse_number("09/2025")
    >>> n.matches("09/2025/TT-BNV"), n.matches("09/2024/TT-BNV"), n.matches("19/2025/TT-BNV")
    (True, False, False)
    >>> parse_number("33/2014/QD-TTg").matches("33/2014/QĐ-TTg")
    True
    """

    text: str
    serial: str
    year: str = ""
    code: tuple[str, ...] = ()
    doc_type: str = ""

    @property
    def complete(self) -> bool:
        return bool(self.code)

    def matches(self, number: str, doc_type: str = "") -> bool:
        """True when a document numbered ``number`` (of type ``doc_type``) can be the one meant."""
        other = parse_number(number)
        if other is None or other.serial != self.serial:
            return False
        if self.year and other.year != self.year:
            return False
        if self.code and other.code != self.code:
            return False
        if self.doc_type and doc_type and _fold(doc_type) != self.doc_type:
            return False
        return bool(self.year or self.code or (self.doc_type and doc_type))

    def mentioned_in(self, text: str) -> bool:
        """True when ``text`` names this document by type and serial: "Chỉ thị số 19", "chỉ thị 19",
        or the serial with the type's ký hiệu (NĐ 30/2020, Phụ lục III) in a Party or a State số hiệu
        ("19-CT/TW", "19/CT-TTg"). For a number named by type and serial only (no year, no ký hiệu),
        which :func:`specific_terms` cannot check word by word.

        >>> n = parse("Chỉ thị số 19 của Ban Bí thư đề ra giải pháp nào?").numbers[0]
        >>> n.mentioned_in("Thực hiện Chỉ thị 19-CT/TW ngày 10/01/2023"), n.mentioned_in("Kết luận số 03 ngày 19/01/2021")
        (True, False)
        >>> n.mentioned_in("19/CT-TTg"), parse("Chương trình số 19 …").numbers[0].mentioned_in("19-CT/TW")
        (True, False)
        """
        if not self.doc_type:
            return False
        folded = _fold(text)
        serial = rf"0*{re.escape(self.serial)}"
        code = DOC_TYPES.get(self.doc_type) or ""
        coded = rf"|\b{serial}[-/]{re.escape(code)}\b" if code else ""
        return bool(re.search(rf"\b{re.escape(self.doc_type)}(?: so)? {serial}\b{coded}", folded))

    def named_as_document(self, question: str) -> bool:
        """True unless the type word and number read as ordinary words: a verb or noun before a
        count ("báo cáo 6 tháng một lần", "kế hoạch 5 năm", "hướng dẫn 3 bước") names no document.

        >>> q = "Xã phải báo cáo 6 tháng một lần cho ai?"
        >>> parse(q).numbers[0].named_as_document(q), parse("Chỉ thị 19 của Ban Bí thư?").numbers[0].named_as_document("Chỉ thị 19 của Ban Bí thư?")
        (False, True)
        """
        m = re.search(rf"\b{re.escape(self.text)}\s+(\w+)", _fold(question))
        return not (m and m.group(1) in _COUNT_UNITS)


@dataclass(frozen=True)
class Article:
    """Điều / khoản / điểm named in a question (``khoan``/``diem`` empty when not named)."""

    dieu: str
    khoan: str = ""
    diem: str = ""

    def label(self) -> str:
        """The place as written in citations.

        >>> Article("5", "2", "a").label()
        'điểm a khoản 2 Điều 5'
        """
        parts = [f"điểm {self.diem}" if self.diem else "", f"khoản {self.khoan}" if self.khoan else "", f"Điều {self.dieu}"]
        return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Query:
    """One question, parsed once.

    ``words`` are the syllables of ``text`` (lower-case, normalised); ``accented[i]``
    says whether the user typed ``words[i]`` with a diacritic. ``previous`` is the
    earlier user turn a follow-up points back to (normalised), else ``None``.
    ``restored`` is ``text`` with diacritics restored where the user typed none
    (filled by the pipeline's restorer; equal to ``text`` when nothing was missing).
    ``day_months`` are dates typed without their year ("ngày 5/3" -> ``05/03``). ``resolved`` maps
    a partial number's text (or such a ``dd/mm``) to the full số hiệu (or date) it resolved to in
    the collection (filled by the pipeline). ``asks_scope`` is true for a question about
    what a whole document covers ("Nghị định 59/2023 quy định về vấn đề gì?") or a whole
    article it names ("Điều 3 quy chế phối hợp có nội dung gì?", then ``articles`` holds it). ``kind`` is the
    kind of answer asked for (:func:`rag.evidence.question_kind`: ``number``, ``date``, ``who``,
    ``list``, ``yesno``, ``how`` or ``""``) and ``counts`` what a "bao nhiêu X" question counts
    (:func:`rag.evidence.counted`, unaccented syllables).

    The answerer reads this value as the retriever built it (:func:`as_query` parses a bare string).
    """

    question: str
    text: str
    words: tuple[str, ...]
    accented: tuple[bool, ...]
    previous: str | None = None
    numbers: tuple[DocNumber, ...] = ()
    articles: tuple[Article, ...] = ()
    dates: tuple[str, ...] = ()
    day_months: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    doc_types: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    restored: str = ""
    resolved: tuple[tuple[str, str], ...] = field(default=())
    asks_scope: bool = False
    kind: str = ""
    counts: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()  # what a list question asks the items of (rag.evidence.listed)

    @property
    def has_diacritics(self) -> bool:
        """True when any syllable was typed with a diacritic."""
        return any(self.accented)

    @property
    def unaccented(self) -> bool:
        """True when the question has letters but no diacritic at all (typed on a bare keyboard)."""
        return not self.has_diacritics and any(c.isalpha() for c in self.text)

    @property
    def partly_accented(self) -> bool:
        """True when some syllables that could carry a diacritic were typed bare while others carry one."""
        return self.has_diacritics and not all(self.accented)

    @property
    def typed_bare(self) -> tuple[str, ...]:
        """Syllables typed without diacritics that the restorer accented ("tra" -> "trả").

        Empty until the pipeline fills ``restored``. One such syllable is common in fully
        typed questions (a restorer slip: 10 of civic_dev's 145 accented questions, e.g.
        "gom" -> "gồm"); two or more were never (0 of 145), so two mark a question typed
        partly without diacritics (:attr:`typed_partly`).
        """
        if not self.restored:
            return ()
        restored = syllables(self.restored)
        if len(restored) != len(self.words):
            return ()
        return tuple(w for w, r, a in zip(self.words, restored, self.accented) if not a and r != w and has_diacritics(r))

    @property
    def typed_partly(self) -> bool:
        """True when diacritics were typed on some words only (two or more bare words restored)."""
        return self.has_diacritics and len(self.typed_bare) >= 2

    @property
    def dense_text(self) -> str:
        """What the dense leg reads: the restored question, after the previous turn if any."""
        current = self.restored or self.text
        return f"{self.previous}\n{current}" if self.previous else current

    @property
    def canonical(self) -> str:
        """``text`` with dates as ``dd/mm/yyyy`` (``dd/mm`` without a year) and partial numbers or
        dates replaced by what they resolved to.

        >>> parse("Kế hoạch ngày 5/3/2026").canonical, parse("ngày 5 tháng 3 năm 2026").canonical
        ('Kế hoạch ngày 05/03/2026', 'ngày 05/03/2026')
        >>> parse("Kế hoạch ngày 5/3").canonical, parse("Kế hoạch ngày 5/3").with_(resolved=(("05/03", "05/03/2026"),)).canonical
        ('Kế hoạch ngày 05/03', 'Kế hoạch ngày 05/03/2026')
        """
        out = _DATE_NUM.sub(lambda m: _date(m.group(1), m.group(2), m.group(3)) or m.group(0), self.text)
        out = _DATE_SPELLED.sub(lambda m: f"{m.group(1)} {_date(*m.groups()[1:]) or m.group(0)[len(m.group(1)) + 1:]}", out)
        out = _DAY_MONTH_TYPED.sub(lambda m: f"{m.group(1)} {_day_month(m.group(2), m.group(3)) or m.group(0)[len(m.group(1)) + 1:]}", out)
        out = _DAY_MONTH_SPELLED.sub(lambda m: f"{m.group(1)} {_day_month(*m.groups()[1:]) or m.group(0)[len(m.group(1)) + 1:]}", out)
        for short, full in self.resolved:
            out = re.sub(rf"(?<![\w/.-]){re.escape(short)}(?![\w/])", full, out)
        return out

    def names_date(self, date: str) -> bool:
        """True when ``date`` (a document's, dd/mm/yyyy) is one the question names, in full or by its
        day and month only ("Kế hoạch ngày 5/3").

        >>> parse("Kế hoạch ngày 5/3").names_date("05/03/2026"), parse("ngày 6/3/2026").names_date("05/03/2026")
        (True, False)
        """
        return bool(date) and (date in self.dates or date[:5] in self.day_months)

    @property
    def evidence_text(self) -> str:
        """What passages are compared with: :attr:`canonical`, unaccented when the question was
        typed without diacritics, partly ("Ủy ban nhân dân xã tra loi kien nghi ..." cannot be
        compared accent by accent) or wholly (a số hiệu resolved into it, "125/2026/NĐ-CP", must not
        make "nghi dinh … ap dung" look accented).

        >>> parse("Kế hoạch ngày 5/3/2026?").evidence_text
        'Kế hoạch ngày 05/03/2026?'
        """
        return self.canonical if self.compares_accents else strip_accents(self.canonical)

    @property
    def compares_accents(self) -> bool:
        """True when :attr:`evidence_text` carries diacritics to compare (typed with them, fully)."""
        return self.has_diacritics and not self.typed_partly

    @property
    def specifics(self) -> frozenset[str]:
        """Document numbers and years the question names in :attr:`evidence_text` (lower-case
        syllables, the number as resolved): evidence must mention them (:func:`specific_terms`)."""
        return frozenset(specific_terms(self.evidence_text))

    @property
    def article(self) -> str:
        """The number of the first article the question names ("Điều 6 ... quy định gì?" -> "6"), or "".

        >>> parse("Điều 6 của Quy chế quy định gì?").article, parse("Xã công khai mấy ngày?").article
        ('6', '')
        """
        return self.articles[0].dieu if self.articles else ""

    def with_(self, **changes) -> Query:
        """A copy with some fields replaced (the pipeline fills ``restored`` and ``resolved``)."""
        return replace(self, **changes)


@lru_cache(maxsize=65536)  # the catalog compares a question against every document's number
def parse_number(text: str, doc_type: str = "") -> DocNumber | None:
    """A :class:`DocNumber` from ``10/2022/QH15``, ``09/2025``, ``21-KH/ĐU``; ``None`` for other text.

    >>> parse_number("21-KH/ĐU")
    DocNumber(text='21-KH/ĐU', serial='21', year='', code=('kh', 'du'), doc_type='')
    """
    parts = [p for p in re.split(r"[/-]", _fold(text).replace(" ", "")) if p]
    if not parts or not parts[0].isdigit():
        return None
    serial = parts[0].lstrip("0") or "0"
    year = next((p for p in parts[1:] if re.fullmatch(r"(19|20)\d\d", p)), "")
    code = tuple(p for p in parts[1:] if p != year)
    if not year and not code:
        return None
    return DocNumber(text.strip(), serial, year, code, _fold(doc_type))


def retrieval_context(question: str, history: Sequence[Turn] = ()) -> str | None:
    """The previous user turn when ``question`` is a follow-up (short or pointing back), else ``None``.

    >>> retrieval_context("Còn thời hạn thì sao?", [Turn("user", "Xã công khai ngân sách thế nào?")])
    'Xã công khai ngân sách thế nào?'
    """
    previous = next((t.content for t in reversed(history) if t.role == "user" and t.content.strip()), None)
    if previous is None:
        return None
    words = syllables(question)
    if points_back(question):
        return previous
    # a short question is a follow-up when it says too little to stand alone ("Tỉnh phải trả lời trong
    # bao lâu?"); one that names its own subject ("UBND xã phải công khai chậm nhất mấy ngày?": ten
    # content syllables) stands alone, whatever was asked before it
    content = [w for w in words if w.lower() not in STOP and not w.isdigit()]
    return previous if len(words) <= _SHORT_FOLLOWUP and len(content) <= _FOLLOWUP_CONTENT else None


#: Words that surely point to an earlier turn, in the form typed (for :func:`points_back`).
_POINTING = {"đó", "này", "ấy", "còn", "vậy", "trên", "kia"}
_POINTING_BARE = {"do", "nay", "ay", "con", "vay", "tren", "kia"}


def points_back(text: str) -> bool:
    """True when a question surely points to an earlier turn: "còn ... thì sao?", "việc đó", "Vậy ai ...",
    "Thế ...". Stricter than the follow-up rule of :func:`retrieval_context` (any short question):
    "hôm nay", "thế nào" and, when diacritics were typed, bare "nay"/"do" point nowhere.

    >>> points_back("Còn phường thì sao?"), points_back("Giá vàng hôm nay bao nhiêu?"), points_back("gia vang hom nay")
    (True, False, False)
    """
    words = [w.lower() for w in syllables(normalize(text))]
    typed = any(has_diacritics(w) for w in words)
    pointing = _POINTING if typed else _POINTING_BARE
    for i, w in enumerate(words):
        before = words[i - 1] if i else ""
        if w in pointing and before not in ("hôm", "hom", "bây", "bay", "như", "nhu"):
            return True
        if (w == "sao" and before in ("thì", "thi")) or (i == 0 and w in ("thế", "the")):
            return True
    return False


def parse(question: str, history: Sequence[Turn] = ()) -> Query:
    """Build the :class:`Query` of a question and its conversation.

    >>> q = parse("Theo Thông tư 09/2025, khoản 1 Điều 5, ngày 5 tháng 3 năm 2026 thi sao?")
    >>> [n.text for n in q.numbers], q.articles, q.dates, q.doc_types
    (['09/2025'], (Article(dieu='5', khoan='1', diem=''),), ('05/03/2026',), ('thong tu',))
    >>> parse("xa phai cong khai").unaccented, parse("xã phai công khai").accented
    (True, (True, False, True, False))
    >>> parse("Nghị định 59/2023 quy định về vấn đề gì?").asks_scope, parse("Luật quy định gì về thời hạn?").asks_scope
    (True, False)
    """
    text = expand(unshouted(normalize(question)))  # "UBND xã" is read as "Ủy ban nhân dân xã" (rag.abbrev)
    previous = retrieval_context(text, history)
    words = tuple(syllables(text))
    accented = tuple(has_diacritics(w) for w in words)
    folded = " ".join(_fold(w) for w in words)  # unaccented, lower-case, one space: what patterns read
    spaced = _fold(text)

    dates = []
    for m in _DATE_NUM.finditer(spaced):
        if (d := _date(*m.groups())) and d not in dates:
            dates.append(d)
    for m in _DATE_WORDS.finditer(folded):
        if (d := _date(*m.groups())) and d not in dates:
            dates.append(d)
    date_spans = [m.span() for m in _DATE_NUM.finditer(spaced)]
    day_months = []  # "ngày 5/3": a date without its year, never a số hiệu "5/3"
    for m in _DAY_MONTH.finditer(spaced):
        if (d := _day_month(m.group(2), m.group(3))) and d not in day_months:
            day_months.append(d)
            date_spans.append(m.span(1))
    for m in _DAY_MONTH_WORDS.finditer(folded):
        if (d := _day_month(*m.groups())) and d not in day_months:
            day_months.append(d)

    types = []  # a type word counts when capitalised ("Quyết định 33/2014"), not as a verb ("do ai quyết định")
    for m in re.finditer(rf"\b({_TYPE_ALT})\b", spaced):
        if (len(text) != len(spaced) or text[m.start()].isupper()) and m.group(1) not in types:
            types.append(m.group(1))

    numbers: list[DocNumber] = []
    for m in _NUMBER.finditer(spaced):
        if any(a <= m.start() < b for a, b in date_spans):
            continue
        before = spaced[: m.start()].rstrip()
        kind = next((t for t in sorted(DOC_TYPES, key=len, reverse=True) if re.search(rf"\b{t}(?: so)?$", before)), "")
        raw = text[m.start() : m.end()] if len(text) == len(spaced) else m.group(0)
        if (n := parse_number(raw, kind)) is not None:
            numbers.append(n)
    for m in _TYPED_NUMBER.finditer(folded):  # "Thông tư số 9 năm 2025", "Nghị định 61 2023"
        if not any(n.serial == (m.group(2).lstrip("0") or "0") for n in numbers):
            numbers.append(DocNumber(m.group(0), m.group(2).lstrip("0") or "0", m.group(3) or "", (), m.group(1)))

    articles = tuple(
        Article(m.group(3), m.group(2) or "", m.group(1) or "") for m in _ARTICLE.finditer(folded)
    )
    years = []
    for m in _YEAR.finditer(spaced):
        year = int(m.group(1))
        if year not in years and not any(a <= m.start() < b for a, b in date_spans):
            years.append(year)
    issuers = [name for pattern, name in ISSUERS.items() if re.search(rf"\b(?:{pattern})\b", folded)]
    return Query(
        question=question,
        text=text,
        words=words,
        accented=accented,
        # a short question that names its own document or article ("Điều 3 quy chế phối hợp quy định gì?")
        # stands alone unless it points back ("Còn Điều 5 thì sao?")
        previous=normalize(previous) if previous and not ((numbers or articles) and not points_back(text)) else None,
        numbers=tuple(numbers),
        articles=articles,
        dates=tuple(dates),
        day_months=tuple(day_months),
        years=tuple(years),
        doc_types=tuple(types),
        issuers=tuple(issuers),
        restored=text,
        kind=question_kind(text),
        counts=counted(text),
        lists=listed(text) if question_kind(text) == "list" else (),
        asks_scope=(bool(_SCOPE.search(folded)) and not _OTHER_ASK.search(folded)
                    and bool(numbers or types or articles or re.match(rf"(?:theo )?(?:{_TYPE_ALT})\b", folded))),
    )


def unshouted(text: str) -> str:
    """A question typed in capitals ("XÃ PHẢI CÔNG KHAI ... MẤY NGÀY?") in sentence case, words with a
    digit (số hiệu: "33/2014/QĐ-TTg") and short abbreviations ("UBND", "MTTQ") kept: the embedding model
    reads capitals as other words. Other text comes back as it is.

    >>> unshouted("UBND XÃ PHẢI CÔNG KHAI THÔNG TIN THEO QUY CHẾ 01/QC-UBND MẤY NGÀY?")
    'UBND xã phải công khai thông tin theo Quy chế 01/QC-UBND mấy ngày?'
    >>> unshouted("Theo Luật số 10/2022/QH15 thì xã công khai gì?")
    'Theo Luật số 10/2022/QH15 thì xã công khai gì?'
    """
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 8 or sum(c.isupper() for c in letters) < 0.8 * len(letters):
        return text
    words = [w if any(c.isdigit() or c == "/" for c in w) or w.strip(_PUNCT).upper() in _ABBREVIATIONS else w.lower()
             for w in text.split(" ")]
    out = " ".join(words)
    # a document type keeps its capital, which is what tells "Luật" (a law) from "luật" (the law)
    folded = strip_accents(out).lower()
    for m in re.finditer(rf"\b(?:{_TYPE_ALT})\b", folded):
        out = out[: m.start()] + out[m.start()].upper() + out[m.start() + 1:]
    return out[:1].upper() + out[1:]


_PUNCT = ",.;:!?()[]\"'“”"
#: Abbreviations kept in capitals when a question typed in capitals is put in sentence case.
_ABBREVIATIONS = {"UBND", "HĐND", "HDND", "MTTQ", "UBMTTQ", "QH", "TW", "CP", "BNV", "BTC", "TTCP", "UBTVQH", "CCB", "ĐTN", "DTN"}


def as_query(question: str | Query, history: Sequence[Turn] = ()) -> Query:
    """``question`` itself when it is a :class:`Query` (the pipeline's, restored and resolved), else
    :func:`parse` of it: answerers take either.

    >>> as_query("Xã công khai mấy ngày?").kind, as_query(parse("Ai chủ trì?")).kind
    ('date', 'who')
    """
    return question if isinstance(question, Query) else parse(question, history)


_YEAR_WORD = re.compile(r"(?:19[4-9]\d|20\d\d)")
_CLAUSE_WORDS = {"điều", "khoản", "điểm", "dieu", "khoan", "diem"}


def specific_terms(question: str) -> set[str]:
    """Document numbers and years a question names: evidence must mention them.

    Article numbers are left out (compiled units renumber articles).

    >>> sorted(specific_terms("Nghị quyết 25-NQ/TW năm 2013, Điều 2020 và 250 hộ"))
    ['2013', '25-nq/tw']
    """
    words = syllables(question)
    found = set()
    for i, word in enumerate(words):
        after_clause = i > 0 and words[i - 1] in _CLAUSE_WORDS
        if any(c.isdigit() for c in word) and any(c in "/-" for c in word):
            found.add(word)
        elif _YEAR_WORD.fullmatch(word) and not after_clause:
            found.add(word)
    return found


def normalize_date(text: str) -> str:
    """``dd/mm/yyyy`` of a date typed as ``5/3/2026``, ``05-03-2026``, ``ngày 5 tháng 3 năm 2026``; "" if none.

    >>> normalize_date("5/3/2026"), normalize_date("ngày 5 tháng 3 năm 2026"), normalize_date("32/1/2026")
    ('05/03/2026', '05/03/2026', '')
    """
    folded = _fold(text)
    m = _DATE_NUM.search(folded) or _DATE_WORDS.search(folded)
    return (_date(*m.groups()) or "") if m else ""


def _date(day: str, month: str, year: str) -> str | None:
    d, mth = int(day), int(month)
    if len(year) == 2:
        year = "20" + year
    if _day_month(day, month) is None:  # 32/1, 31/2, 13th month
        return None
    return f"{d:02d}/{mth:02d}/{year}"


_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _day_month(day: str, month: str) -> str | None:
    d, mth = int(day), int(month)
    return f"{d:02d}/{mth:02d}" if 1 <= mth <= 12 and 1 <= d <= _MONTH_DAYS[mth - 1] else None


def day_months_in(text: str) -> set[str]:
    """Every day and month a passage writes, as ``dd/mm`` (to check "ngày 5/3" against it).

    >>> sorted(day_months_in("Ngày 5/3, xã họp; ngày 20 tháng 6 báo cáo; Quyết định 05/03/2026."))
    ['05/03', '20/06']
    """
    out = set()
    for m in _ANY_DAY_MONTH.finditer(normalize(text).lower()):
        day, month = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if (found := _day_month(day, month)) is not None:
            out.add(found)
    return out


def _fold(text: str) -> str:
    """Unaccented, lower-case, single-spaced (``Đ`` -> ``d``): the form patterns are written in."""
    return re.sub(r"\s+", " ", strip_accents(normalize(text)).lower()).strip()
