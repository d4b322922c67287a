"""seed_fork: a branch from a chosen state runs the tasks the original step triggered."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest

from engine import Controller, Send
from engine.checkpoint.memory import InMemorySaver
from engine.errors import RunStopped
from engine.events import capture_events
from engine.graph import END, START, StateGraph
from engine.pregel.fork import seed_fork


class S(TypedDict):
    n: int
    log: Annotated[list[str], operator.add]


def _graph() -> Any:
    g = StateGraph(S)
    g.add_node("a", lambda s: {"n": s["n"] + 1, "log": ["a"]})
    g.add_node("b", lambda s: {"n": s["n"] * 10, "log": ["b"]})
    g.add_node("c", lambda s: {"log": [f"c{s['n']}"]})
    g.add_edge(START, "a")
    g.add_edge("a", "b")
    g.add_edge("b", "c")
    g.add_edge("c", END)
    return g.compile(checkpointer=InMemorySaver())


def _tasks(events: list[Any]) -> list[tuple[int, str, str, Any]]:
    return [(e.step, e.data["name"], e.data["task_id"], e.data["writes"])
            for e in events if e.kind == "task_end" and not e.ns]


def test_unedited_fork_reproduces_task_ids_of_its_first_step_and_all_writes() -> None:
    graph = _graph()
    with capture_events() as original:
        out = graph.invoke({"n": 1, "log": []}, {"configurable": {"thread_id": "t"}})
    assert out == {"n": 20, "log": ["a", "b", "c20"]}
    after_a = next(s for s in graph.get_state_history({"configurable": {"thread_id": "t"}})
                   if s.metadata["step"] == 1)
    cid = after_a.config["configurable"]["checkpoint_id"]
    config = seed_fork(graph, "t-fork", after_a.values, step=1, triggered=["b"],
                       checkpoint_id=cid, fork={"run_id": "r0", "step": 1})
    with capture_events() as branch:
        again = graph.invoke(None, config)
    assert again == out
    first = [t for t in _tasks(original) if t[0] >= 2]
    second = _tasks(branch)
    assert [t[:2] for t in second] == [(2, "b"), (3, "c")]
    assert [t[3] for t in second] == [t[3] for t in first]
    assert second[0][2] == first[0][2]  # planned from the same checkpoint: the same id
    start = next(e for e in branch if e.kind == "run_start")
    assert start.data["fork"] == {"run_id": "r0", "step": 1}
    assert start.data["resumed"] is True
    assert start.data["state"] == {"n": 2, "log": ["a"]}


def test_edited_values_are_set_as_given_not_through_the_reducer() -> None:
    graph = _graph()
    config = seed_fork(graph, "t2", {"n": 5, "log": ["x", "y"]}, step=1, triggered=["b"])
    assert graph.invoke(None, config) == {"n": 50, "log": ["x", "y", "b", "c50"]}


def test_sends_are_replayed_in_order() -> None:
    class M(TypedDict):
        items: list[int]
        out: Annotated[list[int], operator.add]

    g = StateGraph(M)
    g.add_node("split", lambda s: {})
    g.add_node("work", lambda x: {"out": [x * 2]})
    g.add_edge(START, "split")
    g.add_conditional_edges("split", lambda s: [Send("work", i) for i in s["items"]])
    g.add_edge("work", END)
    graph = g.compile(checkpointer=InMemorySaver())
    config = seed_fork(graph, "t", {"items": [7, 8], "out": []}, step=1,
                       sends=[Send("work", 7), Send("work", 8)])
    assert graph.invoke(None, config) == {"items": [7, 8], "out": [14, 16]}


def test_bad_seeds_name_the_problem() -> None:
    graph = _graph()
    with pytest.raises(ValueError, match=r"not a channel of graph .*: nope"):
        seed_fork(graph, "t", {"nope": 1}, step=1)
    with pytest.raises(ValueError, match="no node 'zz'"):
        seed_fork(graph, "t", {}, step=1, triggered=["zz"])
    with pytest.raises(ValueError, match="checkpointer"):
        seed_fork(StateGraph(S).add_node("a", lambda s: {}).add_edge(START, "a").compile(),
                  "t", {}, step=1)


class _StopAt(Controller):
    def __init__(self, node: str) -> None:
        self.node = node

    def before_task(self, task: Any) -> None:
        if task.name == self.node:
            raise RunStopped(f"stopped before {task.name}")


def test_a_controller_stop_ends_the_run_with_status_stopped() -> None:
    graph = _graph()
    with capture_events() as cap, pytest.raises(RunStopped):
        graph.invoke({"n": 1, "log": []}, {"configurable": {"thread_id": "s"}},
                     controller=_StopAt("b"))
    end = next(e for e in cap if e.kind == "run_end")
    assert end.data["status"] == "stopped"
