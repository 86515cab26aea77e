"""The optional virus scan: clamd's INSTREAM command over its socket (``[evidence] clamd``).

``unix:///run/clamav/clamd.ctl`` or ``tcp://host:3310``. A scanner configured but unreachable refuses the
upload, as a finding does: nothing unscanned is kept when a scan was asked for.
"""

from __future__ import annotations

import socket
import struct
from pathlib import Path
from urllib.parse import urlsplit

from rectify.errors import BadInput

__all__ = ["scan"]

CHUNK = 64 * 1024
TIMEOUT = 30.0


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(TIMEOUT)
            sock.connect(parts.path)
        except OSError:
            sock.close()
            raise
        return sock
    if parts.scheme == "tcp" and parts.hostname:
        return socket.create_connection((parts.hostname, parts.port or 3310), timeout=TIMEOUT)
    raise BadInput(f"配置项 [evidence] clamd 应为 unix:///路径 或 tcp://主机:端口，现为 {url!r}")


def scan(url: str, path: Path) -> None:
    """Refuses (one line) when clamd finds something, answers oddly, or cannot be reached."""
    try:
        with _connect(url) as sock:
            sock.sendall(b"zINSTREAM\0")
            with open(path, "rb") as f:
                while chunk := f.read(CHUNK):
                    sock.sendall(struct.pack(">I", len(chunk)) + chunk)
            sock.sendall(struct.pack(">I", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                got = sock.recv(4096)
                if not got:
                    break
                reply += got
    except OSError:
        raise BadInput(f"病毒扫描服务（clamd，{url}）无法连接，未保存；请联系系统管理员") from None
    text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith("FOUND"):
        found = text.removeprefix("stream:").removesuffix("FOUND").strip()
        raise BadInput(f"病毒扫描发现问题（{found}），不予接收")
    if not text.endswith("OK"):
        raise BadInput(f"病毒扫描未能完成（{text[:60] or '无应答'}），未保存")
