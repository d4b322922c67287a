"""The `messages` projection: LLM tokens as they stream, and messages nodes return.

A node's returned messages are emitted once, whole, unless their id was in the node's
input or was already emitted (LangGraph's rule); tokens come from `token` events.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from engine.config import run_metadata
from engine.events import Event
from engine.messages import BaseMessage, is_message
from engine.schema import node_update_as_dict
from engine.types import Command

if TYPE_CHECKING:
    from engine.pregel.stream import StreamProjector


def _messages_in(value: Any) -> list[BaseMessage]:
    if isinstance(value, Command):
        value = value.update
    if is_message(value):
        return [value]
    value = node_update_as_dict(value)  # a pydantic or dataclass state as its fields
    out: list[BaseMessage] = []
    items = value.values() if isinstance(value, dict) else ()
    for v in items:
        if is_message(v):
            out.append(v)
        elif isinstance(v, (list, tuple)):
            out.extend(x for x in v if is_message(x))
    return out


class MessageTracker:
    """Per-run bookkeeping for the messages projection."""

    def __init__(self, projector: StreamProjector) -> None:
        self.projector = projector
        self.tasks: dict[str, dict[str, Any]] = {}
        self.seen: set[str] = set()
        self.base: dict[str, Any] = {}
        """The root run's metadata (its config's, with the propagated configurable keys):
        the start of every returned message's metadata, as in LangGraph."""

    def run_started(self, event: Event) -> None:
        if not event.ns:
            self.base = run_metadata(event.data["config"])

    def task_started(self, event: Event) -> None:
        data = event.data
        input_ids = {m.id for m in _messages_in(data["input"]) if m.id is not None}
        if self.projector.subgraphs or not event.ns:
            # LangGraph's rule: a message any visible node was given is not new when a
            # node (say, the subgraph node around it) returns it later.
            self.seen.update(input_ids)
        ns_str = "|".join((*event.ns, f"{data['name']}:{data['task_id']}"))
        self.tasks[data["task_id"]] = {
            "input_ids": input_ids,
            "step": event.step,
            "name": data["name"],
            "triggers": data["triggers"],
            "path": data["path"],
            "ns": ns_str,
            "streamed": False,
        }

    def metadata(self, task_id: str) -> dict[str, Any]:
        info = self.tasks[task_id]
        return {
            **self.base,
            "ls_integration": "langgraph",
            "langgraph_step": info["step"],
            "langgraph_node": info["name"],
            "langgraph_triggers": info["triggers"],
            "langgraph_path": info["path"],
            "langgraph_checkpoint_ns": info["ns"],
        }

    def task_ended(self, event: Event) -> None:
        data = event.data
        info = self.tasks.get(data["task_id"])
        if info is None or data["error"] is not None or data["interrupts"]:
            return
        if not (self.projector.subgraphs or not event.ns):
            return
        result = data["result"] or {}
        for message in _messages_in(result):
            if message.id is None:
                message.id = str(uuid.uuid4())
            if message.id in info["input_ids"] or message.id in self.seen:
                continue
            self.seen.add(message.id)
            self.projector.put(event.ns, "messages", (message, self.metadata(data["task_id"])))

    def token(self, event: Event) -> None:
        ns = self.shown_token(event)
        if ns is not None:
            self.projector.put(ns, "messages", (event.data["chunk"], event.data["metadata"]))

    def shown_token(self, event: Event) -> tuple[str, ...] | None:
        """The namespace a token event streams under, its chunk's id now seen; None for a
        token the stream does not show (hidden, or from a subgraph it leaves out)."""
        data = event.data
        if data.get("hidden"):
            return None
        ns = tuple(data.get("ns", event.ns))
        if not (self.projector.subgraphs or not ns):
            return None
        chunk = data["chunk"]
        if chunk.id is not None:
            self.seen.add(chunk.id)
        return ns
