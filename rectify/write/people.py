"""The people registry (SPEC §12): who may sign a change, managed by an admin.

The first person ever registered must be an admin (the bootstrap needs no actor); from then on only an
active registered admin adds, imports or disables people. People named on a plan and not registered
are created on the fly (``ensure_people``), flagged unregistered, so the registry knows every name a
case refers to; registering one of them later (``people add``) completes that row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from rectify.clock import Clock, system_clock
from rectify.errors import BadInput, NotFound, Reason, Refused
from rectify.states.permissions import Actor
from rectify.states.roles import ALL_COUNTIES, CASE_ROLE_NAMES, MULTI_COUNTY_ROLES, ROLE_NAMES, Role
from rectify.store import Database, translate_errors
from rectify.store.cases import DuplicateKey
from rectify.store.people import (
    count_registered,
    existing_names,
    find_person,
    insert_missing_people,
    insert_people,
    insert_person,
    list_people,
    set_active,
    update_person,
)
from rectify.validation import email_address

__all__ = ["PEOPLE_FIELDS", "FieldError", "PersonInput", "Registry", "ensure_people", "parse_role", "parse_scope",
           "people_rows", "person_in_scope", "within_scope", "register_people", "role_label"]

PEOPLE_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "unit": ("单位", "工作单位", "unit"),
    "role": ("角色", "role"),
    "scope": ("范围", "管辖范围", "scope"),
    "email": ("邮箱", "电子邮箱", "email", "e-mail"),
    "phone": ("电话", "联系电话", "手机", "phone"),
    "login": ("登录名", "login"),
    "wecom_userid": ("企业微信账号", "企业微信", "企业微信userid", "wecom_userid"),
    "dingtalk_userid": ("钉钉账号", "钉钉", "钉钉userid", "dingtalk_userid"),
    "channels": ("提醒方式", "提醒渠道", "channels"),
}
_LIMITS = {"name": 100, "unit": 200, "scope": 1000, "email": 320, "phone": 40, "login": 64, "wecom_userid": 64,
           "dingtalk_userid": 64, "channels": 100}
# A person's preferred channels (SPEC §16); e-mail goes to everyone with an address whatever they prefer.
PREFERRED_CHANNELS = {"email": "邮件", "wecom_app": "企业微信应用消息", "sms": "短信"}
_CHANNEL_WORDS = {"邮件": "email", "邮箱": "email", "企业微信": "wecom_app", "政务微信": "wecom_app", "短信": "sms"}
_LIST_SEPARATORS = re.compile(r"[,，、;；]")


class FieldError(BadInput):
    """Malformed input in one field (``key``), so an import can name the column."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message, reasons=[Reason("bad_input", key, message)])
        self.key = key


def role_label(code: str) -> str:
    return ROLE_NAMES.get(code) or CASE_ROLE_NAMES.get(code) or code


def parse_role(text: str) -> str:
    """A role code (``county_officer``) or its Chinese label (县委组织部经办人, 审计 for 审计（只读）)."""
    raw = text.strip()
    if raw.lower() in ROLE_NAMES:
        return raw.lower()
    for code, label in ROLE_NAMES.items():
        if raw in (label, re.sub(r"（.*）$", "", label)):
            return code
    choices = "、".join(f"{c}（{n}）" for c, n in ROLE_NAMES.items())
    raise FieldError("role", f"未知的角色 {raw or '（空）'}（应为 {choices}）")


def parse_scope(role: str, text: str) -> str:
    """``县``, ``县/乡镇``; a list ``县,县`` for a city supervisor or auditor; ``*`` (every county) for an admin."""
    raw = text.strip()
    if not raw:
        raise FieldError("scope", "范围不能为空（县，或 县/乡镇；市委组织部督导、审计可写多个县：县,县）")
    if raw == ALL_COUNTIES:
        if role != Role.admin:
            raise FieldError("scope", f"范围 * （全部县）只适用于系统管理员，{role_label(role)} 应写 县 或 县/乡镇")
        return raw
    if role in MULTI_COUNTY_ROLES:
        counties = [c.strip() for c in _LIST_SEPARATORS.split(raw)]
        if any(not c or "/" in c for c in counties):
            raise FieldError("scope",
                             f"范围格式不对：{raw}（{role_label(role)} 的范围是一个或几个县，如 青山县,绿水县）")
        return ",".join(dict.fromkeys(counties))
    parts = [p.strip() for p in raw.split("/")]
    if len(parts) > 2 or any(not p for p in parts) or _LIST_SEPARATORS.search(raw):
        raise FieldError("scope", f"范围格式不对：{raw}（应为 县 或 县/乡镇，如 青山县/城关镇）")
    return "/".join(parts)


