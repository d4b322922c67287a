"""Tools, ToolNode, tools_condition, LangChain capture and the sample agent."""

from __future__ import annotations

import time

import pytest

from engine.config import get_stream_writer
from engine.constants import END
from engine.graph import START, MessagesState, StateGraph
from engine.messages import AIMessage, HumanMessage, ToolMessage
from engine.prebuilt import ToolNode, tools_condition
from engine.tool_classes import ToolArgumentsError, tool


@tool
def add(a: int, b: int = 1) -> int:
    """Add two numbers.

    Args:
        a: The first number.
        b: The second number.
    """
    return a + b


@tool("slow_echo")
def slow(text: str) -> str:
    """Echo after a pause, reporting progress."""
    get_stream_writer()({"echo": text})
    time.sleep(0.2)
    return text


@tool
def broken(x: int) -> str:
    """Always fails."""
    raise RuntimeError(f"cannot handle {x}")


def calls(*pairs: tuple[str, dict[str, object]]) -> dict[str, list[AIMessage]]:
    return {"messages": [AIMessage("", tool_calls=[
        {"name": n, "args": a, "id": f"c{i}"} for i, (n, a) in enumerate(pairs)])]}


class TestTool:
    """The engine's own @tool (used without langchain-core): schema from the signature,
    invoke with dicts or tool calls."""

    def test_schema(self) -> None:
        """Name, description and a JSON schema with per-argument docs and defaults."""
        assert add.name == "add" and add.description == "Add two numbers."
        props = add.args_schema["properties"]
        assert props["a"] == {"title": "A", "type": "integer", "description": "The first number."}
        assert props["b"]["default"] == 1 and add.args_schema["required"] == ["a"]
        assert slow.name == "slow_echo"

    def test_invoke_forms(self) -> None:
        """A dict gives the value; a tool call gives a ToolMessage with its id."""
        assert add.invoke({"a": 2, "b": 3}) == 5
        message = add.invoke({"type": "tool_call", "name": "add", "args": {"a": 2}, "id": "x"})
        assert isinstance(message, ToolMessage)
        assert (message.content, message.tool_call_id, message.name) == ("3", "x", "add")

    def test_bad_arguments(self) -> None:
        """Unknown or missing arguments are named in the error."""
        with pytest.raises(ToolArgumentsError, match="unexpected arguments: \\['c'\\]"):
            add.invoke({"a": 1, "c": 2})
        with pytest.raises(ToolArgumentsError, match="missing required arguments: \\['a'\\]"):
            add.invoke({})

    def test_docstring_required(self) -> None:
        """A function without docstring or description is refused."""
        with pytest.raises(ValueError, match="must have a docstring"):
            tool(lambda x: x)


class TestToolNode:
    """ToolNode runs the last AIMessage's calls in parallel, errors become messages."""

    def test_parallel_and_writer(self) -> None:
        """Two 0.2 s tool calls take about 0.2 s; their custom writes reach the stream."""
        graph = (StateGraph(MessagesState).add_node("tools", ToolNode([slow]))
                 .add_edge(START, "tools").compile())
        start = time.perf_counter()
        items = list(graph.stream(calls(("slow_echo", {"text": "a"}), ("slow_echo",
                                         {"text": "b"})), stream_mode=["custom", "updates"]))
        assert time.perf_counter() - start < 0.38
        customs = sorted(c["echo"] for mode, c in items if mode == "custom")
        assert customs == ["a", "b"]
        out = items[-1][1]["tools"]["messages"]
        assert [m.content for m in out] == ["a", "b"]
        assert all(m.id for m in out)

    def test_error_becomes_tool_message(self) -> None:
        """handle_tool_errors=True: a raising tool gives an error ToolMessage; an unknown
        tool is named (whatever the setting)."""
        node = ToolNode([broken], handle_tool_errors=True)
        out = node(calls(("broken", {"x": 7}), ("nope", {})))["messages"]
        assert out[0].status == "error" and "cannot handle 7" in out[0].content
        assert "nope is not a valid tool, try one of [broken]" in out[1].content

    def test_errors_fail_the_run_by_default(self) -> None:
        """By default only refused arguments become a message; other errors raise."""
        node = ToolNode([broken, add])
        with pytest.raises(RuntimeError, match="cannot handle 7"):
            node(calls(("broken", {"x": 7})))
        out = node(calls(("add", {"c": 1})))["messages"]
        assert out[0].status == "error"
        assert out[0].content.startswith("Error invoking tool 'add' with kwargs {'c': 1}")

    def test_tools_condition(self) -> None:
        """Routes to tools when the last message asks for calls, else END."""
        assert tools_condition(calls(("add", {"a": 1}))) == "tools"
        assert tools_condition({"messages": [AIMessage("done")]}) == END
        with pytest.raises(ValueError):
            tools_condition({"messages": []})


