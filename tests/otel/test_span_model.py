"""The span model: real recorded traces turned into spans, handed to the SDK's
in-memory exporter and checked there (tree, names, GenAI attributes, times, content)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

import tracer
from engine.chat_models import GenericFakeChatModel
from engine.graph import START, MessagesState, StateGraph
from engine.messages import AIMessage, HumanMessage
from engine.prebuilt import ToolNode
from tests.otel.graphs import (
    AGENT_INPUT,
    FIRST_USAGE,
    MODEL,
    RESPONSE_MODEL,
    SECOND_USAGE,
    SECRET,
    agent_model,
    by_name,
    exported,
    lookup,
    parent_of,
    plain_chat,
    record_agent,
)
from tests.tracer import graphs
from tracer.export.otel import otlp_json
from tracer.export.otel_model import SCHEMA_URL
from tracer.summary import summarize
from tracer.usage import usage_of


def attrs(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def only(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    (span,) = by_name(spans, name)
    return span


@pytest.fixture(scope="module")
def agent_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return record_agent(tmp_path_factory.mktemp("otel") / "agent.stepscope")


class TestAgentSpanTree:
    """create_react_agent with a tool-calling model: run → steps → tasks → chat/tool."""

    def test_tree_and_names(self, agent_trace: Path) -> None:
        """One trace; invoke_agent at the root, steps under it, tasks under their step,
        model calls under the model node's tasks, the tool call under the tool node's."""
        spans = exported(agent_trace)
        root = only(spans, "invoke_agent weather")
        assert root.parent is None and root.kind is SpanKind.INTERNAL
        assert {s.context.trace_id for s in spans if s.context} == {root.context.trace_id}
        steps = sorted((s for s in spans if s.name.startswith("step ")), key=lambda s: s.name)
        assert [s.name for s in steps] == ["step 1", "step 2", "step 3"]
        assert all(parent_of(spans, s) is root for s in steps)
        tasks = [s for s in spans if s.name in ("agent", "tools")]
        assert [parent_of(spans, t).name for t in tasks] == [  # type: ignore[union-attr]
            f"step {attrs(t)['stepscope.step']}" for t in tasks]
        chats = by_name(spans, f"chat {MODEL}")
        assert len(chats) == 2
        assert all(s.kind is SpanKind.CLIENT for s in chats)
        assert {parent_of(spans, s).name for s in chats} == {"agent"}  # type: ignore[union-attr]
        tool = only(spans, "execute_tool lookup")
        assert parent_of(spans, tool).name == "tools"  # type: ignore[union-attr]
        assert len(spans) == 1 + 3 + 3 + 2 + 1

    def test_children_inside_their_parents(self, agent_trace: Path) -> None:
        """Times come from the trace: every span lies within its parent."""
        spans = exported(agent_trace)
        for span in spans:
            parent = parent_of(spans, span)
            assert span.start_time is not None and span.end_time is not None
            assert span.start_time <= span.end_time
            if parent is not None:
                assert parent.start_time <= span.start_time  # type: ignore[operator]
                assert span.end_time <= parent.end_time  # type: ignore[operator]

    def test_times_are_the_recorded_ones(self, agent_trace: Path) -> None:
        """A task's span starts at the run's wall start plus the task's offset and lasts
        what the trace says."""
        with tracer.open_trace(agent_trace) as trace:
            summary = summarize(trace.events())
        run = summary.runs[0]
        assert run.wall_start_ns is not None
        spans = exported(agent_trace)
        assert only(spans, "invoke_agent weather").start_time == run.wall_start_ns + run.start
        for task in summary.tasks():
            span = next(s for s in spans if attrs(s).get("stepscope.task.id") == task.task_id
                        and not s.name.startswith("chat"))
            assert span.start_time == run.wall_start_ns + task.start  # type: ignore[operator]
            assert span.end_time == run.wall_start_ns + task.end  # type: ignore[operator]

    def test_chat_attributes(self, agent_trace: Path) -> None:
        """Provider, request and response model, finish reasons, every token count the
        model reported (cache and reasoning too), time to first chunk."""
        first, second = sorted(by_name(exported(agent_trace), f"chat {MODEL}"),
                               key=lambda s: s.start_time or 0)
        for span, usage, reason in ((first, FIRST_USAGE, "tool_calls"),
                                    (second, SECOND_USAGE, "stop")):
            a = attrs(span)
            assert a["gen_ai.operation.name"] == "chat"
            assert a["gen_ai.provider.name"] == "openai"
            assert a["gen_ai.request.model"] == MODEL
            assert a["gen_ai.response.model"] == RESPONSE_MODEL
            assert list(a["gen_ai.response.finish_reasons"]) == [reason]
            assert a["gen_ai.usage.input_tokens"] == usage["input_tokens"]
            assert a["gen_ai.usage.output_tokens"] == usage["output_tokens"]
            ttft = a["gen_ai.response.time_to_first_chunk"]
            assert 0 < ttft <= ((span.end_time or 0) - (span.start_time or 0)) / 1e9
        assert attrs(first)["gen_ai.usage.cache_read.input_tokens"] == 100
        assert attrs(first)["gen_ai.usage.cache_creation.input_tokens"] == 4
        assert "gen_ai.usage.reasoning.output_tokens" not in attrs(first)
        assert attrs(second)["gen_ai.usage.reasoning.output_tokens"] == 8

    def test_usage_as_tracer_usage_reads_it(self, agent_trace: Path) -> None:
        """The token counts are `tracer.usage.usage_of` of each recorded call."""
        with tracer.open_trace(agent_trace) as trace:
            calls = trace.llm_calls()
        spans = sorted(by_name(exported(agent_trace), f"chat {MODEL}"),
                       key=lambda s: s.start_time or 0)
        for call, span in zip(calls, spans, strict=True):
            usage = usage_of(call.usage)
            assert usage is not None
            assert (attrs(span)["gen_ai.usage.input_tokens"],
                    attrs(span)["gen_ai.usage.output_tokens"]) == (usage.input, usage.output)

    def test_tool_and_run_attributes(self, agent_trace: Path) -> None:
        """execute_tool names the tool and the model's call id; the run is an agent."""
        spans = exported(agent_trace)
        tool = attrs(only(spans, "execute_tool lookup"))
        assert (tool["gen_ai.operation.name"], tool["gen_ai.tool.name"],
                tool["gen_ai.tool.call.id"], tool["gen_ai.tool.type"]) == (
            "execute_tool", "lookup", "call_oslo", "function")
        run = attrs(only(spans, "invoke_agent weather"))
        assert (run["gen_ai.operation.name"], run["gen_ai.agent.name"],
                run["gen_ai.provider.name"], run["stepscope.run.status"]) == (
            "invoke_agent", "weather", "openai", "done")
        assert "gen_ai.workflow.name" not in run

    def test_every_span_points_back_to_its_step(self, agent_trace: Path) -> None:
        """Path, run and step on every span; a task's step is the one it ran in; the
        resource says how to open the file."""
        spans = exported(agent_trace)
        with tracer.open_trace(agent_trace) as trace:
            steps = {t.task_id: t.step for t in summarize(trace.events()).tasks()}
            run_id = trace.runs[0].run_id
        for span in spans:
            a = attrs(span)
            assert a["stepscope.trace.path"] == str(agent_trace.resolve())
            assert (a["stepscope.run.number"], a["stepscope.run.id"]) == (0, run_id)
            if "stepscope.task.id" in a:
                assert a["stepscope.step"] == steps[a["stepscope.task.id"]]
            view = span.resource.attributes["stepscope.view"]
            assert view == f"stepscope view {agent_trace.resolve()}"
            # The span's own: that step of that run (`view --run N --step S`).
            assert a["stepscope.view"] == (f"stepscope view {agent_trace.resolve()} --run 0"
                                           f" --step {a['stepscope.step']}")
            assert span.instrumentation_scope is not None
            assert span.instrumentation_scope.schema_url == SCHEMA_URL
        triggers = {s.name: list(attrs(s)["stepscope.task.triggers"]) for s in spans
                    if s.name in ("agent", "tools")}
        assert triggers == {"agent": ["branch:to:agent"], "tools": ["__pregel_push"]}


