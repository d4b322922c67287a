"""The tasks view's model: each task of a step, why it ran, what it got and gave.

"Why did this node run?" is answered from its trigger channels and the run's
topology: `branch:to:X` is written by the edges into X, `join:a+b:X` by a waiting
edge once a and b have all finished, `__pregel_push` by a `Send`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.events import Event
from tracer.rollup import UsageTotal
from tracer.summary import task_status

START, END = "__start__", "__end__"
PUSH = "__pregel_push"


@dataclass
class TaskInfo:
    """One task of a step, gathered from its task_start and task_end events."""

    task_id: str
    name: str
    path: tuple[Any, ...] = ()
    triggers: tuple[str, ...] = ()
    reasons: list[str] = field(default_factory=list)
    input: Any = None
    input_is_send: bool = False
    writes: list[tuple[str, Any]] = field(default_factory=list)
    duration: int | None = None
    interrupts: tuple[Any, ...] = ()
    error: Any = None
    finished: bool = False
    step_ended: bool = False
    """The step reached its step_end, or its run ended: a task without a task_end is
    then not running (its task_end was lost or could not be read)."""
    custom: int = 0
    attempts: int = 1
    """How many times the node ran (its retry policy ran it again after an error)."""
    caller: str | None = None
    """The task whose code called this one (LangGraph's functional API `@task`)."""
    usage: UsageTotal | None = None
    """Its model calls' token usage (its subgraphs' included); None: it made none."""


def _source(edge: dict[str, Any]) -> str:
    source = edge.get("source", "?")
    if source == START:
        return "the graph's input (edge from __start__)"
    kind = "conditional edge" if edge.get("conditional") else "edge"
    label = f" [{edge['label']}]" if edge.get("label") else ""
    return f"{kind} from {source}{label}"


def explain_trigger(trigger: str, node: str, topology: dict[str, Any],
                    ran_before: frozenset[str] | None = None) -> str:
    """One line saying which part of the graph wrote `trigger` to start `node`.
    `ran_before`: the nodes of the step before (START for the input step), which narrows
    a node's incoming edges to the ones that can have fired."""
    edges = topology.get("edges", [])
    if trigger == PUSH:
        senders = [e["source"] for e in edges if e.get("conditional") and e["target"] == node]
        by = f" (conditional edge from {', '.join(senders)})" if senders else ""
        return f"{PUSH} ← Send('{node}', arg){by}"
    if trigger.startswith("branch:to:"):
        target = trigger[len("branch:to:"):]
        into = [e for e in edges if e.get("target") == target and not e.get("join")]
        fired = [e for e in into if ran_before is not None and e.get("source") in ran_before]
        into = fired or into
        if not into:
            joins = [e["source"] for e in edges if e.get("target") == target and e.get("join")]
            if joins:
                return f"{trigger} ← the waiting edge from {', '.join(joins)}"
            return f"{trigger} ← a Command(goto='{target}') or a Send"
        return f"{trigger} ← " + " or ".join(_source(e) for e in into)
    if trigger.startswith("join:"):
        _, sources, target = trigger.split(":", 2)
        names = sources.split("+")
        return (f"{trigger} ← waiting edge: {', '.join(names)} → {target} "
                f"(runs once all {len(names)} have finished)")
    if trigger == START:
        return f"{START} ← the graph's input"
    return f"{trigger} ← the channel '{trigger}' was written"


def step_tasks(events: list[Event], topology: dict[str, Any],
               state_before: dict[str, Any], *, step_ended: bool = False,
               ran_before: frozenset[str] | None = None) -> list[TaskInfo]:
    """The step's tasks in planned order, filled from their events.

    A PULL task's input is the state before the step (the tracer does not store it
    again; the node's input schema may narrow it); a PUSH task's input is its Send arg.
    `step_ended`: the step reached its step_end or its run ended (see `status`).
    """
    tasks: dict[str, TaskInfo] = {}
    for event in events:
        data = event.data
        if event.kind == "step_start":
            for tid, name in zip(data["task_ids"], data["names"], strict=False):
                tasks.setdefault(tid, TaskInfo(tid, name))
            continue
        if event.kind not in ("task_start", "task_end", "custom"):
            continue
        tid = data.get("task_id") or "?"
        task = tasks.setdefault(tid, TaskInfo(tid, data.get("name") or "?"))
        if event.kind == "custom":
            task.custom += 1
        elif event.kind == "task_start":
            task.path = tuple(data.get("path") or ())
            task.triggers = tuple(data.get("triggers") or ())
            task.caller = data.get("caller")
            task.reasons = ([f"called by {task.caller} (a @task call in its code)"]
                            if task.caller else
                            [explain_trigger(t, task.name, topology, ran_before)
                             for t in task.triggers])
            task.input_is_send = bool(task.path) and task.path[0] == PUSH
            task.input = data.get("input") if task.input_is_send else state_before
        else:
            task.writes = list(data.get("writes") or ())
            task.duration = data.get("duration")
            task.interrupts = tuple(data.get("interrupts") or ())
            task.error = data.get("error")
            task.attempts = data.get("attempts") or 1
            task.finished = True
    for task in tasks.values():
        task.step_ended = step_ended
    return list(tasks.values())


def status(task: TaskInfo) -> str:
    """done / failed / stopped / interrupted; without a task_end, running while the step
    has not ended, else unknown (the task_end was lost: a damaged frame)."""
    if task.error is not None or task.interrupts:
        return task_status(task.error, task.interrupts)
    if task.finished:
        return "done"
    return "unknown" if task.step_ended else "running"
