"""The same question typed the ways officers type it retrieves the same top document.

A small real store (the default embedded engine on tmp_path) over invented documents
that differ mainly in their số hiệu or date, so the reference must decide; the
hashing embedder for the fast tests, the real model in one ``model`` test.
"""

from __future__ import annotations

import json

import pytest

import ingest
import rag
from fakes import HashingEmbedder
from rag.types import SearchFilter

REPORT = "Ủy ban nhân dân cấp xã gửi báo cáo 6 tháng về kết quả thực hiện dân chủ ở cơ sở trước ngày {day}."
PLAN = "Mỗi thôn đăng ký ít nhất {n} mô hình Dân vận khéo và gửi bản đăng ký về Ban Dân vận Đảng ủy xã."
DOCS = [
    {"doc_id": "v:tt-2025", "title": "Thông tư quy định chế độ báo cáo thực hiện dân chủ ở cơ sở",
     "number": "09/2025/TT-BNV", "issuer": "Bộ Nội vụ", "date": "14/07/2025", "type": "Thông tư",
     "text": "Điều 5. Thời hạn báo cáo\n1. " + REPORT.format(day="20 tháng 6")},
    {"doc_id": "v:tt-2024", "title": "Thông tư quy định chế độ báo cáo thực hiện dân chủ ở cơ sở",
     "number": "09/2024/TT-BNV", "issuer": "Bộ Nội vụ", "date": "10/05/2024", "type": "Thông tư",
     "text": "Điều 5. Thời hạn báo cáo\n1. " + REPORT.format(day="15 tháng 6")},
    {"doc_id": "v:kh-0503", "title": "Kế hoạch thi đua Dân vận khéo", "number": "21-KH/ĐU",
     "issuer": "Đảng ủy xã Thử Nghiệm", "date": "05/03/2026", "type": "Kế hoạch",
     "text": "II. Nhiệm vụ\n1. " + PLAN.format(n="01")},
    {"doc_id": "v:kh-1503", "title": "Kế hoạch thi đua Dân vận khéo", "number": "27-KH/ĐU",
     "issuer": "Đảng ủy xã Thử Nghiệm", "date": "15/03/2026", "type": "Kế hoạch",
     "text": "II. Nhiệm vụ\n1. " + PLAN.format(n="02")},
    {"doc_id": "v:qd-33", "title": "Quyết định về sinh hoạt phí của ủy viên Ủy ban Mặt trận Tổ quốc",
     "number": "33/2014/QĐ-TTg", "issuer": "Thủ tướng Chính phủ", "date": "28/05/2014", "type": "Quyết định",
     "text": "Điều 2. Mức hỗ trợ\nỦy viên Ủy ban Mặt trận Tổ quốc cấp tỉnh được hỗ trợ sinh hoạt phí hằng tháng."},
    {"doc_id": "v:qd-34", "title": "Quyết định về sinh hoạt phí của ủy viên Ủy ban Mặt trận Tổ quốc",
     "number": "34/2015/QĐ-TTg", "issuer": "Thủ tướng Chính phủ", "date": "02/06/2015", "type": "Quyết định",
     "text": "Điều 2. Mức hỗ trợ\nỦy viên Ủy ban Mặt trận Tổ quốc cấp huyện được hỗ trợ sinh hoạt phí hằng tháng."},
    {"doc_id": "v:hoa-giai", "title": "Hướng dẫn về tổ hòa giải ở cơ sở", "number": "02/HD-MTTQ",
     "issuer": "Ủy ban Mặt trận Tổ quốc xã", "date": "10/02/2026", "type": "Hướng dẫn",
     "text": "Điều 1. Tổ hòa giải\nTổ hòa giải có từ 03 hòa giải viên trở lên, trong đó có hòa giải viên nữ. "
             "Tổ trưởng tổ hòa giải do các hòa giải viên bầu."},
    {"doc_id": "v:cong-khai", "title": "Quy chế công khai thông tin ở xã", "number": "01/QC-UBND",
     "issuer": "Ủy ban nhân dân xã", "date": "05/01/2026", "type": "Quy chế",
     "text": "Điều 1. Thời hạn công khai\nỦy ban nhân dân xã công khai thông tin chậm nhất là 05 ngày làm việc "
             "kể từ ngày có quyết định; thời gian niêm yết ít nhất 30 ngày liên tục tại nhà văn hóa thôn."},
    {"doc_id": "v:dat-dai", "title": "Thông báo về đo đạc đất đai", "number": "05/TB-UBND",
     "issuer": "Ủy ban nhân dân xã", "date": "12/04/2026", "type": "Thông báo",
     "text": "Đoàn đo đạc đất đai làm việc tại thôn Đông từ ngày 20 đến ngày 25; hộ dân có mặt để chỉ mốc giới."},
]

