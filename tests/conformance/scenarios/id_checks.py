"""Vector `id_checks` (script s14): identity facts about task ids and interrupt ids.

LangGraph's script recomputed every task id with xxh3-128 over (checkpoint id, namespace, step,
node, triggers) and every interrupt id as xxh3-128 of the task's namespace. stepscope hashes
with its own function, so reproducing those digests would test LangGraph's hash, not the
engine. The vector's keys are kept, but each "computed" value is the same identity observed
through a second, independent channel of the engine, and "match" says whether both agree:

* a task listed in a checkpoint's `tasks` must carry the id announced for it by `tasks` mode
  (same namespace, same name; `__start__` is never announced there, so for it only the id's
  shape and uniqueness are checked, through the numbered normalisation);
* an interrupt id must be 32 lowercase hex digits, equal to the id in the task's `tasks`
  result, and the second interrupt of a task must differ from the first.

What the numbered vector pins down is unchanged: which ids are equal to which (the subgraph
namespace embeds the parent task id), how many distinct ids there are, and their shapes.
"""

from __future__ import annotations

import operator
import re
from typing import Annotated, Any, TypedDict

from engine.checkpoint.memory import InMemorySaver
from engine.graph import START, StateGraph
from engine.types import Command, Send, StreamMode, interrupt

from .capture import thread
from .chat import MessagesState, generic, human_input
from .control import OverallState, continue_to_jokes, generate_joke
from .parallel import FanIn, log_node
from .registry import CHAT, register
from .subgraphs import build_parent

HEX32 = re.compile(r"[0-9a-f]{32}")
CHECKPOINTS_AND_TASKS: list[StreamMode] = ["checkpoints", "tasks"]


class IdState(TypedDict):
    value: str


class SS(TypedDict):
    out: Annotated[list, operator.add]


def _announced(items: list[tuple[Any, ...]]) -> dict[tuple[tuple[str, ...], str], list[str]]:
    """Task ids from `tasks`-mode start events, by (namespace, node name), in order."""
    found: dict[tuple[tuple[str, ...], str], list[str]] = {}
    for ns, mode, chunk in items:
        if mode == "tasks" and "input" in chunk:
            found.setdefault((tuple(ns), chunk["name"]), []).append(chunk["id"])
    return found


def _fact(observed: str, computed: str | None) -> dict[str, Any]:
    return {"observed": observed, "computed": computed, "match": computed == observed}


def pull_task_ids() -> list[dict[str, Any]]:
    graph = build_parent(checkpointer=InMemorySaver())
    items = list(
        graph.stream(
            {"foo": "foo"}, thread("ids"), stream_mode=CHECKPOINTS_AND_TASKS, subgraphs=True
        )
    )
    announced = _announced(items)
    checks = []
    for ns, mode, checkpoint in items:
        if mode != "checkpoints":
            continue
        for task in checkpoint["tasks"]:
            name = task["name"]
            ids = announced.get((tuple(ns), name))
            computed = task["id"] if name == "__start__" else (ids[0] if ids else None)
            checks.append({"ns": list(ns), "name": name, **_fact(task["id"], computed)})
    return checks


def push_task_ids() -> list[dict[str, Any]]:
    graph = (
        StateGraph(OverallState)
        .add_node("generate_joke", generate_joke)
        .add_conditional_edges(START, continue_to_jokes, ["generate_joke"])
        .compile(checkpointer=InMemorySaver())
    )
    items = list(
        graph.stream({"subjects": ["a", "b"]}, thread("push"), stream_mode=CHECKPOINTS_AND_TASKS)
    )
    flat = [((), mode, chunk) for mode, chunk in items]
    pushed = [
        chunk["id"]
        for _, mode, chunk in flat
        if mode == "tasks" and "input" in chunk and list(chunk["triggers"]) == ["__pregel_push"]
    ]
    checkpoints = [chunk for _, mode, chunk in flat if mode == "checkpoints"]
    tasks = checkpoints[1]["tasks"]
    return [
        _fact(task["id"], pushed[i] if i < len(pushed) else None) for i, task in enumerate(tasks)
    ]


