"""A thread's runs (invoke, resumes after interrupts, a fork) as one step list, with a
marker line between runs; its usage and cost in the Tokens and Tasks views."""

from __future__ import annotations

from pathlib import Path

import pytest

import tracer
from engine.checkpoint.memory import InMemorySaver
from engine.types import Command
from sample_graphs import support_thread
from tests.tracer.usage_models import priced_agent, record_priced_thread
from tracer.prices import load_prices
from tracer.usage import usage_of
from tui.app import make_app
from tui.step_rows import RowCache
from tui.thread_rows import ThreadRows
from tui.widgets.run_tree import RunTree
from tui.widgets.step_list import StepList
from tui.widgets.tasks_view import TasksView
from tui.widgets.token_timeline import TokenTimeline
from tui.widgets.trace_header import TraceHeader

from .conftest import SIZE, app_for, opened, wait_for

PRICES = Path(support_thread.__file__).with_name("prices.json")


@pytest.fixture(scope="module")
def thread_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The support sample's thread: run 0 (interrupt), 1 (resume, interrupt), 2 (resume,
    done), 3 (a fork of run 0 after step 1, interrupt)."""
    path = tmp_path_factory.mktemp("threads") / "support.stepscope"
    support_thread.record_thread(str(path))
    return path


@pytest.fixture(scope="module")
def agent_thread(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The priced agent (a subgraph run inside run 0) interrupted, then resumed."""
    return record_priced_thread(tmp_path_factory.mktemp("threads") / "agent.stepscope")


def lines(rows: ThreadRows) -> list[str]:
    """Each line as the list reads: a marker's text, else `run:step nodes`."""
    out = []
    for i in range(len(rows)):
        row = rows.row(i)
        run, step = rows.place(i)
        out.append(row.marker if row.marker is not None else f"{run}:{step} "
                   + ",".join(row.nodes))
    return out


