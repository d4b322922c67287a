"""Time travel for the debugger: seed a thread with a chosen state and the tasks to run.

`seed_fork` writes one checkpoint (source "fork") into a checkpointer: the channel
values the branch starts from, the step it continues after, and what that step had
triggered (node names and `Send`s), so `graph.stream(None, config)` plans exactly
those tasks next. Unlike `update_state`, the values are set as they are — no reducer
runs — because the debugger's user edits the whole state, not an update to it.

Given the checkpoint id of the original step, the branch's first tasks get the ids
the original's had (task ids hash the checkpoint they were planned from); later
checkpoints are new, as in LangGraph, so later task ids are new too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from engine.channels import MISSING
from engine.checkpoint.base import BaseCheckpointSaver, CheckpointRecord
from engine.clock import DEFAULT_CLOCK, iso_from_unix_ns
from engine.pregel.ids import checkpoint_id as new_checkpoint_id
from engine.pregel.ids import node_bits
from engine.types import Send

if TYPE_CHECKING:
    from engine.config import RunnableConfig
    from engine.pregel.compiled import CompiledStateGraph


def seed_fork(
    graph: CompiledStateGraph,
    thread_id: str,
    values: Mapping[str, Any],
    *,
    step: int,
    triggered: Iterable[str] = (),
    sends: Iterable[Send] = (),
    barriers: Mapping[str, Iterable[str]] | None = None,
    checkpoint_id: str | None = None,
    fork: Mapping[str, Any] | None = None,
) -> RunnableConfig:
    """Seed `thread_id` of the graph's checkpointer; return the config to run it with.

    `values`: channel name → value after `step` (unknown names raise ValueError).
    `triggered`: the nodes `step` triggered; `sends`: its `Send`s, in order.
    `checkpoint_id`: reuse the original step's id (an unedited branch) or None for a
    new one. `fork`: `{"run_id", "step"}` of the run branched from, for its run_start.
    """
    saver = graph.checkpointer
    if not isinstance(saver, BaseCheckpointSaver):
        raise ValueError("seed_fork needs a graph compiled with a checkpointer")
    spec = graph.spec
    unknown = [k for k in values if k not in spec.fields]
    if unknown:
        raise ValueError(f"not a channel of graph {graph.name!r}: {', '.join(map(str, unknown))}")
    for name in triggered:
        if name not in spec.nodes:
            raise ValueError(f"no node {name!r} in graph {graph.name!r}")
    sends = tuple(sends)
    for send in sends:
        if send.node not in spec.nodes:
            raise ValueError(f"no node {send.node!r} in graph {graph.name!r} (a Send's target)")
    # A channel's checkpoint form is its value, set as given (no reducer runs).
    channels = {k: spec.fields[k].make_channel().from_checkpoint(v).checkpoint()
                for k, v in values.items() if v is not MISSING}
    unix_ns = DEFAULT_CLOCK.unix_ns()
    cid = checkpoint_id or new_checkpoint_id(unix_ns, step, node_bits(uuid.uuid4().hex))
    joins = spec.joins
    record = CheckpointRecord(
        thread_id=str(thread_id),
        checkpoint_ns="",
        id=cid,
        parent_id=None,
        created_at=iso_from_unix_ns(unix_ns),
        step=step,
        source="fork",
        values=channels,
        triggered=tuple(sorted(set(triggered))),
        sends=sends,
        barriers={n: frozenset(seen) for n, seen in (barriers or {}).items() if n in joins},
        next_tasks=(),
        fork=dict(fork) if fork is not None else None,
    )
    saver.put(record)
    return {"configurable": {"thread_id": str(thread_id), "checkpoint_ns": ""}}

