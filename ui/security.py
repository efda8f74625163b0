"""The app's HTTP defences, as Starlette middleware for ``launch(app_kwargs={"middleware": ...})``.

- :class:`TrustedHosts` (Starlette's ``TrustedHostMiddleware``): only the names the app is served
  under are answered, so a page whose name re-resolves to this machine (DNS rebinding) gets nothing.
- :class:`SameOrigin`: a request a browser sends on behalf of another site (a foreign ``Origin``, or
  ``Sec-Fetch-Site: cross-site`` on a write) is refused before Gradio sees it, so no other site can
  ask, index, remove or upload, and no CORS allowance is ever sent for its requests' answers.
- :class:`ExportOwner`: with a login, an exported answer (:func:`export_dir`) is served only to the
  user who exported it.
- The local-access token (:mod:`rag.remote`): :func:`local_caller` tells the API that a request comes
  from a command line on this machine; :func:`with_local_login` lets that command line log in with it.

See SECURITY.md for each threat and the test that keeps it stopped.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import socket
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from rag.config import Settings
from rag.remote import LOCAL_USER, TOKEN_HEADER, write_local_token  # noqa: F401  (write_local_token: for app.py)

HOST_REFUSED = ("Địa chỉ truy cập này không thuộc ứng dụng. Hãy mở ứng dụng bằng địa chỉ người quản trị đã cấp; "
                "người quản trị có thể thêm tên máy vào DANVAN_ALLOWED_HOSTS.")
ORIGIN_REFUSED = "Yêu cầu gửi từ một trang web khác bị từ chối. Hãy dùng ứng dụng trực tiếp trong trình duyệt."
EXPORT_REFUSED = "Tệp này thuộc phiên làm việc của người dùng khác."
#: Methods that change nothing (a cross-site navigation to them is harmless and cannot read the answer).
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
EXPORTS = "danvan-exports"
_FILE_ROUTES = ("/gradio_api/file=", "/gradio_api/file/")
_ANYWHERE = {"0.0.0.0", "::", ""}


def allowed_hosts(settings: Settings) -> list[str]:
    """The ``Host`` names the app answers to: loopback names, the bind address (or, bound to every
    address, this machine's name and addresses) and ``DANVAN_ALLOWED_HOSTS``.

    >>> allowed_hosts(Settings.from_env({}))
    ['127.0.0.1', '::1', '[::1]', 'localhost']
    """
    hosts = ["127.0.0.1", "::1", "[::1]", "localhost"]
    if settings.host in _ANYWHERE:
        name = socket.gethostname()
        hosts += [name, socket.getfqdn()]
        try:
            hosts += [info[4][0] for info in socket.getaddrinfo(name, None)]
        except OSError:  # a machine whose own name does not resolve: its names above still count
            pass
    else:
        hosts.append(settings.host)
    hosts += extra_hosts(settings)
    hosts += [f"[{h}]" for h in hosts if ":" in h and not h.startswith("[")]  # how an IPv6 Host header reads
    return list(dict.fromkeys(h.lower() for h in hosts if h and h not in _ANYWHERE))


def extra_hosts(settings: Settings) -> list[str]:
    """The names of ``DANVAN_ALLOWED_HOSTS`` (a reverse proxy's public name, say)."""
    return [h.strip().lower() for h in settings.allowed_hosts.split(",") if h.strip()]


class TrustedHosts:
    """Starlette's ``TrustedHostMiddleware`` with the refusal in Vietnamese (a 400 naming the fix)."""

    def __init__(self, app, allowed_hosts: list[str]) -> None:
        self.app, self.allowed_hosts = app, list(allowed_hosts)

    async def __call__(self, scope, receive, send) -> None:
        from starlette.middleware.trustedhost import TrustedHostMiddleware
        from starlette.responses import PlainTextResponse

        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        trusted = False

        async def through(scope, receive, send_) -> None:
            nonlocal trusted
            trusted = True
            await self.app(scope, receive, send_)

        async def only_when_trusted(message) -> None:  # drops Starlette's English refusal
            if trusted:
                await send(message)

        await TrustedHostMiddleware(through, self.allowed_hosts, www_redirect=False)(scope, receive, only_when_trusted)
        if not trusted:
            await PlainTextResponse(HOST_REFUSED, status_code=400)(scope, receive, send)


class SameOrigin:
    """Refuse (403) what a browser sends for another site: any request whose ``Origin`` is not this
    app's (same host and port as the request, or a name of ``DANVAN_ALLOWED_HOSTS``), and any write
    marked ``Sec-Fetch-Site: cross-site``. Command-line clients send neither header."""

    def __init__(self, app, trusted_names: list[str] = ()) -> None:
        self.app, self.trusted_names = app, {n.lower() for n in trusted_names}

    def _ours(self, origin: str, host: str) -> bool:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False  # "null" (a sandboxed frame, a file:// page) and anything odd
        return parts.netloc.lower() == host.lower() or (parts.hostname or "") in self.trusted_names

    async def __call__(self, scope, receive, send) -> None:
        from starlette.datastructures import Headers
        from starlette.responses import PlainTextResponse

        if scope["type"] in ("http", "websocket"):
            headers = Headers(scope=scope)
            origin = headers.get("origin")
            cross_site_write = (headers.get("sec-fetch-site") == "cross-site"
                                and scope.get("method", "GET") not in SAFE_METHODS)
            if cross_site_write or (origin is not None and not self._ours(origin, headers.get("host", ""))):
                await PlainTextResponse(ORIGIN_REFUSED, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def exports_root() -> Path:
    """The folder of exported answers, inside Gradio's file cache (so Gradio serves them in place)."""
    from gradio.utils import get_upload_folder

    return Path(os.path.realpath(get_upload_folder())) / EXPORTS


def _owner_key(username: str | None) -> str:
    return hashlib.sha256(("user:" + username).encode("utf-8")).hexdigest()[:24] if username else "local"


def export_dir(request=None) -> Path:
    """A fresh folder for one export of this request's user (``request``: a ``gr.Request``).

    With a login the folder is the user's, and :class:`ExportOwner` serves it to no one else.
    """
    folder = exports_root() / _owner_key(getattr(request, "username", None)) / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class ExportOwner:
    """With a login, a file under :func:`exports_root` is served only to the user whose folder holds
    it (403 to everyone else); other files and an app without login are left to Gradio."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        from starlette.responses import PlainTextResponse

        path = scope.get("path", "") if scope["type"] == "http" else ""
        route = next((r for r in _FILE_ROUTES if path.startswith(r)), None)
        if route is not None and getattr(scope.get("app"), "auth", None) is not None:
            owner = _export_owner(path[len(route):])
            if owner is not None and owner != _owner_key(_username(scope)):
                await PlainTextResponse(EXPORT_REFUSED, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _export_owner(file: str) -> str | None:
    """The owner folder of an exported file, or ``None`` for a file that is no export."""
    try:
        relative = Path(os.path.realpath(file)).relative_to(exports_root())
    except ValueError:
        return None
    return relative.parts[0] if relative.parts else ""


def _username(scope) -> str | None:
    """The logged-in user of a request, read as Gradio's own ``get_current_user`` reads it."""
    from starlette.requests import HTTPConnection

    app = scope.get("app")
    cookies = HTTPConnection(scope).cookies
    cookie_id = getattr(app, "cookie_id", "")
    token = cookies.get(f"access-token-{cookie_id}") or cookies.get(f"access-token-unsecure-{cookie_id}")
    return getattr(app, "tokens", {}).get(token) if token else None


def local_caller(request, token: str | None) -> bool:
    """Whether a ``gr.Request`` carries this run's local-access token (a command line on this machine)."""
    sent = (getattr(request, "headers", None) or {}).get(TOKEN_HEADER.lower(), "")
    return bool(token) and hmac.compare_digest(sent.encode("utf-8"), token.encode("utf-8"))


def with_local_login(auth: Callable[[str, str], bool] | None, token: str) -> Callable[[str, str], bool] | None:
    """The login check extended to :data:`rag.remote.LOCAL_USER` with the local-access token as its
    password (``None`` stays ``None``: without a login there is nothing to extend)."""
    if auth is None:
        return None

    def check(name: str, password: str) -> bool:
        if name == LOCAL_USER:
            return hmac.compare_digest(password.encode("utf-8"), token.encode("utf-8"))
        return auth(name, password)

    return check


def no_foreign_cors(trusted_names: list[str] = ()) -> None:
    """Make Gradio's own CORS layer (``gradio.route_utils.CustomCORSMiddleware``, outside the app's
    middleware) allow only the app's own origin: unpatched, it echoes any ``Origin`` in
    ``Access-Control-Allow-Origin`` whenever the ``Host`` is not a loopback name (an office name, a
    LAN address), so a foreign page could read even the refusal :class:`SameOrigin` sends. Gradio is
    pinned (pyproject.toml); ``tests/test_security.py`` checks the header on every name."""
    from gradio import route_utils

    own = SameOrigin(None, list(trusted_names))

    def is_valid_origin(self, request_headers) -> bool:
        return own._ours(request_headers.get("origin", ""), request_headers.get("host", ""))

    route_utils.CustomCORSMiddleware.is_valid_origin = is_valid_origin


def middleware(settings: Settings) -> list:
    """The middleware of the app, outermost first: trusted hosts, same origin, export owners; Gradio's
    CORS layer outside them answers the app's own origin only (:func:`no_foreign_cors`)."""
    from starlette.middleware import Middleware

    no_foreign_cors(extra_hosts(settings))

    return [Middleware(TrustedHosts, allowed_hosts=allowed_hosts(settings)),
            Middleware(SameOrigin, trusted_names=extra_hosts(settings)),
            Middleware(ExportOwner)]
