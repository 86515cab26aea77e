"""报送 (SPEC §15), the write side: a county submits a period's package; a city receives, returns, lists.

On a shared database ``submit`` is itself the record the city sees; a county on its own database hands
the city the package file, and ``receive`` makes the same record from it after checking it. A returned
submission stays, beside the county's resubmission.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rectify import validation
from rectify.clock import Clock, local_today, system_clock
from rectify.config import Config
from rectify.errors import BadInput, NotFound, Refused
from rectify.reports.package import Package, build_package, read_package
from rectify.states import reporting as rules
from rectify.states.permissions import Actor
from rectify.store import Database, default_sqlite_path, sqlite_file
from rectify.store import reporting as store

__all__ = ["Reporting", "Submitted", "key_path"]


def key_path(db: Database, config: Config) -> Path:
    """The signing key: ``[reporting] key_file`` (or ``[security] key_file``), else beside the SQLite file,
    else in the user data directory (a PostgreSQL installation without a configured key)."""
    given = config.reporting.key_file or getattr(config.security, "key_file", "")
    if given:
        return Path(given).expanduser()
    path = sqlite_file(db.url)
    return (path.parent if path is not None else default_sqlite_path().parent) / "rectify-signing.key"


@dataclass(frozen=True)
class Submitted:
    submission_id: int
    package: Package


class Reporting:
    def __init__(self, db: Database, config: Config | None = None, *, actor: Actor | str = "system",
                 clock: Clock = system_clock) -> None:
        self.db = db
        self.config = config or Config()
        self.person = actor if isinstance(actor, Actor) else Actor(name=actor)
        self.clock = clock

    def today(self) -> date:
        return local_today(self.clock, self.config.policy.timezone)

    def _may(self, step: str) -> None:
        if refusal := rules.step_refusal(step, self.person.role, self.person.who):
            raise Refused(refusal)

    def _county_in_scope(self, county: str, what: str) -> None:
        if self.person.role is not None and self.person.counties and county not in self.person.counties:
            raise Refused(f"{self.person.name} 的范围是 {self.person.scope_text}，不能{what} {county} 的报送")

    def submit(self, period_text: str, county: str | None = None) -> Submitted:
        """Freezes the county's period as of its end, known today, into a signed package, and records it."""
        from rectify.signing import load_or_create

        self._may("submit")
        period = rules.parse_period(period_text)
        county = (county or "").strip() or (self.person.counties[0] if len(self.person.counties) == 1 else "")
        if not county:
            raise BadInput("请用 --county 指定报送的县")
        self._county_in_scope(county, "报送")
        today = self.today()
        if period.end >= today:
            raise Refused(f"报告期 {period.label} 到 {period.end} 才结束，{period.end} 之后方可报送")
        try:
            key = load_or_create(key_path(self.db, self.config))
        except (OSError, ValueError) as exc:
            raise BadInput(f"无法读取或创建签名密钥 {key_path(self.db, self.config)}：{exc}") from None
        now = self.clock()
        package = build_package(self.db, self.config, key, county=county, period=period, known_on=today,
                                submitted_at=now, submitted_by=self.person.signature, reader=self.person)
        with self.db.begin() as conn:
            sid = self._record(conn, package, rules.LOCAL)
        return Submitted(sid, package)

    def _record(self, conn: Any, package: Package, origin: str) -> int:
        m = package.manifest
        import json

        return store.insert_submission(
            conn, county=m["county"], county_code=m["county_code"], period=m["period"],
            as_of=date.fromisoformat(m["as_of"]), known_on=date.fromisoformat(m["known_on"]),
            submitted_at=_instant(m["submitted_at"]), submitted_by=m["submitted_by"], origin=origin,
            digest=package.digest, public_key=m["public_key"], manifest=json.dumps(m, ensure_ascii=False),
            package=package.data, status=rules.SUBMITTED, return_reason="", returned_by="", returned_at=None,
            created_at=self.clock())

    def receive(self, data: bytes) -> Submitted:
        """A county's package file checked and held: refused on a failed signature or hash, a key other than
        the county's, a package already held, or one older than the county's latest for the period."""
        self._may("receive")
        package = read_package(data)
        m = package.manifest
        county, period = str(m["county"]), str(m["period"])
        rules.parse_period(period)
        self._county_in_scope(county, "接收")
        trusted = self.config.reporting.trusted_keys.get(county)
        with self.db.begin() as conn:
            store.lock_county_period(conn, county, period)
            held = store.by_digest(conn, package.digest)
            if held is not None:
                raise Refused(f"此报送包已接收（报送编号 {held.id}，{county} {period}）")
            expected = trusted or store.first_key(conn, county)
            if expected is not None and expected != m["public_key"]:
                source = "[reporting] trusted_keys" if trusted else "此前收到的报送包"
                raise Refused(f"报送包的签名密钥与 {county} 登记的不同（{source}），未接收")
            newer = [s for s in store.of_county_period(conn, county, period)
                     if s.submitted_at >= _instant(m["submitted_at"])]
            if newer:
                raise Refused(f"已有 {county} {period} 更新的报送（报送编号 {newer[-1].id}，"
                              f"{newer[-1].submitted_at:%Y-%m-%d %H:%M}），此包较旧，未接收")
            sid = self._record(conn, package, rules.RECEIVED)
        return Submitted(sid, package)

    def return_submission(self, submission_id: int, reason: str) -> Any:
        """退回: the county is to correct and resubmit; the returned package is kept."""
        self._may("return")
        reason = validation.text(reason, "退回理由", multiline=True, required=True)
        with self.db.begin() as conn:
            row = store.with_package(conn, submission_id)
            if row is None:
                raise NotFound(f"找不到报送 {submission_id}")
            self._county_in_scope(row.county, "退回")
            if row.status == rules.RETURNED:
                raise Refused(f"报送 {submission_id}（{row.county} {row.period}）已于 {row.returned_at:%Y-%m-%d} 退回")
            store.set_returned(conn, submission_id, reason=reason, by=self.person.signature, at=self.clock())
        return row


def _instant(text: str) -> Any:
    from datetime import datetime

    try:
        at = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise BadInput(f"报送包清单中的报送时间无法识别：{text!r}") from None
    if at.tzinfo is None:
        raise BadInput(f"报送包清单中的报送时间缺少时区：{text!r}")
    return at
