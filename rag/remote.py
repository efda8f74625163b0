"""Reach a running app over HTTP when the embedded store is held by it.

The command lines call these when opening the store raises
:class:`rag.store.StoreBusyError`: the app on ``settings.host:settings.port``
answers through its API (:mod:`ui.api`). ``gradio_client`` is imported here only.

**Proof of local access.** At start-up the app writes a fresh random token to
``<data_dir>/local-access-token`` (mode 600, :func:`write_local_token`). Whoever can read
that file runs on the app's machine with the app's rights, so the command lines send it
with every request (header :data:`TOKEN_HEADER`) and, when the app has a login, log in
with it as :data:`LOCAL_USER`: no password is ever typed or put on a command line.
The app honours ``/ingest`` (paths of its machine) only with this token (:mod:`ui.api`).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from rag.config import Settings
from rag.errors import DanvanError, InputError

TOKEN_FILE = "local-access-token"
TOKEN_HEADER = "X-Danvan-Local-Token"
#: The login name of a command line that proved local access (":" never occurs in a users-file name).
LOCAL_USER = "cli:local"


class RemoteError(DanvanError):
    """The running app could not be reached, or refused or failed a request (the message names why)."""


def token_path(data_dir: Path | str) -> Path:
    """Where the app keeps its local-access token.

    >>> token_path("data").as_posix()
    'data/local-access-token'
    """
    return Path(data_dir) / TOKEN_FILE


def write_local_token(data_dir: Path | str) -> str:
    """Write a fresh token for this run of the app (mode 600, replacing any earlier one); returns it."""
    path = token_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode is masked by the umask; the file must never be readable by others
        os.write(fd, token.encode("ascii"))
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return token


def read_local_token(data_dir: Path | str) -> str | None:
    """The token of the app that serves this data dir, or ``None`` when there is none to read."""
    try:
        return token_path(data_dir).read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def app_url(settings: Settings) -> str:
    """The URL the command lines use to reach the app (a wildcard bind address means this machine)."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    return f"http://{host}:{settings.port}/"


def _client(settings: Settings):
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    url = app_url(settings)
    token = read_local_token(settings.data_dir)
    headers = {TOKEN_HEADER: token} if token else None
    try:
        return Client(url, headers=headers, verbose=False)
    except AuthenticationError:
        pass  # the app has a login: log in with the token below
    except Exception as exc:  # connection refused, not a danvan app, ...
        raise RemoteError(
            f"Chỉ mục đang bị một tiến trình khác giữ, và không có ứng dụng nào trả lời tại {url} ({exc}). "
            "Hãy dừng tiến trình kia, hoặc khởi động ứng dụng (make app) rồi chạy lại lệnh."
        ) from exc
    if token is None:
        raise RemoteError(
            f"Ứng dụng tại {url} yêu cầu đăng nhập, và không đọc được {token_path(settings.data_dir)} (mã truy cập "
            "cục bộ của ứng dụng). Hãy chạy lệnh này bằng đúng tài khoản chạy ứng dụng, với cùng DANVAN_DATA_DIR."
        )
    try:
        return Client(url, headers=headers, auth=(LOCAL_USER, token), verbose=False)
    except Exception as exc:
        raise RemoteError(
            f"Ứng dụng tại {url} từ chối mã truy cập cục bộ trong {token_path(settings.data_dir)} ({exc}). "
            "Ứng dụng đang dùng thư mục dữ liệu khác (hãy dùng DANVAN_DATA_DIR của nó), hoặc là phiên bản cũ "
            "(hãy khởi động lại ứng dụng)."
        ) from exc


def _call(settings: Settings, *args, api_name: str) -> dict:
    client = _client(settings)
    try:
        return json.loads(client.predict(*args, api_name=api_name))
    except DanvanError:
        raise
    except Exception as exc:  # the app's gr.Error comes back as gradio_client's AppError with its message
        raise RemoteError(f"{_message(exc)} (ứng dụng đang chạy tại {app_url(settings)})") from exc


def _message(exc: Exception) -> str:
    return str(getattr(exc, "message", None) or exc).strip() or type(exc).__name__


def ask(settings: Settings, question: str, history: Sequence[dict] = ()) -> dict:
    """The running app's answer, as the dict of ``python -m rag ask --json``."""
    return _call(settings, question, list(history), api_name="/answer")


def ingest(settings: Settings, paths: Sequence[Path], prune: bool = True) -> dict:
    """Have the running app index these files or folders (paths on this machine, sent absolute).

    Raises:
        InputError: a path does not exist (checked here, before the app is asked).
        RemoteError: the app cannot be reached or refused (its message kept).
    """
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise InputError(f"{', '.join(missing)}: không có tệp hoặc thư mục này. Hãy kiểm tra lại đường dẫn.")
    return _call(settings, [str(Path(p).resolve()) for p in paths], prune, api_name="/ingest")


def remove(settings: Settings, doc_ids: Sequence[str]) -> dict:
    """Have the running app remove these documents; ``{"removed": [file names]}``."""
    return _call(settings, list(doc_ids), api_name="/remove")
