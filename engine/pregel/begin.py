"""How a run starts: from its input (a fresh run: the input's own step, then the first),
or from the thread's checkpoint (a resume after an interrupt or a breakpoint, a `Command`,
time travel, a fork, a subgraph going on inside its parent's resumed task). `Loop.begin`
comes here; the superstep cycle is `engine.pregel.loop`'s.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from engine.checkpoint.base import CheckpointRecord
from engine.errors import EmptyInputError
from engine.pregel import algo, async_branches
from engine.pregel.updates import command_writes
from engine.types import Command, Send
from engine.version import VERSION

if TYPE_CHECKING:
    from engine.pregel.loop import Loop


def begin(loop: Loop, input: Any) -> None:
    """Start fresh from `input`, or resume from the thread's last checkpoint."""
    if loop.run.callbacks is not None:
        loop.run.callbacks.graph_start(loop, input)
    resume = isinstance(input, Command) and input.resume is not None
    saved = loop.cp.load()
    if loop.parent_task is not None and loop.parent_task.attempts > 1:
        # A subgraph node its retry policy runs again starts over from its input, as
        # in LangGraph: what the failed attempt checkpointed is not resumed.
        saved = None
    if loop.parent_task is not None and loop.parent_task.resume and saved is not None:
        if saved.pending and any(p.interrupts for p in saved.pending.values()):
            resume = True
            input = Command(resume=list(loop.parent_task.resume))
    elif loop.cp.resumes_breakpoint(saved):
        input = None
    if loop.ns and saved is not None and loop.cp.checkpoint_id_wanted is not None \
            and not resume:
        input = None  # time travel to a checkpoint of this subgraph (checkpoint_map)
    if input is None or resume or (isinstance(input, Command) and saved is not None):
        if saved is None:
            raise EmptyInputError("Received no input for __start__")
        _resume(loop, saved, input)
        loop.stop = loop.step + loop.recursion_limit + 1
    else:
        _start_fresh(loop, input, saved)  # two steps on: the input's, then the first
        loop.stop = loop.step - 2 + loop.recursion_limit + 1


def run_start(loop: Loop, input: Any, resumed: bool,
              fork: dict[str, Any] | None = None) -> None:
    """Announce the run (only when someone listens)."""
    if not loop.bus.sinks:
        return
    loop.emit(
        "run_start",
        {
            "run_id": loop.run.run_id,
            "graph": loop.graph,
            "input": input,
            "config": loop.config,
            "state": loop.state_values(),
            "state_keys": loop.spec.state.keys,
            "stream_keys": loop.stream_keys,
            "resumed": resumed,
            "parent": loop.parent_task.id if loop.parent_task else None,
            "wall_start_ns": loop.run.wall_start_ns,
            "engine_version": VERSION,
            "python": sys.version.split()[0],
            "pid": os.getpid(),
            **({"fork": fork} if fork is not None else {}),
        },
    )


def _start_fresh(loop: Loop, input: Any, saved: CheckpointRecord | None) -> None:
    writes = loop.spec.input_schema.read_input(input)
    if saved is not None:
        loop.cp.restore(saved)
        loop.step = saved.step + 1
    run_start(loop, input, resumed=False)
    start_cp = loop.new_checkpoint_id(loop.step)
    start = algo.start_task(loop, loop.spec, loop.step + 1, start_cp)
    own_step = loop.spec.input_step
    if own_step:
        loop.cp.save("input", start_cp, [start], triggered=(), sends=())
    # The internal __start__ task: the input as writes, START's edges and branches.
    loop.snapshot = loop.values()
    start.input = input
    algo.record_output(start, dict(writes), loop.snapshot)
    if start.awaiting:
        async_branches.resolve(start)
    if own_step:
        loop.step += 1
        loop._apply([start])
    else:  # the input goes straight into the channels of the input checkpoint
        loop._apply([start], source="input")


def _resume(loop: Loop, saved: CheckpointRecord, input: Any) -> None:
    loop.cp.restore(saved)
    loop.step = saved.step + 1
    # As in LangGraph, a resumed run goes past the breakpoint of its first step (it
    # stopped there, or the thread was edited or forked there to go on).
    loop.breakpoint_done = True
    if isinstance(input, Command) and input.update is not None:
        loop.cp.apply_update(saved, command_writes(loop.spec, input))
    if loop.run.callbacks is not None:
        loop.run.callbacks.resumed(loop, saved.id)
    # A thread seeded by `engine.pregel.fork` starts as a branch of the run it names.
    fork = saved.fork if saved.source == "fork" and not loop.ns else None
    run_start(loop, input, resumed=True, fork=fork)
    loop.cp.replay(saved)
    loop.task_checkpoint_id = saved.id
    forked = loop.cp.replay_fork(saved, input)
    if forked is not None:
        loop.step, loop.next_tasks = saved.step + 2, forked
        return
    triggered, sends = list(saved.triggered), list(saved.sends)
    if isinstance(input, Command):  # its goto joins the pending step
        goto = input.goto_targets()
        triggered += [t for t in goto if isinstance(t, str) and t not in triggered]
        sends += [t for t in goto if isinstance(t, Send)]
    loop.next_tasks = algo.prepare_tasks(
        loop, loop.spec, loop.step, triggered, sends, saved.id
    )
    resume = input.resume if isinstance(input, Command) else None
    loop.cp.attach_pending(saved, loop.next_tasks, resume)
