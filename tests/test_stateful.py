"""A stateful fuzzer (issue 17): random sequences of commands with valid and hostile values, on both backends.

After every step: no internal error, and a refusal (exit 1 or 2) changed no row of any table. At the end of
each sequence: ``export --all`` restored into the other backend gives the same ``case show`` for every case.

CI runs a fixed seed (``derandomize``) and a bounded number of sequences; a longer run:
``RECTIFY_STATEFUL_EXAMPLES=500 RECTIFY_STATEFUL_STEPS=40 pytest tests/test_stateful.py``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Callable
from datetime import date
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from rectify.cli import cli
from rectify.config import Config
from rectify.reports.ledger import ledger_rows
from rectify.store import open_database

from .conftest import ACTOR, snapshot

NOW = "2026-06-30T09:00:00+08:00"
EXAMPLES = int(os.environ.get("RECTIFY_STATEFUL_EXAMPLES", "8"))
STEPS = int(os.environ.get("RECTIFY_STATEFUL_STEPS", "12"))

TEXTS = st.sampled_from(["王家庄村党支部", "河口镇李家湾村党支部", "", "  空格  ", "a\x1b[31mb", "x\x00y", "铃\x07声",
                         "长" * 5000, "县" * 300, "第一行\n第二行", "tab\there", "\u2028分隔"])
NOTES = st.sampled_from(["召开党员大会", "第一行\n第二行", "含\x00空字符", "长" * 20_000, "", "制表\t符"])
DATES = st.sampled_from(["2026-03-01", "2026-05-20", "2026-12-31", "2027-06-30", "9999-12-31", "1899-01-01",
                         "2026/2/30", "20260315", "", "2101-01-01", "2026年6月1日"])
NUMBERS = st.sampled_from(["0", "1", "2", "3", "50", "51", "-1", "12345678901234567890", "abc", "100", "101"])
EMAILS = st.sampled_from(["", "zhang@example.cn", "张三 <zhang@example.cn>", "a@b.cn\r\nBcc: x@y.cn", "bad",
                          "a@b.cn, c@d.cn", "li@example.cn\n"])
CODES = st.sampled_from(["V1", "V2", "1", "2", "3", "X\x00", "码" * 80])
REFS = st.sampled_from(["1", "2", "3", "V1", "V2", "case:1", "org:1", "org:2", "12345678901234567890", " 1 "])
GOOD_REFS = st.sampled_from(["1", "V1", "case:1", "org:V1", "2"])
PROBLEMS = st.sampled_from(["P01", "P10", "P11", "other:村集体经济薄弱", "other:", "p03"])


class Fuzz(RuleBasedStateMachine):
    """One fresh database per sequence (made by ``new_url``); each rule is one ``rectify`` command."""

    new_url: Callable[[], str]
    other_url: Callable[[], str]
    tmp: Path

    def __init__(self) -> None:
        super().__init__()
        self.url = self.new_url()
        self.db = open_database(self.url)
        self.runner = CliRunner()

    def run(self, *args: str, url: str | None = None) -> Result:
        return self.runner.invoke(cli, ["--db", url or self.url, "--actor", ACTOR, *args],
                                  env={"RECTIFY_NOW": NOW, "RECTIFY_CONFIG": ""})

    def step(self, *args: str) -> Result:
        before = snapshot(self.db)
        result = self.run(*args)
        OUTCOMES[args[1] if args[0] == "case" else args[0], result.exit_code] += 1
        output = result.output
        assert result.exit_code in (0, 1, 2), (args, output)
        assert "内部错误" not in output and "Traceback" not in output, (args, output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
        if result.exit_code != 0:
            assert snapshot(self.db) == before, ("a refusal wrote something", args, output)
            assert len(result.stderr.strip().splitlines()) >= 1
        return result

    @initialize()
    def county(self) -> None:
        self.step("org", "add", "V1", "河口镇王家庄村党支部", "--kind", "village", "--county", "青山县",
                  "--township", "河口镇")
        self.step("case", "open", "V1", "--problem", "P01", "--identified", "2026-03-01", "--deadline", "2026-12-31")

    # -- steps with good values, so that sequences reach every stage ------------------------------------

    @rule(code=st.sampled_from(["V1", "V2", "1", "2", "3"]))
    def add_org_well(self, code: str) -> None:
        self.step("org", "add", code, f"河口镇{code}村党支部", "--kind", "village", "--county", "青山县",
                  "--township", "河口镇")

    @rule(code=st.sampled_from(["V1", "V2", "1", "2", "3"]))
    def open_well(self, code: str) -> None:
        self.step("case", "open", code, "--problem", "P01", "--identified", "2026-03-01", "--deadline", "2026-12-31",
                  "--officer", "赵经办", "--officer-email", "赵经办 <zhao@example.cn>")

    @rule(ref=GOOD_REFS)
    def plan_well(self, ref: str) -> None:
        self.step("case", "plan", ref, "--measure", "P01|配齐村两委班子|王建国|2026-06-30", "--county-leader", "李县长",
                  "--township-cadre", "张干部")

    @rule(ref=GOOD_REFS)
    def assign_well(self, ref: str) -> None:
        self.step("case", "assign-secretary", ref, "--name", "陈海涛", "--unit", "县财政局", "--since", "2026-03-09")

    @rule(ref=GOOD_REFS)
    def finish_well(self, ref: str) -> None:
        self.step("case", "measure-done", ref, "1", "--on", "2026-05-20")
        self.step("case", "rectified", ref, "--on", "2026-06-01", "--self-check", "整改到位")

    # -- steps with any value --------------------------------------------------------------------------

    @rule(code=CODES, name=TEXTS, county=TEXTS)
    def add_org(self, code: str, name: str, county: str) -> None:
        self.step("org", "add", code, name, "--kind", "village", "--county", county, "--township", "河口镇")

    @rule(code=CODES, problem=PROBLEMS, identified=DATES, deadline=DATES, officer=TEXTS, email=EMAILS)
    def open_case(self, code: str, problem: str, identified: str, deadline: str, officer: str, email: str) -> None:
        self.step("case", "open", code, "--problem", problem, "--identified", identified, "--deadline", deadline,
                  "--officer", officer, "--officer-email", email)

    @rule(ref=REFS, text=TEXTS, owner=TEXTS, due=DATES, n=st.integers(0, 3), email=EMAILS,
          problem=st.sampled_from(["P01", "P10", "P01,P10", "other", "P03"]))
    def plan(self, ref: str, text: str, owner: str, due: str, n: int, email: str, problem: str) -> None:
        measures = [a for _ in range(n) for a in ("--measure", f"{problem}|{text}|{owner}|{due}")]
        self.step("case", "plan", ref, *measures, "--county-leader", owner or "李县长", "--township-cadre", "张干部",
                  "--email", f"county_leader={email}")

    @rule(ref=REFS, name=TEXTS, since=DATES, email=EMAILS)
    def assign_secretary(self, ref: str, name: str, since: str, email: str) -> None:
        self.step("case", "assign-secretary", ref, "--name", name, "--unit", "县财政局", "--since", since,
                  "--email", email)

    @rule(ref=REFS, number=NUMBERS, on=DATES)
    def measure_done(self, ref: str, number: str, on: str) -> None:
        self.step("case", "measure-done", ref, number, "--on", on)

    @rule(ref=REFS, on=DATES, note=NOTES)
    def progress(self, ref: str, on: str, note: str) -> None:
        self.step("case", "progress", ref, "--on", on, "--note", note)

    @rule(ref=REFS, on=DATES, note=NOTES)
    def rectified(self, ref: str, on: str, note: str) -> None:
        self.step("case", "rectified", ref, "--on", on, "--self-check", note)

    @rule(ref=REFS, on=DATES, score=NUMBERS, satisfied=NUMBERS, dissatisfied=NUMBERS)
    def verify(self, ref: str, on: str, score: str, satisfied: str, dissatisfied: str) -> None:
        self.step("case", "verify", ref, "--on", on, "--by", "验收组", "--score", score, "--satisfied", satisfied,
                  "--dissatisfied", dissatisfied)

    @rule(ref=REFS, to=DATES, reason=NOTES)
    def extend(self, ref: str, to: str, reason: str) -> None:
        self.step("case", "extend", ref, "--to", to, "--reason", reason, "--approved-by", "县委组织部部务会")

    @rule(ref=REFS)
    def show(self, ref: str) -> None:
        self.step("case", "show", ref)

    def teardown(self) -> None:
        try:
            self._history_rebuilds_the_tables()
            self._same_after_restore()
        finally:
            self.db.dispose()

    def _history_rebuilds_the_tables(self) -> None:
        """The state rebuilt from the dated history (SPEC §6.2) equals the stored state, past every date."""
        last = date(2100, 12, 31)
        rebuilt = list(ledger_rows(self.db, as_of=last, config=Config(), rebuild=True).dicts())
        stored = list(ledger_rows(self.db, as_of=last, config=Config(), rebuild=False).dicts())
        assert rebuilt == stored

    def _same_after_restore(self) -> None:
        backup = self.tmp / f"backup-{next(_numbers)}.jsonl"
        assert self.run("export", "--all", str(backup)).exit_code == 0
        other = self.other_url()
        public = self.run("keys").stdout.strip()  # the other backend's installation trusts this one's key
        restored = self.run("restore", str(backup), "--trust", public, url=other)
        assert restored.exit_code == 0, restored.output
        cases = json.loads(self.run("case", "list", "--format", "json").stdout or "[]")
        ids = [str(c.get("case_id", c.get("id"))) for c in (cases if isinstance(cases, list) else cases["cases"])]
        for ref in ids:
            here = self.run("case", "show", f"case:{ref}", "--format", "json")
            there = self.run("case", "show", f"case:{ref}", "--format", "json", url=other)
            assert here.exit_code == there.exit_code == 0, (here.output, there.output)
            assert json.loads(here.stdout) == json.loads(there.stdout)


_numbers = count(1)
OUTCOMES: Counter[tuple[str, int]] = Counter()


def _fresh(request: pytest.FixtureRequest, backend: str, tmp: Path) -> Callable[[], str]:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")

        def sqlite() -> str:
            path = tmp / f"fuzz-{next(_numbers)}.sqlite"
            shutil.copy(template, path)
            return f"sqlite:///{path}"

        return sqlite
    server: Any = request.getfixturevalue("pg_server")
    pg_template: str = request.getfixturevalue("pg_template")
    return lambda: server.new_database(pg_template)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_random_sequences_of_valid_and_hostile_commands(backend: str, request: pytest.FixtureRequest,
                                                        tmp_path: Path) -> None:
    other = "postgresql" if backend == "sqlite" else "sqlite"
    Fuzz.new_url = staticmethod(_fresh(request, backend, tmp_path))  # type: ignore[assignment]
    Fuzz.other_url = staticmethod(_fresh(request, other, tmp_path))  # type: ignore[assignment]
    Fuzz.tmp = tmp_path
    run_state_machine_as_test(Fuzz, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, derandomize=True, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))
    # The sequences did reach the engine: cases were opened and planned, and hostile values were refused.
    print(sorted(OUTCOMES.items()))
    later = ("plan", "assign-secretary", "measure-done", "progress", "rectified", "verify", "extend")
    assert sum(OUTCOMES[step, 0] for step in later)
    assert sum(n for (_, code), n in OUTCOMES.items() if code == 2) and OUTCOMES["org", 0]
