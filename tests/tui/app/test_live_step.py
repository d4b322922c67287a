"""A step in progress in a live trace: its row says running until its step_end arrives."""

from __future__ import annotations

from pathlib import Path

import tracer
from engine.events import Event
from tests.tracer import graphs
from tests.tracer.live_writer import LiveWriter, record_events
from tui.run_paths import parent_step
from tui.step_rows import RowCache, run_status
from tui.units import duration
from tui.views.event_source import step_events
from tui.widgets.graph_view import GraphView
from tui.widgets.step_list import StepList
from tui.widgets.trace_header import TraceHeader

from .conftest import SIZE, app_for, opened, wait_for


def fan_out() -> list[Event]:
    """start → b0 ∥ b1 ∥ b2 (step 2) → join (step 3), on a fixed clock."""
    return record_events(lambda clock: graphs.fan_out().invoke(
        {"topic": "t", "log": []}, clock=clock))


def took(events: list[Event], step: int) -> int:
    """step_start → step_end of root step `step`, as the row should show it."""
    t = {e.kind: e.t for e in events if e.step == step and not e.ns
         and e.kind in ("step_start", "step_end")}
    return t["step_end"] - t["step_start"]


def follow(trace: tracer.Trace) -> None:
    list(trace.follow(stop=lambda: True))


class TestRunningRow:
    """RowCache and run_status on a trace whose writer is mid-step."""

    def test_running_then_done(self, tmp_path: Path) -> None:
        """Running (no duration) while open; refresh re-reads it once the step ends."""
        path = tmp_path / "live.stepscope"
        events = fan_out()
        live = LiveWriter(path, events)
        live.feed_until("task_end", step=2)
        with tracer.open_trace(path) as trace:
            rows = RowCache(trace, 0)
            row = rows.row(2)
            assert row.running and not row.complete and row.duration_ns is None
            assert row.nodes == ("b0", "b1", "b2")
            assert not rows.row(1).running
            assert run_status(trace, 0) == "incomplete · step 2 running"
            assert rows.refresh() == 0  # nothing came: the cached row stays
            live.feed_until("task_end", step=2)
            follow(trace)
            assert rows.refresh() == 1 and rows.row(2).running  # a task ended: re-read
            live.feed_until("step_end", step=2)
            follow(trace)
            assert rows.refresh() == 1 and len(rows) == 3  # changed, not new
            row = rows.row(2)
            assert row.complete and not row.running
            assert row.duration_ns == took(events, 2)
            assert run_status(trace, 0) == "incomplete"
            live.finish()
            follow(trace)
            assert rows.refresh() == 1 and run_status(trace, 0) == "done"
            assert rows.refresh() == 0

    def test_step_cut_by_an_error_stops_running(self, tmp_path: Path) -> None:
        """A run_end without step_end: the row turns from running to ended, with ✗."""
        path = tmp_path / "failing.stepscope"
        live = LiveWriter(path, record_events(lambda clock: graphs.failing().invoke(
            {"topic": "t", "log": []}, clock=clock)))
        live.feed_until("task_end", step=2)
        with tracer.open_trace(path) as trace:
            rows = RowCache(trace, 0)
            assert rows.row(2).running and rows.row(2).errors == 1
            live.finish()
            follow(trace)
            assert rows.refresh() == 1
            row = rows.row(2)
            assert not row.running and not row.complete and row.marks == "✗"
            assert row.duration_ns is not None
            assert run_status(trace, 0) == "error"

    def test_views_read_the_open_step(self, tmp_path: Path) -> None:
        """The open step's events run to the end of what is written, past its last
        task_end (tasks still running write events too)."""
        path = tmp_path / "live.stepscope"
        live = LiveWriter(path, fan_out())
        live.feed_until("custom", step=2)
        live.feed_until("custom", step=2)  # a second task's: after the first's task_end
        with tracer.open_trace(path) as trace:
            kinds = [e.kind for e in step_events(trace, 0, 2)]
            assert kinds.count("task_end") == 1 and kinds[-1] == "custom"
        live.finish()

    def test_subgraph_started_in_the_open_step(self, tmp_path: Path) -> None:
        """A subgraph run started in the parent's open step finds that step as its parent."""
        path = tmp_path / "sub.stepscope"
        live = LiveWriter(path, record_events(lambda clock: graphs.with_subgraph().invoke(
            {"topic": "x", "log": []}, clock=clock)))
        live.feed_until("llm_start", ns=None)  # in the subgraph's first step
        with tracer.open_trace(path) as trace:
            assert len(trace.runs) == 2 and trace.step_entry(2, 0).end is None
            assert parent_step(trace, 1, 0) == 2
            assert RowCache(trace, 1).row(1).running
        live.finish()


class TestFollowRunningStep:
    """`stepscope view --follow`: the step list and views while a step runs and ends."""

    async def test_row_and_views_update_when_the_step_ends(self, tmp_path: Path) -> None:
        path = tmp_path / "live.stepscope"
        events = fan_out()
        live = LiveWriter(path, events)
        live.feed_until("task_end", step=2)
        async with app_for(path, follow=True).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            steps = screen.query_one(StepList)
            graph = screen.query_one(GraphView)

            def line(index: int) -> str:
                return steps.render_line(1 + index - steps.scroll_offset.y).text

            assert screen.selection is not None and screen.selection.step == 2
            assert "running" in line(2) and "b0, b1, b2" in line(2)
            assert "step 2 running" in screen.query_one("#header", TraceHeader).status
            await wait_for(pilot, lambda: "running" in graph.marks.status.values())
            assert sorted(graph.marks.status.values()) == ["done", "running", "running"]
            live.feed_until("step_end", step=2)
            await wait_for(pilot, lambda: "running" not in line(2))
            assert duration(took(events, 2), compact=True) in line(2)
            await wait_for(pilot, lambda: set(graph.marks.status.values()) == {"done"})
            assert "running" not in screen.query_one("#header", TraceHeader).status
            live.finish()
            await wait_for(pilot, lambda: len(steps.rows or ()) == 4)
            await wait_for(pilot, lambda: "done" in screen.query_one("#header", TraceHeader).status)
