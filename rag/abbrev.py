"""Abbreviations of Vietnamese administrative writing, read as the words they stand for.

Officers type "UBND xã", "MTTQ", "HĐND" where a document writes "Ủy ban nhân dân xã", "Mặt trận Tổ
quốc", "Hội đồng nhân dân", and a plan or a report abbreviates what a law spells out. A question is
read with its abbreviations spelled out (:func:`expand`); the lexical query also carries the
abbreviation of every full name in it (:func:`abbreviations_of`), so a passage that writes "UBND"
is found from "Ủy ban nhân dân" and the reverse; key-term coverage reads passages spelled out too.

Only abbreviations with one meaning in this field are listed (the forms in Nghị định 30/2020/NĐ-CP,
Phụ lục II, and in the Mặt trận's and Ban Dân vận's own documents). One that is part of a số hiệu
("01/QC-UBND", "25-NQ/TW") is never touched.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag.text import strip_accents

#: abbreviation (as written, upper case; an unaccented spelling is matched too) -> what it stands for
ABBREVIATIONS: dict[str, str] = {
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "UBMTTQVN": "Ủy ban Mặt trận Tổ quốc Việt Nam",
    "UBMTTQ": "Ủy ban Mặt trận Tổ quốc",
    "MTTQVN": "Mặt trận Tổ quốc Việt Nam",
    "MTTQ": "Mặt trận Tổ quốc",
    "BCĐ": "Ban Chỉ đạo",
    "QCDC": "quy chế dân chủ",
    "TTHC": "thủ tục hành chính",
    "CCHC": "cải cách hành chính",
    "BHXH": "bảo hiểm xã hội",
    "BHYT": "bảo hiểm y tế",
    "BHTN": "bảo hiểm thất nghiệp",
    "CBCCVC": "cán bộ, công chức, viên chức",
    "CBCC": "cán bộ, công chức",
    "ĐTNCS": "Đoàn Thanh niên Cộng sản",
    "HLHPN": "Hội Liên hiệp Phụ nữ",
    "HCCB": "Hội Cựu chiến binh",
    "KT-XH": "kinh tế - xã hội",
    "KTXH": "kinh tế - xã hội",
    "ANTT": "an ninh trật tự",
    "QP-AN": "quốc phòng - an ninh",
    "GPMB": "giải phóng mặt bằng",
    "NTM": "nông thôn mới",
    "TDP": "tổ dân phố",
    "KDC": "khu dân cư",
    "CAND": "Công an nhân dân",
    "QĐND": "Quân đội nhân dân",
    "TAND": "Tòa án nhân dân",
    "VKSND": "Viện kiểm sát nhân dân",
    "TTND": "Thanh tra nhân dân",
    "CNTT": "công nghệ thông tin",
    "CĐS": "chuyển đổi số",
}
# (a token touching "/", "-" or a digit is part of a số hiệu: "01/QC-UBND", "25-NQ/TW")
_EDGE_BEFORE = r"(?<![\w/\-.])"
_EDGE_AFTER = r"(?![\w/\-])"


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern, dict[str, tuple[str, str]]]:
    forms: dict[str, tuple[str, str]] = {}
    for short, full in ABBREVIATIONS.items():
        for form in {short, strip_accents(short).replace("đ", "d").replace("Đ", "D")}:
            forms[form.lower()] = (full, strip_accents(full))
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"{_EDGE_BEFORE}({alternatives}){_EDGE_AFTER}", re.IGNORECASE), forms


def expand(text: str, *, accented: bool | None = None) -> str:
    """``text`` with each abbreviation spelled out; written without diacritics when ``accented`` is
    False (an unaccented question: "ubnd xa" -> "uy ban nhan dan xa"), with them otherwise.

    A lower-case abbreviation counts only in a text without diacritics (someone typing on a bare
    keyboard); in a passage, "tdp" or "ntm" in lower case is no abbreviation.

    >>> expand("UBND xã phải công khai; Quy chế 01/QC-UBND")
    'Ủy ban nhân dân xã phải công khai; Quy chế 01/QC-UBND'
    >>> expand("ubnd xa cong khai may ngay", accented=False)
    'uy ban nhan dan xa cong khai may ngay'
    """
    pattern, forms = _patterns()
    if accented is None:
        accented = strip_accents(text) != text

    def spell(m: re.Match) -> str:
        token = m.group(1)
        if not token.isupper() and not any(c.isdigit() for c in token) and accented:
            return token
        full, bare = forms[token.lower()]
        if accented:
            return full
        return bare.lower() if token.islower() else bare

    return pattern.sub(spell, text)


def abbreviations_of(text: str) -> list[str]:
    """The abbreviations of the full names ``text`` writes (accents and case aside), so that a lexical
    query for "Ủy ban nhân dân" also finds "UBND".

    >>> abbreviations_of("Ủy ban nhân dân xã và Mặt trận Tổ quốc")
    ['UBND', 'MTTQ']
    """
    bare = " " + " ".join(re.findall(r"\w+", strip_accents(text).lower())) + " "
    out = []
    for short, full in ABBREVIATIONS.items():
        words = " " + " ".join(re.findall(r"\w+", strip_accents(full).lower())) + " "
        if words in bare and short not in out:
            out.append(short)
    return out
