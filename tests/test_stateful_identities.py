"""The stateful fuzzer again, driven by random identities (issue 26): registered officers of two counties, an
auditor, an admin, a disabled officer and an unregistered name take turns. After every step: no internal error,
a refusal changed nothing, and every new event is signed by the identity that ran the command (and records the
OS login that ran it)."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule, run_state_machine_as_test

from rectify.cli import cli
from rectify.store.people import insert_person

from .conftest import NOW as CLOCK
from .test_stateful import NOW, Fuzz, _fresh

EXAMPLES = int(os.environ.get("RECTIFY_STATEFUL_EXAMPLES", "4"))
STEPS = int(os.environ.get("RECTIFY_STATEFUL_STEPS", "12"))

PEOPLE = {  # name → (role, scope, active)
    "管理员": ("admin", "*", True), "青山经办": ("county_officer", "青山县", True),
    "绿水经办": ("county_officer", "绿水县", True), "审计员": ("auditor", "青山县,绿水县", True),
    "停用经办": ("county_officer", "青山县", False), "河口包村": ("township_leader", "青山县/河口镇", True),
    "青山验收": ("county_verifier", "青山县", True), "青山审批": ("county_approver", "青山县", True),
}
IDENTITIES = st.sampled_from([*PEOPLE, "外人"])


class IdentityFuzz(Fuzz):
    who = "青山经办"

    def run(self, *args: str, url: str | None = None) -> Result:
        return self.runner.invoke(cli, ["--db", url or self.url, "--actor", self.who, *args],
                                  env={"RECTIFY_NOW": NOW, "RECTIFY_CONFIG": ""})

    def _events(self) -> set[tuple[int, str, str]]:
        with self.db.connect() as conn:
            return {(r.id, r.actor, r.operator) for r in conn.execute(sa.text(
                "SELECT id, actor, operator FROM case_event"))}

    def step(self, *args: str) -> Result:
        before = self._events()
        result = super().step(*args)
        for _, actor, operator in self._events() - before:
            assert (actor, operator) == (self.who, getpass.getuser()), (self.who, args, actor)
            assert self.who in PEOPLE and PEOPLE[self.who][2], (self.who, args)
        return result

    @initialize()
    def county(self) -> None:
        with self.db.begin() as conn:
            for name, (role, scope, _) in PEOPLE.items():
                insert_person(conn, name=name, role=role, scope=scope, unit="组织部", now=CLOCK)
            conn.execute(sa.text("UPDATE person SET active = false WHERE name = '停用经办'"))
        self.who = "青山经办"
        self.step("org", "add", "V1", "河口镇王家庄村党支部", "--kind", "village", "--county", "青山县",
                  "--township", "河口镇")
        self.step("case", "open", "V1", "--problem", "P01", "--identified", "2026-03-01", "--deadline", "2026-12-31")
        self.who = "绿水经办"
        self.step("org", "add", "L1", "绿水县某村党支部", "--kind", "village", "--county", "绿水县",
                  "--township", "某镇")
        self.step("case", "open", "L1", "--problem", "P01", "--identified", "2026-03-01", "--deadline", "2026-12-31")

    @rule(who=IDENTITIES)
    def become(self, who: str) -> None:
        self.who = who

    def teardown(self) -> None:
        self.db.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_random_identities_sign_only_as_themselves(backend: str, request: pytest.FixtureRequest,
                                                   tmp_path: Path) -> None:
    IdentityFuzz.new_url = staticmethod(_fresh(request, backend, tmp_path))  # type: ignore[assignment]
    IdentityFuzz.tmp = tmp_path
    run_state_machine_as_test(IdentityFuzz, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, derandomize=True, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))
