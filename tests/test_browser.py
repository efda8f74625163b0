"""The chat in a real browser: Debian chromium, driven by playwright, against the real app UI.

The app runs in a subprocess with the scripted pipeline of ``test_app`` (no model) and,
for the "Đánh giá" tab, the real eval runner with the hashing embedder and a store under
the test's data dir. This checks what a user sees: the typed question goes in, the answer
and the quoted passage come out, a follow-up carries the conversation, and an uploaded
question set comes back as a table of metrics with the report to download.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOT_COPY = Path("/tmp/app_screenshot.png")
EVAL_SCREENSHOT_COPY = Path("/tmp/app_eval.png")

LAUNCHER = """
import json, sys
sys.path[:0] = [{root!r}, {tests!r}]
import app, rag
from fakes import HashingEmbedder
from test_app import ScriptedPipeline

class Recording(ScriptedPipeline):
    def run(self, question, history=()):
        with open({calls!r}, "a", encoding="utf-8") as f:
            f.write(json.dumps([question, [[t.role, t.content] for t in history]], ensure_ascii=False) + "\\n")
        yield from super().run(question, history)

settings = rag.Settings.from_env()  # DANVAN_DATA_DIR: the test's tmp_path
evaluate = app.evaluator(settings, rag.open_store(settings), HashingEmbedder())
app.build_app(Recording(), evaluate=evaluate).launch(server_name="127.0.0.1", server_port={port}, **app.LAUNCH_OPTIONS)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_serving(url: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"app exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"app did not answer on {url} in {timeout}s:\n{log.read_text(errors='replace')}")


def app_env(data_dir: Path, port: int, extra: dict[str, str]) -> dict[str, str]:
    """The app's environment: no DANVAN_* of the developer's shell (the app refuses unknown keys)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("DANVAN_")}
    return base | {
        "DANVAN_DATA_DIR": str(data_dir),
        "DANVAN_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        "NO_PROXY": "127.0.0.1,localhost",
    } | extra


def _serve(cmd: list[str], tmp_path: Path, port: int, extra_env: dict[str, str], timeout: float = 90):
    env = app_env(tmp_path / "data", port, extra_env)
    log = tmp_path / "app.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=out, stderr=out)
    try:
        _wait_until_serving(f"http://127.0.0.1:{port}/", proc, log, timeout)
        yield f"http://127.0.0.1:{port}/", log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def real_app(tmp_path, model_dir):
    """``python app.py`` itself: real model, real store, the shipped sample corpus."""
    cmd = [sys.executable, str(ROOT / "app.py")]
    extra = {"DANVAN_MODEL_DIR": str(model_dir), "DANVAN_CORPUS_DIR": str(ROOT / "corpus")}
    yield from _serve(cmd, tmp_path, _free_port(), extra, timeout=300)


@pytest.fixture
def served_app(tmp_path):
    """URL of the app (scripted pipeline) and the file where the pipeline records its calls."""
    port, calls = _free_port(), tmp_path / "calls.jsonl"
    launcher = tmp_path / "launch_app.py"
    launcher.write_text(
        LAUNCHER.format(root=str(ROOT), tests=str(ROOT / "tests"), calls=str(calls), port=port), encoding="utf-8"
    )
    for url, _ in _serve([sys.executable, str(launcher)], tmp_path, port, {}):
        yield url, calls


@pytest.fixture
def page():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found; install Debian's chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
        finally:
            browser.close()


def _ask(page, question: str) -> None:
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")


def test_question_without_diacritics_gets_an_answer_with_the_quoted_passage(served_app, page, tmp_path):
    from playwright.sync_api import expect
    from test_app import ANSWER, QUOTE, RULES

    url, calls = served_app
    page.goto(url, wait_until="load")
    page.locator("#question textarea").wait_for(state="visible", timeout=30_000)
    expect(page.get_by_text("Trợ lý hỏi đáp công tác dân vận").first).to_be_visible()

    _ask(page, "hop lien tich bao lau mot lan")
    chat, sources = page.locator("#chat"), page.locator("#sources")
    expect(chat).to_contain_text("họp liên tịch định kỳ mỗi quý một lần. [1]", timeout=30_000)
    expect(sources).to_contain_text(QUOTE)
    expect(sources).to_contain_text(RULES.number)
    # The formal citation as officers write it, and the quoted span highlighted in its passage.
    expect(sources).to_contain_text(f"Trích dẫn: Khoản 1 Điều 8 {RULES.title} số {RULES.number} ngày {RULES.date}")
    expect(sources.locator("mark").first).to_contain_text("họp liên tịch định kỳ mỗi quý một lần")
    expect(sources.get_by_role("button", name="Xem văn bản").first).to_be_visible()
    expect(page.locator("#question textarea")).to_have_value("")

    shot = tmp_path / "app.png"
    page.screenshot(path=str(shot), full_page=True)
    shutil.copyfile(shot, SCREENSHOT_COPY)

    _ask(page, "con hop bat thuong thi sao")
    expect(chat).to_contain_text("con hop bat thuong thi sao")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(calls.read_text(encoding="utf-8").splitlines()) < 2:
        time.sleep(0.2)
    first, second = (json.loads(line) for line in calls.read_text(encoding="utf-8").splitlines())
    assert first == ["hop lien tich bao lau mot lan", []]
    assert second == [
        "con hop bat thuong thi sao",
        [["user", "hop lien tich bao lau mot lan"], ["assistant", ANSWER.text]],
    ]


def test_example_question_fills_the_textbox(served_app, page):
    from playwright.sync_api import expect

    import app

    url, _ = served_app
    page.goto(url, wait_until="load")
    page.locator("#question textarea").wait_for(state="visible", timeout=30_000)
    unaccented = next(q for q in app.EXAMPLES if q.isascii())
    page.get_by_text(unaccented).first.click()
    expect(page.locator("#question textarea")).to_have_value(unaccented)


def test_eval_tab_runs_an_uploaded_question_set_and_shows_the_metrics(served_app, page, tmp_path, mini_corpus):
    from playwright.sync_api import expect
    from test_app import EVAL_QUESTIONS, write_jsonl

    import ui_render

    url, _ = served_app
    (tmp_path / "upload").mkdir()
    dataset = write_jsonl(tmp_path / "upload" / "cau_hoi.jsonl", EVAL_QUESTIONS)
    page.goto(url, wait_until="load")
    page.locator("#question textarea").wait_for(state="visible", timeout=30_000)
    page.get_by_role("tab", name="Đánh giá").click()

    page.locator("#eval-dataset input[type=file]").set_input_files(str(dataset))
    page.locator("#eval-corpus input[type=file]").set_input_files(str(mini_corpus))
    # Uploaded when the file offers its download link (Gradio shows the name as "cau_hoi .jsonl").
    expect(page.locator("#eval-dataset a[href$='/cau_hoi.jsonl']")).to_be_visible(timeout=30_000)
    expect(page.locator("#eval-corpus a[href$='/mini.jsonl']")).to_be_visible(timeout=30_000)
    page.locator("#eval-run").click()

    result = page.locator("#eval-result")
    expect(result).to_contain_text("Kết quả đánh giá", timeout=90_000)
    expect(result).to_contain_text("4 câu hỏi: 3 câu có đáp án trong tài liệu, 1 câu ngoài tài liệu.")
    [run] = (tmp_path / "data" / "runs").iterdir()
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    for section, key, label, _ in ui_render.EVAL_METRICS:
        row = result.locator("tr", has_text=label).first
        expect(row).to_contain_text(ui_render.format_metric(section, key, metrics[section][key]))
    expect(result.locator("tr", has_text="Ngoài tài liệu (unanswerable)")).to_contain_text("1")
    expect(page.locator("#eval-files a[href$='/report.html']")).to_be_visible()
    expect(page.locator("#eval-files a[href$='/metrics.json']")).to_be_visible()

    shot = tmp_path / "eval.png"
    page.screenshot(path=str(shot), full_page=True)
    shutil.copyfile(shot, EVAL_SCREENSHOT_COPY)


@pytest.mark.model
def test_the_real_app_answers_an_unaccented_question_from_the_sample_corpus(real_app, page, tmp_path):
    from playwright.sync_api import expect

    url, log = real_app
    page.goto(url, wait_until="load")
    page.locator("#question textarea").wait_for(state="visible", timeout=60_000)
    _ask(page, "ubnd xa phai cong khai thong tin cham nhat may ngay")
    expect(page.locator("#chat")).to_contain_text("05 ngày làm việc", timeout=60_000)
    sources = page.locator("#sources")
    expect(sources).to_contain_text("01/QCPH-UBND-MTTQ")
    expect(sources).to_contain_text("Tài liệu mẫu")
    page.screenshot(path=str(tmp_path / "real.png"), full_page=True)
    shutil.copyfile(tmp_path / "real.png", Path("/tmp/app_real_test.png"))
    _ask(page, "Giá vé máy bay đi Hà Nội tuần sau là bao nhiêu?")
    expect(page.locator("#chat")).to_contain_text("Không tìm thấy thông tin này trong tài liệu đã nạp.", timeout=60_000)
    assert "Traceback" not in log.read_text(errors="replace")
