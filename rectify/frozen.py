"""``@dataclass(frozen=True)`` without importing :mod:`dataclasses` on a read (issue 29).

The standard decorator writes and compiles six methods for every class (``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, ``__setattr__``, ``__delattr__``), and its module loads ``inspect`` and ``copy``: together about a
third of what the interpreter costs to start, paid by every command before it reads a line. Here a class's fields
are read from its own declaration (its annotations, in order, and their defaults; :func:`field` for a default
factory or a field left out of equality) and the methods it would have had are written once below, for every
class, and behave as the standard ones (``tests/test_config_frozen.py``, ``tests/test_frozen.py``). The standard
machinery records the fields only when something asks for them (``fields``, ``asdict``, ``replace``,
``is_dataclass``, the configuration's pydantic schema): then, and only then, :mod:`dataclasses` is imported and
the class is given its ``__dataclass_fields__`` as the standard decorator would. ``slots=True`` makes the class
with ``__slots__`` and a compiled ``__init__``, as the standard decorator does (for the classes made per row);
another class gets its compiled ``__init__`` once it has made :data:`COMPILE_AFTER` instances.
The type checker sees the standard decorator (the modules import it under ``TYPE_CHECKING``).
"""

from __future__ import annotations

import _thread

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    T = TypeVar("T")

__all__ = ["dataclass", "field", "replace"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()  # no default (dataclasses.MISSING, without importing dataclasses)


class _Field:
    """What :func:`field` leaves in a class body until the decorator reads it."""

    __slots__ = ("compare", "default", "default_factory")

    def __init__(self, default: Any, default_factory: Any, compare: bool) -> None:
        self.default, self.default_factory, self.compare = default, default_factory, compare


def field(*, default: Any = MISSING, default_factory: Any = MISSING, compare: bool = True) -> Any:
    """``dataclasses.field`` for what these classes use of it: a default or a default factory, and ``compare``."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return _Field(default, default_factory, compare)


if TYPE_CHECKING:
    # A field: its name, default and default factory (MISSING when it has none), whether equality compares it.
    _Spec = tuple[str, Any, Any, bool]


def _frozen_error(message: str) -> Exception:
    from dataclasses import FrozenInstanceError

    return FrozenInstanceError(message)


# A class's instances made through the shared __init__ before it gets one compiled for it (one made per row).
COMPILE_AFTER = 64


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    cls = type(self)
    made = cls.__dict__.get("__frozen_made__", 0) + 1
    type.__setattr__(cls, "__frozen_made__", made)
    if made == COMPILE_AFTER and cls.__dict__.get("__init__") is _init:
        type.__setattr__(cls, "__init__", _init_source(cls, cls.__frozen_specs__))
    specs, where = cls.__frozen_specs__, f"{cls.__qualname__}.__init__()"
    if len(args) > len(specs):
        raise TypeError(f"{where} takes {len(specs) + 1} positional arguments but {len(args) + 1} were given")
    given = dict(zip((s[0] for s in specs), args, strict=False))
    for key, value in kwargs.items():
        if key in given:
            raise TypeError(f"{where} got multiple values for argument {key!r}")
        given[key] = value
    if len(given) > len(args) and not given.keys() <= cls.__frozen_names__:
        unknown = sorted(set(given) - cls.__frozen_names__)
        raise TypeError(f"{where} got an unexpected keyword argument {unknown[0]!r}")
    for name, default, factory, _ in specs:
        if name in given:
            value = given[name]
        elif factory is not MISSING:
            value = factory()
        elif default is not MISSING:
            value = default
        else:
            raise TypeError(f"{where} missing 1 required positional argument: {name!r}")
        object.__setattr__(self, name, value)


def _repr(self: Any) -> str:
    return f"{type(self).__qualname__}({', '.join(f'{s[0]}={getattr(self, s[0])!r}' for s in self.__frozen_specs__)})"


def _compared(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, name) for name in self.__frozen_compared__)


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        return _compared(self) == _compared(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(_compared(self))


def _setattr(self: Any, name: str, value: Any) -> None:
    raise _frozen_error(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise _frozen_error(f"cannot delete field {name!r}")


def _getstate(self: Any) -> list[Any]:  # a slotted class's pickle state, as the standard decorator makes it
    return [getattr(self, s[0]) for s in self.__frozen_specs__]


def _setstate(self: Any, state: list[Any]) -> None:
    for s, value in zip(self.__frozen_specs__, state, strict=False):
        object.__setattr__(self, s[0], value)


_METHODS = {"__init__": _init, "__repr__": _repr, "__eq__": _eq, "__hash__": _hash, "__setattr__": _setattr,
            "__delattr__": _delattr}


_RECORDING = _thread.RLock()


class _Fields:
    """``__dataclass_fields__`` made on first use: :mod:`dataclasses` records the class's fields then."""

    def __init__(self, cls: type) -> None:
        self.cls = cls

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        with _RECORDING:  # two threads asking at once (the web's): one records, the other reads the record
            return self._record()

    def _record(self) -> Any:
        import dataclasses

        cls = self.cls
        if cls.__dict__.get("__dataclass_fields__") is not self:
            return cls.__dict__["__dataclass_fields__"]
        type.__delattr__(cls, "__dataclass_fields__")
        slotted = "__slots__" in cls.__dict__
        for name, default, factory, compare in cls.__frozen_specs__:  # type: ignore[attr-defined]
            if slotted or factory is not MISSING or not compare:  # a slot's member is put back below
                type.__setattr__(cls, name, dataclasses.field(
                    default=dataclasses.MISSING if default is MISSING else default,
                    default_factory=dataclasses.MISSING if factory is MISSING else factory, compare=compare))
        doc = cls.__doc__
        dataclasses.dataclass(init=False, repr=False, eq=False)(cls)  # records the fields; leaves the methods
        type.__setattr__(cls, "__doc__", doc)
        for name, member in cls.__dict__.get("__frozen_slots__", {}).items():
            type.__setattr__(cls, name, member)
        return cls.__dict__["__dataclass_fields__"]


def _specs(cls: type) -> tuple[_Spec, ...]:
    """The class's fields from its own declaration, taking the defaults out of the class as the standard decorator
    does (a default stays a class attribute; a factory's field has none)."""
    if any(hasattr(base, "__frozen_specs__") or hasattr(base, "__dataclass_fields__") for base in cls.__mro__[1:]):
        raise TypeError(f"{cls.__qualname__}: rectify.frozen.dataclass makes classes without dataclass bases")
    specs = []
    for name, hint in cls.__dict__.get("__annotations__", {}).items():
        if "ClassVar" in str(hint) or "InitVar" in str(hint):
            raise TypeError(f"{cls.__qualname__}.{name}: ClassVar and InitVar are not supported here")
        value = cls.__dict__.get(name, MISSING)
        if isinstance(value, _Field):
            specs.append((name, value.default, value.default_factory, value.compare))
            if value.default is MISSING:
                type.__delattr__(cls, name)
            else:
                type.__setattr__(cls, name, value.default)
        else:
            specs.append((name, value, MISSING, True))
    return tuple(specs)


def _init_source(cls: type, specs: tuple[_Spec, ...]) -> Callable[..., None]:
    """The class's own ``__init__``, compiled as the standard decorator compiles it: for a slotted class (made per
    row) at once, for another after :data:`COMPILE_AFTER` instances."""
    params, body, scope = [], [], {"MISSING": MISSING}
    for i, (name, default, factory, _) in enumerate(specs):
        if factory is not MISSING:
            scope[f"_f{i}"] = factory
            params.append(f"{name}=MISSING")
            body.append(f"  _set(self, {name!r}, _f{i}() if {name} is MISSING else {name})")
        elif default is not MISSING:
            scope[f"_d{i}"] = default
            params.append(f"{name}=_d{i}")
            body.append(f"  _set(self, {name!r}, {name})")
        else:
            params.append(name)
            body.append(f"  _set(self, {name!r}, {name})")
    scope["_set"] = object.__setattr__
    source = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "  pass") + "\n"
    exec(source, scope)  # noqa: S102  (the class's own field names, as dataclasses does)
    made: Callable[..., None] = scope["__init__"]  # type: ignore[assignment]
    made.__qualname__ = f"{cls.__qualname__}.__init__"
    return made


