"""Security of the served app (SECURITY.md): each threat against the real app on 127.0.0.1.

The app is the one ``python app.py`` serves (``app.launch_options``: the same middleware, login and
local-access token), built in this process with the hashing embedder and a real store and catalog
under tmp_path, over the four documents of ``mini_corpus``. The command lines run as subprocesses
beside it, as an officer runs them.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from conftest import MINI_DOCS
from fakes import HashingEmbedder

import app
import ingest
import rag
from rag import remote
from ui.api import PATHS_REFUSED, Api
from ui.auth import authenticator, hash_password
from ui.documents import Library
from ui.security import EXPORT_REFUSED, HOST_REFUSED, ORIGIN_REFUSED, export_dir

ROOT = Path(__file__).resolve().parents[1]
USERS = {"can-bo.lan": "mat-khau-lan-2026", "can-bo.minh": "mat-khau-minh-2026"}
#: What no visitor may read before logging in: every title, doc id, số hiệu and issuer.
SECRETS = [d[k] for d in MINI_DOCS for k in ("title", "doc_id", "number", "issuer")]
QUESTION = "Tổ hòa giải có từ bao nhiêu hòa giải viên trở lên?"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_users(path: Path, users: dict[str, str]) -> Path:
    """A users file as ``python -m ui.users add`` writes it (cheap scrypt salt, same format)."""
    path.write_text("".join(f"{n}:{hash_password(p)}\n" for n, p in users.items()), encoding="utf-8")
    return path


def build(settings: rag.Settings, corpus: Path, store, users_file: Path | None = None):
    """The served app over ``corpus`` and the ``launch()`` options ``python app.py`` uses."""
    embedder = HashingEmbedder()
    ingest.sync(settings, [corpus], store=store, embedder=embedder)
    pipeline = rag.Pipeline(settings, store=store, embedder=embedder)
    token = remote.write_local_token(settings.data_dir)
    api = Api(settings, store, embedder, pipeline, local_token=token)
    library = Library(settings, store, embedder, api.lock)
    auth = None
    if users_file is not None:
        from ui.auth import read_users

        auth = authenticator(read_users(users_file))
    return app.build_app(pipeline, api=api, library=library), app.launch_options(settings, auth, token)


class Served:
    """A running app: its URL, settings and data dir."""

    def __init__(self, url: str, settings: rag.Settings, port: int, blocks) -> None:
        self.url, self.settings, self.port, self.blocks = url, settings, port, blocks

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a command line beside this app (same data dir and port)."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("DANVAN_")}
        return base | {"DANVAN_DATA_DIR": str(self.settings.data_dir), "DANVAN_PORT": str(self.port),
                       "NO_PROXY": "127.0.0.1,localhost", "HF_HUB_OFFLINE": "1"} | extra

    def cli(self, *args: str, **extra: str) -> subprocess.CompletedProcess:
        """``python -m <args>`` beside the app."""
        return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=self.env(**extra), capture_output=True,
                              text=True, timeout=120)

    def indexed(self) -> set[str]:
        """Doc ids in the app's catalog now."""
        from rag.docstore import DocStore, catalog_path

        docs = DocStore(catalog_path(self.settings.data_dir))
        try:
            return {d.document.doc_id for d in docs.list(self.settings.collection, limit=10_000)}
        finally:
            docs.close()


def _serve(tmp_path, monkeypatch, corpus: Path, users_file: Path | None, **env: str):
    port = free_port()
    monkeypatch.setenv("DANVAN_PORT", str(port))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    if users_file is not None:
        monkeypatch.setenv("DANVAN_USERS_FILE", str(users_file))
    settings = rag.Settings.from_env()
    with rag.open_store(settings) as store:
        blocks, options = build(settings, corpus, store, users_file)
        blocks.launch(**options, prevent_thread_lock=True, quiet=True)
        try:
            yield Served(f"http://127.0.0.1:{port}/", settings, port, blocks)
        finally:
            blocks.close()


@pytest.fixture
def open_app(tmp_path, monkeypatch, mini_corpus):
    """The app without login (the default: 127.0.0.1 only)."""
    yield from _serve(tmp_path, monkeypatch, mini_corpus, None)


#: The office's name for the app (DANVAN_ALLOWED_HOSTS), as when it serves the network behind a login.
OFFICE_NAME = "danvan.lan"


