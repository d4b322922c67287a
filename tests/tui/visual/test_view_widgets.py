"""The three visual views mounted in an app: what they show after show(), keys, clicks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import tracer
from tests.tui.visual.harness import ViewHarness, screen_text, until
from tui.selection import Selection
from tui.widgets.graph_view import GraphView
from tui.widgets.superstep_lanes import SuperstepLanes
from tui.widgets.token_timeline import TokenTimeline

Opener = Callable[[str], tracer.Trace]
SIZE = (120, 36)


class TestGraphView:
    """GraphView: marks, fit, clicks."""

    async def test_marks_the_step(self, open_trace: Opener) -> None:
        """Step 3 of branching: merge shows ✓, the whole graph fits the view."""
        view = GraphView()
        app = ViewHarness(view)
        async with app.run_test(size=SIZE) as pilot:
            view.show(Selection(open_trace("branching"), 0, 3))
            await pilot.pause()
            text = screen_text(view)
            for name in ("START", "plan", "fast", "slow", "merge", "review", "report", "END"):
                assert name in text
            assert "✓" in text
            assert view.marks.status == {"merge": "done"}
            assert view.canvas is not None and len(view.canvas.cells) <= view.size.height

    async def test_failed_step(self, open_trace: Opener) -> None:
        """The failing step marks boom failed (✗ failed in its border)."""
        view = GraphView()
        async with ViewHarness(view).run_test(size=SIZE) as pilot:
            trace = open_trace("failing")
            view.show(Selection(trace, 0, trace.steps(0)[-1]))
            await pilot.pause()
            assert view.marks.status == {"boom": "failed"}
            assert "✗" in screen_text(view)

    async def test_damaged_step_and_empty_trace(self, trace_paths: dict[str, Path],
                                                tmp_path: Path) -> None:
        """Damaged step frames still draw the graph (no exception); no run draws nothing."""
        damaged = tmp_path / "damaged.stepscope"
        data = bytearray(trace_paths["branching"].read_bytes())
        with tracer.open_trace(trace_paths["branching"]) as clean:
            entry = clean.step_entry(3, 0)
            assert entry.start is not None
        for frame in (entry.start, entry.task_ends[0]):  # the step_start and a task_end
            data[frame + 20] ^= 0xFF  # inside the payload: the CRC no longer matches
        damaged.write_bytes(bytes(data))
        empty = tmp_path / "empty.stepscope"
        empty.write_bytes(trace_paths["branching"].read_bytes()[:40])
        view = GraphView()
        async with ViewHarness(view).run_test(size=SIZE) as pilot:
            with tracer.open_trace(damaged) as trace:
                view.show(Selection(trace, 0, 3))
                await pilot.pause()
                assert view.canvas is not None
                assert "merge" in screen_text(view) and "review" in screen_text(view)
            try:
                trace = tracer.open_trace(empty)
            except tracer.TraceError:
                return  # cut inside the header: nothing to show, and nothing shown
            with trace:
                view.show(Selection(trace, 0, 0))
                await pilot.pause()
                assert view.canvas is None and "START" not in screen_text(view)

    async def test_click_posts_node_selected(self, open_trace: Opener) -> None:
        """Clicking node_2's box posts NodeSelected('node_2', 'subgraph')."""
        view = GraphView()
        app = ViewHarness(view)
        async with app.run_test(size=SIZE) as pilot:
            view.show(Selection(open_trace("subgraph"), 0, 2))
            await pilot.pause()
            assert view.canvas is not None
            box = view.canvas.layout.boxes["node_2"]
            await pilot.click(GraphView, offset=(box.x + view._pad() + 2, box.y + box.h // 2))
            await pilot.pause()
            selected = app.posted_as(GraphView.NodeSelected)
            assert [(m.name, m.kind) for m in selected] == [("node_2", "subgraph")]

    async def test_enter_selects_the_running_node(self, open_trace: Opener) -> None:
        """enter posts NodeSelected for the step's node."""
        view = GraphView()
        app = ViewHarness(view)
        async with app.run_test(size=SIZE) as pilot:
            view.show(Selection(open_trace("agent"), 0, 2))
            await pilot.press("enter")
            await pilot.pause()
            assert [m.name for m in app.posted_as(GraphView.NodeSelected)] == ["tools"]


class TestTokenTimeline:
    """TokenTimeline: calls, cursor keys, call keys, scope toggle."""

    async def test_parallel_calls_and_cursor(self, open_trace: Opener) -> None:
        """Two calls on one axis; ← moves the cursor and shortens the text shown."""
        trace = open_trace("parallel_llm")
        view = TokenTimeline()
        app = ViewHarness(view)
        async with app.run_test(size=SIZE) as pilot:
            view.show(Selection(trace, 0, 1))
            await app.workers.wait_for_complete()
            await pilot.pause()
            # The two calls start in parallel threads: either may be first.
            assert sorted(c.node for c in view.calls) == ["ask_quick", "ask_slow"]
            call = view.calls[view.selected]
            assert view.cursor == len(call.tokens) - 1
            text = screen_text(view)
            assert "ask_quick" in text and "ask_slow" in text
            assert call.streamed_text.strip() in text
            await pilot.press("left", "left")
            await pilot.pause()
            assert view.cursor == len(call.tokens) - 3
            shown = "".join(t for _, t in call.tokens[: view.cursor + 1])
            assert shown.strip() in screen_text(view)
            assert call.streamed_text.strip() not in screen_text(view)
            await pilot.press("shift+left")
            assert view.cursor == 0

    async def test_down_selects_the_next_call(self, open_trace: Opener) -> None:
        """↓ selects the other call (posting CallSelected) with its cursor at its end."""
        view = TokenTimeline()
        app = ViewHarness(view)
        async with app.run_test(size=SIZE) as pilot:
            view.show(Selection(open_trace("parallel_llm"), 0, 1))
            await app.workers.wait_for_complete()
            await until(pilot, lambda: len(view.calls) == 2)  # the worker's result message
            app.posted.clear()
            await pilot.press("down")
            await pilot.pause()
            assert view.selected == 1
            assert view.cursor == len(view.calls[1].tokens) - 1
            assert [m.call.node for m in app.posted_as(TokenTimeline.CallSelected)] == [
                view.calls[1].node]
            # The two calls run in parallel threads: which one is #1 varies between
            # recordings of the fixture, so the label is built from the call itself.
            label = f"▶ #1 {view.calls[1].node}"
            await until(pilot, lambda: label in screen_text(view))

    async def test_scope_toggle(self, open_trace: Opener) -> None:
        """s switches from the step's one call to the run's three, and back."""
        view = TokenTimeline()
        app = ViewHarness(view)
        async with app.run_test(size=SIZE) as pilot:
            view.show(Selection(open_trace("agent"), 0, 3))
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert [c.step for c in view.calls] == [3]
            await pilot.press("w")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert view.scope == "run"
            assert [c.step for c in view.calls] == [1, 3, 5]
            assert view.calls[view.selected].step == 3  # the selected call is kept
            await pilot.press("w")
            await pilot.pause()
            assert [c.step for c in view.calls] == [3]

    async def test_step_without_calls(self, open_trace: Opener) -> None:
        """A step with no LLM call says so."""
        view = TokenTimeline()
        app = ViewHarness(view)
        async with app.run_test(size=SIZE) as pilot:
            view.show(Selection(open_trace("agent"), 0, 2))
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert view.calls == []
            assert "no LLM calls in this step (w: the whole run)" in screen_text(view)

    async def test_run_without_calls(self, open_trace: Opener) -> None:
        """A run with no LLM call says so in whole-run mode (no hint to switch)."""
        view = TokenTimeline()
        app = ViewHarness(view)
        async with app.run_test(size=SIZE) as pilot:
            view.show(Selection(open_trace("branching"), 0, 1))
            await app.workers.wait_for_complete()
            view.action_toggle_scope()
            await until(pilot, lambda: "no LLM calls in this run" in screen_text(view))
            assert view.calls == []
            assert "no LLM calls in this run" in screen_text(view)
            assert "(w: the whole run)" not in screen_text(view)


class TestSuperstepLanes:
    """SuperstepLanes: bars, toggle, scrolling, clicks, 10,000 steps."""

    async def test_lanes_and_toggle(self, open_trace: Opener) -> None:
        """joke ∥ poem lanes; u switches scaled → uniform widths."""
        view = SuperstepLanes()
        async with ViewHarness(view).run_test(size=SIZE) as pilot:
            view.show(Selection(open_trace("joke_poem"), 0, 1))
            await pilot.pause()
            text = screen_text(view)
            assert "write_joke" in text and "write_poem" in text and "█" in text
            assert "░" in text  # the joke waiting for the poem
            assert view.scaled
            await pilot.press("v")
            await pilot.pause()
            assert not view.scaled
            assert len({c.width for c in view.columns}) == 1
            assert "uniform (v: scaled)" in screen_text(view)

    async def test_follows_the_selection_over_10000_steps(self, open_trace: Opener) -> None:
        """Selecting the last of 10,001 steps scrolls there; shift+← scrolls back a step."""
        trace = open_trace("long_loop")
        view = SuperstepLanes()
        async with ViewHarness(view).run_test(size=SIZE) as pilot:
            last = trace.steps(0)[-1]
            view.show(Selection(trace, 0, last))
            await pilot.pause()
            assert view.columns[-1].timing.step == last
            first = view.first
            await pilot.press("shift+left")
            await pilot.pause()
            assert view.first == first - 1
            assert f"of {len(trace.steps(0))}" in screen_text(view)

    async def test_click_posts_step_selected(self, open_trace: Opener) -> None:
        """Clicking a step's column posts StepSelected for that step."""
        view = SuperstepLanes()
        app = ViewHarness(view)
        async with app.run_test(size=SIZE) as pilot:
            view.show(Selection(open_trace("branching"), 0, 1))
            await pilot.pause()
            column = next(c for c in view.columns if c.timing.step == 2)
            await pilot.click(SuperstepLanes, offset=(column.x + 1, 2))
            await pilot.pause()
            assert [(m.run, m.step) for m in app.posted_as(SuperstepLanes.StepSelected)] == [(0, 2)]
