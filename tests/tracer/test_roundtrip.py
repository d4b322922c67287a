"""Record real runs, read them back: states, diffs, events and runs match the engine's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import tracer
from engine import InMemorySaver, capture_events
from engine.events import Event
from engine.messages import HumanMessage
from engine.types import Command
from sample_graphs import agent
from tracer.codec import ErrorValue, same_value

from .graphs import (
    asking,
    chat,
    failing,
    fan_out,
    linear,
    parallel_interrupt,
    weather_agent,
    with_send,
    with_subgraph,
)


@dataclass
class Recorded:
    """One recorded scenario: the trace, and what the engine itself said."""

    trace: tracer.Trace
    events: list[Event]
    states: dict[tuple[tuple[str, ...], int], dict[str, Any]]
    error: BaseException | None


SCENARIOS: dict[str, tuple[Callable[..., Any], list[Any]]] = {
    "linear": (linear, [{"topic": "ice cream"}]),
    "fan_out": (fan_out, [{"topic": "t", "log": []}]),
    "agent": (weather_agent, [agent.inputs]),
    "subgraph": (with_subgraph, [{"topic": "x", "log": []}]),
    "send": (with_send, [{"items": [3, 1, 2], "out": []}]),
    "interrupt": (asking, [{"topic": "x", "log": []}, Command(resume="yes")]),
    "parallel_interrupt": (parallel_interrupt, [{"topic": "t", "log": []}, Command(resume="y")]),
    "failing": (failing, [{"topic": "x", "log": []}]),
    "chat": (chat, [{"messages": [HumanMessage("q")]}]),
}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Recorded]]:
    """Every scenario recorded once; states captured from the `checkpoints` stream."""
    out: dict[str, Recorded] = {}
    for name, (build, inputs) in SCENARIOS.items():
        path: Path = tmp_path_factory.mktemp("rt") / f"{name}.stepscope"
        graph = build(checkpointer=InMemorySaver())
        config = {"configurable": {"thread_id": name}}
        states: dict[tuple[tuple[str, ...], int], dict[str, Any]] = {}
        error = None
        with capture_events() as events, tracer.record(path):
            for item in inputs:
                try:
                    for ns, cp in graph.stream(item, config, stream_mode="checkpoints",
                                               subgraphs=True):
                        states[(ns, cp["metadata"]["step"])] = cp["values"]
                except ValueError as exc:
                    error = exc
        out[name] = Recorded(tracer.open_trace(path), list(events), states, error)
    yield out
    for rec in out.values():
        rec.trace.close()


def _per_root_run(events: list[Event]) -> list[list[Event]]:
    """Split events at each root run_start (seq restarts there)."""
    runs: list[list[Event]] = []
    for e in events:
        if e.kind == "run_start" and e.ns == ():
            runs.append([])
        runs[-1].append(e)
    return runs


def _shape(e: Event) -> tuple[Any, ...]:
    d = e.data
    extra: Any = None
    if e.kind in ("task_start", "task_end"):
        extra = (d["task_id"], d["name"])
    elif e.kind == "custom":
        extra = (d["task_id"], d["payload"])
    elif e.kind == "run_start":
        extra = d["run_id"]
    return (e.kind, e.seq, e.ns, e.step, extra)


NAMES = list(SCENARIOS)
SEQUENTIAL = ["linear", "subgraph", "interrupt", "failing", "agent", "chat"]


class TestStates:
    """state_at(step) equals the engine's checkpointed state after that step, for every step."""

    @pytest.mark.parametrize("name", NAMES)
    def test_every_step_of_every_run(self, recorded: dict[str, Recorded], name: str) -> None:
        """A step cut short (error, interrupt) is listed too, and leaves the state as it was."""
        rec = recorded[name]
        seen = set()
        for run in rec.trace.runs:
            before = None
            for step in rec.trace.steps(run.number):
                got = rec.trace.state_at(step, run.number)
                if rec.trace.step_entry(step, run.number).end is None:
                    assert same_value(got, before), (run, step)
                    continue
                seen.add((run.ns, step))
                assert same_value(got, rec.states[(run.ns, step)]), (run, step)
                before = got
        assert seen == {k for k in rec.states if k[1] >= 0}

    @pytest.mark.parametrize("name", NAMES)
    def test_repeated_reads_agree(self, recorded: dict[str, Recorded], name: str) -> None:
        """Reading states (any order, twice) changes neither them nor the events."""
        rec = recorded[name]
        trace = tracer.open_trace(rec.trace.path)
        for run in trace.runs:
            steps = trace.steps(run.number)
            first = [trace.state_at(s, run.number) for s in reversed(steps)]
            again = [trace.state_at(s, run.number) for s in reversed(steps)]
            assert same_value(first, again)
            for step, state in zip(reversed(steps), first, strict=True):
                ended = trace.step_entry(step, run.number).end is not None
                if (run.ns, step) in rec.states and ended:
                    assert same_value(state, rec.states[(run.ns, step)])
        with tracer.open_trace(trace.path) as fresh:
            assert same_value([e.data for e in trace.events()], [e.data for e in fresh.events()])

    @pytest.mark.parametrize("name", ["agent", "chat"])
    def test_message_ids_survive(self, recorded: dict[str, Recorded], name: str) -> None:
        """Replayed messages carry the engine's ids (not fresh ones), even id-less writes."""
        rec = recorded[name]
        for step in rec.trace.steps(0):
            ids = [m.id for m in rec.trace.state_at(step)["messages"]]
            assert ids == [m.id for m in rec.states[((), step)]["messages"]]
            assert None not in ids