class TestContent:
    """Prompts, replies, tool arguments and results leave only with content=True."""

    def test_left_out_by_default(self, agent_trace: Path) -> None:
        """The word in the prompt, reply, tool argument and result is nowhere."""
        spans = exported(agent_trace)
        document = json.dumps(otlp_json(spans))
        assert SECRET not in document
        keys = {k for s in spans for k in attrs(s)}
        assert not keys & {"gen_ai.input.messages", "gen_ai.output.messages",
                           "gen_ai.tool.call.arguments", "gen_ai.tool.call.result"}

    def test_sent_when_asked(self, agent_trace: Path) -> None:
        """The conventions' JSON messages: roles, text parts, tool calls and results."""
        spans = exported(agent_trace, content=True)
        first, second = sorted(by_name(spans, f"chat {MODEL}"), key=lambda s: s.start_time or 0)
        sent = json.loads(attrs(first)["gen_ai.input.messages"])
        assert [m["role"] for m in sent] == ["system", "user"]
        assert sent[1]["parts"] == [{"type": "text", "content": AGENT_INPUT["messages"][0].content}]
        (reply,) = json.loads(attrs(first)["gen_ai.output.messages"])
        assert reply["finish_reason"] == "tool_calls"
        assert reply["parts"][0]["type"] == "tool_call" and reply["parts"][0]["id"] == "call_oslo"
        history = json.loads(attrs(second)["gen_ai.input.messages"])
        assert history[-1]["role"] == "tool"
        assert history[-1]["parts"][0]["id"] == "call_oslo"
        tool = attrs(only(spans, "execute_tool lookup"))
        assert json.loads(tool["gen_ai.tool.call.arguments"]) == {"city": f"Oslo {SECRET}"}
        assert SECRET in tool["gen_ai.tool.call.result"]


