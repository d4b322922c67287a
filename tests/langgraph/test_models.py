"""Chat-model calls inside real LangGraph runs: each is recorded with its task, model,
tokens, usage and tool calls, and recording changes nothing the program receives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("langgraph")
pytest.importorskip("langchain")

from tests.langgraph import agents
from tests.langgraph.helpers import stream_updates, stream_values, trace_updates, trace_values
from tracer import open_trace, record


def brief(value: Any, ids: bool = True) -> Any:
    """A message as (class, content, tool calls, id), LangChain's or the trace's alike;
    anything else through, recursively."""
    if isinstance(value, dict):
        return {k: brief(v, ids) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [brief(v, ids) for v in value]
    if hasattr(value, "content") and hasattr(value, "type"):
        calls = [(c["name"], c["args"], c["id"]) for c in getattr(value, "tool_calls", [])]
        return (type(value).__name__, value.content, calls, value.id if ids else None)
    return value


@pytest.mark.parametrize("make, node", [(agents.langchain_agent, "model"),
                                        (agents.prebuilt_agent, "agent")],
                         ids=["create_agent", "create_react_agent"])
def test_agent_model_calls(make: Any, node: str, tmp_path: Path) -> None:
    path = tmp_path / "agent.stepscope"
    with record(path):
        chunks = list(make().stream(agents.QUESTION, stream_mode=["values", "updates"]))
    trace = open_trace(path)
    calls = trace.llm_calls()
    assert [c.node for c in calls] == [node, node]
    assert [c.usage for c in calls] == [agents.usage(12, 4), agents.usage(30, 7)]
    assert calls[1].text == "It is sunny in Tokyo today."
    assert all(c.model == "ScriptedModel" and c.error is None for c in calls)
    # each call belongs to the task that made it, in the step it ran in
    ends = {e.data["task_id"]: e for e in trace.events({"task_end"}) if e.data["name"] == node}
    assert [c.task_id for c in calls] == list(ends)
    assert [c.step for c in calls] == [ends[c.task_id].step for c in calls]
    # the tool call the model asked for, and the prompt it was given
    tool_calls = [e.data.get("tool_calls") or [] for e in trace.events({"llm_end"})]
    assert [(c["name"], c["args"]) for c in tool_calls[0]] == [("weather", {"city": "Tokyo"})]
    assert tool_calls[1] == []
    starts = list(trace.events({"llm_start"}))
    assert [m.content for m in starts[1].data["prompt"]][-2:] == ["", "sunny in Tokyo"]
    # the state at every step and the writes of every task are LangGraph's own
    assert brief(trace_values(trace)) == brief(stream_values(chunks))
    # A message written without an id gets one from `add_messages` when the step is
    # applied, in place, so the `updates` item (the same object) shows it once the
    # step is over; the trace keeps the write as the task made it.
    assert brief(trace_updates(trace), ids=False) == brief(stream_updates(chunks), ids=False)


def test_streamed_tokens_and_the_programs_stream_unchanged(tmp_path: Path) -> None:
    """A program streaming `messages` gets the same chunks with and without recording,
    and the trace has one token per chunk, each timed."""
    def run() -> list[tuple[str, str]]:
        graph = agents.langchain_agent()
        return [(chunk.content, meta["langgraph_node"])
                for chunk, meta in graph.stream(agents.QUESTION, stream_mode="messages")]

    plain = run()
    path = tmp_path / "tokens.stepscope"
    with record(path):
        recorded = run()
    assert recorded == plain
    calls = open_trace(path).llm_calls()
    words = [text for _, text in calls[1].tokens]
    assert "".join(words) == "It is sunny in Tokyo today."
    assert len(words) > 5  # streamed word by word, not one whole reply
    times = [t for t, _ in calls[1].tokens]
    end = calls[1].end
    assert end is not None and times == sorted(times) and calls[1].start <= times[0] <= end
    model_chunks = [c for c, node in plain if node == "model" and c]
    assert "".join(model_chunks) == "It is sunny in Tokyo today."


def test_invoke_is_not_made_to_stream(tmp_path: Path) -> None:
    """Listening must not turn a plain `invoke` into a streamed call: the reply is one
    token, as the model produced it."""
    path = tmp_path / "whole.stepscope"
    with record(path):
        agents.langchain_agent().invoke(agents.QUESTION)
    calls = open_trace(path).llm_calls()
    assert [len(c.tokens) for c in calls] == [1, 1]
    assert calls[1].tokens[0][1] == "It is sunny in Tokyo today."


async def test_concurrent_async_calls_keep_their_tasks(tmp_path: Path) -> None:
    path = tmp_path / "async.stepscope"
    with record(path):
        out = await agents.two_writers().ainvoke({"messages": [("user", "a poem")]})
    assert sorted(m.content for m in out["messages"][1:]) == ["roses are red", "too short"]
    trace = open_trace(path)
    tasks = {e.data["task_id"]: e.data["name"] for e in trace.events({"task_end"})}
    by_node = {tasks[c.task_id]: c.text for c in trace.llm_calls()}
    assert by_node == {"poet": "roses are red", "critic": "too short"}


def test_a_failing_model_call(tmp_path: Path) -> None:
    path = tmp_path / "broken.stepscope"
    with record(path), pytest.raises(ConnectionError):
        agents.broken_model_graph().invoke({"messages": [("user", "hi")]})
    trace = open_trace(path)
    (call,) = trace.llm_calls()
    assert call.node == "ask" and call.tokens == []
    assert "refused the connection" in str(call.error)
    (end,) = trace.events({"task_end"})
    assert "refused the connection" in str(end.data["error"])


def test_model_calls_outside_a_graph_are_not_recorded(tmp_path: Path) -> None:
    path = tmp_path / "outside.stepscope"
    with record(path):
        reply = agents.model().invoke("hello")
        agents.langchain_agent().invoke(agents.QUESTION)
    assert reply.tool_calls[0]["name"] == "weather"
    assert len(open_trace(path).llm_calls()) == 2  # the agent's two, not the bare call
