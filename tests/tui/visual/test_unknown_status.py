"""A task whose task_end frame is damaged: "unknown" once its step ended, not "running"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import tracer
from sample_graphs import joke_poem
from tests.tracer import graphs
from tests.tracer.live_writer import LiveWriter, record_events
from tests.tui.visual.harness import ViewHarness, screen_text
from tracer.steps import RunSteps, read_step
from tui.selection import Selection
from tui.views.tasks_data import TaskInfo, status
from tui.widgets.graph_view import GraphView
from tui.widgets.superstep_lanes import SuperstepLanes

SIZE = (120, 36)
Opener = Callable[[str], tracer.Trace]


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    """joke ∥ poem with one payload byte of write_poem's task_end flipped (CRC fails).
    Recorded a frame per event: in a batch frame (the default) the whole step would go
    with it (tests/tracer/test_damaged_state.py)."""
    source = tmp_path / "joke_poem.stepscope"
    writer = tracer.TraceWriter(source, bulk=False)
    joke_poem.graph.invoke(joke_poem.inputs, sinks=[writer])
    writer.close()
    with tracer.open_trace(source) as clean:
        ends = clean.step_entry(1, 0).task_ends
        (victim,) = [o for o in ends if clean.read(o).data["name"] == "write_poem"]
    data = bytearray(source.read_bytes())
    data[victim + 11 + 3] ^= 0x55
    path = tmp_path / "damaged.stepscope"
    path.write_bytes(bytes(data))
    return path


class TestReadStep:
    """Task statuses read from the index: the step's end decides running vs unknown."""

    def test_damaged_task_end_of_an_ended_step(self, damaged: Path) -> None:
        with tracer.open_trace(damaged) as trace:
            timing = read_step(trace, trace.step_entry(1, 0))
        assert {t.name: t.status for t in timing.tasks} == {
            "write_joke": "done", "write_poem": "unknown"}
        assert timing.end is not None

    def test_task_still_running(self, tmp_path: Path) -> None:
        """No task_end yet and no step_end: running; the same entry read again once the
        step ended (RunSteps does not keep the running timing)."""
        path = tmp_path / "live.stepscope"
        live = LiveWriter(path, record_events(lambda clock: graphs.fan_out().invoke(
            {"topic": "t", "log": []}, clock=clock)))
        live.feed_until("task_end", step=2)
        with tracer.open_trace(path) as trace:
            steps = RunSteps(trace, 0)
            position = steps.position(2)
            assert position is not None
            assert sorted(t.status for t in steps.timing(position).tasks) == [
                "done", "running", "running"]
            live.feed_until("task_end", step=2)
            list(trace.follow(stop=lambda: True))
            assert sorted(t.status for t in steps.timing(position).tasks) == [
                "done", "done", "running"]
            live.finish()
            list(trace.follow(stop=lambda: True))
            assert {t.status for t in steps.timing(position).tasks} == {"done"}

    def test_tasks_view_status(self) -> None:
        """status(): a task without task_end is running until its step ended."""
        task = TaskInfo("t1", "work")
        assert status(task) == "running"
        task.step_ended = True
        assert status(task) == "unknown"
        task.finished = True
        assert status(task) == "done"


class TestViews:
    """The graph view and the lanes draw the unknown task distinctly (dim ?)."""

    async def test_graph_view(self, damaged: Path) -> None:
        view = GraphView()
        async with ViewHarness(view).run_test(size=SIZE) as pilot:
            with tracer.open_trace(damaged) as trace:
                view.show(Selection(trace, 0, 1))
                await pilot.pause()
                assert view.marks.status == {"write_joke": "done", "write_poem": "unknown"}
                text = screen_text(view)
                assert "? unknown" in text and "▶" not in text
                assert view._style("unknown").dim

    async def test_lanes(self, damaged: Path) -> None:
        view = SuperstepLanes()
        async with ViewHarness(view).run_test(size=SIZE) as pilot:
            with tracer.open_trace(damaged) as trace:
                view.show(Selection(trace, 0, 1))
                await pilot.pause()
                (poem,) = [row for row in view.rows if row[0][0].startswith("write_poem")]
                cells = [(text, role) for text, role in poem[1:] if "unknown" in role]
                assert cells and cells[0][0].startswith("?")
                assert not any("running" in role for _, role in poem)
                assert view._style("unknown").dim
