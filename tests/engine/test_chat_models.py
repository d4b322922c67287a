"""Chat models: chunking, token events with timings, messages mode, provider selection."""

from __future__ import annotations

import itertools

import pytest

from engine import capture_events
from engine.chat_models import (
    FakeMessagesListChatModel,
    GenericFakeChatModel,
    ScriptedChatModel,
    init_chat_model,
)
from engine.graph import START, MessagesState, StateGraph
from engine.messages import AIMessage, AIMessageChunk, HumanMessage

INPUT = {"messages": [HumanMessage("hi", id="h1")]}


def one_node(model_factory, *, stream: bool = False):
    """A graph whose node calls the model (invoke, or stream summing chunks)."""

    def call_model(state: MessagesState) -> dict[str, list[AIMessage]]:
        model = model_factory()
        if stream:
            full = None
            for chunk in model.stream(state["messages"]):
                full = chunk if full is None else full + chunk
            assert full is not None
            return {"messages": [full]}
        return {"messages": [model.invoke(state["messages"])]}

    return StateGraph(MessagesState).add_node(call_model).add_edge(START, "call_model").compile()


class TestChunking:
    """How the models split replies, outside any graph."""

    def test_generic_fake_words_and_spaces(self) -> None:
        """GenericFakeChatModel streams words and whitespace as separate chunks."""
        model = GenericFakeChatModel(messages=iter([AIMessage("Hello there friend")]))
        chunks = list(model.stream("hi"))
        assert [c.content for c in chunks] == ["Hello", " ", "there", " ", "friend"]
        assert [c.chunk_position for c in chunks] == [None] * 4 + ["last"]
        assert len({c.id for c in chunks}) == 1

    def test_invoke_returns_whole_message(self) -> None:
        """invoke returns one AIMessage with the joined text and the call's id."""
        reply = GenericFakeChatModel(messages=iter(["a b c"])).invoke("hi")
        assert isinstance(reply, AIMessage) and not isinstance(reply, AIMessageChunk)
        assert reply.content == "a b c" and reply.id is not None and reply.id.startswith("lc_run--")

    def test_scripted_runs_out_clearly(self) -> None:
        """A ScriptedChatModel with no reply left names the call number."""
        model = ScriptedChatModel(["only one"])
        model.invoke("x")
        with pytest.raises(ValueError, match="ran out of replies: call 2, 1 scripted"):
            model.invoke("x")

    def test_scripted_reply_function_and_tool_calls(self) -> None:
        """A reply function sees the prompt; tool calls survive streaming."""
        model = ScriptedChatModel(lambda msgs: AIMessage(
            f"echo {msgs[-1].content}",
            tool_calls=[{"name": "t", "args": {"q": 1}, "id": "c1"}]))
        reply = model.invoke([HumanMessage("ping")])
        assert reply.content == "echo ping"
        assert reply.tool_calls == [{"name": "t", "args": {"q": 1}, "id": "c1",
                                     "type": "tool_call"}]
        assert reply.usage_metadata is not None and reply.usage_metadata["output_tokens"] == 3


class TestTokenEvents:
    """Inside a task every call is llm_start, a token per chunk, llm_end, with times."""

    def test_events_and_timing(self) -> None:
        """Token events carry chunks in order; gaps reflect the model's token delay."""
        graph = one_node(lambda: ScriptedChatModel(["one two three"], first_token_delay=0.05,
                                                   token_delay=0.02))
        with capture_events() as events:
            graph.invoke(INPUT)
        start, end = events.of("llm_start")[0], events.of("llm_end")[0]
        tokens = events.of("token")
        assert [t.data["text"] for t in tokens] == ["one", " ", "two", " ", "three"]
        assert {t.data["call_id"] for t in tokens} == {start.data["call_id"]}
        assert start.data["model"] == "scripted" and start.data["prompt"][0].content == "hi"
        assert tokens[0].t - start.t >= 45_000_000
        gaps = [b.t - a.t for a, b in itertools.pairwise(tokens)]
        assert min(gaps) >= 15_000_000
        assert end.data["tokens"] == 5 and end.data["error"] is None
        assert end.data["message"].content == "one two three"

    def test_failed_call_ends_with_error(self) -> None:
        """A call that raises still gets llm_end, carrying the error."""
        graph = one_node(lambda: ScriptedChatModel([]))
        with capture_events() as events, pytest.raises(ValueError):
            graph.invoke(INPUT)
        assert isinstance(events.of("llm_end")[0].data["error"], ValueError)


