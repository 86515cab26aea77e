"""The application layer: one click-free object per process over which both faces (``cli/`` and ``web/``) run.

:class:`Service` holds the configuration, the database and the clock, hands out the engine for a person and
the read and report services, and takes a declared step (:mod:`rectify.states.steps`) from a form's text.
Neither face holds a rule: the role, scope and guard checks are the engine's, for both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rectify.clock import Clock, local_today, system_clock
from rectify.config import Config
from rectify.errors import BadInput, Reason
from rectify.states.permissions import Actor
from rectify.states.steps import FILE, LISTING_DAY, OPEN_STEP, STEPS, Availability, acts_on, available_steps

if TYPE_CHECKING:
    from rectify.evidence.storage import Storage
    from rectify.store import Database
    from rectify.write.engine import Outcome, Workflow

__all__ = ["Service"]


class Service:
    """Configuration, database and clock for one process; everything a face asks goes through here."""

    def __init__(self, db: Database, config: Config | None = None, clock: Clock = system_clock) -> None:
        self.db = db
        self.config = config or Config()
        self.clock = clock

    @classmethod
    def open(cls, db_url: str | None = None, config: Config | str | Path | None = None, clock: Clock | None = None,
             *, create: bool = False, check: bool = True) -> Service:
        """The service on ``db_url`` (else the configuration's, else the embedded default)."""
        from rectify.config import find_config, load_config
        from rectify.store import open_database

        if not isinstance(config, Config):
            config = load_config(find_config(str(config) if config is not None else None)[0])
        db = open_database(db_url or config.database.url or None, create=create, check=check)
        return cls(db, config, clock or system_clock)

    def close(self) -> None:
        self.db.dispose()

    def today(self) -> date:
        return local_today(self.clock, self.config.policy.timezone)

    def now(self) -> datetime:
        return self.clock()

    # -- who -------------------------------------------------------------------------------------

    def identify(self, given: str | None) -> Actor:
        """The CLI's actor: --actor / RECTIFY_ACTOR resolved against the registry (SPEC §12)."""
        from rectify.write.actors import resolve_actor

        return resolve_actor(self.db, self.config, given)

    def engine(self, person: Actor) -> Workflow:
        from rectify.write.engine import Workflow

        return Workflow(self.db, self.config, actor=person, clock=self.clock)

    # -- reads -----------------------------------------------------------------------------------

    def case(self, person: Actor, ref: str | int, *, as_of: date | None = None) -> dict[str, Any]:
        """One case in full as ``person`` may see it (an unseen case is NotFound, exactly as an unknown one)."""
        from rectify.reports.cases import show_case

        return show_case(self.db, ref, as_of=as_of or self.today(), config=self.config, reader=person)

    def history(self, person: Actor, ref: str | int) -> list[dict[str, Any]]:
        from rectify.reports.cases import case_history

        return case_history(self.db, ref, reader=person)

    def cases(self, person: Actor, *, as_of: date | None = None, **filters: Any) -> list[dict[str, Any]]:
        """``case list`` for ``person``: filters county, township, kind, stage, year, open_only, light, supervised."""
        from rectify.reports.cases import list_cases

        return list_cases(self.db, as_of=as_of or self.today(), config=self.config, reader=person, **filters)

    def tasks(self, person: Actor, *, as_of: date | None = None) -> list[dict[str, Any]]:
        """我的待办: the open cases in ``person``'s scope whose current task their role acts on, by due date."""
        rows = [r for r in self.cases(person, as_of=as_of, open_only=True) if r.get("task") and
                acts_on(person, r["task"])]
        return sorted(rows, key=lambda r: (r.get("next_due") or "9999-12-31", r["case_id"]))

    def steps(self, person: Actor, case: Mapping[str, Any]) -> list[Availability]:
        """Every step with whether ``person`` may take it on ``case`` (as :meth:`case` gives it) now."""
        return available_steps(person, case)

    # -- steps -----------------------------------------------------------------------------------

    def take(self, person: Actor, step: str, ref: str | int, form: Mapping[str, Any],
             version: int | None = None) -> Outcome:
        """Takes the declared ``step`` from a form's values (text, or lists of text for multiple inputs).

        Malformed values are refused with a reason on their field, before the engine is asked; the engine then
        checks role, scope, stage and guards in its transaction; ``version`` is the case's version as shown."""
        from rectify.service.forms import call_step

        declared = STEPS.get(step)
        if declared is None:
            raise BadInput(f"没有名为 {step} 的操作", reasons=[Reason("unknown_step", None, f"没有名为 {step} 的操作")])
        uploads = form.get("files") if any(i.kind == FILE for i in declared.inputs) else None
        if not uploads:
            return call_step(self.engine(person), declared, ref, form, version)
        return self.attaching(person, uploads, lambda wf: call_step(wf, declared, ref, form, version))

    # -- 佐证材料 (SPEC §14) -------------------------------------------------------------------------

    def storage(self) -> Storage:
        """Where the files' bytes are kept (``[evidence] folder``)."""
        from rectify.evidence.storage import open_storage

        return open_storage(self.config, self.db.url)

    def attaching(self, person: Actor, uploads: Any, step: Callable[[Workflow], Outcome]) -> Outcome:
        """Runs ``step`` on ``person``'s engine with ``uploads`` checked, staged and kept with its event; a
        refused step or a refused file keeps nothing."""
        from rectify.write.evidence import staged

        wf = self.engine(person)
        with staged(uploads, self.config, self.storage()) as batch:
            wf.evidence = batch
            return step(wf)

    def files(self, person: Actor, ref: str | int) -> list[dict[str, Any]]:
        """The case's files, by event, as ``person`` may see the case (an unseen case is NotFound)."""
        from rectify.reports.evidence import case_files

        return case_files(self.db, ref, reader=person)

    def withdraw_file(self, person: Actor, ref: str | int, file_id: int, reason: str) -> str:
        from rectify.write.evidence import withdraw_file

        return withdraw_file(self.engine(person), ref, file_id, reason)

    def evidence_file(self, person: Actor, sha256: str) -> tuple[Path, str, str]:
        """``(path, name, media type)`` of a kept file on a case ``person`` may see; NotFound otherwise."""
        from rectify.reports.evidence import readable_file

        return readable_file(self.db, self.storage(), sha256, person)

    def open_case(self, person: Actor, org_code: str, form: Mapping[str, Any]) -> Outcome:
        """列入整顿 from a form's values (the inputs of :data:`rectify.states.steps.OPEN_STEP`)."""
        from rectify.service.forms import parse_form

        v = parse_form(OPEN_STEP, form)
        return self.engine(person).open_case(
            org_code, problems=v["problems"], identified_on=v[LISTING_DAY], deadline=v["deadline"],
            detail=v["detail"] or "", officer=v["officer"] or "", officer_email=v["officer_email"] or "",
            village_secretary=v["village_secretary"] or "")

    def orgs(self, person: Actor, **filters: Any) -> list[dict[str, Any]]:
        """The organizations ``person`` may see (filters county, township, kind)."""
        from rectify.reports.cases import list_orgs

        return list_orgs(self.db, reader=person, **filters)

    def outbox(self, person: Actor, status: str | None = None) -> list[dict[str, Any]]:
        """The outbox's deliveries ``person`` may see: a scoped reader, those whose every item lies in their scope."""
        from rectify.notifications.outbox import list_outbox
        from rectify.store.outbox import SqlOutboxStore, digest_ids_within

        rows = list_outbox(SqlOutboxStore(self.db), status)
        if person.role is not None and person.counties:
            mine = digest_ids_within(self.db, person.counties, person.township)
            rows = [r for r in rows if r["id"] in mine]
        return rows

    # -- 排查 and 报送 (SPEC §15) ----------------------------------------------------------------------

    def screening(self, person: Actor, county: str, year: int) -> dict[str, Any]:
        """The county's screening round as ``person`` may see it, with the steps they may take."""
        from rectify.service.screening import screening_screen

        return screening_screen(self, person, county, year)

    def take_screening(self, person: Actor, step: str, form: Mapping[str, Any], *, county: str, year: int,
                       org: str | None = None) -> str:
        """A declared screening step from a form's values; the screening checks role, scope and rules."""
        from rectify.service.screening import take_step

        return take_step(self, person, step, county=county, year=year, org=org, form=form)

    def submissions(self, person: Actor, period: str) -> dict[str, Any]:
        """报送 of a period per county of ``person``'s scope: submitted, returned, late."""
        from rectify.service.screening import submissions

        return submissions(self, person, period)

    def retry_outbox(self, person: Actor, digest_id: int) -> None:
        """Puts a failed delivery back in the queue; one ``person`` may not see reads exactly like an unknown one."""
        from rectify.notifications.outbox import retry, unknown_digest
        from rectify.store.outbox import SqlOutboxStore, digest_ids_within

        if person.role is not None and person.counties and \
                digest_id not in digest_ids_within(self.db, person.counties, person.township):
            raise unknown_digest(digest_id)
        retry(SqlOutboxStore(self.db), digest_id, now=self.clock())

    def people(self, person: Actor) -> list[dict[str, Any]]:
        """The registry as ``person`` may see it."""
        from rectify.write.people import people_rows

        return people_rows(self.db, reader=person)

    def registry(self, person: Actor) -> Any:
        """The people registry acting as ``person`` (an admin adds, imports, disables; the registry checks)."""
        from rectify.write.people import Registry

        return Registry(self.db, actor=person.name, clock=self.clock)

    def security(self, person: Actor) -> list[dict[str, Any]]:
        """The security settings (SPEC §12): each one's database, file and effective value and who set it last;
        the admin's page (anyone else is told there is no such page)."""
        from rectify.states.roles import Role
        from rectify.write.security import security_rows

        if person.role != Role.admin:
            from rectify.errors import NotFound

            raise NotFound("找不到该页面")
        return security_rows(self.db, self.config)

    def set_security(self, person: Actor, key: str, value: str) -> tuple[str, str]:
        """One setting changed as ``person`` (the rules of ``rectify security set``); (old, new) as text."""
        from rectify.write.security import set_security

        return set_security(self.db, person, key, value, operator=person.operator, clock=self.clock)

    def accounts(self) -> Any:
        from rectify.write.accounts import Accounts

        return Accounts(self.db, self.config, self.clock)


