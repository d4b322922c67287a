"""Which checkpointer a graph's run uses, and under which namespace.

A graph is compiled with a saver, with nothing (None), or with a flag:

- `checkpointer=None`: as a subgraph, it borrows its parent's saver for the one call
  (so an interrupt inside it can resume), under a namespace that names the parent task;
  each call starts afresh.
- `checkpointer=True` ("stateful"): only as a subgraph; it borrows the parent's saver
  under a namespace without task ids, so every call on the same thread continues the
  subgraph's own history (its state accumulates, its steps keep counting).
- `checkpointer=False`: never checkpoints, even under a parent that does.

A graph called from inside a node with its own thread coordinates in its config
(`thread_id`, `checkpoint_ns`, `checkpoint_id` or `checkpoint_map`) is no subgraph of
that node: it runs as a root graph of its own thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.checkpoint.base import BaseCheckpointSaver

if TYPE_CHECKING:
    from collections.abc import Mapping

    from engine.config import RunnableConfig
    from engine.graph.spec import NodeSpec
    from engine.pregel.task import Task

COORDINATE_KEYS = ("thread_id", "checkpoint_ns", "checkpoint_id", "checkpoint_map")
"""Configurable keys that address a thread's checkpoints of their own."""


def root_saver(checkpointer: Any) -> BaseCheckpointSaver | None:
    """The saver a root run of a graph compiled with `checkpointer` uses."""
    if checkpointer is True:
        raise RuntimeError("checkpointer=True cannot be used for root graphs.")
    return checkpointer if isinstance(checkpointer, BaseCheckpointSaver) else None


def child_saver(checkpointer: Any, parent: Task) -> BaseCheckpointSaver | None:
    """The saver a subgraph compiled with `checkpointer` uses inside `parent`."""
    if checkpointer is False:
        return None
    borrowed = parent.loop.cp.saver
    if borrowed is not None:
        return borrowed
    return checkpointer if isinstance(checkpointer, BaseCheckpointSaver) else None


def stateful_ns(ns: tuple[str, ...]) -> tuple[str, ...]:
    """A `checkpointer=True` subgraph's namespace: the task ids left out of each part."""
    return tuple(part.split(":", 1)[0] for part in ns)


def child_ns(checkpointer: Any, parent: Task) -> tuple[str, ...]:
    """The namespace a subgraph compiled with `checkpointer` runs under inside `parent`.

    Counts the call: the second and later graph a task calls get the call's number as
    one more part, so two graphs called by one node keep apart.
    """
    calls = parent.subgraph_calls
    parent.subgraph_calls = calls + 1
    ns = parent.ns if calls == 0 else (*parent.ns, str(calls))
    return stateful_ns(ns) if checkpointer is True else ns


def addresses_own_thread(config: RunnableConfig | None) -> bool:
    """Whether a call's config names checkpoint coordinates of its own (so the graph
    runs as a root, not as a subgraph of the task it is called from)."""
    configurable = (config or {}).get("configurable") or {}
    return any(configurable.get(k) not in (None, "", {}) for k in COORDINATE_KEYS)


def node_subgraphs(nodes: Mapping[str, NodeSpec]) -> dict[str, Any]:
    """node name → the graph it runs as a subgraph: a subgraph node's own, or, for a
    function node, a compiled graph the function refers to (a closure variable or a
    global it names), as LangGraph detects them. Graphs compiled with
    checkpointer=False are left out: nothing of theirs is saved to point to."""
    found: dict[str, Any] = {}
    for name, node in nodes.items():
        graph = node.subgraph
        if graph is None and node.call is not None:
            graph = _referenced_graph(node.call.fn)
        if graph is not None and getattr(graph, "checkpointer", None) is not False:
            found[name] = graph
    return found


def _referenced_graph(fn: Any) -> Any:
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    candidates = [cell.cell_contents for cell in (getattr(fn, "__closure__", None) or ())
                  if _filled(cell)]
    scope = getattr(fn, "__globals__", {})
    candidates.extend(scope[n] for n in code.co_names if n in scope)
    return next((c for c in candidates if hasattr(c, "run_as_subgraph")), None)


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 (an empty cell raises)
    except ValueError:
        return False
    return True