class TestMessagesMode:
    """`messages` mode: tokens with metadata, tags, nostream, disabled streaming."""

    def test_tokens_with_metadata_filters(self) -> None:
        """The seed's filters work: by metadata['tags'] and by langgraph_node."""
        graph = one_node(lambda: GenericFakeChatModel(messages=iter(["x y"])).with_config(
            tags=["joke"]))
        items = list(graph.stream(INPUT, {"tags": ["run"]}, stream_mode="messages"))
        assert [m.content for m, _ in items] == ["x", " ", "y"]
        assert all(md["tags"] == ["run", "joke"] for _, md in items)
        assert all(md["langgraph_node"] == "call_model" for _, md in items)

    def test_stream_inside_node_not_duplicated(self) -> None:
        """Streaming in the node and returning the sum emits each token once, no final."""
        graph = one_node(lambda: GenericFakeChatModel(messages=iter(["a b"])), stream=True)
        items = list(graph.stream(INPUT, stream_mode="messages"))
        assert [m.content for m, _ in items] == ["a", " ", "b"]

    def test_nostream_tag_suppresses_tokens(self) -> None:
        """A model tagged nostream emits no tokens; its returned message comes once."""
        graph = one_node(lambda: GenericFakeChatModel(messages=iter(["quiet"])).with_config(
            tags=["nostream"]))
        items = list(graph.stream(INPUT, stream_mode="messages"))
        assert len(items) == 1 and items[0][0].content == "quiet"
        assert items[0][1]["ls_integration"] == "langgraph"

    def test_disable_streaming_gives_one_message(self) -> None:
        """With disable_streaming=True, messages mode gets one whole AIMessage."""
        graph = one_node(lambda: ScriptedChatModel(["all at once"], disable_streaming=True))
        items = list(graph.stream(INPUT, stream_mode="messages"))
        assert len(items) == 1
        message = items[0][0]
        assert type(message) is AIMessage and message.content == "all at once"

    def test_non_streaming_model(self) -> None:
        """A model without streaming gives one message with an lc_run id ending in -0."""
        graph = one_node(lambda: FakeMessagesListChatModel(responses=[AIMessage("fml")]))
        (message, md), = list(graph.stream(INPUT, stream_mode="messages"))
        assert message.id.endswith("-0") and md["ls_provider"] == "fakemessageslistchatmodel"

    async def test_async_node_streams_tokens(self) -> None:
        """ainvoke inside an async node streams tokens without passing config by hand."""

        async def call_model(state: MessagesState) -> dict[str, list[AIMessage]]:
            return {"messages": [await ScriptedChatModel(["p q"]).ainvoke(state["messages"])]}

        graph = (StateGraph(MessagesState).add_node(call_model)
                 .add_edge(START, "call_model").compile())
        items = [i async for i in graph.astream(INPUT, stream_mode="messages")]
        assert [m.content for m, _ in items] == ["p", " ", "q"]


class TestInitChatModel:
    """init_chat_model picks a provider from the name or says what is supported."""

    def test_scripted(self) -> None:
        """'scripted' gives a ScriptedChatModel with the given tags."""
        model = init_chat_model("scripted", tags=["t"], replies=["hi"])
        assert isinstance(model, ScriptedChatModel) and model.tags == ["t"]

    def test_openai_names(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """gpt-* and openai:NAME give the OpenAI-compatible client with env settings."""
        from engine.chat_models.openai import ChatOpenAI

        monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
        for name in ("gpt-4o-mini", "openai:my-model"):
            model = init_chat_model(name)
            assert isinstance(model, ChatOpenAI)
        assert init_chat_model("openai:my-model").model_name == "my-model"

    def test_unknown_provider(self) -> None:
        """An unknown model name is a ValueError listing the providers."""
        with pytest.raises(ValueError, match="Supported providers: openai"):
            init_chat_model("mystery-model")