class TestDiffs:
    """diff(step) names each write's reducer op: append, merge or set, old → new."""

    def test_last_value_is_set(self, recorded: dict[str, Recorded]) -> None:
        rec = recorded["linear"]
        (task,) = rec.trace.diff(1)
        (write,) = task.writes
        assert (task.name, write.key, write.op, write.reducer) == ("refine", "topic", "set", None)
        assert (write.old, write.new) == ("ice cream", "ice cream and cats")

    def test_operator_add_is_append(self, recorded: dict[str, Recorded]) -> None:
        """Parallel branches' appends, in task-path order (not completion order)."""
        rec = recorded["fan_out"]
        tasks = rec.trace.diff(2)
        assert [t.name for t in tasks] == ["b0", "b1", "b2"]
        for i, task in enumerate(tasks):
            (write,) = task.writes
            assert (write.op, write.reducer) == ("append", "operator.add")
            assert write.added == [f"b{i}", f"b{i}'"]
            assert write.old == rec.states[((), 1)]["log"]
            assert write.new == rec.states[((), 2)]["log"]
        assert all(t.duration > 0 and t.error is None for t in tasks)

    def test_send_appends_in_send_order(self, recorded: dict[str, Recorded]) -> None:
        rec = recorded["send"]
        tasks = rec.trace.diff(1)
        assert [w.added for t in tasks for w in t.writes] == [[30], [10], [20]]
        assert {w.op for t in tasks for w in t.writes} == {"append"}

    def test_add_messages_is_merge(self, recorded: dict[str, Recorded]) -> None:
        rec = recorded["agent"]
        for step in rec.trace.steps(0)[1:]:
            before, after = rec.states[((), step - 1)], rec.states[((), step)]
            (task,) = rec.trace.diff(step)
            (write,) = task.writes
            assert (write.key, write.op) == ("messages", "merge")
            assert write.added == after["messages"][len(before["messages"]):]
            assert write.replaced == []
            assert write.new == after["messages"]