def parse_channels(text: str, name: str = "") -> str:
    """``wecom_app,sms`` (or 企业微信、短信) → ``wecom_app,sms``; empty: the default (SPEC §16)."""
    out: list[str] = []
    for part in _LIST_SEPARATORS.split(text.strip()):
        word = part.strip()
        if not word:
            continue
        code = _CHANNEL_WORDS.get(word, word.lower())
        if code not in PREFERRED_CHANNELS:
            choices = "、".join(f"{c}（{n}）" for c, n in PREFERRED_CHANNELS.items())
            raise FieldError("channels", f"{name} 的提醒方式 {word} 不认识（应为 {choices}，可写多个）")
        out.append(code)
    return ",".join(dict.fromkeys(out))


@dataclass(frozen=True)
class PersonInput:
    """One person to register, as given; ``checked`` cleans it or refuses it as malformed."""

    name: str
    unit: str
    role: str
    scope: str
    email: str = ""
    phone: str = ""
    login: str = ""
    wecom_userid: str = ""
    dingtalk_userid: str = ""
    channels: str = ""

    def checked(self) -> dict[str, Any]:
        name, unit = self.name.strip(), self.unit.strip()
        if not name:
            raise FieldError("name", "姓名不能为空")
        if not unit:
            raise FieldError("unit", f"{name} 的单位不能为空")
        role = parse_role(self.role)
        try:
            email = email_address(self.email, f"{name} 的")
        except BadInput as exc:
            raise FieldError("email", str(exc)) from None
        values: dict[str, Any] = {
            "name": name, "unit": unit, "role": role, "scope": parse_scope(role, self.scope),
            "email": email, "phone": self.phone.strip(), "login": self.login.strip() or None,
            "wecom_userid": self.wecom_userid.strip(), "dingtalk_userid": self.dingtalk_userid.strip(),
            "channels": parse_channels(self.channels, name)}
        for key, limit in _LIMITS.items():
            if len(values[key] or "") > limit:
                raise FieldError(key, f"{name} 的{_FIELD_NAMES[key]}过长（最多 {limit} 个字符）")
        if values["login"] is not None and not re.fullmatch(r"[A-Za-z0-9_.@-]+", values["login"]):
            raise FieldError("login", f"登录名 {values['login']} 只能由字母、数字和 _ . @ - 组成")
        return values


_FIELD_NAMES = {key: names[0] for key, names in PEOPLE_FIELDS.items()}


def _shares_a_county(scope: str, reader: Actor) -> bool:
    """A registry row is shown to a scoped reader when its scope names one of the reader's counties."""
    if reader.role is None or not reader.counties or not scope:
        return True  # an unlimited reader, or someone named on a plan (no scope of their own)
    counties = {part.split("/")[0].strip() for part in scope.split(",")}
    return ALL_COUNTIES in counties or bool(counties & set(reader.counties))


def person_in_scope(scope: str, reader: Actor) -> bool:
    """A registered row that a scoped reader may see."""
    return bool(scope) and _shares_a_county(scope, reader)


def people_rows(db: Database, reader: Actor | None = None) -> list[dict[str, Any]]:
    """Everyone the registry knows that ``reader`` may see, registered or not, with stable English keys."""
    with db.connect() as conn:
        rows = [r for r in list_people(conn) if reader is None or _shares_a_county(r.scope, reader)]
    return [{"name": r.name, "unit": r.unit, "role": r.role, "role_label": role_label(r.role), "scope": r.scope,
             "email": r.email, "phone": r.phone, "login": r.login or "", "wecom_userid": r.wecom_userid,
             "dingtalk_userid": r.dingtalk_userid, "channels": r.channels, "registered": bool(r.registered),
             "active": bool(r.active)} for r in rows]


def within_scope(admin_scope: str, scope: str) -> bool:
    """Whether ``scope`` (a person's: 县, 县/乡镇, 县,县 or *) lies inside ``admin_scope``."""
    from rectify.states.permissions import parse_scope as counties_of

    if admin_scope.strip() in ("", ALL_COUNTIES):
        return True
    if scope.strip() in ("", ALL_COUNTIES):
        return False
    mine, my_township = counties_of(admin_scope)
    theirs, their_township = counties_of(scope)
    if not set(theirs) <= set(mine):
        return False
    return my_township is None or their_township == my_township


class _HasConn(Protocol):
    conn: Connection


