"""The statements a read command runs on the DB-API, without SQLAlchemy (:mod:`rectify.store.light`), compiled
once from the very SQLAlchemy statements the rest of the product runs, into :mod:`rectify.store.compiled`.

``python -m rectify.store.prepared > rectify/store/compiled.py`` writes that module; a test fails when it is
stale. A filtered statement (``case list``, the ledger) is kept as its head, its ORDER BY and each condition of
:func:`rectify.store.ledger.filter_clauses` apart: the light runner joins the ones a filter sets, and the test
holds every such join equal to SQLAlchemy's own compilation of the filtered statement.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from rectify.states.permissions import Actor
from rectify.states.roles import Role
from rectify.store.coltypes import UTCDateTime
from rectify.store.database import SCHEMA_HEAD

__all__ = ["DIALECT", "FILTERED", "compiled", "fragments", "module_text", "sql_of", "statements"]

# Named parameters (``:case_id``), which sqlite3 takes as a mapping: a filter's conditions join in any number.
DIALECT = sqlite.dialect(paramstyle="named")
# The parameters a filter's values fill; every other parameter of a statement is a constant of it (a default).
FIELDS = ("county", "township", "kind", "stage", "year", "supervised", "scope", "scope_township",
          # and those of the dry run's statements (rectify.store.light_outbox), which its reader fills
          "stages", "progress_stages", "horizon", "progress_cutoff", "listed_before", "ids", "case_ids", "state_name")


def statements() -> dict[str, Any]:
    """Every statement of the light read path, by name."""
    from rectify.store import evidence, late_facts, people, reads, security, snapshot, tables

    out: dict[str, Any] = {
        "revision": sa.text("SELECT version_num FROM alembic_version"),
        "settings": security.SETTINGS,
        "registered": people.REGISTERED,
        "person": people._BY_KEY,
        "case_by_id": tables.CASE_BY_ID,
        "open_case_by_code": tables.OPEN_CASE_BY_CODE,
        "org_by_code": reads._ORG_BY_CODE,
        "org": reads._ORG,
        "latest_dates": snapshot.LATEST_DATES,
        "files": evidence._BY_CASE,
        "late:verifications": late_facts.VERIFICATIONS,
        "late:held": late_facts.HELD,
        "late:events": late_facts.EVENTS,
        **{f"part:{name}": q for name, q in reads._PARTS.items()},
    }
    return out


def sweep_statements() -> dict[str, Any]:
    """The dry run's statements (``remind run --dry-run``, :mod:`rectify.store.light_outbox`); the values given here
    are placeholders for the named parameters its reader fills, but for the demo's own (constants)."""
    from datetime import date

    from rectify.demo.demo_data import DEMO_COUNTY, DEMO_PEOPLE, demo_orgs
    from rectify.store import demo, outbox

    day, ids = date(2000, 1, 1), [1]
    orgs, people = demo.foreign_queries(DEMO_COUNTY, [o["code"] for o in demo_orgs()], [p.name for p in DEMO_PEOPLE])
    return {
        "sweep:candidates": outbox.candidate_query(stages=["x"], progress_stages=["x"], horizon=day,
                                                   progress_cutoff=day, listed_before=day),
        "sweep:secretary_tasks": outbox.secretary_tasks_query(stages=["x"], horizon=day),
        "sweep:open_measures": outbox.open_measures_query(stages=["x"], horizon=day),
        "sweep:recipients": outbox.recipients_query("sqlite", ids),
        "sweep:contacts": outbox.contacts_query("sqlite", ids),
        "sweep:state": outbox.STATE,
        "sweep:any_item": outbox.ANY_ITEM,
        "sweep:recorded": outbox.recorded_query(ids),
        "demo:org_count": demo.org_count_query(DEMO_COUNTY),
        "demo:foreign_orgs": orgs,
        "demo:foreign_people": people,
    }


# The filtered statements before their filter: the cases of ``case list``, the ledger's two forms and orders.
def _filtered() -> dict[str, Any]:
    from rectify.store.ledger import ledger_select
    from rectify.store.reads import case_rows_select

    return {
        "case_rows": case_rows_select(),
        **{f"ledger:{form}:{sort}": ledger_select(filtered=form == "filtered", sort=sort)
           for form in ("whole", "filtered") for sort in ("place", "deadline")},
    }


