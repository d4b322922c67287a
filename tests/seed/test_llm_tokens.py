"""Seed blocks 11–15: LLM tokens in `messages` mode, filtered by tags and by node.

The models talk to a local OpenAI-compatible server (`llm`), which streams scripted tokens.
Metadata is checked against what LangGraph 1.2.22 yields: `langgraph_*` fields, and `tags`
(present only when the model has tags). `lc_versions` is LangChain's version stamp,
deliberately absent from stepscope's own models (tests/conformance/README.md).

`TestLangChainOpenAIParity` pins what the original program does with the real libraries,
measured against this same fake server (langgraph 1.2.22, langchain 1.4.7,
langchain-openai 1.7.3, langchain-core 1.7.2). Where stepscope differs those tests are
strict xfails naming the difference: they start passing (and so fail) once it is fixed.
"""

from __future__ import annotations

import re
from typing import Any, TypedDict

import pytest

from engine.chat_models.base import BaseChatModel
from engine.chat_models.openai import ChatOpenAI
from engine.graph import START, StateGraph
from engine.messages import AIMessageChunk
from tests.engine.fake_openai import MODEL

from .doc_blocks import SeedDoc, StreamLog, arun, run
from .model_server import ModelServer, delayed, streamed

BLOCKS = (11, 12, 13, 14, 15)

JOKE = ["Why", " did", " the", " cat", " sit?"]
POEM = ["Soft", " paws", " at", " dawn"]
# Measured: LangGraph + langchain-openai's token metadata, in order (lc_versions left out).
LANGCHAIN_OPENAI_METADATA_KEYS = [
    "ls_integration", "langgraph_step", "langgraph_node", "langgraph_triggers",
    "langgraph_path", "langgraph_checkpoint_ns", "checkpoint_ns", "ls_provider",
    "ls_model_name", "ls_model_type", "ls_temperature",
]
ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def contents(items: list[Any], **where: Any) -> list[str]:
    """The non-empty token texts whose metadata has every `where` key/value, in order."""
    return [msg.content for msg, md in items
            if msg.content and all(md.get(k) == v for k, v in where.items())]


def assert_one_streamed_call(items: list[Any]) -> None:
    """Every item is a chunk of one call: one shared id; only the last is marked 'last'."""
    assert all(isinstance(msg, AIMessageChunk) for msg, _ in items)
    assert len({msg.id for msg, _ in items}) == 1
    assert [msg.chunk_position for msg, _ in items] == [None] * (len(items) - 1) + ["last"]


class TopicState(TypedDict):
    topic: str
    joke: str
    poem: str


def joke_and_poem_graph(joke_model: BaseChatModel, poem_model: BaseChatModel) -> Any:
    """Block 12's "graph that uses these LLMs": block 13's graph, with block 12's models."""

    async def call_model(state: TopicState, config: Any) -> dict[str, Any]:
        topic = state["topic"]
        joke = await joke_model.ainvoke(
            [{"role": "user", "content": f"Write a joke about {topic}"}], config)
        poem = await poem_model.ainvoke(
            [{"role": "user", "content": f"Write a short poem about {topic}"}], config)
        return {"joke": joke.content, "poem": poem.content}

    return StateGraph(TopicState).add_node(call_model).add_edge(START, "call_model").compile()


def named_nodes_graph(model: BaseChatModel) -> Any:
    """Block 14's placeholder node name made real: `some_node_name` beside another LLM node."""

    def some_node_name(state: TopicState) -> dict[str, Any]:
        reply = model.invoke([{"role": "user", "content": f"Write a joke about {state['topic']}"}])
        return {"joke": reply.content}

    def other_node(state: TopicState) -> dict[str, Any]:
        reply = model.invoke([{"role": "user", "content": f"Write a short poem about "
                                                          f"{state['topic']}"}])
        return {"poem": reply.content}

    return (StateGraph(TopicState).add_node(some_node_name).add_node(other_node)
            .add_edge(START, "some_node_name").add_edge(START, "other_node").compile())


