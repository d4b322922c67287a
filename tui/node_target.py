"""Where Enter on a node of the Graph view goes: a subgraph node opens the run of that
subgraph (the one its task in the selected step started, else the nearest); a plain
node goes to the latest step, up to the selected one, in which it ran."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from tracer import Trace, TraceError
from tui.step_rows import planned

if TYPE_CHECKING:
    from tui.selection import Selection
    from tui.thread_rows import StepLines


class Target(NamedTuple):
    """Where Enter on a Graph node goes: a run to open, or a step of the selected run
    whose Tasks view to show (the step may be the selected one)."""

    run: int | None = None
    step: int | None = None


def enter_target(trace: Trace, rows: StepLines, selection: Selection, name: str,
                 kind: str) -> Target | str | None:
    """Enter on node `name` (of `kind` "subgraph" or "node") with `selection` shown: where
    to go, or why there is nowhere (a note for the user); None for other kinds."""
    if kind == "subgraph":
        run = subgraph_run(trace, selection.run, selection.step, name)
        if run is None:
            return f"{name} has not run in this run yet: no subgraph run to open"
        return Target(run=run)
    if kind != "node":
        return None
    steps = [(rows.row(i).step, rows.row(i).nodes) for i in range(len(rows))
             if not rows.is_marker(i) and rows.place(i)[0] == selection.run]
    step = step_of_node(steps, selection.step, name)
    return f"{name} has not run in this run" if step is None else Target(step=step)


def subgraph_run(trace: Trace, run: int, step: int, node: str) -> int | None:
    """The run of subgraph node `node` inside run `run` to open, or None if it has none."""
    runs = trace.index.runs
    here = runs[run]
    depth = len(here.ns) + 1
    candidates = [i for i, r in enumerate(runs)
                  if len(r.ns) == depth and r.ns[:-1] == here.ns
                  and r.ns[-1].split(":", 1)[0] == node and r.offset > here.offset]
    if not candidates:
        return None
    try:
        started = planned(trace, run, step)[0]
    except TraceError:
        started = []
    mine = [i for i in candidates if runs[i].parent in started]
    if mine:
        return mine[0]
    # The nearest after this run's start: a later root run (a fork, a resume) has its own.
    later_roots = [r.offset for r in runs if len(r.ns) == len(here.ns) and r.offset > here.offset]
    end = min(later_roots, default=None)
    inside = [i for i in candidates if end is None or runs[i].offset < end]
    return inside[0] if inside else None


def step_of_node(steps: list[tuple[int, tuple[str, ...]]], selected: int,
                 node: str) -> int | None:
    """The latest step up to `selected` whose tasks include `node`, else its first step
    after; None if it never ran. `steps`: (step, node names) in order."""
    ran = [step for step, nodes in steps if node in nodes]
    before = [s for s in ran if s <= selected]
    if before:
        return before[-1]
    return ran[0] if ran else None