@pytest.fixture
def named_app(tmp_path, monkeypatch, mini_corpus):
    """The app also answering to :data:`OFFICE_NAME`: a Host Gradio does not take for a local one."""
    yield from _serve(tmp_path, monkeypatch, mini_corpus, None, DANVAN_ALLOWED_HOSTS=OFFICE_NAME)


@pytest.fixture
def login_app(tmp_path, monkeypatch, mini_corpus):
    """The app with a users file of two officers."""
    yield from _serve(tmp_path, monkeypatch, mini_corpus, write_users(tmp_path / "users.txt", USERS))


def login(served: Served, user: str) -> httpx.Client:
    """An HTTP client logged in as ``user`` through the app's login form."""
    client = httpx.Client(base_url=served.url, timeout=30)
    response = client.post("login", data={"username": user, "password": USERS[user]})
    assert response.status_code == 200, response.text
    return client


def call(served: Served, api_name: str, data: list, headers: dict | None = None,
         client: httpx.Client | None = None) -> tuple[int, str]:
    """POST to ``/gradio_api/call/<api_name>`` and read the result stream: ``(status, text)``, the text
    being the endpoint's output (or its error message) decoded, or the refusal's body."""
    client = client or httpx.Client(base_url=served.url, timeout=60)
    posted = client.post(f"gradio_api/call/{api_name}", json={"data": data}, headers=headers or {})
    if posted.status_code != 200:
        return posted.status_code, posted.text
    streamed = client.get(f"gradio_api/call/{api_name}/{posted.json()['event_id']}", headers=headers or {})
    event = streamed.text.split("event: ")[-1]
    kind, _, data_line = event.partition("\ndata: ")
    decoded = json.loads(data_line.strip() or "null")
    if kind.strip() == "complete":
        return streamed.status_code, decoded[0]
    message = decoded.get("error") if isinstance(decoded, dict) else decoded
    return streamed.status_code, f"{kind.strip()}: {message}"


# --- 1. before login, nothing of the library ------------------------------------------------------


def _get_routes(served: Served) -> list[str]:
    """Every GET route of the running app (an endpoint's name in ``{api_name}``), and the API view."""
    paths = set()
    for path, methods in served.blocks.server_app.openapi()["paths"].items():
        if "get" in methods:
            for name in ("answer", "ingest", "remove", "upload"):
                paths.add(path.replace("{api_name}", name).lstrip("/"))
    return sorted({p for p in paths if "{" not in p} | {"?view=api", "gradio_api/info?all_endpoints=true"})


def test_logged_out_no_page_or_endpoint_gives_away_a_document(login_app):
    client = httpx.Client(base_url=login_app.url, timeout=30)
    seen = {}
    for path in _get_routes(login_app):
        response = client.get(path)
        seen[path] = response.status_code
        leaked = [s for s in SECRETS if s in response.text]
        assert not leaked, f"GET /{path} ({response.status_code}) shows {leaked} to a visitor who has not logged in"
    assert len(seen) > 20, seen
    assert seen[""] == 200 and "Đăng nhập để dùng trợ lý hỏi đáp." in client.get("").text
    # Logged in, the same page does list the library: the check above is not vacuous.
    officer = login(login_app, "can-bo.lan")
    assert MINI_DOCS[0]["title"] in officer.get("").text + officer.get("config").text


# --- 2. no other site can drive the app -------------------------------------------------------------


def _secret_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "secret"
    folder.mkdir()
    (folder / "ghi-chu.txt").write_text("Mật khẩu két sắt của xã là 4711.", encoding="utf-8")
    return folder


def test_a_request_for_another_host_name_gets_nothing_done_or_read(open_app, tmp_path):
    """DNS rebinding: a page at evil.example:PORT whose name now resolves to 127.0.0.1."""
    folder = _secret_folder(tmp_path)
    rebound = {"Host": f"evil.example:{open_app.port}", "Origin": f"http://evil.example:{open_app.port}"}
    status, text = call(open_app, "ingest", [[str(folder)], False], headers=rebound)
    assert (status, text) == (400, HOST_REFUSED)
    page = httpx.get(open_app.url, headers={"Host": f"evil.example:{open_app.port}"})
    assert page.status_code == 400 and "gradio_config" not in page.text
    status, text = call(open_app, "answer", [QUESTION, []], headers=rebound)
    assert status == 400 and "hòa giải" not in text
    assert not any(d.startswith("file:") for d in open_app.indexed())
    # The names the app is served under still work.
    for host in ("127.0.0.1", "localhost"):
        assert httpx.get(open_app.url, headers={"Host": f"{host}:{open_app.port}"}).status_code == 200


