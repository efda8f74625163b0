"""Document metadata: a front-matter block, else the document's own header.

:func:`front_matter` reads an optional ``---`` YAML block at the top of a text file
(``title``, ``number``/``so_hieu``, ``date``/``ngay``, ``issuer``/``co_quan``, ``type``/``loai``).
:func:`from_header` reads the same facts from the title block of a Vietnamese administrative or
Party document (layout of Nghị định 30/2020/NĐ-CP Phụ lục I and Hướng dẫn 36-HD/VPTW):

* số hiệu -- ``10/2022/QH15``, ``06/2022/TT-BLĐTBXH``, ``126/NQ-CP``, ``290-QĐ/TW``,
  ``15-KH/BDVTU``, ``12/VBHN-BTC`` -- from the "Số:" line (the first 25 lines, else the last
  25 lines, where a văn bản hợp nhất carries it);
* date -- "<địa danh>, ngày 12 tháng 6 năm 2022" -> ``12/06/2022``;
* doc_type and title -- the type line and the trích yếu under it: "QUY CHẾ" / "Phối hợp …"
  -> ``Quy chế`` and "Quy chế phối hợp …" (never the bare type);
* issuer -- the left column above "Số:" (the last line: the body that issues, not its parent).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

import yaml

from ingest.lines import DOC_TYPE_LINE, DOC_TYPES, _MOTTO, _NATIONAL, _RULE

__all__ = ["Meta", "front_matter", "from_header", "consolidated", "first_line", "NUMBER"]


@dataclass(frozen=True)
class Meta:
    """Facts about a document; ``""`` where unknown. ``date`` is dd/mm/yyyy."""

    title: str = ""
    number: str = ""
    date: str = ""
    issuer: str = ""
    doc_type: str = ""

    def over(self, other: "Meta") -> "Meta":
        """This meta with its empty fields taken from ``other``."""
        return replace(self, **{k: getattr(other, k) for k in self.__dataclass_fields__ if not getattr(self, k)})


_KEYS = {
    "title": "title", "tieu_de": "title", "trich_yeu": "title",
    "number": "number", "so_hieu": "number", "so": "number", "số hiệu": "number",
    "date": "date", "ngay": "date", "ngày": "date",
    "issuer": "issuer", "co_quan": "issuer", "cơ quan": "issuer", "co_quan_ban_hanh": "issuer",
    "type": "doc_type", "loai": "doc_type", "loại": "doc_type", "doc_type": "doc_type",
}
_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


def front_matter(text: str) -> tuple[Meta, str, str]:
    """``(meta, body, error)``: the ``---`` YAML block at the top of ``text`` and the rest.

    ``error`` is "" or why the block could not be read (then ``meta`` is empty and ``body`` is
    the whole text). Unknown keys are ignored.

    >>> m, body, err = front_matter("---\\ntitle: Kế hoạch 15\\nso_hieu: 15-KH/BDVTU\\ndate: 2024-03-05\\n---\\nNội dung")
    >>> m.title, m.number, m.date, body
    ('Kế hoạch 15', '15-KH/BDVTU', '05/03/2024', 'Nội dung')
    """
    match = _FRONT.match(text)
    if not match:
        return Meta(), text, ""
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        return Meta(), text, f"front matter is not valid YAML ({str(exc).splitlines()[0]})"
    if not isinstance(data, dict):
        return Meta(), text, "front matter must be 'key: value' lines"
    fields: dict[str, str] = {}
    for key, value in data.items():
        name = _KEYS.get(str(key).strip().lower())
        if name and value is not None:
            fields[name] = _date(value) if name == "date" else str(value).strip()
    return Meta(**fields), text[match.end():], ""


def _date(value: object) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%d/%m/%Y")
    text = str(value).strip()
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if iso:
        return f"{int(iso[3]):02d}/{int(iso[2]):02d}/{iso[1]}"
    dmy = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    return f"{int(dmy[1]):02d}/{int(dmy[2]):02d}/{dmy[3]}" if dmy else text


# -- the header -------------------------------------------------------------------------------
_CODE = r"[A-ZĐ][A-ZĐ0-9]*(?:[-–][A-ZĐ0-9]+)*"
#: A số hiệu: state style (10/2022/QH15, 126/NQ-CP, 12/VBHN-BTC) or Party style (290-QĐ/TW).
NUMBER = re.compile(
    rf"\b\d{{1,5}}(?:\.\d{{1,3}})?(?:/\d{{4}})?/{_CODE}(?:/{_CODE})?(?![\w/])"
    rf"|\b\d{{1,5}}-{_CODE}/{_CODE}(?:/{_CODE})?(?![\w/])"
)
_NUMBER_LINE = re.compile(r"^(?:Số|SỐ|Luật số|Số hiệu|Số ký hiệu)\s*:?\s*(?=\d)")
_DATE = re.compile(r"(?:^|,\s*|\s)ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_PLACE_DATE = re.compile(r"[A-ZĐÀ-Ỹ][^,\n]{1,40},\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_BODY_START = re.compile(r"^(?:Căn cứ|Chương\s|Điều\s+\d|Phần\s|Mục\s|[IVX]{1,5}\.\s|\d{1,2}\.\s|Thực hiện|Kính gửi|"
                         r"Thông tư số|Nghị định số|Luật số|Nghị quyết số|Quyết định số)")
_FIRST_BODY = re.compile(r"^(?:Căn cứ|Chương\s|Điều\s+\d|Phần\s|Mục\s|[IVX]{1,5}\.\s|\d{1,2}\.\s|Kính gửi)")
_TYPE_NAMES = {t.upper(): t for t in DOC_TYPES}
_ENACTING = re.compile(r"^(?:CHÍNH PHỦ|QUỐC HỘI|BỘ TRƯỞNG|CHỦ TỊCH|THỦ TƯỚNG|ỦY BAN|UỶ BAN|BAN |HỘI ĐỒNG|QUYẾT ĐỊNH:|"
                       r"QUYẾT NGHỊ:|NGHỊ QUYẾT:|CHỈ THỊ:|[A-ZĐ ]+:$)")
_INLINE_TYPE = re.compile(r"^(" + "|".join(sorted(_TYPE_NAMES, key=len, reverse=True)) + r")\s+([a-zđà-ỹ].{5,})$")
_PROPER_TYPES = {"Luật", "Bộ luật", "Pháp lệnh", "Hiến pháp"}
_ISSUERS = {  # capitalisation of common issuers (the rest: sentence case)
    "CHÍNH PHỦ": "Chính phủ", "QUỐC HỘI": "Quốc hội", "THỦ TƯỚNG CHÍNH PHỦ": "Thủ tướng Chính phủ",
    "ỦY BAN THƯỜNG VỤ QUỐC HỘI": "Ủy ban Thường vụ Quốc hội", "BỘ CHÍNH TRỊ": "Bộ Chính trị",
    "BAN CHẤP HÀNH TRUNG ƯƠNG": "Ban Chấp hành Trung ương", "BAN BÍ THƯ": "Ban Bí thư",
    "BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI": "Bộ Lao động - Thương binh và Xã hội",
    "BỘ KẾ HOẠCH VÀ ĐẦU TƯ": "Bộ Kế hoạch và Đầu tư", "BỘ KHOA HỌC VÀ CÔNG NGHỆ": "Bộ Khoa học và Công nghệ",
    "BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH": "Bộ Văn hóa, Thể thao và Du lịch", "BỘ GIÁO DỤC VÀ ĐÀO TẠO": "Bộ Giáo dục và Đào tạo",
    "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG": "Bộ Nông nghiệp và Môi trường", "BỘ NỘI VỤ": "Bộ Nội vụ",
    "MẶT TRẬN TỔ QUỐC VIỆT NAM": "Mặt trận Tổ quốc Việt Nam",
}


def _sentence_case(text: str) -> str:
    text = text.strip()
    if not text or text.upper() != text:
        return text
    lower = text.lower()
    return lower[0].upper() + lower[1:]


def _issuer_name(lines: list[str]) -> str:
    """The issuer of a header's upper-case lines, in the case a reader writes it.

    >>> _issuer_name(["ỦY BAN NHÂN DÂN XÃ ĐỒNG SEN THỬ"]), _issuer_name(["UBND THÀNH PHỐ HỒ CHÍ MINH"])
    ('Ủy ban nhân dân xã Đồng Sen Thử', 'Ủy ban nhân dân thành phố Hồ Chí Minh')
    """
    if not lines:
        return ""
    joined = [lines[0]]
    for line in lines[1:]:  # "BỘ LAO ĐỘNG - THƯƠNG BINH" / "VÀ XÃ HỘI" is one name wrapped
        if re.match(r"^(?:VÀ|-|–|,)\s", line) or joined[-1].rstrip().endswith(("-", "–", ",")):
            joined[-1] += " " + line
        else:
            joined.append(line)
    name = re.sub(r"\s+", " ", joined[-1]).strip(" *")
    name = re.sub(r"\s*[-–]\s*", " - ", name)
    key = name.upper().replace("HOÀ", "HÒA")
    if key in _ISSUERS:
        return _ISSUERS[key]
    if re.match(r"^UBND\b", key):
        name = "ỦY BAN NHÂN DÂN" + name[4:]
    name = _sentence_case(name)
    for proper in ("Quốc hội", "Chính phủ", "Công Thương", "Trung ương", "Mặt trận Tổ quốc"):
        name = re.sub(re.escape(proper), proper, name, flags=re.IGNORECASE)
    words = name.split(" ")
    # Organ names keep a capital on their head word ("Bộ Tài chính", "Sở Nội vụ"), place names
    # after xã/huyện/tỉnh... keep theirs ("xã Phú Thịnh").
    if len(words) > 1 and words[0].lower() in {"bộ", "sở", "ban", "cục", "tổng"}:
        words[1] = words[1][:1].upper() + words[1][1:]
    # A place name runs to the end of the issuer ("xã Đồng Sen Thử", "thành phố Hồ Chí Minh").
    places = {"xã", "phường", "huyện", "quận", "tỉnh", "phố", "trấn"}
    first = next((i for i in range(1, len(words)) if words[i - 1].lower() in places), len(words))
    for i in range(first, len(words)):
        words[i] = words[i][:1].upper() + words[i][1:]
    return " ".join(words)


def _title(doc_type: str, lines: list[str]) -> str:
    summary = " ".join(line.strip() for line in lines).strip()
    if not summary:
        return doc_type
    summary = _sentence_case(summary) if summary.upper() == summary else summary
    if doc_type in _PROPER_TYPES:
        return f"{doc_type} {summary}"
    return f"{doc_type} {summary[0].lower()}{summary[1:]}"


def from_header(text: str) -> Meta:
    """Số hiệu, date, type, title and issuer read from the title block of ``text``.

    >>> m = from_header("UBND XÃ PHÚ THỊNH\\nSố: 12/QC-UBND\\nPhú Thịnh, ngày 5 tháng 3 năm 2024\\n"
    ...                 "QUY CHẾ\\nPhối hợp công tác\\nĐiều 1. Phạm vi")
    >>> m.number, m.date, m.doc_type, m.title, m.issuer
    ('12/QC-UBND', '05/03/2024', 'Quy chế', 'Quy chế phối hợp công tác', 'Ủy ban nhân dân xã Phú Thịnh')
    """
    lines = [line.strip().lstrip("#").strip().strip("*_").strip() for line in text[:6000].split("\n")][:40]
    lines = [line for line in lines if line]
    head = lines[:25]
    type_at = next((i for i, line in enumerate(head) if DOC_TYPE_LINE.match(line)), -1)
    number = ""
    number_at = -1
    for i, line in enumerate(head if type_at < 0 else head[: type_at + 1]):
        found = _NUMBER_LINE.search(line)
        if found:
            match = NUMBER.match(line, found.end())
            if match:
                number, number_at = match.group(0), i
                break
    if not number:
        tail = [line.strip() for line in text[-3000:].split("\n")][-25:]
        for line in tail:
            found = _NUMBER_LINE.search(line)
            match = NUMBER.match(line, found.end()) if found else None
            if match:
                number = match.group(0)
                break
    date = ""
    zone = head if type_at < 0 else head[: type_at + 1]
    for line in zone:
        match = _PLACE_DATE.search(line) or (_DATE.search(line) if _NUMBER_LINE.search(line) else None)
        if match:
            date = f"{int(match[1]):02d}/{int(match[2]):02d}/{match[3]}"
            break
    doc_type = title = ""
    if type_at < 0:  # "BÁO CÁO kết quả …": the type and the trích yếu on one line
        for line in head[:3]:
            inline = _INLINE_TYPE.match(line)
            if inline:
                doc_type = _TYPE_NAMES[inline.group(1)]
                title = _title(doc_type, [inline.group(2)])
                break
    if type_at >= 0:
        raw_type = re.sub(r"\d+$", "", head[type_at])
        doc_type = _TYPE_NAMES.get(raw_type, _sentence_case(raw_type))
        summary: list[str] = []
        for line in lines[type_at + 1: type_at + 6]:
            caps = line.upper() == line and any(c.isalpha() for c in line)
            if (_BODY_START.match(line) if summary else _FIRST_BODY.match(line)) or _RULE.match(line) or line.startswith("("):
                break
            if caps and (summary and summary[-1].upper() != summary[-1] or _ENACTING.match(line)):
                break  # "CHÍNH PHỦ" / "QUYẾT ĐỊNH:" under the trích yếu; a Luật's name is in capitals
            if not caps and summary and summary[-1].upper() == summary[-1]:
                break  # a name in capitals does not go on in lower case
            summary.append(line)
        title = _title(doc_type, summary)
    issuer_lines: list[str] = []
    stop = number_at if number_at >= 0 else type_at
    for line in head[: max(stop, 0)]:
        rest = _MOTTO.sub(" ", _NATIONAL.sub(" ", line)).strip()
        if not rest or _RULE.match(rest) or not any(c.isalpha() for c in rest) or rest.upper() != rest:
            continue
        rest = re.sub(r"\s*XÁC THỰC VĂN BẢN HỢP NHẤT\s*", " ", rest).strip()
        if not rest or re.match(r"^(?:VĂN BẢN|CÔNG BÁO)", rest) or any(c.isdigit() for c in rest):
            continue
        issuer_lines.append(rest)
    issuer = _issuer_name(issuer_lines) if (stop > 0 and issuer_lines) else ""
    return Meta(title=title, number=number, date=date, issuer=issuer, doc_type=doc_type)


_VBHN = re.compile(r"^(?P<issuer>[^\n]*?)\s*XÁC THỰC VĂN BẢN HỢP NHẤT\s*\n(?P<more>(?:[^\n]*\n){0,2}?)"
                   r"Số\s*:?\s*(?P<number>\d{1,5}/VBHN-[A-ZĐ0-9-]+)(?P<rest>[^\n]*)", re.MULTILINE)


def consolidated(text: str) -> Meta | None:
    """The facts of a văn bản hợp nhất, from its "XÁC THỰC VĂN BẢN HỢP NHẤT" block, or None.

    A consolidated text opens with the title block of the document it consolidates; its own
    number, date and issuer are in the authentication block at the end.

    >>> consolidated("…\\nBỘ TÀI CHÍNH XÁC THỰC VĂN BẢN HỢP NHẤT\\nSố: 12/VBHN-BTC Hà Nội, ngày 22 tháng 4 năm 2026\\n")
    Meta(title='', number='12/VBHN-BTC', date='22/04/2026', issuer='Bộ Tài chính', doc_type='Văn bản hợp nhất')
    """
    match = _VBHN.search(text)
    if not match:
        return None
    date = _DATE.search(match.group("rest"))
    issuer = match.group("issuer").strip()
    more = [line.strip() for line in match.group("more").split("\n") if line.strip()]
    if more and re.match(r"^(?:VÀ|-|–)\s", more[0]):  # "BỘ LAO ĐỘNG - THƯƠNG BINH" / "VÀ XÃ HỘI"
        issuer += " " + more[0]
    return Meta(number=match.group("number"),
                date=f"{int(date[1]):02d}/{int(date[2]):02d}/{date[3]}" if date else "",
                issuer=_issuer_name([issuer]) if issuer and issuer.upper() == issuer else "",
                doc_type="Văn bản hợp nhất")


def first_line(text: str, fallback: str) -> str:
    """The first non-empty line of ``text`` (markdown "#" removed, 300 characters at most), else ``fallback``."""
    for line in text.split("\n"):
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:300]
    return fallback
