"""A support reply written with a human in the loop: one thread, several runs.

Shows: token usage reported by two models (cache reads and reasoning included), a
thread whose runs are the first invoke, a resume after each interrupt and a fork
from a past checkpoint (`update_state`), shown as one timeline by `stepscope view`
and `stepscope inspect`; with `--prices sample_graphs/prices.json`, what it cost.

    python sample_graphs/support_thread.py support.stepscope   # the whole thread
    stepscope inspect support.stepscope --prices sample_graphs/prices.json
    stepscope view support.stepscope --prices sample_graphs/prices.json

(`stepscope run sample_graphs/support_thread.py` records the first run only: it
stops at the review.)
"""

from __future__ import annotations

import sys
from typing import Any

from engine.chat_models import ScriptedChatModel
from engine.checkpoint.memory import InMemorySaver
from engine.config import RunnableConfig
from engine.graph import END, START, CompiledStateGraph, MessagesState, StateGraph
from engine.messages import AIMessage, HumanMessage
from engine.types import Command, interrupt


def _usage(inp: int, out: int, cached: int = 0, reasoning: int = 0) -> dict[str, Any]:
    return {"input_tokens": inp, "output_tokens": out, "total_tokens": inp + out,
            "input_token_details": {"cache_read": cached},
            "output_token_details": {"reasoning": reasoning}}


def build() -> CompiledStateGraph:
    """triage (gpt-4o-mini) → draft (o3-mini, reasoning) → review (asks a human; "yes"
    sends, anything else is feedback for another draft) → send."""
    triage_model = ScriptedChatModel([AIMessage(
        "billing: a refund for a double charge", usage_metadata=_usage(412, 9, cached=384))],
        model="gpt-4o-mini", cycle=True, token_delay=0.01)
    draft_model = ScriptedChatModel([
        AIMessage("We are sorry for the double charge. A refund of $20 is on its way and "
                  "should reach you within five days.",
                  usage_metadata=_usage(655, 160, cached=512, reasoning=128)),
        AIMessage("Sorry! Refund of $20 sent; expect it within five days.",
                  usage_metadata=_usage(702, 140, cached=640, reasoning=126)),
    ], model="o3-mini", cycle=True, first_token_delay=0.05, token_delay=0.01)

    def triage(state: MessagesState) -> dict[str, Any]:
        return {"messages": [triage_model.invoke(state["messages"])]}

    def draft(state: MessagesState) -> dict[str, Any]:
        return {"messages": [draft_model.invoke(state["messages"])]}

    def review(state: MessagesState) -> Command[Any]:
        answer = interrupt({"question": "Send this reply?",
                            "draft": state["messages"][-1].text})
        if answer == "yes":
            return Command(goto="send")
        return Command(goto="draft", update={"messages": [HumanMessage(str(answer))]})

    def send(state: MessagesState) -> dict[str, Any]:
        return {"messages": [AIMessage("(sent)")]}

    return (StateGraph(MessagesState).add_node(triage).add_node(draft)
            .add_node(review, destinations=("draft", "send")).add_node(send)
            .add_edge(START, "triage").add_edge("triage", "draft").add_edge("draft", "review")
            .add_edge("send", END).compile(checkpointer=InMemorySaver(), name="support"))


graph = build
inputs = {"messages": [HumanMessage("I was charged twice for my plan this month.")]}


def record_thread(path: str) -> None:
    """The thread: invoke, two resumes (feedback, then approval), and a fork from the
    checkpoint after triage with another customer message."""
    import tracer

    support = build()
    config: RunnableConfig = {"configurable": {"thread_id": "ticket-42"}}
    with tracer.record(path):
        support.invoke(inputs, config)
        support.invoke(Command(resume="Shorter, please."), config)
        support.invoke(Command(resume="yes"), config)
        after_triage = [s for s in support.get_state_history(config)
                        if s.next == ("draft",)][-1]  # the oldest: history is newest first
        edited = support.update_state(after_triage.config, {"messages": [
            HumanMessage("Also: can I switch to yearly billing?")]}, as_node="triage")
        support.invoke(None, edited)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "support.stepscope"
    record_thread(out)
    print(f"recorded the ticket-42 thread into {out}")
