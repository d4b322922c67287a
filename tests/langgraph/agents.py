"""Agents as LangChain and LangGraph users build them, with a scripted chat model."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Iterator
from typing import Annotated, Any, TypedDict

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.tools import tool
from langgraph.graph import START, StateGraph, add_messages


class ScriptedModel(GenericFakeChatModel):
    """Replies from a script, streams word by word (the last chunk carries the tool calls
    and the usage), and accepts tools (it needs none: the script holds the calls)."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedModel:
        return self

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        reply = next(self.messages)
        assert isinstance(reply, AIMessage)
        words = [w for w in re.split(r"(\s)", str(reply.content)) if w] or [""]
        for i, word in enumerate(words):
            last = i == len(words) - 1
            chunk = AIMessageChunk(
                content=word, id=reply.id,
                tool_call_chunks=[
                    {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"],
                     "index": n, "type": "tool_call_chunk"}
                    for n, c in enumerate(reply.tool_calls)] if last else [],
                usage_metadata=reply.usage_metadata if last else None)
            generation = ChatGenerationChunk(message=chunk)
            if run_manager is not None:
                run_manager.on_llm_new_token(word, chunk=generation)
            yield generation


@tool
def weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def usage(inp: int, out: int) -> dict[str, int]:
    return {"input_tokens": inp, "output_tokens": out, "total_tokens": inp + out}


def weather_script() -> Iterator[AIMessage]:
    return iter([
        AIMessage("", tool_calls=[{"name": "weather", "args": {"city": "Tokyo"}, "id": "c1"}],
                  usage_metadata=usage(12, 4)),
        AIMessage("It is sunny in Tokyo today.",
                  usage_metadata=usage(30, 7)),
    ])


def model(runs: int = 1) -> ScriptedModel:
    """A model whose script answers the weather question `runs` times."""
    return ScriptedModel(messages=itertools.chain.from_iterable(
        weather_script() for _ in range(runs)))


QUESTION = {"messages": [("user", "What is the weather in Tokyo?")]}


def langchain_agent(runs: int = 1) -> Any:
    from langchain.agents import create_agent

    return create_agent(model(runs), [weather])


def prebuilt_agent() -> Any:
    import warnings

    from langgraph.prebuilt import create_react_agent

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated in favour of create_agent, still used
        return create_react_agent(model(), [weather])


class Chat(TypedDict):
    messages: Annotated[list[BaseMessage], add_messages]


def two_writers() -> Any:
    """Two async nodes in one step, each awaiting its own model call concurrently."""
    def node(name: str, reply: str) -> Any:
        chat = ScriptedModel(messages=iter([AIMessage(reply)]))

        async def run(state: Chat) -> dict[str, Any]:
            await asyncio.sleep(0)
            return {"messages": [await chat.ainvoke(state["messages"])]}
        return run

    return (StateGraph(Chat)
            .add_node("poet", node("poet", "roses are red"))
            .add_node("critic", node("critic", "too short"))
            .add_edge(START, "poet").add_edge(START, "critic")
            .compile())


class Broken(GenericFakeChatModel):
    def _generate(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("model endpoint refused the connection")


def broken_model_graph() -> Any:
    chat = Broken(messages=iter([]))

    def ask(state: Chat) -> dict[str, Any]:
        return {"messages": [chat.invoke(state["messages"])]}

    return StateGraph(Chat).add_node("ask", ask).add_edge(START, "ask").compile()
