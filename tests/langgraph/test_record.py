"""Real LangGraph runs recorded with `tracer.record`: the trace's state at every step is
LangGraph's own `values`, its task writes are LangGraph's `updates`, and the program's
stream is the same with and without recording."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("langgraph")

from langgraph.types import Command

from tests.langgraph import graphs
from tests.langgraph.helpers import (
    stream_updates,
    stream_values,
    trace_updates,
    trace_values,
)
from tracer import open_trace, record

MODES = ["values", "updates", "custom"]


def recorded(path: Path, graph: Any, inp: Any, config: Any = None,
             **kwargs: Any) -> list[Any]:
    with record(path):
        return list(graph.stream(inp, config, stream_mode=MODES, **kwargs))


def _value(interrupt: Any) -> Any:
    """A recorded Interrupt's value (it reads back as its class name and fields)."""
    fields = getattr(interrupt, "fields", None)
    return fields["value"] if isinstance(fields, dict) else interrupt.value


CASES = {
    "linear": (graphs.linear, {"n": 0, "log": []}),
    "loop": (graphs.loop, {"n": 0, "log": []}),
    "fan_out": (graphs.fan_out, {"items": ["x", "y", "z"], "done": []}),
}


@pytest.mark.parametrize("case", sorted(CASES))
class TestStepsMatchLangGraph:
    def test_values_and_updates(self, case: str, tmp_path: Path) -> None:
        """state_at(step) is LangGraph's `values` item for that step; the recorded task
        writes are its `updates` items."""
        build, inp = CASES[case]
        chunks = recorded(tmp_path / "t.stepscope", build(), inp)
        with open_trace(tmp_path / "t.stepscope") as trace:
            assert trace.finished and trace.run_complete(0)
            assert trace_values(trace) == stream_values(chunks)
            got, want = trace_updates(trace), stream_updates(chunks)
            if case == "fan_out":  # parallel tasks may finish in any order
                got, want = sorted(got, key=repr), sorted(want, key=repr)
            assert got == want
            assert len(want) >= 2

    def test_stream_unchanged(self, case: str, tmp_path: Path) -> None:
        """What the program receives is the same, item for item, recorded or not."""
        build, inp = CASES[case]
        plain = list(build().stream(inp, stream_mode=MODES))
        assert recorded(tmp_path / "t.stepscope", build(), inp) == plain


def test_topology_and_steps(tmp_path: Path) -> None:
    """The topology comes from the compiled graph; every task has its LangGraph id,
    triggers and a duration; the loop's custom writes are custom events."""
    graph = graphs.loop()
    chunks = recorded(tmp_path / "t.stepscope", graph, {"n": 0, "log": []})
    with open_trace(tmp_path / "t.stepscope") as trace:
        topo = trace.topology
        assert [n["name"] for n in topo["nodes"]] == ["__start__", "work", "__end__"]
        assert {(e["source"], e["target"], e["conditional"]) for e in topo["edges"]} == {
            ("__start__", "work", False), ("work", "work", True), ("work", "__end__", True)}
        assert topo["channels"] == {"n": {"reducer": None}, "log": {"reducer": "operator.add"}}
        assert trace.steps() == [0, 1, 2, 3]
        starts = list(trace.events({"task_start"}))
        assert [e.data["name"] for e in starts] == ["work"] * 3
        assert all(e.data["triggers"] == ("branch:to:work",) for e in starts)
        ends = list(trace.events({"task_end"}))
        assert all(e.data["duration"] > 0 for e in ends)
        customs = [e.data["payload"] for e in trace.events({"custom"})]
        assert customs == [c for m, c in chunks if m == "custom"] == [
            {"progress": 0}, {"progress": 1}, {"progress": 2}]
        assert {e.data["task_id"] for e in trace.events({"custom"})} == {
            e.data["task_id"] for e in starts}


