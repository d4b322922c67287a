"""Where a key takes the selection: the nearest listed step, the next search match, the
next replay speed. Pure functions of the steps listed and where the cursor is, so the
screen's actions stay one line of "go there" each."""

from __future__ import annotations

from collections.abc import Sequence

SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
"""Replay speeds, steps per second."""


def faster(speed: float) -> float:
    """The next replay speed up (the fastest stays)."""
    return next((s for s in SPEEDS if s > speed), SPEEDS[-1])


def slower(speed: float) -> float:
    """The next replay speed down (the slowest stays)."""
    return next((s for s in reversed(SPEEDS) if s < speed), SPEEDS[0])


def nearest(steps: Sequence[int], wanted: int) -> int | None:
    """The row of step `wanted` in `steps`, or of the step nearest to it (a subgraph run
    may start past step 0; ties go to the earlier step); None when nothing is listed."""
    if not steps:
        return None
    return min(range(len(steps)), key=lambda i: abs(steps[i] - wanted))


def next_match(matches: Sequence[int], here: int, direction: int,
               include_current: bool = False) -> int | None:
    """The matching step after (`direction` > 0) or before `here`, wrapping around at
    either end; `here` itself only with `include_current`. None without matches."""
    if not matches:
        return None
    if direction > 0:
        ahead = [s for s in matches if s > here or (include_current and s == here)]
        return ahead[0] if ahead else matches[0]
    behind = [s for s in matches if s < here or (include_current and s == here)]
    return behind[-1] if behind else matches[-1]
