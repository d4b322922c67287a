"""Editing a thread's state: one superstep of `update_state` / `bulk_update_state`.

Each superstep writes one new checkpoint after the one the config names (the latest
when it names none). Its updates are applied together, as if the nodes they name had
returned them in one step. Special `as_node` values, as in LangGraph:

- `"__input__"`: the values are the run's input; a checkpoint of source "input" whose
  next task is `__start__`.
- `"__start__"`: the values are what `__start__` wrote (START's edges run next).
- `"__copy__"`: a copy of the checkpoint (source "fork", a sibling: same parent), with
  a list of further updates applied to it as the next superstep.
- `END` with values None: the planned tasks are dropped (nothing runs next).
- None: the update comes from the node whose writes made the checkpoint (its edges
  run next); ambiguous when several did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from engine.checkpoint.base import BaseCheckpointSaver, CheckpointRecord
from engine.config import RunnableConfig, ensure_config
from engine.constants import DEFAULT_RECURSION_LIMIT, END, PULL, START
from engine.errors import InvalidUpdateError
from engine.graph.spec import NodeSpec
from engine.pregel import algo, async_branches
from engine.pregel.run import RunContext
from engine.pregel.task import Task
from engine.types import StateUpdate

if TYPE_CHECKING:
    from engine.pregel.loop import Loop
    from engine.pregel.state import StateAccess

INPUT = "__input__"
COPY = "__copy__"


def config_of(record: CheckpointRecord, cid: str | None) -> RunnableConfig:
    """The config that addresses checkpoint `cid` of `record`'s thread and namespace."""
    configurable: dict[str, Any] = {"thread_id": record.thread_id,
                                    "checkpoint_ns": record.checkpoint_ns, "checkpoint_id": cid}
    if record.checkpoint_ns:
        configurable["checkpoint_map"] = {**record.parents, record.checkpoint_ns: cid}
    return {"configurable": configurable}


def bulk_update(graph: StateAccess, saver: BaseCheckpointSaver, config: RunnableConfig,
                supersteps: Sequence[Sequence[StateUpdate | tuple[Any, ...]]]) -> RunnableConfig:
    """Apply each superstep in turn, each after the checkpoint the previous one wrote."""
    if len(supersteps) == 0:
        raise ValueError("No supersteps provided")
    if any(len(updates) == 0 for updates in supersteps):
        raise ValueError("No updates provided")
    current = ensure_config(config)
    for updates in supersteps:
        current = update_superstep(graph, saver, current,
                                   [StateUpdate(*u) for u in updates])
    return current


def _loop(graph: StateAccess, saver: BaseCheckpointSaver,
          config: RunnableConfig) -> tuple[Loop, CheckpointRecord | None]:
    from engine.pregel.loop import Loop

    run = RunContext((), recursion_limit=DEFAULT_RECURSION_LIMIT)
    configurable = config.get("configurable") or {}
    ns = configurable.get("checkpoint_ns") or ""
    loop = Loop(graph, run, config, ns=tuple(ns.split("|")) if ns else (), checkpointer=saver)
    loop.cp.checkpoint_id_wanted = configurable.get("checkpoint_id")
    record = loop.cp.load()
    if record is not None:
        loop.cp.restore(record)
        loop.cp.parents = dict(record.parents)
    loop.step = record.step + 1 if record is not None else 0
    loop.snapshot = loop.values()
    return loop, record


