"""A tool-calling agent: model → tools → model, until the model answers in words.

Shows: an LLM call streamed token by token (messages mode, token timeline), a
conditional edge (`tools_condition`), a ToolNode running two tool calls in parallel,
and a tool reporting progress through the custom stream writer.

Runs offline on ScriptedChatModel (with model-like token timing). With OPENAI_BASE_URL
set (OpenAI, Ollama, vLLM, llama.cpp server...), it uses that server instead; choose the
model with STEPSCOPE_MODEL (default gpt-4o-mini).
"""

from __future__ import annotations

import os

from engine.chat_models import BaseChatModel, ScriptedChatModel, init_chat_model
from engine.config import get_stream_writer
from engine.graph import START, CompiledStateGraph, MessagesState, StateGraph
from engine.messages import AIMessage, HumanMessage, SystemMessage
from engine.prebuilt import ToolNode, tools_condition
from engine.tools import tool

_TEMPERATURES = {"paris": 18, "tokyo": 24, "oslo": 4}


@tool
def get_weather(city: str) -> str:
    """Current temperature in a city.

    Args:
        city: The city's name, e.g. "Paris".
    """
    get_stream_writer()({"tool": "get_weather", "status": f"looking up {city}"})
    celsius = _TEMPERATURES.get(city.lower())
    if celsius is None:
        return f"No weather data for {city}."
    return f"It is {celsius}°C in {city}."


@tool
def convert_to_fahrenheit(celsius: float) -> str:
    """Convert a temperature from Celsius to Fahrenheit.

    Args:
        celsius: Degrees Celsius.
    """
    return f"{celsius * 9 / 5 + 32:.1f}°F"


TOOLS = [get_weather, convert_to_fahrenheit]


def scripted_model() -> ScriptedChatModel:
    """Replies that exercise the loop twice: two parallel tool calls, then an answer."""
    return ScriptedChatModel(
        [
            AIMessage("Let me check both cities.", tool_calls=[
                {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_paris"},
                {"name": "get_weather", "args": {"city": "Tokyo"}, "id": "call_tokyo"},
            ]),
            AIMessage("", tool_calls=[
                {"name": "convert_to_fahrenheit", "args": {"celsius": 24}, "id": "call_f"},
            ]),
            "Tokyo is warmer: 24°C (75.2°F) against 18°C in Paris.",
        ],
        first_token_delay=0.12,
        token_delay=0.03,
        cycle=True,
    )


def make_model() -> BaseChatModel:
    if os.environ.get("OPENAI_BASE_URL"):
        model = os.environ.get("STEPSCOPE_MODEL", "gpt-4o-mini")
        return init_chat_model(model, model_provider="openai")
    return scripted_model()


def build(model: BaseChatModel | None = None) -> CompiledStateGraph:
    """The compiled agent graph; `model` defaults to `make_model()`."""
    llm = (model or make_model()).bind_tools(TOOLS)
    system = SystemMessage("You answer weather questions. Use the tools; be brief.")

    def agent(state: MessagesState) -> dict[str, list[AIMessage]]:
        return {"messages": [llm.invoke([system, *state["messages"]])]}

    return (
        StateGraph(MessagesState)
        .add_node(agent)
        .add_node("tools", ToolNode(TOOLS))
        .add_edge(START, "agent")
        .add_conditional_edges("agent", tools_condition, ["tools", "__end__"])
        .add_edge("tools", "agent")
        .compile(name="weather-agent")
    )


graph = build
inputs = {"messages": [HumanMessage("Which is warmer right now, Paris or Tokyo? In °F too.")]}

if __name__ == "__main__":
    for message, metadata in build().stream(inputs, stream_mode="messages"):
        if metadata["langgraph_node"] == "agent":
            print(message.content, end="", flush=True)
    print()