def _slotted(cls: type, specs: tuple[_Spec, ...]) -> type:
    """The class again with ``__slots__`` (as the standard decorator makes it), the defaults in ``__init__``."""
    names = tuple(s[0] for s in specs)
    body = {k: v for k, v in cls.__dict__.items() if k not in (*names, "__dict__", "__weakref__")}
    body["__slots__"] = names
    made = type(cls)(cls.__name__, cls.__bases__, body)
    made.__qualname__ = cls.__qualname__
    type.__setattr__(made, "__frozen_slots__", {name: made.__dict__[name] for name in names})
    type.__setattr__(made, "__init__", _init_source(made, specs))
    type.__setattr__(made, "__getstate__", _getstate)
    type.__setattr__(made, "__setstate__", _setstate)
    return made


def dataclass(*, frozen: bool, slots: bool = False) -> Callable[[type[T]], type[T]]:
    """``@dataclass(frozen=True)`` (optionally ``slots=True``): the fields read from the declaration, the methods
    shared, :mod:`dataclasses` not imported until something asks for the fields."""
    if not frozen:
        raise TypeError("rectify.frozen.dataclass makes frozen classes only")

    def decorate(cls: type[T]) -> type[T]:
        own = [n for n in (*_METHODS, "__post_init__") if n in cls.__dict__]
        if own:  # never silently dropped: the standard decorator is for such a class
            raise TypeError(f"{cls.__qualname__} defines its own {', '.join(own)}")
        if not cls.__dict__.get("__doc__") and type(cls) is type:
            # the docstring the standard decorator writes without an __init__ of its own: ``Name()``
            cls.__doc__ = cls.__name__ + "()"
        specs = _specs(cls)
        if slots:
            cls = _slotted(cls, specs)  # type: ignore[assignment]
        type.__setattr__(cls, "__frozen_specs__", specs)
        type.__setattr__(cls, "__frozen_names__", frozenset(s[0] for s in specs))
        type.__setattr__(cls, "__frozen_compared__", tuple(s[0] for s in specs if s[3]))
        type.__setattr__(cls, "__match_args__", tuple(s[0] for s in specs))
        for name, method in _METHODS.items():
            if not (slots and name == "__init__"):
                type.__setattr__(cls, name, method)
        type.__setattr__(cls, "__dataclass_fields__", _Fields(cls))
        return cls

    return decorate


def replace(obj: T, **changes: Any) -> T:
    """``dataclasses.replace`` for these classes (every field is an ``__init__`` argument)."""
    specs = type(obj).__frozen_specs__  # type: ignore[attr-defined]
    for s in specs:
        if s[0] not in changes:
            changes[s[0]] = getattr(obj, s[0])
    return type(obj)(**changes)