VARIANTS = {
    "v:hoa-giai": [
        "Tổ hòa giải có bao nhiêu hòa giải viên?",  # full diacritics
        "Tổ hoà giải có bao nhiêu hoà giải viên?",  # old-style tone placement
        "to hoa giai co bao nhieu hoa giai vien",  # none
        "Tổ hoa giai co bao nhiêu hòa giai viên",  # some words only
        "TỔ HÒA GIẢI CÓ BAO NHIÊU HÒA GIẢI VIÊN",
    ],
    "v:cong-khai": [
        "Ủy ban nhân dân xã công khai thông tin chậm nhất mấy ngày?",
        "Uỷ ban nhân dân xã công khai thông tin chậm nhất mấy ngày?",  # uỷ / ủy
        "uy ban nhan dan xa cong khai thong tin cham nhat may ngay",
    ],
    "v:dat-dai": [
        "Đoàn đo đạc đất đai làm việc ở thôn Đông ngày nào?",
        "Doan do dac dat dai lam viec o thon Dong ngay nao?",  # đ typed as d, no marks
        "Đoàn do dac dat dai làm việc ở thôn Đông ngày nào?",  # đ typed as d on some words
    ],
    "v:tt-2025": [
        "Theo Thông tư 09/2025/TT-BNV, xã gửi báo cáo 6 tháng trước ngày nào?",  # full số hiệu
        "Theo Thông tư 09/2025, xã gửi báo cáo 6 tháng trước ngày nào?",  # short
        "Theo Thông tư số 9/2025 xã gửi báo cáo 6 tháng trước ngày nào?",  # no leading zero
        "theo thong tu 09/2025/tt-bnv xa gui bao cao 6 thang truoc ngay nao",
        "Thông tư số 09 năm 2025 quy định xã gửi báo cáo 6 tháng trước ngày nào?",
    ],
    "v:tt-2024": ["Theo Thông tư 09/2024, xã gửi báo cáo 6 tháng trước ngày nào?"],
    "v:kh-0503": [
        "Kế hoạch ngày 05/03/2026 yêu cầu mỗi thôn đăng ký ít nhất mấy mô hình Dân vận khéo?",
        "Kế hoạch ngày 5/3/2026 yêu cầu mỗi thôn đăng ký ít nhất mấy mô hình Dân vận khéo?",
        "Kế hoạch ngày 05-03-2026 yêu cầu mỗi thôn đăng ký ít nhất mấy mô hình Dân vận khéo?",
        "Kế hoạch ngày 5 tháng 3 năm 2026 yêu cầu mỗi thôn đăng ký ít nhất mấy mô hình?",
        "ke hoach ngay 5/3/2026 yeu cau moi thon dang ky it nhat may mo hinh dan van kheo",
        "Kế hoạch 21-KH/ĐU yêu cầu mỗi thôn đăng ký ít nhất mấy mô hình?",
        "Kế hoạch 21-KH/DU yêu cầu mỗi thôn đăng ký ít nhất mấy mô hình?",  # đ typed as d in the số hiệu
    ],
    "v:kh-1503": ["Kế hoạch ngày 15/3/2026 yêu cầu mỗi thôn đăng ký ít nhất mấy mô hình Dân vận khéo?"],
    "v:qd-33": [
        "Quyết định 33/2014/QĐ-TTg quy định ủy viên Mặt trận được hỗ trợ sinh hoạt phí thế nào?",
        "Quyết định 33/2014/QD-TTg quy định ủy viên Mặt trận được hỗ trợ sinh hoạt phí thế nào?",
        "Quyết định 33/2014 quy định ủy viên Mặt trận được hỗ trợ sinh hoạt phí thế nào?",
        "quyet dinh 33/2014/qd-ttg quy dinh uy vien mat tran duoc ho tro sinh hoat phi the nao",
    ],
}
CASES = [(doc, q) for doc, questions in VARIANTS.items() for q in questions]


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "variants.jsonl"
    path.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in DOCS) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def pipe(settings, store, corpus):
    embedder = HashingEmbedder()
    ingest.ingest_paths(settings, [corpus], store=store, embedder=embedder)
    return rag.Pipeline(settings, store=store, embedder=embedder)


