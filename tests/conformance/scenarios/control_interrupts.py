"""Family `interrupt_*` (script s07, second half): breakpoints, interrupt() and resuming.

Each scenario replays, on a fresh graph and the vector's own thread id, every call the script
made on that thread before the recorded one (a resume needs its first run, and so on).
"""

from __future__ import annotations

from functools import partial
from typing import Any, TypedDict

from engine.checkpoint.memory import InMemorySaver
from engine.graph import START, StateGraph
from engine.types import Command, interrupt

from .capture import stream_items, thread
from .registry import register

VALUE_INPUT = {"value": "v"}
UPDATES_VALUES = ["updates", "values"]


class IState(TypedDict):
    value: str


def step_1(state: IState) -> dict[str, Any]:
    return {"value": state["value"] + "|1"}


def step_2(state: IState) -> dict[str, Any]:
    return {"value": state["value"] + "|2"}


def step_3(state: IState) -> dict[str, Any]:
    return {"value": state["value"] + "|3"}


def human(state: IState) -> dict[str, Any]:
    answer = interrupt({"question": "approve?", "value": state["value"]})
    return {"value": state["value"] + f"|human={answer}"}


def human_two(state: IState) -> dict[str, Any]:
    a = interrupt("first?")
    b = interrupt("second?")
    return {"value": state["value"] + f"|{a}|{b}"}


def build_linear3(**compile_kwargs: Any) -> Any:
    """START -> step_1 -> step_2 -> step_3 with InMemorySaver and the given breakpoints."""
    return (
        StateGraph(IState)
        .add_node(step_1)
        .add_node(step_2)
        .add_node(step_3)
        .add_edge(START, "step_1")
        .add_edge("step_1", "step_2")
        .add_edge("step_2", "step_3")
        .compile(checkpointer=InMemorySaver(), **compile_kwargs)
    )


def build_interrupt_fn() -> Any:
    """START -> step_1 -> human -> step_3, where human calls interrupt(); InMemorySaver."""
    return (
        StateGraph(IState)
        .add_node(step_1)
        .add_node(human)
        .add_node(step_3)
        .add_edge(START, "step_1")
        .add_edge("step_1", "human")
        .add_edge("human", "step_3")
        .compile(checkpointer=InMemorySaver())
    )


def build_two_interrupts() -> Any:
    """A single node, human_two, calling interrupt() twice; InMemorySaver."""
    return (
        StateGraph(IState)
        .add_node(human_two)
        .add_edge(START, "human_two")
        .compile(checkpointer=InMemorySaver())
    )


# ---- static breakpoints


def _breakpoint_run(kind: str, node: str, thread_id: str, mode: Any, then: str) -> list[Any]:
    """First run with a compile-time breakpoint; `then` picks what is returned."""
    graph = build_linear3(**{kind: [node]})
    config = thread(thread_id)
    first = stream_items(graph, VALUE_INPUT, config, stream_mode=mode)
    if then == "state":
        return [graph.get_state(config)]
    if then == "resume":
        return stream_items(graph, None, config, stream_mode=mode)
    return first


for _kind, _node, _tid, _prefix in (
    ("interrupt_before", "step_2", "ib", "interrupt_before"),
    ("interrupt_after", "step_1", "ia", "interrupt_after"),
):
    for _suffix, _then in (("run1", "run1"), ("state", "state"), ("resume", "resume")):
        register(
            f"{_prefix}_{_suffix}",
            partial(_breakpoint_run, _kind, _node, _tid, UPDATES_VALUES, _then),
        )
register(
    "interrupt_before_run1_updates_only",
    partial(_breakpoint_run, "interrupt_before", "step_2", "ib2", "updates", "run1"),
)
register(
    "interrupt_before_run1_debug",
    partial(_breakpoint_run, "interrupt_before", "step_2", "ib2b", "debug", "run1"),
)


def interrupt_before_invoke() -> list[Any]:
    graph = build_linear3(interrupt_before=["step_2"])
    return [graph.invoke(VALUE_INPUT, thread("ib3"))]


