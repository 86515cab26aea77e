"""Organizations: resolving a row's organization (by code, or by county + township + name) and ``import_orgs``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from rectify.clock import Clock, system_clock
from rectify.errors import Refused
from rectify.importing.cells import generated_code, parse_bool, parse_kind
from rectify.importing.rows import (
    ImportRejected,
    ImportResult,
    Progress,
    Row,
    RowProblem,
    no_progress,
    required_headers,
)
from rectify.importing.sheets import ORG_FIELDS, alias_map, read_sheet
from rectify.states.permissions import ORG_IMPORT_ACTION, Actor, role_refusal, scope_refusal
from rectify.states.stages import KINDS
from rectify.store import Database, translate_errors
from rectify.store.bulk import insert_orgs, orgs_coded, orgs_named, stored_orgs


def _cell_text(v: Any) -> str:
    """A cell as ``Row.text`` reads it."""
    if type(v) is str:
        return v
    return v.isoformat() if isinstance(v, date) else str(v).strip()


@dataclass
class Orgs:
    """Organizations already stored, and the ones this import will add, by code and by names."""

    by_code: dict[str, tuple[int | None, str, str, str, str]]  # code → (id, name, kind, county, township)
    by_names: dict[tuple[str, str, str], str]
    new: list[dict[str, Any]] = field(default_factory=list)
    zero_led: dict[str, str] = field(default_factory=dict)  # digits-only code without its leading 0s → code
    places: dict[str, str] = field(default_factory=dict)  # each county, township and kind text, once

    def __post_init__(self) -> None:
        for code in self.by_code:
            self._note_zeros(code)

    def _note_zeros(self, code: str) -> None:
        if code[:1] == "0" and code.isdigit():
            self.zero_led.setdefault(code.lstrip("0"), code)

    @classmethod
    def load(cls, conn: sa.Connection) -> Orgs:
        by_code: dict[str, tuple[int | None, str, str, str, str]] = {}
        by_names: dict[tuple[str, str, str], str] = {}
        for oid, code, name, kind, county, township in stored_orgs(conn):
            by_code[code] = (oid, name, kind, county, township)
            by_names.setdefault((county, township, name), code)
        return cls(by_code, by_names)

    @classmethod
    def for_batch(cls, conn: sa.Connection, rows: list[dict[str, Any]], zero_led: dict[str, str]) -> Orgs:
        """The organizations a batch of case rows names (by code, or by county + township + name), asked of the
        database: the stored ones and the ones this import added before (see ``bulk.seen_tables``).
        ``zero_led`` is shared across the batches: the import's codes with leading zeros, stored or new."""
        codes: set[str] = set()
        triples: set[tuple[str, str, str]] = set()
        for values in rows:
            code = _cell_text(values.get("org_code", ""))
            if code:
                codes.add(code)
            else:
                triples.add((_cell_text(values.get("county", "")), _cell_text(values.get("township", "")),
                             _cell_text(values.get("org_name", ""))))
        by_names = orgs_named(conn, triples) if triples else {}
        codes.update(by_names.values())
        codes.update(generated_code(*t) for t in triples if t not in by_names)
        by_code = {code: (oid, name, kind, county, township)
                   for oid, code, name, kind, county, township in orgs_coded(conn, codes)}
        return cls(by_code, by_names, zero_led=zero_led)

    def add(self, values: dict[str, Any]) -> None:
        # One string per county, township and kind, not one per row: a million new organizations are held here.
        for key in ("kind", "county", "township"):
            values[key] = self.places.setdefault(values[key], values[key])
        self.by_code[values["code"]] = (None, values["name"], values["kind"], values["county"], values["township"])
        self.by_names.setdefault((values["county"], values["township"], values["name"]), values["code"])
        self.new.append(values)
        self._note_zeros(values["code"])


_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+")


def damaged_code(code: str, orgs: Orgs) -> str | None:
    """Why ``code`` looks like a code a spreadsheet changed (and the import must refuse), or None."""
    if _SCIENTIFIC.fullmatch(code):
        return (f"「{code}」是电子表格改成科学计数法的组织代码，原代码已丢失：请把组织代码列设为文本、"
                "填回完整代码后再导入")
    if code.isdigit() and code[:1] != "0" and code in orgs.zero_led:
        return (f"「{code}」与已登记的组织代码 {orgs.zero_led[code]} 只差开头的 0，应是电子表格去掉了前导零："
                f"请把组织代码列设为文本并填写 {orgs.zero_led[code]}")
    return None


def org_from_row(r: Row, orgs: Orgs, now: datetime, code_key: str, name_key: str,
                 actor: Actor | None = None) -> tuple[str | None, bool]:
    """Resolve (or plan to create) the row's organization; returns (code, created). An organization ``actor``
    may not see is named by nothing stored (its name, county or township: SPEC §12)."""
    code = r.text(code_key)
    name, county, township = r.text(name_key), r.text("county"), r.text("township")
    if not code:
        found = _code_by_names(r, orgs, name_key, name, county, township)
        if found is None:
            return None, False
        code = found
    known = orgs.by_code.get(code)
    if known is None and code == r.text(code_key):
        damage = damaged_code(code, orgs)
        if damage is not None:
            r.fail(code_key, damage)
            return None, False
    if known is not None:
        return _known(r, code, known, actor, code_key, name_key), False
    return _new_org(r, orgs, now, code, code_key, name_key, name, county, township)


