"""Agents and LangChain pieces as real programs use them, checked against LangGraph 1.2.22.

Each expectation was measured by running the same program on LangGraph 1.2.22 with
langchain-core 1.7 (ids masked where they are random).
"""

from __future__ import annotations

import re
from typing import Any, cast

import pytest

pytest.importorskip("langchain_core")
if not __import__("engine.messages").messages.USES_LANGCHAIN:  # STEPSCOPE_MESSAGES=engine
    pytest.skip("these programs mix langchain-core's classes with the engine's",
                allow_module_level=True)

from langchain_core.language_models.fake_chat_models import (
    FakeMessagesListChatModel,
    GenericFakeChatModel,
)
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from engine.chat_models import ScriptedChatModel
from engine.graph import START, MessagesState, StateGraph
from engine.prebuilt import create_react_agent
from engine.tools import tool


class ToolCallingFake(FakeMessagesListChatModel):
    """LangChain's fake list model, accepting bound tools (it ignores them)."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return self


@tool
def weather(city: str) -> str:
    """Weather in a city."""
    return f"sunny in {city}"


def two_calls_then_answer() -> ToolCallingFake:
    return ToolCallingFake(responses=[
        AIMessage("", id="r1", tool_calls=[
            {"name": "weather", "args": {"city": "Paris"}, "id": "c1"},
            {"name": "weather", "args": {"city": "Rome"}, "id": "c2"}]),
        AIMessage("Both sunny.", id="r2")])


class TestCreateReactAgent:
    """The prebuilt agent loops model -> tools -> model until a reply has no calls."""

    def test_loop_names_and_graph(self) -> None:
        agent = create_react_agent(two_calls_then_answer(), [weather], prompt="Be brief.",
                                   name="helper")
        out = agent.invoke({"messages": [HumanMessage("weather?", id="h")]})
        assert [(type(m).__name__, m.content, m.name) for m in out["messages"]] == [
            ("HumanMessage", "weather?", None), ("AIMessage", "", "helper"),
            ("ToolMessage", "sunny in Paris", "weather"),
            ("ToolMessage", "sunny in Rome", "weather"), ("AIMessage", "Both sunny.", "helper")]
        assert list(agent.get_graph().nodes) == ["__start__", "agent", "tools", "__end__"]

    def test_v2_sends_each_call_as_its_own_task(self) -> None:
        agent = create_react_agent(two_calls_then_answer(), [weather])
        updates = list(agent.stream({"messages": [("user", "hi")]}, stream_mode="updates"))
        tools = [u["tools"]["messages"][0].tool_call_id for u in updates if "tools" in u]
        assert sorted(tools) == ["c1", "c2"]  # two tasks, one call each

    def test_prompt_reaches_the_model(self) -> None:
        seen: list[list[Any]] = []

        def reply(messages: list[Any]) -> str:
            seen.append(messages)
            return "ok"

        agent = create_react_agent(ScriptedChatModel(reply), [weather], prompt="Be brief.")
        agent.invoke({"messages": [("user", "hi")]})
        assert [(m.type, m.content) for m in seen[0]] == [("system", "Be brief."),
                                                          ("human", "hi")]

    def test_out_of_steps_says_so(self) -> None:
        agent = create_react_agent(two_calls_then_answer(), [weather])
        out = agent.invoke({"messages": [("user", "hi")]}, {"recursion_limit": 2})
        assert [m.content for m in out["messages"]] == [
            "hi", "Sorry, need more steps to process this request."]
        assert out["messages"][1].id == "r1"

    def test_unsupported_options_are_named(self) -> None:
        with pytest.raises(NotImplementedError, match="post_model_hook"):
            create_react_agent(two_calls_then_answer(), [weather], post_model_hook=lambda s: s)


class TestLangChainRunnables:
    """LangChain Runnables as nodes, and `prompt | model` with the engine's models."""

    def test_runnables_as_nodes(self) -> None:
        model = FakeMessagesListChatModel(responses=[AIMessage("ok", id="r1")])
        prompt = ChatPromptTemplate.from_messages([("system", "Be brief."),
                                                   ("placeholder", "{messages}")])
        chain = prompt | model
        builder = StateGraph(MessagesState)
        # (the engine's add_node annotations do not name LangChain's Runnable types)
        builder.add_node("agent", cast(Any, RunnableLambda(
            lambda s: {"messages": [chain.invoke(s)]})))
        builder.add_node("pt", cast(Any, RunnablePassthrough()))
        builder.add_edge(START, "agent")
        builder.add_edge("agent", "pt")
        updates = list(builder.compile().stream({"messages": [("user", "hi")]},
                                                stream_mode="updates"))
        assert [list(u) for u in updates] == [["agent"], ["pt"]]
        assert [m.content for m in updates[1]["pt"]["messages"]] == ["hi", "ok"]

    def test_a_runnable_node_is_named_after_itself(self) -> None:
        builder = StateGraph(MessagesState)
        builder.add_node(cast(Any, RunnableLambda(lambda s: {}, name="noop")))
        assert "noop" in builder.nodes

    def test_prompt_pipes_into_an_engine_model(self) -> None:
        prompt = ChatPromptTemplate.from_messages([("system", "Be brief."),
                                                   ("placeholder", "{messages}")])
        seen: list[list[Any]] = []

        def reply(messages: list[Any]) -> str:
            seen.append(messages)
            return "hello there"

        model = ScriptedChatModel(reply)
        answer = cast(Any, prompt | model).invoke({"messages": [("user", "hi")]})
        assert answer.content == "hello there"
        assert [m.type for m in seen[0]] == ["system", "human"]


