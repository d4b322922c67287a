"""The loop's side of checkpointing: save after each step, restore, resume, pending writes.

Checkpoint ids and `checkpoint` events exist only when the graph has a checkpointer
and the config names a `thread_id` (as in LangGraph).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.channels import MISSING
from engine.checkpoint.base import BaseCheckpointSaver, CheckpointRecord, PendingTask
from engine.clock import iso_from_unix_ns
from engine.errors import ParentCommand
from engine.types import CheckpointSource, Command, Interrupt

if TYPE_CHECKING:
    from engine.pregel.loop import Loop
    from engine.pregel.task import Task


def interrupt_dict(i: Interrupt) -> dict[str, Any]:
    return {"value": i.value, "id": i.id, "response_schema": i.response_schema}


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
        self.checkpoint_id_wanted = configurable.get("checkpoint_id") if not loop.ns else None
        self.current: CheckpointRecord | None = None
        parent = loop.parent_task
        self.parents: dict[str, str] = {}
        if parent is not None and parent.loop.cp.current is not None:
            self.parents = {**parent.loop.cp.parents,
                            parent.loop.ns_str: parent.loop.cp.current.id}

    # -- load / restore ------------------------------------------------------------------
    def load(self) -> CheckpointRecord | None:
        saver = self.saver
        if saver is None:  # not self.enabled
            return None
        return saver.get(str(self.thread_id), self.loop.ns_str, self.checkpoint_id_wanted)

    def restore(self, saved: CheckpointRecord) -> None:
        loop = self.loop
        for key, value in saved.values.items():
            if key in loop.channels:
                loop.channels[key] = loop.channels[key].from_checkpoint(value)
        for name, seen in saved.barriers.items():
            if name in loop.barriers:
                loop.barriers[name].seen = set(seen)
        self.current = saved

    def replay(self, saved: CheckpointRecord) -> None:
        """Re-announce the checkpoint a resumed run starts from (debug mode shows it)."""
        if self.enabled and self.loop.bus.sinks:
            self.loop.emit("checkpoint", self.payload(saved, replayed=True), step=saved.step)

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
            for task in waiting:
                task.resume = list(resume)
            return
        if isinstance(resume, dict) and resume and all(
            any(i.id == k for t in waiting for i in saved.pending[t.id].interrupts)
            for k in resume
        ):
            for task in waiting:
                for i in saved.pending[task.id].interrupts:
                    if i.id in resume:
                        task.resume.append(resume[i.id])
            return
        if len(waiting) > 1:  # one value for several questions: LangGraph refuses it
            raise RuntimeError(
                "When there are multiple pending interrupts, you must specify the interrupt "
                "id when resuming. Docs: https://docs.langchain.com/oss/python/langgraph/"
                "interrupts#handling-multiple-interrupts.")
        if waiting:
            waiting[0].resume.append(resume)

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
    ) -> None:
        saver = self.saver
        if saver is None:  # not self.enabled
            return
        loop = self.loop
        values = {k: c.checkpoint() for k, c in loop.channels.items() if c.value is not MISSING}
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
            subgraph_ns={t.id: f"{loop.ns_prefix}{t.checkpoint_ns}"
                         for t in next_tasks if t.node.subgraph is not None},
        )
        saver.put(record)
        previous, self.current = self.current, record
        if loop.bus.sinks:
            loop.emit("checkpoint", self.payload(record, parent=previous), step=record.step)

    def save_pending(self, tasks: list[Task]) -> None:
        """Keep a failed or interrupted step's outcomes on the checkpoint it started from."""
        if not self.enabled or self.current is None:
            return
        for task in tasks:
            # An error handler's outcome is kept under the task it stands for: on resume
            # the planned task takes it (done) or fails again at once (its handler reruns).
            origin = task.origin
            tid, name = (task.id, task.name) if origin is None else (origin.id, origin.name)
            if task.interrupts:
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
