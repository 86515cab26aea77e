"""The states' and reports' frozen classes made by rectify/frozen.py (issue 29: a read loads no dataclasses) behave as
the standard ``@dataclass(frozen=True)`` (``slots=True`` where declared) made from the same declarations."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import date
from typing import Any

import pytest

from rectify.errors import Reason
from rectify.frozen import replace
from rectify.reports.ledger_formats import LedgerExport
from rectify.states.consolidation import LookBack
from rectify.states.permissions import Actor
from rectify.states.tasks import DueFacts, SideTask, TaskSpec
from rectify.states.transitions import Join, TransitionSpec
from rectify.states.workdays import WorkCalendar
from rectify.store.plain import LedgerFilter


def _due(f: Any, p: Any) -> date:
    return date(2026, 1, 1)


D = date(2026, 3, 4)
SAMPLES: list[tuple[type, tuple[Any, ...], bool]] = [  # the class, its positional values, slots
    (Reason, ("role", None, "无权办理"), False),
    (LookBack, (180, D, "stable", D), False),
    (Actor, ("张三", "县委组织部", "county_officer", ("青山县",), None, "zhang"), False),
    (DueFacts, (D, D, None), True),
    (TaskSpec, ("plan", "制定整顿方案", "identified", "county_officer", _due, ("officer",)), True),
    (SideTask, ("deadline", "完成整顿转化", D, D), True),
    (Join, ("secretary_assigned", ("ledger_created",), "fact", "label"), False),
    (TransitionSpec, ("plan", ("identified",), "ledger_created", ("has_plan",), "制定方案", None), False),
    (WorkCalendar, (frozenset({D}), frozenset(), frozenset({2026}), ("publicity",), True), False),
    (LedgerFilter, ("青山县", None, None, None, None, 2026, True, None, "place"), False),
    (LedgerExport, (D,), False),
]


def _standard(cls: type, slots: bool) -> type:
    spec = []
    for f in dataclasses.fields(cls):
        made = (dataclasses.field(default_factory=f.default_factory, compare=f.compare)
                if f.default_factory is not dataclasses.MISSING
                else dataclasses.field(default=f.default, compare=f.compare))
        spec.append((f.name, f.type, made))
    return dataclasses.make_dataclass(cls.__name__, spec, frozen=True, slots=slots)


@pytest.mark.parametrize(("cls", "values", "slots"), SAMPLES, ids=lambda v: getattr(v, "__name__", ""))
def test_a_class_behaves_as_the_standard_frozen_dataclass(cls: type, values: tuple[Any, ...], slots: bool) -> None:
    mine = cls(*values)
    std = _standard(cls, slots)
    theirs = std(*values)
    assert dataclasses.is_dataclass(cls) and dataclasses.is_dataclass(mine)
    assert repr(mine) == repr(theirs)
    assert mine == cls(*values) and (mine == theirs) is False
    assert hash(mine) == hash(theirs)
    assert cls.__match_args__ == std.__match_args__  # type: ignore[attr-defined]
    assert hasattr(mine, "__dict__") is (not slots)
    name = dataclasses.fields(cls)[0].name
    for attempt in (lambda o: setattr(o, name, 1), lambda o: delattr(o, name)):
        with pytest.raises(dataclasses.FrozenInstanceError) as raised:
            attempt(mine)
        with pytest.raises(dataclasses.FrozenInstanceError) as standard:
            attempt(theirs)
        assert str(raised.value) == str(standard.value)
    assert dataclasses.asdict(mine) == dataclasses.asdict(theirs)
    assert pickle.loads(pickle.dumps(mine)) == mine
    assert dataclasses.replace(mine, **{name: values[0]}) == mine == replace(mine, **{name: values[0]})
    assert cls(**{f.name: v for f, v in zip(dataclasses.fields(cls), values, strict=False)}) == mine
    with pytest.raises(TypeError, match="unexpected keyword argument 'nonsense'"):
        cls(*values, nonsense=1)


def test_a_field_left_out_of_equality_is_left_out_of_the_hash_too() -> None:
    a, b = Actor("张三", operator="zhang"), Actor("张三", operator="li")
    assert a == b and hash(a) == hash(b) and repr(a) != repr(b)
    assert replace(a, operator="li").operator == "li"


def test_slotted_defaults_and_fresh_factories() -> None:
    assert TaskSpec("x", "y", "s", "r", _due).notify == ("officer",)
    assert "notify" in TaskSpec.__slots__ and isinstance(TaskSpec.__dict__["notify"], type(DueFacts.deadline))


def test_what_it_does_not_make_is_refused_not_dropped() -> None:
    """A class needing more than these (its own __post_init__ or __eq__, a dataclass base, a ClassVar) is refused at
    import, so it is written with the standard decorator instead of losing the method silently."""
    import pytest

    from rectify import frozen

    with pytest.raises(TypeError, match="__post_init__"):
        @frozen.dataclass(frozen=True)
        class Checked:
            a: int

            def __post_init__(self) -> None:
                raise AssertionError

    with pytest.raises(TypeError, match="__eq__"):
        @frozen.dataclass(frozen=True)
        class Compared:
            a: int

            def __eq__(self, other: object) -> bool:
                return True

            __hash__ = None  # type: ignore[assignment]
