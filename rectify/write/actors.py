"""Who the actor is (SPEC §12): resolved once per command from --actor / RECTIFY_ACTOR / the login name,
or, with ``actor_from_database``, from the PostgreSQL role the session logged in as.

The security settings are the stricter of the database's and the configuration file's
(:func:`rectify.write.security.effective_security`): a file of the officer's own cannot loosen them. On
PostgreSQL the application role (the one owning the schema, which the web app and the operators hold) is an
operator and names the person it acts as; a per-officer role is its registered person and nobody else.

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
from rectify.store.security import is_application_role

__all__ = ["login_name", "per_officer_session", "person_actor", "resolve_actor"]


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


def per_officer_session(db: Database, config: Config) -> bool:
    """Whether this session is a per-officer database role under ``actor_from_database`` (not an operator)."""
    from rectify.write.security import effective_security

    if not effective_security(db, config.security).actor_from_database:
        return False
    _postgres_only(db)
    with db.connect() as conn:
        return not is_application_role(conn)


def resolve_actor(db: Database, config: Config, given: str | None) -> Actor:
    """The person acting. ``given`` is --actor / RECTIFY_ACTOR (None: neither was given)."""
    from rectify.write.security import effective_security

    security = effective_security(db, config.security)
    if per_officer_session(db, config):
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
    if security.require_registered_actor:
        raise Refused(f"操作人 {name} 未登记（或已停用），请管理员用 rectify people add 登记")
    return Actor(name=name)


def _postgres_only(db: Database) -> None:
    if db.dialect != "postgresql":
        raise BadInput("配置项 [security] actor_from_database = true 只适用于 PostgreSQL，当前数据库是 "
                       f"{db.dialect}；请改为 false 或使用 PostgreSQL")


def _from_database(db: Database, given: str | None) -> Actor:
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
