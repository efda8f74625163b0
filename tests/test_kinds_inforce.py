"""A document that says it replaces, repeals or amends another ("… thay thế Quy chế ban hành kèm theo
Quyết định số …", "… hết hiệu lực", "được thay thế bởi …", a number without its type or with D for Đ)
beside the text it replaces: the text in force answers, never the replaced one as if current. Ten
pairs of documents, titled differently so that only what the newer one says can order them (issue 18,
"Kinds said fixed that fail on new inputs")."""

from __future__ import annotations

from kinds import ask_all, verdict, write_jsonl
from rag import inforce
from rag.types import Chunk, Hit


def _doc(doc_id, number, doc_type, title, text, date, issuer="Ủy ban nhân dân xã Hòa Phú"):
    return {"doc_id": doc_id, "number": number, "type": doc_type, "title": title, "text": text, "date": date,
            "issuer": issuer}


# (old, new, question, words of the new answer, words of the old one): the old text words the matter
# closer to the question, as a first version often does
CASES = [
    (_doc("qc-tiep-dan-2020", "12/2020/QĐ-UBND", "Quy chế", "Quy chế về lịch tiếp công dân",
          "Chủ tịch Ủy ban nhân dân xã tiếp công dân 01 ngày mỗi tuần vào sáng thứ Năm.", "05/03/2020"),
     _doc("qc-tiep-dan-moi", "30/2026/QĐ-UBND", "Quy chế", "Quy chế tổ chức tiếp công dân của Ủy ban nhân dân xã",
          "Điều 1. Lịch tiếp\nChủ tịch xã trực tiếp tiếp công dân 02 ngày trong tuần.\nĐiều 6. Hiệu lực\n"
          "Quy chế này thay thế Quy chế ban hành kèm theo Quyết định số 12/2020/QĐ-UBND ngày 05/3/2020 của Ủy ban "
          "nhân dân xã.", "10/02/2026"),
     "Chủ tịch Ủy ban nhân dân xã tiếp công dân mấy ngày mỗi tuần?", "02 ngày", "01 ngày"),
    (_doc("qd-ho-tro-2021", "08/2021/QĐ-UBND", "Quyết định", "Quyết định về mức hỗ trợ người có uy tín",
          "Người có uy tín trong đồng bào dân tộc thiểu số được hỗ trợ 300.000 đồng mỗi quý.", "10/05/2021"),
     _doc("qd-ho-tro-2026", "11/2026/QĐ-UBND", "Quyết định", "Quyết định quy định chế độ đối với người có uy tín",
          "Điều 1. Người có uy tín được hỗ trợ kinh phí 500.000 đồng mỗi quý.\nĐiều 2. Quyết định số 08/2021/QĐ-UBND "
          "ngày 10/5/2021 của Ủy ban nhân dân xã hết hiệu lực kể từ ngày Quyết định này có hiệu lực thi hành.",
          "15/01/2026"),
     "Người có uy tín trong đồng bào dân tộc thiểu số được hỗ trợ bao nhiêu tiền mỗi quý?", "500.000 đồng", "300.000 đồng"),
    (_doc("qc-loa-cu", "04/2019/QĐ-UBND", "Quy chế", "Quy chế quản lý đài truyền thanh xã",
          "Đài truyền thanh xã phát sóng 02 lần mỗi ngày.\n(Văn bản này đã được thay thế bởi Quy chế ban hành kèm "
          "theo Quyết định số 19/2025/QĐ-UBND.)", "01/04/2019"),
     _doc("qc-loa-moi", "19/2025/QĐ-UBND", "Quy chế", "Quy chế hoạt động truyền thanh cơ sở",
          "Điều 3. Thời lượng\nĐài truyền thanh cơ sở phát sóng 03 lần trong ngày.", "20/08/2025"),
     "Đài truyền thanh xã phát sóng mấy lần mỗi ngày?", "03 lần", "02 lần"),
    (_doc("qd-khen-2020", "05/2020/QĐ-UBND", "Quyết định", "Quyết định về khen thưởng thôn văn hóa",
          "Thôn đạt danh hiệu thôn văn hóa 03 năm liên tục được thưởng 2.000.000 đồng.", "12/06/2020"),
     _doc("qd-khen-2025", "27/2025/QĐ-UBND", "Quyết định", "Quyết định ban hành quy định thi đua, khen thưởng",
          "Điều 5. Thôn được công nhận thôn văn hóa 03 năm liền được khen 5.000.000 đồng.\n"
          "Điều 9. Quyết định này thay thế Quyết định số 05/2020 của Ủy ban nhân dân xã.", "03/03/2025"),
     "Thôn đạt danh hiệu thôn văn hóa 03 năm liên tục được thưởng bao nhiêu tiền?", "5.000.000 đồng", "2.000.000 đồng"),
    (_doc("qd-ve-sinh-2019", "05/2019/QĐ-UBND", "Quyết định", "Quyết định về thu phí vệ sinh môi trường",
          "Mỗi hộ gia đình nộp phí vệ sinh môi trường 20.000 đồng một tháng.", "02/01/2019"),
     _doc("qd-ve-sinh-2026", "02/2026/QĐ-UBND", "Quyết định", "Quyết định về giá dịch vụ thu gom rác thải",
          "Điều 1. Giá dịch vụ thu gom rác thải sinh hoạt là 35.000 đồng mỗi hộ một tháng.\n"
          "Điều 2. Bãi bỏ Quyết định số 05/2019/QĐ-UBND ngày 02/01/2019 của Ủy ban nhân dân xã.", "05/01/2026"),
     "Mỗi hộ gia đình nộp phí vệ sinh môi trường bao nhiêu một tháng?", "35.000 đồng", "20.000 đồng"),
    (_doc("qd-hoc-bong-2019", "11/2019/QĐ-UBND", "Quyết định", "Quyết định về học bổng cho học sinh nghèo",
          "Học sinh nghèo vượt khó học giỏi được cấp học bổng 1.000.000 đồng mỗi năm học.", "09/09/2019"),
     _doc("qd-hoc-bong-2026", "33/2026/QĐ-UBND", "Quyết định", "Quyết định về quỹ khuyến học của xã",
          "Điều 2. Học sinh có hoàn cảnh khó khăn đạt thành tích học tập tốt được cấp 1.500.000 đồng mỗi năm học.\n"
          "Điều 4. Quyết định này thay thế Quyết định số 03/2018/QĐ-UBND và Quyết định số 11/2019/QĐ-UBND của Ủy ban "
          "nhân dân xã.", "01/08/2026"),
     "Học sinh nghèo vượt khó học giỏi được cấp học bổng bao nhiêu mỗi năm học?", "1.500.000 đồng", "1.000.000 đồng"),
    (_doc("qc-phoi-hop-2019", "40/2019/QĐ-UBND", "Quy chế", "Quy chế phối hợp trong công tác dân vận chính quyền",
          "Ủy ban nhân dân xã và Ủy ban Mặt trận Tổ quốc xã họp liên tịch 06 tháng một lần.", "15/10/2019"),
     _doc("qc-phoi-hop-2026", "07/2026/QĐ-UBND", "Quy chế", "Quy chế phối hợp công tác giữa chính quyền và Mặt trận",
          "Điều 4. Ủy ban nhân dân xã và Mặt trận tổ chức họp liên tịch mỗi quý một lần.\nĐiều 10. Quy chế này thay "
          "thế Quy chế phối hợp giữa Ủy ban nhân dân xã với Ủy ban Mặt trận Tổ quốc Việt Nam xã và các tổ chức chính "
          "trị - xã hội trong công tác dân vận chính quyền, thực hiện dân chủ ở cơ sở ban hành kèm theo Quyết định số "
          "40/2019/QĐ-UBND.", "20/02/2026"),
     "Ủy ban nhân dân xã và Ủy ban Mặt trận Tổ quốc xã họp liên tịch bao lâu một lần?", "mỗi quý", "06 tháng"),
    (_doc("qd-tuan-tra-2022", "17/2022/QĐ-UBND", "Quyết định", "Quyết định về tổ tự quản an ninh thôn",
          "Mỗi tổ tự quản an ninh thôn có 05 thành viên.", "17/02/2022"),
     _doc("qd-tuan-tra-2026", "21/2026/QĐ-UBND", "Quyết định", "Quyết định kiện toàn lực lượng bảo vệ an ninh cơ sở",
          "Điều 1. Mỗi tổ bảo vệ an ninh, trật tự ở thôn gồm 07 thành viên.\n"
          "Điều 3. Quyết định này thay thế Quyết định số 17/2022/QD-UBND.", "09/01/2026"),
     "Mỗi tổ tự quản an ninh thôn có bao nhiêu thành viên?", "07 thành viên", "05 thành viên"),
    (_doc("qd-tiep-nhan-2023", "14/2023/QĐ-UBND", "Quyết định", "Quyết định về thời hạn giải quyết kiến nghị",
          "Ủy ban nhân dân xã giải quyết kiến nghị của công dân trong thời hạn 15 ngày.", "14/04/2023"),
     _doc("qd-tiep-nhan-2026", "06/2026/QĐ-UBND", "Quyết định", "Quyết định ban hành quy trình xử lý phản ánh",
          "Điều 2. Phản ánh, kiến nghị của công dân được xử lý trong thời hạn 10 ngày làm việc.\nĐiều 5. Quyết định "
          "này có hiệu lực từ ngày ký và thay thế Quyết định 14/2023/QĐ-UBND.", "06/03/2026"),
     "Ủy ban nhân dân xã giải quyết kiến nghị của công dân trong thời hạn bao nhiêu ngày?", "10 ngày", "15 ngày"),
    (_doc("kh-mttq-2025", "", "Kế hoạch", "Kế hoạch vận động quỹ Vì người nghèo",
          "Mỗi hộ gia đình ủng hộ quỹ Vì người nghèo tối thiểu 50.000 đồng.", "05/03/2025",
          issuer="Ban Thường trực Ủy ban Mặt trận Tổ quốc xã"),
     _doc("kh-mttq-2026", "", "Kế hoạch", "Kế hoạch hưởng ứng tháng cao điểm vì người nghèo",
          "1. Vận động mỗi hộ gia đình đóng góp ít nhất 100.000 đồng cho quỹ.\n2. Kế hoạch này thay thế Kế hoạch "
          "ngày 05/3/2025 của Ban Thường trực Ủy ban Mặt trận Tổ quốc xã.", "",
          issuer="Ban Thường trực Ủy ban Mặt trận Tổ quốc xã"),
     "Mỗi hộ gia đình ủng hộ quỹ Vì người nghèo tối thiểu bao nhiêu tiền?", "100.000 đồng", "50.000 đồng"),
]


