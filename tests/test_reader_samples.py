"""The product's defaults with the real model on the sample corpus, as a new user tries it: every
question of corpus/README.md answered from its document, and the failures a newcomer met (a
question refused while the passage that answers ranks second, a short unaccented wording refused, a
fact the documents lack answered from a sentence about another meeting), with siblings.

The first four failures came from the out-of-subject bar (a dense cosine of 0.86, calibrated on
civic.jsonl, which passages of a corpus this small do not reach) with a rescue that read "bao lâu"
as a term the answer must hold and looked at one passage only; the question word is no term now, and
one document's retrieved passages holding every key term whole say the question is on its subject.
The cases marked ``OPEN`` still fail (issue 17: a figure for another meeting, or another body's,
passes the coverage threshold; a time asked in other words than the passage's; the first learned
reader did not fix them, EVALS.md "The reader"). They are strict expected failures: the day one
passes, pytest says so and the mark comes off."""

from __future__ import annotations

from pathlib import Path

import pytest

import ingest
import rag

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def pipe(tmp_path_factory, model_dir):
    settings = rag.Settings.from_env({}).replace(data_dir=tmp_path_factory.mktemp("samples"),
                                               model_dir=str(model_dir))
    embedder = rag.load_embedder(settings)
    store = rag.open_store(settings)
    ingest.ingest_paths(settings, [ROOT / "corpus" / "samples.jsonl"], store=store, embedder=embedder)
    with rag.Pipeline(settings, store=store, embedder=embedder) as p:
        yield p
    store.close()


OPEN = pytest.mark.xfail(strict=True, reason="issue 17: not yet answered right by the default pipeline")

# (question, document that answers, words the answer must quote)
ANSWERED = [
    # corpus/README.md, one per document
    ('Mỗi xã phải đăng ký bao nhiêu mô hình "Dân vận khéo"?', "mau:ke-hoach-dan-van-2026", "02 mô hình"),
    ("Mô hình được bao nhiêu điểm thì được công nhận cấp tỉnh?", "mau:huong-dan-dan-van-kheo-2026", "80 điểm"),
    ("UBND xã phải công khai chậm nhất mấy ngày?", "mau:quy-che-phoi-hop-ubnd-mttq-xa", "05 ngày"),
    ("Họp liên tịch bao lâu một lần?", "mau:quy-che-phoi-hop-ubnd-mttq-xa", "liên tịch"),
    ("Mô hình tổ công nghệ số cộng đồng có bao nhiêu thành viên?", "mau:tin-dan-van-kheo-hoa-binh-mau", "68 thành viên"),
    ("6 tháng đầu năm đã giải quyết bao nhiêu kiến nghị?", "mau:bao-cao-so-ket-6-thang-2026", "918"),
    # the newcomer's failures and their siblings: the answering passage is not the first retrieved,
    # the wording is short or unaccented
    ("Tổ công nghệ số cộng đồng có bao nhiêu thành viên?", "mau:tin-dan-van-kheo-hoa-binh-mau", "68 thành viên"),
    ("hop lien tich bao lau mot lan", "mau:quy-che-phoi-hop-ubnd-mttq-xa", "liên tịch"),
    ("to cong nghe so cong dong co bao nhieu thanh vien", "mau:tin-dan-van-kheo-hoa-binh-mau", "68 thành viên"),
    pytest.param("Tổ công nghệ số trực vào thời gian nào?", "mau:tin-dan-van-kheo-hoa-binh-mau", "thứ Bảy", marks=OPEN),
    ("Thời gian niêm yết công khai ít nhất bao nhiêu ngày?", "mau:quy-che-phoi-hop-ubnd-mttq-xa", "30 ngày"),
    ("Hồ sơ đề nghị công nhận mô hình gửi trước ngày nào?", "mau:huong-dan-dan-van-kheo-2026", "15/8/2026"),
]

# facts the documents lack, asked with their own words, next to a passage that looks like an answer
REFUSED = [
    pytest.param("Hội nghị tiếp xúc cử tri tổ chức trước kỳ họp bao nhiêu ngày?", marks=OPEN),
    "Tổ công nghệ số cộng đồng được hỗ trợ kinh phí bao nhiêu tiền mỗi tháng?",
    pytest.param("Ủy ban Mặt trận xã phải trả lời kiến nghị của Nhân dân trong bao nhiêu ngày?", marks=OPEN),
    pytest.param("Mô hình Dân vận khéo cấp huyện cần đạt bao nhiêu điểm?", marks=OPEN),
    "Giá vàng hôm nay bao nhiêu?",
]


@pytest.mark.parametrize("question, doc_id, words", ANSWERED)
def test_the_sample_questions_are_answered_from_their_document(pipe, question, doc_id, words):
    answer = pipe.ask(question)
    assert not answer.refused, answer.text
    assert answer.citations[0].doc_id == doc_id
    assert words.lower() in answer.text.lower()


@pytest.mark.parametrize("question", REFUSED)
def test_a_fact_the_samples_lack_is_refused(pipe, question):
    answer = pipe.ask(question)
    assert answer.refused, answer.text
    assert answer.text.startswith(rag.REFUSAL_TEXT)
