"""TasksView in a running app: why each task ran, its input, writes and errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import tracer
from tests.tracer.test_retry_trace import record_retry
from tests.tui.views.harness import SIZE, ViewApp, settle
from tracer import Trace
from tui.selection import Selection
from tui.widgets.tasks_view import TasksView


class TestTasksView:
    """show() renders one section per task."""

    async def test_pull_task(self, open_scenario: Callable[[str], Trace]) -> None:
        """Name, status, reason from the topology, previous state as input, writes."""
        view = TasksView()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(open_scenario("agent"), 0, 2))
            await settle(pilot)
            plain = view.text.plain
            assert "▌ tools  done" in plain
            assert "why      branch:to:tools ← conditional edge from agent" in plain
            assert "input    (state before step 2)" in plain
            assert "writes   messages = [ToolMessage: It is 18°C in Paris." in plain
            assert "custom   2 event(s)" in plain

    async def test_retried_task(self, tmp_path: Path) -> None:
        """A task its retry policy ran three times says so beside its status."""
        view = TasksView()
        with tracer.open_trace(record_retry(tmp_path / "retry.stepscope")) as trace:
            async with ViewApp(view).run_test(size=SIZE) as pilot:
                view.show(Selection(trace, 0, 1))
                await settle(pilot)
                assert "▌ flaky  done" in view.text.plain
                assert "after 3 attempts" in view.text.plain
                view.show(Selection(trace, 0, 2))
                await settle(pilot)
                assert "▌ steady  done" in view.text.plain
                assert "attempts" not in view.text.plain

    async def test_send_tasks(self, open_scenario: Callable[[str], Trace]) -> None:
        """Send tasks show __pregel_push and their argument."""
        view = TasksView()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(open_scenario("send"), 0, 1))
            await settle(pilot)
            plain = view.text.plain
            assert plain.count("__pregel_push ← Send('work', arg)") == 3
            assert "Send arg: {'x': 2}" in plain

    async def test_error_with_traceback(self, open_scenario: Callable[[str], Trace]) -> None:
        """A failed task shows its exception and full traceback."""
        view = TasksView()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(open_scenario("failing"), 0, 2))
            await settle(pilot)
            plain = view.text.plain
            assert "▌ boom  failed" in plain
            assert "error    ValueError: boom: the answer was 42" in plain
            assert "Traceback (most recent call last):" in plain
            assert 'raise ValueError("boom: the answer was 42")' in plain

    async def test_join_explained(self, open_scenario: Callable[[str], Trace]) -> None:
        """A node behind a waiting edge says what it waited for."""
        view = TasksView()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(open_scenario("notes"), 0, 3))
            await settle(pilot)
            assert "join:a+b:join ← waiting edge: a, b → join" in view.text.plain

    async def test_subgraph_run_uses_its_own_topology(
            self, open_scenario: Callable[[str], Trace]) -> None:
        """In a subgraph run, reasons come from the subgraph's edges."""
        trace = open_scenario("subgraph")
        sub = next(r.number for r in trace.runs if r.ns)
        view = TasksView()
        async with ViewApp(view).run_test(size=SIZE) as pilot:
            view.show(Selection(trace, sub, 2))
            await settle(pilot)
            assert "▌ s2  done" in view.text.plain
            assert "branch:to:s2 ← edge from s1" in view.text.plain
