"""Replaying a channel's writes through its reducer, as the engine applies them.

Pure functions over plain values: the last-value channel, `operator.add` and
`add_messages` (the reducers a trace replays from task writes, FORMAT.md §7), and the
memo forms of a replayed state (lists kept by reference and length, not copied).
"""

from __future__ import annotations

import operator
from typing import Any, NamedTuple

ADD = "operator.add"
ADD_MESSAGES = "engine.graph.message.add_messages"


class _Prefix(NamedTuple):
    """A memoised list: the first `n` items of a list a replay only ever extends."""

    items: list[Any]
    n: int


def copy_state(state: dict[str, Any]) -> dict[str, Any]:
    """A state whose lists the caller may extend (memoised prefixes made into lists)."""
    return {k: v.items[:v.n] if type(v) is _Prefix else list(v) if isinstance(v, list) else v
            for k, v in state.items()}


def memo_of(state: dict[str, Any]) -> dict[str, Any]:
    """A memo of the replay's state: its lists by reference and length, not copied.

    A replay changes a list only by extending it (other reducers and "s" deltas put
    new objects in the state), so the first n items stay as they were; copying every
    list at every memo cost a tenth of a first replay of a 10,000-step run.
    """
    return {k: _Prefix(v, len(v)) if isinstance(v, list) else v for k, v in state.items()}


def own(value: Any) -> Any:
    """A list the state may extend in place: never one that a (cached) event holds."""
    return list(value) if isinstance(value, list) else value


def path_key(path: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(path[:2])


def apply_writes(state: dict[str, Any], key: str, reducer: str | None,
                 values: list[Any]) -> None:
    """Fold `values` into state[key] as the engine's channel would (in place for lists)."""
    if not values:
        return
    if reducer is None:
        state[key] = values[-1]
        return
    current = state.get(key)
    if reducer == ADD_MESSAGES:
        from engine.graph.message import add_messages

        for v in values:
            if type(current) is list:
                current = _Messages(current)
            if type(current) is not _Messages or not current.append_new(v):
                current = add_messages(current or [], v)
        state[key] = current
        return
    if reducer == ADD:
        if isinstance(current, list) and all(isinstance(v, list) for v in values):
            for v in values:
                current.extend(v)
            return
        start = 0
        if current is None:
            current, start = own(values[0]), 1
        for v in values[start:]:
            current = operator.add(current, v)
        state[key] = current
        return
    raise ValueError(f"cannot replay reducer {reducer!r}")


class _Messages(list[Any]):
    """An add_messages channel's list during a replay, with the ids it holds, so a write
    of new messages is appended in place (add_messages builds a new list every time: a
    replay of n steps cost n² and its memos could not share one list)."""

    __slots__ = ("ids",)

    def __init__(self, items: list[Any]) -> None:
        super().__init__(items)
        self.ids = {getattr(m, "id", None) for m in items}

    def append_new(self, value: Any) -> bool:
        """Append `value`'s messages if that is all add_messages would do with them (each
        a whole message, not a chunk or a removal, with an id not seen yet); else False,
        and nothing changed."""
        from engine.messages import AIMessageChunk, BaseMessage, RemoveMessage

        items = value if isinstance(value, list) else [value]
        fresh: set[Any] = set()
        for m in items:
            mid = getattr(m, "id", None)
            if (mid is None or mid in self.ids or mid in fresh or not isinstance(m, BaseMessage)
                    or isinstance(m, (RemoveMessage, AIMessageChunk))):
                return False
            fresh.add(mid)
        self.extend(items)
        self.ids |= fresh
        return True
