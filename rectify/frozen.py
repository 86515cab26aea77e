"""``@dataclass(frozen=True)`` for the configuration's sections, at a twentieth of its cost at import (issue 29).

The standard decorator writes and compiles six methods for every class (``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, ``__setattr__``, ``__delattr__``): for the configuration's seventeen classes that is about a third of
what the interpreter costs to start, paid by every command before it reads a line. Here the standard machinery
still records each class's fields — ``fields``, ``asdict``, ``replace``, ``is_dataclass`` and the configuration's
pydantic schema see a dataclass like any other — but generates no code; the methods it would have generated are
written once below, for every class, and behave as its (``tests/test_config_frozen.py`` holds them equal).
The type checker sees the standard decorator (``rectify/config.py`` imports it under ``TYPE_CHECKING``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["dataclass"]

T = TypeVar("T")
_Spec = tuple[str, Any, Any]  # a field's name, default and default factory (MISSING when it has none)


def _specs(self: Any) -> tuple[_Spec, ...]:
    return type(self).__frozen_fields__  # type: ignore[no-any-return]


def _values(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, name) for name, _, _ in _specs(self))


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    specs, where = _specs(self), f"{type(self).__qualname__}.__init__()"
    if len(args) > len(specs):
        raise TypeError(f"{where} takes {len(specs) + 1} positional arguments but {len(args) + 1} were given")
    given = dict(zip((name for name, _, _ in specs), args, strict=False))
    for key, value in kwargs.items():
        if key in given:
            raise TypeError(f"{where} got multiple values for argument {key!r}")
        given[key] = value
    unknown = set(given) - {name for name, _, _ in specs}
    if unknown:
        raise TypeError(f"{where} got an unexpected keyword argument {sorted(unknown)[0]!r}")
    for name, default, factory in specs:
        if name in given:
            value = given[name]
        elif factory is not dataclasses.MISSING:
            value = factory()
        elif default is not dataclasses.MISSING:
            value = default
        else:
            raise TypeError(f"{where} missing 1 required positional argument: {name!r}")
        object.__setattr__(self, name, value)


def _repr(self: Any) -> str:
    return f"{type(self).__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n, _, _ in _specs(self))})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        return _values(self) == _values(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(_values(self))


def _setattr(self: Any, name: str, value: Any) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


_METHODS = {"__init__": _init, "__repr__": _repr, "__eq__": _eq, "__hash__": _hash, "__setattr__": _setattr,
            "__delattr__": _delattr}


def dataclass(*, frozen: bool) -> Callable[[type[T]], type[T]]:
    """``@dataclass(frozen=True)``: the class's fields recorded by the standard machinery, the methods shared."""
    if not frozen:
        raise TypeError("rectify.frozen.dataclass makes frozen classes only")

    def decorate(cls: type[T]) -> type[T]:
        if any(name in cls.__dict__ for name in _METHODS):
            raise TypeError(f"{cls.__qualname__} defines its own {', '.join(n for n in _METHODS if n in cls.__dict__)}")
        if not cls.__dict__.get("__doc__") and cls.__init__ is object.__init__ and cls.__new__ is object.__new__ \
                and type(cls) is type:
            # the docstring dataclasses would write, ``Name()`` (no generated __init__), without inspect.signature
            # reading object.__init__'s text signature (a third of a millisecond a class)
            cls.__doc__ = cls.__name__ + "()"
        cls = dataclasses.dataclass(init=False, repr=False, eq=False)(cls)
        type.__setattr__(cls, "__frozen_fields__",
                         tuple((f.name, f.default, f.default_factory) for f in dataclasses.fields(cls)))  # type: ignore[arg-type]
        for name, method in _METHODS.items():
            type.__setattr__(cls, name, method)
        return cls

    return decorate
