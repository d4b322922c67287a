"""Messages are langchain-core's when it is installed; add_messages behaves as LangGraph's."""

from __future__ import annotations

import subprocess
import sys
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ValidationError, field_validator

pytest.importorskip("langchain_core")
if not __import__("engine.messages").messages.USES_LANGCHAIN:  # STEPSCOPE_MESSAGES=engine
    pytest.skip("these programs mix langchain-core's classes with the engine's",
                allow_module_level=True)

import langchain_core.messages as lc

from engine import messages
from engine.graph import END, START, MessagesState, StateGraph
from engine.graph.message import REMOVE_ALL_MESSAGES, add_messages


class TestOneSetOfClasses:
    """With langchain-core installed, the engine's message names are its classes."""

    def test_classes_are_langchain_cores(self) -> None:
        """A program mixing both imports sees one HumanMessage, one AIMessage, ..."""
        assert messages.USES_LANGCHAIN
        for name in ("AIMessage", "AIMessageChunk", "BaseMessage", "HumanMessage",
                     "RemoveMessage", "SystemMessage", "ToolMessage"):
            assert getattr(messages, name) is getattr(lc, name)

    def test_graph_coercions_make_langchain_messages(self) -> None:
        """("user", "hi") written to a MessagesState comes back a langchain HumanMessage."""
        builder = StateGraph(MessagesState)
        builder.add_node("reply", lambda s: {"messages": [("assistant", "hello")]})
        builder.add_edge(START, "reply")
        out = builder.compile().invoke({"messages": [("user", "hi")]})
        assert [type(m) for m in out["messages"]] == [lc.HumanMessage, lc.AIMessage]
        assert [m.content for m in out["messages"]] == ["hi", "hello"]

    def test_standalone_engine_keeps_its_own_classes(self) -> None:
        """STEPSCOPE_MESSAGES=engine: the engine's look-alikes, and add_messages still works."""
        code = (
            "from engine import messages as m\n"
            "from engine.graph.message import add_messages\n"
            "assert not m.USES_LANGCHAIN and m.HumanMessage.__module__ == "
            "'engine.message_classes'\n"
            "out = add_messages([('user', 'a')], [m.AIMessage('b', id='2')])\n"
            "print([type(x).__name__ for x in out])\n"
        )
        env = {"STEPSCOPE_MESSAGES": "engine", "PATH": ""}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, check=True)
        assert done.stdout.strip() == "['HumanMessage', 'AIMessage']"


class TestAddMessages:
    """The reducer's corner cases, as LangGraph 1.2.22 resolves them."""

    def test_remove_then_write_again_keeps_the_last_write(self) -> None:
        left = [lc.AIMessage("Hello!", id="1")]
        right = [lc.RemoveMessage(id="1"), lc.AIMessage("Hi", id="1"),
                 lc.AIMessage("Hi again", id="1")]
        assert [(m.id, m.content) for m in add_messages(left, right)] == [("1", "Hi again")]

    def test_removing_an_unknown_id_raises(self) -> None:
        with pytest.raises(ValueError, match="doesn't exist \\('9'\\)"):
            add_messages([lc.HumanMessage("a", id="1")], [lc.RemoveMessage(id="9")])

    def test_remove_all_keeps_what_follows_the_marker(self) -> None:
        out = add_messages([lc.HumanMessage("a", id="1")],
                           [lc.RemoveMessage(id=REMOVE_ALL_MESSAGES), ("user", "b")])
        assert [m.content for m in out] == ["b"]

    def test_called_with_options_only_gives_the_reducer(self) -> None:
        """add_messages(format=...) is a reducer; OpenAI format turns one text block into
        text and (as LangGraph 1.2.22's does) drops the ids."""
        reducer: Any = add_messages(format="langchain-openai")
        out = reducer([], [lc.HumanMessage([{"type": "text", "text": "hi"}], id="1")])
        assert [(type(m), m.content, m.id) for m in out] == [(lc.HumanMessage, "hi", None)]
        with pytest.raises(ValueError, match="Only received: 'left'"):
            add_messages([lc.HumanMessage("a")])

    def test_bound_format_still_counts_as_a_messages_key(self) -> None:
        """A graph whose reducer is add_messages(format=...) runs it on every write."""

        class State(BaseModel):
            messages: Annotated[list[lc.AnyMessage], add_messages(format="langchain-openai")]

        builder = StateGraph(State)
        builder.add_node("n", lambda s: {"messages": [lc.AIMessage("ok")]})
        builder.add_edge(START, "n")
        builder.add_edge("n", END)
        out = builder.compile().invoke({"messages": [("user", "x")]})
        assert [(m.type, m.content, m.id) for m in out["messages"]] == [
            ("human", "x", None), ("ai", "ok", None)]


class TestPydanticStates:
    """A pydantic state validates what a node reads, after the reducers ran."""

    class State(BaseModel):
        messages: Annotated[list[lc.AnyMessage], add_messages]
        name: str = ""
        calls: int = 0

    def _graph(self) -> Any:
        def node(state: TestPydanticStates.State) -> dict[str, Any]:
            return {"calls": state.calls + 1, "messages": [("ai", f"hi {state.name}")]}

        builder = StateGraph(self.State)
        builder.add_node("node", node)
        builder.add_edge(START, "node")
        return builder.compile()

    def test_tuples_in_input_become_messages(self) -> None:
        out = self._graph().invoke({"messages": [("user", "meow")], "name": "Ann"})
        assert [(type(m), m.content) for m in out["messages"]] == [
            (lc.HumanMessage, "meow"), (lc.AIMessage, "hi Ann")]
        assert out["calls"] == 1

    def test_invalid_input_fails_before_any_output(self) -> None:
        seen: list[Any] = []
        with pytest.raises(ValidationError, match="name"):
            for chunk in self._graph().stream({"messages": [], "name": 5},
                                              stream_mode="values"):
                seen.append(chunk)
        assert seen == []

    def test_a_validator_runs_once_per_read(self) -> None:
        """The input is stored as given: a transforming validator does not apply twice."""

        class State(BaseModel):
            name: str

            @field_validator("name")
            @classmethod
            def shout(cls, v: str) -> str:
                return v + "!"

        seen: list[str] = []

        def node(state: State) -> dict[str, Any]:
            seen.append(state.name)
            return {}

        builder = StateGraph(State)
        builder.add_node("node", node)
        builder.add_edge(START, "node")
        builder.compile().invoke({"name": "hey"})
        assert seen == ["hey!"]
