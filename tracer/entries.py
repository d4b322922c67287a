"""The index's records, named: runs, steps, keyframes and damaged regions.

On disk (FORMAT.md §6) they are plain msgpack arrays read by position; in memory they
are these slotted classes, made once when an index is read or built. `from_list`
checks an array's shape, so a damaged or hostile index is refused as a whole (the file
is then indexed by scanning) instead of failing later, wherever an item is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class MalformedIndex(ValueError):
    """An index array or item does not have the shape FORMAT.md §6 gives it."""


def shown(value: Any) -> str:
    """A malformed value for a message: short, whatever it is (even nested too deep)."""
    try:
        text = repr(value)
    except Exception:  # RecursionError, or a broken __repr__ of a rebuilt object
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:60] + "…"


def checked_offset(value: Any) -> int:
    """`value` as a file offset (MalformedIndex if it is not a non-negative int)."""
    if type(value) is not int or value < 0:
        raise MalformedIndex(f"an offset that is not a non-negative int: {shown(value)}")
    return value


def _maybe_offset(value: Any) -> int | None:
    return None if value is None else checked_offset(value)


def _int(value: Any) -> int:
    if type(value) is not int:
        raise MalformedIndex(f"not an int: {shown(value)}")
    return value


def _ns(value: Any) -> tuple[str, ...]:
    if type(value) is not list or any(type(part) is not str for part in value):
        raise MalformedIndex(f"a namespace that is not an array of text: {shown(value)}")
    return tuple(value)


def _item(value: Any, size: int) -> list[Any]:
    if type(value) is not list or len(value) < size:
        raise MalformedIndex(f"an index item that is not an array of {size}: {shown(value)}")
    return value


@dataclass(slots=True)
class RunEntry:
    """One graph run: the root, a subgraph run inside a task, or a fork."""

    offset: int
    """Its run_start frame."""
    ns: tuple[str, ...]
    run_id: str
    parent: str | None
    """The id of the task running this subgraph (None for a root run)."""

    def as_list(self) -> list[Any]:
        return [self.offset, list(self.ns), self.run_id, self.parent]

    @classmethod
    def from_list(cls, value: Any) -> RunEntry:
        item = _item(value, 4)
        parent = item[3]
        if parent is not None and type(parent) is not str:
            raise MalformedIndex(f"a parent task id that is not text: {shown(parent)}")
        if type(item[2]) is not str:
            raise MalformedIndex(f"a run id that is not text: {shown(item[2])}")
        return cls(checked_offset(item[0]), _ns(item[1]), item[2], parent)


@dataclass(slots=True)
class StepEntry:
    """One superstep of one run, and where its frames are.

    Listed from its step_start on (a followed trace shows the step in progress);
    `task_ends` and `end` are filled in as its frames arrive. A step without a
    step_start (step 0, the input) is listed at its step_end.
    """

    run: int
    ns: tuple[str, ...]
    step: int
    start: int | None
    """Its step_start frame (None for step 0)."""
    end: int | None
    """Its step_end frame; None while it runs, and for good when an error, an interrupt
    or a crash cut it (its writes were never applied)."""
    task_ends: list[int] = field(default_factory=list)
    replay: list[str] | None = None
    """When every delta of its step_end replays task writes ("w"), their keys: a
    replay may then read the task_ends alone. None: read the step_end."""

    @property
    def ended(self) -> bool:
        return self.end is not None

    def as_list(self) -> list[Any]:
        item = [self.run, list(self.ns), self.step, self.start, self.end, self.task_ends]
        if self.end is not None:
            item.append(self.replay)
        return item

    @classmethod
    def from_list(cls, value: Any) -> StepEntry:
        item = _item(value, 6)
        ends = item[5]
        if type(ends) is not list:
            raise MalformedIndex(f"task_end offsets that are not an array: {shown(ends)}")
        replay = item[6] if len(item) > 6 else None
        if replay is not None and (type(replay) is not list
                                   or any(type(k) is not str for k in replay)):
            replay = None  # a hint only: without it, the step_end is read
        return cls(_int(item[0]), _ns(item[1]), _int(item[2]), _maybe_offset(item[3]),
                   _maybe_offset(item[4]), [checked_offset(o) for o in ends], replay)


@dataclass(slots=True)
class KeyframeEntry:
    """A keyframe: the whole state of a run after `step`."""

    run: int
    ns: tuple[str, ...]
    step: int
    offset: int

    def as_list(self) -> list[Any]:
        return [self.run, list(self.ns), self.step, self.offset]

    @classmethod
    def from_list(cls, value: Any) -> KeyframeEntry:
        item = _item(value, 4)
        return cls(_int(item[0]), _ns(item[1]), _int(item[2]), checked_offset(item[3]))


@dataclass(frozen=True, slots=True)
class Damage:
    """A region of the file that could not be read as frames."""

    offset: int
    """Where the damage starts (the first byte that is not a whole, valid frame)."""
    resumed: int | None
    """Where reading resumed (the next valid frame), or None: nothing valid follows."""
    reason: str
