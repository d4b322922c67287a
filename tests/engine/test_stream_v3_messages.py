"""`run.messages` under `stream_events(version="v3")`: chat-model replies as
content-block protocol events, read through `ChatModelStream` — compared with what
LangGraph 1.2.22 emits for the same graph when langgraph is installed."""

from __future__ import annotations

import asyncio
import operator
import warnings
from typing import Annotated, Any

import pytest
from typing_extensions import TypedDict

from engine.chat_models import AsyncChatModelStream, ChatModelStream, GenericFakeChatModel
from engine.chat_models.protocol_events import message_events
from engine.graph import END, START, MessagesState, StateGraph
from engine.messages import AIMessage, AIMessageChunk
from engine.stream import MessagesTransformer, ProtocolEvent


def _llm_graph(model: Any, graph_cls: Any = StateGraph, state: Any = MessagesState,
               start: Any = START, end: Any = END) -> Any:
    def call_model(s: Any) -> dict[str, Any]:
        return {"messages": model.invoke(s["messages"])}

    return (graph_cls(state).add_node("call_model", call_model)
            .add_edge(start, "call_model").add_edge("call_model", end).compile())


def _message_payloads(events: list[ProtocolEvent]) -> list[tuple[dict[str, Any], str, bool]]:
    """(event without its id, node, has run_id) of every protocol `messages` event."""
    out = []
    for e in events:
        if e["method"] != "messages":
            continue
        payload, metadata = e["params"]["data"]
        if isinstance(payload, dict):
            out.append(({k: v for k, v in payload.items() if k != "id"},
                        metadata["langgraph_node"], "run_id" in metadata))
    return out


class TestAgainstLangGraph:
    """The same chat-model node gives the same protocol events."""

    def test_streamed_reply_events(self) -> None:
        """message-start, a text block's start/deltas/finish, message-finish."""
        lc_fake = pytest.importorskip("langchain_core.language_models.fake_chat_models")
        lg_graph = pytest.importorskip("langgraph.graph")
        ours = list(_llm_graph(GenericFakeChatModel(messages=iter(["hello big world"])))
                    .stream_events({"messages": "hi"}, version="v3"))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph = _llm_graph(lc_fake.GenericFakeChatModel(messages=iter(["hello big world"])),
                               lg_graph.StateGraph, lg_graph.MessagesState, lg_graph.START,
                               lg_graph.END)
            theirs = list(graph.stream_events({"messages": "hi"}, version="v3"))
        assert _message_payloads(ours) == _message_payloads(theirs)
        assert [e["method"] for e in ours] == [e["method"] for e in theirs]
        start = next(e for e in ours if e["method"] == "messages")["params"]["data"]
        assert start[0]["id"] == "lc_run--" + start[1]["run_id"]