class TestOneTimeline:
    """The runs of a thread in one step list."""

    async def test_lines_and_markers(self, thread_trace: Path) -> None:
        async with app_for(thread_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            rows = screen.rows
            assert isinstance(rows, ThreadRows) and rows.runs == [0, 1, 2, 3]
            assert screen.query_one(StepList).rows is rows
            with tracer.open_trace(thread_trace) as trace:
                steps = {run: trace.steps(run) for run in range(4)}
            shown = lines(rows)
            markers = [line for line in shown if not line[0].isdigit()]
            assert markers == ["‖ run 1 · resumed: Send this reply?",
                               "‖ run 2 · resumed: Send this reply?",
                               "⑂ run 3 · fork of run 0 @ step 1"]
            # every step of every run, in run order, a marker before each later run
            assert [line for line in shown if line[0].isdigit()] == [
                f"{run}:{step} " + ",".join(rows.row(rows.index_of(step, run) or 0).nodes)
                for run in range(4) for step in steps[run]]
            assert shown.index(markers[0]) == len(steps[0])
            assert shown[len(steps[0]) + 1].startswith("1:")

    async def test_moving_across_runs(self, thread_trace: Path) -> None:
        """↓ from run 0's last step passes the marker to run 1's first; ↑ comes back;
        the header names the run."""
        async with app_for(thread_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            assert isinstance(screen.rows, ThreadRows)
            last = screen.rows.steps(0)[-1]
            screen.go_to(last, 0)
            await pilot.pause()
            await pilot.press("down")
            await wait_for(pilot, lambda: screen.selection is not None
                           and screen.selection.run == 1)
            assert screen.selection is not None
            assert screen.selection.step == screen.rows.steps(1)[0]
            header = screen.query_one("#header", TraceHeader)
            assert header.crumbs[-1] == "↻ resumed · run 1"
            assert screen.query_one(StepList).cursor == screen.rows.index_of(
                screen.selection.step, 1)
            await pilot.press("up")
            await wait_for(pilot, lambda: screen.selection is not None
                           and screen.selection.run == 0)
            assert screen.selection.step == last
            await pilot.press("right")  # l / →: the next step, across the marker too
            assert (screen.selection.run, screen.selection.step) == (
                1, screen.rows.steps(1)[0])

    async def test_next_llm_call_crosses_runs(self, thread_trace: Path) -> None:
        """`t` from run 0's interrupted step finds the draft of run 1."""
        async with app_for(thread_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            assert isinstance(screen.rows, ThreadRows)
            screen.go_to(screen.rows.steps(0)[-1], 0)
            await pilot.pause()
            await pilot.press("t")
            assert screen.selection is not None and screen.selection.run == 1
            row = screen.rows.row(screen.cursor_index())
            assert row.nodes == ("draft",) and row.llm_calls == 1

    async def test_choosing_a_run_in_the_tree_keeps_the_timeline(
            self, thread_trace: Path) -> None:
        async with app_for(thread_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            rows = screen.rows
            assert isinstance(rows, ThreadRows)
            tree = screen.query_one(RunTree)
            labels = [str(tree.get_node_at_line(i).label)  # type: ignore[union-attr]
                      for i in range(tree.last_line + 1)]
            assert labels == ["support", "↻ resumed · run 1", "↻ resumed · run 2",
                              "⑂ fork @ step 1 · run 3"]
            tree.post_message(RunTree.RunChosen(3))
            await wait_for(pilot, lambda: screen.selection is not None
                           and screen.selection.run == 3)
            assert screen.rows is rows  # the same list: the cursor moved in it
            assert screen.selection is not None
            assert screen.selection.step == rows.steps(3)[0]


class TestSubgraphsInAThread:
    """A subgraph run of a thread's run is still its own list, and `u` leads back."""

    async def test_subgraph_and_back(self, agent_thread: Path) -> None:
        async with app_for(agent_thread).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            assert isinstance(screen.rows, ThreadRows) and screen.rows.runs == [0, 2]
            screen.choose_run(1)  # the research subgraph
            await pilot.pause()
            assert isinstance(screen.rows, RowCache) and screen.rows.run == 1
            await pilot.press("u")
            await wait_for(pilot, lambda: isinstance(screen.rows, ThreadRows))
            assert screen.selection is not None and screen.selection.run == 0


class TestUsageInTheViews:
    """Usage and cost where a person looks for them."""

    async def test_tokens_view_totals(self, thread_trace: Path) -> None:
        prices = load_prices(PRICES)
        with tracer.open_trace(thread_trace) as trace:
            calls = trace.llm_calls()
            first = usage_of(calls[0].usage)
        assert first is not None
        async with make_app(thread_trace, prices=prices).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            screen.go_to(1, 0)  # triage
            await pilot.press("5")
            view = screen.query_one(TokenTimeline)
            await wait_for(pilot, lambda: any("thread ticket-42" in "".join(t for t, _ in row)
                                             for row in view.view.rows))
            text = "\n".join("".join(t for t, _ in row) for row in view.view.rows)
            price = prices.models["gpt-4o-mini"]
            cost = price.cost(first)
            assert cost is not None
            assert f"step 1: {first.input} in/{first.output} out" in text
            assert "thread ticket-42 (4 runs)" in text
            assert f"${cost:.7f}".rstrip("0") in text  # on the call's label too

    async def test_tokens_view_run_scope_is_the_runs_own(self, thread_trace: Path) -> None:
        """w: every call of the selected run, not of every root run (they share a
        namespace), and its calls by node."""
        async with app_for(thread_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            assert isinstance(screen.rows, ThreadRows)
            screen.go_to(screen.rows.steps(1)[-1], 1)
            await pilot.press("5")
            await pilot.press("w")
            view = screen.query_one(TokenTimeline)
            await wait_for(pilot, lambda: view.scope == "run" and any(
                "by node" in "".join(t for t, _ in row) for row in view.view.rows))
            assert [c.node for c in view.calls] == ["draft"]  # run 1: one call
            text = "\n".join("".join(t for t, _ in row) for row in view.view.rows)
            assert "by node: draft 702 in/140 out" in text

    async def test_tasks_view_names_each_tasks_calls(self, thread_trace: Path) -> None:
        async with app_for(thread_trace).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            screen.go_to(2, 0)  # draft
            await pilot.press("4")
            view = screen.query_one(TasksView)
            await wait_for(pilot, lambda: "LLM" in str(view.text))
            line = next(ln for ln in str(view.text).splitlines() if ln.startswith("  LLM"))
            assert "1 call: 655 in · 160 out · 512 cached · 128 reasoning" in line
            assert "$" not in line  # no price table: no cost

    async def test_unreported_usage_is_said(self, agent_thread: Path) -> None:
        async with app_for(agent_thread).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            assert isinstance(screen.rows, ThreadRows)
            step = next(s for s in screen.rows.steps(2)
                        if screen.rows.row(screen.rows.index_of(s, 2) or 0).llm_calls)
            screen.go_to(step, 2)
            await pilot.press("4")
            view = screen.query_one(TasksView)
            await wait_for(pilot, lambda: "LLM" in str(view.text))
            assert "1 call: usage not reported" in str(view.text)


class TestFollowingAThread:
    """A resume recorded while the trace is followed joins the list, and the selection,
    at the end, moves on to it."""

    async def test_resume_joins_while_following(self, tmp_path: Path) -> None:
        import asyncio

        graph = priced_agent(checkpointer=InMemorySaver())
        config = {"configurable": {"thread_id": "live"}}
        path = tmp_path / "live.stepscope"
        with tracer.record(path):
            graph.invoke({"messages": []}, config)

        def resume() -> None:
            with tracer.record(path, append=True):
                graph.invoke(Command(resume="yes"), config)

        async with app_for(path, follow=True).run_test(size=SIZE) as pilot:
            screen = await opened(pilot)
            await wait_for(pilot, lambda: screen.at_end())
            assert isinstance(screen.rows, RowCache)  # one run so far
            await asyncio.to_thread(resume)
            await wait_for(pilot, lambda: isinstance(screen.rows, ThreadRows)
                           and screen.selection is not None and screen.selection.run == 2
                           and screen.at_end(), timeout=10)
            rows = screen.rows
            assert isinstance(rows, ThreadRows) and rows.runs == [0, 2]
            assert any(rows.is_marker(i) for i in range(len(rows)))
            assert screen.selection is not None
            assert screen.selection.step == rows.steps(2)[-1]
