""""Đã hiểu câu hỏi là:" says how the question was read, briefly, and only what is true.

It echoed 2,000 characters of keyboard noise, and marked questions that name their own document
("Kế hoạch ngày 5/3 …", "Luật Tiếp công dân …") as "(nối tiếp câu hỏi: …)" of an unrelated
earlier question. The real pipeline over the shipped sample corpus, the hashing embedder.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import ingest
import rag
from fakes import HashingEmbedder
from ui.chat import UNDERSTOOD_CHARS, understood_question

ROOT = Path(__file__).resolve().parents[1]
EARLIER = [rag.Turn("user", "Xã phải công khai thông tin chậm nhất mấy ngày?"),
           rag.Turn("assistant", "Chậm nhất 05 ngày làm việc.")]


@pytest.fixture(scope="module")
def pipe(tmp_path_factory):
    settings = rag.Settings.from_env().replace(data_dir=tmp_path_factory.mktemp("understood"))
    embedder = HashingEmbedder()
    with rag.open_store(settings) as store:
        ingest.sync(settings, [ROOT / "corpus"], store=store, embedder=embedder)
        with rag.Pipeline(settings, store=store, embedder=embedder) as pipeline:
            yield pipeline


def _noise(seed: int, chars: int) -> str:
    rng = random.Random(seed)
    words = ("".join(rng.choice("bdfghjklqrvwxz") + rng.choice("aeiou") + rng.choice("qwrdfhjkl") * rng.randint(1, 3))
             for _ in range(chars))
    return " ".join(words)[:chars]


@pytest.mark.parametrize("junk", [
    _noise(1, 1800), _noise(2, 300), "a" * 2000, "!!!???" * 300, "asdf qwer zxcv hjkl", "xohd aopv q iud drq",
])
@pytest.mark.parametrize("history", [(), EARLIER], ids=["alone", "after-a-question"])
def test_keyboard_noise_is_not_echoed(pipe, junk, history):
    assert understood_question(pipe, junk, history) == ""


@pytest.mark.parametrize("question", [
    "xa phai cong khai thong tin cham nhat may ngay " * 45,
    "Ủy ban nhân dân xã phải công khai thông tin chậm nhất bao nhiêu ngày, " * 30,
])
def test_a_long_question_is_shown_cut(pipe, question):
    shown = understood_question(pipe, question, ())
    assert len(shown) <= UNDERSTOOD_CHARS, shown
    assert shown.endswith("…") or (shown == "" and question.startswith("Ủy"))  # as typed: nothing to say
    with_previous = understood_question(pipe, question, EARLIER)
    assert len(with_previous) <= 2 * UNDERSTOOD_CHARS + 40


@pytest.mark.parametrize("question", [
    "Kế hoạch ngày 5/3 có mấy nhiệm vụ?",
    "Báo cáo ngày 15/6/2026 nêu những hạn chế gì?",
    "Luật Tiếp công dân quy định gì?",
    "Quy chế phối hợp có mấy điều?",
    "Hướng dẫn Dân vận khéo áp dụng với ai?",
    "Nghị định 38/2022 quy định về vấn đề gì?",
])
def test_a_question_naming_its_own_document_is_no_follow_up(pipe, question):
    assert "nối tiếp" not in understood_question(pipe, question, EARLIER)
    assert pipe.query(question, EARLIER).previous is None


@pytest.mark.parametrize("question", [
    "Còn phường thì sao?", "Kế hoạch này có mấy nhiệm vụ?", "Thời hạn là bao lâu?", "Vậy ai chịu trách nhiệm?",
])
def test_a_real_follow_up_still_names_the_question_it_follows(pipe, question):
    shown = understood_question(pipe, question, EARLIER)
    assert shown.endswith("(nối tiếp câu hỏi: Xã phải công khai thông tin chậm nhất mấy ngày?)"), shown
