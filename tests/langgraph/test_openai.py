"""LangChain's own OpenAI client (langchain-openai) talking to a real HTTP server on
127.0.0.1, inside a LangGraph run: the trace has each token with its arrival time, the
usage the server reported, the model and the provider."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest

pytest.importorskip("langgraph")
pytest.importorskip("langchain_openai")

from langchain_core.messages import BaseMessage
from langchain_openai import ChatOpenAI
from langgraph.graph import START, StateGraph, add_messages
from pydantic import SecretStr

from tests.engine.fake_openai import FakeOpenAI, completion, sse, text_events
from tracer import open_trace, record


class Chat(TypedDict):
    messages: Annotated[list[BaseMessage], add_messages]


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    fake.start()
    yield fake
    fake.stop()


def graph(server: FakeOpenAI, **options: Any) -> Any:
    llm = ChatOpenAI(model="gpt-test", base_url=server.base_url, api_key=SecretStr("sk-test"),
                     timeout=5, max_retries=0, **options)

    def answer(state: Chat) -> dict[str, Any]:
        return {"messages": [llm.invoke(state["messages"])]}

    return StateGraph(Chat).add_node("answer", answer).add_edge(START, "answer").compile()


def test_streamed_tokens_arrive_timed(server: FakeOpenAI, tmp_path: Path) -> None:
    """With `streaming=True` each SSE chunk is a token, timed as it arrived: the gaps the
    server put between them show in the trace."""
    tokens = ["Tokyo", " is", " sunny", " today", "."]
    server.script(sse(text_events(tokens, prompt=11), delay=0.03))
    path = tmp_path / "o.stepscope"
    with record(path):
        out = graph(server, streaming=True, stream_usage=True).invoke(
            {"messages": [("user", "weather?")]})
    assert out["messages"][-1].content == "Tokyo is sunny today."
    (call,) = open_trace(path).llm_calls()
    assert call.node == "answer" and call.model == "gpt-test" and call.provider == "openai"
    texts = [t for _, t in call.tokens if t]
    assert texts == tokens
    assert call.usage is not None
    assert (call.usage["input_tokens"], call.usage["output_tokens"]) == (11, 5)
    times = [t for t, text in call.tokens if text]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 20_000_000  # the server's 30 ms between chunks, in ns


def test_a_whole_reply_is_one_token(server: FakeOpenAI, tmp_path: Path) -> None:
    server.script(lambda handler: handler.send_json(200, completion("It is sunny.",
                                                                    usage=(9, 4))))
    path = tmp_path / "w.stepscope"
    started = time.perf_counter()
    with record(path):
        graph(server).invoke({"messages": [("user", "weather?")]})
    assert time.perf_counter() - started < 5
    (call,) = open_trace(path).llm_calls()
    assert [t for _, t in call.tokens] == ["It is sunny."]
    assert call.usage is not None and call.usage["total_tokens"] == 13
    (request,) = server.requests
    assert request.body.get("stream") in (None, False)  # recording did not make it stream