def test_subgraph_run(tmp_path: Path) -> None:
    """A subgraph's run is its own run in the trace, under LangGraph's namespace, with
    its parent task; its steps match its own `values` and `updates`."""
    chunks = recorded(tmp_path / "t.stepscope", graphs.with_subgraph(), {"n": 1, "log": []},
                      subgraphs=True)
    inner_ns = {c[0] for c in chunks if c[0]}
    assert len(inner_ns) == 1
    ns = inner_ns.pop()
    with open_trace(tmp_path / "t.stepscope") as trace:
        runs = trace.runs
        assert [r.ns for r in runs] == [(), ns]
        child_task = next(e.data["task_id"] for e in trace.events({"task_start"}, ns=())
                          if e.data["name"] == "child")
        assert runs[1].parent_task == child_task
        assert ns == (f"child:{child_task}",)
        assert trace_values(trace) == stream_values(chunks)
        assert trace_values(trace, ns) == stream_values(chunks, ns)
        assert trace_updates(trace) == stream_updates(chunks)
        assert trace_updates(trace, ns) == stream_updates(chunks, ns)
        assert trace.run_complete(0) and trace.run_complete(1)


@pytest.mark.parametrize("durability", ["sync", "async", "exit"])
def test_interrupt_and_resume(durability: str, tmp_path: Path) -> None:
    """interrupt() pauses the run (an interrupt event, run_end `interrupted`); the
    resume is a second run of the same thread that starts from the saved state."""
    graph = graphs.asks_human()
    config = {"configurable": {"thread_id": "t1"}}
    path = tmp_path / "t.stepscope"
    with record(path):
        first = list(graph.stream({"n": 0, "log": []}, config, stream_mode=MODES,
                                  durability=durability))
        second = list(graph.stream(Command(resume="Ada"), config, stream_mode=MODES,
                                   durability=durability))
    with open_trace(path) as trace:
        assert len(trace.runs) == 2
        ends = [e.data for e in trace.events({"run_end"})]
        assert [e["status"] for e in ends] == ["interrupted", "done"]
        (pause,) = trace.events({"interrupt"})
        assert [_value(i) for i in pause.data["interrupts"]] == [{"question": "name?"}]
        assert pause.data["static"] is False
        starts = list(trace.events({"run_start"}))
        assert [s.data["resumed"] for s in starts] == [False, True]
        assert starts[1].data["state"] == {"n": 1, "log": ["prep"]}
        assert trace_values(trace) == stream_values(first) + stream_values(second)
        assert trace.state_at(trace.steps(1)[-1], 1) == {
            "n": 1, "log": ["prep", "answer:Ada"]}
        asked = [e.data for e in trace.events({"task_end"}) if e.data["name"] == "ask"]
        assert [bool(a["interrupts"]) for a in asked] == [True, False]


def test_failing_node(tmp_path: Path) -> None:
    """The node's exception reaches the program unchanged; the trace has it, with its
    traceback, on the task and on the run."""
    path = tmp_path / "t.stepscope"
    with record(path), pytest.raises(graphs.Boom, match="node bad failed"):
        graphs.failing().invoke({"n": 0, "log": []})
    with open_trace(path) as trace:
        (end,) = trace.events({"run_end"})
        assert end.data["status"] == "error"
        bad = next(e.data for e in trace.events({"task_end"}) if e.data["name"] == "bad")
        error = bad["error"]
        assert "Boom" in str(getattr(error, "cls", error))
        assert "def bad" in str(getattr(error, "traceback", "")) or "bad" in repr(error)
        assert trace.state_at(1) == {"n": 0, "log": ["ok"]}


async def test_async_run(tmp_path: Path) -> None:
    """astream with async nodes running concurrently: same values and updates, and
    each custom write is attributed to the task that wrote it."""
    path = tmp_path / "t.stepscope"
    inp = {"n": 0, "log": []}
    plain = [c async for c in graphs.async_parallel().astream(inp, stream_mode=MODES)]
    with record(path):
        chunks = [c async for c in graphs.async_parallel().astream(inp, stream_mode=MODES)]
    assert chunks == plain
    with open_trace(path) as trace:
        assert trace_values(trace) == stream_values(chunks)
        assert trace_updates(trace) == stream_updates(chunks)
        assert trace.state_at(1) == {"n": 5, "log": ["fast", "slow"]}
        (custom,) = trace.events({"custom"})
        fast = next(e.data["task_id"] for e in trace.events({"task_start"})
                    if e.data["name"] == "fast")
        assert custom.data["task_id"] == fast and custom.data["name"] == "fast"


def test_unrecorded_runs_emit_nothing(tmp_path: Path) -> None:
    """Outside `record()` the hook stays in place but records nothing."""
    path = tmp_path / "t.stepscope"
    with record(path):
        graphs.linear().invoke({"n": 0, "log": []})
    graphs.linear().invoke({"n": 0, "log": []})
    with open_trace(path) as trace:
        assert len(trace.runs) == 1