def _code_by_names(r: Row, orgs: Orgs, name_key: str, name: str, county: str, township: str) -> str | None:
    """A row without a code: the organization registered under 县+乡镇+名称, else the code generated from them."""
    if not (name and county and township):
        for key, value in ((name_key, name), ("county", county), ("township", township)):
            if not value:
                r.fail(key, "不能为空（没有组织代码时，按 县+乡镇+党组织名称 识别组织"
                            + ("；表中没有县一列时，可用 --county 给出）" if key == "county" else "）"))
        return None
    return orgs.by_names.get((county, township, name)) or generated_code(county, township, name)


def _new_org(r: Row, orgs: Orgs, now: datetime, code: str, code_key: str, name_key: str, name: str, county: str,
             township: str) -> tuple[str | None, bool]:
    """An organization not registered yet: planned for creation when the row gives all it needs."""
    kind = r.parse("kind", parse_kind)
    if r.text("kind") == "":
        r.fail("kind", "新组织需要类别（村、社区、…；名称以 村党支部、社区党支部 等结尾的，"
                       "可用 --kind-from-name 推断）")
    for key, value in ((name_key, name), ("county", county), ("township", township)):
        if not value:
            r.fail(key, f"新组织 {code} 需要此项")
    poor = r.parse("poor_village", parse_bool, False)
    if len(code) > 64:
        r.fail(code_key, "组织代码过长（最多 64 个字符）")
    if r.bad:
        return None, False
    orgs.add({"code": code, "name": name, "kind": kind, "county": county, "township": township,
              "poor_village": poor, "created_at": now})
    return code, True


def _known(r: Row, code: str, known: tuple[Any, ...], actor: Actor | None, code_key: str,
           name_key: str) -> str | None:
    """A row naming a registered organization: it agrees with it; one the actor may not see is named by nothing."""
    _, k_name, _, k_county, k_township = known
    if actor is not None and not actor.sees(k_county, k_township):
        r.fail(code_key, f"组织代码 {code} 已被占用，不能用于本行")
        return None
    name, county, township = r.text(name_key), r.text("county"), r.text("township")
    if name and name != k_name:
        r.fail(name_key, f"组织代码 {code} 已登记为「{k_name}」，与本行「{name}」不符")
    elif (county and county != k_county) or (township and township != k_township):
        r.fail("township", f"组织代码 {code}（{k_name}）已登记在 {k_county}{k_township}，与本行不符")
    return code


def importer(actor: Actor | str, step: str, label: str) -> Actor:
    """The actor of an import, refused before any row is read when the role may not import at all."""
    person = actor if isinstance(actor, Actor) else Actor(name=actor)
    refusal = role_refusal(person, step, label)
    if refusal:
        raise Refused(refusal)
    return person


def check_scope(r: Row, actor: Actor, orgs: Orgs, code: str) -> None:
    """A row whose organization lies outside the actor's scope is reported on its line."""
    _, _, _, county, township = orgs.by_code[code]
    refusal = scope_refusal(actor, county, township)
    if refusal:
        r.fail("county", refusal)


def import_orgs(db: Database, path: str | Path, *, actor: Actor | str = "system", clock: Clock = system_clock,
                dry_run: bool = False, progress: Progress = no_progress) -> ImportResult:
    """Register the organizations of a sheet; a row identical to a stored organization is left as it is."""
    person = importer(actor, ORG_IMPORT_ACTION, "导入组织")
    sheet = read_sheet(path, alias_map(ORG_FIELDS))
    index, names, ignored = required_headers(sheet, ORG_FIELDS, ("name", "county", "township", "kind"),
                                             len(sheet.rows))
    problems: list[RowProblem] = []
    result = ImportResult(rows=len(sheet.rows), ignored_columns=ignored, dry_run=dry_run)
    now = clock()
    tick = progress("检查", len(sheet.rows))
    with translate_errors(db.url), db.engine.begin() as conn:
        orgs = Orgs.load(conn)
        seen: dict[str, int] = {}
        for number, cells in sheet.rows:
            r = Row(number, cells, index, names, problems)
            code_given = r.text("code")
            code, created = org_from_row(r, orgs, now, "code", "name", person)
            if code is not None:
                check_scope(r, person, orgs, code)
                if code in seen:
                    r.fail("code" if code_given else "name",
                           f"与第 {seen[code]} 行是同一个组织（{code}）" if code_given
                           else f"与第 {seen[code]} 行重复（同县、乡镇、名称）")
                else:
                    seen[code] = number
                    if created:
                        result.orgs_created += 1
                    else:
                        _same_kind(r, code, orgs)
                        result.orgs_existing += 1
            tick(1)
        if problems:
            raise ImportRejected(problems, len(sheet.rows))
        if not dry_run:
            insert_orgs(conn, orgs.new)
    return result



def _same_kind(r: Row, code: str, orgs: Orgs) -> None:
    kind = r.parse("kind", parse_kind)
    stored_kind = orgs.by_code[code][2]
    if kind is not None and kind != stored_kind:
        r.fail("kind", f"组织 {code} 已登记为 {KINDS[stored_kind]}，与本行 {KINDS[kind]} 不符")