def test_another_origin_gets_no_cors_allowance_and_changes_nothing(named_app):
    served = named_app
    before = served.indexed()
    # Gradio's own CORS layer let any origin read what a non-loopback Host answers (here: OFFICE_NAME,
    # as an office machine's name would be); now nothing happens and no allowance is sent.
    for host in ("127.0.0.1", OFFICE_NAME):
        foreign = {"Origin": "https://evil.example", "Host": f"{host}:{served.port}"}
        for api_name, data in (("remove", [["test:hoa-giai"]]), ("answer", [QUESTION, []])):
            posted = httpx.post(served.url + f"gradio_api/call/{api_name}", json={"data": data}, headers=foreign)
            assert (posted.status_code, posted.text) == (403, ORIGIN_REFUSED), (host, api_name)
        config = httpx.get(served.url + "config", headers=foreign)
        assert (config.status_code, config.text) == (403, ORIGIN_REFUSED)
        # no CORS allowance for another origin, under any name (Gradio's own layer included)
        assert "access-control-allow-origin" not in config.headers, host
        preflight = httpx.options(served.url + "gradio_api/call/answer", headers={
            **foreign, "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in preflight.headers, host
        upload = httpx.post(served.url + "gradio_api/upload", headers=foreign,
                            files={"files": ("a.txt", "Điều 1. Thử".encode(), "text/plain")})
        assert upload.status_code == 403
    # A cross-site form post carries Sec-Fetch-Site even where it carries no usable Origin.
    status, _ = call(served, "remove", [["test:hoa-giai"]], headers={"Sec-Fetch-Site": "cross-site"})
    assert status == 403
    assert served.indexed() == before
    # The app's own page (same origin), under either name, is served and answered as before.
    for origin in (served.url.rstrip("/"), f"http://{OFFICE_NAME}:{served.port}"):
        own = {"Origin": origin, "Host": origin.split("//")[1], "Sec-Fetch-Site": "same-origin"}
        status, text = call(served, "answer", [QUESTION, []], headers=own)
        assert status == 200 and "03 hòa giải viên" in json.loads(text)["text"], origin


# --- 3. /ingest reads only what the command line on this machine asks ----------------------------


def test_ingest_by_path_needs_the_local_token_and_says_to_upload_instead(open_app, tmp_path):
    folder = _secret_folder(tmp_path)
    status, text = call(open_app, "ingest", [[str(folder)], False])  # a plain API client, from 127.0.0.1
    assert (status, text) == (200, f"error: {PATHS_REFUSED}")
    wrong = {remote.TOKEN_HEADER: "doan-bua"}
    assert call(open_app, "ingest", [[str(folder)], False], headers=wrong) == (200, f"error: {PATHS_REFUSED}")
    assert "file:ghi-chu.txt" not in open_app.indexed()
    token = remote.read_local_token(open_app.settings.data_dir)
    status, text = call(open_app, "ingest", [[str(folder)], False], headers={remote.TOKEN_HEADER: token})
    assert status == 200 and json.loads(text)["added"] == ["ghi-chu.txt"]
    assert "file:ghi-chu.txt" in open_app.indexed()


def test_the_token_file_is_readable_by_its_owner_only_and_new_at_each_start(tmp_path):
    first = remote.write_local_token(tmp_path / "data")
    mode = stat.S_IMODE((tmp_path / "data" / remote.TOKEN_FILE).stat().st_mode)
    assert mode == 0o600 and len(first) >= 40
    assert remote.write_local_token(tmp_path / "data") != first


# --- 4. the command lines beside the app, with login on and off -----------------------------------


def _new_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "van-ban"
    folder.mkdir()
    (folder / "thong-bao.md").write_text(
        "---\ntitle: Thông báo lịch họp dân thôn Đông Thử\n---\nĐiều 1. Lịch họp\n"
        "Thôn Đông Thử họp dân vào tối thứ Sáu đầu tháng tại nhà văn hóa thôn.\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("served", ["open_app", "login_app"])
def test_ingest_and_ask_work_beside_the_app_with_login_on_and_off(served, request, tmp_path):
    served = request.getfixturevalue(served)
    folder = _new_folder(tmp_path)
    done = served.cli("ingest", str(folder), "--keep")
    assert done.returncode == 0, done.stderr
    assert "Đã thêm (1): thong-bao.md" in done.stdout and "file:thong-bao.md" in served.indexed()
    asked = served.cli("rag", "ask", "--json", QUESTION)
    assert asked.returncode == 0, asked.stderr
    assert "03 hòa giải viên" in json.loads(asked.stdout)["text"]
    removed = served.cli("ingest", "--remove", "file:thong-bao.md")
    assert removed.returncode == 0 and "Đã xoá khỏi chỉ mục: thong-bao.md" in removed.stdout, removed.stderr
    assert "file:thong-bao.md" not in served.indexed()


def test_without_the_token_file_the_cli_says_what_is_wrong_not_that_the_app_is_missing(login_app):
    (Path(login_app.settings.data_dir) / remote.TOKEN_FILE).unlink()
    asked = login_app.cli("rag", "ask", QUESTION)
    assert asked.returncode == 1
    assert "yêu cầu đăng nhập" in asked.stderr and remote.TOKEN_FILE in asked.stderr and "không có ứng dụng nào trả lời" not in asked.stderr
    (Path(login_app.settings.data_dir) / remote.TOKEN_FILE).write_text("cu-roi", encoding="ascii")
    stale = login_app.cli("ingest", "--remove", "test:hoa-giai")
    assert stale.returncode == 1 and "từ chối mã truy cập cục bộ" in stale.stderr
    assert "test:hoa-giai" in login_app.indexed()


def test_a_missing_folder_through_the_app_is_named(open_app, tmp_path):
    missing = tmp_path / "khong-co"
    run = open_app.cli("ingest", str(missing))
    assert run.returncode == 1
    assert f"{missing}: không có tệp hoặc thư mục này" in run.stderr and "upstream Gradio app" not in run.stderr


def test_removing_an_unknown_doc_id_through_the_app_says_so_and_fails(open_app):
    through = open_app.cli("ingest", "--remove", "file:khong-co.docx")
    assert through.returncode == 1 and "Đã xoá" not in through.stdout
    assert "file:khong-co.docx: không có trong chỉ mục" in through.stderr and "upstream Gradio app" not in through.stderr
    status, text = call(open_app, "remove", [["file:khong-co.docx", "test:hoa-giai"]])
    assert text.startswith("error: file:khong-co.docx: không có trong chỉ mục") and "test:hoa-giai" in open_app.indexed()


def test_removing_an_unknown_doc_id_without_the_app_fails_and_removes_nothing(tmp_path, mini_corpus):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANVAN_")} | {
        "DANVAN_DATA_DIR": str(tmp_path / "alone")}
    settings = rag.Settings.from_env(env)
    with rag.open_store(settings) as store:
        ingest.sync(settings, [mini_corpus], store=store, embedder=HashingEmbedder())
    run = subprocess.run([sys.executable, "-m", "ingest", "--remove", "file:khong-co.docx", "test:hoa-giai"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "file:khong-co.docx: không có trong chỉ mục" in run.stderr and "Đã xoá" not in run.stdout
    with rag.open_store(settings) as store:
        assert "test:hoa-giai" in store.chunk_counts(settings.collection)


# --- 5. files of one session belong to it ---------------------------------------------------------


class _Request:  # what Gradio hands a handler: the logged-in user's name
    def __init__(self, username: str | None) -> None:
        self.username = username


def test_one_user_cannot_download_another_users_export(login_app):
    from test_app import ANSWER, QUOTE

    from ui.chat import export_answers

    path = export_answers([{"answer": ANSWER}], "last", "md", out_dir=export_dir(_Request("can-bo.lan")))
    assert path is not None
    url = f"gradio_api/file={path}"
    lan, minh = login(login_app, "can-bo.lan"), login(login_app, "can-bo.minh")
    mine = lan.get(url)
    assert mine.status_code == 200 and QUOTE in mine.text
    theirs = minh.get(url)
    assert (theirs.status_code, theirs.text) == (403, EXPORT_REFUSED)
    assert httpx.get(login_app.url + url).status_code in (401, 403)  # and not to a visitor at all