class TestMessagesMode:
    """Block 11: tokens of a model `.invoke`d inside a node come out one by one."""

    def test_tokens_print_in_order(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog, llm: ModelServer,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 11 prints every token followed by `|`, with the node's LLM metadata."""
        llm.on("Generate a joke about ice cream", streamed(JOKE))
        run(doc.block(11, holds="class MyState").code, ns)
        assert capsys.readouterr().out == "".join(f"{t}|" for t in JOKE)
        items = streams.last.items
        assert contents(items) == JOKE
        assert_one_streamed_call(items)
        for _, metadata in items:
            assert "tags" not in metadata  # the model has no tags
            assert metadata["ls_integration"] == "langchain_chat_model"
            assert metadata["langgraph_node"] == "call_model"
            assert metadata["langgraph_step"] == 1
            assert metadata["langgraph_triggers"] == ("branch:to:call_model",)
            assert metadata["langgraph_path"] == ("__pregel_pull", "call_model")
            assert re.fullmatch(f"call_model:{ID}", metadata["checkpoint_ns"])
            assert metadata["langgraph_checkpoint_ns"] == metadata["checkpoint_ns"]
            assert (metadata["ls_provider"], metadata["ls_model_type"]) == ("openai", "chat")

    def test_model_request_goes_to_the_configured_server(
        self, doc: SeedDoc, ns: dict[str, Any], llm: ModelServer,
    ) -> None:
        """Block 11's `init_chat_model("gpt-4.1-mini")` streams from OPENAI_BASE_URL."""
        llm.on("Generate a joke about ice cream", streamed(JOKE))
        run(doc.block(11, holds="class MyState").code, ns)
        body = llm.request_with("Generate a joke about ice cream")
        assert body["model"] == "gpt-4.1-mini" and body["stream"] is True
        assert body["messages"] == [{"role": "user", "content": "Generate a joke about ice cream"}]


class TestFilterByTags:
    """Blocks 12 and 13: `metadata["tags"]` tells two models' tokens apart."""

    async def test_fragment_prints_only_the_joke_model(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog, llm: ModelServer,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 12, with `graph = ...` filled by block 13's graph built on model_1/model_2."""
        llm.on("Write a joke about cats", streamed(JOKE))
        llm.on("Write a short poem about cats", streamed(POEM))
        models, loop = doc.block(12, holds="model_1 = init_chat_model").around("graph = ...")
        run(models, ns)
        ns["graph"] = joke_and_poem_graph(ns["model_1"], ns["model_2"])
        await arun(loop, ns)
        items = streams.last.items
        # The block prints every joke-tagged chunk, empty ones included (no content check).
        joke_items = [msg for msg, md in items if md["tags"] == ["joke"]]
        assert capsys.readouterr().out == "".join(f"{m.content}|" for m in joke_items)
        assert contents(items, tags=["joke"]) == JOKE
        assert contents(items, tags=["poem"]) == POEM
        assert contents(items) == JOKE + POEM

    async def test_extended_example_streams_joke_tokens_while_the_node_runs(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog, llm: ModelServer,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 13 prints the joke tokens; the first arrives before the poem is started."""
        llm.on("Write a joke about cats", delayed(JOKE))
        llm.on("Write a short poem about cats", delayed(POEM))
        await arun(doc.block(13, holds="joke_model = init_chat_model").code, ns)
        out = capsys.readouterr().out
        # The role delta's empty chunk prints first (see test_tag_filter_prints_every_empty_...).
        assert out.startswith(f"Writing joke...\n|{JOKE[0]}|")
        assert out.index(f"{JOKE[0]}|") < out.index("\n\nWriting poem...\n")
        printed = out.replace("Writing joke...\n", "").replace("\n\nWriting poem...\n", "")
        assert [t for t in printed.split("|") if t] == JOKE
        items = streams.last.items
        assert contents(items, tags=["joke"]) == JOKE
        assert contents(items, tags=["poem"]) == POEM
        assert {md["langgraph_node"] for _, md in items} == {"call_model"}
        for tag in ("joke", "poem"):
            assert_one_streamed_call([(m, md) for m, md in items if md["tags"] == [tag]])


class TestFilterByNode:
    """Blocks 14 and 15: `metadata["langgraph_node"]` picks one node's tokens."""

    def test_fragment_filter_selects_the_named_node(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog, llm: ModelServer,
    ) -> None:
        """Block 14, given a graph with a node called `some_node_name` and `inputs`.

        The block's body is `...`, so what its filter would select is checked on the items
        its loop received.
        """
        llm.on("Write a joke about cats", streamed(JOKE))
        llm.on("Write a short poem about cats", streamed(POEM))
        ns["graph"] = named_nodes_graph(ChatOpenAI(model="gpt-4.1-mini"))
        ns["inputs"] = {"topic": "cats"}
        run(doc.block(14, holds='metadata["langgraph_node"] == "some_node_name"').code, ns)
        assert streams.last.kwargs == {"stream_mode": "messages"}
        items = streams.last.items
        assert contents(items, langgraph_node="some_node_name") == JOKE
        assert contents(items, langgraph_node="other_node") == POEM

    def test_extended_example_prints_only_the_poem(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog, llm: ModelServer,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 15 runs write_joke ∥ write_poem and prints write_poem's tokens only."""
        llm.on("Write a joke about cats", streamed(JOKE))
        llm.on("Write a short poem about cats", streamed(POEM))
        run(doc.block(15, holds="from langchain_openai import ChatOpenAI").code, ns)
        assert capsys.readouterr().out == "".join(f"{t}|" for t in POEM)
        items = streams.last.items
        assert contents(items, langgraph_node="write_poem") == POEM
        assert contents(items, langgraph_node="write_joke") == JOKE
        for node in ("write_joke", "write_poem"):
            mine = [(m, md) for m, md in items if md["langgraph_node"] == node]
            assert_one_streamed_call(mine)
            assert {md["langgraph_triggers"] for _, md in mine} == {(f"branch:to:{node}",)}
            assert {md["langgraph_step"] for _, md in mine} == {1}  # both in superstep 1
            assert "tags" not in mine[0][1]


class TestLangChainOpenAIParity:
    """Where stepscope's ChatOpenAI streams differently from langchain-openai under LangGraph."""

    def test_token_metadata_names_the_model(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog, llm: ModelServer,
    ) -> None:
        """Block 11's token metadata has `ls_model_name` and `ls_temperature`, in this order."""
        llm.on("Generate a joke about ice cream", streamed(JOKE))
        run(doc.block(11, holds="class MyState").code, ns)
        for _, metadata in streams.last.items:
            assert [k for k in metadata if k != "lc_versions"] == LANGCHAIN_OPENAI_METADATA_KEYS
            assert metadata["ls_model_name"] == "gpt-4.1-mini"
            assert metadata["ls_temperature"] is None

    def test_chunks_of_one_call(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog, llm: ModelServer,
    ) -> None:
        """Block 11 yields the role delta (''), the tokens, the finish chunk, then an empty
        chunk marked 'last'; every chunk says `model_provider: openai`."""
        llm.on("Generate a joke about ice cream", streamed(JOKE))
        run(doc.block(11, holds="class MyState").code, ns)
        items = streams.last.items
        assert [msg.content for msg, _ in items] == ["", *JOKE, "", ""]
        assert [msg.response_metadata for msg, _ in items[:-2]] == [
            {"model_provider": "openai"}] * (len(JOKE) + 1)
        assert items[-2][0].response_metadata == {
            "finish_reason": "stop", "model_name": MODEL, "model_provider": "openai"}
        assert (items[-1][0].response_metadata, items[-1][0].chunk_position) == ({}, "last")

    async def test_tag_filter_prints_every_empty_chunk_too(
        self, doc: SeedDoc, ns: dict[str, Any], llm: ModelServer,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 13 prints `|` for the joke call's role delta, tokens, finish and last chunk."""
        llm.on("Write a joke about cats", delayed(JOKE))
        llm.on("Write a short poem about cats", delayed(POEM))
        await arun(doc.block(13, holds="joke_model = init_chat_model").code, ns)
        out = capsys.readouterr().out
        printed = out.replace("Writing joke...\n", "").replace("\n\nWriting poem...\n", "")
        assert printed == "|" + "".join(f"{t}|" for t in JOKE) + "||"

    def test_request_to_a_custom_base_url(
        self, doc: SeedDoc, ns: dict[str, Any], llm: ModelServer,
    ) -> None:
        """With OPENAI_BASE_URL set, block 11's request has no `stream_options`."""
        llm.on("Generate a joke about ice cream", streamed(JOKE))
        run(doc.block(11, holds="class MyState").code, ns)
        assert llm.request_with("Generate a joke about ice cream") == {
            "model": "gpt-4.1-mini", "stream": True,
            "messages": [{"role": "user", "content": "Generate a joke about ice cream"}]}
