"""DebugSession on real sample graphs: pausing, stepping, breakpoints, interrupts, stop."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypedDict

import pytest

from engine.graph import END, START, StateGraph
from engine.types import RetryPolicy
from tests.debug.conftest import sample
from tracer import open_trace
from tracer.steps import read_step
from tui.debug.breakpoints import BreakpointError, parse
from tui.debug.session import DebugSession, SessionError
from tui.step_rows import read_row
from tui.views.tasks_data import status, step_tasks

Make = Callable[..., DebugSession]


def _end_status(s: DebugSession, run: int = 0) -> str:
    with open_trace(s.path) as trace:
        return str(trace.read(trace.index.run_ends[run]).data["status"])


def test_pauses_before_every_superstep_and_steps_to_the_end(session: Make) -> None:
    s = session(sample("topic_joke"))
    s.start({"topic": "cats"})
    seen = []
    while (pause := s.wait_paused()) is not None:
        assert pause.where == "step" and pause.reason == "step"
        seen.append((pause.step, pause.tasks))
        assert s.status().state == "paused"
        s.step()
    assert s.wait(5)
    assert seen == [(1, ("refine_topic",)), (2, ("generate_joke",))]
    assert s.status().state == "done"
    assert _end_status(s) == "done"


def test_step_into_stops_before_each_task_and_inside_the_subgraph(session: Make) -> None:
    s = session(sample("subgraph"))
    s.start({"foo": "foo"}, mode="into")
    where = []
    while (pause := s.wait_paused()) is not None:
        scope = "/".join(p.split(":")[0] for p in pause.ns)
        where.append((pause.where, scope, pause.node or ",".join(pause.tasks)))
        s.step_into()
    assert where == [
        ("step", "", "node_1"), ("task", "", "node_1"),
        ("step", "", "node_2"), ("task", "", "node_2"),
        ("step", "node_2", "subgraph_node_1"), ("task", "node_2", "subgraph_node_1"),
        ("step", "node_2", "subgraph_node_2"), ("task", "node_2", "subgraph_node_2"),
    ]


def test_a_breakpoint_on_a_node_inside_a_subgraph_stops_there(session: Make) -> None:
    s = session(sample("subgraph"), "node_2/subgraph_node_2")
    s.start({"foo": "foo"}, mode="continue")
    pause = s.wait_paused()
    assert pause is not None
    assert (pause.where, pause.node, pause.reason) == (
        "task", "subgraph_node_2", "breakpoint before:node_2/subgraph_node_2")
    assert pause.ns[0].startswith("node_2:")
    # The trace so far is on disk: the subgraph's first step is readable now.
    with open_trace(s.path) as trace:
        names = [e.data["name"] for e in trace.events({"task_end"})]
    assert "subgraph_node_1" in names and "subgraph_node_2" not in names
    s.cont()
    assert s.wait_paused() is None and s.wait(5)
    assert s.status().state == "done"


def test_after_and_error_breakpoints(session: Make) -> None:
    s = session(sample("failing"), "error")
    s.start({"x": 0, "log": []}, mode="continue")
    pause = s.wait_paused()
    assert pause is not None and pause.where == "task_done" and pause.node == "parse"
    assert pause.detail.startswith("ValueError: invalid literal for int()")
    s.cont()
    assert s.wait_paused() is None and s.wait(5)
    status = s.status()
    assert status.state == "error" and status.error is not None and "twelve" in status.error


def test_interrupt_pauses_the_run_and_a_resume_value_finishes_it(session: Make) -> None:
    graph = sample("interrupt")
    s = session(graph, "interrupt")
    s.start({"draft": "", "approved": False}, mode="continue")
    pause = s.wait_paused()
    assert pause is not None and pause.reason == "breakpoint interrupt"
    assert "Send this email?" in pause.detail
    s.cont()
    assert s.wait_paused() is None and s.wait(5)
    status = s.status()
    assert status.state == "interrupted"
    assert status.interrupts == ({"question": "Send this email?",
                                  "draft": "Dear team, the release is on Friday."},)
    s.resume("yes", mode="continue")
    pause = s.wait_paused()  # the resumed task runs into interrupt() again: answered now
    assert pause is None and s.wait(5)
    assert s.status().state == "done"
    assert s.graph.get_state(s.config).values["approved"] is True
    with open_trace(s.path) as trace:
        assert len(trace.index.runs) == 2  # the first run and its resume, in one file


def test_answer_an_interrupt_from_its_breakpoint(session: Make) -> None:
    """At the pause right after interrupt() asked, `resume` takes the answer: the run
    goes to where it stops and is resumed with it (no `c` needed first)."""
    s = session(sample("interrupt"), "interrupt")
    s.start({"draft": "", "approved": False}, mode="continue")
    pause = s.wait_paused()
    assert pause is not None and pause.reason == "breakpoint interrupt"
    assert s.asks() == ({"question": "Send this email?",
                         "draft": "Dear team, the release is on Friday."},)
    s.resume("yes", mode="continue")
    deadline = time.monotonic() + 10
    while s.status().state != "done":
        assert time.monotonic() < deadline, s.status()
        time.sleep(0.01)
    assert s.graph.get_state(s.config).values["approved"] is True
    assert _end_status(s, 0) == "interrupted" and _end_status(s, 1) == "done"


def test_nothing_to_answer_when_not_at_an_interrupt(session: Make) -> None:
    s = session(sample("topic_joke"))
    s.start({"topic": "cats"})
    assert s.wait_paused() is not None and s.asks() is None
    with pytest.raises(SessionError, match="not waiting at an interrupt"):
        s.resume("yes")


LOOP_INPUT = {"messages": [], "count": 0}


def test_a_condition_stops_after_the_first_step_that_makes_it_true(session: Make) -> None:
    s = session(sample("long_loop"), "if:state['count'] >= 3")
    s.start(LOOP_INPUT, mode="continue")
    pause = s.wait_paused()
    assert pause is not None
    assert (pause.where, pause.step, pause.reason) == (
        "step_done", 3, "breakpoint if:state['count'] >= 3")
    with open_trace(s.path) as trace:
        assert trace.state_at(3)["count"] == 3


def test_a_bad_expression_is_reported_not_crashed_on(session: Make) -> None:
    s = session(sample("long_loop"), "if:state['nope'] > 1")
    s.start(LOOP_INPUT, mode="continue")
    pause = s.wait_paused()
    assert pause is not None and pause.detail == "the expression raised KeyError: 'nope'"
    s.stop()
    assert s.wait(5) and s.status().state == "stopped"
    with pytest.raises(BreakpointError, match="if: not a Python expression"):
        parse("if:state[")


def test_a_channel_change_breakpoint(session: Make) -> None:
    s = session(sample("topic_joke"), "change:joke")
    s.start({"topic": "cats"}, mode="continue")
    pause = s.wait_paused()
    assert pause is not None and (pause.where, pause.step) == ("step_done", 2)
    s.cont()
    assert s.wait_paused() is None


def test_a_token_breakpoint_pauses_the_model_mid_stream(session: Make) -> None:
    s = session(sample("joke_poem"), "token:sundae")
    s.start({"topic": "ice cream"}, mode="continue")
    pause = s.wait_paused()
    assert pause is not None and pause.where == "token" and pause.node == "write_joke"
    assert pause.detail.endswith("sundae")
    with open_trace(s.path) as trace:  # the tokens so far are on disk; the call has not ended
        texts = "".join(e.data["x"] for e in trace.events({"token"}) if "x" in e.data)
        assert "sundae" in texts
        assert not any(e.data.get("name") == "write_joke" for e in trace.events({"task_end"}))
    s.cont()
    assert s.wait_paused() is None and s.status().state == "done"


def test_unknown_nodes_are_refused_with_the_list_of_nodes() -> None:
    graph = sample("subgraph")
    with pytest.raises(BreakpointError, match=r"no node 'nope' .*node_2/subgraph_node_1"):
        parse("nope", graph.describe())
    with pytest.raises(BreakpointError, match="no channel 'x'"):
        parse("change:x", state_keys=["foo"])
    assert parse("after:node_2/subgraph_node_1", graph.describe()).kind == "after"


def test_stop_while_paused_ends_the_run_as_stopped(session: Make) -> None:
    s = session(sample("topic_joke"))
    s.start({"topic": "cats"})
    assert s.wait_paused() is not None
    s.step()
    assert s.wait_paused() is not None
    s.stop()
    assert s.wait(5)
    assert s.status().state == "stopped"
    assert _end_status(s) == "stopped"
    with pytest.raises(SessionError, match="not waiting at an interrupt"):
        s.resume("x")


def _always_failing_graph(attempts: list[int]) -> Any:
    """One node that fails with ConnectionError every time; its policy would run it six
    times, 0.1 s apart."""

    class S(TypedDict):
        x: int

    def down(state: S) -> dict[str, int]:
        attempts.append(1)
        raise ConnectionError("the server is down")

    policy = RetryPolicy(initial_interval=0.1, backoff_factor=1, max_attempts=6,
                         jitter=False)
    return (StateGraph(S).add_node("down", down, retry_policy=policy)
            .add_edge(START, "down").add_edge("down", END).compile())


def _start_until_first_attempt(s: DebugSession, attempts: list[int]) -> None:
    s.start({"x": 0}, mode="continue")
    deadline = time.monotonic() + 5
    while not attempts:
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_stop_ends_a_node_s_retries(session: Make) -> None:
    """A stop while a node is being retried spares the attempts still to come."""
    attempts: list[int] = []
    s = session(_always_failing_graph(attempts))
    _start_until_first_attempt(s, attempts)
    s.stop()
    assert s.wait(5)
    assert s.status().state == "stopped" and _end_status(s) == "stopped"
    assert len(attempts) <= 2  # the one running when stop came, at most one more
    # The views call the task stopped, not failed: no ✗, `e` does not land on it.
    with open_trace(s.path) as trace:
        entry = trace.step_entry(1, 0)
        (task,) = step_tasks(trace.step_events(1), trace.topology, {"x": 0},
                             step_ended=True)
        assert status(task) == "stopped"
        assert read_row(trace, 0, entry).errors == 0
        assert [t.status for t in read_step(trace, entry).tasks] == ["stopped"]


def test_pause_holds_a_node_s_next_attempt(session: Make) -> None:
    attempts: list[int] = []
    s = session(_always_failing_graph(attempts))
    _start_until_first_attempt(s, attempts)
    s.pause()
    pause = s.wait_paused()
    assert pause is not None and pause.node == "down"
    assert pause.describe() == (
        "before down (step 1) · retry: attempt 2 after ConnectionError: the server is down")
    held = len(attempts)
    time.sleep(0.3)
    assert len(attempts) == held
    s.cont()
    assert s.wait(5) and s.status().state == "error"
    assert len(attempts) == 6


def test_an_async_graph_is_stepped_too(session: Make) -> None:
    from tests.debug.conftest import ROOT
    from tui.target import resolve_target

    target = resolve_target(str(ROOT / "sample_graphs" / "async_writer.py"))
    assert target.graph.has_async_nodes
    s = session(target.graph)
    s.start(target.module.inputs, mode="into")
    kinds = []
    while (pause := s.wait_paused()) is not None:
        kinds.append(pause.where)
        s.step_into()
    assert s.wait(5) and s.status().state == "done"
    assert kinds[:2] == ["step", "task"]


def test_step_out_finishes_the_subgraph(session: Make) -> None:
    """Paused inside node_2's subgraph, step out runs the rest of it and pauses in the
    root, after the step that ran it."""
    s = session(sample("subgraph"), "node_2/subgraph_node_1")
    s.start({"foo": "foo"}, mode="continue")
    pause = s.wait_paused()
    assert pause is not None and pause.ns and pause.node == "subgraph_node_1"
    s.step_out()
    pause = s.wait_paused()
    assert pause is not None and pause.ns == () and pause.reason == "step out"
    with open_trace(s.path) as trace:
        names = [e.data["name"] for e in trace.events({"task_end"})]
    assert "subgraph_node_2" in names  # the subgraph ran to its end
    s.cont()
    assert s.wait(5) and s.status().state == "done"


def test_run_to_a_node(session: Make) -> None:
    s = session(sample("subgraph"))
    s.start({"foo": "foo"})
    assert s.wait_paused() is not None  # before step 1
    s.run_to("node_2/subgraph_node_2")
    pause = s.wait_paused()
    assert pause is not None and (pause.where, pause.node) == ("task", "subgraph_node_2")
    assert pause.reason == "ran to node_2/subgraph_node_2"
    s.cont()
    assert s.wait_paused() is None and s.wait(5)  # used once: no pause the next time
