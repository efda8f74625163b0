"""A số hiệu typed with D for Đ (``TT-BLDTBXH``, ``ND-CP``, ``QD-UBND``) inside an otherwise accented
question names its document: it is resolved to the số hiệu of the collection, so the question is
answered from it and not refused for a number "no passage mentions". Ten questions (issue 18,
"Kinds said fixed that fail on new inputs")."""

from __future__ import annotations

from kinds import ask_all, verdict, write_jsonl
from rag.catalog import Catalog, DocMeta
from rag.diacritics import Restorer
from rag.query import parse


def _doc(doc_id, number, doc_type, title, text, date="01/03/2026", issuer="Ủy ban nhân dân tỉnh Hòa Bình"):
    return {"doc_id": doc_id, "number": number, "type": doc_type, "title": title, "text": text, "date": date,
            "issuer": issuer}


DOCS = [
    _doc("tt-can-ngheo", "12/2025/TT-BLĐTBXH", "Thông tư", "Thông tư hướng dẫn hỗ trợ hộ cận nghèo",
         "Điều 1. Phạm vi điều chỉnh\nThông tư này hướng dẫn mức hỗ trợ đóng bảo hiểm y tế cho hộ cận nghèo.\n"
         "Điều 2. Mức hỗ trợ\nHộ cận nghèo được hỗ trợ 70% mệnh giá thẻ bảo hiểm y tế.",
         issuer="Bộ Lao động - Thương binh và Xã hội"),
    _doc("tt-btc", "12/2025/TT-BTC", "Thông tư", "Thông tư hướng dẫn quản lý kinh phí hỗ trợ",
         "Điều 1. Phạm vi điều chỉnh\nThông tư này hướng dẫn quản lý kinh phí hỗ trợ.\n"
         "Điều 2. Mức hỗ trợ\nKinh phí hỗ trợ được cấp theo quý, tối đa 40% dự toán năm.", issuer="Bộ Tài chính"),
    _doc("nd-tro-giup", "45/2024/NĐ-CP", "Nghị định", "Nghị định về chính sách trợ giúp xã hội",
         "Điều 1. Phạm vi điều chỉnh\nNghị định này quy định chính sách trợ giúp xã hội đối với đối tượng bảo trợ.\n"
         "Điều 2. Mức chuẩn\nMức chuẩn trợ giúp xã hội là 500.000 đồng một tháng.\n"
         "Điều 3. Đối tượng hưởng trợ cấp hằng tháng\nNgười cao tuổi từ đủ 80 tuổi trở lên không có lương hưu được "
         "hưởng trợ cấp xã hội hằng tháng.", issuer="Chính phủ"),
    _doc("qd-dan-van", "15/2026/QĐ-UBND", "Quyết định", "Quyết định giao nhiệm vụ công tác dân vận",
         "Điều 1. Giao nhiệm vụ\nGiao Văn phòng Ủy ban nhân dân tỉnh chủ trì theo dõi công tác dân vận chính quyền.\n"
         "Điều 2. Báo cáo\nCác sở, ngành báo cáo kết quả công tác dân vận trước ngày 15 tháng 12 hằng năm."),
    _doc("kh-dan-van", "15/2026/KH-UBND", "Kế hoạch", "Kế hoạch tuyên truyền công tác dân vận",
         "Tổ chức 04 hội nghị tuyên truyền công tác dân vận trong năm 2026; báo cáo trước ngày 30 tháng 11."),
    _doc("nq-thon", "08/2025/NQ-HĐND", "Nghị quyết", "Nghị quyết về hỗ trợ thôn xây dựng nhà văn hóa",
         "Điều 1. Mức hỗ trợ\nMỗi thôn xây dựng mới nhà văn hóa được hỗ trợ 300.000.000 đồng từ ngân sách tỉnh.",
         issuer="Hội đồng nhân dân tỉnh Hòa Bình"),
    _doc("kh-chi-bo", "21-KH/ĐU", "Kế hoạch", "Kế hoạch sinh hoạt chuyên đề năm 2026",
         "Mỗi chi bộ tổ chức ít nhất 02 buổi sinh hoạt chuyên đề về công tác dân vận trong năm 2026.",
         issuer="Đảng ủy xã Hòa Phú"),
    _doc("qd-cong-nhan", "102/QĐ-BLĐTBXH", "Quyết định", "Quyết định công nhận xã đạt chuẩn an sinh",
         "Điều 1. Công nhận 27 xã đạt chuẩn an sinh xã hội năm 2025.", issuer="Bộ Lao động - Thương binh và Xã hội"),
    _doc("ttlt-chi", "03/2026/TTLT-BLĐTBXH-BTC", "Thông tư liên tịch", "Thông tư liên tịch hướng dẫn mức chi hỗ trợ",
         "Điều 1. Mức chi\nMức chi hỗ trợ tổ chức hội nghị ở thôn tối đa 2.000.000 đồng một cuộc."),
    # a file typed on a bare keyboard: the số hiệu has D, the question Đ
    _doc("qd-bare", "09/2026/QD-UBND", "Quyết định", "Quyết định về tổ chức ngày hội đại đoàn kết",
         "Điều 1. Mỗi khu dân cư tổ chức ngày hội đại đoàn kết toàn dân tộc trước ngày 18 tháng 11 hằng năm."),
]

