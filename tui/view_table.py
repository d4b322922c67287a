"""Which widget draws each view tab (tab ids from `tui.bindings.VIEWS`)."""

from __future__ import annotations

from tui.widgets.custom_events import CustomEvents
from tui.widgets.diff_view import DiffView
from tui.widgets.graph_view import GraphView
from tui.widgets.raw_events import RawEvents
from tui.widgets.state_tree import StateTree
from tui.widgets.superstep_lanes import SuperstepLanes
from tui.widgets.tasks_view import TasksView
from tui.widgets.token_timeline import TokenTimeline

ViewWidget = (GraphView | StateTree | DiffView | TasksView | TokenTimeline | SuperstepLanes
              | CustomEvents | RawEvents)
"""The widget of a view tab; every one has `show(selection)` (see `tui.widgets`)."""

VIEW_WIDGETS: dict[str, type[ViewWidget]] = {
    "graph": GraphView,
    "state": StateTree,
    "diff": DiffView,
    "tasks": TasksView,
    "tokens": TokenTimeline,
    "lanes": SuperstepLanes,
    "custom": CustomEvents,
    "events": RawEvents,
}
"""Each view's widget class; every one has `show(selection)` (see `tui.widgets`)."""


def make_view(view: str) -> ViewWidget:
    """The widget for tab `view`, with id `view-<view>`."""
    return VIEW_WIDGETS[view](id=f"view-{view}")


LIVE_KINDS: dict[str, frozenset[str] | None] = {
    "graph": frozenset({"task_start", "task_end", "step_end"}),
    "state": frozenset({"step_end"}),
    "diff": frozenset({"step_end"}),
    "tasks": frozenset({"task_start", "task_end", "custom"}),
    "tokens": frozenset({"llm_start", "token", "llm_end"}),
    "lanes": frozenset({"task_start", "task_end"}),
    "custom": frozenset({"custom"}),
    "events": None,  # any
}
"""The event kinds that change what each view shows for the step being run."""

SHORT_TITLES = {"graph": "Grph", "state": "Stat", "tasks": "Task", "tokens": "Tok",
                "lanes": "Lane", "custom": "Cust", "events": "Evt"}
"""Each view's tab label below `MainScreen`'s NARROW columns."""
