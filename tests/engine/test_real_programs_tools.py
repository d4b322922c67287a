"""Tools as real programs use them, each result checked against LangGraph 1.2.22's.

The expected values were measured by running the same graphs on LangGraph 1.2.22 with
langchain-core (ids aside).
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest

from engine.checkpoint.memory import InMemorySaver
from engine.config import RunnableConfig
from engine.graph import START, MessagesState, StateGraph
from engine.messages import AIMessage, HumanMessage, ToolMessage
from engine.prebuilt import InjectedState, ToolNode
from engine.tools import InjectedToolCallId, tool
from engine.types import Command, interrupt


@tool
def as_dict(x: int) -> dict[str, Any]:
    """Returns a dict."""
    return {"a": x, "b": [1, "é"]}


@tool
def as_list(x: int) -> list[Any]:
    """Returns a list that is not content blocks."""
    return [x, "two"]


@tool
def as_blocks(x: int) -> list[dict[str, str]]:
    """Returns content blocks."""
    return [{"type": "text", "text": "hi"}]


@tool
def as_int(x: int) -> int:
    """Returns a number."""
    return 7


@tool
def ask(x: int) -> str:
    """Asks the human."""
    return "answer: " + str(interrupt("q?"))


@tool
def reads_state(x: int, state: Annotated[dict[str, Any], InjectedState],
                who: Annotated[str, InjectedState("who")]) -> str:
    """Reads the graph state."""
    return f"{len(state['messages'])} {who}"


@tool
def commands(x: int, tool_call_id: Annotated[str, InjectedToolCallId]) -> Command[Any]:
    """Updates the state itself."""
    return Command(update={"who": "changed",
                           "messages": [ToolMessage("done", tool_call_id=tool_call_id)]})


class State(MessagesState):
    who: str


def run(names: list[str], checkpointer: Any = None) -> tuple[Any, Any]:
    builder = StateGraph(State)
    builder.add_node("tools", ToolNode([as_dict, as_list, as_blocks, as_int, ask, reads_state,
                                        commands]))
    builder.add_edge(START, "tools")
    graph = builder.compile(checkpointer=checkpointer)
    calls = [{"name": n, "args": {"x": 1}, "id": f"c{i}"} for i, n in enumerate(names)]
    config: RunnableConfig = {"configurable": {"thread_id": "t"}}
    out = graph.invoke({"who": "me", "messages": [HumanMessage("hi", id="h"),
                                                  AIMessage("", id="a", tool_calls=calls)]},
                       config)
    return graph, out


class TestToolResults:
    """What a tool returns becomes ToolMessage content as LangChain formats it."""

    def test_dicts_and_lists_are_json_blocks_stay_numbers_are_text(self) -> None:
        _, out = run(["as_dict", "as_list", "as_blocks", "as_int"])
        assert [m.content for m in out["messages"][2:]] == [
            '{"a": 1, "b": [1, "é"]}', '[1, "two"]', [{"type": "text", "text": "hi"}], "7"]
        assert [m.name for m in out["messages"][2:]] == [
            "as_dict", "as_list", "as_blocks", "as_int"]

    def test_tool_message_content_is_coerced_to_text(self) -> None:
        assert ToolMessage(content=7, tool_call_id="1").content == "7"


class TestControlFlowInTools:
    """interrupt() in a tool pauses the graph; a Command from a tool updates it."""

    def test_interrupt_pauses_and_resume_answers(self) -> None:
        graph, out = run(["ask"], InMemorySaver())
        assert [i.value for i in out["__interrupt__"]] == ["q?"]
        assert len(out["messages"]) == 2  # no "Error: GraphInterrupt(...)" message
        out = graph.invoke(Command(resume="yes"), {"configurable": {"thread_id": "t"}})
        assert [(m.content, m.name) for m in out["messages"][2:]] == [("answer: yes", "ask")]

    def test_injected_state_and_a_command_in_call_order(self) -> None:
        _, out = run(["reads_state", "commands"])
        assert [(m.content, m.name, m.tool_call_id) for m in out["messages"][2:]] == [
            ("2 me", "reads_state", "c0"), ("done", "commands", "c1")]
        assert out["who"] == "changed"

    def test_injected_arguments_are_hidden_from_the_model(self) -> None:
        schema_keys = set(reads_state.tool_call_schema.model_json_schema()["properties"]) if (
            hasattr(reads_state, "tool_call_schema")) else set(reads_state.args)
        assert schema_keys == {"x"}


class TestToolErrors:
    """LangGraph's default: refused arguments become a message, other errors raise."""

    @staticmethod
    def _run_node(node: ToolNode, call: dict[str, Any]) -> list[Any]:
        builder = StateGraph(MessagesState)
        builder.add_node("tools", node)
        builder.add_edge(START, "tools")
        out = builder.compile().invoke({"messages": [AIMessage("", tool_calls=[call])]})
        return list(out["messages"][1:])

    def test_refused_arguments_are_described(self) -> None:
        out = self._run_node(ToolNode([as_int]), {"name": "as_int", "args": {"y": "a"},
                                                  "id": "1"})
        assert out[0].status == "error"
        assert out[0].content.startswith("Error invoking tool 'as_int' with kwargs {'y': 'a'}")
        assert out[0].content.endswith("\n Please fix the error and try again.")

    def test_a_custom_handler_chooses_the_text(self) -> None:
        @tool
        def boom(x: int) -> int:
            """Fails."""
            raise KeyError(x)

        def explain(exc: KeyError) -> str:
            return f"missing {exc}"

        call = {"name": "boom", "args": {"x": 3}, "id": "1"}
        out = self._run_node(ToolNode([boom], handle_tool_errors=explain), call)
        assert [(m.content, m.status) for m in out] == [("missing 3", "error")]
        with pytest.raises(KeyError):
            self._run_node(ToolNode([boom], handle_tool_errors=(ValueError,)), call)
