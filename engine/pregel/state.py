"""Reading and editing a thread's checkpoints: get_state, get_state_history, update_state."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from engine.checkpoint.base import BaseCheckpointSaver, CheckpointRecord
from engine.config import RunnableConfig
from engine.constants import PUSH
from engine.graph.spec import GraphSpec
from engine.pregel.persistence import stateful_ns
from engine.pregel.state_update import bulk_update, config_of
from engine.schema import ROOT
from engine.types import Interrupt, PregelTask, StateSnapshot, StateUpdate


class StateAccess:
    """Mixin for CompiledStateGraph: the checkpointer-backed state API."""

    spec: GraphSpec
    checkpointer: BaseCheckpointSaver | bool | None
    node_subgraphs: dict[str, Any]

    def _saver(self) -> BaseCheckpointSaver:
        if not isinstance(self.checkpointer, BaseCheckpointSaver):
            raise ValueError("No checkpointer set")
        return self.checkpointer

    @staticmethod
    def _where(config: RunnableConfig | None) -> tuple[str, str, str | None]:
        configurable = (config or {}).get("configurable", {})
        if "thread_id" not in configurable:
            raise ValueError(
                "Checkpointer requires one or more of the following 'configurable' keys: "
                "thread_id, checkpoint_ns, checkpoint_id"
            )
        return (str(configurable["thread_id"]), configurable.get("checkpoint_ns", ""),
                configurable.get("checkpoint_id"))

    def _addressed(self, config: RunnableConfig | None
                   ) -> tuple[StateAccess, BaseCheckpointSaver, str, str, str | None]:
        """The graph a config's namespace names (this one, or a subgraph of it), the
        saver, and where its checkpoints are: thread, stored namespace, checkpoint id."""
        saver = self._saver()
        thread, ns, cid = self._where(config)
        graph: StateAccess = self
        if ns:
            graph = self._subgraph_at(ns) or self
            if graph is not self and getattr(graph, "checkpointer", None) is True:
                ns = "|".join(stateful_ns(tuple(ns.split("|"))))
        return graph, saver, thread, ns, cid

    def _subgraph_at(self, ns: str) -> StateAccess | None:
        """The subgraph node graph a checkpoint namespace names, if this graph has it."""
        graph: StateAccess = self
        for part in ns.split("|"):
            name = part.split(":", 1)[0]
            if name.isdigit():
                continue
            sub = graph.node_subgraphs.get(name)
            if sub is None:
                return None
            graph = sub
        return graph

    def get_state(self, config: RunnableConfig, *, subgraphs: bool = False) -> StateSnapshot:
        """The thread's latest checkpoint (or the one `checkpoint_id` names)."""
        graph, saver, thread, ns, cid = self._addressed(config)
        record = saver.get(thread, ns, cid)
        if record is None:
            return StateSnapshot({}, (), config, None, None, None, (), ())
        return graph._snapshot(saver, record, subgraphs)

    async def aget_state(self, config: RunnableConfig, *,
                         subgraphs: bool = False) -> StateSnapshot:
        return self.get_state(config, subgraphs=subgraphs)

    def get_state_history(self, config: RunnableConfig, *,
                          filter: Mapping[str, Any] | None = None,
                          before: RunnableConfig | None = None,
                          limit: int | None = None) -> Iterator[StateSnapshot]:
        """Every checkpoint of the thread, newest first (only those older than `before`,
        whose metadata has the `filter` items; at most `limit`)."""
        graph, saver, thread, ns, _cid = self._addressed(config)
        records = saver.history(thread, ns)
        before_id = ((before or {}).get("configurable") or {}).get("checkpoint_id")
        if before_id is not None:
            ids = [r.id for r in records]
            records = records[ids.index(before_id) + 1:] if before_id in ids else []
        count = 0
        for record in records:
            if limit is not None and count >= limit:
                return
            snapshot = graph._snapshot(saver, record, False)
            metadata: Mapping[str, Any] = snapshot.metadata or {}
            if filter and any(metadata.get(k) != v for k, v in filter.items()):
                continue
            count += 1
            yield snapshot

    async def aget_state_history(self, config: RunnableConfig, *,
                                 filter: Mapping[str, Any] | None = None,
                                 before: RunnableConfig | None = None,
                                 limit: int | None = None) -> AsyncIterator[StateSnapshot]:
        for snapshot in self.get_state_history(config, filter=filter, before=before,
                                               limit=limit):
            yield snapshot

    def _snapshot(self, saver: BaseCheckpointSaver, record: CheckpointRecord,
                  subgraphs: bool) -> StateSnapshot:
        tasks: list[PregelTask] = []
        interrupts: list[Interrupt] = []
        # Re-planned from a checkpoint, LangGraph lists PULL tasks in node insertion
        # order (live planning is alphabetical); PUSH tasks keep their Send order.
        order = {name: i for i, name in enumerate(self.spec.node_order)}
        planned = sorted(record.next_tasks,
                         key=lambda t: (t[2][0] != PUSH, order.get(t[1], -1)))
        for tid, name, path in planned:
            pending = record.pending.get(tid)
            sub_ns = record.subgraph_ns.get(tid)
            state: Any = None
            if sub_ns:
                state = {"configurable": {"thread_id": record.thread_id, "checkpoint_ns": sub_ns}}
                if subgraphs:
                    state = self._sub_snapshot(saver, record, name, sub_ns) or state
            result = record.results.get(tid, pending.result if pending else None)
            if result is not None and self.spec.state.kind == "root":
                result = result.get(ROOT)  # a single-value state's update is the value
            task_interrupts = tuple(pending.interrupts) if pending else ()
            interrupts.extend(task_interrupts)
            tasks.append(PregelTask(tid, name, path, pending.error if pending else None,
                                    task_interrupts, state, result))
        nxt = tuple(name for tid, name, _ in planned
                    if not (tid in record.pending and record.pending[tid].done))
        values = self._values_with_pending(record)
        return StateSnapshot(
            values=self.spec.state.view(values),
            next=nxt,
            config=config_of(record, record.id),
            metadata={"source": record.source, "step": record.step,
                      "parents": dict(record.parents)},
            created_at=record.created_at,
            parent_config=config_of(record, record.parent_id) if record.parent_id else None,
            tasks=tuple(tasks),
            interrupts=tuple(interrupts),
        )

    def _values_with_pending(self, record: CheckpointRecord) -> dict[str, Any]:
        """Checkpoint values plus the writes of tasks that finished in a failed step."""
        done = [(path, p) for tid, _, path in record.next_tasks
                if (p := record.pending.get(tid)) is not None and p.done]
        if not done:
            return record.values
        channels = {k: f.make_channel() for k, f in self.spec.fields.items()}
        for key, value in record.values.items():
            if key in channels:
                channels[key] = channels[key].from_checkpoint(value)
        buckets: dict[str, list[Any]] = {}
        for _, pending in sorted(done, key=lambda d: d[0][:2]):
            for key, value in pending.writes:
                buckets.setdefault(key, []).append(value)
        for key, values in buckets.items():
            channels[key].update(values)
        return {k: c.value for k, c in channels.items() if c.is_available()}

    def _sub_snapshot(self, saver: BaseCheckpointSaver, record: CheckpointRecord,
                      name: str, sub_ns: str) -> StateSnapshot | None:
        """The latest snapshot of the subgraph a task of `record` ran (None: none saved)."""
        graph: StateAccess = self.node_subgraphs.get(name) or self
        if getattr(graph, "checkpointer", None) is True:
            sub_ns = "|".join(stateful_ns(tuple(sub_ns.split("|"))))
        sub = saver.get(record.thread_id, sub_ns)
        return graph._snapshot(saver, sub, True) if sub is not None else None

    def update_state(self, config: RunnableConfig, values: Any,
                     as_node: str | None = None, task_id: str | None = None) -> RunnableConfig:
        """Write `values` as if `as_node` returned them; a new checkpoint (source "update")."""
        return self.bulk_update_state(config, [[StateUpdate(values, as_node, task_id)]])

    async def aupdate_state(self, config: RunnableConfig, values: Any,
                            as_node: str | None = None,
                            task_id: str | None = None) -> RunnableConfig:
        return self.update_state(config, values, as_node, task_id)

    def bulk_update_state(self, config: RunnableConfig,
                          supersteps: Sequence[Sequence[StateUpdate]]) -> RunnableConfig:
        """Apply supersteps of updates, each a new checkpoint after the previous one."""
        graph, saver, _thread, ns, _cid = self._addressed(config)
        if ns:
            configurable = {**(config.get("configurable") or {}), "checkpoint_ns": ns}
            config = {**config, "configurable": configurable}
        return bulk_update(graph, saver, config, supersteps)

    async def abulk_update_state(self, config: RunnableConfig,
                                 supersteps: Sequence[Sequence[StateUpdate]]) -> RunnableConfig:
        return self.bulk_update_state(config, supersteps)
