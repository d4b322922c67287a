"""Time travel: replaying from a past checkpoint of a graph or of a stateful subgraph.

The expected values were measured on LangGraph 1.2.22 with the same graphs.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from engine.checkpoint.memory import InMemorySaver
from engine.graph import START, StateGraph
from engine.types import Command, interrupt


class State(TypedDict):
    value: Annotated[list[str], operator.add]


CFG: Any = {"configurable": {"thread_id": "1"}}


def _linear_with_question(called: list[str]) -> Any:
    def a(state: State) -> dict[str, Any]:
        called.append("a")
        return {"value": ["a"]}

    def ask(state: State) -> dict[str, Any]:
        called.append("ask")
        return {"value": ["h:" + interrupt("q")]}

    def b(state: State) -> dict[str, Any]:
        called.append("b")
        return {"value": ["b"]}

    return (StateGraph(State).add_node("a", a).add_node("ask", ask).add_node("b", b)
            .add_edge(START, "a").add_edge("a", "ask").add_edge("ask", "b")
            .compile(checkpointer=InMemorySaver()))


def _sources(graph: Any, config: Any = CFG) -> list[tuple[Any, Any]]:
    return [(s.metadata["source"], s.metadata["step"]) for s in graph.get_state_history(config)]


class TestReplay:
    """A run addressed at an old checkpoint branches from a fork copy of it."""

    def test_replay_before_interrupt_asks_again_then_resumes(self) -> None:
        """The interrupt fires again; the branch resumes with the new answer."""
        called: list[str] = []
        graph = _linear_with_question(called)
        graph.invoke({"value": []}, CFG)
        graph.invoke(Command(resume="old"), CFG)
        before_ask = next(s for s in graph.get_state_history(CFG) if s.next == ("ask",))
        called.clear()
        out = graph.invoke(None, before_ask.config)
        assert [i.value for i in out["__interrupt__"]] == ["q"] and called == ["ask"]
        fork = graph.get_state(CFG)
        assert (fork.metadata["source"], fork.metadata["step"]) == ("fork", 2)
        assert fork.parent_config == before_ask.config and fork.next == ("ask",)
        assert graph.invoke(Command(resume="new"), CFG) == {"value": ["a", "h:new", "b"]}
        assert _sources(graph) == [("loop", 4), ("loop", 3), ("fork", 2), ("loop", 3),
                                   ("loop", 2), ("loop", 1), ("loop", 0), ("input", -1)]

    def test_replaying_an_update_does_not_fork_it_again(self) -> None:
        """The checkpoint update_state wrote is already the branch: no fork is added."""
        called: list[str] = []
        graph = _linear_with_question(called)
        graph.invoke({"value": []}, CFG, interrupt_before=["ask"])
        edited = graph.update_state(CFG, {"value": ["e"]}, as_node="a")
        graph.invoke(None, edited)
        assert [source for source, _ in _sources(graph)][:2] == ["update", "loop"]


class TestStatefulSubgraphTimeTravel:
    """Stateful subgraphs replay from their own checkpoints and the parent's."""

    def _graph(self, called: list[str]) -> Any:
        def step_a(state: State) -> dict[str, Any]:
            called.append("step_a")
            return {"value": ["a"]}

        def ask(n: int) -> Any:
            def node(state: State) -> dict[str, Any]:
                called.append(f"ask_{n}")
                return {"value": [f"{n}:" + interrupt(f"Q{n}")]}
            return node

        executor = (StateGraph(State).add_node("step_a", step_a)
                    .add_node("ask_1", ask(1)).add_node("ask_2", ask(2))
                    .add_edge(START, "step_a").add_edge("step_a", "ask_1")
                    .add_edge("ask_1", "ask_2").compile(checkpointer=True))
        return (StateGraph(State).add_node("ex", executor).add_edge(START, "ex")
                .compile(checkpointer=InMemorySaver()))

    def test_each_interrupt_gets_its_own_answer(self) -> None:
        """The second interrupt in the subgraph gets the second resume value."""
        graph = self._graph([])
        graph.invoke({"value": []}, CFG)
        graph.invoke(Command(resume="x1"), CFG)
        assert graph.invoke(Command(resume="x2"), CFG) == {"value": ["a", "1:x1", "2:x2"]}

    def test_replay_from_a_subgraph_checkpoint(self) -> None:
        """Addressed by its snapshot config, the subgraph forks there: step_a does not
        rerun, ask_1 asks again, and the new answers finish the run."""
        called: list[str] = []
        graph = self._graph(called)
        graph.invoke({"value": []}, CFG)
        at_first = graph.get_state(CFG, subgraphs=True).tasks[0].state.config
        graph.invoke(Command(resume="x1"), CFG)
        graph.invoke(Command(resume="x2"), CFG)
        called.clear()
        out = graph.invoke(None, at_first)
        assert [i.value for i in out["__interrupt__"]] == ["Q1"] and called == ["ask_1"]
        graph.invoke(Command(resume="y1"), CFG)
        assert graph.invoke(Command(resume="y2"), CFG) == {"value": ["a", "1:y1", "2:y2"]}
        sub: Any = {"configurable": {"thread_id": "1", "checkpoint_ns": "ex"}}
        assert _sources(graph, sub) == [("loop", 4), ("loop", 3), ("fork", 2), ("loop", 3),
                                        ("loop", 2), ("loop", 1), ("loop", 0), ("input", -1)]

    def test_parent_replay_reads_subgraph_state_of_that_time(self) -> None:
        """Replaying the parent from before the subgraph's first call, the subgraph
        starts from the state it had then (none), not from its latest."""
        class C(TypedDict):
            n: Annotated[list[str], operator.add]

        sub = (StateGraph(C).add_node("s", lambda s: {"n": ["s"]}).add_edge(START, "s")
               .compile(checkpointer=True))
        parent = (StateGraph(C).add_node("sub", sub).add_edge(START, "sub")
                  .compile(checkpointer=InMemorySaver()))
        parent.invoke({"n": []}, CFG)
        assert parent.invoke({"n": []}, CFG) == {"n": ["s", "s", "s", "s"]}
        first = [s for s in parent.get_state_history(CFG) if s.next == ("sub",)][-1]
        assert parent.invoke(None, first.config) == {"n": ["s"]}


