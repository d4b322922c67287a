"""`astream_events` v1/v2: the same StreamEvent sequence LangGraph 1.2.22 emits."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Annotated, Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from typing_extensions import TypedDict

import engine.checkpoint.memory as eng_memory
import engine.graph as eng_graph
import engine.types as eng_types

lg_graph = pytest.importorskip("langgraph.graph")
lg_types = pytest.importorskip("langgraph.types")
lg_memory = pytest.importorskip("langgraph.checkpoint.memory")

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class State(TypedDict):
    x: Annotated[list[str], operator.add]


class Side:
    """One implementation's names: StateGraph, interrupt, InMemorySaver."""

    def __init__(self, graph_mod: Any, types_mod: Any, memory_mod: Any) -> None:
        self.StateGraph = graph_mod.StateGraph
        self.START = graph_mod.START
        self.interrupt = types_mod.interrupt
        self.InMemorySaver = memory_mod.InMemorySaver


ENGINE = Side(eng_graph, eng_types, eng_memory)
LANGGRAPH = Side(lg_graph, lg_types, lg_memory)


def normalized(events: list[dict[str, Any]]) -> list[str]:
    """Each event's repr, with every UUID (run, parent, task, message ids) replaced by its
    order of first appearance, and the installed package versions dropped."""
    names: dict[str, str] = {}
    out = []
    for event in events:
        metadata = {k: v for k, v in event.get("metadata", {}).items() if k != "lc_versions"}
        text = repr({**event, "metadata": metadata})
        out.append(_UUID.sub(lambda m: names.setdefault(m.group(0), f"#{len(names)}"), text))
    return out


async def collect(graph: Any, input: Any, config: Any = None, **kwargs: Any) -> list[Any]:
    return [e async for e in graph.astream_events(input, config, **kwargs)]


Build = Callable[[Side], Any]


def two_nodes_and_a_model(side: Side) -> Any:
    model = GenericFakeChatModel(messages=iter([AIMessage(content="hi there")]))

    def first(state: State) -> dict[str, Any]:
        return {"x": ["a"]}

    async def second(state: State) -> dict[str, Any]:
        reply = await model.ainvoke("hello")
        return {"x": [reply.content]}

    return (side.StateGraph(State).add_node("first", first).add_node("second", second)
            .add_edge(side.START, "first").add_edge("first", "second").compile())


def subgraph_node_and_inline_call(side: Side) -> Any:
    def up(state: State) -> dict[str, Any]:
        return {"x": ["up"]}

    inner = side.StateGraph(State).add_node("up", up).add_edge(side.START, "up").compile()

    def call_inner(state: State, config: RunnableConfig) -> Any:
        return {"x": inner.invoke({"x": []}, config)["x"]}

    return (side.StateGraph(State).add_node("sub", inner).add_node("call", call_inner)
            .add_edge(side.START, "sub").add_edge("sub", "call").compile())


def conditional_edges(side: Side) -> Any:
    def a(state: State) -> dict[str, Any]:
        return {"x": ["a"]}

    def b(state: State) -> dict[str, Any]:
        return {"x": ["b"]}

    def route(state: State) -> str:
        return "b" if state["x"] == ["a"] else "__end__"

    def start_route(state: State) -> str:
        return "a"

    return (side.StateGraph(State).add_node("a", a).add_node("b", b)
            .add_conditional_edges(side.START, start_route, ["a"])
            .add_conditional_edges("a", route, ["b", "__end__"])
            .add_conditional_edges("a", lambda state: "__end__").add_edge("b", "__end__")
            .compile())


class TestSameEventsAsLangGraph:
    """Each scenario runs on LangGraph and on the engine; the normalized events match."""

    @pytest.mark.parametrize("build", [two_nodes_and_a_model, subgraph_node_and_inline_call,
                                       conditional_edges])
    @pytest.mark.parametrize("version", ["v1", "v2"])
    async def test_events(self, build: Build, version: str) -> None:
        config = {"tags": ["t"], "metadata": {"m": 1}}
        with pytest.warns(DeprecationWarning) if version == "v1" else _nothing():
            expected = normalized(await collect(build(LANGGRAPH), {"x": []}, config,
                                                version=version))
        with pytest.warns(DeprecationWarning) if version == "v1" else _nothing():
            got = normalized(await collect(build(ENGINE), {"x": []}, config,
                                           version=version))
        assert got == expected

    async def test_values_mode_chunks(self) -> None:
        kwargs = {"version": "v2", "stream_mode": "values"}
        expected = normalized(await collect(two_nodes_and_a_model(LANGGRAPH), {"x": []},
                                            **kwargs))
        got = normalized(await collect(two_nodes_and_a_model(ENGINE), {"x": []}, **kwargs))
        assert got == expected
        assert "'chunk': {'x': ['a', 'hi there']}" in got[-2]

    async def test_failing_node(self) -> None:
        def build(side: Side) -> Any:
            def boom(state: State) -> dict[str, Any]:
                raise ValueError("boom")

            return side.StateGraph(State).add_node("boom", boom).add_edge(
                side.START, "boom").compile()

        runs = []
        for side in (LANGGRAPH, ENGINE):
            events: list[Any] = []
            with pytest.raises(ValueError, match="boom"):
                async for event in build(side).astream_events({"x": []}, version="v2"):
                    events.append(event)
            runs.append(normalized(events))
        assert runs[1] == runs[0]
        assert len(runs[1]) == 2
        assert "'name': 'boom'" in runs[1][1]

    async def test_interrupt_thread_id_in_metadata(self) -> None:
        def build(side: Side) -> Any:
            def ask(state: State) -> dict[str, Any]:
                return {"x": [side.interrupt("q")]}

            return side.StateGraph(State).add_node("ask", ask).add_edge(
                side.START, "ask").compile(checkpointer=side.InMemorySaver())

        config = {"configurable": {"thread_id": "1"}}
        lg = await collect(build(LANGGRAPH), {"x": []}, config, version="v2")
        got = await collect(build(ENGINE), {"x": []}, config, version="v2")
        assert [(e["event"], e["name"], e["metadata"].get("thread_id")) for e in got] == [
            (e["event"], e["name"], e["metadata"].get("thread_id")) for e in lg]
        assert "__interrupt__" in got[2]["data"]["chunk"]


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


