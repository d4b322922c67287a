"""LLM calls read back from a trace: tokens, timing and where each call ran."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, TypedDict

import pytest

import tracer
from engine.chat_models import ScriptedChatModel
from engine.graph import START, StateGraph
from engine.messages import HumanMessage

from .graphs import with_subgraph

pytestmark = pytest.mark.skipif(importlib.util.find_spec("tracer.analysis") is None,
                                reason="Trace.llm_calls needs tracer.analysis, not written yet")


class Q(TypedDict):
    answer: str


class TestLlmCalls:
    """`Trace.llm_calls()` groups llm_start / token / llm_end into calls with their timing."""

    def test_call_in_a_subgraph(self, tmp_path: Path) -> None:
        path = tmp_path / "llm.stepscope"
        with tracer.record(path):
            with_subgraph().invoke({"topic": "x", "log": []})
        with tracer.open_trace(path) as trace:
            (call,) = trace.llm_calls()
            inner = trace.runs[1]
            assert (call.node, call.ns, call.step, call.model) == ("s1", inner.ns, 1, "scripted")
            assert call.streamed_text == call.text == "three little words"
            assert [text for _, text in call.tokens] == ["three", " ", "little", " ", "words"]
            assert call.error is None and call.usage["output_tokens"] == 5
            (start,) = list(trace.events({"task_start"}, ns=inner.ns))[:1]
            assert call.task_id == start.data["task_id"]

    def test_timing(self, tmp_path: Path) -> None:
        """TTFT and tokens per second follow the model's scripted delays."""
        model = ScriptedChatModel(["a b c d e f"], first_token_delay=0.06, token_delay=0.01)

        def ask(state: Q) -> dict[str, Any]:
            return {"answer": model.invoke([HumanMessage("q")]).text}

        graph = StateGraph(Q).add_node(ask).add_edge(START, "ask").compile()
        path = tmp_path / "timed.stepscope"
        with tracer.record(path):
            graph.invoke({"answer": ""})
        with tracer.open_trace(path) as trace:
            (call,) = trace.llm_calls()
        assert len(call.tokens) == 11
        assert call.ttft is not None and 0.06e9 <= call.ttft < 1e9
        assert all(gap >= 0.009e9 for gap in call.gaps)
        rate = call.tokens_per_second
        assert rate is not None and 1 < rate <= 101
        assert call.duration is not None and call.duration >= call.ttft + 10 * 0.01e9
        assert call.stalls == []
