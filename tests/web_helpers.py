"""What the web tests share: an app over the test database at the fake clock, people with passwords, signing in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.testclient import TestClient

from rectify.config import Config
from rectify.states.permissions import Actor
from rectify.store import Database
from rectify.write.accounts import Accounts, hash_password
from rectify.write.people import PersonInput, Registry

KEY = b"0123456789abcdef0123456789abcdef-test-key"
ADMIN = PersonInput("王管理", "县委组织部", "admin", "*", login="wang")
LEADER = PersonInput("韩青松", "河口镇党委", "township_leader", "青山县/河口镇", login="qs-han")
OFFICER = PersonInput("钱明远", "县委组织部组织二科", "county_officer", "青山县", login="qs-qian")
PASSWORD = "correct-horse-battery"


def cheap_hasher() -> Any:
    """argon2id at the lowest cost: the tests check behaviour, and the default costs 0.6 s a hash on this machine."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def register(db: Database, clock: Any, *people: PersonInput, password: str = PASSWORD) -> None:
    """Registers ``people`` (the admin first) with ``password``, not to be changed at sign-in."""
    registry = Registry(db, actor=ADMIN.name, clock=clock)
    for person in (ADMIN, *people):
        registry.add(person)
    Accounts(db, Config(), clock).set_known_hash([p.login for p in (ADMIN, *people)], hash_password(password))


def service(db: Database, config: Config, clock: Any) -> Any:
    """The application layer the web is built on."""
    from rectify.service import Service

    return Service(db, config, clock)


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found[1]


def form_token(client: TestClient, path: str = "/login") -> str:
    return csrf(client.get(path).text)


def sign_in(client: TestClient, login: str, password: str = PASSWORD) -> Any:
    return client.post("/login", data={"login": login, "password": password, "csrf_token": form_token(client)})


def admin_actor() -> Actor:
    return Actor(ADMIN.name, unit=ADMIN.unit, role="admin", counties=("*",))


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn in a thread on a free port of 127.0.0.1; yields the base URL (for Chromium)."""
    import socket
    import threading

    import uvicorn

    # proto TCP, as uvicorn's own bind makes it: asyncio sets TCP_NODELAY only then (else each response waits 40 ms)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # listening before the server starts: the first request waits in the queue, no polling
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
