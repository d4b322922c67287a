"""Managed values: state keys the loop fills in for each step instead of a channel
(`remaining_steps: RemainingSteps`, `is_last_step: IsLastStep`).

As in LangGraph 1.2.22 (observed): a run that starts at step s with recursion limit r
stops at step s + r + 1; a node at step k sees `RemainingSteps` = stop - k and
`IsLastStep` = (k == stop - 1). Managed keys are read, never written: a node's update of
one is ignored, and they are not part of the state a run outputs.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, get_args, get_origin


class ManagedValue:
    """A value computed for each step (subclasses define `get`)."""

    @staticmethod
    def get(step: int, stop: int) -> Any:
        raise NotImplementedError


class IsLastStepManager(ManagedValue):
    @staticmethod
    def get(step: int, stop: int) -> bool:
        return step == stop - 1


class RemainingStepsManager(ManagedValue):
    @staticmethod
    def get(step: int, stop: int) -> int:
        return stop - step


IsLastStep = Annotated[bool, IsLastStepManager]
RemainingSteps = Annotated[int, RemainingStepsManager]

_WRAPPERS = ("Required", "NotRequired", "ReadOnly")


def managed_of(hint: Any) -> type[ManagedValue] | None:
    """The manager a key's annotation names (through Required/NotRequired), or None."""
    while True:
        origin = get_origin(hint)
        if origin is typing.Annotated:
            for meta in get_args(hint)[1:]:
                if isinstance(meta, type) and issubclass(meta, ManagedValue):
                    return meta
            hint = get_args(hint)[0]
        elif getattr(origin, "_name", None) in _WRAPPERS or getattr(
                hint, "_name", None) in _WRAPPERS:
            args = get_args(hint)
            if not args:
                return None
            hint = args[0]
        else:
            return None


def with_managed(value: Any, managed: dict[str, type[ManagedValue]], step: int,
                 stop: int) -> Any:
    """A node's input dict with the managed keys filled in for `step`."""
    if not isinstance(value, dict):
        return value
    return {**value, **{key: manager.get(step, stop) for key, manager in managed.items()}}


__all__ = ["IsLastStep", "IsLastStepManager", "ManagedValue", "RemainingSteps",
           "RemainingStepsManager"]