FILTERED = ("case_rows", "ledger:whole:place", "ledger:whole:deadline", "ledger:filtered:place",
            "ledger:filtered:deadline")


def _sample_clauses() -> dict[str, Any]:
    """Each condition a filter can set, by its name (the values are placeholders: they become parameters)."""
    from rectify.store.ledger import filter_clauses

    county = Actor("x", role=Role.county_officer, counties=("a", "b"))
    township = Actor("x", role=Role.township_leader, counties=("a",), township="t")
    out = dict(filter_clauses(county="x", township="x", kind="x", stage="x", year=1, supervised=True,
                              open_only=True, reader=county))
    out.update(filter_clauses(reader=township))
    return out


def _kind(type_: Any) -> str | None:
    """How the runner turns a column's driver value into SQLAlchemy's: a date, a bool, an aware UTC instant."""
    if isinstance(type_, UTCDateTime):
        return "utc"
    if isinstance(type_, sa.DateTime):
        return "datetime"
    if isinstance(type_, sa.Date):
        return "date"
    if isinstance(type_, sa.Boolean):
        return "bool"
    return None


# Values the states define, written in the compiled module by name (no stage name is spelled outside states/);
# the runner takes them from rectify.states.stages.
STATES_VALUES = ("CLOSED_STAGES",)


def _plain(value: Any) -> Any:
    """A parameter's value as the driver takes it (an Enum member as its value); a list the states define
    (:data:`STATES_VALUES`) as ``("states", NAME)``."""
    from rectify.states import stages

    if isinstance(value, list | tuple):
        for name in STATES_VALUES:
            if list(value) == [_plain(v) for v in getattr(stages, name)]:
                return ("states", name)
        return [_plain(v) for v in value]
    return value.value if isinstance(value, Enum) else value


def compiled(stmt: Any) -> tuple[str, dict[str, Any], str, dict[str, str]]:
    """(SQL, the statement's own parameter values, result column names joined by spaces, each converted
    column's kind)."""
    c = stmt.compile(dialect=DIALECT)
    defaults = {name: _plain(b.value) for b, name in c.bind_names.items()
                if name not in FIELDS and b.value is not None and not b.callable and b not in c.literal_execute_params}
    columns = " ".join(col[0] for col in c._result_columns)
    kinds = {col[0]: kind for col in c._result_columns if (kind := _kind(col[3])) is not None}
    return sql_of(c), defaults, columns, kinds


def sql_of(c: Any) -> str:
    """The compiled SQL with the values SQLAlchemy writes into the statement at execution (the separator of
    ``aggregate_strings`` on SQLite) written in, as it sends them."""
    sql: str = c.string
    for bind in c.literal_execute_params:
        sql = sql.replace(f"__[POSTCOMPILE_{c.bind_names[bind]}]", c.render_literal_value(bind.value, bind.type))
    return sql


def fragments() -> dict[str, str]:
    """Each filter condition as it reads in a WHERE clause."""
    from rectify.store.tables import case_t

    out = {}
    for name, clause in _sample_clauses().items():
        text = sa.select(case_t.c.id).where(clause).compile(dialect=DIALECT).string
        out[name] = text.partition("\nWHERE ")[2]
    return out


def _text(value: str, indent: str) -> str:
    """A long string as adjacent literals of about 100 characters each, one a line, cut after a space."""
    pieces = []
    rest = value
    while len(rest) > 106:
        cut = rest.rfind(" ", 0, 106) + 1 or 106
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pieces.append(rest)
    return f"\n{indent}".join(repr(p) for p in pieces)


def _width(text: str) -> int:
    """Columns a line takes: a CJK character two."""
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def _wrapped(items: list[str], indent: str) -> list[str]:
    """Items joined into lines of about 100 characters."""
    lines, line = [], ""
    for item in items:
        if line and _width(line) + _width(item) > 100:
            lines.append(f"{indent}{line.rstrip()}")
            line = ""
        line += item
    return [*lines, f"{indent}{line.rstrip()}"] if line else lines


