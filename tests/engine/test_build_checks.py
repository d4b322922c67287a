"""Checks at build and compile time, and a Command given to a paused thread: expected
values are what LangGraph 1.2.22 does in the same cases (observed; LangGraph is not
imported here)."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest

from engine.checkpoint.memory import InMemorySaver
from engine.config import RunnableConfig
from engine.graph import START, StateGraph
from engine.types import Command


class S(TypedDict):
    foo: Annotated[str, operator.add]


def bad(a: Any) -> Any:
    return a


class Bad(TypedDict):
    x: Annotated[str, bad]


class TestBuildChecks:
    """What the builder refuses."""

    def test_reducer_must_take_two_arguments(self) -> None:
        """A one-argument function last in Annotated is an invalid reducer, refused
        when the builder is made."""
        with pytest.raises(ValueError, match=r"Invalid reducer signature.*Got \(a: 'Any'\)"):
            StateGraph(Bad)

    def test_checkpointer_type(self) -> None:
        """Anything but a saver, True, False or None is refused at compile time."""
        builder = StateGraph(S).add_node("n", lambda s: s).add_edge(START, "n")

        class NotASaver:
            pass

        with pytest.raises(TypeError, match=r"Invalid checkpointer provided.*NotASaver"):
            builder.compile(checkpointer=NotASaver())  # type: ignore[arg-type]
        builder.compile(checkpointer=None)


class TestCommandInput:
    """A Command (without resume) given to a thread paused at a breakpoint."""

    def graph(self) -> Any:
        return (StateGraph(S).add_node("one", lambda s: {"foo": "|1"})
                .add_node("two", lambda s: {"foo": "|2"}).add_edge(START, "one")
                .add_edge("one", "two")
                .compile(checkpointer=InMemorySaver(), interrupt_before=["one"]))

    def test_goto_joins_the_pending_step(self) -> None:
        """The goto target runs with the pending node, then the edges go on."""
        graph = self.graph()
        config: RunnableConfig = {"configurable": {"thread_id": "g"}}
        graph.invoke({"foo": "a"}, config)
        assert graph.invoke(Command(goto=["two"]), config) == {"foo": "a|1|2|2"}

    def test_update_is_seen_by_the_pending_node(self) -> None:
        """The update is applied before the pending node runs."""
        seen: list[str] = []

        def one(state: S) -> dict[str, Any]:
            seen.append(state["foo"])
            return {"foo": "|1"}

        graph = (StateGraph(S).add_node("one", one).add_edge(START, "one")
                 .compile(checkpointer=InMemorySaver(), interrupt_before=["one"]))
        config: RunnableConfig = {"configurable": {"thread_id": "u"}}
        graph.invoke({"foo": "a"}, config)
        assert graph.invoke(Command(update={"foo": "b"}), config) == {"foo": "ab|1"}
        assert seen == ["ab"]


class TestResumeChecks:
    """A single resume value for several pending interrupts is refused."""

    def test_one_value_for_two_questions(self) -> None:
        """RuntimeError; a map by interrupt id answers both."""
        from engine.types import interrupt

        class T(TypedDict, total=False):
            a: str
            b: str

        graph = (StateGraph(T).add_node("ask_a", lambda s: {"a": interrupt("a?")})
                 .add_node("ask_b", lambda s: {"b": interrupt("b?")})
                 .add_edge(START, "ask_a").add_edge(START, "ask_b")
                 .compile(checkpointer=InMemorySaver()))
        config: RunnableConfig = {"configurable": {"thread_id": "q"}}
        graph.invoke({}, config)
        with pytest.raises(RuntimeError, match="multiple pending interrupts"):
            graph.invoke(Command(resume="one"), config)
        answers = {i.id: f"answer {i.value}" for i in graph.get_state(config).interrupts}
        assert graph.invoke(Command(resume=answers), config) == {"a": "answer a?",
                                                                "b": "answer b?"}
