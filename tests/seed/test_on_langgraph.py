"""The seed's programs as written (no import renamed), on real LangGraph, recorded.

Each prints what it prints unrecorded, and its trace holds what LangGraph computed: the
state at every step is LangGraph's, each model call has its tokens, custom data is kept.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import io
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("langgraph")
pytest.importorskip("langchain_openai")

from tracer import Trace, open_trace, record

from .doc_blocks import SeedDoc, mask_uuids
from .model_server import ModelServer, delayed
from .test_llm_tokens import JOKE, POEM


def run_original(doc: SeedDoc, index: int, holds: str, ns: dict[str, Any],
                 trace: Path | None) -> str:
    """Run block `index` unported, as a script would (top-level `async for` allowed);
    inside `record(trace)` when given. What it printed."""
    block = doc.block(index, holds=holds)
    code = compile(block.source, f"<seed block {index}>", "exec",
                   flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), record(trace) if trace else contextlib.nullcontext():
        result = eval(code, ns)
        if inspect.iscoroutine(result):
            asyncio.run(result)
    return mask_uuids(out.getvalue())


def final_states(trace: Trace) -> list[dict[str, Any]]:
    return [trace.state_at(trace.steps(run)[-1], run) for run in range(len(trace.runs))
            if not trace.runs[run].ns]


@pytest.mark.parametrize("index, holds, nodes, final", [
    (1, "def refine_topic", ["refine_topic", "generate_joke"],
     {"topic": "ice cream and cats", "joke": "This is a joke about ice cream and cats"}),
    (8, "subgraphs=True", ["node_1", "subgraph_node_1", "subgraph_node_2", "node_2"],
     {"foo": "hi! foobar"}),
    (16, "get_stream_writer", ["node"], {"query": "example", "answer": "some data"}),
])
def test_a_seed_program_on_langgraph(index: int, holds: str, nodes: list[str],
                                     final: dict[str, Any], doc: SeedDoc, ns: dict[str, Any],
                                     tmp_path: Path) -> None:
    plain = run_original(doc, index, holds, ns, None)
    path = tmp_path / f"block{index}.stepscope"
    recorded = run_original(doc, index, holds, dict(ns), path)
    assert recorded == plain
    with open_trace(path) as trace:
        assert trace.finished
        assert trace.run_start.data["engine_version"].startswith("langgraph 1.2.")
        assert [e.data["name"] for e in trace.events({"task_end"})] == nodes
        assert final_states(trace) == [final]
        if index == 16:
            (custom,) = trace.events({"custom"})
            assert custom.data["payload"] == {"custom_key": "Generating custom data inside node"}
            assert str(custom.data["payload"]) in recorded


def test_the_seed_llm_program_on_langgraph(doc: SeedDoc, ns: dict[str, Any], llm: ModelServer,
                                           tmp_path: Path) -> None:
    """Block 13 (two tagged models streamed in one node), through langchain-openai to a
    local server: each call's tokens are in the trace, with the model's tags."""
    llm.on("Write a joke about cats", delayed(JOKE))
    llm.on("Write a short poem about cats", delayed(POEM))
    path = tmp_path / "block13.stepscope"
    out = run_original(doc, 13, "joke_model = init_chat_model", ns, path)
    printed = out.replace("Writing joke...\n", "").replace("\n\nWriting poem...\n", "")
    assert [t for t in printed.split("|") if t] == JOKE
    with open_trace(path) as trace:
        calls = trace.llm_calls()
        assert [c.tags for c in calls] == [["joke"], ["poem"]]
        assert [[t for _, t in c.tokens if t] for c in calls] == [JOKE, POEM]
        assert {c.node for c in calls} == {"call_model"}
        assert [(c.provider, c.model) for c in calls] == [("openai", "gpt-4.1-mini")] * 2
