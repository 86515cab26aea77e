"""JSON over HTTP with the standard library, each failure mapped to the channel port's problems."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rectify.notifications.channels.port import Refused, Throttled, Unreachable

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler())


def rebase(url: str, base: str) -> str:
    """``url`` with its scheme and host replaced by ``base``'s (a 政务外网 deployment, a test fake)."""
    if not base:
        return url
    b, u = urlsplit(base), urlsplit(url)
    path = b.path.rstrip("/") + u.path
    return urlunsplit((b.scheme, b.netloc, path, u.query, u.fragment))


def call(url: str, *, where: str, body: Any = None, data: bytes | None = None, method: str | None = None,
         headers: dict[str, str] | None = None, timeout: float = 10) -> dict[str, Any]:
    """The JSON answer of ``url`` (POST ``body`` as JSON, or ``data`` as is; GET when neither)."""
    hdrs = dict(headers or {})
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        hdrs.setdefault("Content-Type", "application/json; charset=utf-8")
    req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        text = exc.read().decode("utf-8", "replace")[:200]
        exc.close()
        if exc.code == 429:
            raise Throttled(f"{where} 限流（HTTP 429）") from None
        if exc.code >= 500:
            raise Unreachable(f"{where} 出错（HTTP {exc.code}）：{text}") from None
        try:
            answer = json.loads(text)
        except ValueError:
            answer = None
        if isinstance(answer, dict):  # a provider's error body (阿里云 answers 400 with its Code)
            return answer
        raise Refused(f"{where} 拒绝请求（HTTP {exc.code}）：{text}") from None
    except TimeoutError:
        raise Unreachable(f"{where} 响应超时（消息可能已送达）", maybe_delivered=True) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError | socket.timeout):
            raise Unreachable(f"{where} 连接超时") from None
        if isinstance(reason, ConnectionRefusedError):
            raise Unreachable(f"无法连接 {where}：连接被拒绝") from None
        raise Unreachable(f"无法连接 {where}：{reason}") from None
    except (ConnectionError, OSError) as exc:
        raise Unreachable(f"与 {where} 的连接中断（消息可能已送达）：{exc}", maybe_delivered=True) from None
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused(f"{where} 的应答不是 JSON：{raw[:100]!r}") from None
    if not isinstance(answer, dict):
        raise Refused(f"{where} 的应答不是 JSON 对象")
    return answer