class TestRunMessages:
    """One ChatModelStream per reply, at its own scope."""

    def test_invoke_inside_a_node(self) -> None:
        """The reply's text streams as deltas; output is the assembled message."""
        run = _llm_graph(GenericFakeChatModel(messages=iter(["streamed answer"]))
                         ).stream_events({"messages": "go"}, version="v3")
        (stream,) = list(run.messages)
        assert isinstance(stream, ChatModelStream)
        assert stream.node == "call_model"
        assert list(stream.text) == ["streamed", " ", "answer"]
        assert stream.output.text == "streamed answer"
        assert stream.message_id is not None and stream.message_id.startswith("lc_run--")

    def test_text_can_be_read_while_the_run_goes_on(self) -> None:
        """The stream is pushed at message-start: reading its text drives the run."""
        run = _llm_graph(GenericFakeChatModel(messages=iter(["a b"]))
                         ).stream_events({"messages": "go"}, version="v3")
        stream = next(iter(run.messages))
        assert not stream.done
        assert "".join(stream.text) == "a b"
        assert stream.done

    def test_returned_message_becomes_a_finished_stream(self) -> None:
        """A node returning an AIMessage gives a complete stream with that id."""

        def reply(state: MessagesState) -> dict[str, Any]:
            return {"messages": AIMessage(content="hardcoded", id="msg-1")}

        graph = (StateGraph(MessagesState).add_node("reply", reply)
                 .add_edge(START, "reply").compile())
        (stream,) = list(graph.stream_events({"messages": "hi"}, version="v3").messages)
        assert stream.done and stream.message_id == "msg-1"
        assert stream.output.text == "hardcoded"

    def test_subgraph_replies_are_on_the_handle_only(self) -> None:
        """The root's messages are its own scope's; the subgraph handle has the rest."""

        def reply(state: MessagesState) -> dict[str, Any]:
            return {"messages": AIMessage(content="from subgraph", id="sub-1")}

        inner = (StateGraph(MessagesState).add_node("reply", reply)
                 .add_edge(START, "reply").compile())

        class Outer(TypedDict):
            messages: Annotated[list[Any], operator.add]

        graph = StateGraph(Outer).add_node("inner", inner).add_edge(START, "inner").compile()
        assert list(graph.stream_events({"messages": ["hi"]}, version="v3").messages) == []
        run = graph.stream_events({"messages": ["hi"]}, version="v3")
        texts = [[m.output.text for m in handle.messages] for handle in run.subgraphs]
        assert texts == [["from subgraph"]]

    def test_model_stream_events_inside_a_node(self) -> None:
        """A node's own `model.stream_events(version="v3")` also feeds run.messages."""
        model = GenericFakeChatModel(messages=iter(["inner text"]))

        def node(state: MessagesState) -> dict[str, Any]:
            stream = model.stream_events(state["messages"], version="v3")
            assert "".join(stream.text) == "inner text"
            return {"messages": stream.output}

        graph = (StateGraph(MessagesState).add_node("node", node)
                 .add_edge(START, "node").compile())
        run = graph.stream_events({"messages": "hi"}, version="v3")
        assert [s.output.text for s in run.messages] == ["inner text"]
        assert run.output["messages"][-1].text == "inner text"

    def test_nested_stream_keeps_v1_chunks(self) -> None:
        """A graph streamed inside a node with the run's config yields v1 chunks."""
        inner = _llm_graph(GenericFakeChatModel(messages=iter(["v one"])))

        class Out(TypedDict, total=False):
            kinds: list[str]

        def node(state: Out, config: Any) -> dict[str, Any]:
            parts = list(inner.stream({"messages": "hi"}, config, stream_mode="messages"))
            return {"kinds": [type(p).__name__ for p, _ in parts]}

        graph = StateGraph(Out).add_node("node", node).add_edge(START, "node").compile()
        kinds = graph.stream_events({}, version="v3").output["kinds"]
        assert kinds and set(kinds) == {"AIMessageChunk"}

    def test_async_run_messages(self) -> None:
        """Under astream_events the streams are AsyncChatModelStreams."""

        async def main() -> tuple[str, str]:
            graph = _llm_graph(GenericFakeChatModel(messages=iter(["async answer"])))
            run = await graph.astream_events({"messages": "hi"}, version="v3")
            streams = [s async for s in run.messages]
            assert isinstance(streams[0], AsyncChatModelStream)
            message = await streams[0]
            text = "".join([d async for d in streams[0].text])
            return message.text, text

        assert asyncio.run(main()) == ("async answer", "async answer")


def test_tool_calls_stream_through_a_run() -> None:
    """A reply with text then a tool call: the text block is finished before the tool
    block starts, and the stream's output carries the parsed call."""
    reply = AIMessage(content="calling", tool_calls=[
        {"id": "c1", "name": "search", "args": {"q": "x"}, "type": "tool_call"}])
    graph = _llm_graph(GenericFakeChatModel(messages=iter([reply, reply])))
    run = graph.stream_events({"messages": "hi"}, version="v3")
    events = [e["params"]["data"][0] for e in run if e["method"] == "messages"]
    assert [(e["event"], e.get("index")) for e in events] == [
        ("message-start", None), ("content-block-start", 0), ("content-block-delta", 0),
        ("content-block-finish", 0), ("content-block-start", 1), ("content-block-delta", 1),
        ("content-block-finish", 1), ("message-finish", None)]
    (stream,) = list(graph.stream_events({"messages": "hi"}, version="v3").messages)
    assert [c["name"] for c in stream.tool_calls] == ["search"]
    assert stream.output.tool_calls == [
        {"id": "c1", "name": "search", "args": {"q": "x"}, "type": "tool_call"}]
    assert stream.output.text == "calling"