class TestWorkflows:
    """Graphs that are not agents, subgraphs, errors."""

    def test_a_graph_without_a_tool_loop_is_a_workflow(self, tmp_path: Path) -> None:
        path = tmp_path / "chat.stepscope"
        with tracer.record(path, otlp=False):
            plain_chat().invoke({"messages": [HumanMessage("hi")]})
        spans = exported(path)
        run = attrs(only(spans, "invoke_workflow chat"))
        assert run["gen_ai.workflow.name"] == "chat" and "gen_ai.provider.name" not in run
        assert parent_of(spans, only(spans, "chat small")).name == "talk"  # type: ignore[union-attr]

    def test_a_tool_loop_under_other_names_is_an_agent(self, tmp_path: Path) -> None:
        """Recognised by what ran: a model asked for a tool and a task answered it."""
        model = agent_model()
        llm = model.bind_tools([lookup])

        def think(state: MessagesState) -> dict[str, Any]:
            return {"messages": [llm.invoke(state["messages"])]}

        def route(state: MessagesState) -> str:
            return "act" if getattr(state["messages"][-1], "tool_calls", None) else "__end__"

        graph = (StateGraph(MessagesState).add_node("think", think)
                 .add_node("act", ToolNode([lookup])).add_edge(START, "think")
                 .add_conditional_edges("think", route, ["act", "__end__"])
                 .add_edge("act", "think").compile(name="looper"))
        path = tmp_path / "loop.stepscope"
        with tracer.record(path, otlp=False):
            graph.invoke(AGENT_INPUT)
        spans = exported(path)
        assert attrs(only(spans, "invoke_agent looper"))["gen_ai.agent.name"] == "looper"
        assert parent_of(spans, only(spans, "execute_tool lookup")).name == "act"  # type: ignore[union-attr]

    def test_subgraph_run_under_its_task(self, tmp_path: Path) -> None:
        """A subgraph's run span is a child of the task that ran it, in the same trace;
        its own model call is under its own task."""
        path = tmp_path / "sub.stepscope"
        with tracer.record(path, otlp=False):
            graphs.with_subgraph().invoke({"topic": "t", "log": []})
        spans = exported(path)
        inner = only(spans, "invoke_workflow inner")
        parent = parent_of(spans, inner)
        assert parent is not None and parent.name == "inner"
        assert inner.context.trace_id == parent.context.trace_id
        assert attrs(inner)["stepscope.namespace"].startswith("inner:")
        chat = next(s for s in spans if s.name.startswith("chat"))
        assert parent_of(spans, chat).name == "s1"  # type: ignore[union-attr]
        s1 = parent_of(spans, chat)
        assert parent_of(spans, parent_of(spans, s1)) is inner  # type: ignore[arg-type]

    def test_an_error_is_an_exception_event(self, tmp_path: Path) -> None:
        """The failing task and the run: status ERROR, error.type, the exception event
        with the recorded traceback."""
        path = tmp_path / "fail.stepscope"
        with tracer.record(path, otlp=False), pytest.raises(ValueError):
            graphs.failing().invoke({"topic": "t", "log": []})
        spans = exported(path)
        boom = only(spans, "boom")
        assert boom.status.status_code is StatusCode.ERROR
        assert boom.status.description == "ValueError: boom: the answer was 42"
        assert attrs(boom)["error.type"] == "ValueError"
        (event,) = boom.events
        assert event.name == "exception"
        info = dict(event.attributes or {})
        assert info["exception.type"] == "ValueError"
        assert "Traceback" in str(info["exception.stacktrace"])
        run = only(spans, "invoke_workflow LangGraph")  # LangGraph's default graph name
        assert run.status.status_code is StatusCode.ERROR
        assert attrs(run)["stepscope.run.status"] == "error"
        assert only(spans, "pre").status.status_code is StatusCode.UNSET


