"""Pure pieces of a superstep: plan tasks, turn a node's return into writes, apply writes.

Nothing here does I/O, threads or events; the loop calls these between its phases.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from engine.channels import MISSING, Barrier, Channel
from engine.constants import END, PULL, PUSH, START
from engine.errors import InvalidUpdateError, ParentCommand, not_a_dict_error
from engine.messages import is_message
from engine.pregel import async_branches
from engine.pregel.ids import task_id
from engine.pregel.task import Task
from engine.pregel.updates import is_update_list, list_or_root_writes, result_of
from engine.schema import node_update_as_dict
from engine.types import Command, Send

if TYPE_CHECKING:
    from engine.graph.spec import BranchSpec, GraphSpec
    from engine.pregel.loop import Loop

log = logging.getLogger("engine")


# -- plan -------------------------------------------------------------------------------
def prepare_tasks(
    loop: Loop,
    spec: GraphSpec,
    step: int,
    triggered: Iterable[str],
    sends: list[Send],
    checkpoint: str,
) -> list[Task]:
    """The step's tasks in announce order: PUSH (Send order), then PULL by node name."""
    prefix = loop.ns_prefix
    sstep = str(step)
    tasks: list[Task] = []
    for index, send in enumerate(sends):
        node = spec.nodes.get(send.node)
        if node is None:
            raise InvalidUpdateError(f"Invalid node name {send.node!r} in Send")
        name = node.name
        tid = task_id(checkpoint, (prefix + name, sstep, name, PUSH, str(index)))
        task = Task(loop, node, tid, (PUSH, index, False), (PUSH,), step, send.arg)
        if send.timeout is not None:
            task.timeout = send.timeout
        tasks.append(task)
    for name in sorted(triggered):
        node = spec.nodes[name]
        tid = task_id(checkpoint, (prefix + name, sstep, name, PULL, *node.triggers))
        tasks.append(Task(loop, node, tid, (PULL, name), node.triggers, step))
    return tasks


def start_task(loop: Loop, spec: GraphSpec, step: int, checkpoint: str) -> Task:
    """The internal task that writes the run's input (step 0; never announced)."""
    name = START
    tid = task_id(checkpoint, (loop.ns_prefix + name, str(step), name, PULL, START))
    return Task(loop, spec.start, tid, (PULL, START), (START,), step)


# -- a task's outcome → writes ----------------------------------------------------------
def record_output(task: Task, value: Any, snapshot: Mapping[str, Any]) -> None:
    """Fill `task.writes`, `task.result` and routes from what the node returned."""
    own = task.node.record
    if own is not None:
        own(task, value)
        return
    spec = task.loop.spec
    routes: list[Any] = []
    update: Any = value
    writes: list[tuple[str, Any]] = []
    if type(value) is dict and spec.state.kind != "root":  # the common case, first
        fields = spec.fields
        writes = [(k, v) for k, v in value.items() if k in fields]
    elif (spec.state.kind == "root" and task.name != START) or (
            type(value) is list and is_update_list(value)):  # START writes read_input's dict
        writes = list_or_root_writes(task, value, routes)
    else:
        if isinstance(value, Command):
            if value.graph == Command.PARENT:
                raise ParentCommand(Command(update=value.update, goto=value.goto))
            update = value.update
            routes.extend(value.goto_targets())
        elif isinstance(value, (list, tuple)) and any(isinstance(v, Command) for v in value):
            update = command_list_update(value, routes)
        update = node_update_as_dict(update)
        if update is None:
            pass
        elif isinstance(update, Mapping):
            fields = spec.fields
            writes = [(k, v) for k, v in update.items() if k in fields]
        elif isinstance(update, (list, tuple)) and update and all(
            isinstance(u, tuple) and len(u) == 2 and isinstance(u[0], str) for u in update
        ):
            writes = [(k, v) for k, v in update if k in spec.fields]
        else:
            raise not_a_dict_error(value)
    if spec.message_keys:
        assign_message_ids(writes, spec.message_keys)
    task.writes = writes
    result = task.result = dict(writes) if writes else None
    if result is not None and len(result) != len(writes):  # a key written twice
        task.result = result_of(writes)
        shown = [(k, v) for k, v in writes if k in task.loop.stream_keys]
        if task.update_view is None and len({k for k, _ in shown}) != len(shown):
            # LangGraph's updates stream then lists each write on its own, in order.
            task.update_view = [{k: v} for k, v in shown]
    task.returned = True
    node = task.node
    if node.edges:
        routes.extend(t for t in node.edges if t != END)
    if node.branches:
        view = None
        for branch in node.branches:
            if view is None:
                view = local_view(task.loop.channels, snapshot, writes)
            routes.extend(branch_targets(task, branch, view))
    task.routes = routes


