"""Subgraph persistence: checkpointer=True (stateful), None (per call) and False (none).

The expected values were measured on LangGraph 1.2.22 with the same graphs.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest

from engine.checkpoint.memory import InMemorySaver
from engine.graph import START, StateGraph
from engine.types import Command, interrupt


class S(TypedDict):
    items: Annotated[list[str], operator.add]


def _asking(state: S) -> dict[str, Any]:
    return {"items": [f"a:{interrupt('q?')}"]}


def _inner(checkpointer: Any = None, *, ask: bool = False) -> Any:
    g = StateGraph(S)
    g.add_node("a", _asking if ask else (lambda s: {"items": ["a"]}))
    g.add_edge(START, "a")
    return g.compile(checkpointer=checkpointer)


def _outer(sub: Any) -> Any:
    return (StateGraph(S).add_node("sub", sub).add_edge(START, "sub")
            .compile(checkpointer=InMemorySaver()))


CFG: Any = {"configurable": {"thread_id": "1"}}


class TestStatefulSubgraph:
    """checkpointer=True: one history per thread under the node's name."""

    def test_state_accumulates_across_parent_runs(self) -> None:
        """The second call starts from the subgraph's state after the first."""
        outer = _outer(_inner(True))
        assert outer.invoke({"items": ["x"]}, CFG) == {"items": ["x", "x", "a"]}
        second = outer.invoke({"items": ["y"]}, CFG)
        # the subgraph saw x, a from its first call, then the parent's whole state
        assert second == {"items": ["x", "x", "a", "y", "x", "a", "x", "x", "a", "y", "a"]}

    def test_history_under_namespace_without_task_id(self) -> None:
        """Its checkpoints are stored under 'sub', and their steps keep counting."""
        outer = _outer(_inner(True))
        outer.invoke({"items": ["x"]}, CFG)
        outer.invoke({"items": ["y"]}, CFG)
        sub_cfg: Any = {"configurable": {"thread_id": "1", "checkpoint_ns": "sub"}}
        steps = [(s.metadata or {}).get("step") for s in outer.get_state_history(sub_cfg)]
        assert steps == [4, 3, 2, 1, 0, -1]
        latest = next(iter(outer.get_state_history(sub_cfg)))
        assert latest.config["configurable"]["checkpoint_ns"] == "sub"

    def test_stream_namespace_has_no_task_id(self) -> None:
        """subgraphs=True streams its chunks under ('sub',)."""
        outer = _outer(_inner(True))
        chunks = list(outer.stream({"items": ["x"]}, CFG, subgraphs=True))
        assert chunks[0] == (("sub",), {"a": {"items": ["a"]}})

    def test_interrupt_resume_and_snapshot(self) -> None:
        """An interrupt inside pauses the parent; get_state(subgraphs=True) shows it."""
        outer = _outer(_inner(True, ask=True))
        out = outer.invoke({"items": ["x"]}, CFG)
        assert [i.value for i in out["__interrupt__"]] == ["q?"]
        state = outer.get_state(CFG, subgraphs=True)
        sub = state.tasks[0].state
        assert sub.next == ("a",)
        assert sub.config["configurable"]["checkpoint_ns"] == "sub"
        assert outer.invoke(Command(resume="r"), CFG) == {"items": ["x", "x", "a:r"]}

    def test_root_graph_rejects_true(self) -> None:
        """A graph compiled with checkpointer=True cannot run on its own."""
        with pytest.raises(RuntimeError, match="checkpointer=True cannot be used for root"):
            _inner(True).invoke({"items": []}, CFG)

    def test_two_graphs_called_by_one_node_keep_apart(self) -> None:
        """The second graph a node calls gets a numbered namespace of its own."""
        fruit, veg = _inner(True), _inner(True)
        seen: list[list[str]] = []

        def call(state: S) -> dict[str, Any]:
            seen.append(fruit.invoke({"items": ["f"]})["items"])
            seen.append(veg.invoke({"items": ["v"]})["items"])
            return {}

        outer = (StateGraph(S).add_node("call", call).add_edge(START, "call")
                 .compile(checkpointer=InMemorySaver()))
        outer.invoke({"items": []}, CFG)
        outer.invoke({"items": []}, CFG)
        assert seen == [["f", "a"], ["v", "a"], ["f", "a", "f", "a"], ["v", "a", "v", "a"]]