def update_superstep(graph: StateAccess, saver: BaseCheckpointSaver, config: RunnableConfig,
                     updates: list[StateUpdate]) -> RunnableConfig:
    """Write one checkpoint holding `updates`; return its config."""
    loop, record = _loop(graph, saver, config)
    values, as_node = updates[0].values, updates[0].as_node
    if as_node == INPUT:
        _single(updates, "Cannot apply multiple updates when updating as input")
        return _as_input(loop, record, values)
    if as_node == COPY:
        _single(updates, "Cannot copy checkpoint with multiple updates")
        return _copy(graph, saver, loop, record, values)
    if as_node == END and values is None:
        _single(updates, "Cannot apply multiple updates when clearing state")
        loop._apply([], source="update")
        return _current(loop)
    if len(updates) > 1 and any(u.as_node is None for u in updates):
        raise InvalidUpdateError("as_node is required when applying multiple updates")
    if as_node is None:
        updates = [updates[0]._replace(as_node=_last_writer(record))]
    planned: dict[str, list[str]] = {}
    for tid, name, _ in (record.next_tasks if record is not None else ()):
        planned.setdefault(name, []).append(tid)
    tasks = []
    for index, update in enumerate(updates):
        node = _node(graph, update.as_node)
        ids = planned.get(node.name) or []
        tid = update.task_id or (ids.pop(0) if ids else f"update:{index}")
        task = Task(loop, node, tid, (PULL, node.name), (), loop.step + 1)
        algo.record_output(task, update.values, loop.snapshot)
        if task.awaiting:  # an async path function of the node
            async_branches.resolve(task)
        tasks.append(task)
    loop._apply(tasks, source="update")
    if record is not None and record.breakpoint_done:
        # An edit at a breakpoint goes on from it: LangGraph marks the breakpoint seen at
        # the updated versions, so a subgraph paused there resumes past it.
        loop.cp.mark_breakpoint()
    return _current(loop)


def _last_writer(record: CheckpointRecord | None) -> str:
    """The node an update without `as_node` comes from: the one whose writes made the
    checkpoint (`__start__` on a thread without any), as LangGraph infers it."""
    writers = set(record.writers) if record is not None else set()
    if not writers:
        return START
    if len(writers) > 1:
        raise InvalidUpdateError("Ambiguous update, specify as_node")
    return writers.pop()


def _single(updates: list[StateUpdate], message: str) -> None:
    if len(updates) > 1:
        raise InvalidUpdateError(message)


def _node(graph: StateAccess, as_node: str | None) -> NodeSpec:
    spec = graph.spec
    if as_node == START:
        return spec.start
    if as_node is None or as_node == END:
        return NodeSpec(as_node or INPUT, None, None, spec.state, (), (), (), (), None)
    node = spec.nodes.get(as_node)
    if node is None:
        raise InvalidUpdateError(f"Node {as_node} does not exist")
    return node


def _current(loop: Loop) -> RunnableConfig:
    current = loop.cp.current
    assert current is not None
    return config_of(current, current.id)


def _as_input(loop: Loop, record: CheckpointRecord | None, values: Any) -> RunnableConfig:
    """A checkpoint of source "input": the values wait as `__start__`'s writes."""
    if values is None:
        raise InvalidUpdateError("Received no input writes for __start__")
    loop.spec.input_schema.read_input(values)  # rejects what is not an input
    loop.step = record.step + 1 if record is not None else -1
    cid = loop.new_checkpoint_id(loop.step)
    start = algo.start_task(loop, loop.spec, loop.step + 1, cid)
    loop.cp.save("input", cid, [start], triggered=(), sends=())
    return _current(loop)


def _copy(graph: StateAccess, saver: BaseCheckpointSaver, loop: Loop,
          record: CheckpointRecord | None, values: Any) -> RunnableConfig:
    """A sibling of `record` with its values and plan (then `values`' updates, if any)."""
    if record is None:
        raise InvalidUpdateError("Cannot copy a non-existent checkpoint")
    cid = loop.new_checkpoint_id(record.step + 1)
    if any(name == START for _, name, _ in record.next_tasks):  # a copy of an input
        tasks = [algo.start_task(loop, graph.spec, record.step + 2, cid)]
    else:  # planned as a run resumed from the copy plans them (`Loop._resume`)
        tasks = algo.prepare_tasks(loop, graph.spec, record.step + 2, record.triggered,
                                   list(record.sends), cid)
    copy = replace(record, id=cid, source="fork", step=record.step + 1, pending={},
                   breakpoint_done=False, results={}, fork=None,
                   next_tasks=tuple((t.id, t.name, t.path) for t in tasks))
    saver.put(copy)
    config = config_of(copy, cid)
    if isinstance(values, list) and values:
        return update_superstep(graph, saver, config, [StateUpdate(*u) for u in values])
    return config