def _wrong(answer, old, new, new_words, old_words) -> list[str]:
    why = verdict(answer, new["doc_id"], (new_words,))
    if old_words in answer.text:
        why.append(f"the replaced figure {old_words!r} is quoted")
    return why


def test_ten_documents_that_replace_another_answer_before_it(settings, store, embedder, tmp_path):
    docs = [d for old, new, *_ in CASES for d in (old, new)]
    answers = ask_all(settings, store, embedder, [write_jsonl(tmp_path / "docs.jsonl", docs)], [c[2] for c in CASES])
    wrong = {case[2]: why for case, a in zip(CASES, answers) if (why := _wrong(a, *case[:2], *case[3:]))}
    assert not wrong, wrong


def test_a_text_saying_it_was_replaced_is_the_older_one_and_a_third_text_can_say_which():
    old = Chunk("old", 0, "Quy chế này được thay thế bởi Quy chế ban hành kèm theo Quyết định số 19/2025/QĐ-UBND.",
                number="04/2019/QĐ-UBND")
    new = Chunk("new", 0, "Đài phát sóng 03 lần.", number="19/2025/QĐ-UBND")
    report = Chunk("report", 0, "Quyết định số 04/2019/QĐ-UBND đã được thay thế bởi Quyết định số 19/2025/QĐ-UBND.",
                   number="88/BC-UBND")
    found = inforce.changes([Hit(new, 1.0, 1), Hit(old, 0.9, 2)])
    assert set(found) == {"old"} and found["old"].newer.doc_id == "new"
    found = inforce.changes([Hit(new, 1.0, 1), Hit(old, 0.9, 2), Hit(report, 0.8, 3)])
    assert set(found) == {"old"} and found["old"].newer.doc_id == "new"
