"""The loop's side of checkpointing: save after each step, restore, resume, pending writes.

Checkpoint ids and `checkpoint` events exist only when the graph has a checkpointer
and the config names a `thread_id` (as in LangGraph).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from engine.channels import MISSING
from engine.checkpoint.base import BaseCheckpointSaver, CheckpointRecord, PendingTask
from engine.clock import iso_from_unix_ns
from engine.errors import ParentCommand
from engine.pregel import algo
from engine.types import CheckpointSource, Command, Interrupt

if TYPE_CHECKING:
    from engine.pregel.loop import Loop
    from engine.pregel.task import Task


def interrupt_dict(i: Interrupt) -> dict[str, Any]:
    return {"value": i.value, "id": i.id, "response_schema": i.response_schema}


def wanted_checkpoint(configurable: Mapping[str, Any], ns: str) -> str | None:
    """The checkpoint id a run's config addresses for the graph at namespace `ns`.

    A root reads `checkpoint_id`, unless the config addresses a subgraph's checkpoint
    (`checkpoint_ns` set, as the configs of subgraph snapshots are): then the root and
    each subgraph on the way read their own entry of `checkpoint_map`.
    """
    addressed_ns = configurable.get("checkpoint_ns") or ""
    if not addressed_ns:
        return None if ns else configurable.get("checkpoint_id")
    cmap = configurable.get("checkpoint_map") or {}
    if not ns:
        return cmap.get("")
    return cmap.get(ns) if addressed_ns == ns or addressed_ns.startswith(ns + "|") else None


class ReplayBound:
    """A replay's bound: the first time each subgraph runs during a time-traveling run,
    it starts from its newest checkpoint written before the replayed one (none: afresh);
    later runs of it (a loop) read its newest checkpoint as usual."""

    def __init__(self, checkpoint_id: str) -> None:
        self.checkpoint_id = checkpoint_id
        self.visited: set[str] = set()

    def load(self, saver: BaseCheckpointSaver, thread_id: str,
             ns: str) -> CheckpointRecord | None:
        stable = ns.rsplit(":", 1)[0]  # the same subgraph under another task id
        if stable in self.visited:
            return saver.get(thread_id, ns)
        self.visited.add(stable)
        # Checkpoint ids are time-ordered, so "written before" compares ids.
        return next((r for r in saver.history(thread_id, ns) if r.id < self.checkpoint_id),
                    None)


class Checkpointing:
    """Saves and restores a loop's channels through a checkpointer (or does nothing)."""

    def __init__(self, loop: Loop, saver: BaseCheckpointSaver | None) -> None:
        self.loop = loop
        configurable = loop.config.get("configurable", {})
        self.thread_id = configurable.get("thread_id")
        self.saver = saver if saver else None
        if self.saver is not None and self.thread_id is None:
            raise ValueError(
                "Checkpointer requires one or more of the following 'configurable' keys: "
                "thread_id, checkpoint_ns, checkpoint_id"
            )
        self.enabled = self.saver is not None
        self.checkpoint_id_wanted = wanted_checkpoint(configurable, loop.ns_str)
        self.replay_bound: ReplayBound | None = None
        """While a time-traveling run replays: where its subgraphs' state is read from."""
        self.current: CheckpointRecord | None = None
        self.deferred = self.enabled and loop.run.durability == "exit"
        """Durability "exit": the run's last checkpoint is stored when the run ends."""
        self.stored_id: str | None = None
        """The id of the newest record this loop's thread holds in the saver."""
        parent = loop.parent_task
        self.parents: dict[str, str] = {}
        self.resume_map: dict[str, Any] | None = None
        """A resume by interrupt id: its map, which subgraphs resume their tasks from."""
        if parent is not None:
            self.replay_bound = parent.loop.cp.replay_bound
            self.resume_map = parent.loop.cp.resume_map
        if parent is not None and parent.loop.cp.current is not None:
            self.parents = {**parent.loop.cp.parents,
                            parent.loop.ns_str: parent.loop.cp.current.id}

    # -- load / restore ------------------------------------------------------------------
    def load(self) -> CheckpointRecord | None:
        saver = self.saver
        if saver is None:  # not self.enabled
            return None
        ns = self.loop.ns_str
        if self.replay_bound is not None and self.checkpoint_id_wanted is None:
            return self.replay_bound.load(saver, str(self.thread_id), ns)
        return saver.get(str(self.thread_id), ns, self.checkpoint_id_wanted)

    def restore(self, saved: CheckpointRecord) -> None:
        loop = self.loop
        for key, value in saved.values.items():
            if key in loop.channels:
                loop.channels[key] = loop.channels[key].from_checkpoint(value)
        for name, seen in saved.barriers.items():
            if name in loop.barriers:
                loop.barriers[name].seen = set(seen)
        loop.deferred = set(saved.deferred)
        self.current = saved
        self.stored_id = saved.id

    def apply_update(self, saved: CheckpointRecord, writes: list[tuple[str, Any]]) -> None:
        """A resume's `Command(update=...)` (as `writes`): written before the paused tasks
        run again, and kept on the checkpoint resumed from, so a later resume of the same
        step starts from it too (LangGraph keeps it there as pending writes)."""
        channels = self.loop.channels
        buckets: dict[str, list[Any]] = {}
        for key, value in writes:
            if key in channels:
                buckets.setdefault(key, []).append(value)
        for key, values in buckets.items():
            if channels[key].update(values):
                saved.values[key] = channels[key].checkpoint()

    def replay(self, saved: CheckpointRecord) -> None:
        """Re-announce the checkpoint a resumed run starts from (debug mode shows it)."""
        if self.enabled and self.loop.bus.sinks:
            self.loop.emit("checkpoint", self.payload(saved, replayed=True), step=saved.step)

    def replay_fork(self, saved: CheckpointRecord, input: Any) -> list[Task] | None:
        """Time travel: a run addressed at a checkpoint by id (not to resume it) branches.

        As in LangGraph, the branch starts with a copy of that checkpoint (source
        "fork", the step after it, its child), so the addressed checkpoint and what
        followed it stay as they were, and the planned tasks run again from scratch:
        no saved outcome or resume value is reused. A checkpoint that `update_state`
        or a fork wrote is itself the branch, unless the thread has moved past it.
        Returns the fork's tasks, or None when the run does not branch.
        """
        saver = self.saver
        if saver is None or self.checkpoint_id_wanted is None:
            return None
        if isinstance(input, Command) and input.resume is not None:
            return None
        edited = saved.source in ("update", "fork")
        if not self.loop.ns:
            # Its subgraphs read their state as it was when `saved` was written (before
            # an edit, for an edited checkpoint).
            self.replay_bound = ReplayBound(saved.parent_id if edited and saved.parent_id
                                      else saved.id)
        latest = saver.get(saved.thread_id, saved.checkpoint_ns)
        superseded = latest is not None and latest.id != saved.id
        if edited and not superseded:
            return None
        loop = self.loop
        step = saved.step + 1
        cid = loop.new_checkpoint_id(step)
        tasks = algo.prepare_tasks(loop, loop.spec, step + 1, saved.triggered,
                                   list(saved.sends), cid)
        self.save("fork", cid, tasks, triggered=saved.triggered, sends=saved.sends, step=step)
        return tasks

    def attach_pending(self, saved: CheckpointRecord, tasks: list[Task], resume: Any) -> None:
        """Give planned tasks their saved outcomes; hand the resume value to interrupts."""
        for task in tasks:
            pending = saved.pending.get(task.id)
            if pending is None:
                continue
            if pending.failed_with is not None:
                task.prior_error = pending.failed_with
            elif pending.done:
                task.cached = True
                task.writes = list(pending.writes)
                task.routes = list(pending.routes)
                task.result = pending.result
            else:
                task.resume = list(pending.resume)
        if resume is None:
            return
        waiting = [t for t in tasks if t.id in saved.pending and saved.pending[t.id].interrupts]
        if isinstance(resume, list) and self.loop.parent_task is not None:
            if self.resume_map is not None:  # the root was resumed by interrupt id
                self._attach_mapped(saved, waiting, self.resume_map)
                return
            fresh = self._fresh_parent_resume(resume)
            for task in waiting:
                task.resume = [*task.resume, *fresh]
            return
        if isinstance(resume, dict) and resume and all(
            any(i.id == k for t in waiting for i in saved.pending[t.id].interrupts)
            for k in resume
        ):
            self.resume_map = resume
            self._attach_mapped(saved, waiting, resume)
            return
        if len(waiting) > 1:  # one value for several questions: LangGraph refuses it
            raise RuntimeError(
                "When there are multiple pending interrupts, you must specify the interrupt "
                "id when resuming. Docs: https://docs.langchain.com/oss/python/langgraph/"
                "interrupts#handling-multiple-interrupts.")
        if waiting:
            waiting[0].resume.append(resume)

    @staticmethod
    def _attach_mapped(saved: CheckpointRecord, waiting: list[Task],
                       resume: dict[str, Any]) -> None:
        """A resume map's values, each to the task whose interrupt has its id."""
        for task in waiting:
                for i in saved.pending[task.id].interrupts:
                    if i.id in resume:
                        task.resume.append(resume[i.id])

    def resumes_breakpoint(self, saved: CheckpointRecord | None) -> bool:
        """Whether this subgraph stopped at a breakpoint, and its parent task, which that
        paused, now runs again: it goes on from there instead of starting afresh."""
        parent = self.loop.parent_task
        if parent is None or saved is None or not saved.breakpoint_done:
            return False
        record = parent.loop.cp.current
        pending = record.pending.get(parent.id) if record is not None else None
        return pending is not None and not pending.done and not pending.interrupts

    def _fresh_parent_resume(self, resume: list[Any]) -> list[Any]:
        """The resume values this run gave the parent task: those it already had when it
        paused went to the subgraph's earlier interrupts, which consumed them."""
        parent = self.loop.parent_task
        assert parent is not None
        record = parent.loop.cp.current
        before = record.pending.get(parent.id) if record is not None else None
        return resume[len(before.resume):] if before is not None else resume

    # -- save ----------------------------------------------------------------------------
    def save(
        self,
        source: CheckpointSource,
        cid: str,
        next_tasks: list[Task],
        *,
        triggered: tuple[str, ...],
        sends: tuple[Any, ...],
        step: int | None = None,
        ran: list[Task] | None = None,
    ) -> None:
        """Store a checkpoint; `ran`: the tasks whose writes made it (None: an input
        checkpoint, made by none: the previous checkpoint's writers stay the last)."""
        saver = self.saver
        if saver is None:  # not self.enabled
            return
        loop = self.loop
        values = {k: c.checkpoint() for k, c in loop.channels.items() if c.value is not MISSING}
        subgraphs: dict[str, Any] = getattr(loop.graph, "node_subgraphs", {})
        record = CheckpointRecord(
            thread_id=str(self.thread_id),
            checkpoint_ns=loop.ns_str,
            id=cid,
            parent_id=self.current.id if self.current is not None else None,
            created_at=iso_from_unix_ns(loop.clock.unix_ns()),
            step=loop.step if step is None else step,
            source=source,
            values=values,
            triggered=triggered,
            sends=sends,
            barriers={n: frozenset(b.seen) for n, b in loop.barriers.items() if b.seen},
            next_tasks=tuple((t.id, t.name, t.path) for t in next_tasks),
            parents=dict(self.parents),
            writers=(tuple(t.name for t in ran) if ran is not None
                     else self.current.writers if self.current is not None else ()),
            subgraph_ns={t.id: f"{loop.ns_prefix}{t.checkpoint_ns}"
                         for t in next_tasks if t.name in subgraphs},
            deferred=tuple(sorted(loop.deferred)),
        )
        if not self.deferred:
            saver.put(record)
            self.stored_id = record.id
        previous, self.current = self.current, record
        if loop.bus.sinks:
            payload = self.payload(record, parent=previous)
            if self.deferred:  # LangGraph streams these unsaved checkpoints without a parent
                payload["parent_config"] = None
            loop.emit("checkpoint", payload, step=record.step)

    def flush(self) -> None:
        """Durability "exit": store the run's last checkpoint, after the last stored one
        (a subgraph's only when it paused or failed, or keeps its state: checkpointer=True)."""
        if not self.deferred:
            return
        current, loop = self.current, self.loop
        if loop.ns and loop.status == "done" and getattr(loop.graph, "checkpointer", None) \
                is not True:
            return  # a finished per-call subgraph leaves nothing to resume
        if self.saver is not None and current is not None and current.id != self.stored_id:
            self.saver.put(replace(current, parent_id=self.stored_id))
            self.stored_id = current.id

    def save_pending(self, tasks: list[Task]) -> None:
        """Keep a failed or interrupted step's outcomes on the checkpoint it started from."""
        if not self.enabled or self.current is None:
            return
        for task in tasks:
            # An error handler's outcome is kept under the task it stands for: on resume
            # the planned task takes it (done) or fails again at once (its handler reruns).
            origin = task.origin
            tid, name = (task.id, task.name) if origin is None else (origin.id, origin.name)
            if task.paused:
                self.current.pending[tid] = PendingTask(
                    name, interrupts=task.interrupts, resume=list(task.resume))
            elif task.error is not None and not isinstance(task.error, ParentCommand):
                self.current.pending[tid] = PendingTask(
                    name, error=repr(task.error),
                    failed_with=origin.error if origin is not None else None)
            elif task in self.loop.done:
                self.current.pending[tid] = PendingTask(
                    name, writes=list(task.writes), routes=list(task.routes),
                    result=task.result, done=True)

    def record_results(self, tasks: list[Task]) -> None:
        """Note on the checkpoint the step was planned from what each task wrote."""
        if self.enabled and self.current is not None:
            for task in tasks:
                self.current.results[task.id] = task.result

    def mark_breakpoint(self) -> None:
        if self.current is not None:
            self.current.breakpoint_done = True

    # -- shapes --------------------------------------------------------------------------
    def payload(self, record: CheckpointRecord, *, parent: CheckpointRecord | None = None,
                replayed: bool = False) -> dict[str, Any]:
        """The `checkpoints`-mode dict for a record (LangGraph's key order)."""
        configurable: dict[str, Any] = {
            "checkpoint_ns": record.checkpoint_ns, "thread_id": record.thread_id}
        if record.checkpoint_ns:
            configurable["checkpoint_map"] = {**record.parents, record.checkpoint_ns: record.id}
        configurable["checkpoint_id"] = record.id
        parent_config = None
        if record.parent_id is not None:
            inner: dict[str, Any] = (
                {"thread_id": record.thread_id, "checkpoint_ns": record.checkpoint_ns}
                if replayed
                else {"checkpoint_ns": record.checkpoint_ns, "thread_id": record.thread_id}
            )
            if record.checkpoint_ns and not replayed:
                inner["checkpoint_map"] = {**record.parents, record.checkpoint_ns: record.parent_id}
            inner["checkpoint_id"] = record.parent_id
            parent_config = {"configurable": inner}
        state_keys = self.loop.spec.state.keys
        return {
            "config": {"configurable": configurable},
            "parent_config": parent_config,
            "values": {k: record.values[k] for k in state_keys if k in record.values},
            "metadata": {"source": record.source, "step": record.step,
                         "parents": dict(record.parents)},
            "next": [name for _, name, _ in record.next_tasks],
            "tasks": [self.task_entry(record, tid, name) for tid, name, _ in record.next_tasks],
        }

    def task_entry(self, record: CheckpointRecord, tid: str, name: str) -> dict[str, Any]:
        pending = record.pending.get(tid)
        interrupts = tuple(interrupt_dict(i) for i in pending.interrupts) if pending else ()
        sub = record.subgraph_ns.get(tid)
        state = ({"configurable": {"thread_id": record.thread_id, "checkpoint_ns": sub}}
                 if sub else None)
        return {"id": tid, "name": name, "interrupts": interrupts, "state": state}


__all__ = ["Checkpointing", "Command"]