QUESTIONS = [
    ("Theo Thông tư 12/2025/TT-BLDTBXH, hộ cận nghèo được hỗ trợ bao nhiêu phần trăm mệnh giá thẻ bảo hiểm y tế?",
     "tt-can-ngheo", ("70%",)),
    ("Nghị định 45/2024/ND-CP quy định mức chuẩn trợ giúp xã hội là bao nhiêu?", "nd-tro-giup", ("500.000 đồng",)),
    ("Điều 2 Quyết định 15/2026/QD-UBND quy định gì?", "qd-dan-van", ("15 tháng 12",)),
    ("Nghị quyết số 08/2025/NQ-HDND hỗ trợ mỗi thôn xây nhà văn hóa bao nhiêu tiền?", "nq-thon", ("300.000.000 đồng",)),
    ("Kế hoạch 21-KH/DU yêu cầu mỗi chi bộ tổ chức mấy buổi sinh hoạt chuyên đề?", "kh-chi-bo", ("02 buổi",)),
    ("Quyết định 102/QD-BLDTBXH công nhận bao nhiêu xã đạt chuẩn an sinh xã hội?", "qd-cong-nhan", ("27 xã",)),
    ("quyết định 15/2026/qd-ubnd giao cơ quan nào chủ trì theo dõi công tác dân vận?", "qd-dan-van", ("Văn phòng",)),
    ("Thông tư 12/2025/TT-BLDTBXH quy định về vấn đề gì?", "tt-can-ngheo", ("hộ cận nghèo",)),
    ("Theo 45/2024/ND-CP người cao tuổi từ bao nhiêu tuổi được hưởng trợ cấp hằng tháng?", "nd-tro-giup", ("80 tuổi",)),
    ("Thông tư liên tịch 03/2026/TTLT-BLDTBXH-BTC quy định mức chi hỗ trợ hội nghị ở thôn tối đa bao nhiêu?",
     "ttlt-chi", ("2.000.000 đồng",)),
    ("Quyết định 09/2026/QĐ-UBND yêu cầu tổ chức ngày hội đại đoàn kết trước ngày nào?", "qd-bare", ("18 tháng 11",)),
]


def test_ten_questions_with_d_for_đ_in_the_số_hiệu_are_answered_from_it(settings, store, embedder, tmp_path):
    answers = ask_all(settings, store, embedder, [write_jsonl(tmp_path / "docs.jsonl", DOCS)], [q for q, *_ in QUESTIONS])
    wrong = {q: why for (q, doc, words), a in zip(QUESTIONS, answers) if (why := verdict(a, doc, words))}
    assert not wrong, wrong


def test_a_number_typed_with_d_resolves_to_the_collections_spelling_and_another_number_does_not():
    docs = {d["doc_id"]: DocMeta(d["number"], d["date"], d["type"]) for d in DOCS}
    catalog = Catalog(docs, Restorer({}, {}))
    q = parse("Theo Thông tư 12/2025/TT-BLDTBXH hộ cận nghèo được hỗ trợ bao nhiêu?")
    resolved = catalog.resolve(q)
    assert resolved == (("12/2025/TT-BLDTBXH", "12/2025/TT-BLĐTBXH"),)
    assert "12/2025/TT-BLĐTBXH" in q.with_(resolved=resolved).canonical
    assert catalog.resolve(parse("Thông tư 12/2025/TT-BLĐTBXH quy định gì?")) == ()  # typed as stored: nothing to do
    assert catalog.resolve(parse("Thông tư 13/2025/TT-BLDTBXH quy định gì?")) == ()  # no such document
