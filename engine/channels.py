"""State channels: one small class per kind, each with the same few verbs.

`get()` returns the value (or raises `EmptyChannel`), `update(values)` folds one
step's writes and says whether the value changed, `checkpoint()` / `from_checkpoint()`
copy the value out and back for checkpointers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from engine.errors import InvalidUpdateError, concurrent_update_error


class EmptyChannel(Exception):
    """The channel holds no value yet."""


MISSING: Any = object()


class Channel:
    """Base: a named slot holding one value."""

    __slots__ = ("key", "value")

    reducer: Callable[[Any, Any], Any] | None = None

    def __init__(self, key: str) -> None:
        self.key = key
        self.value: Any = MISSING

    def is_available(self) -> bool:
        return self.value is not MISSING

    def get(self) -> Any:
        if self.value is MISSING:
            raise EmptyChannel(self.key)
        return self.value

    def update(self, values: Sequence[Any]) -> bool:
        raise NotImplementedError

    def checkpoint(self) -> Any:
        return self.value

    def from_checkpoint(self, value: Any) -> Channel:
        new = self.copy_empty()
        new.value = value
        return new

    def copy_empty(self) -> Channel:
        raise NotImplementedError


class LastValue(Channel):
    """Holds the last value written; two writes in one step are an error."""

    __slots__ = ()

    def update(self, values: Sequence[Any]) -> bool:
        if not values:
            return False
        if len(values) != 1:
            raise concurrent_update_error(self.key)
        self.value = values[0]
        return True

    def copy_empty(self) -> LastValue:
        return LastValue(self.key)


class Reducer(Channel):
    """Folds every write into the value with a binary reducer, in apply order."""

    __slots__ = ("empty", "reducer")

    reducer: Callable[[Any, Any], Any]  # never None here (a slot, not the base's class default)

    def __init__(self, key: str, reducer: Callable[[Any, Any], Any], empty: Any = MISSING):
        super().__init__(key)
        self.reducer = reducer
        self.empty = empty
        self.value = empty

    def update(self, values: Sequence[Any]) -> bool:
        if not values:
            return False
        value = self.value
        start = 0
        if value is MISSING:
            value, start = values[0], 1
            if type(value) is Overwrite or type(value) is dict:
                is_overwrite, replacement = overwritten(value)
                if is_overwrite:  # a plain dict is a value like any other
                    value = replacement
        reducer = self.reducer
        overwrote = False
        for v in values[start:]:
            if type(v) is Overwrite or type(v) is dict:  # cheap test first: most writes aren't
                is_overwrite, replacement = overwritten(v)
                if is_overwrite:
                    # The one Overwrite of the step replaces the value; the writes after
                    # it in apply order are dropped (LangGraph's rule).
                    if overwrote:
                        raise InvalidUpdateError(
                            "Can receive only one Overwrite value per super-step.\n"
                            "For troubleshooting, visit: https://docs.langchain.com/oss/"
                            "python/langgraph/errors/INVALID_CONCURRENT_GRAPH_UPDATE")
                    value, overwrote = replacement, True
                    continue
            if not overwrote:
                value = reducer(value, v)
        self.value = value
        return True

    def copy_empty(self) -> Reducer:
        return Reducer(self.key, self.reducer, self.empty)


OVERWRITE = "__overwrite__"


class Overwrite:
    """Write `value` to a reducer key as is, bypassing its reducer (`langgraph.types`).

    A node returns `{"messages": Overwrite([...])}` (or `{"messages": {"__overwrite__":
    [...]}}`); at most one Overwrite per key per step.
    """

    __slots__ = ("value",)

    type = OVERWRITE

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Overwrite) and other.value == self.value

    def __hash__(self) -> int:
        return hash((OVERWRITE, repr(self.value)))

    def __repr__(self) -> str:
        return f"Overwrite(value={self.value!r}, type={OVERWRITE!r})"


def overwritten(value: Any) -> tuple[bool, Any]:
    """(True, the new value) for an Overwrite in any of its forms; else (False, None)."""
    if isinstance(value, Overwrite):
        return True, value.value
    if isinstance(value, dict):
        if len(value) == 1 and OVERWRITE in value:
            return True, value[OVERWRITE]
        if value.get("type") == OVERWRITE and "value" in value:
            return True, value["value"]
    return False, None


class Barrier:
    """A waiting edge's join: fires once every named source has finished."""

    __slots__ = ("key", "names", "seen")

    def __init__(self, key: str, names: frozenset[str]) -> None:
        self.key = key
        self.names = names
        self.seen: set[str] = set()

    def update(self, values: Sequence[str]) -> bool:
        """Record finished sources; True when the join fires (and then resets)."""
        for v in values:
            if v not in self.names:
                raise InvalidUpdateError(f"At key '{self.key}': value {v!r} not in {self.names}")
            self.seen.add(v)
        if self.seen == self.names:
            self.seen = set()
            return True
        return False
