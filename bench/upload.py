"""``upload``: a 30 MB document attached to a progress report through the web (SPEC §14), and what it costs the
server's memory.

uvicorn serves the app in this process; ``curl`` (another process, streaming from disk) signs in as a township
leader and posts the form with the file. The figure is the post's wall time; beside it the growth of this
process's peak RSS over a small warm-up upload (the goal: ≤ 50 MB, the file never held in memory). The floor is
the same bytes posted by the same curl to a bare ASGI endpoint in the same server that writes the body to disk.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.figures import measure, peak_rss_mb

MB = 1024 * 1024
PASSWORD = "bench-upload-password"


def _document(path: Path, size: int) -> Path:
    """A PDF of ``size`` bytes (incompressible padding in a comment-free stream)."""
    head = b"%PDF-1.4\n1 0 obj<</Length " + str(size - 64).encode() + b">>stream\n"
    with open(path, "wb") as out:
        out.write(head)
        left = size - len(head) - 16
        while left > 0:
            chunk = os.urandom(min(left, MB))
            out.write(chunk)
            left -= len(chunk)
        out.write(b"\nendstream\n%%EOF\n")
    return path


def _people(db: Any, county: str, township: str, clock: Any) -> None:
    from rectify.config import Config
    from rectify.write.accounts import Accounts, hash_password
    from rectify.write.people import PersonInput, Registry

    registry = Registry(db, actor="bench-admin", clock=clock)
    registry.add(PersonInput("bench-admin", "县委组织部", "admin", "*", login="bench-admin"))
    registry.add(PersonInput("bench-leader", f"{township}党委", "township_leader", f"{county}/{township}",
                             login="bench-leader"))
    Accounts(db, Config(), clock).set_known_hash(["bench-admin", "bench-leader"], hash_password(PASSWORD))


def _floor(target: Path) -> Any:
    """The floor's app: the request body written to ``target`` as it arrives, nothing parsed."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        with open(target, "wb") as out:
            more = True
            while more:
                message = await receive()
                out.write(message.get("body", b""))
                more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app


@contextmanager
def _serving(app: Any) -> Iterator[str]:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))


@contextmanager
def _sampled() -> Iterator[list[float]]:
    """This process's resident memory sampled every 2 ms while the block runs (the high-water mark is already
    up from the sign-in's argon2 hash, so it cannot show the upload's own growth)."""
    seen: list[float] = [_rss_mb()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.002):
            seen.append(_rss_mb())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        done.set()
        thread.join()
        seen.append(_rss_mb())


def _curl(*args: str) -> str:
    done = subprocess.run(["curl", "-sS", "--fail-with-body", *args], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"curl {' '.join(args[:3])} failed: {done.stderr}{done.stdout[-500:]}")
    return done.stdout


def _token(page: str) -> tuple[str, str]:
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    version = re.search(r'name="version" value="(\d+)"', page)
    assert token is not None
    return token[1], version[1] if version else ""


def _post(base: str, jar: Path, case_id: int, document: Path) -> float:
    token, version = _token(_curl("-b", str(jar), "-c", str(jar), f"{base}/cases/{case_id}/steps/progress"))
    start = time.perf_counter()
    _curl("-b", str(jar), "-c", str(jar), "-o", os.devnull, "-F", f"csrf_token={token}", "-F", f"version={version}",
          "-F", "on=2026-06-30", "-F", "note=整改报告", "-F", "files_captions=整改报告：6月整改报告",
          "-F", f"files=@{document};type=application/pdf", f"{base}/cases/{case_id}/steps/progress")
    return time.perf_counter() - start


@measure("upload")
def upload_figure(db_path: Path, workdir: Path, n: int) -> dict[str, Any]:
    from rectify.config import Config, EvidenceConfig
    from rectify.service import Service
    from rectify.store import open_database
    from rectify.web.app import create_app

    if shutil.which("curl") is None:
        raise SystemExit("upload needs curl")
    copy = workdir / "upload.sqlite"
    shutil.copy(db_path, copy)
    con = sqlite3.connect(copy)
    case_id, county, township = con.execute(
        "SELECT c.id, o.county, o.township FROM rectification_case c JOIN organization o ON o.id = c.org_id "
        "WHERE c.stage = 'secretary_assigned' ORDER BY c.id LIMIT 1").fetchone()
    con.close()
    at = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
    db = open_database(str(copy))
    _people(db, county, township, lambda: at)
    store = workdir / "evidence"
    service = Service(db, Config(evidence=EvidenceConfig(folder=str(store))), lambda: at)
    app = create_app(service, secret_key=b"bench-upload-key-bench-upload-key")
    document = _document(workdir / "整改报告.pdf", 30 * MB - 4096)
    small = _document(workdir / "small.pdf", 64 * 1024)
    jar = workdir / "cookies.txt"
    with _serving(app) as base:
        login, _ = _token(_curl("-c", str(jar), f"{base}/login"))
        _curl("-b", str(jar), "-c", str(jar), "-o", os.devnull, "-d", f"csrf_token={login}", "-d",
              "login=bench-leader", "-d", f"password={PASSWORD}", f"{base}/login")
        _post(base, jar, case_id, small)  # warm-up: every module loaded, every pool made
        with _sampled() as rss:
            value = _post(base, jar, case_id, document)
        growth = max(rss) - rss[0]
    with _serving(_floor(workdir / "floor.body")) as bare:
        start = time.perf_counter()
        _curl("-o", os.devnull, "-F", f"files=@{document};type=application/pdf", f"{bare}/")
        floor = time.perf_counter() - start
    kept = [p for p in store.rglob("*") if p.is_file() and p.stat().st_size == document.stat().st_size]
    if len(kept) != 1:
        raise SystemExit("upload: the document was not kept")
    db.dispose()
    return {"value": value, "floor": max(floor, 1e-6), "unit": "s", "peak_rss_mb": peak_rss_mb(),
            "growth_mb": round(max(0.0, growth), 1), "size_mb": round(document.stat().st_size / MB, 1),
            "note": f"{document.stat().st_size / MB:.0f} MB PDF; memory grew {max(0.0, growth):.1f} MB "
                    "while it came in (goal ≤ 50)"}
