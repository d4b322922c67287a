"""Time travel: fork a past step (edited or not), live and post-mortem, into one trace."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tracer
from tests.debug.conftest import sample
from tracer import Trace, open_trace
from tui.debug.forking import ForkError, fork_point, parse_state, state_json
from tui.debug.session import DebugSession

Make = Callable[..., DebugSession]


def _tasks(trace: Trace, run: int) -> list[tuple[int, str, str, Any]]:
    out = []
    for step in trace.steps(run):
        for e in trace.step_events(step, run):
            if e.kind == "task_end":
                out.append((step, e.data["name"], e.data["task_id"], e.data["writes"]))
    return out


def _run_to_end(s: DebugSession, input: Any = None, *, fork: Any = None,
                values: Any = None) -> None:
    if fork is None:
        s.start(input, mode="continue")
    else:
        s.fork(fork, values, mode="continue")
    assert s.wait_paused() is None and s.wait(10)


def _live_point(s: DebugSession, run: int, step: int) -> Any:
    with open_trace(s.path) as trace:
        run_id = trace.index.runs[run].run_id
        return fork_point(trace, run, step, s.graph.checkpointer, s.threads[run_id])


def test_an_unedited_fork_reproduces_task_ids_and_writes(session: Make) -> None:
    s = session(sample("topic_joke"))
    _run_to_end(s, {"topic": "cats"})
    point = _live_point(s, 0, 1)
    assert point.triggered == ("generate_joke",) and point.checkpoint_id is not None
    _run_to_end(s, fork=point)
    s.close()
    with open_trace(s.path) as trace:
        assert len(trace.index.runs) == 2
        start = trace.read(trace.index.runs[1].offset).data
        assert start["fork"] == {"run_id": trace.index.runs[0].run_id, "step": 1}
        original = [t for t in _tasks(trace, 0) if t[0] > 1]
        branch = _tasks(trace, 1)
        assert branch == original  # same steps, nodes, task ids and writes
        assert trace.state_at(2, 1) == trace.state_at(2, 0)


def test_an_edited_fork_runs_from_the_edited_state(session: Make) -> None:
    s = session(sample("topic_joke"))
    _run_to_end(s, {"topic": "cats"})
    point = _live_point(s, 0, 1)
    edited = json.loads(state_json(point.values))
    assert edited == {"topic": "cats and cats"}
    edited["topic"] = "dogs"
    values = parse_state(json.dumps(edited), point)
    assert values == {"topic": "dogs"}
    _run_to_end(s, fork=point, values=values)
    assert s.graph.get_state(s.config).values == {
        "topic": "dogs", "joke": "This is a joke about dogs"}
    assert parse_state(state_json(point.values), point) is None  # unchanged → None


def test_the_editor_refuses_bad_state_and_says_why(session: Make) -> None:
    s = session(sample("topic_joke"))
    _run_to_end(s, {"topic": "cats"})
    point = _live_point(s, 0, 1)
    with pytest.raises(ForkError, match=r"not valid JSON: .* \(line 1, column 11\)"):
        parse_state('{"topic": ', point)
    with pytest.raises(ForkError, match="must be a JSON object, not list"):
        parse_state("[1]", point)
    with pytest.raises(ForkError, match="not a state key: colour"):
        parse_state('{"colour": "red"}', point)


def test_messages_edited_as_json_become_messages_again(session: Make) -> None:
    from engine.messages import AIMessage, HumanMessage
    from tui.debug.forking import ForkPoint

    reducers: dict[str, str | None] = {"messages": "engine.graph.message.add_messages"}
    point = ForkPoint(0, "r", 1, {"messages": [HumanMessage("hi", id="1")]}, (), (), None,
                      {}, reducers)
    data = json.loads(state_json(point.values))
    data["messages"].append({"type": "ai", "content": "hello", "id": "2"})
    values = parse_state(json.dumps(data), point)
    assert values is not None
    assert [type(m) for m in values["messages"]] == [HumanMessage, AIMessage]
    assert values["messages"][1].content == "hello"
    data["messages"].append({"content": "no type"})
    with pytest.raises(ForkError, match=r"messages\[2\] is not a message"):
        parse_state(json.dumps(data), point)


def test_post_mortem_fork_of_a_recorded_trace_appends_a_branch(tmp_path: Path) -> None:
    graph = sample("map_reduce")
    path = tmp_path / "recorded.stepscope"
    with tracer.record(path):
        graph.invoke({"subjects": ["lions", "otters"]})
    with open_trace(path) as trace:
        point = fork_point(trace, 0, 0)  # no checkpointer, no saver: all from the trace
    assert [s.node for s in point.sends] == ["generate_joke", "generate_joke"]
    assert [s.arg for s in point.sends] == [{"subject": "lions"}, {"subject": "otters"}]
    session = DebugSession(graph, path, append=True)
    try:
        _run_to_end(session, fork=point)
    finally:
        session.close()
    with open_trace(path) as trace:
        roots = [r for r in trace.index.runs if not r.ns]
        assert len(roots) == 2
        fork_run = trace.index.runs.index(roots[1])
        # Sibling tasks finish in any order (they sleep at random): compare as sets.
        original = sorted(repr((t[0], t[1], t[3])) for t in _tasks(trace, 0) if t[0] > 0)
        branch = sorted(repr((t[0], t[1], t[3])) for t in _tasks(trace, fork_run))
        assert branch == original
        last = trace.steps(0)[-1]
        assert trace.state_at(last, fork_run) == trace.state_at(last, 0)


def test_forks_only_from_root_steps_that_exist(tmp_path: Path) -> None:
    path = tmp_path / "sub.stepscope"
    with tracer.record(path):
        sample("subgraph").invoke({"foo": "foo"})
    with open_trace(path) as trace:
        with pytest.raises(ForkError, match="root graph's steps"):
            fork_point(trace, 1, 1)
        with pytest.raises(ForkError, match="run 0 has no step 9"):
            fork_point(trace, 0, 9)


def test_an_unedited_fork_of_a_loop_repeats_every_later_write(session: Make) -> None:
    s = session(sample("long_loop"))
    _run_to_end(s, {"messages": ["m"] * 1990, "count": 0})  # stops at 2000: 10 steps
    with open_trace(s.path) as trace:
        steps = trace.steps(0)
    assert steps[-1] == 10
    _run_to_end(s, fork=_live_point(s, 0, 4))
    with open_trace(s.path) as trace:
        original = [t for t in _tasks(trace, 0) if t[0] > 4]
        branch = _tasks(trace, 1)
        assert [(t[0], t[1], t[3]) for t in branch] == [(t[0], t[1], t[3]) for t in original]
        assert branch[0][2] == original[0][2]  # planned from the forked checkpoint
        assert trace.state_at(10, 1) == trace.state_at(10, 0)


def test_a_step_that_did_not_finish_is_refused_with_the_step_to_use(tmp_path: Path) -> None:
    path = tmp_path / "failed.stepscope"
    with tracer.record(path), pytest.raises(ValueError):
        sample("failing").invoke({"x": 0, "log": []})
    with open_trace(path) as trace:
        with pytest.raises(ForkError, match=r"step 1 did not finish .* fork from step 0"):
            fork_point(trace, 0, 1)
        assert fork_point(trace, 0, 0).triggered == ("fetch", "parse")


def test_inspect_names_a_fork_and_a_resume(tmp_path: Path) -> None:
    """`inspect` says where a fork branched from (it called it "root"), and marks a
    resume as one."""
    from tests.cli.runner import run_cli

    s = DebugSession(sample("interrupt"), tmp_path / "f.stepscope")
    try:
        s.start({"draft": "", "approved": False}, mode="continue")
        assert s.wait(5) and s.status().state == "interrupted"
        s.resume("yes", mode="continue")
        assert s.wait(5) and s.status().state == "done"
        with open_trace(s.path) as trace:
            point = fork_point(trace, 0, 1)
        s.fork(point, None, mode="continue")
        assert s.wait(5)
    finally:
        s.close()
    result = run_cli("inspect", str(tmp_path / "f.stepscope"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "run 1 · resumed ·" in result.stdout
    assert "run 2 · fork of run 0 after step 1 ·" in result.stdout
    report = run_cli("inspect", "--json", str(tmp_path / "f.stepscope"), cwd=tmp_path)
    runs = json.loads(report.stdout)["runs"]
    assert [r["fork"] for r in runs][2]["run"] == 0 and runs[1]["resumed"] is True