@pytest.mark.parametrize("expected, question", CASES)
def test_every_variant_retrieves_the_same_top_document(pipe, expected, question):
    assert pipe.retrieve(question)[0].chunk.doc_id == expected


def test_the_query_is_parsed_once_with_its_references(pipe):
    q = pipe.query("Theo Thông tư 09/2025, khoản 1 Điều 5, ngày 5 tháng 3 năm 2026 thì sao?")
    assert q.resolved == (("09/2025", "09/2025/TT-BNV"),)
    assert q.dates == ("05/03/2026",) and q.articles[0].label() == "khoản 1 Điều 5"
    assert "09/2025/TT-BNV" in q.canonical and "05/03/2026" in q.canonical


def test_unaccented_question_is_restored_for_the_dense_leg(pipe):
    q = pipe.query("to truong to hoa giai do cac hoa giai vien bau")
    assert q.restored == "tổ trưởng tổ hòa giải do các hòa giải viên bầu"
    typed = pipe.query("Tổ hoa giai")
    assert typed.accented == (True, False, False) and typed.restored == "Tổ hòa giải"


def test_short_number_and_bare_date_are_answered_not_refused(pipe):
    answer = pipe.ask("Theo Thông tư 09/2025, xã gửi báo cáo 6 tháng trước ngày nào?")
    assert not answer.refused and "20 tháng 6" in answer.text
    assert answer.question == "Theo Thông tư 09/2025, xã gửi báo cáo 6 tháng trước ngày nào?"
    answer = pipe.ask("Kế hoạch ngày 5/3/2026 yêu cầu mỗi thôn đăng ký ít nhất mấy mô hình?")
    assert not answer.refused and answer.hits[0].chunk.doc_id == "v:kh-0503"


def test_a_number_that_names_no_document_changes_nothing(pipe):
    plain = pipe.retrieve("xã gửi báo cáo 6 tháng trước ngày nào?")
    named = pipe.retrieve("Thông tư 77/2019 xã gửi báo cáo 6 tháng trước ngày nào?")
    assert pipe.query("Thông tư 77/2019 xã gửi báo cáo").resolved == ()
    assert {h.chunk.doc_id for h in plain[:2]} == {h.chunk.doc_id for h in named[:2]} == {"v:tt-2025", "v:tt-2024"}


def test_metadata_filter_keeps_only_matching_documents(pipe):
    hits = pipe.retrieve("mô hình Dân vận khéo", filter=SearchFilter(year_from=2026, doc_types=("Kế hoạch",)))
    assert hits and {h.chunk.doc_id for h in hits} <= {"v:kh-0503", "v:kh-1503"}
    hits = pipe.retrieve("Thông tư 09/2025 báo cáo", filter=SearchFilter(year_to=2024))
    assert hits and all(h.chunk.doc_id != "v:tt-2025" for h in hits)


def test_the_catalog_is_cached_per_collection_and_point_count(pipe, settings, store, corpus):
    pipe.query("xa cong khai")
    cached = list((settings.data_dir / "cache" / "retrieval").glob("*.json"))
    assert len(cached) == 1
    again = rag.Pipeline(settings, store=store, embedder=HashingEmbedder())
    assert again.query("to hoa giai").restored == "tổ hòa giải"
    assert list((settings.data_dir / "cache" / "retrieval").glob("*.json")) == cached


@pytest.mark.model
def test_variants_with_the_real_model(settings, store, corpus, model_dir):
    embedder = rag.load_embedder(settings.replace(model_dir=str(model_dir)))
    ingest.ingest_paths(settings, [corpus], store=store, embedder=embedder)
    pipe = rag.Pipeline(settings, store=store, embedder=embedder)
    for expected in ("v:hoa-giai", "v:tt-2025", "v:kh-0503", "v:dat-dai"):
        for question in VARIANTS[expected]:
            assert pipe.retrieve(question)[0].chunk.doc_id == expected, question