class TestForkInsideSubgraph:
    """update_state on a subgraph checkpoint forks it; resuming there finishes all."""

    def test_fork_then_resume_with_the_fork_config(self) -> None:
        """The subgraph asks again from its edited state, and a resume addressed at the
        fork runs it and the parent's next node."""
        def ask(state: State) -> dict[str, Any]:
            return {"value": ["h:" + interrupt("q")]}

        sub = (StateGraph(State).add_node("a", lambda s: {"value": ["sa"]})
               .add_node("ask", ask).add_node("b", lambda s: {"value": ["sb"]})
               .add_edge(START, "a").add_edge("a", "ask").add_edge("ask", "b")
               .compile(checkpointer=True))
        graph = (StateGraph(State).add_node("r", lambda s: {"value": ["routed"]})
                 .add_node("sub", sub).add_node("post", lambda s: {"value": ["post"]})
                 .add_edge(START, "r").add_edge("r", "sub").add_edge("sub", "post")
                 .compile(checkpointer=InMemorySaver()))
        graph.invoke({"value": []}, CFG)
        sub_state: Any = graph.get_state(CFG, subgraphs=True).tasks[0].state
        at_ask = sub_state.config
        fork = graph.update_state(at_ask, {"value": ["forked"]})
        assert fork["configurable"]["checkpoint_ns"] == "sub"
        again = graph.invoke(None, fork)
        assert [i.value for i in again["__interrupt__"]] == ["q"]
        assert graph.invoke(Command(resume="new"), fork) == {
            "value": ["routed", "routed", "sa", "forked", "h:new", "sb", "post"]}