def join_task_id() -> dict[str, Any]:
    builder = StateGraph(FanIn)
    for name in ("a", "a2", "b", "c"):
        builder.add_node(name, log_node(name))
    graph = (
        builder.add_edge(START, "a")
        .add_edge("a", "a2")
        .add_edge(START, "b")
        .add_edge(["a2", "b"], "c")
        .compile(checkpointer=InMemorySaver())
    )
    items = list(graph.stream({"log": []}, thread("join"), stream_mode=CHECKPOINTS_AND_TASKS))
    flat = [((), mode, chunk) for mode, chunk in items]
    announced = _announced(flat).get(((), "c"), [])
    fact: dict[str, Any] = {}
    for _, mode, checkpoint in flat:
        if mode != "checkpoints":
            continue
        for task in checkpoint["tasks"]:
            if task["name"] == "c":
                fact = _fact(task["id"], announced[0] if announced else None)
    return fact


def interrupt_ids() -> dict[str, Any]:
    calls: list[str] = []

    def two(state: IdState) -> dict[str, Any]:
        calls.append("enter")
        a = interrupt("first?")
        b = interrupt("second?")
        return {"value": a + b}

    graph = (
        StateGraph(IdState)
        .add_node(two)
        .add_edge(START, "two")
        .compile(checkpointer=InMemorySaver())
    )
    config = thread("x")
    out1 = list(graph.stream({"value": ""}, config, stream_mode=["tasks", "updates"]))
    out2 = list(graph.stream(Command(resume="A"), config, stream_mode=["tasks", "updates"]))
    out3 = list(graph.stream(Command(resume="B"), config, stream_mode="updates"))

    def task_id(out: list[Any]) -> str:
        return next(chunk["id"] for mode, chunk in out if mode == "tasks")

    def update_interrupt(out: list[Any]) -> str:
        return next(c["__interrupt__"][0].id for m, c in out if m == "updates")

    def result_interrupt(out: list[Any]) -> str | None:
        results = [c for m, c in out if m == "tasks" and "result" in c and c["interrupts"]]
        return results[0]["interrupts"][0]["id"] if results else None

    i1, i2 = update_interrupt(out1), update_interrupt(out2)
    return {
        "task_id_same_after_resume": task_id(out1) == task_id(out2),
        "first_interrupt_id_is_xxh3(ns)": bool(HEX32.fullmatch(i1))
        and i1 == result_interrupt(out1),
        "second_interrupt_id_is_xxh3(ns|1)": bool(HEX32.fullmatch(i2))
        and i2 == result_interrupt(out2)
        and i2 != i1,
        "node_function_entered_times(1 run + 2 resumes)": len(calls),
        "final_updates": out3,
    }


def send_task_messages_metadata() -> dict[str, Any] | None:
    def w(state: SS) -> dict[str, Any]:
        return {"out": [generic("x").invoke("hi").content]}

    graph = (
        StateGraph(SS)
        .add_node("w", w)
        .add_conditional_edges(START, lambda s: [Send("w", {"k": 1})], ["w"])
        .compile()
    )
    items = list(graph.stream({"out": []}, stream_mode="messages"))
    return next((meta for _, meta in items), None)


def command_update_message() -> list[Any]:
    from engine.messages import AIMessage

    def c(state: MessagesState):
        return Command(update={"messages": [AIMessage("from command", id="cmd-1")]})

    graph = StateGraph(MessagesState).add_node(c).add_edge(START, "c").compile()
    return list(graph.stream(human_input("h"), stream_mode="messages"))


def id_checks() -> list[Any]:
    """The script's result dict, key for key and in the same order (numbering depends on it)."""
    return [
        {
            "pull_task_ids": pull_task_ids(),
            "push_task_ids": push_task_ids(),
            "join_task_id": join_task_id(),
            "interrupt_ids": interrupt_ids(),
            "send_task_messages_metadata": send_task_messages_metadata(),
            "command_update_message": command_update_message(),
        }
    ]


register("id_checks", id_checks, needs=CHAT)
