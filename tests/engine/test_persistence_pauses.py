"""Pauses that leave work done: parallel tasks beside an interrupt, subgraph breakpoints.

The expected values were measured on LangGraph 1.2.22 with the same graphs.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from engine.checkpoint.memory import InMemorySaver
from engine.graph import START, StateGraph
from engine.types import Command, interrupt


class State(TypedDict):
    k: Annotated[str, operator.add]


def _asks(state: State) -> dict[str, Any]:
    return {"k": interrupt("q")}


def _parallel() -> Any:
    return (StateGraph(State).add_node("a", lambda s: {"k": "A"}).add_node("b", _asks)
            .add_edge(START, "a").add_edge(START, "b")
            .compile(checkpointer=InMemorySaver()))


def _cfg(thread: str) -> Any:
    return {"configurable": {"thread_id": thread}}


class TestInterruptBesideFinishedTask:
    """A task that finished in the interrupted step shows in the output."""

    def test_invoke_output_has_its_write(self) -> None:
        """invoke returns the finished task's write with the interrupt."""
        out = _parallel().invoke({"k": ""}, _cfg("1"))
        assert out["k"] == "A" and [i.value for i in out["__interrupt__"]] == ["q"]

    def test_values_stream_ends_with_it(self) -> None:
        """values mode: the pre-step state with the interrupt, then the write applied."""
        chunks = list(_parallel().stream({"k": ""}, _cfg("2"), stream_mode="values"))
        assert [{k: v for k, v in c.items() if k != "__interrupt__"} for c in chunks] == [
            {"k": ""}, {"k": ""}, {"k": "A"}]
        assert "__interrupt__" in chunks[1]

    def test_resume_replays_the_finished_task_as_cached(self) -> None:
        """On resume its update is streamed again, marked cached, and it does not rerun."""
        graph = _parallel()
        graph.invoke({"k": ""}, _cfg("3"))
        chunks = list(graph.stream(Command(resume="B"), _cfg("3")))
        assert chunks == [{"a": {"k": "A"}, "__metadata__": {"cached": True}},
                          {"b": {"k": "B"}}]


class TestSubgraphBreakpoint:
    """A subgraph compiled with interrupt_before pauses its parent with no interrupt."""

    def _graph(self) -> Any:
        inner = (StateGraph(State).add_node("i1", lambda s: {"k": "1"})
                 .add_node("i2", lambda s: {"k": "2"})
                 .add_edge(START, "i1").add_edge("i1", "i2")
                 .compile(interrupt_before=["i2"]))
        return (StateGraph(State).add_node("inner", inner)
                .add_node("side", lambda s: {"k": "s"})
                .add_node("after", lambda s: {"k": "!"})
                .add_edge(START, "inner").add_edge(START, "side")
                .add_edge(["inner", "side"], "after")
                .compile(checkpointer=InMemorySaver()))

    def test_pauses_parent_then_goes_on_from_the_breakpoint(self) -> None:
        """The parent stops (no __interrupt__ key); invoke(None) finishes the subgraph."""
        graph = self._graph()
        assert graph.invoke({"k": ""}, _cfg("1")) == {"k": "s"}
        assert graph.get_state(_cfg("1")).next == ("inner",)
        assert graph.invoke(None, _cfg("1")) == {"k": "12s!"}

    def test_streams_the_pause_at_the_parent_only(self) -> None:
        """updates mode with subgraphs: one empty __interrupt__, under the root."""
        chunks = list(self._graph().stream({"k": ""}, _cfg("2"), subgraphs=True))
        pauses = [(ns, c) for ns, c in chunks if "__interrupt__" in c]
        assert pauses == [((), {"__interrupt__": ()})]
        assert ((), {"side": {"k": "s"}}) in chunks


class TestResumeWithUpdate:
    """Command(resume=..., update=...) writes the update before the node runs again."""

    def test_update_kept_across_a_second_interrupt(self) -> None:
        """The update stays when the node pauses again, and the final state has it."""
        def twice(state: State) -> dict[str, Any]:
            return {"k": interrupt(1) + interrupt(2)}

        graph = (StateGraph(State).add_node("n", twice).add_edge(START, "n")
                 .compile(checkpointer=InMemorySaver()))
        graph.invoke({"k": "DE"}, _cfg("u"))
        out = graph.invoke(Command(resume="a1", update={"k": "+u"}), _cfg("u"))
        assert [i.value for i in out["__interrupt__"]] == [2]
        chunks = list(graph.stream(Command(resume="a2"), _cfg("u"), stream_mode="values"))
        assert chunks == [{"k": "DE+u"}, {"k": "DE+ua1a2"}]


class TestParallelInterrupts:
    """Each interrupted task's interrupts stream as their own chunk."""

    def test_one_chunk_per_interrupted_task(self) -> None:
        """Two tasks asking at once give two __interrupt__ updates."""
        def asks(value: str) -> Any:
            return lambda s: {"k": interrupt(value)}

        graph = (StateGraph(State).add_node("x", asks("a")).add_node("y", asks("b"))
                 .add_edge(START, "x").add_edge(START, "y")
                 .compile(checkpointer=InMemorySaver()))
        chunks = list(graph.stream({"k": ""}, _cfg("p")))
        assert sorted(i.value for c in chunks for i in c["__interrupt__"]) == ["a", "b"]
        assert all(len(c["__interrupt__"]) == 1 for c in chunks) and len(chunks) == 2



class TestResumeMapIntoSubgraphs:
    """A resume map reaches only the subgraph interrupt whose id it names."""

    def test_one_answer_resumes_one_of_two_parallel_interrupts(self) -> None:
        """A subgraph with two asking nodes: answering one leaves the other waiting."""
        inner = (StateGraph(State).add_node("p", lambda s: {"k": interrupt("p?")})
                 .add_node("q", lambda s: {"k": interrupt("q?")})
                 .add_edge(START, "p").add_edge(START, "q").compile())
        graph = (StateGraph(State).add_node("sub", inner).add_edge(START, "sub")
                 .compile(checkpointer=InMemorySaver()))
        out = graph.invoke({"k": ""}, _cfg("m"))
        first = next(i for i in out["__interrupt__"] if i.value == "p?")
        out = graph.invoke(Command(resume={first.id: "P"}), _cfg("m"))
        assert [i.value for i in out["__interrupt__"]] == ["q?"]
        second = out["__interrupt__"][0]
        assert graph.invoke(Command(resume={second.id: "Q"}), _cfg("m")) == {"k": "PQ"}
