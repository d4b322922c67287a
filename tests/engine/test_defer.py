"""`add_node(..., defer=True)`: a node held back, once triggered, until nothing else is
left to run, then run once (LangGraph 1.2.22, observed on the same graphs: the same
updates, `next` and history, also across an interrupt_after)."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from engine.checkpoint.memory import InMemorySaver
from engine.graph import END, START, StateGraph


class S(TypedDict, total=False):
    query: str
    answer: str
    docs: Annotated[list[str], operator.add]


def _builder() -> Any:
    """rq → a1 → r1 → qa and rq → r2 → qa: r2's edge reaches qa a step before r1's."""
    w = StateGraph(S)
    w.add_node("rq", lambda s: {"query": "q"})
    w.add_node("a1", lambda s: {"query": "aq"})
    w.add_node("r1", lambda s: {"docs": ["d1"]})
    w.add_node("r2", lambda s: {"docs": ["d2"]})
    w.add_node("qa", lambda s: {"answer": ",".join(s["docs"])}, defer=True)
    w.add_edge(START, "rq").add_edge("rq", "a1").add_edge("a1", "r1").add_edge("rq", "r2")
    w.add_edge("r1", "qa").add_edge("r2", "qa").add_edge("qa", END)
    return w


def test_a_deferred_node_waits_for_the_other_branch_and_runs_once() -> None:
    chunks = list(_builder().compile().stream({"query": "x"}))
    assert chunks == [{"rq": {"query": "q"}}, {"a1": {"query": "aq"}},
                      {"r2": {"docs": ["d2"]}}, {"r1": {"docs": ["d1"]}},
                      {"qa": {"answer": "d2,d1"}}]


def test_without_defer_it_runs_as_soon_as_triggered() -> None:
    w = _builder()
    w.nodes["qa"].defer = False
    names = [next(iter(c)) for c in w.compile().stream({"query": "x"})]
    assert names.count("qa") == 2  # once beside r1, once after it (tasks of a step
    assert names[:2] == ["rq", "a1"] or names[:2] == ["rq", "r2"]  # finish in any order)


def test_a_held_node_survives_an_interrupt_and_resume() -> None:
    graph = _builder().compile(checkpointer=InMemorySaver(), interrupt_after=["a1"])
    config: Any = {"configurable": {"thread_id": "t"}}
    assert list(graph.stream({"query": "x"}, config))[-1] == {"__interrupt__": ()}
    assert graph.get_state(config).next == ("r1",)  # qa is held, not planned
    assert list(graph.stream(None, config)) == [{"r1": {"docs": ["d1"]}},
                                                {"qa": {"answer": "d2,d1"}}]
    history = [(s.next, (s.metadata or {})["step"]) for s in graph.get_state_history(config)]
    assert history == [((), 4), (("qa",), 3), (("r1",), 2), (("a1", "r2"), 1),
                       (("rq",), 0), (("__start__",), -1)]
