"""``python -m bench --web``: the web front (SPEC §13) served by uvicorn, each page beside its floor.

A generated province (:mod:`bench.generate`) with one county cut down to 100 cases, a city of six counties and
a township; people with logins for each. uvicorn serves it from a child process on 127.0.0.1 (one worker, as
``rectify serve`` runs); clients are threads with ``http.client``, each signed in once, its CSRF token read from
a form. Each figure is requests/s and p50/p95 latency at 1, 10 and 50 clients; its floor is the same
application-layer call without HTTP (``Service.tasks``, ``Service.case`` with the history and steps the page
shows, the ledger's first page of rows, ``Service.take``) timed in this process on the same database in the
same run. Last, the server's resident memory over 10,000 requests.
"""

from __future__ import annotations

import http.client
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

KEY = b"bench-web-key-bench-web-key-bench-web-key"
PASSWORD = "bench-web-password-2026"
CLIENTS = (1, 10, 50)
SLOW = {"ledger_county": 4, "ledger_city": 4}  # these figures take a quarter of the requests
PROVINCE, SMALL, BIG = "省01", "省01县01", "省01县02"  # SMALL is cut to 100 cases; BIG keeps its share
CITY = tuple(f"省01县{c:02d}" for c in range(3, 9))  # six counties: 2,000 cases in a 100,000-case province
TOWNSHIP = f"{BIG}/{BIG}镇1"
PEOPLE = (  # login, name, unit, role, scope
    ("b-admin", "管理员", "省委组织部", "admin", "*"),
    ("b-town", "乡镇领导", "镇党委", "township_leader", TOWNSHIP),
    ("b-county", "县经办人", "县委组织部", "county_officer", SMALL),
    ("b-big", "大县经办人", "县委组织部", "county_officer", BIG),
    ("b-city", "市督导", "市委组织部", "city_supervisor", ",".join(CITY)),
)


def _now() -> datetime:
    from bench.generate import AS_OF

    return datetime(AS_OF.year, AS_OF.month, AS_OF.day, 2, tzinfo=UTC)


# -- the data set ----------------------------------------------------------------------------------


def prepare(db_path: Path, n: int) -> dict[str, Any]:
    """The generated cases; SMALL cut to its first 100 cases (the rest become another county); the people."""
    from argon2 import PasswordHasher

    from bench.figures import build
    from rectify.config import Config
    from rectify.store import open_database
    from rectify.write.accounts import Accounts
    from rectify.write.people import PersonInput, Registry

    build(db_path, n)
    con = sqlite3.connect(db_path)
    with con:
        keep = [r[0] for r in con.execute("SELECT id FROM organization WHERE county = ? ORDER BY id LIMIT 100",
                                          (SMALL,))]
        if keep:
            con.execute(f"UPDATE organization SET county = county || '乙' WHERE county = ? AND id > {keep[-1]}",
                        (SMALL,))
    sizes = {"county": _count(con, "o.county = ?", (SMALL,)),
             "city": _count(con, f"o.county IN ({','.join('?' * len(CITY))})", CITY),
             "township": _count(con, "o.county || '/' || o.township = ?", (TOWNSHIP,)),
             "province": _count(con, "1 = 1", ())}
    con.close()
    db = open_database(str(db_path))
    clock = _now
    registry = Registry(db, actor=PEOPLE[0][1], clock=clock)
    for login, name, unit, role, scope in PEOPLE:
        registry.add(PersonInput(name, unit, role, scope, f"{login}@example.cn", login=login))
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)  # sign-in is not measured
    Accounts(db, Config(), clock).set_known_hash([p[0] for p in PEOPLE], cheap)
    db.dispose()
    return sizes


def _count(con: sqlite3.Connection, where: str, params: tuple[Any, ...]) -> int:
    sql = f"SELECT count(*) FROM rectification_case c JOIN organization o ON o.id = c.org_id WHERE {where}"
    return int(con.execute(sql, params).fetchone()[0])


def _case_ids(db_path: Path, county: str, open_only: bool) -> list[int]:
    con = sqlite3.connect(db_path)
    stages = "AND c.stage IN ('identified', 'ledger_created', 'secretary_assigned', 'rectified')" if open_only else ""
    ids = [r[0] for r in con.execute(f"SELECT c.id FROM rectification_case c JOIN organization o ON o.id = c.org_id "
                                     f"WHERE o.county = ? {stages} ORDER BY c.id", (county,))]
    con.close()
    return ids


# -- the server ------------------------------------------------------------------------------------