class TestChatModelStream:
    """The stream object fed by protocol events."""

    def test_tool_call_chunks_and_finish(self) -> None:
        """Chunks stream as tool_call_chunk items; the finish gives the parsed call."""
        stream = ChatModelStream()
        stream.dispatch({"event": "message-start", "role": "ai", "id": "m1"})
        stream.dispatch({"event": "content-block-start", "index": 0, "content": {
            "type": "tool_call_chunk", "id": "c1", "name": "search", "args": ""}})
        stream.dispatch({"event": "content-block-delta", "index": 0,
                         "delta": {"type": "tool-call-delta", "args": '{"q": '}})
        stream.dispatch({"event": "content-block-delta", "index": 0,
                         "delta": {"type": "tool-call-delta", "args": '"x"}'}})
        stream.dispatch({"event": "message-finish"})
        assert [c["args"] for c in stream.tool_calls] == ['{"q": ', '"x"}']
        assert stream.output.tool_calls == [
            {"id": "c1", "name": "search", "args": {"q": "x"}, "type": "tool_call"}]
        assert stream.output.id == "m1"

    def test_legacy_content_block_deltas(self) -> None:
        """A delta given as a partial content block still counts as text."""
        stream = ChatModelStream()
        stream.dispatch({"event": "message-start", "role": "ai"})
        stream.dispatch({"event": "content-block-delta", "index": 0,
                         "content_block": {"type": "text", "text": "ab"}})
        stream.dispatch({"event": "content-block-finish", "index": 0,
                         "content_block": {"type": "text", "text": "abc"}})
        stream.dispatch({"event": "message-finish"})
        assert list(stream.text) == ["ab", "c"]
        assert str(stream.text) == "abc"

    def test_fail_reaches_every_projection(self) -> None:
        """An error event fails text and output."""
        stream = ChatModelStream()
        stream.dispatch({"event": "message-start", "role": "ai"})
        stream.dispatch({"event": "error", "message": "model broke"})
        with pytest.raises(RuntimeError, match="model broke"):
            list(stream.text)
        with pytest.raises(RuntimeError, match="model broke"):
            _ = stream.output

    def test_message_events_round_trip(self) -> None:
        """A finished message replayed as events reassembles to the same text and calls."""
        message = AIMessage(content="done", id="x", tool_calls=[
            {"id": "t", "name": "f", "args": {"a": 1}, "type": "tool_call"}])
        stream = ChatModelStream()
        for event in message_events(message):
            stream.dispatch(event)
        assert stream.output.text == "done"
        assert stream.output.tool_calls == message.tool_calls

    def test_transformer_ignores_v1_chunks_and_tool_results(self) -> None:
        """Only protocol events and whole non-tool messages make streams."""
        t = MessagesTransformer()
        log = t.init()["messages"]
        log._bind(is_async=False)
        log._subscribed = True

        def event(data: Any) -> ProtocolEvent:
            return {"type": "event", "method": "messages",
                    "params": {"namespace": [], "timestamp": 0, "data": data}}

        t.process(event((AIMessageChunk("x", id="c"), {"langgraph_node": "n"})))
        t.process(event(({"event": "message-start", "role": "tool"}, {"run_id": "r"})))
        t.process(event(({"event": "message-finish"}, {"run_id": "r"})))
        assert not log._items
        t.process(event(({"event": "message-start", "role": "ai"}, {"run_id": "q"})))
        assert len(log._items) == 1 and "q" in t._by_run