def ensure_people(target: Connection | _HasConn, people: Iterable[tuple[str, str, str, str]],
                  now: datetime) -> None:
    """Creates, unregistered, everyone named (name, case role, unit, e-mail) the registry does not know yet.

    Runs on the caller's connection, inside the transaction of the step that names them.
    """
    conn: Connection = getattr(target, "conn", target)  # type: ignore[arg-type]
    wanted: dict[str, dict[str, Any]] = {}
    for name, case_role, unit, email in people:
        name = (name or "").strip()
        if not name or name in wanted or len(name) > _LIMITS["name"]:
            continue
        wanted[name] = {"name": name, "role": case_role, "unit": (unit or "").strip()[:_LIMITS["unit"]],
                        "scope": "", "email": (email or "").strip()[:_LIMITS["email"]], "phone": "",
                        "login": None, "registered": False, "active": True, "created_at": now}
    known = existing_names(conn, list(wanted))
    insert_missing_people(conn, [v for n, v in wanted.items() if n not in known])


def register_people(db: Database, people: Iterable[PersonInput], now: datetime) -> int:
    """Registers people on a trusted path (the demo): skips names already registered, completes names created
    on the fly, and leaves out a login someone else has. Returns how many were registered."""
    done = 0
    with translate_errors(db.url), db.begin() as conn:
        for person in people:
            values = person.checked()
            same = find_person(conn, values["name"])
            if same is not None and (same.registered or same.name != values["name"]):
                continue
            if values["login"] is not None and find_person(conn, values["login"]) is not None:
                values["login"] = None
            if same is None:
                insert_person(conn, **values, now=now)
            else:
                update_person(conn, same.id, **values, registered=True, active=True)
            done += 1
    return done


@dataclass
class PeopleImport:
    rows: int = 0
    added: int = 0
    completed: int = 0  # people created on the fly from a plan, now registered
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False

    def describe(self) -> str:
        verb = "检查通过（--dry-run，未写入）：将" if self.dry_run else "已"
        done = f"{verb}导入 {self.rows} 行：登记人员 {self.added} 人"
        return done + (f"（其中 {self.completed} 人此前由整顿方案带入，未登记）" if self.completed else "")


