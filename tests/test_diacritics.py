"""Diacritic restoration: a syllable bigram model learned from the collection, decoded by Viterbi."""

from __future__ import annotations

from rag.diacritics import Restorer
from rag.text import strip_accents

CORPUS = [
    "Ủy ban nhân dân xã công khai thông tin chậm nhất là 05 ngày làm việc.",
    "Tổ hòa giải có từ 03 hòa giải viên trở lên.",
    "Công dân có quyền khiếu nại quyết định hành chính.",
    "Ban thanh tra nhân dân giám sát việc thực hiện dân chủ ở cơ sở.",
    "Mạ non ngoài đồng; con ma trong truyện.",
]


def test_restores_a_question_typed_without_diacritics():
    r = Restorer.train(CORPUS)
    assert r.restore("uy ban nhan dan xa cong khai thong tin") == "ủy ban nhân dân xã công khai thông tin"
    assert r.restore("Cong dan co quyen khieu nai") == "Công dân có quyền khiếu nại"


def test_typed_diacritics_are_kept_and_context_decides_the_rest():
    r = Restorer.train(CORPUS)
    assert r.restore("ban thanh tra nhân dan") == "ban thanh tra nhân dân"
    assert r.restore("Mạ non") == "Mạ non"  # typed marks are never changed
    assert r.restore("ma non ngoai dong") == "mạ non ngoài đồng"


def test_unknown_words_numbers_and_punctuation_pass_through():
    r = Restorer.train(CORPUS)
    assert r.restore("xyz 05/2025/TT-BNV, to hoa giai?") == "xyz 05/2025/TT-BNV, tổ hòa giải?"
    assert Restorer({}, {}).restore("xa phai") == "xa phai"


def test_round_trip_through_the_cache_file(tmp_path):
    r = Restorer.train(CORPUS)
    r.save(tmp_path / "m.json")
    again = Restorer.load(tmp_path / "m.json")
    assert again is not None and again.restore("to hoa giai") == "tổ hòa giải"
    assert Restorer.load(tmp_path / "missing.json") is None


def test_restoration_accuracy_on_the_training_text():
    r = Restorer.train(CORPUS)
    words = " ".join(CORPUS).split()
    restored = r.restore(strip_accents(" ".join(CORPUS))).split()
    assert sum(a.lower() == b.lower() for a, b in zip(words, restored)) / len(words) > 0.95
