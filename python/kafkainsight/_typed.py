"""Python stats classes from the typed C++ bindings (cpp/python/typed.h), without re-listing fields.

``@stats_of(_core.ConsumeStats)`` on a class with only methods (``ok``, ``summary``, ...) makes it
a dataclass whose fields are the bound struct's ``_fields``, in order, with the defaults of its
default-constructed instance; ``cls._from_core(obj)`` copies a C++ result into it. So each stats
field is defined once, in the binding next to the C++ member, and ``dataclasses.asdict`` / JSON
keep working on the Python objects.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
from typing import Any, Callable, TypeVar

T = TypeVar("T")


class RunSummary:
    """Base of the stats classes: ``summary()`` is the class's ``_line()`` and a mark when the run
    was interrupted; the repr is ``<Class summary>``."""
    STOP_MARK = " [stopped]"

    def _line(self) -> str:
        raise NotImplementedError

    def summary(self) -> str:
        return self._line() + (self.STOP_MARK if self.interrupted else "")  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.summary()}>"


def stats_of(core_cls: Any) -> Callable[[type[T]], type[T]]:
    def wrap(cls: type[T]) -> type[T]:
        proto = core_cls()
        plain = proto.to_dict()  # a nested bound struct (has _fields) as a dict of its defaults
        annotations = {}
        for name in core_cls._fields:
            value = getattr(proto, name)
            if hasattr(value, "_fields"):
                annotations[name] = "dict"
                setattr(cls, name, dataclasses.field(default_factory=functools.partial(copy.deepcopy, plain[name])))
                continue
            annotations[name] = type(value).__name__
            if isinstance(value, (list, dict, set)):
                setattr(cls, name, dataclasses.field(default_factory=type(value)))
            else:
                setattr(cls, name, value)
        cls.__annotations__ = {**annotations, **cls.__dict__.get("__annotations__", {})}

        def _from_core(c: type[T], obj: Any) -> T:
            return c(**obj.to_dict())

        cls._from_core = classmethod(_from_core)  # type: ignore[attr-defined]
        cls._core = core_cls  # type: ignore[attr-defined]
        # A __repr__ defined on cls, or inherited from RunSummary, is kept.
        return dataclasses.dataclass(cls, repr=not issubclass(cls, RunSummary))
    return wrap


def lag_text(lag: dict[str, int], unknown: list[str]) -> str:
    """``lag=N`` over the partitions whose end is known; ``unknown`` while none is (no assignment
    yet, or no high watermark fetched): a lag of 0 would say "nothing waits" when we do not know."""
    if not lag:
        return "lag=unknown"
    return f"lag={sum(lag.values())}" + (f" (+ {len(unknown)} partitions unknown)" if unknown else "")