class TestPerCallAndNoPersistence:
    """checkpointer=None starts afresh each call; False never checkpoints."""

    @pytest.mark.parametrize("flag", [None, False])
    def test_each_call_starts_afresh(self, flag: Any) -> None:
        """Neither keeps state from one parent run to the next."""
        outer = _outer(_inner(flag))
        outer.invoke({"items": ["x"]}, CFG)
        assert outer.invoke({"items": ["y"]}, CFG) == {
            "items": ["x", "x", "a", "y", "x", "x", "a", "y", "a"]}

    def test_false_leaves_no_subgraph_state(self) -> None:
        """A checkpointer=False subgraph task has no state config to point to."""
        outer = _outer(_inner(False))
        outer.invoke({"items": ["x"]}, CFG)
        history = list(outer.get_state_history(CFG))
        assert all(t.state is None for s in history for t in s.tasks)

    def test_interrupt_in_graph_called_from_node_pauses_parent(self) -> None:
        """A graph invoked inside a node raises its interrupt into the node."""
        inner = _inner(ask=True)

        def call(state: S) -> dict[str, Any]:
            return {"items": inner.invoke({"items": ["in"]})["items"]}

        outer = (StateGraph(S).add_node("call", call).add_edge(START, "call")
                 .compile(checkpointer=InMemorySaver()))
        out = outer.invoke({"items": []}, CFG)
        assert [i.value for i in out["__interrupt__"]] == ["q?"]
        assert outer.invoke(Command(resume="ok"), CFG) == {"items": ["in", "a:ok"]}

    def test_graph_called_with_own_thread_is_a_root(self) -> None:
        """A config naming its own thread keeps that graph's checkpoints at ns ''."""
        saver = InMemorySaver()
        child = _inner(saver)
        child_cfg: Any = {"configurable": {"thread_id": "child"}}

        def call(state: S) -> dict[str, Any]:
            child.invoke({"items": ["c"]}, child_cfg)
            return {}

        outer = (StateGraph(S).add_node("call", call).add_edge(START, "call")
                 .compile(checkpointer=saver))
        outer.invoke({"items": []}, CFG)
        outer.invoke({"items": []}, CFG)
        state = child.get_state(child_cfg)
        assert state.values == {"items": ["c", "a", "c", "a"]}
        assert state.config["configurable"]["checkpoint_ns"] == ""


class TestSubgraphCalledFromNode:
    """A graph a function node calls counts as that node's subgraph in snapshots."""

    def test_snapshot_shows_the_called_graph_state(self) -> None:
        """get_state(subgraphs=True) finds the graph the node's function refers to."""
        inner = _inner(True, ask=True)

        def call(state: S) -> dict[str, Any]:
            return {"items": inner.invoke({"items": ["in"]})["items"]}

        outer = (StateGraph(S).add_node("call", call).add_edge(START, "call")
                 .compile(checkpointer=InMemorySaver()))
        outer.invoke({"items": []}, CFG)
        task = outer.get_state(CFG, subgraphs=True).tasks[0]
        sub: Any = task.state
        assert sub.values == {"items": ["in"]}
        assert sub.config["configurable"]["checkpoint_ns"] == "call"
        assert [i.value for i in task.interrupts] == ["q?"]


class TestDurabilityExitSubgraphs:
    """durability="exit": a finished per-call subgraph stores nothing, a stateful one
    its last checkpoint (so its state still accumulates)."""

    def test_per_call_subgraph_stores_nothing(self) -> None:
        """The subgraph task's namespace has no checkpoints."""
        outer = _outer(_inner())
        chunks = list(outer.stream({"items": ["x"]}, CFG, subgraphs=True, durability="exit"))
        (sub_ns,) = {ns for ns, _ in chunks if ns}
        assert sub_ns[0].startswith("sub:")
        sub_cfg: Any = {"configurable": {"thread_id": "1", "checkpoint_ns": sub_ns[0]}}
        assert list(outer.get_state_history(sub_cfg)) == []
        assert [s.values for s in outer.get_state_history(CFG)] == [{"items": ["x", "x", "a"]}]

    def test_stateful_subgraph_keeps_accumulating(self) -> None:
        """Each run stores the stateful subgraph's last checkpoint."""
        outer = _outer(_inner(True))
        outer.invoke({"items": ["x"]}, CFG, durability="exit")
        outer.invoke({"items": ["y"]}, CFG, durability="exit")
        sub_cfg: Any = {"configurable": {"thread_id": "1", "checkpoint_ns": "sub"}}
        assert [(s.metadata or {}).get("step") for s in outer.get_state_history(sub_cfg)] \
            == [4, 1]

    def test_streamed_checkpoints_have_no_parent(self) -> None:
        """The checkpoints mode shows the unsaved checkpoints without a parent."""
        outer = _outer(_inner())
        chunks = list(outer.stream({"items": ["x"]}, CFG, durability="exit",
                                   stream_mode="checkpoints"))
        assert len(chunks) == 3
        assert all(c["parent_config"] is None for c in chunks)
