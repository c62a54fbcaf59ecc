"""``record``: a dataclass whose methods are not compiled at import.

``dataclasses.dataclass`` writes the source of ``__init__``, ``__repr__``,
``__eq__`` (and, frozen, ``__hash__``, ``__setattr__``, ``__delattr__``) for
each class and ``exec``-compiles it when the module is imported: 0.4-0.7 ms a
class, ~3.6 ms for the 68 fields of ``config.Settings``, paid by every cold
container. ``record`` gives the same class (``dataclasses.fields``,
``replace`` and ``asdict`` work; same constructor, defaults, default factories,
``__post_init__``, repr, equality, hash and immutability when frozen) with
generic methods written once here, so a class costs only the field processing.
Meant for the classes of the cold import path (settings, routes, the
request); a class built in bulk on a hot path can stay a ``dataclass``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T", bound=type)

_MISSING = dataclasses.MISSING


@overload
def record(cls: T, /) -> T: ...


@overload
def record(cls: None = None, /, *, frozen: bool = False) -> Callable[[T], T]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: T | None = None, /, *, frozen: bool = False) -> Any:
    """``@record`` or ``@record(frozen=True)``: as ``@dataclass`` with the same arguments."""

    def wrap(klass: T) -> T:
        return _process(klass, frozen)

    return wrap if cls is None else wrap(cls)


def _process(cls: T, frozen: bool) -> T:
    own_setattr = "__setattr__" in cls.__dict__ or "__delattr__" in cls.__dict__
    if frozen and own_setattr:
        raise TypeError(f"a frozen record cannot define __setattr__ or __delattr__: {cls.__qualname__}")
    if cls.__doc__ is None:  # else dataclass writes one from inspect.signature(cls): slow, and of a generic init
        cls.__doc__ = f"{cls.__name__}: a record (passculture.records)"
    dataclasses.dataclass(cls, init=False, repr=False, eq=False)  # fields only: no method compiled
    fields = dataclasses.fields(cls)
    init_fields = tuple(f for f in fields if f.init)
    names = tuple(f.name for f in init_fields)
    known = frozenset(names)
    compared = tuple(f.name for f in fields if f.compare)
    shown = tuple(f.name for f in fields if f.repr)
    post_init = getattr(cls, "__post_init__", None)
    set_field = object.__setattr__
    # default: a value, a factory to call, or required
    defaults = tuple(
        (f.default, None) if f.default is not _MISSING else (_MISSING, f.default_factory) for f in init_fields
    )
    later = tuple(
        (f.name, f.default, f.default_factory)
        for f in fields
        if not f.init and (f.default is not _MISSING or f.default_factory is not _MISSING)
    )

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(names):
            raise TypeError(f"{cls.__qualname__}() takes {len(names)} positional arguments but {len(args)} were given")
        for name in names[: len(args)]:
            if name in kwargs:
                raise TypeError(f"{cls.__qualname__}() got multiple values for argument {name!r}")
        values = dict(zip(names, args, strict=False))
        values.update(kwargs)
        if not known.issuperset(values):
            unknown = sorted(set(values) - known)
            raise TypeError(f"{cls.__qualname__}() got unexpected keyword arguments {', '.join(unknown)}")
        for name, (default, factory) in zip(names, defaults, strict=True):
            if name in values:
                value = values[name]
            elif default is not _MISSING:
                value = default
            elif factory is not _MISSING and factory is not None:
                value = factory()
            else:
                raise TypeError(f"{cls.__qualname__}() missing required argument: {name!r}")
            set_field(self, name, value)
        for name, default, factory in later:
            set_field(self, name, default if default is not _MISSING else factory())
        if post_init is not None:
            self.__post_init__()

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{type(self).__qualname__}({inner})"

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return tuple(getattr(self, n) for n in compared) == tuple(getattr(other, n) for n in compared)

    methods: dict[str, Callable[..., Any] | None] = {"__init__": __init__, "__eq__": __eq__}
    if "__repr__" not in cls.__dict__:
        methods["__repr__"] = __repr__
    if frozen:

        def __hash__(self: Any) -> int:
            return hash(tuple(getattr(self, n) for n in compared))

        def __setattr__(self: Any, name: str, value: Any) -> None:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

        def __delattr__(self: Any, name: str) -> None:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

        methods.update(__hash__=__hash__, __setattr__=__setattr__, __delattr__=__delattr__)
    else:
        methods["__hash__"] = None  # as a dataclass with eq and not frozen: unhashable
    for name, method in methods.items():
        if method is not None:
            method.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, method)
    return cls