class TestIds:
    """Ids derived from the trace: exporting twice, or another copy, gives the same."""

    def test_same_ids_every_time_and_from_a_copy(self, agent_trace: Path,
                                                  tmp_path: Path) -> None:
        copy = tmp_path / "copy.stepscope"
        shutil.copy(agent_trace, copy)

        def ids(path: Path) -> list[tuple[int, int, int | None]]:
            return sorted((s.context.trace_id, s.context.span_id,
                           s.parent.span_id if s.parent else None) for s in exported(path))

        first = ids(agent_trace)
        assert first == ids(agent_trace) == ids(copy)
        assert len({span for _, span, _ in first}) == len(first)
        with tracer.open_trace(agent_trace) as trace:
            run_id = trace.runs[0].run_id
        other = tmp_path / "again.stepscope"
        record_agent(other)  # a new run: a new run id, new ids
        assert {t for t, _, _ in ids(other)}.isdisjoint({t for t, _, _ in first})
        assert run_id


class TestReplyModels:
    """What a model's reply says, however it arrived."""

    def test_streamed_reply_keeps_its_finish_reason(self, tmp_path: Path) -> None:
        """Streamed word by word, the last chunk carries finish reason and usage."""
        model = GenericFakeChatModel(model="m", messages=iter([AIMessage(
            "one two three", usage_metadata={"input_tokens": 3, "output_tokens": 3,
                                             "total_tokens": 6},
            response_metadata={"finish_reason": "length"})]))

        def talk(state: MessagesState) -> dict[str, Any]:
            text = "".join(c.text for c in model.stream(state["messages"]))
            return {"messages": [AIMessage(text)]}

        graph = (StateGraph(MessagesState).add_node("talk", talk).add_edge(START, "talk")
                 .compile(name="streamer"))
        path = tmp_path / "stream.stepscope"
        with tracer.record(path, otlp=False):
            graph.invoke({"messages": [HumanMessage("count")]})
        a = attrs(only(exported(path), "chat m"))
        assert list(a["gen_ai.response.finish_reasons"]) == ["length"]
        assert a["stepscope.llm.chunks"] == 5  # "one", " ", "two", " ", "three"
        assert a["gen_ai.usage.output_tokens"] == 3