def interrupt_before_stream_kwarg() -> list[Any]:
    return stream_items(
        build_linear3(),
        VALUE_INPUT,
        thread("ibs"),
        stream_mode="updates",
        interrupt_before=["step_3"],
    )


def interrupt_before_no_checkpointer() -> list[Any]:
    graph = (
        StateGraph(IState)
        .add_node(step_1)
        .add_node(step_2)
        .add_edge(START, "step_1")
        .add_edge("step_1", "step_2")
        .compile(interrupt_before=["step_2"])
    )
    return stream_items(graph, VALUE_INPUT, stream_mode=UPDATES_VALUES)


for _fn in (
    interrupt_before_invoke,
    interrupt_before_stream_kwarg,
    interrupt_before_no_checkpointer,
):
    register(_fn.__name__, _fn)


# ---- interrupt() and Command(resume=...)


def _fn_run(thread_id: str, mode: Any) -> list[Any]:
    return stream_items(build_interrupt_fn(), VALUE_INPUT, thread(thread_id), stream_mode=mode)


register("interrupt_fn_run1", partial(_fn_run, "if", UPDATES_VALUES))
register("interrupt_fn_run1_debug", partial(_fn_run, "if2", "debug"))
register("interrupt_fn_run1_updates", partial(_fn_run, "if3", "updates"))
register("interrupt_fn_run1_values", partial(_fn_run, "if4", "values"))
register("interrupt_fn_run1_tasks", partial(_fn_run, "if5", "tasks"))


def interrupt_fn_state() -> list[Any]:
    graph = build_interrupt_fn()
    stream_items(graph, VALUE_INPUT, thread("if"), stream_mode=UPDATES_VALUES)
    return [graph.get_state(thread("if"))]


def interrupt_fn_resume() -> list[Any]:
    graph = build_interrupt_fn()
    stream_items(graph, VALUE_INPUT, thread("if"), stream_mode=UPDATES_VALUES)
    return stream_items(graph, Command(resume="yes"), thread("if"), stream_mode=UPDATES_VALUES)


def interrupt_fn_resume_debug() -> list[Any]:
    graph = build_interrupt_fn()
    stream_items(graph, VALUE_INPUT, thread("if2"), stream_mode="debug")
    return stream_items(graph, Command(resume="ok"), thread("if2"), stream_mode="debug")


def interrupt_fn_invoke() -> list[Any]:
    return [build_interrupt_fn().invoke(VALUE_INPUT, thread("if6"))]


def interrupt_fn_invoke_resume() -> list[Any]:
    graph = build_interrupt_fn()
    graph.invoke(VALUE_INPUT, thread("if6"))
    return [graph.invoke(Command(resume="fine"), thread("if6"))]


def interrupt_fn_invoke_v2() -> list[Any]:
    return [build_interrupt_fn().invoke(VALUE_INPUT, thread("if7"), version="v2")]


def interrupt_fn_no_checkpointer() -> list[Any]:
    graph = StateGraph(IState).add_node(human).add_edge(START, "human").compile()
    return stream_items(graph, VALUE_INPUT, stream_mode="updates")


def _two(resumes: tuple[str, ...]) -> list[Any]:
    graph = build_two_interrupts()
    items = stream_items(graph, VALUE_INPUT, thread("two"), stream_mode="updates")
    for answer in resumes:
        items = stream_items(graph, Command(resume=answer), thread("two"), stream_mode="updates")
    return items


register("interrupt_two_run1", partial(_two, ()))
register("interrupt_two_resume1", partial(_two, ("A",)))
register("interrupt_two_resume2", partial(_two, ("A", "B")))
for _fn in (
    interrupt_fn_state,
    interrupt_fn_resume,
    interrupt_fn_resume_debug,
    interrupt_fn_invoke,
    interrupt_fn_invoke_resume,
    interrupt_fn_invoke_v2,
    interrupt_fn_no_checkpointer,
):
    register(_fn.__name__, _fn)
