"""Seed blocks 16–20: `custom` mode from nodes, tools and any LLM client.

Items are yielded exactly as written, as soon as they are written, as LangGraph 1.2.22
yields them. Blocks 18–20 stream from the local OpenAI-compatible server
through the official `openai` SDK, which reads OPENAI_BASE_URL like the real one would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypedDict

import openai
import pytest

from engine.graph import START, MessagesState, StateGraph
from engine.messages import AIMessage, ToolMessage
from engine.prebuilt import ToolNode

from .doc_blocks import SeedDoc, StreamLog, arun, printed_values, run
from .model_server import ModelServer, streamed

BLOCKS = (16, 17, 18, 19, 20)

PROGRESS = [
    {"data": "Retrieved 0/100 records", "type": "progress"},
    {"data": "Retrieved 100/100 records", "type": "progress"},
]
ITEMS = ["bed: for sleeping", ", lamp: for light", ", rug: for warm feet"]


class ArbitraryModelState(TypedDict):
    """Block 18's `State`: it reads `topic` and writes `result`."""

    topic: str
    result: str


def your_custom_streaming_client(topic: str) -> Iterator[str]:
    """Block 18's assumed raw client: OpenAI's own SDK, streaming text deltas."""
    stream = openai.OpenAI().chat.completions.create(
        model="gpt-4.1-mini", stream=True,
        messages=[{"role": "user", "content": f"Tell me about {topic}"}])
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            yield chunk.choices[0].delta.content


def tool_calling_graph(tool: Any, state: Any) -> Any:
    """Block 17's "graph that uses this tool": a node calling it on block 16's `query`."""

    def call_tool(current: Any) -> dict[str, Any]:
        return {"answer": tool.invoke({"query": current["query"]})}

    return StateGraph(state).add_node(call_tool).add_edge(START, "call_tool").compile()


class TestCustomFromNodeAndTool:
    """Blocks 16 and 17: `get_stream_writer()` inside a node and inside a `@tool`."""

    def test_node_writes_custom_data(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 16 prints the one dict its node wrote, unchanged."""
        run(doc.block(16, holds="def node(state: State)").code, ns)
        expected = [{"custom_key": "Generating custom data inside node"}]
        assert printed_values(capsys.readouterr().out) == expected
        assert streams.last.items == expected
        assert ns["graph"].invoke(ns["inputs"]) == {"query": "example", "answer": "some data"}

    def test_tool_writes_progress_from_a_node(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 17, `graph = ...` filled by a node calling the tool; `State`/`inputs` of 16."""
        run(doc.block(16, holds="def node(state: State)").code, ns)
        capsys.readouterr()
        tool_part, loop = doc.block(17, holds="@tool").around("graph = ...")
        run(tool_part, ns)
        ns["graph"] = tool_calling_graph(ns["query_database"], ns["State"])
        run(loop, ns)
        assert printed_values(capsys.readouterr().out) == PROGRESS
        assert streams.last.items == PROGRESS
        assert ns["graph"].invoke(ns["inputs"])["answer"] == "some-answer"

    def test_tool_writes_progress_under_tool_node(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 17, `graph = ...` filled by a ToolNode graph, as in outputs/custom_toolnode."""
        tool_part, loop = doc.block(17, holds="@tool").around("graph = ...")
        run(tool_part, ns)
        ns["graph"] = (StateGraph(MessagesState).add_node(ToolNode([ns["query_database"]]))
                       .add_edge(START, "tools").compile())
        call = {"name": "query_database", "args": {"query": "example"}, "id": "call_1",
                "type": "tool_call"}
        ns["inputs"] = {"messages": [AIMessage("", id="ai-1", tool_calls=[call])]}
        run(loop, ns)
        assert printed_values(capsys.readouterr().out) == PROGRESS
        assert streams.last.items == PROGRESS
        (answer,) = ns["graph"].invoke(ns["inputs"])["messages"][1:]
        assert isinstance(answer, ToolMessage)
        assert (answer.content, answer.tool_call_id) == ("some-answer", "call_1")


class TestCustomFromAnyLLM:
    """Blocks 18–20: tokens of a non-LangChain client, streamed through the writer."""

    def test_arbitrary_model_block_needs_its_entry_edge(
        self, doc: SeedDoc, ns: dict[str, Any],
    ) -> None:
        """Block 18 as written has no START edge: compile fails with LangGraph's message."""
        run(doc[16].import_lines, ns)  # block 18 uses StateGraph/START imported by block 16
        ns["State"] = ArbitraryModelState
        ns["your_custom_streaming_client"] = your_custom_streaming_client
        with pytest.raises(ValueError) as raised:  # outputs/builder_facts: no_entry_point
            run(doc.block(18, holds="def call_arbitrary_model").code, ns)
        assert str(raised.value) == (
            "Graph must have an entrypoint: add at least one edge from START to another node")

    def test_arbitrary_model_streams_custom_chunks(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog, llm: ModelServer,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Block 18, with its "Add other nodes and edges as needed" line filled by the edge."""
        llm.on("Tell me about cats", streamed(ITEMS))
        run(doc[16].import_lines, ns)
        ns["State"] = ArbitraryModelState
        ns["your_custom_streaming_client"] = your_custom_streaming_client
        code = doc.block(18, holds="def call_arbitrary_model").fill(
            "# Add other nodes and edges as needed", '.add_edge(START, "call_arbitrary_model")')
        run(code, ns)
        expected = [{"custom_llm_chunk": token} for token in ITEMS]
        assert printed_values(capsys.readouterr().out) == expected
        assert streams.last.items == expected

    async def test_async_openai_tool_streams_through_the_writer(
        self, doc: SeedDoc, ns: dict[str, Any], streams: StreamLog, llm: ModelServer,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """Blocks 19 then 20: every AsyncOpenAI delta reaches `custom` mode as a role dict."""
        llm.on("'bedroom'", streamed(ITEMS))
        run(doc[18].import_lines, ns)  # block 19 calls get_stream_writer, imported by 16–18
        run(doc.block(19, holds="openai_client = AsyncOpenAI()").code, ns)
        await arun(doc.block(20, holds='"arguments": \'{"place":"bedroom"}\'').code, ns)
        assert capsys.readouterr().out == "".join(f"{t}|" for t in ITEMS)
        assert streams.last.kwargs == {"stream_mode": "custom"}
        assert streams.last.items == [{"role": "assistant", "content": t} for t in ITEMS]
        body = llm.request_with("'bedroom'")
        assert (body["model"], body["stream"]) == ("gpt-4.1-mini", True)

    async def test_async_openai_tool_result_is_appended(
        self, doc: SeedDoc, ns: dict[str, Any], llm: ModelServer,
    ) -> None:
        """Block 19's graph appends the tool message to `messages` (operator.add reducer)."""
        llm.on("'bedroom'", streamed(ITEMS))  # for block 20's own run
        llm.on("'bedroom'", streamed(ITEMS))  # for the ainvoke below
        run(doc[18].import_lines, ns)
        run(doc.block(19, holds="openai_client = AsyncOpenAI()").code, ns)
        await arun(doc.block(20, holds='"arguments": \'{"place":"bedroom"}\'').code, ns)
        final = await ns["graph"].ainvoke(ns["inputs"])
        assert final["messages"] == [*ns["inputs"]["messages"], {
            "tool_call_id": "1", "role": "tool", "name": "get_items", "content": "".join(ITEMS)}]