def serve(db_path: str) -> None:
    """The child: uvicorn on a free port of 127.0.0.1, the port printed on stdout once it listens."""
    import socket

    import uvicorn

    from rectify.config import Config
    from rectify.service import Service
    from rectify.store import open_database
    from rectify.web.app import create_app

    app = create_app(Service(open_database(db_path), Config(), _now), secret_key=KEY)
    # proto given, as uvicorn's own bind gives it: asyncio sets TCP_NODELAY only on sockets whose proto is TCP, and
    # without it every response (headers and body written apart) waits 40 ms for a delayed ACK
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    print(sock.getsockname()[1], flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False,
                                 timeout_keep_alive=300)).run(sockets=[sock])


@dataclass
class Server:
    proc: subprocess.Popen[str]
    port: int

    def rss_mb(self) -> float:
        with open(f"/proc/{self.proc.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0


def start(db_path: Path) -> Server:
    proc = subprocess.Popen([sys.executable, "-m", "bench.web", "serve", str(db_path)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.isdigit():
        proc.kill()
        raise SystemExit("the web server did not start")
    return Server(proc, int(line))


# -- a client --------------------------------------------------------------------------------------

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_VERSION = re.compile(r'name="version" value="(\d+)"')


@dataclass
class Client:
    """One signed-in browser: a kept-alive connection and the session cookie."""

    port: int
    cookie: str = ""
    worker: int = 0  # this client's index among ``clients``
    clients: int = 1
    conn: http.client.HTTPConnection = field(init=False)

    def __post_init__(self) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers |= {"Content-Type": "application/x-www-form-urlencoded",
                        "Origin": f"http://127.0.0.1:{self.port}", "Sec-Fetch-Site": "same-origin"}
        try:
            self.conn.request(method, path, body=body, headers=headers)
            answer = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.conn.close()  # the server closed an idle kept-alive connection: once more on a new one
            self.conn.request(method, path, body=body, headers=headers)
            answer = self.conn.getresponse()
        text = answer.read().decode("utf-8", "replace")
        set_cookie = answer.getheader("set-cookie")
        if set_cookie:
            self.cookie = set_cookie.split(";", 1)[0]
        return answer.status, text

    def sign_in(self, login: str) -> None:
        _, page = self.request("GET", "/login")
        status, _ = self.request("POST", "/login", {"login": login, "password": PASSWORD,
                                                    "csrf_token": _found(_TOKEN, page)})
        if status != 303:
            raise SystemExit(f"{login} could not sign in ({status})")

    def close(self) -> None:
        self.conn.close()


def _found(pattern: re.Pattern[str], page: str) -> str:
    match = pattern.search(page)
    if match is None:
        raise SystemExit(f"no {pattern.pattern} in the page:\n{page[:500]}")
    return match[1]


# -- measuring -------------------------------------------------------------------------------------


@dataclass
class Load:
    """What one request is: ``prepare(client, k)`` (not timed) returns ``(method, path, form)``."""

    login: str
    prepare: Callable[[Client, int], tuple[str, str, dict[str, str] | None]]
    expect: int = 200
    conflict_ok: bool = False  # a step: 409 when two clients had to share a case (fewer cases than clients)


def _summary(latencies: list[float], seconds: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"requests": len(ordered), "per_second": len(ordered) / seconds if seconds else 0.0,
            "p50_ms": _pct(ordered, 50) * 1000, "p95_ms": _pct(ordered, 95) * 1000}


def _pct(ordered: list[float], p: int) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def hammer(port: int, load: Load, clients: int, requests: int) -> dict[str, float]:
    """``requests`` requests shared among ``clients`` threads, each signed in once; their latencies."""
    per = max(1, requests // clients)
    people = [Client(port) for _ in range(clients)]
    for k, client in enumerate(people):
        client.sign_in(load.login)
        client.worker, client.clients = k, clients
    latencies: list[float] = []
    failures: list[str] = []
    conflicts: list[int] = []
    lock = threading.Lock()
    gate = threading.Barrier(clients + 1)

    def work(client: Client, index: int) -> None:
        mine: list[float] = []
        gate.wait()
        try:
            for k in range(per):
                method, path, form = load.prepare(client, index + k * clients)
                begin = time.perf_counter()
                status, text = client.request(method, path, form)
                mine.append(time.perf_counter() - begin)
                if status == 409 and load.conflict_ok:
                    conflicts.append(1)
                elif status != load.expect:
                    failures.append(f"{method} {path}: {status} {text[:300]}")
        except Exception as exc:  # noqa: BLE001 (reported after the run, with the others)
            failures.append(f"{type(exc).__name__}: {exc}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work, args=(c, i)) for i, c in enumerate(people)]
    for t in threads:
        t.start()
    gate.wait()
    begin = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - begin
    for client in people:
        client.close()
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, the first: {failures[0]}")
    return {**_summary(latencies, seconds), "conflicts": len(conflicts)}


def floor(call: Callable[[int], Any], runs: int) -> dict[str, float]:
    """The application-layer call alone, ``runs`` times in this process."""
    latencies = []
    begin = time.perf_counter()
    for k in range(runs):
        start_ = time.perf_counter()
        call(k)
        latencies.append(time.perf_counter() - start_)
    return _summary(latencies, time.perf_counter() - begin)


# -- the figures -----------------------------------------------------------------------------------


@dataclass
class Figures:
    service: Any
    port: int
    county_cases: list[int]
    open_cases: list[int]
    _actors: dict[str, Any] = field(default_factory=dict)

    def actor(self, login: str) -> Any:
        if login not in self._actors:
            name = next(p[1] for p in PEOPLE if p[0] == login)
            self._actors[login] = self.service.identify(name)
        return self._actors[login]

    def loads(self) -> dict[str, tuple[Load, Callable[[int], Any]]]:
        """Each figure: the HTTP load and its floor."""
        svc, cases, open_ = self.service, self.county_cases, self.open_cases

        def case_floor(k: int) -> Any:
            person = self.actor("b-county")
            case_id = cases[k % len(cases)]
            case = svc.case(person, case_id)
            return case, svc.history(person, case_id), svc.steps(person, case)

        def ledger_floor(login: str) -> Callable[[int], Any]:
            from rectify.reports.ledger import LedgerFilter, json_row, ledger_rows
            from rectify.web.reports import PAGE_ROWS

            def run(_k: int) -> Any:
                rows = ledger_rows(svc.db, as_of=svc.today(), config=svc.config,
                                   filters=LedgerFilter(reader=self.actor(login), sort="place"))
                return [json_row(r) for _, r in zip(range(PAGE_ROWS), rows, strict=False)]
            return run

        def post_progress(client: Client, k: int) -> tuple[str, str, dict[str, str] | None]:
            mine = open_[client.worker::client.clients] or open_  # its own cases: no two clients meet on one
            case_id = mine[(k // client.clients) % len(mine)]
            _, form = client.request("GET", f"/cases/{case_id}/steps/progress")
            return "POST", f"/cases/{case_id}/steps/progress", {
                "csrf_token": _found(_TOKEN, form), "version": _found(_VERSION, form),
                "on": svc.today().isoformat(), "note": f"按月推进（第 {k} 次）"}

        def take_floor(k: int) -> Any:
            # the floor's cases are the other end of the list, so the server's and the floor's do not meet
            case_id = open_[-1 - k % len(open_)]
            person = self.actor("b-big")
            version = svc.case(person, case_id)["version"]  # as the form carries it (the GET is not timed either)
            start_ = time.perf_counter()
            svc.take(person, "progress", case_id, {"on": svc.today().isoformat(), "note": f"按月推进（{k}）"},
                     version)
            return time.perf_counter() - start_

        return {
            "inbox": (Load("b-town", lambda c, k: ("GET", "/", None)),
                      lambda k: svc.tasks(self.actor("b-town"))),
            "case": (Load("b-county", lambda c, k: ("GET", f"/cases/{cases[k % len(cases)]}", None)), case_floor),
            "ledger_county": (Load("b-county", lambda c, k: ("GET", "/ledger", None)), ledger_floor("b-county")),
            "ledger_city": (Load("b-city", lambda c, k: ("GET", "/ledger", None)), ledger_floor("b-city")),
            "step_post": (Load("b-big", post_progress, expect=303, conflict_ok=len(open_) < 50), take_floor),
        }


def take_floor_summary(call: Callable[[int], float], runs: int) -> dict[str, float]:
    """``Service.take`` alone: the reading of the version before it is not counted."""
    begin = time.perf_counter()
    latencies = [call(k) for k in range(runs)]
    return _summary(latencies, time.perf_counter() - begin)


def memory(server: Server, port: int, cases: list[int], total: int) -> dict[str, Any]:
    """The server's RSS before and after ``total`` requests (case pages and inboxes, 10 clients), and along."""
    samples = [server.rss_mb()]
    step = max(1, total // 10)
    mix = Load("b-county", lambda c, k: ("GET", "/" if k % 5 == 0 else f"/cases/{cases[k % len(cases)]}", None))
    for _ in range(0, total, step):
        hammer(port, mix, 10, step)
        samples.append(server.rss_mb())
    return {"requests": total, "start_mb": samples[0], "end_mb": samples[-1], "max_mb": max(samples),
            "samples_mb": samples}


def run(n: int, requests: int, memory_requests: int, clients: tuple[int, ...] = CLIENTS) -> dict[str, Any]:
    from rectify.config import Config
    from rectify.service import Service
    from rectify.store import open_database

    with tempfile.TemporaryDirectory(prefix="rectify-bench-web-") as tmp:
        db_path = Path(tmp) / "web.sqlite"
        begin = time.perf_counter()
        sizes = prepare(db_path, n)
        print(f"generated {n} cases in {time.perf_counter() - begin:.1f} s: county {sizes['county']}, "
              f"city {sizes['city']}, township {sizes['township']}", file=sys.stderr)
        county_cases = _case_ids(db_path, SMALL, open_only=False)
        open_cases = _case_ids(db_path, BIG, open_only=True)
        if not county_cases or not open_cases:
            raise SystemExit(f"{n} cases leave {SMALL} or {BIG} without cases: --cases 3000 at least")
        service = Service(open_database(str(db_path)), Config(), _now)
        server = start(db_path)
        try:
            figs = Figures(service, server.port, county_cases, open_cases)
            results: dict[str, Any] = {}
            for name, (load, call) in figs.loads().items():
                share = max(1, requests // SLOW.get(name, 1))  # a ledger page costs tens of case pages
                runs = max(5, min(share, 200))
                base = take_floor_summary(call, runs) if name == "step_post" else floor(call, runs)
                per = {str(c): hammer(server.port, load, c, max(share, c)) for c in clients}
                results[name] = {"floor": base, "clients": per}
                _print(name, results[name])
            mem = memory(server, server.port, county_cases, memory_requests)
            print(f"server RSS over {mem['requests']} requests: {mem['start_mb']:.0f} MB → {mem['end_mb']:.0f} MB "
                  f"(max {mem['max_mb']:.0f} MB)", flush=True)
        finally:
            server.proc.terminate()
            server.proc.wait(timeout=60)
            service.close()
    return {"cases": n, "sizes": sizes, "figures": results, "memory": mem, "goals": goals(results, mem)}


def goals(results: dict[str, Any], mem: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The issue's goals beside the figures that answer them."""
    case_p95 = results["case"]["clients"].get("10", {}).get("p95_ms")  # None unless 10 clients were measured
    post = results["step_post"]["clients"][str(min(int(c) for c in results["step_post"]["clients"]))]["p50_ms"]
    engine = results["step_post"]["floor"]["p50_ms"]
    one = str(min(int(c) for c in results["inbox"]["clients"]))  # "the inbox of one township officer": one client
    inbox_p95 = results["inbox"]["clients"][one]["p95_ms"]
    growth = mem["end_mb"] - mem["start_mb"]
    return {
        "case_p95_10_clients_ms": {"value": case_p95, "goal": 50, "met": case_p95 is not None and case_p95 <= 50},
        "step_post_over_engine": {"value": post / engine if engine else None, "goal": 2,
                                  "met": bool(engine) and post <= 2 * engine},
        "inbox_p95_ms": {"value": inbox_p95, "goal": 100, "met": inbox_p95 <= 100},
        "memory_growth_mb": {"value": growth, "goal": "flat", "met": growth <= max(10.0, 0.1 * mem["start_mb"])},
    }


def _rows(name: str, result: dict[str, Any]) -> Iterator[str]:
    f = result["floor"]
    yield (f"{name:<14}{'floor':>8}{f['per_second']:>10.0f}{f['p50_ms']:>10.1f}{f['p95_ms']:>10.1f}")
    for clients, r in result["clients"].items():
        yield (f"{'':<14}{clients:>8}{r['per_second']:>10.0f}{r['p50_ms']:>10.1f}{r['p95_ms']:>10.1f}"
               f"{r['p50_ms'] / f['p50_ms'] if f['p50_ms'] else 0:>10.1f}")


_HEADER = f"{'figure':<14}{'clients':>8}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p50÷floor':>10}"
_printed = False


def _print(name: str, result: dict[str, Any]) -> None:
    global _printed
    if not _printed:
        print(_HEADER)
        _printed = True
    for line in _rows(name, result):
        print(line, flush=True)


def main(cases: int, json_path: str | None, requests: int = 200, memory_requests: int = 10_000,
         clients: tuple[int, ...] = CLIENTS) -> int:
    data = run(cases, requests, memory_requests, clients)
    for name, goal in data["goals"].items():
        value = goal["value"]
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        print(f"goal {name}: {shown} (goal {goal['goal']}) {'met' if goal['met'] else 'NOT met'}")
    if json_path:
        Path(json_path).write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[2])
