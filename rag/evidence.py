"""What a question asks for, and how much of it a sentence of a passage holds.

Two readings of a question decide answerability (rag.answer):

* its **kind** — a number, a date or duration, a person or body, a list, yes/no,
  a procedure — read from the question words ("bao nhiêu", "khi nào", "ai", "những
  ... nào", "có ... không", "thế nào");
* its **key terms**, multi-syllable terms kept as units: a run of the question's
  syllables that the retrieved passages also write as one run ("ban thanh tra nhân
  dân", "dân chủ ở cơ sở") counts only where it appears whole. A sentence with "ban"
  and "nhân dân" does not cover "ban thanh tra nhân dân".

Everything is compared on :func:`rag.text.syllables`, unaccented when the question
has no diacritics.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.abbrev import expand
from rag.text import has_diacritics, normalize, strip_accents, syllables

# Question words and glue that say nothing about the topic (compared unaccented).
STOP = frozenset(
    w
    for w in """là của và có không được thì các những cho trong với để theo nào gì bao nhiêu mấy ai
    đâu sao thế như vậy này đó kia khi nếu hay hoặc mà ở tại về từ đến bị do vì nên phải cần hỏi
    cho tôi xin bác chị anh em ạ nhé ơi luật quy định điều khoản văn bản người việc một những
    được không thế_nào làm sao bao_giờ bao_lâu chưa đã sẽ đang còn thì_sao hả vâng mình chúng ta bà con
    gì_vậy giúp cho_biết biết muốn nói rõ""".replace("_", " ").split()
)
# An unaccented question can only be compared unaccented ("ban" may be "bản" or "ban").
STOP_BARE = frozenset(strip_accents(w) for w in STOP)

#: Longest run of syllables tried as one term.
MAX_UNIT = 5
#: Credit of a term found only in the sentence's passage, title or heading (the sentence itself: 1).
CONTEXT_WEIGHT = 0.5

# -- the kind of answer ------------------------------------------------------------

_KINDS = (
    ("date", re.compile(r"\b(khi nao|bao gio|bao lau|thoi han|han chot|ngay nao|thoi diem|thoi hieu|luc nao|cham nhat|"
                        r"truoc bao|sau bao|trong bao|may ngay|may thang|may nam|dinh ky|nhiem ky)\b")),
    ("number", re.compile(r"\b(bao nhieu|may|so luong|ty le|muc chi|muc ho tro|muc phat|toi thieu|toi da|it nhat)\b")),
    ("who", re.compile(r"\b(ai|co quan nao|nguoi nao|don vi nao|to chuc nao|cap nao|chu the nao|ben nao|do ai|"
                       r"thuoc ve ai|tham quyen|tham quyen cua ai)\b")),
    ("list", re.compile(r"\b(nhung (gi|\w+ nao|\w+ \w+ nao)|gom nhung|bao gom|cac \w+ nao|nhung truong hop|"
                        r"nhung noi dung|nhung viec|nhung quyen|nhung nhiem vu|ke ten|liet ke)\b")),
    ("yesno", re.compile(r"\b(co \w.* khong|duoc khong|phai khong|dung khong|hay khong|khong\?)")),
    ("how", re.compile(r"\b(the nao|nhu the nao|ra sao|lam sao|thu tuc|trinh tu|quy trinh|cach nao|lam gi)\b")),
)

#: "những" + one or two words + "nào"/"gì": the plural asks for every item ("Những đơn vị nào ...?").
_PLURAL = re.compile(r"\bnhung(?: [\w,]+){1,4} (?:nao|gi)\b|\bcac(?: [\w,]+){1,3} nao\b")
_DIGIT = re.compile(r"\d")
_REFERENCE = re.compile(r"^\s*(?:\d{1,2}[.)]|[a-z]\))\s|\b(?:dieu|khoan|diem|chuong|muc|phu luc)\s+[\w.]*\d[\w.]*")
# Accented: unaccented "sau" is both "sáu" (six) and "sau" (after, "như sau").
# ("tư" is left out: "Thông tư", "tư vấn", "tư pháp"; "một phần tư" still counts by "một", "phần")
_NUMBER_WORDS = re.compile(r"\b(một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười|mươi|trăm|nghìn|ngàn|triệu|tỷ|nửa|phần|"
                           r"toàn bộ|đa số|quá bán)\b")
#: A số hiệu in unaccented lower case ("100/2014/ttlt-btc-btp", "15-kh/bdvtu", "10/2022/qh15").
_DOC_NUMBER = re.compile(r"\b\d+/\d{4}/[a-z0-9đ/-]+|\b\d+-[a-z]{1,6}/[a-z0-9/-]+")
#: Names holding "Nam" (south), unaccented: "năm" (year) unaccented is the same letters.
_SOUTH = re.compile(r"\b(?:viet|quang|ha|mien|phia|phuong) nam\b|\bnam (?:dinh|bo|trung bo|phi)\b")
_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{4}\b")
_TIME_WORDS = re.compile(r"\b(ngay|thang|nam|quy|tuan|gio|hang nam|dinh ky|thuong xuyen|ngay sau|truoc khi|sau khi|"
                         r"khi co|ke tu|nhiem ky)\b")


def question_kind(question: str) -> str:
    """``date``, ``number``, ``who``, ``list``, ``yesno``, ``how`` or ``""``.

    >>> [question_kind(q) for q in ("Thời hạn khiếu nại là bao lâu?", "Ban có bao nhiêu thành viên?",
    ...  "Ai chủ trì hội nghị?", "Công dân có những quyền gì?", "Có được họp không?", "Thủ tục thế nào?")]
    ['date', 'number', 'who', 'list', 'yesno', 'how']
    >>> question_kind("Những đơn vị nào được nhận tiền cứu trợ?"), question_kind("Phải có những giấy tờ gì?")
    ('list', 'list')
    """
    bare = strip_accents(normalize(question)).lower()
    if _PLURAL.search(bare):  # "những đơn vị nào", "những giấy tờ gì": several are asked for, a list
        return "list"
    for kind, pattern in _KINDS:
        if pattern.search(bare):
            return kind
    return ""


def holds_kind(kind: str, sentence: str) -> bool:
    """True when ``sentence`` can carry an answer of ``kind`` (numbers and dates must be there).

    Only ``number`` and ``date`` are checked strictly; the other kinds are answered in
    words that no pattern lists exhaustively, so they always pass.

    >>> holds_kind("number", "Ban có ít nhất 03 thành viên."), holds_kind("number", "Một số mô hình còn chung chung.")
    (True, False)
    >>> holds_kind("number", "2. Theo quy định tại khoản 3 Điều 12 thì xã công khai.")
    False
    >>> holds_kind("number", "Kết quả của các thôn như sau:"), holds_kind("number", "Mỗi thôn có hai tổ.")
    (False, True)
    >>> holds_kind("number", "Thù lao hòa giải viên theo Thông tư liên tịch số 100/2014/TTLT-BTC-BTP ngày 30/7/2014.")
    False
    >>> holds_kind("date", "Ban công tác Mặt trận do Ủy ban Mặt trận Tổ quốc Việt Nam cấp xã thành lập.")
    False
    """
    bare = strip_accents(normalize(sentence)).lower().replace("mot so", "")  # "một số" counts nothing
    bare = _REFERENCE.sub(" ", bare)  # "Điều 3", "khoản 2", "1." say where, not how many
    bare = _DOC_NUMBER.sub(" ", bare)  # "Thông tư số 100/2014/TTLT-BTC-BTP" names a text, it is no figure
    bare = _SOUTH.sub(" ", bare)  # "Mặt trận Tổ quốc Việt Nam", "Quảng Nam" hold no year ("năm")
    if kind == "number":
        words = _REFERENCE.sub(" ", normalize(sentence).lower().replace("một số", ""))
        return bool(_DIGIT.search(_DATE.sub(" ", bare)) or _NUMBER_WORDS.search(words))
    if kind == "date":
        return bool(_DIGIT.search(bare) or _TIME_WORDS.search(bare))
    return True


_LEVEL = re.compile(r"\bcap (xa|huyen|tinh|trung uong)\b|\buy ban (trung uong)\b")


def levels(text: str) -> frozenset[str]:
    """The administrative levels ``text`` names explicitly: ``xa``, ``huyen``, ``tinh``, ``trung uong``
    ("cấp xã", "cấp tỉnh", "Ủy ban Trung ương").

    >>> sorted(levels("Ủy viên Ủy ban Mặt trận Tổ quốc cấp tỉnh: 230.000 đồng")), sorted(levels("xã họp dân"))
    (['tinh'], [])
    """
    found = _LEVEL.findall(strip_accents(normalize(text)).lower())
    return frozenset(a or b for a, b in found)


def other_level(question_levels: frozenset[str], sentence: str) -> bool:
    """True when ``sentence`` names administrative levels and none of those the question names: a
    rule for "cấp tỉnh" does not answer a question about "cấp xã" (Quyết định 33/2014 gives
    sinh hoạt phí for the central, tỉnh and huyện levels only).

    >>> other_level(frozenset({"xa"}), "Ủy viên Ủy ban Mặt trận Tổ quốc cấp tỉnh: 230.000 đồng/tháng.")
    True
    >>> other_level(frozenset({"xa"}), "Ủy viên cấp xã, cấp huyện: 120.000 đồng."), other_level(frozenset(), "cấp tỉnh")
    (False, False)
    """
    if not question_levels:
        return False
    named = levels(sentence)
    return bool(named) and not (named & question_levels)


# Words that open what follows the counted noun ("bao nhiêu ngày kể từ ...", "mấy lần trong năm").
# Measure words and units that count alone (unaccented): what follows them is the question's own
# wording, not part of the unit ("bao nhiêu hộ tán thành", "mấy ngày xã phải công nhận", "bao nhiêu
# phiếu đồng ý"), and the answer ("hai phần ba tổng số đại diện hộ gia đình", "quá nửa số phiếu")
# need not repeat it.
MEASURE_WORDS = frozenset("ngay thang nam tuan gio phut lan dot ky nguoi ho phieu dong xa thon phuong".split())
_CONNECTIVES = frozenset("ke tu sau truoc trong ngoai moi thi la de duoc phai cho voi tinh lam".split())
_COUNTING = re.compile(r"\b(?:bao nhieu|may)\s+(\w+)(?:\s+(\w+))?")


def counted_in(words: tuple[str, ...], passages: Sequence[str]) -> tuple[str, ...]:
    """What the answer's number must come with, given the passages: the pair when the passages write
    it ("bao nhiêu hộ nghèo" is not answered by "350 hộ gia đình" when "hộ nghèo" is a term there);
    else a measure word alone ("hộ", "ngày", "phiếu"): the word after it is the question's own wording
    ("bao nhiêu hộ tán thành", "bao nhiêu hộ bấm đồng ý": "hai phần ba tổng số đại diện hộ gia đình
    … tán thành" answers). A word the passages never write at all ("hộ nghèo" in passages without
    "nghèo") is left to the key-term coverage: refusing there refused paraphrases ("bấm").

    >>> counted_in(("ho", "tan"), ["Từ hai phần ba tổng số đại diện hộ gia đình trở lên tán thành."])
    ('ho',)
    >>> counted_in(("ho", "tan"), ["Được thông qua khi có hai phần ba số hộ tán thành."])
    ('ho', 'tan')
    >>> counted_in(("ho", "ngheo"), ["Thôn có 350 hộ gia đình, trong đó 12 hộ nghèo."])
    ('ho', 'ngheo')
    """
    if len(words) != 2 or words[0] not in MEASURE_WORDS:
        return words
    texts = [" " + " ".join(strip_accents(w) for w in syllables(p)) + " " for p in passages]
    if any(f" {' '.join(words)} " in t for t in texts):
        return words
    return words[:1]


_LISTED = re.compile(r"\b(?:nhung|cac)((?: [\w,]+){1,4}) (?:nao|gi)\b")


def listed(question: str) -> tuple[str, ...]:
    """What a list question asks the items of ("những tiêu chí nào" -> ``("tieu", "chi")``, unaccented);
    () when it names nothing ("gồm những gì").

    >>> listed("Mô hình được đánh giá theo những tiêu chí nào?"), listed("Kế hoạch có những nhiệm vụ trọng tâm nào?")
    (('tieu', 'chi'), ('nhiem', 'vu', 'trong', 'tam'))
    >>> listed("Hồ sơ gồm những gì?"), listed("Xã công khai mấy ngày?"), listed("Có những nhiệm vụ, giải pháp nào?")
    ((), (), ('nhiem', 'vu', 'giai', 'phap'))
    """
    m = _LISTED.search(strip_accents(normalize(question)).lower())
    words = tuple(m.group(1).replace(",", " ").split()) if m else ()
    return () if not words or len(words) == 1 and words[0] in STOP_BARE else words  # ("cơ quan" is "co quan")


def counted(question: str) -> tuple[str, ...]:
    """What a "bao nhiêu X"/"mấy X" question counts (X's syllables, unaccented); () when unsaid.

    The number the answer gives must come with that word ("05 ngày làm việc", "07 thành viên").

    >>> counted("Ban thanh tra có bao nhiêu thành viên?"), counted("Xã công khai chậm nhất mấy ngày?"), counted("Giá bao nhiêu?")
    (('thanh', 'vien'), ('ngay',), ())
    >>> counted("xa tra loi trong thoi han bao nhieu ngay ke tu ngay nhan")
    ('ngay',)
    >>> counted("Cần bao nhiêu hộ tán thành?")
    ('ho', 'tan')
    """
    bare = strip_accents(normalize(question)).lower()
    m = _COUNTING.search(bare)
    if not m:
        return ()
    words = [w for w in m.groups() if w]
    if words[0] in STOP_BARE:
        return ()
    pair = len(words) == 2 and words[1] not in STOP_BARE and words[1] not in _CONNECTIVES and len(words[1]) > 1
    return tuple(words[:2]) if pair else (words[0],)


_AMOUNT = r"\d[\d.,]*\s*(?:dong|trieu|ty|nghin|ngan|vnd|usd)\b"
# Counted words whose number is written with its own unit: "bao nhiêu tiền" is answered by
# "5.000.000 đồng", "bao nhiêu phần trăm" by "70%".
_UNIT_FORMS = {
    ("tien",): re.compile(_AMOUNT),
    ("kinh", "phi"): re.compile(_AMOUNT),
    ("le", "phi"): re.compile(_AMOUNT),
    ("phan", "tram"): re.compile(r"\d\s*%"),
}


def holds_counted(words: tuple[str, ...], sentence: str) -> bool:
    """True when ``sentence`` has the counted word(s) in a row, or the number in their unit
    ("5.000.000 đồng" for "tiền", "70%" for "phần trăm"); always true for ().

    >>> holds_counted(("tien",), "Mỗi mô hình được hỗ trợ 5.000.000 đồng."), holds_counted(("tien",), "Hỗ trợ 05 mô hình.")
    (True, False)
    """
    if not words:
        return True
    bare = " " + " ".join(strip_accents(w) for w in syllables(sentence)) + " "
    bare = _SOUTH.sub(" ", bare)  # "mấy năm" is not counted by "Tổ quốc Việt Nam", "Quảng Nam"
    if f" {' '.join(words)} " in bare:
        return True
    form = _UNIT_FORMS.get(tuple(words))
    return bool(form and form.search(strip_accents(normalize(sentence)).lower()))


# -- key terms as units ------------------------------------------------------------


_MAYBE_ABBREVIATED = re.compile(r"[A-ZĐ]{2}|\b[a-zđ]{2,}\b")  # cheap guard before the full pattern


def keyed(text: str, accented: bool) -> list[str]:
    """Syllables of ``text`` as compared with a question (unaccented for an unaccented question),
    abbreviations spelled out ("UBND" as "ủy ban nhân dân", :mod:`rag.abbrev`)."""
    words = syllables(expand(text) if _MAYBE_ABBREVIATED.search(text) else text)
    return words if accented else [strip_accents(w) for w in words]


def _content(word: str, accented: bool) -> bool:
    return word not in (STOP if accented else STOP_BARE) and (len(word) > 1 or word.isdigit())


@dataclass(frozen=True)
class Terms:
    """The key terms of a question: units (space-joined syllables) and their weights."""

    units: tuple[str, ...]
    weights: tuple[float, ...]
    accented: bool

    @property
    def total(self) -> float:
        return sum(self.weights)

    def coverage(self, text: str, context: str = "") -> float:
        """Weighted share of the units ``text`` holds (half weight for what only ``context`` holds), 0..1.

        A unit of several syllables counts by the share of its adjacent pairs found
        adjacent: "nhân dân" alone covers a quarter of "ban thanh tra nhân dân".
        """
        if not self.units:
            return 0.0
        have = " " + " ".join(keyed(text, self.accented)) + " "
        near = " " + " ".join(keyed(context, self.accented)) + " " if context else ""
        got = sum(w * max(_held(u, have), CONTEXT_WEIGHT * _held(u, near)) for u, w in zip(self.units, self.weights))
        return got / self.total

    def holds(self, unit: str, text: str) -> bool:
        """True when ``text`` has ``unit`` whole."""
        return f" {unit} " in " " + " ".join(keyed(text, self.accented)) + " "


def _held(unit: str, padded: str) -> float:
    if not padded:
        return 0.0
    if f" {unit} " in padded:
        return 1.0
    words = unit.split()
    if len(words) == 1:
        return 0.0
    return sum(f" {a} {b} " in padded for a, b in zip(words, words[1:])) / (len(words) - 1)


def key_terms(question: str, pool: Sequence[str]) -> Terms:
    """Split the question's content into units, the longest runs that ``pool`` writes whole.

    ``pool`` is the text of the retrieved passages. A unit's weight is its rarity
    among them (``log(1 + (n+1)/(1+df)) + 0.2``) times its length in syllables, so a
    missing three-syllable term costs three times a missing syllable.

    >>> t = key_terms("Ban thanh tra nhân dân có mấy người?", ["Ban thanh tra nhân dân có 5 người."])
    >>> t.units
    ('ban thanh tra nhân dân',)
    >>> t.coverage("Ban chấp hành và nhân dân có 5 người.")
    0.25
    """
    accented = has_diacritics(question)
    words = keyed(question, accented)
    texts = [" " + " ".join(keyed(p, accented)) + " " for p in pool]
    units: list[str] = []
    i = 0
    while i < len(words):
        if not _content(words[i], accented):
            i += 1
            continue
        unit, step = words[i], 1
        for n in range(min(MAX_UNIT, len(words) - i), 1, -1):
            span = words[i:i + n]
            if not _content(span[-1], accented):
                continue
            phrase = " ".join(span)
            if any(f" {phrase} " in t for t in texts):
                unit, step = phrase, n
                break
        units.append(unit)
        i += step
    units = list(dict.fromkeys(units))
    n = len(texts)
    weights = [(math.log(1 + (n + 1) / (1 + sum(f" {u} " in t for t in texts))) + 0.2) * len(u.split()) for u in units]
    return Terms(tuple(units), tuple(weights), accented)