class Registry:
    """The registry's changes, made by ``actor`` (a name or login, as given on the command line)."""

    def __init__(self, db: Database, *, actor: str, clock: Clock = system_clock) -> None:
        self.db = db
        self.actor = actor.strip()
        self.clock = clock
        self._admin_scope = ALL_COUNTIES  # the acting admin's scope, read by _authorize

    def _authorize(self, conn: Connection, step: str, first_role: str | None) -> None:
        """Only an active registered admin; before anyone is registered, the first person must be an admin."""
        if count_registered(conn) == 0:
            if first_role is None:
                raise NotFound(f"无法{step}：还没有登记任何人员")
            if first_role != Role.admin:
                raise Refused(f"无法{step}：第一位登记的人员必须是系统管理员（--role admin），"
                              f"收到 {role_label(first_role)}")
            return
        who = find_person(conn, self.actor) if self.actor else None
        if who is None or not who.registered or not who.active or who.role != Role.admin:
            raise Refused(f"无法{step}：只有系统管理员可以登记人员，{self.actor or '（未指明操作人）'} "
                          "不是在用的系统管理员（请用 --actor 指明管理员）")
        self._admin_scope = who.scope or ""

    def _check_within(self, step: str, scope: str) -> None:
        """An admin grants, and disables, only within their own scope (SPEC §12)."""
        mine = self._admin_scope
        if within_scope(mine, scope):
            return
        raise Refused(f"无法{step}：{self.actor} 的范围是 {mine}，只能登记或停用此范围内的人员"
                      f"（收到范围 {scope or '（空）'}）")

    def _sees(self, scope: str) -> bool:
        """Whether the admin may see a registered person of ``scope`` (their name, unit, role: SPEC §12)."""
        from rectify.states.permissions import parse_scope

        mine = self._admin_scope.strip()
        if mine in ("", ALL_COUNTIES) or not scope:
            return True
        counties, township = parse_scope(mine)
        return _shares_a_county(scope, Actor(name=self.actor, role=Role.admin, counties=counties, township=township))

    def _conflict(self, conn: Connection, values: dict[str, Any]) -> tuple[int | None, str, str | None]:
        """(id of an unregistered row of that name to complete, or None; the field at fault; a refusal, or None)."""
        name, login = values["name"], values["login"]
        same = find_person(conn, name)
        target: int | None = None
        if same is not None and same.name == name:
            if same.registered:
                seen = f"（{same.unit} {role_label(same.role)}）" if self._sees(same.scope or "") else ""
                return None, "name", f"人员 {name} 已登记{seen}，姓名不能重复"
            target = same.id
        elif same is not None:
            return None, "name", f"姓名 {name} 已是 {same.name} 的登录名"
        if login is not None:
            other = find_person(conn, login)
            if other is not None and other.id != target:
                what = "登录名" if other.login == login else "姓名"
                seen = f"（{other.name} 的{what}）" if self._sees(other.scope or "") else ""
                return None, "login", f"登录名 {login} 已被使用{seen}"
        return target, "", None

    def add(self, person: PersonInput) -> bool:
        """Registers one person; True when it completed a row created on the fly from a plan."""
        values = person.checked()
        with translate_errors(self.db.url), self.db.begin() as conn:
            self._authorize(conn, f"登记人员 {values['name']}", values["role"])
            self._check_within(f"登记人员 {values['name']}", values["scope"])
            target, _, problem = self._conflict(conn, values)
            if problem:
                raise Refused(f"无法登记人员：{problem}")
            try:
                if target is None:
                    insert_person(conn, **values, now=self.clock())
                else:
                    update_person(conn, target, **values, registered=True, active=True)
            except DuplicateKey:
                raise Refused(f"无法登记人员：{values['name']} 或其登录名刚刚已由他人登记") from None
        return target is not None

    def disable(self, name: str) -> None:
        name = name.strip()
        with translate_errors(self.db.url), self.db.begin() as conn:
            self._authorize(conn, f"停用人员 {name}", None)
            who = find_person(conn, name)
            if who is None or not who.registered or not self._sees(who.scope or ""):  # unseen reads as unknown
                raise NotFound(f"无法停用人员：找不到已登记的人员 {name}")
            self._check_within(f"停用人员 {name}", who.scope or "")
            if not who.active:
                raise Refused(f"无法停用人员：{who.name} 已停用")
            me = find_person(conn, self.actor) if self.actor else None
            if me is not None and me.id == who.id:
                raise Refused(f"无法停用人员：{who.name} 不能停用自己（请由另一位系统管理员停用）")
            set_active(conn, who.id, False)

    def import_file(self, path: str | Path, *, dry_run: bool = False) -> PeopleImport:
        """Every row checked first; every bad row reported with its line; nothing written unless all are good."""
        from rectify.importing.rows import ImportRejected, RowProblem, required_headers
        from rectify.importing.sheets import alias_map, read_sheet

        sheet = read_sheet(path, alias_map(PEOPLE_FIELDS))
        index, names, ignored = required_headers(sheet, PEOPLE_FIELDS, ("name", "unit", "role", "scope"),
                                                 len(sheet.rows))
        problems: list[RowProblem] = []
        result = PeopleImport(rows=len(sheet.rows), ignored_columns=ignored, dry_run=dry_run)
        with translate_errors(self.db.url), self.db.begin() as conn:
            first_role = self._first_row_role(sheet.rows, index)
            self._authorize(conn, f"导入人员（{Path(path).name}）", first_role)
            new, updates = self._check_rows(conn, sheet.rows, index, names, problems)
            if problems:
                raise ImportRejected(problems, len(sheet.rows))
            result.added, result.completed = len(new) + len(updates), len(updates)
            if not dry_run:
                now = self.clock()
                insert_people(conn, [{**v, "registered": True, "active": True, "created_at": now} for v in new])
                for pid, v in updates:
                    update_person(conn, pid, **v, registered=True, active=True)
        return result

    @staticmethod
    def _first_row_role(rows: list[tuple[int, list[Any]]], index: dict[str, int]) -> str | None:
        if not rows:
            return None
        cells = rows[0][1]
        i = index["role"]
        try:
            return parse_role(str(cells[i]) if i < len(cells) else "")
        except BadInput:
            return None

    def _check_rows(self, conn: Connection, rows: list[tuple[int, list[Any]]], index: dict[str, int],
                    names: dict[str, str], problems: list[Any]) -> tuple[list[dict[str, Any]],
                                                                          list[tuple[int, dict[str, Any]]]]:
        from rectify.importing.rows import RowProblem

        new: list[dict[str, Any]] = []
        updates: list[tuple[int, dict[str, Any]]] = []
        seen: dict[str, int] = {}
        for number, cells in rows:
            cell = {key: ("" if i >= len(cells) else str(cells[i]).strip()) for key, i in index.items()}
            try:
                values = PersonInput(**{k: cell.get(k, "") for k in PEOPLE_FIELDS}).checked()
            except FieldError as exc:
                problems.append(RowProblem(number, names[exc.key], str(exc)))
                continue
            clash = next(((key, f"与第 {seen[v]} 行重复（{v}）") for key, v in
                          (("name", values["name"]), ("login", values["login"])) if v is not None and v in seen),
                         None)
            target, key, problem = self._conflict(conn, values)
            mine = self._admin_scope
            if problem is None and not within_scope(mine, values["scope"]):
                key, problem = "scope", f"范围 {values['scope']} 超出 {self.actor} 的范围 {mine}"
            if clash is not None or problem:
                key, reason = clash if clash is not None else (key, problem or "")
                problems.append(RowProblem(number, names[key], reason))
                continue
            seen.update({k: number for k in (values["name"], values["login"]) if k is not None})
            if target is None:
                new.append(values)
            else:
                updates.append((target, values))
        return new, updates
