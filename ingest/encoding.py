"""Text bytes -> Unicode: BOMs, UTF-16, Windows-1258 and the legacy Vietnamese font encodings.

:func:`decode` turns the bytes of a text file into a ``str``; :func:`fix_legacy` turns text
typed in a legacy font encoding but already stored as Unicode ("nh©n d©n x·", the usual result
of opening a .VnTime file in a Unicode editor) back into real Vietnamese. Both return the name
of what they recognised, so callers can log it.

Tables
------
* **TCVN3 (ABC, .VnTime fonts)** -- TCVN 5712:1993, repertoire VN3. VN3 is the 0xA1..0xFF half
  of VN1, which glibc ships as the ``TCVN5712-1`` iconv converter; ``tests/test_encoding.py``
  checks this table against ``iconv -f TCVN5712-1`` byte by byte where iconv is installed.
  VN3 has no code for capital letters with a tone mark: the "H" fonts (.VnTimeH) print the
  lower-case codes as capitals, so a word whose ASCII letters are all capitals is upper-cased.
* **VNI (VNI-Windows fonts)** -- a base letter followed by one or two mark bytes
  (``a`` + ``ø`` = à, ``a`` + ``ê`` + ``ù`` is not used: ``aé`` = ắ); the layout of
  ``vni.h`` in xvnkb (Dao Hai Lam, 2002), the table Unikey and VietKey converters share.
* **Windows-1258** -- Python's ``cp1258`` codec; its combining tone marks are composed by NFC.

Detection never converts clean Unicode: a conversion is kept only when it makes clearly more
words valid Vietnamese syllables (see :func:`vietnamese_score`) and the result is mostly valid.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["decode", "fix_legacy", "vietnamese_score", "to_tcvn3", "to_vni", "DecodeError"]


class DecodeError(ValueError):
    """Bytes that are not text in any encoding we know; the message says why."""


# -- TCVN3 (VN3) -------------------------------------------------------------------------------
# byte value -> character, 0xA1..0xFF. Positions VN3 leaves empty (VN1 capitals, combining marks)
# are absent.
_TCVN3_CODES = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}
TCVN3_TABLE = {chr(code): char for code, char in _TCVN3_CODES.items()}  # latin-1 char -> Unicode
_TO_TCVN3 = {char: code for code, char in _TCVN3_CODES.items()}

# -- VNI ---------------------------------------------------------------------------------------
# Mark bytes (shown as their Windows-1252 characters), lower-case form; the capital forms are
# the upper-case characters (ù -> Ù).
_VNI_TONES = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_HAT = {"â": "\u0302", "á": "\u0302\u0301", "à": "\u0302\u0300", "å": "\u0302\u0309",
            "ã": "\u0302\u0303", "ä": "\u0302\u0323"}
_VNI_BREVE = {"ê": "\u0306", "é": "\u0306\u0301", "è": "\u0306\u0300", "ú": "\u0306\u0309",
              "ü": "\u0306\u0303", "ë": "\u0306\u0323"}
# single characters that are whole letters in VNI
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"}


def _vni_table() -> dict[str, str]:
    table: dict[str, str] = {}

    def add(seq: str, text: str) -> None:
        text = unicodedata.normalize("NFC", text)
        table[seq] = text
        table[seq.upper()] = text.upper()

    for base in "aeouy":
        for mark, combining in _VNI_TONES.items():
            add(base + mark, base + combining)
    for base in "aeo":
        for mark, combining in _VNI_HAT.items():
            add(base + mark, base + combining)
    for mark, combining in _VNI_BREVE.items():
        add("a" + mark, "a" + combining)
    for single, text in _VNI_SINGLE.items():
        add(single, text)
    for horn, letter in (("ô", "ơ"), ("ö", "ư")):
        for mark, combining in _VNI_TONES.items():
            add(horn + mark, letter + combining)
    return table


VNI_TABLE = _vni_table()
_TO_VNI = {text: seq for seq, text in sorted(VNI_TABLE.items(), key=lambda kv: len(kv[0]))}
_VNI_PATTERN = re.compile("|".join(map(re.escape, sorted(VNI_TABLE, key=len, reverse=True))))

# -- how Vietnamese a text looks --------------------------------------------------------------
_ONSET = "(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x)?"
_SYLLABLE = re.compile(f"^{_ONSET}[aăâeêioôơuưy]{{1,3}}(?:ch|ng|nh|c|m|n|p|t)?$")
_TONE_MARKS = set("\u0300\u0301\u0303\u0309\u0323")
_EDGE = "\"'“”‘’()[]{}<>.,;:!?…-–—/\\*_#|=+%0123456789"


def _is_syllable(word: str) -> bool:
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = sum(ch in _TONE_MARKS for ch in decomposed)
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))
    return tones <= 1 and bool(_SYLLABLE.match(bare))


def vietnamese_score(text: str, limit: int = 200_000) -> tuple[int, int]:
    """``(valid, total)`` over the words of ``text`` that hold a non-ASCII character.

    A word is valid when it is one Vietnamese syllable (onset, 1-3 vowels, coda, at most one
    tone mark). Only the first ``limit`` characters are looked at.

    >>> vietnamese_score("Ủy ban nhân dân xã")
    (4, 4)
    >>> vietnamese_score("nh©n d©n x·")
    (0, 3)
    """
    valid = total = 0
    for raw in text[:limit].split():
        word = raw.strip(_EDGE)
        if not word or word.isascii():
            continue
        total += 1
        valid += _is_syllable(word)
    return valid, total


def _tcvn3_to_unicode(text: str) -> str:
    """Map TCVN3 code points (read as Latin-1/cp1252) to Unicode; all-capital words stay capital."""
    def word(match: re.Match[str]) -> str:
        token = match.group(0)
        converted = "".join(TCVN3_TABLE.get(ch, ch) for ch in token)
        letters = [ch for ch in token if ch.isascii() and ch.isalpha()]
        if letters and all(ch.isupper() for ch in letters) and (len(letters) > 1 or len(token) == 1):
            return converted.upper()
        if token[0] in TCVN3_TABLE and _opens_sentence(text, match.start()):
            return converted[0].upper() + converted[1:]  # VN3 has no code for "Ủ" at a sentence start
        return converted
    return _ORGANS.sub("Ủy ban", re.sub(r"\S+", word, text))


# VN3 has no "Ủ": organ names written in it lose their capital ("ủy ban nhân dân").
_ORGANS = re.compile(r"(?<!\w)ủy ban(?= (?:nhân dân|Mặt trận|MTTQ|Thường vụ|Kiểm tra|Trung ương|Dân tộc|bầu cử))")


def _opens_sentence(text: str, start: int) -> bool:
    before = text[max(0, start - 3):start].rstrip(" \t")
    return not before or before.endswith(("\n", ".", "!", "?", ")")) or bool(re.search(r"\n\d+\.$", before))


def _vni_to_unicode(text: str) -> str:
    return _VNI_PATTERN.sub(lambda m: VNI_TABLE[m.group(0)], text)


_LEGACY = {"TCVN3": _tcvn3_to_unicode, "VNI": _vni_to_unicode}
# characters that legacy text shows and clean Vietnamese never needs (Latin-1 letters and signs
# outside the Vietnamese alphabet); without any, no conversion is tried.
_VIETNAMESE_LATIN1 = set("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý")
_FOREIGN = re.compile("[" + "".join(
    chr(c) for c in range(0xA1, 0x100) if chr(c) not in _VIETNAMESE_LATIN1) + "]")


def fix_legacy(text: str) -> tuple[str, str]:
    """``(text, encoding)``: TCVN3/VNI text stored as Unicode converted back; ``""`` when clean.

    A conversion is kept only when the text shows characters clean Vietnamese never uses,
    and converting makes clearly more of its words valid syllables (at least 3 more, and
    at least 30 % of the non-ASCII words more) with 80 % of them valid afterwards.

    >>> fix_legacy("Uû ban nh©n d©n x· tr¶ lêi")
    ('Uỷ ban nhân dân xã trả lời', 'TCVN3')
    >>> fix_legacy("Ủy ban nhân dân xã © 2024")
    ('Ủy ban nhân dân xã © 2024', '')
    """
    sample = text[:20_000]
    foreign = len(_FOREIGN.findall(sample))
    if foreign < 3 or foreign < 0.01 * len(sample):  # legacy text shows one in most words
        return text, ""
    before, total = vietnamese_score(sample)
    best, best_valid, best_total = "", before, total
    for name, convert in _LEGACY.items():
        valid, n = vietnamese_score(convert(sample))
        if valid > best_valid and n:
            best, best_valid, best_total = name, valid, n
    gain = best_valid - before
    if best and gain >= 3 and gain >= 0.3 * total and best_valid >= 0.8 * best_total:
        return _LEGACY[best](text), best
    return text, ""


def to_tcvn3(text: str) -> bytes:
    """Unicode -> TCVN3 bytes (capitals with tone marks written as their lower-case codes).

    Builds test fixtures. Raises ``UnicodeEncodeError`` for characters outside TCVN3.
    """
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        code = _TO_TCVN3.get(ch, _TO_TCVN3.get(ch.lower()))
        if code is not None:
            out.append(code)
        else:
            out += ch.encode("latin-1")
    return bytes(out)


def to_vni(text: str) -> bytes:
    """Unicode -> VNI-Windows bytes (mark bytes as in Windows-1252); builds test fixtures."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        out.append(_TO_VNI.get(ch, ch))
    return "".join(out).encode("cp1252")


