"""A LangChain chat model that reports token usage, for recording real graphs with it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from engine.graph import START, MessagesState, StateGraph

Report = Literal["metadata", "llm_output", "none"]


def usage(inp: int, out: int, **details: Any) -> dict[str, Any]:
    """LangChain's `usage_metadata` for `inp` input and `out` output tokens."""
    return {"input_tokens": inp, "output_tokens": out, "total_tokens": inp + out, **details}


class UsageModel(GenericFakeChatModel):
    """Replies from `messages`, word by word when streamed; only the last chunk carries
    the usage, as OpenAI's streamed usage does. `report` says where the usage goes:
    the message's `usage_metadata`, the result's `llm_output` (OpenAI's own shape), or
    nowhere (a provider that reports none)."""

    model: str = "gpt-4o-mini"
    report: Report = "metadata"

    def _reply(self) -> AIMessage:
        reply = next(self.messages)
        assert isinstance(reply, AIMessage)
        return reply

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None,
                  **kwargs: Any) -> ChatResult:
        reply = self._reply()
        raw = reply.usage_metadata
        message = AIMessage(reply.content, id=reply.id,
                            usage_metadata=raw if self.report == "metadata" else None)
        llm_output = None
        if self.report == "llm_output" and raw is not None:
            llm_output = {"token_usage": {"prompt_tokens": raw["input_tokens"],
                                          "completion_tokens": raw["output_tokens"],
                                          "total_tokens": raw["total_tokens"]}}
        return ChatResult(generations=[ChatGeneration(message=message)], llm_output=llm_output)

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        reply = self._reply()
        words = [w for w in re.split(r"(\s)", str(reply.content)) if w] or [""]
        for i, word in enumerate(words):
            last = i == len(words) - 1
            chunk = AIMessageChunk(content=word, id=reply.id, usage_metadata=(
                reply.usage_metadata if last and self.report == "metadata" else None))
            generation = ChatGenerationChunk(message=chunk)
            if run_manager is not None:
                run_manager.on_llm_new_token(word, chunk=generation)
            yield generation


def replies(*counts: tuple[int, int], text: str = "the answer is here") -> Iterator[AIMessage]:
    """One reply per (input, output) pair, each reporting that usage."""
    return iter([AIMessage(text, usage_metadata=usage(i, o)) for i, o in counts])


def asking_graph(model: UsageModel, how: str = "invoke", **compile_kwargs: Any) -> Any:
    """One node, `ask`, that calls `model` once: `how` is invoke, stream or ainvoke."""
    import asyncio

    def ask(state: MessagesState) -> dict[str, Any]:
        prompt = [HumanMessage("what is it?")]
        if how == "stream":
            text = "".join(str(c.content) for c in model.stream(prompt))
            return {"messages": [AIMessage(text)]}
        if how == "ainvoke":
            return {"messages": [asyncio.run(model.ainvoke(prompt))]}
        return {"messages": [model.invoke(prompt)]}

    return (StateGraph(MessagesState).add_node("ask", ask).add_edge(START, "ask")
            .compile(**compile_kwargs))


def priced_agent(**compile_kwargs: Any) -> Any:
    """plan (gpt-4o-mini: 100 in / 10 out) → research, a subgraph whose `search` calls
    claude-haiku-4-5 twice (60 in, 50 of them cached / 5 out, each) → ask (interrupts for
    an answer) → answer (a model that reports no usage)."""
    from engine.types import interrupt

    planner = UsageModel(messages=replies((100, 10), text="plan: search then answer"))
    searcher = UsageModel(model="claude-haiku-4-5", messages=iter([
        AIMessage("found it", usage_metadata=usage(60, 5, input_token_details={
            "cache_read": 50}))] * 2))
    answerer = UsageModel(model="mystery-model", report="none",
                          messages=replies((7, 7), text="it is 42"))

    def plan(state: MessagesState) -> dict[str, Any]:
        return {"messages": [planner.invoke([HumanMessage("plan")])]}

    def search(state: MessagesState) -> dict[str, Any]:
        first = searcher.invoke([HumanMessage("search")])
        second = searcher.invoke([HumanMessage("search again")])
        return {"messages": [first, second]}

    research = (StateGraph(MessagesState).add_node("search", search)
                .add_edge(START, "search").compile(name="research"))

    def ask(state: MessagesState) -> dict[str, Any]:
        return {"messages": [HumanMessage(interrupt("go on?"))]}

    def answer(state: MessagesState) -> dict[str, Any]:
        return {"messages": [answerer.invoke([HumanMessage("answer")])]}

    return (StateGraph(MessagesState).add_node("plan", plan).add_node("research", research)
            .add_node("ask", ask).add_node("answer", answer).add_edge(START, "plan")
            .add_edge("plan", "research").add_edge("research", "ask")
            .add_edge("ask", "answer").compile(name="priced-agent", **compile_kwargs))


def record_priced_thread(path: Path) -> Path:
    """Record into `path` the priced agent in one thread: invoke (it pauses at its
    interrupt), then the resume (answered by a model that reports no usage)."""
    import tracer
    from engine.checkpoint.memory import InMemorySaver
    from engine.types import Command

    graph = priced_agent(checkpointer=InMemorySaver())
    config: Any = {"configurable": {"thread_id": "chat-1"}}
    with tracer.record(path):
        graph.invoke({"messages": []}, config)
        graph.invoke(Command(resume="yes"), config)
    return path
