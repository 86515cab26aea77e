"""The configuration's sections (rectify/frozen.py, issue 29) behave as the standard ``@dataclass(frozen=True)``
made from the same declarations: fields, construction, repr, equality, hash, frozenness, ``replace``, ``asdict``."""

from __future__ import annotations

import dataclasses
import pickle
from typing import Any

import pytest

from rectify.config import SECTIONS, Config, PolicyConfig, as_dict

CLASSES = [Config, *SECTIONS.values()]


def _standard(cls: type) -> type:
    """The standard frozen dataclass of ``cls``'s declaration."""
    spec = []
    for f in dataclasses.fields(cls):
        made = (dataclasses.field(default_factory=f.default_factory) if f.default_factory is not dataclasses.MISSING
                else dataclasses.field(default=f.default))
        spec.append((f.name, f.type, made))
    return dataclasses.make_dataclass(cls.__name__, spec, frozen=True)


def _hash(obj: Any) -> Any:
    try:
        return ("hash", hash(obj))
    except TypeError as exc:
        return ("unhashable", str(exc))


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_a_section_behaves_as_a_frozen_dataclass(cls: type) -> None:
    std = _standard(cls)
    mine, theirs = cls(), std()
    assert dataclasses.is_dataclass(cls)
    assert repr(mine) == repr(theirs)
    assert mine == cls() and mine != theirs and (mine == theirs) is False
    assert _hash(mine) == _hash(theirs)
    assert cls.__match_args__ == std.__match_args__  # type: ignore[attr-defined]
    name = dataclasses.fields(cls)[0].name
    for attempt in (lambda o: setattr(o, name, 1), lambda o: delattr(o, name), lambda o: setattr(o, "other", 1)):
        with pytest.raises(dataclasses.FrozenInstanceError) as raised:
            attempt(mine)
        with pytest.raises(dataclasses.FrozenInstanceError) as standard:
            attempt(theirs)
        assert str(raised.value) == str(standard.value)
    values = [getattr(theirs, f.name) for f in dataclasses.fields(std)]
    assert repr(cls(*values)) == repr(std(*values)) == repr(cls(**{f.name: v for f, v in
                                                                  zip(dataclasses.fields(cls), values, strict=True)}))
    assert dataclasses.asdict(mine) == dataclasses.asdict(theirs)
    assert pickle.loads(pickle.dumps(mine)) == mine
    with pytest.raises(TypeError, match="unexpected keyword argument 'nonsense'"):
        cls(nonsense=1)
    with pytest.raises(TypeError, match="positional arguments"):
        cls(*values, 1)
    with pytest.raises(TypeError, match="multiple values"):
        cls(values[0], **{name: values[0]})


def test_the_defaults_are_fresh_and_replace_works() -> None:
    a, b = Config(), Config()
    assert a.policy.local_problem_types is not b.policy.local_problem_types
    changed = dataclasses.replace(a, policy=dataclasses.replace(a.policy, publicity_days=7))
    assert changed.policy.publicity_days == 7 and a.policy.publicity_days == 5 and changed != a
    assert as_dict(changed)["policy"]["publicity_days"] == 7
    assert repr(PolicyConfig(timezone="UTC")).startswith("PolicyConfig(timezone='UTC', default_deadline='year_end'")
