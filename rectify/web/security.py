"""The web's security, in one place: the signed session cookie, its timeouts, the CSRF token and origin checks,
and the headers every response carries (SPEC §13).

The session lives in the cookie, signed with the installation's secret key (itsdangerous): a random session id,
the person's id, a fingerprint of their password hash (a new password ends every other session), and when it was
issued and last used — by the injected clock, so tests move time instead of waiting. Nothing else in a request
says who is acting. The CSRF token is an HMAC of the session id: bound to the session, renewed with it at sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request

from rectify.config import Config
from rectify.write.security import WebSecurity

COOKIE = "rectify_session"
KEY_FILE = "rectify-web.key"
REFRESH_SECONDS = 60  # a session's last use is written back to its cookie at most once a minute
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)


# -- the secret key --------------------------------------------------------------------------------


def key_path(config: Config, db_url: str) -> Path:
    """``[web] secret_key_file``, else beside the SQLite file, else in the user data directory."""
    if config.web.secret_key_file:
        return Path(config.web.secret_key_file).expanduser()
    from rectify.store import default_sqlite_path, sqlite_file

    db_file = sqlite_file(db_url)
    return (db_file if db_file is not None else default_sqlite_path()).parent / KEY_FILE


def secret_key(path: Path) -> bytes:
    """The key in ``path``, made on first use (32 random bytes, hex; readable by its owner only)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        from rectify.errors import DatabaseProblem

        raise DatabaseProblem(f"会话密钥文件 {path} 内容过短（至少 32 个字符），请删除后重启，将自动生成")
    return key.encode()


# -- the session -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    sid: str
    person_id: int | None = None
    fingerprint: str = ""
    issued: float = 0.0  # POSIX seconds, by the service's clock
    seen: float = 0.0

    @staticmethod
    def anonymous(now: float) -> Session:
        return Session(secrets.token_urlsafe(24), issued=now, seen=now)

    def dump(self) -> dict[str, Any]:
        return {"s": self.sid, "p": self.person_id, "f": self.fingerprint, "i": self.issued, "t": self.seen}

    @staticmethod
    def load(data: Any) -> Session | None:
        try:
            return Session(str(data["s"]), None if data["p"] is None else int(data["p"]), str(data["f"]),
                           float(data["i"]), float(data["t"]))
        except (TypeError, KeyError, ValueError):
            return None


class Sessions:
    """Reads and writes the session cookie; decides when a session has run out.

    The timeouts are security settings in the database, read when a session is checked (``limits``), so that an
    admin's ``rectify security set session_idle_minutes 15`` holds from the next request on."""

    def __init__(self, key: bytes, limits: Callable[[], WebSecurity]) -> None:
        self.serializer = URLSafeSerializer(key, salt="rectify-session")
        self.csrf_key = hashlib.sha256(b"rectify-csrf:" + key).digest()
        self.limits = limits

    def read(self, request: Request) -> Session | None:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            return Session.load(self.serializer.loads(raw))
        except BadSignature:
            return None

    def expired(self, session: Session, now: float) -> bool:
        rules = self.limits()
        return (now - session.seen > rules.session_idle_minutes * 60
                or now - session.issued > rules.session_max_hours * 3600)

    def cookie(self, session: Session | None, *, secure: bool) -> bytes:
        if session is None:
            value, age = "", "; Max-Age=0"
        else:
            value, age = self.serializer.dumps(session.dump()), ""
        flags = "; Secure" if secure else ""
        return f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{flags}{age}".encode("latin-1")

    def csrf_token(self, session: Session) -> str:
        return hmac.new(self.csrf_key, session.sid.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: Session | None, token: str) -> bool:
        return session is not None and bool(token) and hmac.compare_digest(self.csrf_token(session), token)


def touched(session: Session, now: float) -> Session | None:
    """The session with its last use moved to ``now``, when that is worth a new cookie; else None."""
    return replace(session, seen=now) if now - session.seen >= REFRESH_SECONDS else None


# -- where a request comes from --------------------------------------------------------------------


def _from_proxy(request: Request, config: Config) -> bool:
    client = request.client
    return client is not None and client.host in config.web.trusted_proxies


def is_https(request: Request, config: Config) -> bool:
    """Behind TLS: the request's own scheme, a trusted proxy's X-Forwarded-Proto, or an https base_url."""
    if request.url.scheme == "https" or config.web.base_url.startswith("https://"):
        return True
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded == "https" and _from_proxy(request, config)


def client_address(request: Request, config: Config) -> str:
    """The address the back-off counts: the peer, or the last hop a trusted proxy names."""
    peer = request.client.host if request.client is not None else ""
    if _from_proxy(request, config):
        hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
        if hops:
            return hops[-1][:64]
    return peer[:64] or "unknown"


def expected_origin(request: Request, config: Config) -> str:
    if config.web.base_url:
        parts = urlsplit(config.web.base_url)
        return f"{parts.scheme}://{parts.netloc}".lower()
    scheme = "https" if is_https(request, config) else "http"
    return f"{scheme}://{request.headers.get('host', '')}".lower()


def same_origin(request: Request, config: Config) -> bool:
    """An unsafe request's Sec-Fetch-Site and Origin, when the browser sends them, say it is our own page's."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site.lower() not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True  # no browser that omits it sends Sec-Fetch-Site cross-site; the CSRF token still holds
    return origin.rstrip("/").lower() == expected_origin(request, config)