class TestEvents:
    """Events read back in file order are the engine's, kind by kind and seq by seq."""

    @pytest.mark.parametrize("name", NAMES)
    def test_same_events(self, recorded: dict[str, Recorded], name: str) -> None:
        rec = recorded[name]
        mine = _per_root_run(list(rec.trace.events()))
        theirs = _per_root_run(rec.events)
        assert len(mine) == len(theirs)
        for a, b in zip(mine, theirs, strict=True):
            assert [e.seq for e in sorted(a, key=lambda e: e.seq)] == list(range(len(a)))
            # Parallel tasks hand events to the two sinks in racing order: compare by seq.
            assert [_shape(e) for e in sorted(a, key=lambda e: e.seq)] == [
                _shape(e) for e in sorted(b, key=lambda e: e.seq)]

    @pytest.mark.parametrize("name", SEQUENTIAL)
    def test_file_order_is_emit_order(self, recorded: dict[str, Recorded], name: str) -> None:
        rec = recorded[name]
        assert [_shape(e) for e in rec.trace.events()] == [_shape(e) for e in rec.events]

    def test_task_writes_read_back(self, recorded: dict[str, Recorded]) -> None:
        rec = recorded["subgraph"]
        mine = [e.data["writes"] for e in rec.trace.events({"task_end"})]
        assert same_value(mine, [e.data["writes"] for e in rec.events if e.kind == "task_end"])

    def test_filters(self, recorded: dict[str, Recorded]) -> None:
        rec = recorded["subgraph"]
        inner = rec.trace.runs[1].ns
        customs = list(rec.trace.events(kinds={"custom"}))
        assert [e.data["payload"] for e in customs] == ["prepared", {"in": "sub"}]
        assert [e.kind for e in rec.trace.events(kinds={"custom"}, ns=inner)] == ["custom"]
        tokens = list(rec.trace.events(kinds={"token"}))
        assert len(tokens) == 5 and all(e.ns == inner for e in tokens)


class TestRuns:
    """Runs: complete, their namespaces and parent tasks, interrupted and resumed."""

    @pytest.mark.parametrize("name", NAMES)
    def test_run_complete_and_finished(self, recorded: dict[str, Recorded], name: str) -> None:
        trace = recorded[name].trace
        assert trace.finished and trace.errors == []
        assert all(trace.run_complete(r.number) for r in trace.runs)

    def test_subgraph_run(self, recorded: dict[str, Recorded]) -> None:
        rec = recorded["subgraph"]
        root, inner = rec.trace.runs
        (task,) = [e for e in rec.events if e.kind == "task_start" and e.data["name"] == "inner"]
        assert root.ns == () and root.parent_task is None
        assert inner.ns == (f"inner:{task.data['task_id']}",)
        assert inner.parent_task == task.data["task_id"]
        assert rec.trace.steps(inner.number) == [0, 1, 2]

    def test_interrupt_and_resume(self, recorded: dict[str, Recorded]) -> None:
        rec = recorded["interrupt"]
        first, second = rec.trace.runs
        assert first.ns == second.ns == () and first.run_id != second.run_id
        ends = list(rec.trace.events(kinds={"run_end"}))
        assert [e.data["status"] for e in ends] == ["interrupted", "done"]
        (intr,) = list(rec.trace.events(kinds={"interrupt"}))
        assert intr.data["interrupts"][0].fields["value"] == {"question": "topic?"}
        # The interrupted step is listed in the first run (its state unchanged) and its
        # task events still name their task, though the resumed run repeats step 2.
        assert rec.trace.steps(0) == [0, 1, 2] and rec.trace.steps(1) == [2, 3]
        assert rec.trace.state_at(2, 0) == rec.trace.state_at(1, 0)
        assert rec.trace.state_at(3, 1)["log"] == ["pre", "asked", "fin:yes"]
        (task,) = rec.trace.diff(2, 0)
        assert task.name == "ask" and task.writes == [] and task.interrupts


class TestErrors:
    """A failing node's error is recorded with class, message and traceback."""

    def test_task_and_run_errors(self, recorded: dict[str, Recorded]) -> None:
        rec = recorded["failing"]
        assert isinstance(rec.error, ValueError)
        (end,) = [e for e in rec.trace.events({"task_end"}) if e.data["name"] == "boom"]
        (run_end,) = list(rec.trace.events({"run_end"}))
        assert run_end.data["status"] == "error"
        for err in (end.data["error"], run_end.data["error"]):
            assert isinstance(err, ErrorValue)
            assert err.cls == "ValueError" and err.name == "ValueError"
            assert err.message == "boom: the answer was 42"
            assert "Traceback" in err.traceback and "in boom" in err.traceback
            assert 'raise ValueError("boom: the answer was 42")' in err.traceback
        (task,) = rec.trace.diff(2)
        assert task.name == "boom" and task.error.message == "boom: the answer was 42"
        assert rec.trace.steps(0) == [0, 1, 2]
        assert rec.trace.state_at(2) == rec.trace.state_at(1) == {"topic": "x", "log": ["pre"]}
