"""Reading and editing a thread's checkpoints: get_state, get_state_history, update_state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.checkpoint.base import BaseCheckpointSaver, CheckpointRecord
from engine.config import RunnableConfig, ensure_config
from engine.constants import DEFAULT_RECURSION_LIMIT, END, PULL, PUSH
from engine.graph.spec import GraphSpec, NodeSpec
from engine.pregel import algo, async_branches
from engine.pregel.run import RunContext
from engine.pregel.task import Task
from engine.schema import ROOT
from engine.types import Interrupt, PregelTask, StateSnapshot


class StateAccess:
    """Mixin for CompiledStateGraph: the checkpointer-backed state API."""

    spec: GraphSpec
    checkpointer: BaseCheckpointSaver | None

    def _saver(self) -> BaseCheckpointSaver:
        if not self.checkpointer:
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

    def get_state(self, config: RunnableConfig, *, subgraphs: bool = False) -> StateSnapshot:
        """The thread's latest checkpoint (or the one `checkpoint_id` names)."""
        saver = self._saver()
        thread, ns, cid = self._where(config)
        record = saver.get(thread, ns, cid)
        if record is None:
            return StateSnapshot({}, (), config, None, None, None, (), ())
        return self._snapshot(record, subgraphs)

    async def aget_state(self, config: RunnableConfig, *,
                         subgraphs: bool = False) -> StateSnapshot:
        return self.get_state(config, subgraphs=subgraphs)

    def get_state_history(self, config: RunnableConfig, *, limit: int | None = None,
                          **_: Any) -> Iterator[StateSnapshot]:
        """Every checkpoint of the thread, newest first."""
        saver = self._saver()
        thread, ns, _cid = self._where(config)
        for i, record in enumerate(saver.history(thread, ns)):
            if limit is not None and i >= limit:
                return
            yield self._snapshot(record, False)

    def _snapshot(self, record: CheckpointRecord, subgraphs: bool) -> StateSnapshot:
        saver = self._saver()
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
                    sub = saver.get(record.thread_id, sub_ns)
                    state = self._sub_snapshot(sub) if sub is not None else state
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
            config=_config_of(record, record.id),
            metadata={"source": record.source, "step": record.step,
                      "parents": dict(record.parents)},
            created_at=record.created_at,
            parent_config=_config_of(record, record.parent_id) if record.parent_id else None,
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

    def _sub_snapshot(self, record: CheckpointRecord) -> StateSnapshot:
        return self._snapshot(record, True)

    def update_state(self, config: RunnableConfig, values: Any,
                     as_node: str | None = None) -> RunnableConfig:
        """Write `values` as if `as_node` returned them; a new checkpoint (source "update")."""
        from engine.pregel.loop import Loop

        saver = self._saver()
        config = ensure_config(config)
        run = RunContext((), recursion_limit=DEFAULT_RECURSION_LIMIT)
        loop = Loop(self, run, config, checkpointer=saver)
        record = loop.cp.load()
        if record is not None:
            loop.cp.restore(record)
            loop.step = record.step
        if as_node is not None and as_node not in self.spec.nodes and as_node != END:
            raise ValueError(f"Node {as_node} does not exist")
        if as_node is None or as_node == END:
            node = NodeSpec(as_node or "__input__", None, None, self.spec.state, (), (), (), (),
                            None)
        else:
            node = self.spec.nodes[as_node]
        task = Task(loop, node, "update", (PULL, node.name), (), loop.step + 1)
        loop.snapshot = loop.values()
        algo.record_output(task, values, loop.snapshot)
        if task.awaiting:
            async_branches.resolve(task)
        if as_node is None and record is not None:
            task.routes = [*record.triggered, *record.sends, *task.routes]
        loop._apply([task], source="update")
        assert loop.cp.current is not None
        return _config_of(loop.cp.current, loop.cp.current.id)

    async def aupdate_state(self, config: RunnableConfig, values: Any,
                            as_node: str | None = None) -> RunnableConfig:
        return self.update_state(config, values, as_node)


def _config_of(record: CheckpointRecord, cid: str | None) -> RunnableConfig:
    configurable: dict[str, Any] = {"thread_id": record.thread_id,
                                    "checkpoint_ns": record.checkpoint_ns, "checkpoint_id": cid}
    if record.checkpoint_ns:
        configurable["checkpoint_map"] = {**record.parents, record.checkpoint_ns: cid}
    return {"configurable": configurable}