def _masked(ids: list[Any]) -> list[str]:
    return [re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "U", str(i)) for i in ids]


class TestModelMessageIds:
    """A model call's id is LangChain's: `lc_run--<uuid>` when the run streams messages
    (the call is streamed), `lc_run--<uuid>-0` otherwise (one whole reply)."""

    @staticmethod
    def _graph(model: Any) -> Any:
        builder = StateGraph(MessagesState)
        builder.add_node("agent", lambda s: {"messages": [model.invoke(s["messages"])]})
        builder.add_edge(START, "agent")
        return builder.compile()

    @pytest.mark.parametrize("make", [
        lambda: GenericFakeChatModel(messages=iter(["a b", "c d", "e f"])),
        lambda: ScriptedChatModel(["a b", "c d", "e f"]),
    ], ids=["langchain-model", "engine-model"])
    def test_ids_by_stream_mode(self, make: Any) -> None:
        graph = self._graph(make())
        invoked = graph.invoke({"messages": [("user", "hi")]})["messages"][-1].id
        streamed = next(m.id for m, _ in graph.stream({"messages": [("user", "hi")]},
                                                      stream_mode="messages"))
        values = [c["messages"][-1].id for c in graph.stream({"messages": [("user", "hi")]},
                                                             stream_mode="values")][-1]
        assert _masked([invoked, streamed, values]) == ["lc_run--U-0", "lc_run--U",
                                                        "lc_run--U-0"]

    def test_tool_message_is_what_tools_return(self) -> None:
        assert isinstance(weather.invoke({"type": "tool_call", "name": "weather",
                                          "args": {"city": "X"}, "id": "1"}), ToolMessage)


class TestLangChainCaptureAcrossTasks:
    """One capturing handler per loop: each call's events name the task that made it."""

    def test_parallel_nodes_calls_are_told_apart(self) -> None:
        from engine import capture_events

        def caller(text: str) -> Any:
            def node(state: MessagesState) -> dict[str, Any]:
                model = GenericFakeChatModel(messages=iter([text]))
                return {"messages": [model.invoke(cast(Any, state["messages"]))]}
            return node

        builder = StateGraph(MessagesState)
        builder.add_node("left", caller("l1 l2"))
        builder.add_node("right", caller("r1 r2 r3"))
        builder.add_edge(START, "left")
        builder.add_edge(START, "right")
        with capture_events() as events:
            list(builder.compile().stream({"messages": [("user", "hi")]},
                                          stream_mode="messages"))
        tokens: dict[str, list[str]] = {}
        for event in events.of("token"):
            tokens.setdefault(event.data["name"], []).append(event.data["text"])
        assert tokens == {"left": ["l1", " ", "l2"], "right": ["r1", " ", "r2", " ", "r3"]}
        ends = {e.data["name"]: e.data["task_id"] for e in events.of("task_end")}
        assert {e.data["task_id"] for e in events.of("llm_end")} == set(ends.values())
