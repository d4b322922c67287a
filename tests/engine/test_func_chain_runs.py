"""LangChain runs of the functional API, as LangGraph 1.2.22 makes them (observed with a
BaseTracer on it): the root run's output is the entrypoint's return value, and each
`@task` call is a chain run under the entrypoint's node run, named after the task, its
inputs the call's arguments by parameter name, tagged `seq:step:1`, with the task's
langgraph_* metadata; a failed call's run ends in error."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from engine.func import entrypoint, task

from .lc_tracer import Tracer


@task()
async def double(value: int) -> str:
    return str(value) * 2


@task()
def repeat(value: int, times: int = 1) -> str:
    return str(value) * times


@entrypoint()
async def workflow(values: list[int]) -> list[str]:
    doubled = await asyncio.gather(*[double(v) for v in values])
    return [*doubled, await repeat(5, times=3)]


def test_task_calls_are_runs_under_the_entrypoint_node() -> None:
    tracer = Tracer()
    out = asyncio.run(workflow.ainvoke([0, 1], {"callbacks": [tracer]}))
    assert out == ["00", "11", "555"]
    (root,) = tracer.runs
    assert root.outputs == {"output": ["00", "11", "555"]}
    (node,) = root.child_runs
    assert node.name == "workflow" and node.tags == ["graph:step:0"]
    calls = sorted(node.child_runs, key=lambda r: str(r.inputs))
    assert [(r.name, r.inputs, r.outputs) for r in calls] == [
        ("double", {"value": 0}, {"output": "00"}),
        ("double", {"value": 1}, {"output": "11"}),
        ("repeat", {"value": 5, "times": 3}, {"output": "555"}),
    ]
    for run in calls:
        metadata: dict[str, Any] = (run.extra or {})["metadata"]
        assert run.tags == ["seq:step:1"]
        assert metadata["langgraph_node"] == run.name
        assert metadata["langgraph_triggers"] == ("__pregel_push",)
        assert metadata["langgraph_step"] == 0


def test_a_failed_call_run_ends_in_error() -> None:
    @task()
    def broken(value: int) -> int:
        raise ValueError(f"bad {value}")

    @entrypoint()
    def flow(value: int) -> int:
        return broken(value).result()

    tracer = Tracer()
    with pytest.raises(ValueError, match="bad 3"):
        flow.invoke(3, {"callbacks": [tracer]})
    (node,) = tracer.runs[0].child_runs
    (call,) = node.child_runs
    assert call.name == "broken" and call.inputs == {"value": 3}
    assert call.error is not None and "bad 3" in call.error


def test_without_callbacks_nothing_changes() -> None:
    assert asyncio.run(workflow.ainvoke([2])) == ["22", "555"]
