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