def command_list_update(values: Sequence[Any],
                        routes: list[Any]) -> list[tuple[str, Any]] | None:
    """A node's list of Commands and updates (a ToolNode's, say) as one list of writes,
    in order; the Commands' gotos are added to `routes`."""
    writes: list[tuple[str, Any]] = []
    for item in values:
        if isinstance(item, Command):
            if item.graph == Command.PARENT:
                raise ParentCommand(Command(update=item.update, goto=item.goto))
            routes.extend(item.goto_targets())
            item = item.update
        item = node_update_as_dict(item)
        if isinstance(item, Mapping):
            writes.extend(item.items())
        elif isinstance(item, (list, tuple)):
            writes.extend(item)
        elif item is not None:
            raise not_a_dict_error(item)
    return writes or None


def assign_message_ids(writes: list[tuple[str, Any]], keys: frozenset[str]) -> None:
    """Give new messages their ids when the node finishes (as LangGraph's messages mode
    does), so a task's recorded writes and the merged state name the same ids."""
    for key, value in writes:
        if key in keys:
            for message in value if isinstance(value, list) else (value,):
                if is_message(message) and getattr(message, "id", "") is None:
                    message.id = str(uuid.uuid4())


def local_view(
    channels: Mapping[str, Channel], snapshot: Mapping[str, Any], writes: list[tuple[str, Any]]
) -> dict[str, Any]:
    """The state as this task sees it after its own writes (what branches read)."""
    view = dict(snapshot)
    for key, value in writes:
        reducer = channels[key].reducer
        if reducer is not None:
            current = view.get(key, MISSING)
            view[key] = value if current is MISSING else reducer(current, value)
        else:
            view[key] = value
    return view


def branch_targets(task: Task, branch: BranchSpec, view: dict[str, Any]) -> list[Any]:
    """Call a conditional edge's path function; return node names and Sends."""
    state = (branch.input_schema or task.loop.spec.state).node_input(view)
    callbacks = task.loop.run.callbacks
    if callbacks is None:
        result = task.loop.call_with_injection(branch.call, state, task)
    else:  # reported as a LangChain run of its own, as LangGraph does
        result = callbacks.call_branch(task, branch, state)
    if branch.call.is_async:  # awaited by whoever records the task's output
        async_branches.park(task, branch, result)
        return []
    return branch_routes(branch, result)


def branch_routes(branch: BranchSpec, result: Any) -> list[Any]:
    """A path function's result as node names and Sends (END and None dropped)."""
    items = result if isinstance(result, (list, tuple)) else [result]
    out: list[Any] = []
    for item in items:
        if isinstance(item, Send):
            out.append(item)
            continue
        target = branch.path_map[item] if branch.path_map is not None else item
        if target == END or target is None:
            continue
        out.append(target)
    return out


# -- update ----------------------------------------------------------------------------
def apply_writes(
    spec: GraphSpec,
    channels: dict[str, Channel],
    barriers: dict[str, Barrier],
    tasks: list[Task],
) -> tuple[list[str], set[str], list[Send], dict[str, list[Any]]]:
    """Fold the step's writes, in task-path order; return changed keys, triggers, sends.

    Phases: (1) order tasks by path, never by completion; (2) group each channel's
    writes in that order; (3) update each written channel once (reducers fold, a
    last-value channel refuses two writes); (4) collect routes: edges, gotos, joins.
    """
    ordered = sorted(tasks, key=_path_key)
    pending: dict[str, list[Any]] = {}
    triggered: set[str] = set()
    sends: list[Send] = []
    nodes = spec.nodes
    for task in ordered:
        for key, value in task.writes:
            bucket = pending.get(key)
            if bucket is None:
                pending[key] = [value]
            else:
                bucket.append(value)
        for route in task.routes:
            if isinstance(route, Send):
                sends.append(route)
            elif route in nodes:
                triggered.add(route)
            else:
                log.warning(
                    "Task %s with path %s wrote to unknown channel branch:to:%s, ignoring it.",
                    task.name,
                    task.path,
                    route,
                )
        for join in task.node.joins:
            if barriers[join].update((task.name,)) and spec.joins[join][1] != END:
                triggered.add(spec.joins[join][1])
    changed = [key for key, values in pending.items() if channels[key].update(values)]
    return changed, triggered, sends, pending


def _path_key(task: Task) -> tuple[Any, ...]:
    return task.path[:2]
