"""Text bytes -> Unicode: BOMs, UTF-16, Windows-1258, TCVN3 and VNI (raw bytes and mojibake)."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from ingest.encoding import TCVN3_TABLE, DecodeError, decode, fix_legacy, to_tcvn3, to_vni

FIELD = Path(__file__).resolve().parents[1].parent / "shared" / "field-cases"
CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "corpus"

TEXT = ("Điều 4. Tiếp nhận và trả lời kiến nghị của Nhân dân\n"
        "2. Ủy ban nhân dân xã trả lời bằng văn bản trong thời hạn 10 ngày làm việc kể từ ngày "
        "nhận được kiến nghị; trường hợp phức tạp thì không quá 20 ngày. Người dân được hưởng ứng, "
        "giám sát việc thực hiện quy chế dân chủ ở cơ sở.")
_TONES = "\u0300\u0301\u0303\u0309\u0323"


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Word writes it: base letters precomposed (â, ơ, đ), tone marks combining."""
    out = []
    for cluster in re.findall(r".[\u0300-\u036f]*", unicodedata.normalize("NFD", text), re.DOTALL):
        tones = "".join(ch for ch in cluster if ch in _TONES)
        out.append(unicodedata.normalize("NFC", "".join(ch for ch in cluster if ch not in _TONES)) + tones)
    return "".join(out).encode("cp1258")


def test_tcvn3_table_matches_glibc_tcvn5712_1():
    if not shutil.which("iconv"):
        pytest.skip("iconv not installed")
    codes = bytes(sorted(ord(c) for c in TCVN3_TABLE))
    run = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=codes, capture_output=True, check=False)
    if run.returncode != 0:
        pytest.skip("iconv has no TCVN5712-1")
    assert run.stdout.decode("utf-8") == "".join(TCVN3_TABLE[chr(c)] for c in codes)


def test_tcvn3_bytes_are_detected_and_converted():
    # VN3 has no "Ủ": it is typed as "ủ" and restored as a capital where a sentence opens.
    text, encoding = decode(to_tcvn3(TEXT))
    assert encoding == "TCVN3"
    assert text == TEXT


def test_tcvn3_organ_names_get_their_capital_back():
    text = "Quy chế phối hợp giữa Ủy ban nhân dân xã và Ủy ban Mặt trận Tổ quốc xã"
    assert decode(to_tcvn3(text) * 2)[0] == text * 2


def test_tcvn3_capital_words_from_h_fonts_stay_capital():
    text, _ = decode(to_tcvn3("QUY CHẾ PHỐI HỢP\n" + TEXT))
    assert text.startswith("QUY CHẾ PHỐI HỢP\n")


def test_tcvn3_mojibake_saved_as_utf8_is_converted():
    mojibake = to_tcvn3(TEXT).decode("latin-1")
    assert "nh©n d©n x·" in mojibake
    text, encoding = decode(mojibake.encode("utf-8"))
    assert encoding == "utf-8+TCVN3" and text == TEXT


def test_vni_bytes_and_vni_mojibake_are_converted():
    capitalised = TEXT
    raw = to_vni(capitalised)
    assert "Nhaân daân" in raw.decode("cp1252")
    assert decode(raw) == (capitalised, "VNI")
    assert decode(raw.decode("cp1252").encode("utf-8")) == (capitalised, "utf-8+VNI")


def test_windows_1258_with_combining_marks_becomes_nfc():
    capitalised = TEXT
    text, encoding = decode(_cp1258(capitalised))
    assert encoding == "windows-1258" and text == capitalised
    assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_boms(codec):
    raw = TEXT.encode(codec)
    if codec == "utf-16-be":
        raw = b"\xfe\xff" + raw
    assert decode(raw)[0] == TEXT


def test_ascii_with_a_stray_windows_1252_sign_is_read():
    raw = ("Bao cao so lieu nam 2024 " * 20 + "gia tri \xa9 2024").encode("latin-1")
    assert decode(raw) == (raw.decode("cp1252"), "windows-1252")


def test_utf16_without_bom_is_recognised():
    assert decode(TEXT.encode("utf-16-le")) == (TEXT, "utf-16-le")


def test_binary_and_unknown_bytes_are_errors():
    with pytest.raises(DecodeError, match="tệp nhị phân"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    with pytest.raises(DecodeError, match="tệp nhị phân"):
        decode(bytes(range(1, 32)) * 40)
    with pytest.raises(DecodeError, match="không phải UTF-8"):
        decode(bytes(range(0x80, 0x100)) * 8)


def test_clean_unicode_is_never_converted():
    for text in (TEXT, "Hòa giải ở cơ sở © 2024 — «Dân biết, dân bàn» · 25°C · ½ số phiếu",
                 "Ông Nguyễn Văn Ân, ấp Đông Hòa, ô số 3; hoá đơn, thuỷ lợi, khoẻ"):
        assert fix_legacy(text) == (text, "")
        assert decode(text.encode("utf-8")) == (text, "utf-8")


def test_field_case_05_tcvn3_file():
    path = FIELD / "case05" / "docs" / "quy-che-vntime.txt"
    if not path.exists():
        pytest.skip("shared field cases not present")
    text, encoding = decode(path.read_bytes())
    assert encoding == "TCVN3"
    assert "Ủy ban nhân dân xã trả lời bằng văn bản trong thời hạn 10 ngày làm việc" in text
    assert "Điều 4. Tiếp nhận và trả lời kiến nghị" in text


def test_field_case_07_utf16_file():
    path = FIELD / "case07" / "docs" / "quy-che-notepad.txt"
    if not path.exists():
        pytest.skip("shared field cases not present")
    text, encoding = decode(path.read_bytes())
    assert encoding == "utf-16-le"
    assert "trong thời hạn 10 ngày làm việc" in text


def _records(path: Path):
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def test_detection_never_fires_on_the_shared_corpora():
    files = sorted(CORPORA.glob("*.jsonl*"))
    if not files:
        pytest.skip("shared corpora not present")
    fields = converted = 0
    for path in files:
        for record in _records(path):
            for key, value in record.items():
                if isinstance(value, str) and value:
                    fields += 1
                    if fix_legacy(value)[1]:
                        converted += 1
                        pytest.fail(f"{path.name} {record.get('doc_id')} field {key} would be converted")
    assert fields > 100_000 and converted == 0