def _entry(name: str, parts: tuple[Any, ...]) -> str:
    indent = " " * 8
    lines = [f"    {name!r}: ("]
    for part in parts:
        if isinstance(part, str):
            lines.append(f"{indent}{_text(part, indent)},")
        elif isinstance(part, dict) and len(repr(part)) > 100:
            lines.append(f"{indent}{{")
            line = ""
            for k, v in part.items():
                item = f"{k!r}: {v!r}, "
                if line and len(line) + len(item) > 100:
                    lines.append(f"{indent}    {line.rstrip()}")
                    line = ""
                if isinstance(v, list) and len(item) > 100:  # a long list (the demo's codes): one value a line
                    lines.append(f"{indent}    {k!r}: [")
                    lines.extend(_wrapped([f"{x!r}, " for x in v], f"{indent}        "))
                    lines.append(f"{indent}    ],")
                    continue
                line += item
            if line:
                lines.append(f"{indent}    {line.rstrip()}")
            lines.append(f"{indent}}},")
        else:
            lines.append(f"{indent}{part!r},")
    lines.append("    ),")
    return "\n".join(lines)


def module_text() -> str:
    """The source of :mod:`rectify.store.compiled`."""
    single = {name: compiled(q) for name, q in statements().items()}
    filtered: dict[str, Any] = {}
    for name, q in _filtered().items():
        sql, defaults, columns, kinds = compiled(q)
        head, _, order = sql.rpartition(" ORDER BY ")
        filtered[name] = (head, order, defaults, columns, kinds)
    from rectify.store.tables import case_t

    where_defaults = compiled(sa.select(case_t.c.id).where(_sample_clauses()["open_only"]))[1]
    return "\n".join([
        '"""Generated by ``python -m rectify.store.prepared > rectify/store/compiled.py`` from the statements of',
        "rectify/store/ (do not edit: a test fails when this is stale). SQLite, named parameters.",
        "",
        "STATEMENTS: name → (SQL, constant parameters, result columns, the kind of each converted column).",
        "FILTERED: name → (SQL before the filter, its ORDER BY, constant parameters, result columns, kinds).",
        'WHERE: each filter condition; WHERE_DEFAULTS: their constant parameters."""',
        *_statements(single),
        "FILTERED: dict[str, Any] = {",
        *(_entry(name, filtered[name]) for name in sorted(filtered)),
        "}",
        "",
        "WHERE: dict[str, str] = {",
        *(f"    {name!r}: {_text(text, ' ' * 8)}," for name, text in sorted(fragments().items())),
        "}",
        "",
        f"WHERE_DEFAULTS: dict[str, Any] = {where_defaults!r}",
        "",
        "# The parts of a case, in the order ``show`` lists them (rectify.store.reads._PARTS).",
        "PARTS = (",
        *(f"    {name!r}," for name in single if name.startswith("part:")),
        ")",
        "",
    ])


def _statements(single: dict[str, Any]) -> list[str]:
    """A generated module's imports, its schema head and its ``STATEMENTS``."""
    return ["", "from typing import Any", "",
            f"SCHEMA_HEAD = {SCHEMA_HEAD!r}  # the schema these statements were compiled for", "",
            "STATEMENTS: dict[str, Any] = {", *(_entry(name, single[name]) for name in sorted(single)), "}", ""]


def sweep_module_text() -> str:
    """The source of :mod:`rectify.store.compiled_sweep`: the dry run's statements (a module of their own: one
    module of both would be over the size a module may have)."""
    single = {name: compiled(q) for name, q in sweep_statements().items()}
    return "\n".join([
        '"""Generated by ``python -m rectify.store.prepared sweep > rectify/store/compiled_sweep.py`` from the',
        "statements of rectify/store/outbox.py and rectify/store/demo.py (do not edit: a test fails when this is",
        "stale).",
        "SQLite, named parameters; read by rectify.store.light_outbox (``remind run --dry-run``).",
        "",
        'STATEMENTS: name → (SQL, constant parameters, result columns, the kind of each converted column)."""',
        *_statements(single),
    ])


if __name__ == "__main__":
    import sys

    print(sweep_module_text() if sys.argv[1:] == ["sweep"] else module_text(), end="")
