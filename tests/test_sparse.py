from rag.sparse import encode_document, encode_query, term_id


def _score(query, doc):
    weights = dict(zip(doc.indices, doc.values))
    return sum(v * weights.get(i, 0.0) for i, v in zip(query.indices, query.values))


def test_term_ids_are_stable_32_bit():
    assert term_id("dân") == term_id("dân") and 0 <= term_id("dân") < 2**32


def test_accented_query_matches_the_accented_word_only():
    ma = encode_document("con ma trong truyện")
    ma_ = encode_document("mạ non ngoài đồng")
    q = encode_query("mạ")
    assert _score(q, ma_) > 0 and _score(q, ma) == 0


def test_unaccented_query_matches_accented_text():
    doc = encode_document("Xã phải công khai thông tin chậm nhất 05 ngày")
    other = encode_document("Hội nghị thôn tổ chức mỗi năm một lần")
    q = encode_query("xa phai cong khai thong tin")
    assert _score(q, doc) > 0 and _score(q, other) == 0


def test_tone_variants_share_terms():
    assert encode_query("hoà giải") == encode_query("hòa giải")
    assert encode_document("Uỷ ban") == encode_document("Ủy ban")


def test_bm25_saturation_and_length_normalisation():
    once = dict(zip(*(lambda v: (v.indices, v.values))(encode_document("dân " + "x " * 50))))
    many = dict(zip(*(lambda v: (v.indices, v.values))(encode_document("dân " * 10 + "x " * 41))))
    dan = term_id("dân")
    assert once[dan] < many[dan] < 1.2 + 1