class TestLangChainCapture:
    """A LangChain chat model inside a node is captured like stepscope's own."""

    def test_tokens_reach_messages_mode_and_events(self) -> None:
        """langchain-core's fake model: tokens in messages mode and token events."""
        fake = pytest.importorskip("langchain_core.language_models.fake_chat_models")
        lc_messages = pytest.importorskip("langchain_core.messages")
        from engine import capture_events

        def call_model(state: MessagesState) -> dict[str, list[object]]:
            model = fake.GenericFakeChatModel(messages=iter([lc_messages.AIMessage("a b")]))
            return {"messages": [model.invoke(state["messages"])]}

        graph = (StateGraph(MessagesState).add_node(call_model)
                 .add_edge(START, "call_model").compile())
        with capture_events() as events:
            items = list(graph.stream({"messages": [lc_messages.HumanMessage("hi")]},
                                      stream_mode="messages"))
        assert [m.content for m, _ in items] == ["a", " ", "b"]
        assert items[0][1]["ls_provider"] == "genericfakechatmodel"
        assert [e.data["text"] for e in events.of("token")] == ["a", " ", "b"]
        assert events.of("llm_end")[0].data["tokens"] == 3


class TestSampleAgent:
    """sample_graphs/agent.py loops model → tools → model and answers."""

    def test_scripted_agent(self) -> None:
        """Offline it makes two rounds of tool calls and then answers in words."""
        from sample_graphs.agent import build, inputs

        out = build().invoke(inputs)
        kinds = [type(m).__name__ for m in out["messages"]]
        assert kinds == ["HumanMessage", "AIMessage", "ToolMessage", "ToolMessage",
                         "AIMessage", "ToolMessage", "AIMessage"]
        assert out["messages"][-1].content.startswith("Tokyo is warmer")
        assert isinstance(out["messages"][0], HumanMessage)


class TestSampleAgentOnAServer:
    """With OPENAI_BASE_URL set, the sample agent talks to that server instead."""

    def test_agent_against_fake_openai(self, server, monkeypatch: pytest.MonkeyPatch) -> None:
        """Two tool calls streamed by the server run in the ToolNode, then the answer."""
        from sample_graphs.agent import build, inputs

        from .fake_openai import chunk, sse, text_events, tool_delta

        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        server.script(
            sse([chunk(role="assistant", content=""),
                 chunk(tool_calls=[tool_delta(0, id="c1", name="get_weather",
                                              arguments='{"city": "Oslo"}')]),
                 chunk(finish="tool_calls")]),
            sse(text_events(["Oslo", " is", " 4°C."])),
        )
        out = build().invoke(inputs)
        messages = out["messages"]
        assert [type(m).__name__ for m in messages] == [
            "HumanMessage", "AIMessage", "ToolMessage", "AIMessage"]
        assert messages[2].content == "It is 4°C in Oslo."
        assert messages[-1].content == "Oslo is 4°C."
        body = server.requests[0].body
        assert body["tools"][0]["function"]["name"] == "get_weather"
        assert body["messages"][0]["role"] == "system"
