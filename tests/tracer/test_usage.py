"""Token usage: every shape a provider reports read into one `Usage`, and the usage of
every model call found in real recorded traces."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import tracer
from tracer.usage import Usage, usage_of

from .usage_models import UsageModel, asking_graph, replies, usage


class TestUsageOf:
    """`usage_of` reads each provider's shape into the one convention."""

    def test_langchain_usage_metadata(self) -> None:
        """LangChain's usage_metadata, with its cache and reasoning details."""
        raw = usage(120, 30, input_token_details={"cache_read": 100, "cache_creation": 5},
                    output_token_details={"reasoning": 12})
        assert usage_of(raw) == Usage(120, 30, 150, 100, 5, 12)

    def test_service_tier_details_count_as_cache_and_reasoning(self) -> None:
        """langchain-openai's `flex_cache_read` (a service tier) is still a cache read."""
        raw = usage(10, 4, input_token_details={"flex_cache_read": 6, "flex": 4},
                    output_token_details={"flex_reasoning": 2})
        assert usage_of(raw) == Usage(10, 4, 14, 6, None, 2)

    def test_openai_usage(self) -> None:
        raw = {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70,
               "prompt_tokens_details": {"cached_tokens": 32},
               "completion_tokens_details": {"reasoning_tokens": 8}}
        assert usage_of(raw) == Usage(50, 20, 70, 32, None, 8)

    def test_anthropic_usage_counts_cached_input_as_input(self) -> None:
        """Anthropic's input_tokens leave out cache reads and writes: they are added."""
        raw = {"input_tokens": 10, "output_tokens": 5, "cache_read_input_tokens": 200,
               "cache_creation_input_tokens": 40}
        assert usage_of(raw) == Usage(250, 5, 255, 200, 40, None)

    def test_gemini_usage_counts_thoughts_as_output(self) -> None:
        raw = {"promptTokenCount": 9, "candidatesTokenCount": 3, "thoughtsTokenCount": 4,
               "totalTokenCount": 16, "cachedContentTokenCount": 2}
        assert usage_of(raw) == Usage(9, 7, 16, 2, None, 4)

    def test_bedrock_usage(self) -> None:
        assert usage_of({"inputTokens": 3, "outputTokens": 2, "totalTokens": 5}) == \
            Usage(3, 2, 5, None, None, None)

    def test_partial_usage_keeps_what_it_can_read(self) -> None:
        """An output count alone is read; the total is not made up from half the data."""
        assert usage_of({"output_tokens": 7}) == Usage(None, 7, None, None, None, None)
        assert usage_of({"input_tokens": 3, "output_tokens": "many"}) == Usage(input=3)

    @pytest.mark.parametrize("raw", [
        None, 12, "usage", [], {}, {"input_tokens": -4}, {"input_tokens": True},
        {"prompt_tokens": None}, {"input_token_details": "x"}, {1: 2, (3,): {}},
        {"output_tokens": float("nan")}, {"input_tokens": 1e300},
    ], ids=repr)
    def test_malformed_usage_is_none(self, raw: Any) -> None:
        """Whatever a hostile trace holds where usage belongs, nothing is read and nothing
        raises."""
        assert usage_of(raw) is None

    def test_a_mapping_that_raises_is_none(self) -> None:
        class Hostile(dict[str, Any]):
            def get(self, key: str, default: Any = None) -> Any:
                raise RuntimeError("no")

        assert usage_of(Hostile(input_tokens=3)) is None


class TestUsageSum:
    """`+` sums the counts; a count no call reported stays unreported."""

    def test_none_plus_a_count_is_the_count(self) -> None:
        total = Usage(10, 2, 12) + Usage(5, None, None, cache_read=3)
        assert total == Usage(15, 2, 12, 3, None, None)

    def test_empty_is_the_identity(self) -> None:
        one = Usage(1, 2, 3, 4, 5, 6)
        assert Usage.EMPTY + one == one == one + Usage.EMPTY
        assert Usage.EMPTY + Usage.EMPTY == Usage.EMPTY and not Usage.EMPTY

    def test_sum_of_many(self) -> None:
        calls = [Usage(i, 2 * i, 3 * i) for i in range(1, 5)]
        total = sum(calls, Usage.EMPTY)
        assert total == Usage(10, 20, 30) and total.as_dict() == {
            "input": 10, "output": 20, "total": 30}


