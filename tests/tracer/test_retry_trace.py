"""A node its retry policy ran more than once: the trace keeps how many times."""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

import tracer
from engine.graph import END, START, StateGraph
from engine.types import RetryPolicy
from tui.views.tasks_data import step_tasks


class S(TypedDict):
    n: int


def record_retry(path: Path) -> Path:
    """Record a run whose node `flaky` fails twice (ConnectionError) and then succeeds;
    `steady` runs after it once."""
    calls: list[int] = []

    def flaky(state: S) -> dict[str, int]:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("the server went away")
        return {"n": state["n"] + 1}

    policy = RetryPolicy(initial_interval=0.001, jitter=False)
    graph = (StateGraph(S)
             .add_node("flaky", flaky, retry_policy=policy)
             .add_node("steady", lambda s: {"n": s["n"] + 10})
             .add_edge(START, "flaky").add_edge("flaky", "steady").add_edge("steady", END)
             .compile())
    with tracer.record(path):
        assert graph.invoke({"n": 0}) == {"n": 11}
    return path


def test_attempts_are_recorded(tmp_path: Path) -> None:
    path = record_retry(tmp_path / "retry.stepscope")
    with tracer.open_trace(path) as trace:
        ends = {e.data["name"]: e.data for e in trace.events({"task_end"})}
        assert ends["flaky"]["attempts"] == 3 and ends["flaky"]["error"] is None
        assert "attempts" not in ends["steady"]
        topology = trace.topology
        (task,) = step_tasks(trace.step_events(1), topology, {"n": 0})
        assert (task.name, task.attempts) == ("flaky", 3)
        (task,) = step_tasks(trace.step_events(2), topology, {"n": 1})
        assert (task.name, task.attempts) == ("steady", 1)
