"""Small LangGraph graphs, each showing one part of LangGraph's execution model."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.types import Send, interrupt


class Log(TypedDict):
    n: int
    log: Annotated[list[str], operator.add]


def linear() -> Any:
    """a → b: a last-value key and an appended list."""
    g: Any = StateGraph(Log)  # LangGraph types nodes against a generic it cannot infer here
    g.add_node("a", lambda s: {"n": s["n"] + 1, "log": ["a"]})
    g.add_node("b", lambda s: {"log": ["b"]})
    g.add_edge(START, "a")
    g.add_edge("a", "b")
    g.add_edge("b", END)
    return g.compile()


def loop() -> Any:
    """`work` runs again while n < 3 (a conditional edge back to itself), and reports
    progress with its stream writer."""
    def work(s: Any) -> dict[str, Any]:
        get_stream_writer()({"progress": s["n"]})
        return {"n": s["n"] + 1, "log": [f"work{s['n']}"]}

    g: Any = StateGraph(Log)  # LangGraph types nodes against a generic it cannot infer here
    g.add_node("work", work)
    g.add_edge(START, "work")
    g.add_conditional_edges("work", lambda s: "work" if s["n"] < 3 else END, ["work", END])
    return g.compile()


class Fan(TypedDict):
    items: list[str]
    done: Annotated[list[str], operator.add]


def fan_out() -> Any:
    """One `worker` task per item (`Send`), in one superstep, then `join`."""
    g: Any = StateGraph(Fan)  # LangGraph types nodes against a generic it cannot infer here
    g.add_node("plan", lambda s: {})
    g.add_node("worker", lambda a: {"done": [a["item"].upper()]})
    g.add_node("join", lambda s: {"done": ["joined"]})
    g.add_edge(START, "plan")
    g.add_conditional_edges(
        "plan", lambda s: [Send("worker", {"item": i}) for i in s["items"]], ["worker"])
    g.add_edge("worker", "join")
    g.add_edge("join", END)
    return g.compile()


def with_subgraph() -> Any:
    """`child` is a compiled graph used as a node: its run has its own namespace."""
    inner: Any = StateGraph(Log)  # LangGraph types nodes against a generic it cannot infer here
    inner.add_node("step1", lambda s: {"n": s["n"] * 10, "log": ["in1"]})
    inner.add_node("step2", lambda s: {"log": ["in2"]})
    inner.add_edge(START, "step1")
    inner.add_edge("step1", "step2")
    outer: Any = StateGraph(Log)  # LangGraph types nodes against a generic it cannot infer here
    outer.add_node("before", lambda s: {"n": s["n"] + 1, "log": ["before"]})
    outer.add_node("child", inner.compile())
    outer.add_node("after", lambda s: {"log": ["after"]})
    outer.add_edge(START, "before")
    outer.add_edge("before", "child")
    outer.add_edge("child", "after")
    return outer.compile()


def asks_human(checkpointer: Any = None) -> Any:
    """`ask` pauses with `interrupt()`; resumed, it records the answer."""
    def ask(s: Any) -> dict[str, Any]:
        answer = interrupt({"question": "name?"})
        return {"log": [f"answer:{answer}"]}

    g: Any = StateGraph(Log)  # LangGraph types nodes against a generic it cannot infer here
    g.add_node("prep", lambda s: {"n": 1, "log": ["prep"]})
    g.add_node("ask", ask)
    g.add_edge(START, "prep")
    g.add_edge("prep", "ask")
    g.add_edge("ask", END)
    return g.compile(checkpointer=checkpointer or InMemorySaver())


class Boom(ValueError):
    pass


def failing() -> Any:
    """`ok` runs, then `bad` raises."""
    def bad(s: Any) -> dict[str, Any]:
        raise Boom("node bad failed")

    g: Any = StateGraph(Log)  # LangGraph types nodes against a generic it cannot infer here
    g.add_node("ok", lambda s: {"log": ["ok"]})
    g.add_node("bad", bad)
    g.add_edge(START, "ok")
    g.add_edge("ok", "bad")
    return g.compile()


def async_parallel() -> Any:
    """Two async nodes in one superstep, the slower one writing first in path order."""
    async def fast(s: Any) -> dict[str, Any]:
        await asyncio.sleep(0.001)
        get_stream_writer()("fast done")
        return {"log": ["fast"]}

    async def slow(s: Any) -> dict[str, Any]:
        await asyncio.sleep(0.01)
        return {"n": s["n"] + 5, "log": ["slow"]}

    g: Any = StateGraph(Log)  # LangGraph types nodes against a generic it cannot infer here
    g.add_node("fast", fast)
    g.add_node("slow", slow)
    g.add_node("end", lambda s: {"log": ["end"]})
    g.add_edge(START, "fast")
    g.add_edge(START, "slow")
    g.add_edge(["fast", "slow"], "end")
    return g.compile()


def three_deep() -> Any:
    """root → `mid` (a subgraph) → `leaf` (its subgraph) → `work` (a node in it)."""
    leaf: Any = StateGraph(Log)  # LangGraph types nodes against a generic it cannot infer here
    leaf.add_node("work", lambda s: {"n": s["n"] + 100, "log": ["work"]})
    leaf.add_edge(START, "work")
    mid: Any = StateGraph(Log)
    mid.add_node("pre", lambda s: {"log": ["pre"]})
    mid.add_node("leaf", leaf.compile())
    mid.add_edge(START, "pre")
    mid.add_edge("pre", "leaf")
    root: Any = StateGraph(Log)
    root.add_node("start", lambda s: {"n": 1, "log": ["start"]})
    root.add_node("mid", mid.compile())
    root.add_node("done", lambda s: {"log": ["done"]})
    root.add_edge(START, "start")
    root.add_edge("start", "mid")
    root.add_edge("mid", "done")
    return root.compile()


def functional(checkpointer: Any = None) -> Any:
    """The functional API: an entrypoint calling @tasks (each starts mid-step), then
    asking for approval with interrupt()."""
    from langgraph.func import entrypoint, task

    @task
    def double(x: int) -> int:
        return x * 2

    @task
    def add(a: int, b: int) -> int:
        return a + b

    @entrypoint(checkpointer=checkpointer or InMemorySaver())
    def workflow(n: int) -> int:
        doubled = [double(i) for i in range(n)]
        total = 0
        for future in doubled:
            total = add(total, future.result()).result()
        approved = interrupt({"total": total})
        return total if approved else -1

    return workflow


class Items(TypedDict):
    items: list[str]
    loud: Annotated[list[str], operator.add]


def send_fan_out() -> Any:
    """`split` sends each item to `shout` (one Send task per item), `join` gathers."""
    def split(s: Items) -> list[Send]:
        return [Send("shout", {"items": [item], "loud": []}) for item in s["items"]]

    g: Any = StateGraph(Items)
    g.add_node("shout", lambda s: {"loud": [s["items"][0].upper()]})
    g.add_node("join", lambda s: {"loud": ["!"]})
    g.add_conditional_edges(START, split, ["shout"])
    g.add_edge("shout", "join")
    return g.compile()


class Count(TypedDict):
    n: int


def flaky(failures: int) -> Any:
    """`call` fails `failures` times (a ConnectionError), then succeeds; its retry
    policy tries up to three times without waiting long."""
    from langgraph.types import RetryPolicy

    calls = {"n": 0}

    def call(s: Count) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] <= failures:
            raise ConnectionError(f"attempt {calls['n']} failed")
        return {"n": s["n"] + 1}

    g: Any = StateGraph(Count)
    g.add_node("call", call, retry_policy=RetryPolicy(initial_interval=0.001, jitter=False,
                                                      max_attempts=3))
    g.add_edge(START, "call")
    return g.compile()


class Ctx(TypedDict):
    user: str


def with_context() -> Any:
    """A node reading the run's context through its Runtime (context_schema)."""
    from langgraph.runtime import Runtime

    def greet(s: Log, runtime: Runtime[Ctx]) -> dict[str, Any]:
        return {"log": [f"hello {runtime.context['user']}"]}

    g: Any = StateGraph(Log, context_schema=Ctx)
    g.add_node("greet", greet)
    g.add_edge(START, "greet")
    return g.compile()
