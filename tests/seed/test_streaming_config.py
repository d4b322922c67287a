"""Seed blocks 21–24: models with streaming disabled, and the async examples.

A model built with `streaming=False` is not streamed even under `messages` mode: its reply
is requested whole (`"stream": false`) and LangGraph emits it once, as a whole AIMessage
with id `lc_run--<uuid>-0` (LangChain's id for a model call's single message). The async blocks
run on the test's event loop (pytest-asyncio).
"""

from __future__ import annotations

import re
from typing import Any, TypedDict

import pytest

from engine.chat_models.base import BaseChatModel
from engine.chat_models.openai import ChatOpenAI
from engine.graph import START, StateGraph
from engine.messages import AIMessage, AIMessageChunk

from .doc_blocks import SeedDoc, StreamLog, arun, printed_values, run
from .model_server import ModelServer, delayed, streamed, whole

BLOCKS = (21, 22, 23, 24)

JOKE = ["Ice", " cream", " melts", " laughing"]
WHOLE_ID = re.compile(r"lc_run--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-0")


class JokeState(TypedDict):
    topic: str
    joke: str


def joke_graph(model: BaseChatModel) -> Any:
    """The smallest graph that calls `model`, as block 11's node does."""

    def call_model(state: JokeState) -> dict[str, Any]:
        reply = model.invoke([{"role": "user", "content": f"Write a joke about {state['topic']}"}])
        return {"joke": reply.content}

    return StateGraph(JokeState).add_node(call_model).add_edge(START, "call_model").compile()


def assert_whole_reply(items: list[Any], content: str) -> None:
    """Messages mode yielded the reply once, whole, with the calling node's metadata."""
    assert len(items) == 1
    message, metadata = items[0]
    assert type(message) is AIMessage and not isinstance(message, AIMessageChunk)
    assert message.content == content
    assert WHOLE_ID.fullmatch(message.id or "")
    assert metadata["langgraph_node"] == "call_model"
    assert metadata["ls_integration"] == "langchain_chat_model"


class TestDisableStreaming:
    """Blocks 21 and 22: `streaming=False` makes a model answer in one piece."""

    def test_init_chat_model_with_streaming_false(
        self, doc: SeedDoc, ns: dict[str, Any], llm: ModelServer,
    ) -> None:
        """Block 21's model, called in a graph: one non-streamed request, one whole message."""
        llm.on("Write a joke about ice cream", whole("".join(JOKE)))
        run(doc.block(21, holds='"claude-sonnet-4-5-20250929"').code, ns)
        assert ns["model"].streaming is False
        items = list(joke_graph(ns["model"]).stream({"topic": "ice cream"},
                                                    stream_mode="messages"))
        assert_whole_reply(items, "".join(JOKE))
        body = llm.request_with("Write a joke about ice cream")
        assert (body["model"], body["stream"]) == ("claude-sonnet-4-5-20250929", False)

    def test_chat_openai_with_streaming_false(
        self, doc: SeedDoc, ns: dict[str, Any], llm: ModelServer,
    ) -> None:
        """Block 22's ChatOpenAI, called in a graph: one non-streamed request, one message."""
        llm.on("Write a joke about ice cream", whole("".join(JOKE)))
        run(doc.block(22, holds='ChatOpenAI(model="o1-preview", streaming=False)').code, ns)
        items = list(joke_graph(ns["model"]).stream({"topic": "ice cream"},
                                                    stream_mode="messages"))
        assert_whole_reply(items, "".join(JOKE))
        body = llm.request_with("Write a joke about ice cream")
        assert (body["model"], body["stream"]) == ("o1-preview", False)
        assert "stream_options" not in body

    def test_streaming_model_in_the_same_graph_streams_tokens(
        self, ns: dict[str, Any], llm: ModelServer,
    ) -> None:
        """The contrast that makes blocks 21–22 meaningful: the default model streams."""
        llm.on("Write a joke about ice cream", streamed(JOKE))
        items = list(joke_graph(ChatOpenAI(model="o1-preview")).stream(
            {"topic": "ice cream"}, stream_mode="messages"))
        assert [m.content for m, _ in items if m.content] == JOKE
        assert llm.request_with("Write a joke about ice cream")["stream"] is True


class TestAsyncExamples:
    """Blocks 23 and 24: async nodes with an explicit config and an injected writer."""

    async def test_async_llm_call_with_manual_config(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog, llm: ModelServer,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 23 prints the node's line, then each token as it streams."""
        llm.on("Write a joke about ice cream", delayed(JOKE))
        await arun(doc.block(23, holds="async def call_model(state, config)").code, ns)
        assert capsys.readouterr().out == "Generating joke...\n" + "".join(f"{t}|" for t in JOKE)
        items = streams.last.items
        assert [m.content for m, _ in items if m.content] == JOKE
        assert {md["langgraph_node"] for _, md in items} == {"call_model"}
        assert all("tags" not in md for _, md in items)

    async def test_async_node_with_injected_writer(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 24 (StateGraph/START from block 23's imports) prints the writer's dict."""
        run(doc[23].import_lines, ns)
        await arun(doc.block(24, holds="writer: StreamWriter").code, ns)
        expected = [{"custom_key": "Streaming custom data while generating a joke"}]
        assert printed_values(capsys.readouterr().out) == expected
        assert streams.last.items == expected
        final = await ns["graph"].ainvoke({"topic": "ice cream"})
        assert final == {"topic": "ice cream", "joke": "This is a joke about ice cream"}