def test_functional_api_tasks_started_mid_step(tmp_path: Path) -> None:
    """Each @task call is a task of the entrypoint's step, named and timed, with its
    return value; on resume LangGraph reuses their results, and the trace says they
    ended (none is left running)."""
    workflow = graphs.functional()
    config = {"configurable": {"thread_id": "f"}}
    path = tmp_path / "f.stepscope"
    with record(path):
        first = list(workflow.stream(3, config, stream_mode="updates"))
        second = list(workflow.stream(Command(resume=True), config, stream_mode="updates"))
    assert second == [{"workflow": 6}]
    with open_trace(path) as trace:
        ends = list(trace.events({"task_end"}))
        names = [e.data["name"] for e in ends]
        assert names.count("double") == 6 and names.count("add") == 6  # both runs
        assert names.count("workflow") == 2
        returned = [{e.data["name"]: e.data["result"]["__return__"]} for e in ends
                    if e.data["name"] != "workflow"][:6]
        assert sorted(map(str, returned)) == sorted(
            map(str, [u for u in first if "__interrupt__" not in u]))
        starts = list(trace.events({"task_start"}))
        assert sorted(e.data["task_id"] for e in starts) == sorted(
            e.data["task_id"] for e in ends)
        callers = {e.data["name"]: e.data.get("caller") for e in starts}
        assert callers == {"workflow": None, "double": "workflow", "add": "workflow"}
        (pause,) = trace.events({"interrupt"})
        assert [_value(i) for i in pause.data["interrupts"]] == [{"total": 6}]
        assert [e.data["status"] for e in trace.events({"run_end"})] == ["interrupted",
                                                                         "done"]


def test_send_fan_out(tmp_path: Path) -> None:
    path = tmp_path / "s.stepscope"
    inp = {"items": ["a", "b", "c"], "loud": []}
    with record(path):
        chunks = list(graphs.send_fan_out().stream(inp, stream_mode=MODES))
    with open_trace(path) as trace:
        sends = [e.data for e in trace.events({"task_start"}) if e.data["name"] == "shout"]
        assert [s["path"][0] for s in sends] == ["__pregel_push"] * 3
        assert [s["input"]["items"] for s in sends] == [["a"], ["b"], ["c"]]
        assert trace_values(trace) == stream_values(chunks)
        assert trace_updates(trace) == stream_updates(chunks)
        assert trace.state_at(trace.steps()[-1])["loud"] == ["A", "B", "C", "!"]


def test_three_deep_subgraphs(tmp_path: Path) -> None:
    path = tmp_path / "d.stepscope"
    with record(path):
        chunks = list(graphs.three_deep().stream({"n": 0, "log": []}, stream_mode=MODES,
                                                 subgraphs=True))
    with open_trace(path) as trace:
        namespaces = [r.ns for r in trace.runs]
        assert [len(ns) for ns in namespaces] == [0, 1, 2]
        assert [p.split(":")[0] for p in namespaces[2]] == ["mid", "leaf"]
        for ns in namespaces:
            assert trace_values(trace, ns) == stream_values(chunks, ns)
            assert trace_updates(trace, ns) == stream_updates(chunks, ns)


@pytest.mark.parametrize("failures, status", [(2, "done"), (3, "error")])
def test_retries_are_counted(failures: int, status: str, tmp_path: Path) -> None:
    """A node its retry policy ran more than once says how many times (the last
    attempt's result or error); one that gave up says so too."""
    path = tmp_path / "r.stepscope"
    with record(path):
        try:
            graphs.flaky(failures).invoke({"n": 0})
        except ConnectionError as exc:
            assert str(exc) == "attempt 3 failed"
    with open_trace(path) as trace:
        (end,) = trace.events({"task_end"})
        assert end.data["attempts"] == 3
        assert (end.data["error"] is None) == (status == "done")
        assert [e.data["status"] for e in trace.events({"run_end"})] == [status]


def test_runtime_context_reaches_the_node(tmp_path: Path) -> None:
    """Recording replaces the run's Runtime by one that also notes retries: the node
    still gets the context the program passed."""
    path = tmp_path / "c.stepscope"
    with record(path):
        out = graphs.with_context().invoke({"n": 0, "log": []}, context={"user": "Ada"})
    assert out["log"] == ["hello Ada"]
    with open_trace(path) as trace:
        assert trace.state_at(1)["log"] == ["hello Ada"]
