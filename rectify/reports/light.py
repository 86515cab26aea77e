"""The read commands on the light read path (:mod:`rectify.store.light`): who reads, one case and its files,
the case list, the ledger's source — today's tables on a SQLite file, without SQLAlchemy.

Each gives None when the read is not plainly for it (a past day, an actor the registry refuses, a case
reference to be refused or disambiguated); the caller then runs the same read through SQLAlchemy, which
answers or refuses exactly as before. The rows are shaped by the very functions SQLAlchemy's path uses
(:func:`rectify.reports.cases.shown`, :func:`~rectify.reports.cases.listed`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rectify.config import Config
from rectify.states.permissions import Actor, parse_scope
from rectify.store.light import Light, NotLight

__all__ = ["case_and_files", "cases", "ledger_source", "person"]


def person(light: Light, config: Config, given: str | None, login: str) -> Actor | None:
    """The actor, when :func:`rectify.write.actors.resolve_actor` would take it without a word: nobody registered
    yet (the name given), or a registered person in post found by name or login. None for everything else (an
    unknown or disabled name, ``actor_from_database``), which SQLAlchemy's path then refuses or allows."""
    try:
        if config.security.actor_from_database or "actor_from_database" in light.settings():
            return None
        name = (given or "").strip() or login
        if light.registered() == 0:
            return Actor(name=name)
        row = light.person(name)
    except NotLight:
        return None
    if row is None or not row.registered or not row.active:
        return None
    counties, township = parse_scope(row.scope or "")
    return Actor(name=row.name, unit=row.unit or "", role=row.role, counties=counties, township=township)


def today(light: Light, as_of: date) -> bool:
    """Whether the tables are the day ``as_of`` (nothing dated after it), as ``needs_rebuild`` decides."""
    latest = light.latest_day()
    return latest is None or latest <= as_of


def case_and_files(light: Light, ref: str, *, as_of: date, config: Config,
                   reader: Actor | None) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """``case show`` of today: the case (:func:`rectify.reports.cases.show_case`) and its files."""
    from rectify.reports.cases import shown
    from rectify.reports.evidence import shaped

    try:
        if not today(light, as_of):
            return None
        row, org = light.resolve_seen(ref, reader)
        return shown(row, org, light.case_parts(row.id), as_of, config), [shaped(r) for r in light.files(row.id)]
    except NotLight:
        return None


def cases(light: Light, *, as_of: date, config: Config, colour: str | None, reader: Actor | None,
          **filters: Any) -> list[dict[str, Any]] | None:
    """``case list`` of today (:func:`rectify.reports.cases.list_cases`); ``colour`` is its --light."""
    from rectify.reports.cases import listed

    try:
        if not today(light, as_of):
            return None
        return listed(light.case_rows(reader=reader, **filters), as_of, config, colour)
    except NotLight:
        return None


def ledger_source(light: Light | None, as_of: date, known_on: date | None) -> Light | None:
    """``light`` when the ledger of ``as_of`` (known on ``known_on``) is today's tables, else None."""
    if light is None or known_on is not None:
        return None
    try:
        return light if today(light, as_of) else None
    except NotLight:
        return None
