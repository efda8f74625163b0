"""Login for the app: a users file of scrypt-hashed passwords, and the address rule.

The users file (``DANVAN_USERS_FILE``) holds one user per line::

    name:scrypt:n=16384,r=8,p=1:<salt hex>:<hash hex>

written by ``python -m ui.users add NAME`` (:mod:`ui.users`). Passwords are hashed with
the standard library's ``hashlib.scrypt`` (RFC 7914) and compared in constant time. Lines
starting with ``#`` and blank lines are ignored.

Without a users file the app has no login, so it only listens on a loopback address
(:func:`check_bind`): anyone who can reach the port can read every indexed document.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import rag

SCHEME = "scrypt"
N, R, P = 16384, 8, 1  # RFC 7914's interactive-login parameters: ~16 MB, ~50 ms per check
_NAME = re.compile(r"^[\w.@-]{1,64}$")


class UsersFileError(rag.InputError):
    """The users file is missing or has a malformed line (named with its line number)."""


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """The stored form ``scrypt:n=..,r=..,p=..:<salt>:<hash>`` of a password (a fresh 16-byte salt).

    >>> hash_password("mật khẩu", salt=b"0" * 16).startswith("scrypt:n=16384,r=8,p=1:3030")
    True
    """
    salt = os.urandom(16) if salt is None else salt
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=32)
    return f"{SCHEME}:n={N},r={R},p={P}:{salt.hex()}:{digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a stored form of :func:`hash_password` (False on a malformed one)."""
    try:
        scheme, params, salt, digest = stored.split(":")
        cost = dict(kv.split("=") for kv in params.split(","))
        if scheme != SCHEME:
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(cost["n"]),
                             r=int(cost["r"]), p=int(cost["p"]), dklen=len(bytes.fromhex(digest)))
    except (ValueError, KeyError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def read_users(path: Path) -> dict[str, str]:
    """``{name: stored hash}`` of a users file.

    Raises:
        UsersFileError: the file is missing or a line is not ``name:scrypt:...``.
    """
    path = Path(path)
    if not path.is_file():
        raise UsersFileError(f"{path}: users file not found. Create it with: python -m ui.users add NAME")
    users, bad = {}, []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, stored = line.partition(":")
        if not _NAME.match(name) or not stored.startswith(SCHEME + ":"):
            bad.append(f"{path}:{lineno}: expected name:scrypt:... (written by python -m ui.users add NAME)")
            continue
        users[name] = stored
    if bad:
        raise UsersFileError("\n".join(bad))
    return users


def write_user(path: Path, name: str, password: str) -> None:
    """Add a user or change their password (the file is created, mode 600)."""
    if not _NAME.match(name):
        raise UsersFileError(f"{name!r}: a user name is 1-64 letters, digits, '.', '@', '_' or '-'.")
    path = Path(path)
    users = read_users(path) if path.exists() else {}
    users[name] = hash_password(password)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(f"{n}:{h}\n" for n, h in users.items()), encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def authenticator(users: Mapping[str, str]) -> Callable[[str, str], bool]:
    """The ``launch(auth=...)`` callable: True for a known name with its password."""

    def check(name: str, password: str) -> bool:
        stored = users.get(name)
        if stored is None:
            verify_password(password, hash_password("x", salt=b"0" * 16))  # same time as a known name
            return False
        return verify_password(password, stored)

    return check


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address ("localhost" counts).

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0"), is_loopback("10.0.0.5")
    (True, True, False, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(settings: rag.Settings) -> Callable[[str, str], bool] | None:
    """The login of the app (``None``: no users file), refusing a non-loopback address without one.

    Raises:
        rag.SettingsError: ``DANVAN_HOST`` is not a loopback address and ``DANVAN_USERS_FILE`` is empty.
        UsersFileError: the users file is missing, malformed or empty.
    """
    if not settings.users_file:
        if not is_loopback(settings.host):
            raise rag.SettingsError(
                f"DANVAN_HOST={settings.host} would serve every indexed document to the network without a login. "
                "Create a users file (python -m ui.users add NAME --file users.txt) and set DANVAN_USERS_FILE, "
                "or keep DANVAN_HOST=127.0.0.1."
            )
        return None
    users = read_users(Path(settings.users_file))
    if not users:
        raise UsersFileError(f"{settings.users_file}: no users. Add one with: python -m ui.users add NAME")
    return authenticator(users)


#: Gradio's login form ships no Vietnamese (its bundled locales: en, fr, de, ...), and the login
#: page receives no custom translations, so its four strings are replaced in the page itself.
LOGIN_TEXTS = {
    "Login": "Đăng nhập",
    "username": "Tên đăng nhập",
    "password": "Mật khẩu",
    "Incorrect Credentials": "Sai tên đăng nhập hoặc mật khẩu.",
}

_LOGIN_SCRIPT = """<script>(() => {
  const texts = %s;
  const swap = (root) => {
    if (!(window.gradio_config && window.gradio_config.auth_required)) return;
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const t = n.nodeValue.trim();
      if (Object.prototype.hasOwnProperty.call(texts, t)) n.nodeValue = n.nodeValue.replace(t, texts[t]);
    }
  };
  new MutationObserver(() => swap(document.body)).observe(document.documentElement, {childList: true, subtree: true, characterData: true});
  document.title = texts["Login"];
})();</script>"""


#: Gradio embeds the app's API description in every page, the login page included, and that
#: description carries the components' values (the documents table: every title and doc id).
_API_INFO = re.compile(rb"(window\.gradio_api_info\s*=\s*).*?(;?\s*</script>)", re.DOTALL)


def vietnamese_login_middleware():
    """A Starlette middleware (for ``launch(app_kwargs={"middleware": [...]})``) for Gradio's login
    page: it puts :data:`LOGIN_TEXTS` in place of the English strings, and empties the API
    description Gradio embeds in it, so a visitor who has not logged in reads nothing of the app.

    It touches only the login page (``"auth_required": true`` in the page's config): after login
    the page fetches what it needs with the session's cookie.
    """
    import json

    from starlette.middleware import Middleware
    from starlette.middleware.base import BaseHTTPMiddleware
    from starlette.responses import Response

    script = (_LOGIN_SCRIPT % json.dumps(LOGIN_TEXTS, ensure_ascii=False)).encode("utf-8")

    async def dispatch(request, call_next):
        response = await call_next(request)
        if request.method != "GET" or not response.headers.get("content-type", "").startswith("text/html"):
            return response
        body = b"".join([chunk async for chunk in response.body_iterator])
        if b"window.gradio_config" in body and re.search(rb'"auth_required":\s*true', body):
            body = body.replace(b"</head>", script + b"</head>", 1)
            body = _API_INFO.sub(rb"\1null\2", body)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return Response(body, status_code=response.status_code, headers=headers)

    return Middleware(BaseHTTPMiddleware, dispatch=dispatch)
