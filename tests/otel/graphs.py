"""Graphs the OpenTelemetry tests record, and how they read the spans back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import tracer
from engine.chat_models import GenericFakeChatModel
from engine.graph import START, MessagesState, StateGraph
from engine.messages import AIMessage, HumanMessage, SystemMessage
from engine.prebuilt import create_react_agent
from engine.tools import tool
from tracer.export.otel import spans_of

SECRET = "zebra-7731"
"""A word in the prompt, the reply, a tool's argument and its result: it must leave the
machine only with `content=True`."""

MODEL = "gpt-4o-mini"
RESPONSE_MODEL = "gpt-4o-mini-2024-07-18"
FIRST_USAGE = {"input_tokens": 120, "output_tokens": 12, "total_tokens": 132,
               "input_token_details": {"cache_read": 100, "cache_creation": 4}}
SECOND_USAGE = {"input_tokens": 150, "output_tokens": 20, "total_tokens": 170,
                "output_token_details": {"reasoning": 8}}


@tool
def lookup(city: str) -> str:
    """The temperature in a city.

    Args:
        city: The city's name.
    """
    return f"4°C in {city} ({SECRET})"


def agent_model() -> GenericFakeChatModel:
    """A tool-calling model that reports usage (cache and reasoning tokens too), its
    finish reasons and the model that answered, as OpenAI's models do."""
    model = GenericFakeChatModel(model=MODEL, messages=iter([
        AIMessage("", tool_calls=[{"name": "lookup", "args": {"city": f"Oslo {SECRET}"},
                                   "id": "call_oslo"}],
                  usage_metadata=FIRST_USAGE,
                  response_metadata={"finish_reason": "tool_calls",
                                     "model_name": RESPONSE_MODEL}),
        AIMessage(f"It is 4°C in Oslo ({SECRET}).", usage_metadata=SECOND_USAGE,
                  response_metadata={"finish_reason": "stop", "model_name": RESPONSE_MODEL}),
    ]))
    model.provider = "openai"
    return model


def react_agent() -> Any:
    """create_react_agent: model ⇄ tools, named `weather`."""
    return create_react_agent(agent_model(), [lookup], name="weather",
                              prompt=SystemMessage("Answer about the weather."))


AGENT_INPUT = {"messages": [HumanMessage(f"How warm is Oslo? {SECRET}")]}


def plain_chat(**compile_kwargs: Any) -> Any:
    """One node calling a model that asks for no tools: a workflow, not an agent."""
    model = GenericFakeChatModel(model="small", messages=iter([AIMessage("hello")]))

    def talk(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    return (StateGraph(MessagesState).add_node("talk", talk).add_edge(START, "talk")
            .compile(name="chat", **compile_kwargs))


def record_agent(path: Path) -> Path:
    with tracer.record(path, otlp=False):
        react_agent().invoke(AGENT_INPUT)
    return path


def exported(path: Path, *, content: bool = False) -> list[ReadableSpan]:
    """The trace's spans, handed to the SDK's in-memory exporter and read back from it."""
    with tracer.open_trace(path) as trace:
        spans, malformed = spans_of(path, trace.events(), content=content)
    assert malformed == []
    exporter = InMemorySpanExporter()
    exporter.export(spans)
    return list(exporter.get_finished_spans())


def by_name(spans: list[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


def parent_of(spans: list[ReadableSpan], span: ReadableSpan) -> ReadableSpan | None:
    if span.parent is None:
        return None
    return next((s for s in spans if s.context is not None
                 and s.context.span_id == span.parent.span_id), None)
