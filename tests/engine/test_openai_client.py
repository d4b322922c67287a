"""ChatOpenAI against a real local HTTP server: streaming, tool calls, non-streaming, graphs."""

from __future__ import annotations

import json
import time
from typing import Any, Literal

import pytest

from engine.chat_models.openai import ChatOpenAI
from engine.chat_models.openai_wire import callable_to_openai
from engine.graph import START, MessagesState, StateGraph
from engine.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from engine.tools import tool

from .fake_openai import (
    MODEL,
    FakeOpenAI,
    chunk,
    completion,
    json_reply,
    model,
    sse,
    text_events,
    tool_delta,
    usage_chunk,
    weather_call,
)

TOKENS = ["Hel", "lo", ",", " world"]
USAGE = {"input_tokens": 7, "output_tokens": 4, "total_tokens": 11,
         "input_token_details": {}, "output_token_details": {}}



class TestStreaming:
    """Streamed replies become one chunk per delta, merged by invoke."""

    def test_stream_yields_tokens_in_order(self, server: FakeOpenAI) -> None:
        """As langchain-openai: one chunk per event (the role delta too), each delta's saying
        `model_provider`; then the finish chunk, the usage chunk and an empty 'last' chunk."""
        server.script(sse(text_events(TOKENS)))
        chunks = list(model(server).stream("hi"))
        assert [c.content for c in chunks] == ["", *TOKENS, "", "", ""]
        assert [c.response_metadata for c in chunks[:-3]] == [{"model_provider": "openai"}] * 5
        assert chunks[-3].response_metadata == {"finish_reason": "stop", "model_name": MODEL,
                                                "model_provider": "openai"}
        assert chunks[-2].response_metadata == {}
        assert chunks[-2].usage_metadata == USAGE
        assert (chunks[-1].response_metadata, chunks[-1].chunk_position) == ({}, "last")
        assert [c.chunk_position for c in chunks[:-1]] == [None] * (len(chunks) - 1)

    def test_usage_details_and_finish_fields(self, server: FakeOpenAI) -> None:
        """Token details, system_fingerprint, service_tier and logprobs land where
        langchain-openai puts them; a flex/priority tier prefixes the detail keys."""
        usage = usage_chunk(7, 2)
        usage["usage"].update(prompt_tokens_details={"cached_tokens": 3, "audio_tokens": 0},
                              completion_tokens_details={"reasoning_tokens": 1})
        finish = {**chunk(finish="stop"), "system_fingerprint": "fp_1", "service_tier": "flex"}
        finish["choices"][0]["logprobs"] = {"content": []}
        server.script(sse([chunk("a"), finish, {**usage, "service_tier": "flex"}]))
        chunks = list(model(server).stream("hi"))
        assert chunks[1].response_metadata == {
            "finish_reason": "stop", "model_name": MODEL, "system_fingerprint": "fp_1",
            "service_tier": "flex", "logprobs": {"content": []}, "model_provider": "openai"}
        assert chunks[2].usage_metadata == {
            "input_tokens": 7, "output_tokens": 2, "total_tokens": 9,
            "input_token_details": {"audio": 0, "flex_cache_read": 3, "flex": 4},
            "output_token_details": {"flex_reasoning": 1, "flex": 1}}

    def test_stream_is_incremental(self, server: FakeOpenAI) -> None:
        """The first token reaches the caller long before the server has finished."""
        server.script(sse(text_events(TOKENS), delay=0.08))
        arrivals = [time.monotonic() for c in model(server).stream("hi") if c.content]
        assert arrivals[-1] - arrivals[0] > 0.2

    def test_invoke_merges_content_usage_metadata(self, server: FakeOpenAI) -> None:
        """invoke returns one AIMessage with the joined text, usage and finish reason."""
        server.script(sse(text_events(TOKENS)))
        reply = model(server).invoke([SystemMessage("be brief"), HumanMessage("hi")])
        assert isinstance(reply, AIMessage)
        assert reply.content == "Hello, world"
        assert reply.usage_metadata == USAGE
        assert reply.response_metadata["finish_reason"] == "stop"
        assert reply.response_metadata["model_name"] == MODEL

    def test_request_body_and_headers(self, server: FakeOpenAI) -> None:
        """The POST carries the model, the messages, the stream flags and the bearer key."""
        server.script(sse(text_events(["ok"])))
        model(server, temperature=0.2, max_tokens=50, extra_headers={"X-Trace": "t1"}).bind(
            stop=["\n"]).invoke([SystemMessage("be brief"), HumanMessage("hi", name="ann")])
        [request] = server.requests
        assert request.path == "/v1/chat/completions"
        assert request.body == {
            "model": "gpt-test",
            "messages": [{"role": "system", "content": "be brief"},
                         {"role": "user", "content": "hi", "name": "ann"}],
            "temperature": 0.2, "max_tokens": 50, "stop": ["\n"], "stream": True,
        }
        assert request.headers["authorization"] == "Bearer sk-test"
        assert request.headers["accept"] == "text/event-stream"
        assert request.headers["x-trace"] == "t1"

    def test_stream_usage_only_by_default_from_openai(self, server: FakeOpenAI,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
        """`stream_options` goes out by default only with no custom base URL (langchain-openai's
        rule); `stream_usage=` forces it either way, per model or per call."""
        for name in ("OPENAI_BASE_URL", "OPENAI_API_BASE", "OPENAI_PROXY"):
            monkeypatch.delenv(name, raising=False)
        assert ChatOpenAI().stream_usage is True
        assert ChatOpenAI(stream_usage=False).stream_usage is False
        assert ChatOpenAI(base_url=server.base_url).stream_usage is False
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        assert ChatOpenAI().stream_usage is False
        server.script(*(sse(text_events(["ok"])) for _ in range(4)))
        model(server).invoke("hi")
        model(server, stream_usage=True).invoke("hi")
        model(server).invoke("hi", stream_usage=True)
        model(server, stream_usage=True).invoke("hi", stream_options={"include_usage": False})
        assert [r.body.get("stream_options") for r in server.requests] == [
            None, {"include_usage": True}, {"include_usage": True}, {"include_usage": False}]
        assert "stream_usage" not in server.requests[2].body

    def test_no_api_key_sends_no_authorization(self, server: FakeOpenAI) -> None:
        """Without a key (a local server) there is no Authorization header at all."""
        server.script(sse(text_events(["ok"])))
        assert ChatOpenAI("llama3", base_url=server.base_url).invoke("hi").content == "ok"
        assert "authorization" not in server.requests[0].headers

    def test_environment_supplies_url_and_key(self, server: FakeOpenAI,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
        """OPENAI_BASE_URL and OPENAI_API_KEY are the defaults for base_url and api_key."""
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url + "/")
        monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
        server.script(sse(text_events(["ok"])))
        assert ChatOpenAI().invoke("hi").content == "ok"
        assert server.requests[0].headers["authorization"] == "Bearer sk-env"
        assert server.requests[0].body["model"] == "gpt-4o-mini"

    @pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
    def test_tolerant_framing(self, server: FakeOpenAI, newline: str) -> None:
        """Comments, unknown fields, null content and a missing [DONE] are all accepted."""
        events: list[dict[str, Any] | str] = [
            ": keep-alive", "event: message\nid: 1\nretry: 50", chunk(role="assistant"),
            chunk("a"), chunk(None), chunk("b"), chunk(finish="stop"), usage_chunk(3, 2)]
        events = [e.replace("\n", newline) if isinstance(e, str) else e for e in events]
        server.script(sse(events, newline=newline, done=False))
        reply = model(server).invoke("hi")
        assert reply.content == "ab"
        assert reply.usage_metadata == {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5,
                                        "input_token_details": {}, "output_token_details": {}}

    def test_json_reply_to_a_stream_request(self, server: FakeOpenAI) -> None:
        """A server that ignores `stream` and answers JSON still yields the reply."""
        server.script(json_reply(completion("whole")))
        assert [c.content for c in model(server).stream("hi")] == ["whole"]


class TestToolCalls:
    """Tools go out in OpenAI's shape; streamed tool-call deltas come back as tool calls."""

    def test_split_tool_call_deltas_merge(self, server: FakeOpenAI) -> None:
        """Arguments split across chunks join by index into parsed tool calls."""
        server.script(sse([
            chunk(role="assistant"),
            chunk(tool_calls=[tool_delta(0, id="call_1", name="get_weather", arguments="")]),
            chunk(tool_calls=[tool_delta(0, arguments='{"ci')]),
            chunk(tool_calls=[tool_delta(0, arguments='ty": "Pa')]),
            chunk(tool_calls=[tool_delta(0, arguments='ris"}')]),
            chunk(tool_calls=[tool_delta(1, id="call_2", name="now", arguments="{}")]),
            chunk(finish="tool_calls"), usage_chunk(10, 8)]))
        chunks = list(model(server).stream("weather?"))
        assert [p["args"] for c in chunks for p in c.tool_call_chunks] == [
            "", '{"ci', 'ty": "Pa', 'ris"}', "{}"]
        server.script(sse([chunk(tool_calls=[tool_delta(0, id="call_1", name="get_weather",
                                                        arguments='{"city": "Paris"}')]),
                           chunk(tool_calls=[tool_delta(1, id="call_2", name="now")])]))
        reply = model(server).invoke("weather?")
        assert reply.tool_calls == [
            {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1",
             "type": "tool_call"},
            {"name": "now", "args": {}, "id": "call_2", "type": "tool_call"}]

    def test_tool_calls_without_index_and_bad_json(self, server: FakeOpenAI) -> None:
        """Calls lacking `index` stay apart by id; unparseable arguments become invalid."""
        server.script(sse([
            chunk(tool_calls=[tool_delta(None, id="a", name="f", arguments='{"x": 1}')]),
            chunk(tool_calls=[tool_delta(None, id="b", name="g", arguments="[1,")])]))
        reply = model(server).invoke("go")
        assert reply.tool_calls == [{"name": "f", "args": {"x": 1}, "id": "a",
                                     "type": "tool_call"}]
        assert [(c["name"], c["args"]) for c in reply.invalid_tool_calls] == [("g", "[1,")]

    def test_bound_tools_and_tool_choice_are_sent(self, server: FakeOpenAI) -> None:
        """Dict, stepscope @tool and plain-callable tools all reach the server as functions."""

        @tool
        def get_weather(city: str) -> str:
            """Weather for a city."""
            return city

        def add(a: int, b: int = 0) -> int:
            """Add two numbers."""
            return a + b

        raw = {"type": "function", "function": {"name": "raw", "parameters": {}}}
        server.script(sse(text_events(["ok"])), sse(text_events(["ok"])))
        base = model(server)
        base.bind_tools([raw, get_weather, add], tool_choice="get_weather").invoke("hi")
        base.bind_tools([add], tool_choice="auto").invoke("hi")
        first, second = (r.body for r in server.requests)
        assert [t["function"]["name"] for t in first["tools"]] == ["raw", "get_weather", "add"]
        assert first["tools"][0] == raw
        assert first["tools"][1]["function"]["description"] == "Weather for a city."
        assert first["tools"][1]["function"]["parameters"]["properties"]["city"]["type"] == (
            "string")
        assert first["tools"][2]["function"]["parameters"] == {
            "type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a"]}
        assert first["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
        assert second["tool_choice"] == "auto"

    def test_tool_history_is_encoded(self, server: FakeOpenAI) -> None:
        """AI tool calls carry JSON-string arguments; tool results carry tool_call_id."""
        server.script(sse(text_events(["sunny"])))
        call = {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1",
                "type": "tool_call"}
        model(server).invoke([HumanMessage("weather?"), AIMessage("", tool_calls=[call]),
                              ToolMessage("18C", tool_call_id="call_1")])
        _, assistant, result = server.requests[0].body["messages"]
        assert assistant["role"] == "assistant" and assistant["content"] is None
        [sent] = assistant["tool_calls"]
        assert sent["id"] == "call_1" and sent["function"]["name"] == "get_weather"
        assert json.loads(sent["function"]["arguments"]) == {"city": "Paris"}
        assert result == {"role": "tool", "content": "18C", "tool_call_id": "call_1"}

    def test_schema_from_a_callable(self) -> None:
        """Signature types map to JSON types; the docstring's first paragraph describes it."""

        def find(query: str, limit: int | None = None, tags: list[str] | None = None,
                 mode: Literal["fast", "exact"] = "fast", score: float = 0.5,
                 strict: bool = False) -> list[str]:
            """Search the index.

            Longer explanation that is not part of the description.
            """
            return []

        fn = callable_to_openai(find)["function"]
        assert fn["name"] == "find" and fn["description"] == "Search the index."
        assert fn["parameters"]["properties"] == {
            "query": {"type": "string"}, "limit": {"type": "integer"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "mode": {"enum": ["fast", "exact"]}, "score": {"type": "number"},
            "strict": {"type": "boolean"}}
        assert fn["parameters"]["required"] == ["query"]


class TestNonStreaming:
    """With streaming off, one JSON completion is mapped to the reply."""

    def test_generate_maps_message_tools_and_usage(self, server: FakeOpenAI) -> None:
        """stream=false; content, parsed tool calls, invalid ones and usage are mapped."""
        calls = [*weather_call(), {"id": "call_2", "type": "function",
                                   "function": {"name": "bad", "arguments": "{nope"}}]
        server.script(json_reply(completion(None, tool_calls=calls, finish="tool_calls")))
        reply = model(server, streaming=False).invoke("weather?")
        body = server.requests[0].body
        assert body["stream"] is False and "stream_options" not in body
        assert server.requests[0].headers["accept"] == "application/json"
        assert reply.content == ""
        assert reply.tool_calls == [{"name": "get_weather", "args": {"city": "Paris"},
                                     "id": "call_1", "type": "tool_call"}]
        assert [(c["name"], c["args"]) for c in reply.invalid_tool_calls] == [("bad", "{nope")]
        assert reply.invalid_tool_calls[0]["error"].startswith(
            "Function bad arguments:\n\n{nope\n\nare not valid JSON. Received JSONDecodeError")
        assert reply.usage_metadata == {"input_tokens": 9, "output_tokens": 3,
                                        "total_tokens": 12, "input_token_details": {},
                                        "output_token_details": {}}
        # What langchain-openai 1.7.3 reports for this same reply.
        assert reply.additional_kwargs == {"refusal": None}
        assert list(reply.response_metadata.items()) == [
            ("token_usage", {"completion_tokens": 3, "prompt_tokens": 9, "total_tokens": 12,
                             "completion_tokens_details": None, "prompt_tokens_details": None}),
            ("model_provider", "openai"), ("model_name", MODEL), ("system_fingerprint", None),
            ("id", "chatcmpl-2"), ("finish_reason", "tool_calls"), ("logprobs", None)]

    def test_o1_defaults_to_temperature_1(self, server: FakeOpenAI) -> None:
        """As langchain-openai: o1 models send temperature 1.0 unless one was given (even
        None); gpt-5 reasoning models drop a temperature other than 1."""
        server.script(*(json_reply(completion("ok")) for _ in range(4)))
        for name, options in (("o1-preview", {}), ("o1", {"temperature": None}),
                              ("gpt-5", {"temperature": 0.5}), ("gpt-5-chat", {"temperature": 0})):
            ChatOpenAI(name, base_url=server.base_url, streaming=False, **options).invoke("hi")
        assert [r.body.get("temperature") for r in server.requests] == [1.0, None, None, 0.0]
        assert ChatOpenAI("o1-mini", base_url=server.base_url).ls_params()["ls_temperature"] == 1.0

    def test_disable_streaming_stream_gives_one_chunk(self, server: FakeOpenAI) -> None:
        """stream() with disable_streaming=True yields the whole reply as one chunk."""
        server.script(json_reply(completion("all at once")))
        chunks = list(model(server, disable_streaming=True).stream("hi"))
        assert [c.content for c in chunks] == ["all at once"]
        assert server.requests[0].body["stream"] is False



class TestGraph:
    """Inside a graph node, the model's tokens stream out in `messages` mode."""

    def test_messages_mode_yields_each_token(self, server: FakeOpenAI) -> None:
        """One (chunk, metadata) per streamed delta, tagged with the node's name."""
        server.script(sse(text_events(TOKENS)))
        llm = model(server)

        def chat(state: MessagesState) -> dict[str, Any]:
            return {"messages": [llm.invoke(state["messages"])]}

        graph = StateGraph(MessagesState)
        graph.add_node("chat", chat)
        graph.add_edge(START, "chat")
        items = list(graph.compile().stream({"messages": [HumanMessage("hi")]},
                                            stream_mode="messages"))
        assert [c.content for c, _ in items] == ["", *TOKENS, "", "", ""]
        assert {meta["langgraph_node"] for _, meta in items} == {"chat"}
        assert len({c.id for c, _ in items}) == 1
        assert items[-2][0].usage_metadata == USAGE
        assert items[-1][0].chunk_position == "last"
        assert [k for k in items[0][1] if k.startswith("ls_")] == [
            "ls_integration", "ls_provider", "ls_model_name", "ls_model_type", "ls_temperature"]
        assert (items[0][1]["ls_model_name"], items[0][1]["ls_temperature"]) == ("gpt-test", None)
