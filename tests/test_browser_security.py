"""Security in a real browser (SECURITY.md): Debian chromium, driven by playwright, against the real
app of ``test_security`` (served in this process on 127.0.0.1, hashing embedder, real store).

- logged out, the page holds no document title or doc id;
- a page posing as another site (a rebound name, a foreign origin) gets nothing done and reads nothing;
- one officer cannot open another's export.

``evil.example`` is mapped to 127.0.0.1 inside chromium (``--host-resolver-rules``), as DNS
rebinding would map it, and so is the office's name for the app (``test_security.OFFICE_NAME``):
Gradio's own CORS layer treats a non-loopback name as open to every origin.
"""

from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path

import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS
from test_security import (  # noqa: F401  (fixtures)
    OFFICE_NAME,
    QUESTION,
    SECRETS,
    USERS,
    _secret_folder,
    free_port,
    login_app,
    named_app,
    open_app,
)

from ui.security import EXPORT_REFUSED, HOST_REFUSED, ORIGIN_REFUSED

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/browser-shots")


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found; install Debian's chromium: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM),
                                     args=CHROMIUM_ARGS + [f"--host-resolver-rules=MAP evil.example 127.0.0.1, "
                                                                   f"MAP {OFFICE_NAME} 127.0.0.1"])
        try:
            yield chromium
        finally:
            chromium.close()


def _page(browser):
    return browser.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN").new_page()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"security_{name}.png"), full_page=True)


def _log_in(page, url: str, user: str) -> None:
    page.goto(url, wait_until="load")
    page.locator("input[type=password]").wait_for(state="visible", timeout=60_000)
    page.locator("input:not([type=password])").first.fill(user)
    page.locator("input[type=password]").fill(USERS[user])
    page.get_by_role("button", name="Đăng nhập").click()
    page.locator("#question textarea").wait_for(state="visible", timeout=60_000)


def _everything_the_page_holds(page) -> str:
    return page.content() + page.evaluate(
        "JSON.stringify([window.gradio_config || null, window.gradio_api_info || null])")


def test_logged_out_the_page_holds_no_document_title_or_doc_id(login_app, browser):
    page = _page(browser)
    page.goto(login_app.url, wait_until="load")
    page.locator("input[type=password]").wait_for(state="visible", timeout=60_000)
    held = _everything_the_page_holds(page)
    _shot(page, "logged_out")
    assert not [s for s in SECRETS if s in held]
    # Logged in, the same page does hold the library (so the check above can fail).
    _log_in(page, login_app.url, "can-bo.lan")
    assert any(s in _everything_the_page_holds(page) for s in SECRETS)


EVIL_PAGE = """<!doctype html><title>Trang lạ</title><script>
window.results = {};
(async () => {
  const app = %(app)s;
  const post = (path, data, mode) => fetch(app + path, {method: "POST", mode, credentials: "include",
      headers: {"Content-Type": "text/plain"}, body: JSON.stringify({data})});
  for (const [name, path, data, mode] of [
      ["ingest", "gradio_api/call/ingest", [[%(folder)s], false], "no-cors"],
      ["remove", "gradio_api/call/remove", [["test:hoa-giai"]], "no-cors"],
      ["answer", "gradio_api/call/answer", [%(question)s, []], "cors"]]) {
    try { const r = await post(path, data, mode); window.results[name] = r.type + ":" + r.status + ":" + await r.text(); }
    catch (e) { window.results[name] = "blocked: " + e; }
  }
  try { const r = await fetch(app + "config", {credentials: "include"}); window.results.config = r.type + ":" + r.status + ":" + await r.text(); }
  catch (e) { window.results.config = "blocked: " + e; }
  window.done = true;
})();
</script>"""


def _serve_page(html: str) -> tuple[str, http.server.HTTPServer]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = html.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    port = free_port()
    server = http.server.HTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://evil.example:{port}/", server


def test_a_page_of_another_site_gets_nothing_done_and_reads_nothing(named_app, browser, tmp_path):
    folder = _secret_folder(tmp_path)
    before = named_app.indexed()
    for app_url in (named_app.url, f"http://{OFFICE_NAME}:{named_app.port}/"):
        html = EVIL_PAGE % {"app": json.dumps(app_url), "folder": json.dumps(str(folder)),
                            "question": json.dumps(QUESTION)}
        url, server = _serve_page(html)
        try:
            page = _page(browser)
            page.goto(url, wait_until="load")
            page.wait_for_function("window.done === true", timeout=60_000)
            results = page.evaluate("window.results")
        finally:
            server.shutdown()
        assert results["ingest"] == "opaque:0:" and results["remove"] == "opaque:0:"  # sent, nothing to read
        for name in ("answer", "config"):  # what it reads, if anything, is the refusal
            assert results[name].startswith("blocked") or results[name] == f"cors:403:{ORIGIN_REFUSED}", \
                (app_url, results[name])
        assert named_app.indexed() == before  # nothing indexed, nothing removed


def test_a_rebound_name_gets_the_refusal_not_the_app(open_app, browser, tmp_path):
    folder = _secret_folder(tmp_path)
    page = _page(browser)
    rebound = f"http://evil.example:{open_app.port}/"
    page.goto(rebound, wait_until="load")
    _shot(page, "rebound_host")
    assert HOST_REFUSED in page.content() and "gradio_config" not in page.content()
    # Its own scripts, same-origin now, are refused too.
    status = page.evaluate("""async ([path, folder]) => (await fetch(path, {method: "POST",
        headers: {"Content-Type": "application/json"}, body: JSON.stringify({data: [[folder], false]})})).status""",
                           [rebound + "gradio_api/call/ingest", str(folder)])
    assert status == 400
    assert not any(d.startswith("file:") for d in open_app.indexed())


def test_one_officer_cannot_open_another_officers_export(login_app, browser, tmp_path):
    from playwright.sync_api import expect

    lan = _page(browser)
    _log_in(lan, login_app.url, "can-bo.lan")
    box = lan.locator("#question textarea")
    box.fill(QUESTION)
    box.press("Enter")
    expect(lan.locator("#chat")).to_contain_text("03 hòa giải viên", timeout=60_000)
    lan.locator("#export-last-md").click()
    link = lan.locator("#export-file a").first
    link.wait_for(state="attached", timeout=30_000)
    href = link.get_attribute("href")
    href = href if href.startswith("http") else login_app.url.rstrip("/") + "/" + href.lstrip("/")
    mine = lan.request.get(href)
    assert mine.status == 200 and "03 hòa giải viên" in mine.text()
    minh = _page(browser)
    _log_in(minh, login_app.url, "can-bo.minh")
    theirs = minh.request.get(href)
    assert (theirs.status, theirs.text()) == (403, EXPORT_REFUSED)
    minh.goto(href)
    _shot(minh, "export_of_another_officer")
    assert EXPORT_REFUSED in minh.content()