class TestDispatch:
    """Versions, the sync entry point, filters and bound callbacks."""

    async def test_unknown_version(self) -> None:
        graph = two_nodes_and_a_model(ENGINE)
        with pytest.raises(NotImplementedError, match="v9"):
            graph.astream_events({"x": []}, version="v9")

    def test_sync_stream_events_not_implemented(self) -> None:
        graph = two_nodes_and_a_model(ENGINE)
        with pytest.raises(NotImplementedError):
            graph.stream_events({"x": []}, version="v2")

    async def test_include_names_filters(self) -> None:
        graph = two_nodes_and_a_model(ENGINE)
        events = await collect(graph, {"x": []}, version="v2", include_names=["second"])
        assert {e["name"] for e in events} == {"second"}
        assert [e["event"] for e in events] == ["on_chain_start", "on_chain_stream",
                                                "on_chain_end"]

    async def test_with_config_callbacks_kept(self) -> None:
        seen: list[str] = []

        class Names(BaseCallbackHandler):
            def on_chain_start(self, serialized: Any, inputs: Any, **kwargs: Any) -> None:
                seen.append(kwargs["name"])

        graph = two_nodes_and_a_model(ENGINE).with_config({"callbacks": [Names()]})
        events = await collect(graph, {"x": []}, version="v2")
        assert seen == ["LangGraph", "first", "second"]
        assert events[0]["name"] == "LangGraph"

    async def test_model_events_are_children_of_their_node(self) -> None:
        events = await collect(two_nodes_and_a_model(ENGINE), {"x": []}, version="v2")
        node = next(e for e in events if e["event"] == "on_chain_start"
                    and e["name"] == "second")
        model = [e for e in events if e["event"].startswith("on_chat_model")]
        assert [e["event"] for e in model] == ["on_chat_model_start", *(
            ["on_chat_model_stream"] * 3), "on_chat_model_end"]
        assert all(e["parent_ids"][-1] == node["run_id"] for e in model)
        assert model[0]["metadata"]["langgraph_node"] == "second"


class TestMessagesMetadata:
    """A returned message's messages-mode metadata starts with the run's metadata and
    the configurable keys LangGraph propagates (and no others)."""

    def test_same_as_langgraph(self) -> None:
        from langchain_core.messages import HumanMessage

        def build(side: Side, graph_mod: Any) -> Any:
            def node(state: Any) -> dict[str, Any]:
                return {"messages": HumanMessage(content="hello", id="1")}

            return (side.StateGraph(graph_mod.MessagesState).add_node("node", node)
                    .add_edge(side.START, "node").compile())

        config = {"metadata": {"m": 1}, "configurable": {
            "thread_id": "th", "assistant_id": "a", "graph_id": "g", "user_id": "u",
            "some_api_key": "secret", "nested": {"n": 1}}}
        runs = []
        for side, mod in ((LANGGRAPH, lg_graph), (ENGINE, eng_graph)):
            chunks = list(build(side, mod).stream({"messages": []}, config,
                                                  stream_mode="messages"))
            assert len(chunks) == 1
            metadata = dict(chunks[0][1])
            assert metadata.pop("langgraph_checkpoint_ns").startswith("node:")
            runs.append(metadata)  # compared as dicts: LangGraph's key order is a set's
        assert runs[1] == runs[0]
        assert runs[1]["thread_id"] == "th" and "user_id" not in runs[1]

    async def test_model_tokens_with_callbacks(self) -> None:
        """With callbacks, a model's tokens keep LangGraph's messages-mode metadata (no
        `seq:step:N` tags)."""

        class Quiet(BaseCallbackHandler):
            pass

        runs = []
        for side in (LANGGRAPH, ENGINE):
            graph = two_nodes_and_a_model(side)
            runs.append([
                (m.content, {k: v for k, v in md.items()
                             if k not in ("lc_versions", "langgraph_checkpoint_ns",
                                          "checkpoint_ns")})
                async for m, md in graph.astream({"x": []}, {"callbacks": [Quiet()]},
                                                 stream_mode="messages")])
        assert runs[1] == runs[0]
        assert [c for c, _ in runs[1]] == ["hi", " ", "there"]
