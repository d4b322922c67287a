"""Small graphs the tracer tests record: each exercises one part of the trace format."""

from __future__ import annotations

import operator
import time
from pathlib import Path
from typing import Annotated, Any, TypedDict

from engine.chat_models import ScriptedChatModel
from engine.config import get_stream_writer
from engine.graph import END, START, MessagesState, StateGraph
from engine.messages import AIMessage, HumanMessage
from engine.types import Send, interrupt
from sample_graphs import agent


class Joke(TypedDict):
    topic: str
    joke: str


class Log(TypedDict):
    topic: str
    log: Annotated[list, operator.add]


class Fan(TypedDict):
    items: list
    out: Annotated[list, operator.add]


def linear(**compile_kwargs: Any) -> Any:
    """topic → refine → joke: last-value channels only."""

    def refine(state: Joke) -> dict[str, str]:
        return {"topic": state["topic"] + " and cats"}

    def joke(state: Joke) -> dict[str, str]:
        return {"joke": "a joke about " + state["topic"]}

    return (StateGraph(Joke).add_node(refine).add_node(joke).add_edge(START, "refine")
            .add_edge("refine", "joke").add_edge("joke", END).compile(**compile_kwargs))


def fan_out(**compile_kwargs: Any) -> Any:
    """start → three parallel nodes (the first finishes last) → join, through operator.add."""
    builder = StateGraph(Log)

    def start(state: Log) -> dict[str, Any]:
        return {"topic": state["topic"].upper(), "log": ["start"]}

    builder.add_node("start", start).add_edge(START, "start")
    for i, delay in enumerate((0.03, 0.01, 0.0)):

        def branch(state: Log, _i: int = i, _d: float = delay) -> dict[str, list[str]]:
            time.sleep(_d)
            get_stream_writer()({"branch": _i})
            return {"log": [f"b{_i}", f"b{_i}'"]}

        builder.add_node(f"b{i}", branch).add_edge("start", f"b{i}")

    def join(state: Log) -> dict[str, Any]:
        return {"log": [len(state["log"])], "topic": "joined"}

    builder.add_node("join", join).add_edge(["b0", "b1", "b2"], "join")
    return builder.add_edge("join", END).compile(**compile_kwargs)


def with_subgraph(**compile_kwargs: Any) -> Any:
    """prep → inner (a compiled subgraph with a model call and custom data) → done."""
    model = ScriptedChatModel(["three little words"], cycle=True)

    def s1(state: Log) -> dict[str, Any]:
        get_stream_writer()({"in": "sub"})
        reply = model.invoke([HumanMessage(state["topic"])])
        return {"log": ["s1", reply.text]}

    def s2(state: Log) -> dict[str, Any]:
        return {"log": ["s2"], "topic": state["topic"] + "/sub"}

    inner = (StateGraph(Log).add_node(s1).add_node(s2).add_edge(START, "s1")
             .add_edge("s1", "s2").compile(name="inner"))

    def prep(state: Log) -> dict[str, Any]:
        get_stream_writer()("prepared")
        return {"topic": state["topic"] + "?", "log": ["prep"]}

    def done(state: Log) -> dict[str, Any]:
        return {"log": ["done"]}

    return (StateGraph(Log).add_node(prep).add_node("inner", inner).add_node(done)
            .add_edge(START, "prep").add_edge("prep", "inner").add_edge("inner", "done")
            .compile(**compile_kwargs))


def with_send(**compile_kwargs: Any) -> Any:
    """Map-reduce with Send: one `work` task per item, the first item's the slowest."""

    def fan(state: Fan) -> list[Send]:
        return [Send("work", {"x": x, "slow": i == 0}) for i, x in enumerate(state["items"])]

    def work(arg: dict[str, Any]) -> dict[str, list[int]]:
        time.sleep(0.02 if arg["slow"] else 0.0)
        return {"out": [arg["x"] * 10]}

    def total(state: Fan) -> dict[str, list[int]]:
        return {"out": [sum(state["out"])]}

    return (StateGraph(Fan).add_node(work).add_node(total)
            .add_conditional_edges(START, fan, ["work"]).add_edge("work", "total")
            .compile(**compile_kwargs))


