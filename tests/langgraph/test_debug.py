"""The debugger's session driving real LangGraph: pauses, breakpoints, interrupts,
stop and forks, each checked against the trace it records."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("langgraph")

from tests.langgraph import agents, graphs
from tracer import open_trace, record
from tui.debug.breakpoints import BreakpointSet, parse
from tui.debug.forking import fork_point, parse_state, state_json
from tui.debug.postmortem import frames_of, start_frame
from tui.debug.runtime import runtime_for
from tui.debug.session import DebugSession, SessionError

Make = Callable[..., DebugSession]


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Make]:
    made: list[DebugSession] = []

    def make(graph: Any, *breaks: str) -> DebugSession:
        topology = runtime_for(graph).topology(graph)
        points = BreakpointSet(parse(b, topology, topology.get("state_keys")) for b in breaks)
        s = DebugSession(graph, tmp_path / f"t{len(made)}.stepscope", breakpoints=points)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def _statuses(s: DebugSession) -> list[str]:
    with open_trace(s.path) as trace:
        ends = trace.index.run_ends
        return [str(trace.read(ends[run]).data["status"]) for run in sorted(ends)]


def test_runs_on_langgraph_and_pauses_before_every_step(session: Make) -> None:
    s = session(graphs.linear())
    assert s.runtime.name == "langgraph"
    s.start({"n": 0, "log": []})
    seen = []
    while (pause := s.wait_paused()) is not None:
        assert pause.where == "step" and s.status().state == "paused"
        seen.append((pause.step, pause.tasks))
        s.step()
    assert s.wait(5) and s.status().state == "done"
    assert seen == [(1, ("a",)), (2, ("b",))]
    with open_trace(s.path) as trace:
        assert trace.run_start.data["engine_version"].startswith("langgraph 1.2.")
        assert trace.state_at(2) == {"n": 1, "log": ["a", "b"]}
    assert _statuses(s) == ["done"]


def test_step_into_reaches_a_node_three_graphs_deep(session: Make) -> None:
    s = session(graphs.three_deep())
    s.start({"n": 0, "log": []}, mode="into")
    where = []
    while (pause := s.wait_paused()) is not None:
        scope = "/".join(p.split(":")[0] for p in pause.ns)
        where.append((pause.where, scope, pause.node or ",".join(pause.tasks)))
        s.step_into()
    assert s.wait(5) and s.status().state == "done"
    assert ("task", "mid/leaf", "work") in where
    assert where.index(("step", "mid", "pre")) < where.index(("task", "mid/leaf", "work"))


def test_breakpoints_before_and_after_nodes_in_subgraphs(session: Make) -> None:
    s = session(graphs.three_deep(), "mid/leaf/work", "after:done")
    s.start({"n": 0, "log": []}, mode="continue")
    pause = s.wait_paused()
    assert pause is not None
    assert (pause.where, pause.node, pause.reason) == (
        "task", "work", "breakpoint before:mid/leaf/work")
    assert [p.split(":")[0] for p in pause.ns] == ["mid", "leaf"]
    with open_trace(s.path) as trace:  # the trace up to the pause is readable now
        names = [e.data["name"] for e in trace.events({"task_end"})]
    assert "pre" in names and "work" not in names
    s.cont()
    pause = s.wait_paused()
    assert pause is not None and (pause.where, pause.node) == ("task_done", "done")
    s.cont()
    assert s.wait_paused() is None and s.wait(5)
    assert s.status().state == "done"


def test_if_change_and_error_breakpoints(session: Make) -> None:
    s = session(graphs.linear(), "if:len(state['log']) > 1", "change:log")
    s.start({"n": 0, "log": []}, mode="continue")
    pause = s.wait_paused()
    assert pause is not None and pause.where == "step_done" and pause.step == 1
    assert pause.reason == "breakpoint change:log"
    s.breakpoints.remove(next(b for b in s.breakpoints if b.kind == "change"))
    s.cont()
    pause = s.wait_paused()
    assert pause is not None and pause.reason == "breakpoint if:len(state['log']) > 1"
    assert pause.step == 2
    s.cont()
    assert s.wait(5)
    failing = session(graphs.failing(), "error")
    failing.start({"n": 0, "log": []}, mode="continue")
    pause = failing.wait_paused()
    assert pause is not None and pause.node == "bad" and "node bad failed" in pause.detail
    error = failing.post_mortem()  # the post-mortem's frames: LangGraph's, down to bad's
    assert error is not None and str(error) == "node bad failed"
    frames = frames_of(error)
    assert frames[start_frame(frames)].function == "bad"
    failing.cont()
    assert failing.wait(5) and failing.status().state == "error"
    assert _statuses(failing) == ["error"]


def test_interrupt_breakpoint_then_answer(session: Make) -> None:
    s = session(graphs.asks_human(), "interrupt")
    s.start({"n": 0, "log": []}, mode="continue")
    pause = s.wait_paused()
    assert pause is not None and pause.node == "ask" and "name?" in pause.detail
    s.cont()
    assert s.wait(5)
    status = s.status()
    assert status.state == "interrupted" and status.interrupts == ({"question": "name?"},)
    s.resume("Ada", mode="continue")
    assert s.wait_paused() is None and s.wait(5)
    assert s.status().state == "done"
    assert s.graph.get_state(s.config).values["log"] == ["prep", "answer:Ada"]
    assert _statuses(s) == ["interrupted", "done"]
    with open_trace(s.path) as trace:
        assert [r.data["resumed"] for r in map(trace.read, (r.offset for r in
                                                           trace.index.runs))] == [False, True]


def test_stop_ends_the_run_as_stopped(session: Make) -> None:
    s = session(graphs.linear())
    s.start({"n": 0, "log": []})
    assert s.wait_paused() is not None
    s.stop()
    assert s.wait(5) and s.status().state == "stopped"
    assert _statuses(s) == ["stopped"]


@pytest.mark.parametrize("edited", [False, True])
def test_fork_a_past_step_in_the_same_thread(session: Make, edited: bool) -> None:
    s = session(graphs.linear())
    s.start({"n": 0, "log": []}, mode="continue")
    assert s.wait(5) and s.status().state == "done"
    with open_trace(s.path) as trace:
        point = fork_point(trace, 0, 1, s.runtime.saver(s.graph),
                           s.threads.get(str(trace.index.runs[0].run_id)))
    assert point.values == {"n": 1, "log": ["a"]} and point.ran == ("a",)
    values = {"n": 5, "log": ["x"]} if edited else None
    s.fork(point, values, mode="continue")
    assert s.wait(5) and s.status().state == "done"
    final = s.graph.get_state(s.config).values
    assert final == ({"n": 5, "log": ["x", "b"]} if edited else {"n": 1, "log": ["a", "b"]})
    assert len(set(s.threads.values())) == 1  # a fork is a run of the same thread
    with open_trace(s.path) as trace:
        fork = trace.read(trace.index.runs[1].offset).data["fork"]
        assert fork == {"run_id": point.run_id, "step": 1}
        assert trace.state_at(trace.steps(1)[-1], 1) == final


def test_fork_an_agent_with_an_edited_tool_call(session: Make) -> None:
    """The state edited as JSON (as the fork editor does) goes back into LangGraph as
    LangChain messages; the fork runs the tool with the edited arguments."""
    s = session(agents.langchain_agent(runs=2))
    s.start(agents.QUESTION, mode="continue")
    assert s.wait(5) and s.status().state == "done"
    with open_trace(s.path) as trace:
        point = fork_point(trace, 0, 1, s.runtime.saver(s.graph),
                           s.threads.get(str(trace.index.runs[0].run_id)))
    assert point.ran == ("model",) and point.next_nodes == ["tools"]
    data = json.loads(state_json(point.values))
    data["messages"][-1]["tool_calls"][0]["args"]["city"] = "Paris"
    edited = parse_state(json.dumps(data), point)
    s.fork(point, edited, mode="continue")
    assert s.wait(5) and s.status().state == "done", s.status().error
    messages = s.graph.get_state(s.config).values["messages"]
    # then the model's script asks for Tokyo again and answers (six messages)
    assert [type(m).__module__.split(".")[0] for m in messages] == ["langchain_core"] * 6
    assert [m.content for m in messages][1:3] == ["", "sunny in Paris"]
    assert messages[1].tool_calls[0]["args"] == {"city": "Paris"}


def test_a_fork_langgraph_refuses_says_why(session: Make) -> None:
    """update_state is LangGraph's: when it refuses, the session says so. Here the fork
    point comes from a trace of an older version of the graph, whose node was renamed."""
    s = session(graphs.linear())
    s.start({"n": 0, "log": []}, mode="continue")
    assert s.wait(5)
    with open_trace(s.path) as trace:
        point = fork_point(trace, 0, 1)
    renamed = dataclasses.replace(point, run_id="from-another-process", ran=("alpha",),
                                  checkpoint_id=None)  # as from a run with no checkpointer
    with pytest.raises(SessionError, match=r"LangGraph's update_state refused the state: "
                                           r"InvalidUpdateError: .*alpha"):
        s.fork(renamed, None)
    assert not s.active


def test_a_fork_of_a_recorded_run_seeds_a_new_thread(session: Make) -> None:
    """Post-mortem (no checkpoint of the step in this process): the step's state is
    written as the update of the node that ran it, in a new thread, and the run goes on."""
    s = session(graphs.linear())
    s.start({"n": 0, "log": []}, mode="continue")
    assert s.wait(5)
    with open_trace(s.path) as trace:
        point = fork_point(trace, 0, 1)
    elsewhere = dataclasses.replace(point, run_id="recorded-elsewhere", checkpoint_id=None)
    s.fork(elsewhere, {"n": 7, "log": ["z"]}, mode="continue")
    assert s.wait(5) and s.status().state == "done", s.status().error
    assert s.graph.get_state(s.config).values == {"n": 7, "log": ["z", "b"]}
    assert len(set(s.threads.values())) == 2


def test_a_fork_of_a_recorded_run_starts_from_its_saved_checkpoint(
        session: Make, tmp_path: Path) -> None:
    """A trace recorded with a checkpointer names each saved checkpoint; when the
    checkpointer still has it (persistent, or as here the same one), a post-mortem fork
    starts from it, in the recorded thread, with LangGraph's own history."""
    graph = graphs.asks_human()
    recorded = tmp_path / "recorded.stepscope"
    config = {"configurable": {"thread_id": "original"}}
    with record(recorded):
        graph.invoke({"n": 0, "log": []}, config)
    with open_trace(recorded) as trace:
        point = fork_point(trace, 0, 1)
    assert point.thread_id == "original" and point.checkpoint_id is not None
    saved = graph.get_state({"configurable": {**config["configurable"],
                                              "checkpoint_id": point.checkpoint_id}})
    assert saved.metadata is not None and saved.metadata["step"] == 1
    s = session(graph)
    s.fork(point, {"n": 9, "log": ["edited"]}, mode="continue")
    assert s.wait(5) and s.status().state == "interrupted"  # `ask` asks again
    assert s.config["configurable"]["thread_id"] == "original"
    assert graph.get_state(config).values == {"n": 9, "log": ["edited"]}


def test_a_token_breakpoint_pauses_in_the_model_call(session: Make) -> None:
    s = session(agents.langchain_agent(), "token:sunny")
    s.start(agents.QUESTION, mode="continue")
    pause = s.wait_paused()
    assert pause is not None and pause.where == "token" and pause.node == "model"
    assert "sunny in Tokyo" in pause.detail
    s.cont()
    assert s.wait_paused() is None and s.wait(5) and s.status().state == "done"


def test_paused_time_is_not_run_time_on_langgraph(session: Make) -> None:
    s = session(graphs.linear())
    s.start({"n": 0, "log": []})
    while s.wait_paused() is not None:
        time.sleep(0.4)
        s.step()
    assert s.wait(5)
    with open_trace(s.path) as trace:
        (end,) = trace.events({"run_end"})
        assert end.data["duration"] < 0.3e9  # two pauses of 0.4 s, left out
