"""``python -m bench [--cases N] [--json FILE] [--only NAME …] | --peers | --web``: each figure beside its floor.

The floor is the same work done by hand (raw sqlite3, the csv module, xlsxwriter, smtplib, a bare
interpreter) measured in the same run, because this machine's absolute speed drifts; the ratio is
what the goals in the README are stated against.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import (  # noqa: F401  (channels, digest_floor, filtered, ledger_asof, … register)
    channels,
    digest_floor,
    figures,
    filtered,
    ledger_asof,
    pg_import,
    pg_steps,
    upload,
    xlsx,
)


@dataclass
class Figure:
    value: float
    floor: float
    unit: str
    peak_rss_mb: float | None = None
    note: str = ""  # printed after the figure (upload: the peak memory's growth)

    @property
    def ratio(self) -> float:
        return self.value / self.floor if self.floor else float("inf")


@dataclass
class Context:
    cases: int
    workdir: Path
    db_path: Path
    runs: int = 10
    python: str = sys.executable

    def rectify(self, *args: str) -> list[str]:
        exe = shutil.which("rectify", path=str(Path(sys.executable).parent)) or shutil.which("rectify")
        return [exe or "rectify", *args]

    def env(self) -> dict[str, str]:
        return {**os.environ, "RECTIFY_NOW": "2026-06-30T02:00:00+00:00"}


def wall(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    """Median wall time of a whole command, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_isolated(name: str, ctx: Context) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter, so its peak RSS is its own."""
    out = subprocess.run([ctx.python, "-m", "bench.figures", name, str(ctx.db_path), str(ctx.workdir),
                          str(ctx.cases)], capture_output=True, text=True, env=ctx.env())
    if out.returncode:
        raise SystemExit(f"bench figure {name} failed:\n{out.stderr}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


REGISTRY: dict[str, Callable[[Context], Figure]] = {}


def figure(name: str) -> Callable[[Callable[[Context], Figure]], Callable[[Context], Figure]]:
    def register(fn: Callable[[Context], Figure]) -> Callable[[Context], Figure]:
        REGISTRY[name] = fn
        return fn

    return register


def compiled(ctx: Context) -> None:
    """The package's bytecode written, as an installed package has it: under PYTHONDONTWRITEBYTECODE every command
    would otherwise compile each module it imports from source, every time (a whole command's worth again)."""
    code = "import compileall, pathlib, rectify; compileall.compile_dir(pathlib.Path(rectify.__file__).parent, quiet=1)"
    # -P: the package the command imports (PYTHONPATH, the installed one), not one in the current directory
    subprocess.run([ctx.python, "-P", "-c", code], check=True, stdout=subprocess.DEVNULL, env=ctx.env())


@figure("cli_help")
def _cli_help(ctx: Context) -> Figure:
    compiled(ctx)
    value = wall(ctx.rectify("--help"), ctx.runs)
    floor = wall([ctx.python, "-c", "pass"], ctx.runs)
    return Figure(value * 1000, floor * 1000, "ms")


def interleaved(*cmds: list[str], runs: int, env: dict[str, str] | None = None) -> list[tuple[float, float]]:
    """(median wall time, median CPU time: user + system) of each command, in seconds, the commands run in turn
    (so all see the same load; under load the CPU time is the steadier of the two)."""
    times: list[list[tuple[float, float]]] = [[] for _ in cmds]
    for _ in range(max(runs, 5)):
        for side, argv in enumerate(cmds):
            start = time.perf_counter()
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            _, status, usage = os.wait4(proc.pid, 0)
            if os.waitstatus_to_exitcode(status):
                raise SystemExit(f"{' '.join(argv)} failed")
            times[side].append((time.perf_counter() - start, usage.ru_utime + usage.ru_stime))
    return [(statistics.median(w for w, _ in t), statistics.median(c for _, c in t)) for t in times]


# A read command's floor: the interpreter starting and importing the driver, what any Python reading SQLite pays.
BARE = "import sqlite3"
# Not the floor, printed beside it: the libraries any click command of this shape imports before its own code.
LIBRARIES = "import sqlite3, click, dataclasses, pathlib, zoneinfo, json"


def _read_command(ctx: Context, *args: str) -> Figure:
    compiled(ctx)
    value, floor, libraries = interleaved(ctx.rectify("--db", str(ctx.db_path), *args), [ctx.python, "-c", BARE],
                                          [ctx.python, "-c", LIBRARIES], runs=ctx.runs, env=ctx.env())
    return Figure(value[0] * 1000, floor[0] * 1000, "ms",
                  note=f"CPU {value[1] * 1000:.0f} / {floor[1] * 1000:.0f} ms = {value[1] / floor[1]:.2f} ×; "
                       f"libraries alone ({LIBRARIES.removeprefix('import ')}): wall {libraries[0] / floor[0]:.2f} ×, "
                       f"CPU {libraries[1] / floor[1]:.2f} ×")


@figure("cli_show")
def _cli_show(ctx: Context) -> Figure:
    """``rectify case show`` of the middle case, whole command, against a bare ``python -c "import sqlite3"``."""
    return _read_command(ctx, "case", "show", str(max(1, ctx.cases // 2)))


@figure("cli_list")
def _cli_list(ctx: Context) -> Figure:
    """``rectify case list`` of the middle open case's township (a township's list: what an officer types)."""
    from bench.filtered import _place

    county, township = _place(ctx.db_path, ctx.cases)
    return _read_command(ctx, "case", "list", "--county", county, "--township", township)


@figure("cli_ledger")
def _cli_ledger(ctx: Context) -> Figure:
    """``rectify ledger --county`` of the middle open case's county, as a table."""
    from bench.filtered import _place

    county, _ = _place(ctx.db_path, ctx.cases)
    return _read_command(ctx, "ledger", "--county", county)


def child_peak(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one run of a command, the RSS from the kernel's account of that child."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return seconds, usage.ru_maxrss / 1024


def peak_of(cmd: list[str], env: dict[str, str], out: Path | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of a ``python -m bench.remind`` command, the peak its own ``VmHWM`` at exit
    (a forked child's ``ru_maxrss`` starts from its parent's); stdout to ``out`` (else discarded)."""
    hwm = Path(tempfile.mkstemp(prefix="bench-hwm-")[1])
    try:
        with open(out or os.devnull, "wb") as sink:
            start = time.perf_counter()
            done = subprocess.run(cmd, stdout=sink, stderr=subprocess.PIPE, env={**env, "BENCH_HWM_FILE": str(hwm)})
            seconds = time.perf_counter() - start
        if done.returncode:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr.decode()}")
        return seconds, int(hwm.read_text(encoding="ascii")) / 1024
    finally:
        hwm.unlink(missing_ok=True)


@figure("remind_dry_run")
def _remind_dry_run(ctx: Context) -> Figure:
    """``rectify remind run --dry-run`` as a whole command (its peak RSS beside it), against a bare interpreter
    running the dry run's own statements raw and rendering the same digests (``bench/remind.py``); alternating,
    the median of each."""
    from bench.remind import AS_OF_ISO

    compiled(ctx)  # the command measured as installed, its bytecode written (as the read commands are)
    env = ctx.env()
    remind = [ctx.python, "-m", "bench.remind"]
    subprocess.run([*remind, "capture", str(ctx.db_path), str(ctx.workdir)], check=True, capture_output=True,
                   env=env)
    product_cmd = [*remind, "product", "--db", str(ctx.db_path), "remind", "run", "--as-of", AS_OF_ISO,
                   "--dry-run", "-q"]
    floor_cmd = [*remind, "floor", str(ctx.workdir), str(ctx.db_path)]
    shown = [ctx.workdir / "remind-product.txt", ctx.workdir / "remind-floor.txt"]
    runs, floor = [peak_of(product_cmd, env, shown[0])], [peak_of(floor_cmd, env, shown[1])]
    if shown[0].read_bytes() != shown[1].read_bytes():
        raise SystemExit("remind_dry_run: the floor did not print the product's digests")
    for _ in range(max(1, min(ctx.runs, 3)) - 1):
        runs.append(peak_of(product_cmd, env))
        floor.append(peak_of(floor_cmd, env))
    return Figure(statistics.median(r[0] for r in runs), statistics.median(f[0] for f in floor), "s",
                  max(r[1] for r in runs), note=f"floor {max(f[1] for f in floor):.0f} MB")


for _name in figures.ISOLATED:
    if _name not in REGISTRY:
        def _make(name: str) -> Callable[[Context], Figure]:
            def measure(ctx: Context) -> Figure:
                r = run_isolated(name, ctx)
                return Figure(r["value"], r["floor"], r["unit"], r.get("peak_rss_mb"), r.get("note", ""))
            return measure
        REGISTRY[_name] = _make(_name)


ORDER = ("import_cases", "import_pg", "transition", "transition_step", "transition_pg", "ledger_csv", "ledger_asof",
         "ledger_xlsx", "ledger_township", "ledger_county", "inbox", "stats", "stats_asof", "sweep", "remind_dry_run",
         "digest_send", "channels", "upload", "cli_help", "cli_show", "cli_list", "cli_ledger")


# need a PostgreSQL server (RECTIFY_BENCH_PG or initdb): run with --only import_pg transition_pg
OPT_IN = ("import_pg", "transition_pg")


def run_peers(cases: int) -> dict[str, dict[str, Any]]:
    """The lifecycle on rectify and on every installed peer, each in a fresh interpreter and database file."""
    from bench import peers

    installed = peers.available()
    print(f"peers: {cases} cases × {len(peers.STEPS)} steps, each its own transaction; SQLite, WAL, "
          f"synchronous=NORMAL", file=sys.stderr)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="rectify-peers-") as tmp:
        for name in ("rectify", *installed):
            out = subprocess.run([sys.executable, "-m", "bench.peers", name, str(Path(tmp) / f"{name}.sqlite"),
                                  str(cases)], capture_output=True, text=True)
            if out.returncode:
                raise SystemExit(f"peer {name} failed:\n{out.stderr}")
            results[name] = json.loads(out.stdout.strip().splitlines()[-1])
    ours = results["rectify"]["per_second"]
    print(f"{'peer':<16}{'steps/s':>10}{'median µs':>12}{'mean µs':>10}{'rectify ÷ peer':>16}")
    for name, r in results.items():
        r["rectify_ratio"] = ours / r["per_second"]
        print(f"{name:<16}{r['per_second']:>10.0f}{r['median_us']:>12.0f}{r['mean_us']:>10.0f}"
              f"{r['rectify_ratio']:>16.2f}", flush=True)
    for name in peers.PEERS:
        if name not in results:
            print(f"{name:<16}not installed (pip install -e '.[peers]')")
    return results


def reuse(kept: Path, db_path: Path, cases: int) -> None:
    """A copy of a kept database (the figures write to theirs), refused unless it holds ``cases`` cases."""
    import sqlite3

    if not kept.is_file():
        raise SystemExit(f"no database at {kept}")
    con = sqlite3.connect(f"file:{kept}?mode=ro", uri=True)
    held = con.execute("SELECT count(*) FROM rectification_case").fetchone()[0]
    con.close()
    if held != cases:
        raise SystemExit(f"{kept} holds {held} cases, not --cases {cases}")
    shutil.copy(kept, db_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--json", dest="json_path")
    parser.add_argument("--only", nargs="*", help="measure only these figures")
    parser.add_argument("--keep", help="keep the generated database at this path")
    parser.add_argument("--db", dest="reuse", help="measure a copy of a database kept by an earlier --keep run of the "
                                                   "same --cases instead of generating one")
    parser.add_argument("--runs", type=int, default=10, help="repetitions of each whole-command timing")
    parser.add_argument("--peers", action="store_true",
                        help="run only the case lifecycle on rectify and the peer libraries (the [peers] extra)")
    parser.add_argument("--peer-cases", type=int, default=2000, help="cases each peer takes through the lifecycle")
    parser.add_argument("--web", action="store_true",
                        help="run only the web front's figures (bench/web.py): pages and a step over HTTP beside "
                             "their application-layer floors, and the server's memory")
    parser.add_argument("--web-requests", type=int, default=200, help="requests per web figure and client count")
    parser.add_argument("--web-memory", type=int, default=10_000, help="requests over which the server's RSS is read")
    parser.add_argument("--web-clients", default="1,10,50", help="concurrent clients, comma-separated")
    args = parser.parse_args(argv)
    if args.web:
        from bench import web

        return web.main(args.cases, args.json_path, args.web_requests, args.web_memory,
                        tuple(int(c) for c in args.web_clients.split(",")))
    if args.peers:
        peer_results = run_peers(args.peer_cases)
        if args.json_path:
            Path(args.json_path).write_text(json.dumps({"peer_cases": args.peer_cases, "peers": peer_results},
                                                       indent=2), encoding="utf-8")
        return 0

    with tempfile.TemporaryDirectory(prefix="rectify-bench-") as tmp:
        workdir = Path(tmp)
        db_path = workdir / "bench.sqlite"
        start = time.perf_counter()
        if args.reuse:
            reuse(Path(args.reuse), db_path, args.cases)
        else:
            figures.build(db_path, args.cases)
        size_mb = db_path.stat().st_size >> 20
        print(f"{'copied' if args.reuse else 'generated'} {args.cases} cases in {time.perf_counter() - start:.1f} s "
              f"({size_mb} MB)", file=sys.stderr)
        ctx = Context(args.cases, workdir, db_path, runs=args.runs)
        names = [n for n in ORDER if n in REGISTRY and (n in args.only if args.only else n not in OPT_IN)]
        results: dict[str, Figure] = {}
        print(f"{'figure':<14}{'value':>12}{'floor':>12}{'ratio':>8}  unit   peak RSS")
        for name in names:
            fig = REGISTRY[name](ctx)
            results[name] = fig
            rss = f"{fig.peak_rss_mb:.0f} MB" if fig.peak_rss_mb is not None else ""
            print(f"{name:<14}{fig.value:>12.2f}{fig.floor:>12.2f}{fig.ratio:>8.2f}  {fig.unit:<6} {rss}"
                  + (f"  {fig.note}" if fig.note else ""), flush=True)
        if args.keep:
            shutil.copy(db_path, args.keep)
    if args.json_path:
        Path(args.json_path).write_text(json.dumps({
            "cases": args.cases,
            "figures": {n: {"value": f.value, "floor": f.floor, "ratio": f.ratio, "unit": f.unit,
                            "peak_rss_mb": f.peak_rss_mb} for n, f in results.items()},
        }, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
