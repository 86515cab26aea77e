"""Who the actor is (SPEC §12): resolved once per command from --actor / RECTIFY_ACTOR / the login name,
or, with ``[security] actor_from_database``, from the PostgreSQL role the session logged in as.

No person registered at all is the legacy mode (a fresh install, the first ``people add``): the actor is
the name given and nothing is checked. Once anyone is registered, the name is looked up by person name
or login; an unknown actor is refused unless ``require_registered_actor = false``, a disabled one always.
"""

from __future__ import annotations

from typing import Any

from rectify.config import Config
from rectify.errors import BadInput, Refused
from rectify.states.permissions import Actor, parse_scope
from rectify.store import Database
from rectify.store.identity import person_by_login, session_user
from rectify.store.people import count_registered, find_person

__all__ = ["login_name", "person_actor", "resolve_actor"]


def login_name() -> str:
    try:
        import getpass

        return getpass.getuser()
    except Exception:
        return "unknown"


def person_actor(row: Any) -> Actor:
    """The :class:`Actor` of a registry row: name, unit, role, and the counties (and township) of its scope."""
    counties, township = parse_scope(row.scope or "")
    return Actor(name=row.name, unit=row.unit or "", role=row.role, counties=counties, township=township)


def resolve_actor(db: Database, config: Config, given: str | None) -> Actor:
    """The person acting. ``given`` is --actor / RECTIFY_ACTOR (None: neither was given)."""
    if config.security.actor_from_database:
        return _from_database(db, given)
    name = (given or "").strip() or login_name()
    with db.connect() as conn:
        if count_registered(conn) == 0:
            return Actor(name=name)
        row = find_person(conn, name)
    if row is not None and row.registered:
        if not row.active:
            raise Refused(f"操作人 {name} 已停用，不能再办理；如需恢复请联系管理员")
        return person_actor(row)
    if config.security.require_registered_actor:
        raise Refused(f"操作人 {name} 未登记（或已停用），请管理员用 rectify people add 登记")
    return Actor(name=name)


def _from_database(db: Database, given: str | None) -> Actor:
    if db.dialect != "postgresql":
        raise BadInput("配置项 [security] actor_from_database = true 只适用于 PostgreSQL，当前数据库是 "
                       f"{db.dialect}；请改为 false 或使用 PostgreSQL")
    if given is not None:
        raise BadInput(f"已启用 [security] actor_from_database：操作人由数据库登录角色决定，不能用 --actor 或 "
                       f"RECTIFY_ACTOR 指定（收到 {given}）")
    with db.connect() as conn:
        login = session_user(conn)
        if count_registered(conn) == 0:
            return Actor(name=login)
        row = person_by_login(conn, login)
    if row is None or not row.registered:
        raise Refused(f"数据库角色 {login} 未登记为任何人员的登录名，"
                      f"请管理员用 rectify people add … --login {login} 登记")
    if not row.active:
        raise Refused(f"操作人 {row.name}（数据库角色 {login}）已停用")
    return person_actor(row)