# -- bytes ------------------------------------------------------------------------------------
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _utf16_without_bom(raw: bytes) -> str | None:
    head = raw[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) / 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def decode(raw: bytes) -> tuple[str, str]:
    """``(text, encoding)`` of a text file's bytes; text NFC, legacy fonts converted.

    ``encoding`` is e.g. ``"utf-8"``, ``"utf-16-le"``, ``"windows-1258"``, ``"TCVN3"``,
    ``"utf-8+TCVN3"`` (TCVN3 text saved as UTF-8).

    Raises:
        DecodeError: binary data (NUL or control bytes) or bytes no known encoding reads.
    """
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return unicodedata.normalize("NFC", raw.decode(codec).lstrip("\ufeff")), codec.replace("-sig", "")
            except UnicodeDecodeError as exc:
                raise DecodeError(f"starts with a {codec.upper()} byte-order mark but byte {exc.start} "
                                  f"is not {codec.upper()}") from None
    codec = _utf16_without_bom(raw)
    if codec:
        try:
            return unicodedata.normalize("NFC", raw.decode(codec)), codec
        except UnicodeDecodeError:
            pass
    if b"\x00" in raw[:65536]:
        raise DecodeError("chứa byte NUL: đây là tệp nhị phân (hoặc UTF-16 không có BOM), không phải văn bản")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        _check_control(text)
        fixed, legacy = fix_legacy(text)
        return unicodedata.normalize("NFC", fixed), f"utf-8+{legacy}" if legacy else "utf-8"
    latin = raw.decode("latin-1")
    _check_control(latin)
    candidates = [(latin, "latin-1")]
    candidates += [(convert(latin), name) for name, convert in _LEGACY.items()]
    try:
        candidates.append((unicodedata.normalize("NFC", raw.decode("cp1258")), "windows-1258"))
    except UnicodeDecodeError:
        pass
    scored = [(vietnamese_score(text)[0], vietnamese_score(text)[1], text, name) for text, name in candidates]
    valid, total, text, name = max(scored, key=lambda s: s[0])
    if name == "latin-1" or valid < 3 or valid < 0.7 * total:
        if sum(b >= 0x80 for b in raw[:65536]) < 0.005 * min(len(raw), 65536):
            try:  # ASCII text with a stray "é" or "©" from a Windows editor
                return raw.decode("cp1252"), "windows-1252"
            except UnicodeDecodeError:
                pass
        raise DecodeError("không phải UTF-8, UTF-16 hay một bảng mã tiếng Việt cũ nhận ra được "
                          "(đã thử Windows-1258, TCVN3/ABC, VNI)")
    return unicodedata.normalize("NFC", text), name


def _check_control(text: str) -> None:
    sample = text[:65536]
    if sample and len(_CONTROL.findall(sample)) > 0.01 * len(sample):
        raise DecodeError("chứa nhiều byte điều khiển: đây là tệp nhị phân, không phải văn bản")
