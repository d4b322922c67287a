"""A subgraph node returning Command(graph=Command.PARENT) is control flow: recorded as
a task that ended well and a subgraph run that is done, not as failures."""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Annotated, Any, TypedDict

import tracer
from engine import capture_events
from engine.graph import START, StateGraph
from engine.types import Command
from tracer.summary import summarize


class S(TypedDict):
    log: Annotated[list[str], operator.add]


def parent_graph() -> Any:
    def child(state: S) -> Command[Any]:
        return Command(graph=Command.PARENT, goto="other", update={"log": ["child"]})

    sub = StateGraph(S).add_node("child", child).add_edge(START, "child").compile()
    return (StateGraph(S).add_node("sub", sub)
            .add_node("other", lambda s: {"log": ["other"]})
            .add_edge(START, "sub").compile())


def test_events_carry_the_command_not_an_error() -> None:
    with capture_events() as events:
        assert parent_graph().invoke({"log": []}) == {"log": ["child", "other"]}
    (child_end,) = [e.data for e in events.of("task_end") if e.data["name"] == "child"]
    assert child_end["error"] is None
    assert child_end["command"].goto == "other"
    sub_end = next(e.data for e in events.of("run_end") if e.ns)
    assert (sub_end["status"], sub_end["error"]) == ("done", None)
    assert sub_end["command"].update == {"log": ["child"]}


def test_summary_shows_no_failed_task_or_run() -> None:
    with capture_events() as events:
        parent_graph().invoke({"log": []})
    summary = summarize(events)
    assert [run.status for run in summary.runs] == ["done", "done"]
    statuses = {t.name: t.status for run in summary.runs for step in run.steps
                for t in step.tasks}
    assert statuses == {"sub": "done", "other": "done", "child": "done"}


def test_a_recorded_trace_has_no_error(tmp_path: Path) -> None:
    path = tmp_path / "parent.stepscope"
    with tracer.record(path):
        parent_graph().invoke({"log": []})
    with tracer.open_trace(path) as trace:
        ends = [e.data for e in trace.events({"task_end"})]
        assert [d["error"] for d in ends] == [None] * len(ends)
        assert {d["name"] for d in ends} == {"sub", "child", "other"}
