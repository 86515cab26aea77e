"""Writes ``schema.py``, the SQLAlchemy Core mirror of the SQLModel tables, from the SQLModel metadata.

The SQLModel classes (``models.py``, ``outbox_models.py``) stay the schema's one source, for Alembic
and for whoever changes a table; the Core tables are for statements, never for DDL (a partial index's
condition is kept in its ``info``). Loading them costs pydantic and the ORM (about 0.3 s), so the
statements run on Core tables generated from them once, at build time. After changing a model run

    python -m rectify.store.schema_gen

``tests/test_schema_mirror.py`` fails until the generated file matches the models again.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

TARGET = Path(__file__).with_name("schema.py")

HEADER = '''"""GENERATED from the SQLModel classes by ``python -m rectify.store.schema_gen``.

Do not edit: change the models and run it again. SQLAlchemy Core tables equal, column by column, to
``models.py`` and ``outbox_models.py``; the statements use these so that no command has to load
SQLModel, pydantic or the ORM.
"""

import sqlalchemy as sa

from rectify.store.coltypes import OPEN_CASES_ONLY, UTCDateTime

metadata = sa.MetaData()
'''


def source_metadata() -> sa.MetaData:
    """The SQLModel metadata with every table registered."""
    from sqlmodel import SQLModel

    import rectify.store.models  # noqa: F401
    import rectify.store.outbox_models  # noqa: F401

    return SQLModel.metadata


def _type(t: Any) -> str:
    from sqlmodel.sql.sqltypes import AutoString

    from rectify.store.coltypes import UTCDateTime

    if isinstance(t, UTCDateTime):
        return "UTCDateTime()"
    if isinstance(t, AutoString):
        return f"sa.String({t.length})" if t.length else "sa.String()"
    if type(t).__module__ == "sqlalchemy.sql.sqltypes":
        return f"sa.{t!r}"
    raise TypeError(f"schema_gen: no Core spelling for column type {t!r}; add one to schema_gen._type")


def _text(clause: Any) -> str:
    from rectify.store.coltypes import OPEN_CASES_ONLY

    text = str(clause)
    return "OPEN_CASES_ONLY" if text == OPEN_CASES_ONLY else repr(text)


def _call(name: str, parts: list[str]) -> str:
    line = f"    {name}({', '.join(parts)}),"
    if len(line) <= 110:
        return line
    return f"    {name}(\n" + "".join(f"        {p},\n" for p in parts) + "    ),"


def _column(c: sa.Column[Any]) -> str:
    parts = [repr(c.name), _type(c.type)]
    parts += sorted(f"sa.ForeignKey({fk.target_fullname!r})" for fk in c.foreign_keys)
    if c.primary_key:
        parts.append("primary_key=True")
    if c.unique:
        parts.append("unique=True")
    parts.append(f"nullable={c.nullable}")
    if c.default is not None:
        arg = getattr(c.default, "arg", None)
        if not isinstance(arg, str | int | float | bool):
            raise TypeError(f"schema_gen: column {c} has a default Core cannot spell: {c.default!r}")
        parts.append(f"default={arg!r}")
    if c.server_default is not None:
        raise TypeError(f"schema_gen: column {c} has a server default; add its spelling to schema_gen")
    return _call("sa.Column", parts)


def _index(ix: sa.Index) -> str:
    parts = [repr(ix.name), *(repr(c.name) for c in ix.columns)]
    if ix.unique:
        parts.append("unique=True")
    predicates = [f"{key!r}: {_text(value)}" for key, value in sorted(ix.dialect_kwargs.items()) if value is not None]
    if predicates:
        # Kept in ``info``, not as ``sqlite_where=``/``postgresql_where=``: SQLAlchemy loads every named
        # dialect's modules to check those arguments, and a SQLite command must not load PostgreSQL's.
        parts.append("info={" + ", ".join(predicates) + "}")
    return _call("sa.Index", parts)


def _unique(uc: sa.UniqueConstraint) -> str:
    parts = [repr(c.name) for c in uc.columns]
    if uc.name:
        parts.append(f"name={uc.name!r}")
    return _call("sa.UniqueConstraint", parts)


def _table(t: sa.Table) -> str:
    lines = [f"{t.name} = sa.Table(", f"    {t.name!r},", "    metadata,"]
    lines += [_column(c) for c in t.columns]
    # In the models' order (a column's ``unique=True`` is spelled on the column), so the DDL is the same.
    uniques = [u for u in t._sorted_constraints if isinstance(u, sa.UniqueConstraint)
               and not (len(u.columns) == 1 and u.name is None and next(iter(u.columns)).unique)]
    lines += [_unique(u) for u in uniques]
    lines += sorted(_index(ix) for ix in t.indexes)
    others = [c for c in t.constraints if not isinstance(c, sa.UniqueConstraint | sa.PrimaryKeyConstraint
                                                              | sa.ForeignKeyConstraint)]
    if others:
        raise TypeError(f"schema_gen: table {t.name} has constraints schema_gen cannot spell: {others}")
    lines.append(")")
    return "\n".join(lines)


def render(metadata: sa.MetaData | None = None) -> str:
    """The text of ``schema.py`` for ``metadata`` (the SQLModel metadata by default)."""
    md = metadata if metadata is not None else source_metadata()
    tables = sorted(md.tables.values(), key=lambda t: t.name)
    return HEADER + "".join(f"\n{_table(t)}\n" for t in tables)


def main() -> int:
    text = render()
    if TARGET.exists() and TARGET.read_text(encoding="utf-8") == text:
        print(f"{TARGET} is up to date")
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
