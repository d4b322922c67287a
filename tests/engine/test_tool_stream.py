"""The `tools` stream mode: ToolNode's tool calls as LangGraph 1.2.22 streams them."""

from __future__ import annotations

import operator
from typing import Annotated, Any

import pytest
from typing_extensions import TypedDict

from engine.graph import END, START, StateGraph
from engine.messages import AIMessage
from engine.prebuilt import ToolNode, ToolRuntime
from engine.pregel.tool_stream import emit_output_delta
from engine.tools import tool

lg_graph = pytest.importorskip("langgraph.graph")
lg_prebuilt = pytest.importorskip("langgraph.prebuilt")


class State(TypedDict):
    messages: Annotated[list[Any], operator.add]


def calls(*pairs: tuple[str, str, dict[str, Any]]) -> Any:
    def caller(state: State) -> dict[str, Any]:
        return {"messages": [AIMessage(content="", tool_calls=[
            {"name": name, "args": args, "id": cid} for cid, name, args in pairs])]}

    return caller


@tool
def echo(text: str) -> str:
    """Echo the text."""
    return f"echoed:{text}"


@tool
def chunks(text: str) -> str:
    """Send the text in pieces, then return it."""
    for piece in text:
        emit_output_delta(piece)
    return text


seen: dict[str, Any] = {}


@tool
def with_runtime(text: str, runtime: ToolRuntime) -> str:
    """Send the text through the runtime, then return it."""
    seen.update(call_id=runtime.tool_call_id, state=runtime.state)
    runtime.emit_output_delta(text.upper())
    return text


@tool
def boom() -> str:
    """Fail."""
    raise ValueError("nope")


def agent(caller: Any, tools: list[Any], **options: Any) -> Any:
    return (StateGraph(State).add_node("caller", caller)
            .add_node("tools", ToolNode(tools, **options))
            .add_edge(START, "caller").add_edge("caller", "tools").add_edge("tools", END)
            .compile())


def tool_chunks(stream: Any) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    return [(tuple(ns), payload) for ns, mode, payload in stream if mode == "tools"]


class TestToolsMode:
    """Lifecycle chunks: started, deltas, finished or error."""

    def test_same_shape_as_langgraph(self) -> None:
        from langchain_core.messages import AIMessage as LCAIMessage
        from langchain_core.tools import tool as lc_tool

        @lc_tool
        def lc_echo(text: str) -> str:
            """Echo the text."""
            return f"echoed:{text}"

        def lc_caller(state: Any) -> dict[str, Any]:
            return {"messages": [LCAIMessage(content="", tool_calls=[
                {"name": "lc_echo", "args": {"text": "hi"}, "id": "tc1"}])]}

        class LCState(TypedDict):
            messages: Annotated[list[Any], operator.add]

        lg = (lg_graph.StateGraph(LCState).add_node("caller", lc_caller)
              .add_node("tools", lg_prebuilt.ToolNode([lc_echo]))
              .add_edge(lg_graph.START, "caller").add_edge("caller", "tools").compile())
        expected = tool_chunks(lg.stream({"messages": []}, stream_mode=["tools"],
                                         subgraphs=True))
        got = tool_chunks(agent(calls(("tc1", "echo", {"text": "hi"})), [echo]).stream(
            {"messages": []}, stream_mode=["tools"], subgraphs=True))

        def shape(chunks: list[Any]) -> list[Any]:
            return [(ns, {k: v for k, v in p.items() if k not in ("output", "tool_name")})
                    for ns, p in chunks]

        assert shape(got) == shape(expected)
        assert got[1][1]["output"].content == expected[1][1]["output"].content

    def test_deltas_between_start_and_finish(self) -> None:
        graph = agent(calls(("c", "chunks", {"text": "abc"})), [chunks])
        got = [p for p in graph.stream({"messages": []}, stream_mode="tools")]
        assert [p["event"] for p in got] == [
            "tool-started", "tool-output-delta", "tool-output-delta", "tool-output-delta",
            "tool-finished"]
        assert [p["delta"] for p in got[1:4]] == ["a", "b", "c"]

    async def test_parallel_calls_keep_their_ids(self) -> None:
        graph = agent(calls(("a", "chunks", {"text": "AA"}), ("b", "chunks", {"text": "BB"})),
                      [chunks])
        by_id: dict[str, list[str]] = {}
        async for payload in graph.astream({"messages": []}, stream_mode="tools"):
            if payload["event"] == "tool-output-delta":
                by_id.setdefault(payload["tool_call_id"], []).append(payload["delta"])
        assert by_id == {"a": ["A", "A"], "b": ["B", "B"]}

    def test_error_event_even_when_handled(self) -> None:
        graph = agent(calls(("x", "boom", {})), [boom], handle_tool_errors=True)
        got = list(graph.stream({"messages": []}, stream_mode="tools"))
        assert [(p["event"], p.get("message")) for p in got] == [
            ("tool-started", None), ("tool-error", "nope")]

    def test_subgraph_namespace(self) -> None:
        inner = agent(calls(("t", "echo", {"text": "x"})), [echo])
        outer = StateGraph(State).add_node("sub", inner).add_edge(START, "sub").compile()
        got = tool_chunks(outer.stream({"messages": []}, stream_mode=["tools"],
                                       subgraphs=True))
        assert len(got) == 2 and all(ns[0].startswith("sub:") for ns, _ in got)
        assert list(outer.stream({"messages": []}, stream_mode=["tools"])) == []

    def test_error_event_then_the_error(self) -> None:
        graph = agent(calls(("x", "boom", {})), [boom])  # LangGraph's default: re-raise
        got: list[Any] = []
        with pytest.raises(ValueError, match="nope"):
            for payload in graph.stream({"messages": []}, stream_mode="tools"):
                got.append(payload["event"])
        assert got == ["tool-started", "tool-error"]

    def test_tool_runtime(self) -> None:
        """A `runtime: ToolRuntime` argument is the ToolNode's to fill, not the model's."""
        schema = with_runtime.args if hasattr(with_runtime, "args") else {}
        assert "runtime" not in schema and "text" in schema
        graph = agent(calls(("r1", "with_runtime", {"text": "hey"})), [with_runtime])
        got = list(graph.stream({"messages": []}, stream_mode="tools"))
        assert [(p["event"], p.get("delta")) for p in got] == [
            ("tool-started", None), ("tool-output-delta", "HEY"), ("tool-finished", None)]
        assert got[0]["input"] == {"text": "hey"}
        assert seen["call_id"] == "r1" and len(seen["state"]["messages"]) == 1
        # without the tools mode the delta goes nowhere and the tool still runs
        assert graph.invoke({"messages": []})["messages"][-1].content == "hey"

    def test_nothing_without_tools_mode(self) -> None:
        graph = agent(calls(("c", "chunks", {"text": "ab"})), [chunks])
        modes = {mode for mode, _ in graph.stream({"messages": []},
                                                  stream_mode=["updates", "custom"])}
        assert modes == {"updates"}
