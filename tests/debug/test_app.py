"""Pilot tests of `stepscope debug`'s screen: keys drive a real graph run, the views follow."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict

from textual.pilot import Pilot
from textual.widgets import Input, TabbedContent, TextArea

from engine.graph import END, START, StateGraph
from tests.debug.conftest import sample
from tui.app import DebugApp
from tui.debug.breakpoints import BreakpointSet, parse
from tui.debug.session import DebugSession
from tui.screens.debug import DebugScreen, resume_value
from tui.widgets.token_timeline import TokenTimeline

SIZE = (120, 36)


async def until(pilot: Pilot[Any], ok: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not ok():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.02)


def _app(graph: Any, path: Path, input: Any, *breaks: str, mode: str = "step") -> DebugApp:
    points = BreakpointSet(parse(b, graph.describe()) for b in breaks)
    return DebugApp(DebugSession(graph, path, breakpoints=points), input=input, mode=mode)


def _screen(app: DebugApp) -> DebugScreen:
    screen = app.main
    assert isinstance(screen, DebugScreen)
    return screen


def _bar(app: DebugApp) -> str:
    return str(app.main.query_one("#debug-bar").render())


async def test_step_keys_walk_the_run_and_the_views_follow(tmp_path: Path) -> None:
    app = _app(sample("topic_joke"), tmp_path / "t.stepscope", {"topic": "cats"})
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        await until(pilot, lambda: s.status().state == "paused")
        assert "before step 1 (refine_topic)" in _bar(app)
        await pilot.press("s")
        await until(pilot, lambda: (p := s.status().pause) is not None and p.step == 2)
        screen = _screen(app)
        await until(pilot, lambda: screen.selection is not None and screen.selection.step == 1)
        assert "before step 2 (generate_joke)" in _bar(app)
        await pilot.press("c")
        await until(pilot, lambda: s.status().state == "done")
        await until(pilot, lambda: "done" in _bar(app))
        assert s.graph.get_state(s.config).values["joke"] == (
            "This is a joke about cats and cats")
        await pilot.press("s")  # nothing to step now: a warning, no crash
        await pilot.pause()
        assert s.status().state == "done"


async def test_debug_keys_win_over_a_focused_view(tmp_path: Path) -> None:
    """With the Tokens or Custom view focused, s still steps (their step/run key is w)."""
    app = _app(sample("topic_joke"), tmp_path / "t.stepscope", {"topic": "cats"})
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        await until(pilot, lambda: s.status().state == "paused")
        screen = _screen(app)
        tokens = screen.query_one(TokenTimeline)
        await pilot.press("5")
        tokens.focus()
        await pilot.pause()
        assert screen.focused is tokens
        await pilot.press("s")
        await until(pilot, lambda: (p := s.status().pause) is not None and p.step == 2)
        assert tokens.scope == "step"
        await pilot.press("w")
        assert tokens.scope == "run"


async def test_a_subgraph_breakpoint_from_the_command_line_shows_the_subgraph(
        tmp_path: Path) -> None:
    app = _app(sample("subgraph"), tmp_path / "t.stepscope", {"foo": "foo"},
               "node_2/subgraph_node_2", mode="continue")
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        await until(pilot, lambda: s.status().pause is not None)
        pause = s.status().pause
        assert pause is not None and pause.node == "subgraph_node_2"
        screen = _screen(app)
        await until(pilot, lambda: screen.selection is not None and screen.selection.run == 1)
        assert screen.trace is not None and screen.trace.index.runs[1].ns == tuple(pause.ns)
        await pilot.press("c")
        await until(pilot, lambda: s.status().state == "done")


async def test_interrupt_answered_in_the_ui_resumes_the_run(tmp_path: Path) -> None:
    app = _app(sample("interrupt"), tmp_path / "t.stepscope",
               {"draft": "", "approved": False}, mode="continue")
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        await until(pilot, lambda: s.status().state == "interrupted")
        await until(pilot, lambda: "Send this email?" in _bar(app))
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen.focused, Input))
        await pilot.press(*'"yes"', "enter")
        # It goes on as it went before the interrupt (continue), to the end, and the
        # views follow it: the resumed run (run 1) at its last step, its state answered.
        await until(pilot, lambda: s.status().state == "done")
        assert s.graph.get_state(s.config).values["approved"] is True
        screen = _screen(app)
        await until(pilot, lambda: screen.selection is not None and screen.selection.run == 1
                    and screen.rows is not None and screen.trace is not None
                    and screen.selection.step == screen.trace.steps(1)[-1])
        assert screen.trace is not None and len(screen.trace.index.runs) == 2
        assert screen.selection is not None
        assert screen.trace.state_at(screen.selection.step, 1)["approved"] is True


async def test_r_answers_at_the_interrupt_breakpoint(tmp_path: Path) -> None:
    """With --break interrupt, r at that pause asks for the answer and resumes with it
    (before, it said the run was not waiting at an interrupt until c was pressed)."""
    app = _app(sample("interrupt"), tmp_path / "t.stepscope",
               {"draft": "", "approved": False}, "interrupt", mode="continue")
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        await until(pilot, lambda: (p := s.status().pause) is not None
                    and p.reason == "breakpoint interrupt")
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen.focused, Input))
        await pilot.press(*'"yes"', "enter")
        await until(pilot, lambda: s.status().state == "done")
        assert s.graph.get_state(s.config).values["approved"] is True


def test_resume_answers_are_json_or_bare_words() -> None:
    assert resume_value('{"a": 1}') == {"a": 1}
    assert resume_value("yes") == "yes"
    assert resume_value(" 42 ") == 42
    for bad in ('{"a": ', "[1,", ""):
        try:
            resume_value(bad)
        except ValueError as exc:
            assert str(exc).startswith("not JSON")
        else:
            raise AssertionError(f"{bad!r} accepted")


async def test_fork_here_with_an_edited_state_records_a_branch(tmp_path: Path) -> None:
    app = _app(sample("topic_joke"), tmp_path / "t.stepscope", {"topic": "cats"},
               mode="continue")
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        await until(pilot, lambda: s.status().state == "done")
        screen = _screen(app)
        await until(pilot, lambda: screen.rows is not None and len(screen.rows) == 3)
        screen.go_to(1)
        await pilot.press("F")
        await until(pilot, lambda: isinstance(app.screen.focused, TextArea))
        editor = app.screen.focused
        assert isinstance(editor, TextArea)
        assert '"topic": "cats and cats"' in editor.text
        editor.text = editor.text.replace('"topic"', "topic")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "not valid JSON" in str(app.screen.query_one("#fork-error").render())
        editor.text = '{"topic": "dogs"}'
        await pilot.press("ctrl+s")
        await until(pilot, lambda: s.status().state == "paused")
        await pilot.press("c")
        await until(pilot, lambda: s.status().state == "done")
        assert s.graph.get_state(s.config).values == {
            "topic": "dogs", "joke": "This is a joke about dogs"}
        await until(pilot, lambda: screen.trace is not None and len(screen.trace.index.runs) == 2)
        assert screen.trace is not None
        start = screen.trace.read(screen.trace.index.runs[1].offset).data
        assert start["fork"]["step"] == 1


async def test_breakpoints_panel_adds_refuses_and_removes(tmp_path: Path) -> None:
    app = _app(sample("subgraph"), tmp_path / "t.stepscope", {"foo": "foo"})
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        await until(pilot, lambda: s.status().state == "paused")
        await pilot.press("B")
        await until(pilot, lambda: isinstance(app.screen.focused, Input))
        await pilot.press(*"after:nope", "enter")
        await pilot.pause()
        assert "no node 'nope'" in str(app.screen.query_one("#bp-error").render())
        assert not len(s.breakpoints)
        app.screen.query_one(Input).value = "after:node_1"
        await pilot.press("enter")
        await pilot.pause()
        assert [b.text for b in s.breakpoints] == ["after:node_1"]
        app.screen.query_one("#bp-list").focus()
        await pilot.press("delete")
        await pilot.pause()
        assert not len(s.breakpoints)
        app.screen.query_one(Input).value = "after:node_1"
        app.screen.query_one(Input).focus()
        await pilot.press("enter", "escape")
        await pilot.pause()
        await pilot.press("c")  # the breakpoint set in the panel stops the run
        await until(pilot, lambda: (p := s.status().pause) is not None and p.node == "node_1")
        pause = s.status().pause
        assert pause is not None and pause.where == "task_done"


class _Sleepy(TypedDict):
    n: int


def _sleepy_graph() -> Any:
    """Three steps of a node that sleeps 2 s each (time for every key press to land
    while one is asleep, even on a loaded machine)."""
    def slow(state: _Sleepy) -> dict[str, int]:
        time.sleep(2)
        return {"n": state["n"] + 1}

    return (StateGraph(_Sleepy).add_node("slow", slow).add_edge(START, "slow")
            .add_conditional_edges("slow", lambda s: "slow" if s["n"] < 3 else END,
                                   ["slow", END])
            .compile())


async def test_keys_are_handled_while_a_node_sleeps(tmp_path: Path) -> None:
    """The UI never waits on the run: each key takes effect while the node that was
    running when it was pressed is still asleep (its 2 s sleep, not the key, is what a
    blocked UI would wait for). Latency itself is for a benchmark, not a unit test on a
    busy machine."""
    gc.collect()
    gc.freeze()  # earlier tests' garbage: a full collection of it is not the UI's latency
    try:
        await _keys_while_sleeping(tmp_path)
    finally:
        gc.unfreeze()


async def _keys_while_sleeping(tmp_path: Path) -> None:
    app = _app(_sleepy_graph(), tmp_path / "t.stepscope", {"n": 0})
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        await until(pilot, lambda: s.status().state == "paused")
        tabs = app.main.query_one(TabbedContent)
        for key in "12341":  # each view's first showing (mounting it) happens before
            await pilot.press(key)
        await pilot.press("c")
        measured: list[float] = []
        for key, tab in (("2", "state"), ("3", "diff"), ("1", "graph"), ("4", "tasks")):
            await until(pilot, lambda: bool(s.status().running))
            asleep = s.status().running
            started = time.monotonic()
            pressing = asyncio.ensure_future(pilot.press(key))
            while tabs.active != tab:  # the key's effect, not the repaint after it
                assert time.monotonic() - started < 1.5, f"{key} was not handled"
                await asyncio.sleep(0.002)
            measured.append(time.monotonic() - started)
            assert s.status().running == asleep, (
                f"{key} took effect only after the node woke up ({measured[-1]:.2f} s)")
            await pressing
        assert "running: slow" in _bar(app)
        s.stop()


async def test_replay_a_recorded_trace_and_fork_from_it(tmp_path: Path) -> None:
    import tracer
    from tui.run_paths import run_nodes
    from tui.step_rows import RowCache

    graph = sample("topic_joke")
    path = tmp_path / "recorded.stepscope"
    with tracer.record(path):
        graph.invoke({"topic": "cats"})
    session = DebugSession(graph, path, append=True)
    app = DebugApp(session, start=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = _screen(app)
        await until(pilot, lambda: screen.rows is not None and len(screen.rows) == 3)
        assert "idle" in _bar(app) and "F forks" in _bar(app)
        screen.go_to(1)
        await pilot.press("F")
        await until(pilot, lambda: isinstance(app.screen.focused, TextArea))
        await pilot.press("ctrl+s")  # unedited
        await until(pilot, lambda: session.status().state == "paused")
        await pilot.press("c")
        await until(pilot, lambda: session.status().state == "done")
        await until(pilot, lambda: screen.trace is not None and len(screen.trace.index.runs) == 2)
        assert screen.trace is not None
        nodes = run_nodes(screen.trace)
        assert [(n.parent, n.label) for n in nodes] == [
            (None, "topic-joke"), (0, "⑂ fork @ step 1 · run 1")]
        assert screen.trace.state_at(2, 1) == screen.trace.state_at(2, 0)
        rows = RowCache(screen.trace, 0)  # the step list of the original run: ⑂ at step 1
        index = rows.index_of(1)
        assert index is not None and rows.row(index).marks == "⑂1"
        screen.choose_run(0)
        await pilot.pause()
        assert screen.rows is not None and screen.rows.row(index).forks == 1


async def test_b_toggles_a_breakpoint_on_the_graph_views_node(tmp_path: Path) -> None:
    from tui.widgets.graph_view import GraphView

    app = _app(sample("subgraph"), tmp_path / "t.stepscope", {"foo": "foo"})
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        await until(pilot, lambda: s.status().state == "paused")
        graph = app.main.query_one(GraphView)
        await until(pilot, lambda: graph.layout_ is not None)
        graph.focus()
        await pilot.press("right_square_bracket")  # the cursor on the first node
        await until(pilot, lambda: graph.cursor is not None)
        path = graph.cursor_path()
        assert path == "node_1"
        await pilot.press("b")
        await pilot.pause()
        assert [b.text for b in s.breakpoints] == ["before:node_1"]
        assert graph.breakpoints == frozenset({"node_1"})
        await pilot.press("b")
        await pilot.pause()
        assert not len(s.breakpoints) and not graph.breakpoints
        await pilot.press("b", "right_square_bracket", "b")  # node_2, the subgraph node
        await pilot.pause()
        assert [b.text for b in s.breakpoints] == ["before:node_1", "before:node_2"]
        await pilot.press("c")
        await until(pilot, lambda: (p := s.status().pause) is not None and p.node == "node_1")


async def test_the_views_catch_up_with_a_pause_mid_step(tmp_path: Path) -> None:
    """Paused at a token: breakpoint, the Tokens view shows the tokens up to the pause
    (it follows the live step's events, not only new steps)."""
    app = _app(sample("joke_poem"), tmp_path / "t.stepscope", {"topic": "ice cream"},
               "token:sundae", mode="continue")
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        await pilot.press("5")
        await until(pilot, lambda: s.status().pause is not None)
        pause = s.status().pause
        assert pause is not None
        tokens = _screen(app).query_one(TokenTimeline)

        def joke_text() -> str:
            calls = [c for c in tokens.calls if c.node == "write_joke"]
            return "".join(t for _, t in calls[0].tokens) if calls else ""

        await until(pilot, lambda: joke_text().endswith("sundae"), timeout=5)
        assert pause.detail.endswith(joke_text()[-39:].replace("\n", " "))
        await pilot.press("c")
        await until(pilot, lambda: s.status().state == "done")


async def test_the_tasks_view_right_after_a_fork(tmp_path: Path) -> None:
    """The fork's run has no step when the views move to it: the Tasks view waits for
    its first step (it said "tasks unavailable: KeyError: 'run 1 has no step 0'")."""
    from textual.widgets import Static

    from tui.widgets.tasks_view import TasksView

    app = _app(sample("topic_joke"), tmp_path / "t.stepscope", {"topic": "cats"},
               mode="continue")
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        await until(pilot, lambda: s.status().state == "done")
        screen = _screen(app)
        await until(pilot, lambda: screen.rows is not None and len(screen.rows) == 3)
        await pilot.press("4")
        screen.go_to(1)
        shown: list[str] = []
        view = screen.query_one(TasksView)

        def watch() -> bool:
            shown.extend(str(w.render()) for w in view.query(Static))
            return s.status().state == "paused"

        await pilot.press("F")
        await until(pilot, lambda: isinstance(app.screen.focused, TextArea))
        await pilot.press("ctrl+s")  # unedited
        await until(pilot, watch)
        # (The views moved to the fork's run only if the trace showed it before the
        # pause was announced; now they wait for it.)
        await until(pilot, lambda: screen.selection is not None and screen.selection.run == 1)
        await pilot.pause(0.3)
        watch()
        assert not any("unavailable" in text for text in shown), shown


async def test_run_to_the_graph_cursor_node(tmp_path: Path) -> None:
    """T runs to the Graph view's cursor node (a breakpoint used once)."""
    from tui.widgets.graph_view import GraphView

    app = _app(sample("subgraph"), tmp_path / "t.stepscope", {"foo": "foo"})
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        await until(pilot, lambda: s.status().state == "paused")
        await pilot.press("1")
        view = _screen(app).query_one(GraphView)
        await until(pilot, lambda: view.canvas is not None)
        while view.cursor != "node_2":
            await pilot.press("right_square_bracket")
        await pilot.press("T")
        await until(pilot, lambda: (p := s.status().pause) is not None
                    and p.reason == "ran to node_2")
        await pilot.press("c")
        await until(pilot, lambda: s.status().state == "done")


async def test_ide_function_keys_drive_the_run(tmp_path: Path) -> None:
    """F10 steps, F11 steps into, F5 continues (the keys of most IDE debuggers)."""
    app = _app(sample("topic_joke"), tmp_path / "t.stepscope", {"topic": "cats"})
    async with app.run_test(size=SIZE) as pilot:
        s = app.session
        await until(pilot, lambda: (p := s.status().pause) is not None and p.step == 1)
        await pilot.press("f10")
        await until(pilot, lambda: (p := s.status().pause) is not None and p.step == 2)
        await pilot.press("f11")
        await until(pilot, lambda: (p := s.status().pause) is not None and p.where == "task")
        await pilot.press("f5")
        await until(pilot, lambda: s.status().state == "done")