def record_ask(tmp_path: Path, model: UsageModel, how: str = "invoke",
               stream_mode: str | None = None) -> list[Any]:
    path = tmp_path / f"{how}-{stream_mode}-{model.report}.stepscope"
    graph = asking_graph(model, how)
    with tracer.record(path):
        if stream_mode is None:
            graph.invoke({"messages": []})
        else:
            list(graph.stream({"messages": []}, stream_mode=stream_mode))
    with tracer.open_trace(path) as trace:
        return trace.llm_calls()


class TestRecordedUsage:
    """A LangChain model called in an engine graph: its usage is in the trace however
    it was called, including usage that only the last streamed chunk carried."""

    @pytest.mark.parametrize("how", ["invoke", "stream", "ainvoke"])
    @pytest.mark.parametrize("stream_mode", [None, "messages"])
    def test_usage_recorded(self, tmp_path: Path, how: str, stream_mode: str | None) -> None:
        model = UsageModel(messages=replies((41, 6)))
        (call,) = record_ask(tmp_path, model, how, stream_mode)
        assert usage_of(call.usage) == Usage(41, 6, 47)
        assert call.model == "gpt-4o-mini"  # the name a price table is keyed by
        if how == "stream" or stream_mode == "messages":
            # streamed word by word: the usage came with the last word's chunk
            assert len(call.tokens) > 4 and call.streamed_text == "the answer is here"

    def test_usage_only_in_llm_output(self, tmp_path: Path) -> None:
        """A provider that leaves its usage in llm_output (OpenAI's shape) is recorded."""
        model = UsageModel(messages=replies((8, 2)), report="llm_output")
        (call,) = record_ask(tmp_path, model)
        assert usage_of(call.usage) == Usage(8, 2, 10)

    def test_unreported_usage_stays_unknown(self, tmp_path: Path) -> None:
        model = UsageModel(messages=replies((8, 2)), report="none")
        (call,) = record_ask(tmp_path, model)
        assert call.usage is None and usage_of(call.usage) is None


class TestRecordedUsageOnLangGraph:
    """The same model inside a real LangGraph graph, recorded by the LangGraph recorder."""

    @pytest.mark.parametrize("how", ["invoke", "stream", "astream"])
    def test_usage_recorded(self, tmp_path: Path, how: str) -> None:
        langgraph = pytest.importorskip("langgraph.graph")
        model = UsageModel(messages=replies((100, 9)), model="claude-haiku-4-5")

        def ask(state: dict[str, Any]) -> dict[str, Any]:
            if how == "stream":
                return {"messages": list(model.stream("q"))[-1:]}
            if how == "astream":
                async def last() -> Any:
                    return [c async for c in model.astream("q")][-1]
                return {"messages": [asyncio.run(last())]}
            return {"messages": [model.invoke("q")]}

        graph = (langgraph.StateGraph(langgraph.MessagesState).add_node("ask", ask)
                 .add_edge(langgraph.START, "ask").compile())
        path = tmp_path / "lg.stepscope"
        with tracer.record(path):
            graph.invoke({"messages": []})
        with tracer.open_trace(path) as trace:
            (call,) = trace.llm_calls()
        assert usage_of(call.usage) == Usage(100, 9, 109)
        assert call.model == "claude-haiku-4-5" and call.node == "ask"


class TestRecordedUsageOverHTTP:
    """The engine's OpenAI-compatible client against a local HTTP server: the usage
    comes in the stream's last, usage-only chunk, and is in the trace."""

    def test_streamed_usage_chunk(self, tmp_path: Path) -> None:
        from engine.graph import START, MessagesState, StateGraph
        from engine.messages import HumanMessage
        from tests.engine.fake_openai import FakeOpenAI, chunk, model, sse, usage_chunk

        server = FakeOpenAI()
        server.start()
        try:
            last = usage_chunk(30, 2)
            last["usage"]["prompt_tokens_details"] = {"cached_tokens": 24}
            last["usage"]["completion_tokens_details"] = {"reasoning_tokens": 1}
            server.script(sse([chunk(role="assistant", content=""), chunk("Hi"),
                               chunk(" there"), chunk(finish="stop"), last]))
            llm = model(server, stream_usage=True)

            def ask(state: MessagesState) -> dict[str, Any]:
                return {"messages": [llm.invoke([HumanMessage("hello")])]}

            graph = StateGraph(MessagesState).add_node(ask).add_edge(START, "ask").compile()
            path = tmp_path / "http.stepscope"
            with tracer.record(path):
                graph.invoke({"messages": []})
        finally:
            server.stop()
        with tracer.open_trace(path) as trace:
            (call,) = trace.llm_calls()
        assert call.model == "gpt-test" and call.streamed_text == "Hi there"
        assert usage_of(call.usage) == Usage(30, 2, 32, cache_read=24, reasoning=1)
