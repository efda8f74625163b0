"""The whole app in a real browser: citations and the viewer, the documents tab, untrusted
document text, login, and feedback.

Every test drives ``python app.py`` itself (real model, real store and catalog under a
temporary data dir) in headless Debian chromium with playwright. The chat, documents,
untrusted-text and feedback tests share one app per module (its corpus: the shipped
sample documents plus a Markdown file full of HTML); the login test starts its own app
with a users file. Each test leaves a screenshot in its tmp_path and in
``/tmp/browser-shots/`` for a person to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from rag.cite import QUOTE_JOINER
from test_browser import _free_port, _serve, app_env, page  # noqa: F401  (page: a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.model]

ROOT = Path(__file__).resolve().parents[1]
SHOTS = Path("/tmp/browser-shots")
SAMPLES = ROOT / "corpus" / "samples.jsonl"

#: The sample document that answers "how many days to publish" and the words of its answer.
PUBLISH_QUESTION = "ubnd xa phai cong khai thong tin cham nhat may ngay"
PUBLISH_DOC = "mau:quy-che-phoi-hop-ubnd-mttq-xa"
PUBLISH_FACT = "chậm nhất 05 ngày làm việc"

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
XSS_TITLE = f"Thông báo thử nghiệm {IMG} lịch tiếp dân"
XSS_MD = f"""---
title: 'Thông báo thử nghiệm {IMG} lịch tiếp dân'
so_hieu: 99/TB-XSS
---
Điều 1. Lịch tiếp dân của tổ tự quản
Tổ tự quản khu phố Bến Nghé Thử tiếp dân vào sáng thứ Bảy cuối tháng {SCRIPT} tại nhà văn hóa khu phố.
Điều 2. Ghi chú
Mọi kiến nghị {IMG} được ghi vào sổ tiếp dân của tổ.
"""
XSS_QUESTION = "Tổ tự quản khu phố Bến Nghé Thử tiếp dân vào lúc nào?"

DOCX_NAME = "quy_khuyen_hoc_dong_sen.docx"
DOCX_ID = f"file:{DOCX_NAME}"
DOCX_TITLE = "Kế hoạch hỗ trợ quỹ khuyến học thôn Đồng Sen Thử năm 2026"
DOCX_FACT = "37 triệu đồng"
DOCX_QUESTION = "Quỹ khuyến học thôn Đồng Sen Thử được cấp bao nhiêu tiền mỗi năm?"
DOCX_LINES = [
    "ỦY BAN NHÂN DÂN XÃ ĐỒNG SEN THỬ",
    "Số: 27/KH-UBND",
    "Đồng Sen Thử, ngày 02 tháng 4 năm 2026",
    "KẾ HOẠCH",
    "Hỗ trợ quỹ khuyến học thôn Đồng Sen Thử năm 2026",
    "Điều 1. Mức hỗ trợ",
    f"Quỹ khuyến học thôn Đồng Sen Thử được ngân sách xã cấp {DOCX_FACT} mỗi năm để khen thưởng học sinh giỏi.",
    "Điều 2. Tổ chức thực hiện",
    "Ban công tác Mặt trận thôn quản lý quỹ và báo cáo công khai vào tháng 12 hằng năm.",
]

USER, PASSWORD = "can-bo.lan", "mat-khau-dung-2026"


# --- the app ---------------------------------------------------------------------------------


def _start_app(base: Path, model_dir: Path, extra: dict[str, str] | None = None):
    """``python app.py`` with its data dir under ``base``; yields ``(url, data dir)`` while it serves."""
    env = {"DANVAN_MODEL_DIR": str(model_dir), "DANVAN_CORPUS_DIR": str(base / "corpus")} | (extra or {})
    yield from ((url, base / "data") for url, _ in _serve([sys.executable, str(ROOT / "app.py")], base, _free_port(),
                                                            env, timeout=300))
    log = (base / "app.log").read_text(errors="replace")
    assert "Traceback" not in log, log


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory, model_dir):
    """One real app for the module: the sample corpus plus a Markdown file full of HTML."""
    base = tmp_path_factory.mktemp("app")
    (base / "corpus").mkdir()
    shutil.copyfile(SAMPLES, base / "corpus" / SAMPLES.name)
    (base / "corpus" / "thong_bao_xss.md").write_text(XSS_MD, encoding="utf-8")
    yield from _start_app(base, model_dir)


# --- helpers ---------------------------------------------------------------------------------


def _shot(page, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, SHOTS / shot.name)
    return shot


def _open(page, url: str) -> None:
    page.goto(url, wait_until="load")
    page.locator("#question textarea").wait_for(state="visible", timeout=60_000)


def _ask(page, question: str):
    """Ask in the chat and wait for the finished answer; returns the sources panel."""
    from playwright.sync_api import expect

    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    # The first update clears the box and puts "Đang tra cứu" in the sources panel; the last
    # one puts the source cards (each with its formal citation) or the refusal there.
    expect(box).to_have_value("", timeout=30_000)
    sources = page.locator("#sources")
    sources.locator(".src-formal, .refusal").first.wait_for(state="visible", timeout=90_000)
    return sources


def _sample(doc_id: str) -> dict:
    for line in SAMPLES.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["doc_id"] == doc_id:
            return record
    raise AssertionError(f"{doc_id} is not in {SAMPLES}")


def _words(text: str) -> str:
    return " ".join(text.split())


def _marked(container) -> list[str]:
    """The highlighted quotes in ``container``, in document order."""
    return [_words(t) for t in container.locator("mark.hit").all_inner_texts()]


def _api_answer(url: str, question: str) -> dict:
    from gradio_client import Client

    return json.loads(Client(url, verbose=False).predict(question, [], api_name="/answer"))


# --- 1. citation marker -> the whole document, the quote highlighted ---------------------------


def test_citation_marker_opens_the_whole_document_with_the_quote_highlighted(shared_app, page, tmp_path):
    from playwright.sync_api import expect

    url, _ = shared_app
    _open(page, url)
    sources = _ask(page, PUBLISH_QUESTION)
    chat = page.locator("#chat")
    expect(chat).to_contain_text(PUBLISH_FACT)

    # What the answer quotes, as the app's own API returns it: every piece is highlighted in the card.
    [citation] = _api_answer(url, PUBLISH_QUESTION)["citations"]
    assert citation["doc_id"] == PUBLISH_DOC
    pieces = [_words(p) for p in citation["quote"].split(QUOTE_JOINER)]
    assert any(PUBLISH_FACT in p for p in pieces)
    card = sources.locator("#nguon-0-1")
    expect(card).to_contain_text(_sample(PUBLISH_DOC)["title"])
    assert sorted(_marked(card)) == sorted(pieces)
    for piece in pieces:
        assert piece in _words(chat.inner_text()), "the answer says what it quotes"

    # The [1] of the answer is a visible link; clicking it opens the viewer.
    marker = chat.locator('a[href="#nguon-0-1"]').first
    expect(marker).to_be_visible()
    expect(marker).to_have_text("[1]")
    viewer = page.locator("#viewer")
    expect(viewer).to_be_hidden()
    marker.click()
    expect(viewer).to_be_visible(timeout=30_000)
    expect(viewer.locator(".viewer")).to_have_attribute("data-doc", PUBLISH_DOC)

    # The whole document, not the passage: every line of the source text is in the viewer.
    body = viewer.locator("#viewer-body")
    shown = _words(body.inner_text())
    lines = [line for line in _sample(PUBLISH_DOC)["text"].splitlines() if line.strip()]
    assert len(lines) > 20
    missing = [line for line in lines if _words(line) not in shown]
    assert not missing, f"lines of the document missing from the viewer: {missing[:3]}"

    # The quoted words highlighted in it, and the page scrolled to them.
    hit = body.locator("mark#doc-hit")
    expect(hit).to_have_count(1)
    assert _words(hit.inner_text()) == pieces[0]
    assert sorted(_marked(body)) == sorted(pieces)
    expect(hit).to_be_in_viewport(timeout=10_000)
    expect(body.locator("#doc-passage")).to_contain_text(PUBLISH_FACT)
    _shot(page, tmp_path, "1_viewer_from_marker")

    # Closed, then opened again from the source card's "Xem văn bản".
    page.locator("#viewer-close").click()
    expect(viewer).to_be_hidden()
    card.get_by_role("button", name="Xem văn bản").click()
    expect(viewer).to_be_visible(timeout=30_000)
    expect(viewer.locator("mark#doc-hit")).to_have_text(hit.inner_text())


# --- 2. documents tab: upload, cite, delete ----------------------------------------------------


def _docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    for line in DOCX_LINES:
        document.add_paragraph(line)
    document.save(path)
    return path


def test_uploaded_docx_is_listed_cited_and_gone_after_delete(shared_app, page, tmp_path):
    from playwright.sync_api import expect

    url, data = shared_app
    upload = _docx(tmp_path / DOCX_NAME)
    _open(page, url)

    page.get_by_role("tab", name="Tài liệu").click()
    table = page.locator("#doc-table")
    expect(table).to_contain_text(_sample(PUBLISH_DOC)["number"], timeout=30_000)
    expect(table).not_to_contain_text(DOCX_TITLE)
    page.locator("#doc-upload input[type=file]").set_input_files(str(upload))
    expect(page.locator("#doc-upload")).to_contain_text("quy_khuyen_hoc_dong_sen", timeout=30_000)
    page.locator("#doc-add").click()
    status = page.locator("#doc-status")
    expect(status).to_contain_text(f"Đã nạp: {DOCX_NAME}", timeout=120_000)
    # Rows are [role=row] elements (the table's hidden sizing row mixes cells of several documents).
    row = table.locator("[role=row]", has_text=DOCX_ID)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(DOCX_TITLE)
    expect(row).to_contain_text("27/KH-UBND")
    expect(row).to_contain_text("Kế hoạch")
    assert (data / "uploads" / DOCX_NAME).is_file()
    _shot(page, tmp_path, "2a_documents_uploaded")
    # Another officer who opens the app now sees it listed too.
    other = page.context.browser.new_page(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    _open(other, url)
    other.get_by_role("tab", name="Tài liệu").click()
    expect(other.locator("#doc-table [role=row]", has_text=DOCX_ID)).to_have_count(1, timeout=30_000)
    other.close()

    page.get_by_role("tab", name="Hỏi đáp").click()
    sources = _ask(page, DOCX_QUESTION)
    chat = page.locator("#chat")
    expect(chat).to_contain_text(DOCX_FACT)
    expect(sources.locator("#nguon-0-1")).to_contain_text(DOCX_TITLE)
    expect(sources.locator("#nguon-0-1 mark.hit").first).to_contain_text(DOCX_FACT)
    expect(chat.locator('a[href="#nguon-0-1"]').first).to_be_visible()
    _shot(page, tmp_path, "2b_chat_cites_upload")
    # The chat's filter offers the issuer of what was uploaded since the page loaded.
    page.locator("#filters").get_by_text("Lọc văn bản").click()
    page.locator("#filter-issuers input").click()
    expect(page.get_by_role("option", name=re.compile("Đồng Sen"))).to_have_count(1, timeout=30_000)
    page.keyboard.press("Escape")

    # Found by searching the list, chosen by a click on its row, deleted.
    page.get_by_role("tab", name="Tài liệu").click()
    search = page.locator("#doc-search textarea, #doc-search input").first
    search.fill("Đồng Sen Thử")
    expect(table.locator("[role=row]", has_text="mau:")).to_have_count(0)
    expect(row).to_have_count(1)
    row.get_by_text(DOCX_ID).click()
    expect(page.locator("#doc-chosen textarea, #doc-chosen input").first).to_have_value(DOCX_ID)
    page.locator("#doc-delete").click()
    expect(status).to_contain_text("Đã xóa", timeout=60_000)
    expect(status).to_contain_text(DOCX_TITLE)
    expect(row).to_have_count(0)
    expect(table).not_to_contain_text(DOCX_TITLE)
    assert not (data / "uploads" / DOCX_NAME).exists()
    search.fill("")
    expect(table.locator("[role=row]", has_text=PUBLISH_DOC)).to_have_count(1)  # only that one went
    expect(row).to_have_count(0)
    _shot(page, tmp_path, "2c_documents_deleted")
    page.reload(wait_until="load")  # and it stays gone from the list a new page load shows
    page.locator("#question textarea").wait_for(state="visible", timeout=60_000)
    page.get_by_role("tab", name="Tài liệu").click()
    expect(table.locator("[role=row]", has_text=PUBLISH_DOC)).to_have_count(1, timeout=30_000)
    expect(row).to_have_count(0)

    page.get_by_role("tab", name="Hỏi đáp").click()  # a new conversation since the reload
    expect(chat).not_to_contain_text(DOCX_QUESTION)
    sources = _ask(page, DOCX_QUESTION)
    expect(chat).to_contain_text(DOCX_QUESTION)
    expect(sources).not_to_contain_text(DOCX_TITLE)
    expect(sources).not_to_contain_text("27/KH-UBND")
    expect(chat).not_to_contain_text(DOCX_FACT)
    expect(chat).not_to_contain_text(DOCX_TITLE)
    _shot(page, tmp_path, "2d_chat_after_delete")


# --- 3. document text is text, never markup ----------------------------------------------------


def test_html_in_a_document_is_shown_as_text_and_runs_nothing(shared_app, page, tmp_path):
    from playwright.sync_api import expect

    url, _ = shared_app
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _open(page, url)
    sources = _ask(page, XSS_QUESTION)
    chat = page.locator("#chat")
    expect(chat).to_contain_text("sáng thứ Bảy cuối tháng")

    # The literal markup is what the officer reads: in the answer, its source card and the viewer.
    expect(chat).to_contain_text(SCRIPT)
    expect(chat).to_contain_text(IMG)
    card = sources.locator("#nguon-0-1")
    expect(card.locator(".src-title")).to_contain_text(XSS_TITLE)
    expect(card.locator(".src-passage")).to_contain_text(SCRIPT)
    card.get_by_role("button", name="Xem văn bản").click()
    viewer = page.locator("#viewer")
    expect(viewer).to_be_visible(timeout=30_000)
    expect(viewer.locator(".viewer-title")).to_have_text(XSS_TITLE)
    expect(viewer.locator("#viewer-body")).to_contain_text(SCRIPT)
    expect(viewer.locator("#viewer-body")).to_contain_text(f"Mọi kiến nghị {IMG} được ghi")
    expect(viewer.locator("mark#doc-hit")).to_contain_text(SCRIPT)

    # And in the documents list.
    page.get_by_role("tab", name="Tài liệu").click()
    expect(page.locator("#doc-table")).to_contain_text(XSS_TITLE, timeout=30_000)
    page.get_by_role("tab", name="Hỏi đáp").click()
    _shot(page, tmp_path, "3_html_as_text")

    # Nothing of it became an element, and nothing ran.
    expect(page.locator('img[src="x"]')).to_have_count(0)
    # (The page's config holds the titles as JSON with "<" escaped; no script is the document's own code.)
    assert page.evaluate("[...document.scripts].filter(s => s.textContent.trim() === 'window.__xss=1').length") == 0
    assert page.evaluate("window.__xss") is None
    assert dialogs == []


# --- 4. login ------------------------------------------------------------------------------------


@pytest.fixture
def login_app(tmp_path, model_dir):
    """The real app with a users file written by ``python -m ui.users add``."""
    users = tmp_path / "users.txt"
    made = subprocess.run(
        [sys.executable, "-m", "ui.users", "add", USER, "--file", str(users), "--password-stdin"],
        cwd=ROOT, input=PASSWORD + "\n", capture_output=True, text=True, env=app_env(tmp_path / "data", 0, {}),
    )
    assert made.returncode == 0, made.stderr
    assert users.read_text(encoding="utf-8").startswith(f"{USER}:scrypt:")
    (tmp_path / "corpus").mkdir()
    shutil.copyfile(SAMPLES, tmp_path / "corpus" / SAMPLES.name)
    yield from _start_app(tmp_path, model_dir, {"DANVAN_USERS_FILE": str(users)})


def _status(request: urllib.request.Request | str) -> int:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_login_blocks_anonymous_visitors_and_admits_the_right_password(login_app, page, tmp_path):
    from playwright.sync_api import expect

    url, _ = login_app
    page.goto(url, wait_until="load")
    expect(page.get_by_text("Đăng nhập để dùng trợ lý hỏi đáp.")).to_be_visible(timeout=30_000)
    password = page.locator("input[type=password]")
    expect(password).to_be_visible()
    expect(page.locator("#question")).to_have_count(0)
    expect(page.get_by_text("Trợ lý hỏi đáp công tác dân vận")).to_have_count(0)
    # The login form speaks Vietnamese too (Gradio ships no Vietnamese: ui.auth.LOGIN_TEXTS).
    expect(page.get_by_role("button", name="Đăng nhập")).to_be_visible()
    expect(page.get_by_text("Tên đăng nhập", exact=True)).to_be_visible()
    expect(page.get_by_text("Mật khẩu", exact=True)).to_be_visible()
    expect(page.get_by_text("username", exact=True)).to_have_count(0)
    # Nor can an anonymous client reach the app's config or its answer endpoint directly.
    assert _status(url + "config") == 401
    ask = urllib.request.Request(
        url + "gradio_api/call/answer", data=json.dumps({"data": [PUBLISH_QUESTION, []]}).encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    assert _status(ask) == 401
    _shot(page, tmp_path, "4a_login_form")

    user = page.locator("input:not([type=password])").first
    user.fill(USER)
    password.fill("mat-khau-sai-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_text("Sai tên đăng nhập hoặc mật khẩu.", exact=False)).to_be_visible(timeout=30_000)
    expect(page.locator("#question")).to_have_count(0)
    _shot(page, tmp_path, "4b_login_wrong_password")

    user.fill(USER)
    password.fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.locator("#question textarea").wait_for(state="visible", timeout=60_000)
    expect(page.get_by_text("Trợ lý hỏi đáp công tác dân vận").first).to_be_visible()
    _ask(page, PUBLISH_QUESTION)  # a logged-in session is answered
    expect(page.locator("#chat")).to_contain_text(PUBLISH_FACT)
    _shot(page, tmp_path, "4c_logged_in")


# --- 5. feedback ---------------------------------------------------------------------------------


def _feedback_rows(data: Path, comment: str) -> list[dict]:
    path = data / "feedback.sqlite"
    assert path.is_file(), f"no feedback store at {path}"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM feedback WHERE comment = ?", (comment,))]


def test_feedback_on_an_answer_is_saved_in_the_feedback_store(shared_app, page, tmp_path):
    from playwright.sync_api import expect

    from ui.chat import FEEDBACK_SAVED

    url, data = shared_app
    _open(page, url)
    _ask(page, PUBLISH_QUESTION)
    expect(page.locator("#chat")).to_contain_text(PUBLISH_FACT)

    page.get_by_text("Góp ý về câu trả lời gần nhất").click()
    verdicts = page.locator("#feedback-verdict")
    comment = page.locator("#feedback-comment textarea")
    status = page.locator("#feedback-status")
    send = page.locator("#feedback-send")

    # Without a verdict nothing is stored and the officer is told what to do.
    comment.fill("chưa chọn đánh giá")
    send.click()
    expect(status).to_contain_text("hãy chọn Đúng, Sai hoặc Nguồn sai")
    assert _feedback_rows(data, "chưa chọn đánh giá") == []

    for label, verdict in (("Đúng", "dung"), ("Sai", "sai"), ("Nguồn sai", "nguon_sai")):
        note = f"góp ý thử nghiệm {verdict}: trích dẫn khoản 3 Điều 5"
        verdicts.get_by_label(label, exact=True).check()
        comment.fill(note)
        send.click()
        expect(comment).to_have_value("", timeout=30_000)  # cleared once saved
        expect(status).to_contain_text(FEEDBACK_SAVED)
        expect(verdicts.get_by_label(label, exact=True)).not_to_be_checked()
        [row] = _feedback_rows(data, note)
        assert row["verdict"] == verdict
        assert row["question"] == PUBLISH_QUESTION
        assert PUBLISH_FACT in row["answer"]
        assert json.loads(row["doc_ids"]) == [PUBLISH_DOC]
        assert any(PUBLISH_FACT in q for q in json.loads(row["quotes"]))
        assert row["user"] == "" and row["refused"] == 0
        if verdict == "sai":
            _shot(page, tmp_path, "5_feedback_saved")


# --- 6. an eval run outlives the page --------------------------------------------------------


def test_an_eval_run_survives_a_page_reload_and_opens_from_past_runs(shared_app, page, tmp_path, mini_corpus):
    """The officer starts a run and closes or reloads the page: the run goes on, and its result is
    listed under "Các lần chạy trước" and opens there."""
    from playwright.sync_api import expect
    from test_app import EVAL_QUESTIONS, write_jsonl

    url, data = shared_app
    (tmp_path / "upload").mkdir()
    dataset = write_jsonl(tmp_path / "upload" / "tai_lai.jsonl", EVAL_QUESTIONS)
    page.goto(url, wait_until="load")
    page.locator("#question textarea").wait_for(state="visible", timeout=30_000)
    page.get_by_role("tab", name="Đánh giá").click()
    # Gradio's own upload strings in Vietnamese too (ui.assets.GRADIO_TEXTS).
    expect(page.locator("#eval-dataset").get_by_text("Thả tệp vào đây")).to_be_visible()
    expect(page.get_by_text("Drop File Here")).to_have_count(0)
    page.locator("#eval-dataset input[type=file]").set_input_files(str(dataset))
    page.locator("#eval-corpus input[type=file]").set_input_files(str(mini_corpus))
    expect(page.locator("#eval-dataset a[href$='/tai_lai.jsonl']")).to_be_visible(timeout=30_000)
    expect(page.locator("#eval-corpus a[href$='/mini.jsonl']")).to_be_visible(timeout=30_000)
    page.locator("#eval-run").click()
    page.wait_for_timeout(300)  # the click's request leaves before the page goes away
    page.reload(wait_until="load")

    runs = data / "runs"
    deadline = time.monotonic() + 120
    while not [p for p in runs.glob("*tai_lai*/metrics.json")] and time.monotonic() < deadline:
        time.sleep(0.5)
    [metrics] = runs.glob("*tai_lai*/metrics.json")
    name = metrics.parent.name

    page.locator("#question textarea").wait_for(state="visible", timeout=30_000)
    page.get_by_role("tab", name="Đánh giá").click()
    past = page.locator("#eval-past input")
    past.click()  # focusing the list reads the runs folder again
    page.get_by_role("option", name=name).click()
    page.locator("#eval-open").click()
    result = page.locator("#eval-result")
    expect(result).to_contain_text("Kết quả đánh giá", timeout=30_000)
    expect(result).to_contain_text("4 câu hỏi: 3 câu có đáp án trong tài liệu, 1 câu ngoài tài liệu.")
    expect(page.locator("#eval-files a[href$='/report.html']")).to_be_visible()
    _shot(page, tmp_path, "6_eval_run_reopened_after_reload")
