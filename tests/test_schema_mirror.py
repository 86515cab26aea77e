"""The Core tables the statements run on (schema.py) are generated from the SQLModel classes and equal them.

A model changed without regenerating fails here first, with the command that fixes it.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable

from rectify.store import schema, schema_gen

REGENERATE = "python -m rectify.store.schema_gen"


def test_the_generated_file_is_up_to_date() -> None:
    assert schema_gen.TARGET.read_text(encoding="utf-8") == schema_gen.render(), \
        f"schema.py is out of date with the models: run {REGENERATE}"


def _column(c: sa.Column[Any]) -> tuple[Any, ...]:
    default = c.default.arg if c.default is not None else None  # type: ignore[attr-defined]
    kind = type(c.type).__name__
    return (c.name, "String" if kind == "AutoString" else kind,
            getattr(c.type, "length", None), c.nullable, c.primary_key, default, c.server_default,
            sorted(fk.target_fullname for fk in c.foreign_keys))


def _ddl(t: sa.Table) -> list[str]:
    return [str(CreateTable(t).compile(dialect=d())).strip() for d in (sqlite.dialect, postgresql.dialect)]


def _indexes(t: sa.Table, predicates: str) -> set[tuple[Any, ...]]:
    def where(ix: sa.Index) -> dict[str, str]:
        if predicates == "info":
            return {k: str(v) for k, v in ix.info.items()}
        return {k: str(v) for k, v in ix.dialect_kwargs.items() if v is not None}

    return {(ix.name, tuple(c.name for c in ix.columns), ix.unique, tuple(sorted(where(ix).items())))
            for ix in t.indexes}


def test_the_core_tables_equal_the_models_column_by_column() -> None:
    models = schema_gen.source_metadata()
    assert sorted(schema.metadata.tables) == sorted(models.tables), REGENERATE
    for name, model in models.tables.items():
        core = schema.metadata.tables[name]
        assert [_column(c) for c in core.columns] == [_column(c) for c in model.columns], f"{name}: {REGENERATE}"
        assert _ddl(core) == _ddl(model), f"{name}: {REGENERATE}"
        assert _indexes(core, "info") == _indexes(model, "dialect"), f"{name}: {REGENERATE}"


def test_the_core_tables_keep_the_uniqueness_and_the_partial_index() -> None:
    case = schema.rectification_case
    assert [ix.info for ix in case.indexes if ix.name == "uq_case_open_org"] == [
        {"postgresql_where": schema.OPEN_CASES_ONLY, "sqlite_where": schema.OPEN_CASES_ONLY}]
    assert "UNIQUE (code)" in _ddl(schema.organization)[0]
    assert [c.default.arg for c in case.columns if c.name == "version"] == [1]  # type: ignore[union-attr]


def _table(*extra: Any) -> sa.MetaData:
    md = sa.MetaData()
    sa.Table("t", md, sa.Column("id", sa.Integer(), primary_key=True), *extra)
    return md


class _Odd(sa.types.TypeDecorator[str]):
    impl = sa.String
    cache_ok = True


@pytest.mark.parametrize(("extra", "message"), [
    (sa.Column("c", sa.String(), server_default="x"), "server default"),
    (sa.Column("c", _Odd()), "no Core spelling"),
    (sa.Column("c", sa.Integer(), default=lambda: 1), "default Core cannot spell"),
    (sa.CheckConstraint("id > 0"), "constraints schema_gen cannot spell"),
])
def test_the_generator_refuses_what_it_cannot_spell(extra: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        schema_gen.render(_table(extra))


def test_the_generator_spells_a_plain_table() -> None:
    text = schema_gen.render(_table(sa.Column("n", sa.Numeric(10, 2), nullable=False, default=0),
                                    sa.UniqueConstraint("n", name="uq_n"), sa.Index("ix_n", "n")))
    assert "sa.Column('n', sa.Numeric(precision=10, scale=2), nullable=False, default=0)," in text
    assert "sa.UniqueConstraint('n', name='uq_n')," in text and "sa.Index('ix_n', 'n')," in text
    namespace: dict[str, Any] = {}
    exec(compile(text, "schema.py", "exec"), namespace)  # the generated text is valid Python
    assert [c.name for c in namespace["t"].columns] == ["id", "n"]
