import unicodedata

from rag.text import clean, has_diacritics, normalize, sentences, strip_accents, syllables


def test_nfd_and_nfc_normalise_to_the_same_text():
    nfd = unicodedata.normalize("NFD", "Ủy ban Mặt trận Tổ quốc")
    assert nfd != "Ủy ban Mặt trận Tổ quốc"
    assert normalize(nfd) == "Ủy ban Mặt trận Tổ quốc"


def test_old_and_new_tone_placement_agree():
    pairs = [("hoà giải", "hòa giải"), ("Uỷ ban", "Ủy ban"), ("khoẻ mạnh", "khỏe mạnh"), ("thuỷ lợi", "thủy lợi")]
    for old, new in pairs:
        assert normalize(old) == normalize(new) == new


def test_tone_placement_leaves_correct_words_alone():
    for word in ["hoàn thành", "quý", "quỳnh", "khuyến khích", "thuyền", "toàn dân"]:
        assert normalize(word) == word


def test_clean_handles_nbsp_zero_width_and_blank_lines():
    raw = "Điều\u00a05.\u200b  Công khai\r\n\r\n\r\n\r\nNội dung\u00ad"
    assert clean(raw) == "Điều 5. Công khai\n\nNội dung"


def test_syllables_keep_document_numbers_whole():
    assert syllables("Nghị định 59/2023/NĐ-CP") == ["nghị", "định", "59/2023/nđ-cp"]


def test_strip_accents_and_detection():
    assert strip_accents("Đảng ủy xã") == "Dang uy xa"
    assert not has_diacritics("xa phai cong khai")
    assert has_diacritics("xã")


def test_sentences_keep_numbering_with_their_text():
    text = "Điều 3. Nguyên tắc\n1. Bảo đảm công khai. Dân biết, dân bàn.\na) Niêm yết tại trụ sở"
    assert [text[a:b] for a, b in sentences(text)] == [
        "Điều 3. Nguyên tắc",
        "1. Bảo đảm công khai.",
        "Dân biết, dân bàn.",
        "a) Niêm yết tại trụ sở",
    ]


def test_locate_names_the_clause_above_a_position():
    from rag.text import locate

    law = "Điều 12. Công khai\n1. Xã công khai chậm nhất 05 ngày.\n2. Hình thức:\na) Niêm yết;\nb) Loa truyền thanh."
    assert locate(law, law.index("Xã")) == "khoản 1 Điều 12"
    assert locate(law, law.index("Loa")) == "điểm b khoản 2 Điều 12"
    assert locate("Nội dung tiếp theo.", 0, heading="Điều 7. Họp dân") == "Điều 7"
    plan = "II. NHIỆM VỤ\n1. Tuyên truyền\na) Tổ chức hội nghị.\nIII. TỔ CHỨC THỰC HIỆN\nBan Dân vận chủ trì."
    assert locate(plan, plan.index("Tổ chức hội")) == "mục II.1.a"
    assert locate(plan, plan.index("Ban Dân")) == "mục III"
    assert locate("Chương II\nĐiều 5. Phạm vi\nNội dung", 30) == "Điều 5"
    assert locate("Văn bản không có đề mục.", 5) == ""


def test_the_eth_that_stands_for_d_stroke_is_read_as_it():
    # "Ðiều 40", "Bộ Giáo Dục và Ðào Tạo": U+00D0 from old fonts, in Pháp điển and the gazette
    from rag.text import clean, normalize, strip_accents, syllables

    assert clean("khoản 1 Ðiều 40") == "khoản 1 Điều 40" and normalize("ðồng") == "đồng"
    assert syllables(normalize("Ðào Tạo")) == syllables(normalize("Đào Tạo")) and strip_accents("Ðiều") == "Dieu"


def test_a_hyphen_of_another_code_point_inside_a_so_hieu_is_the_ascii_one():
    from rag.query import parse
    from rag.text import clean

    assert clean("Nghị định 155/2018/NĐ\u2011CP và 08/2010/TT\u2013BYT") == "Nghị định 155/2018/NĐ-CP và 08/2010/TT-BYT"
    assert clean("Thanh niên \u2013 Điều 5") == "Thanh niên \u2013 Điều 5"  # a dash between words stays
    assert clean("giai đoạn 2021\u20132025") == "giai đoạn 2021\u20132025"  # and between years
    assert parse("Nghị định 155/2018/NĐ-CP quy định gì?").numbers[0].matches(clean("155/2018/NĐ\u2011CP"))