def asking(**kw: Any) -> Any:
    """pre → ask (interrupts for an answer) → fin."""

    def pre(state: Log) -> dict[str, Any]:
        return {"log": ["pre"]}

    def ask(state: Log) -> dict[str, Any]:
        return {"topic": interrupt({"question": "topic?"}), "log": ["asked"]}

    def fin(state: Log) -> dict[str, Any]:
        return {"log": ["fin:" + state["topic"]]}

    return (StateGraph(Log).add_node(pre).add_node(ask).add_node(fin).add_edge(START, "pre")
            .add_edge("pre", "ask").add_edge("ask", "fin").compile(**kw))


def parallel_interrupt(**kw: Any) -> Any:
    """a ∥ b (b interrupts) → c: on resume, a's pending write is applied without a task."""

    def a(state: Log) -> dict[str, Any]:
        return {"log": ["a"]}

    def b(state: Log) -> dict[str, Any]:
        return {"log": ["b:" + interrupt("answer?")]}

    def c(state: Log) -> dict[str, Any]:
        return {"log": ["c"]}

    return (StateGraph(Log).add_node(a).add_node(b).add_node(c).add_edge(START, "a")
            .add_edge(START, "b").add_edge(["a", "b"], "c").compile(**kw))


def failing(**kw: Any) -> Any:
    """pre → boom, which raises ValueError."""

    def pre(state: Log) -> dict[str, Any]:
        return {"log": ["pre"]}

    def boom(state: Log) -> dict[str, Any]:
        raise ValueError("boom: the answer was 42")

    return (StateGraph(Log).add_node(pre).add_node(boom).add_edge(START, "pre")
            .add_edge("pre", "boom").compile(**kw))


def chat(**kw: Any) -> Any:
    """Two nodes adding id-less messages (one as a list, one bare) through add_messages."""

    def hello(state: MessagesState) -> dict[str, Any]:
        return {"messages": [AIMessage("hi")]}

    def again(state: MessagesState) -> dict[str, Any]:
        return {"messages": AIMessage("again")}

    return (StateGraph(MessagesState).add_node(hello).add_node(again).add_edge(START, "hello")
            .add_edge("hello", "again").compile(**kw))


def weather_agent(**kw: Any) -> Any:
    """sample_graphs/agent.py's agent, without its token delays."""
    model = agent.scripted_model()
    model.first_token_delay = model.token_delay = 0.0
    return agent.build(model).builder.compile(name="weather-agent", **kw)


def record_seeded_fork(path: Path, **record_kw: Any) -> None:
    """Record into `path` a thread "main" of `asking` paused at its interrupt, then a fork
    of it seeded as the debugger seeds one (thread "main-fork", its source named), and
    that fork's resume: three root runs of one timeline."""
    import tracer
    from engine.checkpoint.memory import InMemorySaver
    from engine.pregel.fork import seed_fork
    from engine.types import Command

    graph = asking(checkpointer=InMemorySaver())

    def cfg(thread: str) -> Any:
        return {"configurable": {"thread_id": thread}}

    with tracer.record(path, **record_kw):
        graph.invoke({"topic": "x", "log": []}, cfg("main"))
    with tracer.open_trace(path) as trace:
        source = trace.runs[0].run_id
    past = next(h for h in graph.get_state_history(cfg("main")) if h.next == ("ask",))
    config = seed_fork(graph, "main-fork", past.values, step=1, triggered=["ask"],
                       fork={"run_id": source, "step": 1})
    with tracer.record(path, append=True, **record_kw):
        graph.invoke(None, config)
        graph.invoke(Command(resume="bats"), cfg("main-fork"))
