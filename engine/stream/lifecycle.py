"""Subgraph lifecycle, inferred from `tasks` events.

A subgraph announces itself with the first task event at its namespace; the namespace's
last segment is `node:task_id`, naming the parent task that runs it, and that task's
result (in the parent's namespace) ends it: interrupted, failed or completed. Whatever is
still open when the run ends is completed (or given the run's error). Two views share
this inference: `LifecycleTransformer` (flat `lifecycle` payloads for every depth, also
forwarded into the main log) and `SubgraphTransformer` (a navigable handle per direct
child, with its own child mux). Task events are folded into these views and kept out of
the main log.
"""

from __future__ import annotations

import logging
from typing import Any, NotRequired

from typing_extensions import TypedDict

from engine.errors import GraphInterrupt
from engine.stream.mux import StreamMux
from engine.stream.protocol import ProtocolEvent, StreamTransformer
from engine.stream.run_stream import AsyncSubgraphRunStream, SubgraphRunStream, SubgraphStatus
from engine.stream.stream_channel import StreamChannel

_log = logging.getLogger(__name__)

Handle = SubgraphRunStream | AsyncSubgraphRunStream
Terminal = tuple[tuple[str, ...], SubgraphStatus, str | None]


class LifecyclePayload(TypedDict, total=False):
    """One `lifecycle` item: a subgraph started or reached a terminal status."""

    event: SubgraphStatus
    namespace: list[str]
    graph_name: NotRequired[str]
    trigger_call_id: NotRequired[str]
    cause: NotRequired[dict[str, Any]]
    error: NotRequired[str]


def split_segment(segment: str) -> tuple[str, str | None]:
    """`"node:task_id"` → `("node", "task_id")`; no colon → `(segment, None)`."""
    name, sep, task_id = segment.partition(":")
    return name, (task_id if sep else None)


def status_of_error(err: BaseException) -> tuple[SubgraphStatus, str | None]:
    if type(err).__name__ == "GraphDrained":
        return "drained", None
    if isinstance(err, GraphInterrupt):
        return "interrupted", None
    return "failed", str(err)


def status_of_result(result: dict[str, Any]) -> tuple[SubgraphStatus, str | None]:
    # An interrupt shows as a non-empty `interrupts`, possibly beside an error.
    if result.get("interrupts"):
        return "interrupted", None
    if result.get("error"):
        return "failed", str(result["error"])
    return "completed", None


def tool_call_id_of(task_input: Any) -> str | None:
    """The tool call a task serves: a `{"tool_call": {...}}` input, or a list of calls."""
    if isinstance(task_input, dict) and isinstance(task_input.get("tool_call"), dict):
        tc_id = task_input["tool_call"].get("id")
        return tc_id if isinstance(tc_id, str) else None
    if isinstance(task_input, list):
        for tc in task_input:
            if isinstance(tc, dict) and isinstance(tc.get("id"), str):
                return str(tc["id"])
    return None


class TaskLifecycleBase(StreamTransformer):
    """Tracks which subgraph namespaces are open; subclasses say which to track and
    what to do at start (`_on_started`) and at the end (`_on_terminal`)."""

    required_stream_modes = ("tasks",)

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        super().__init__(scope)
        self._seen: set[tuple[str, ...]] = set()
        self._open: dict[tuple[str, ...], str] = {}
        """Open namespace → id of the parent task whose result closes it."""
        self._lc_by_ns: dict[tuple[str, ...], str | None] = {}
        self._pending_tool_calls: dict[str, str] = {}
        self._pending_cause: dict[str, Any] | None = None

    def _should_track(self, ns: tuple[str, ...]) -> bool:
        raise NotImplementedError

    def _on_started(self, ns: tuple[str, ...], graph_name: str | None,
                    trigger_call_id: str | None) -> None:
        raise NotImplementedError

    def _on_terminal(self, ns: tuple[str, ...], status: SubgraphStatus,
                     error: str | None) -> None:
        raise NotImplementedError

    def init(self) -> dict[str, Any]:
        raise NotImplementedError

    def process(self, event: ProtocolEvent) -> bool:
        if event["method"] != "tasks":
            return True
        ns = tuple(event["params"]["namespace"])
        data = event["params"]["data"]
        if "result" in data:
            for child, status, error in self._close_children(ns, data):
                self._on_terminal(child, status, error)
        else:
            self._task_started(ns, data)
        return False

    def _task_started(self, ns: tuple[str, ...], data: dict[str, Any]) -> None:
        metadata = data.get("metadata") or {}
        self._lc_by_ns.setdefault(ns, metadata.get("lc_agent_name"))
        task_id = data.get("id")
        tool_call = tool_call_id_of(data.get("input"))
        if isinstance(task_id, str) and tool_call is not None:
            self._pending_tool_calls[task_id] = tool_call
        if not self._should_track(ns) or ns in self._seen:
            return
        self._seen.add(ns)
        parsed_name, trigger = split_segment(ns[-1])
        # A named agent (create_agent sets lc_agent_name) is a subagent boundary: it is
        # named after the agent and, when a tool call spawned it, carries that cause.
        agent = metadata.get("lc_agent_name")
        cause = None
        if agent is not None and trigger is not None:
            tool_call_id = self._pending_tool_calls.get(trigger)
            if tool_call_id:
                cause = {"type": "toolCall", "tool_call_id": tool_call_id}
        self._pending_cause = cause
        self._on_started(ns, agent if agent is not None else (parsed_name or None), trigger)
        if trigger is not None:
            self._open[ns] = trigger

    def _close_children(self, ns: tuple[str, ...], result: dict[str, Any]) -> list[Terminal]:
        task_id = result.get("id")
        if not task_id:
            return []
        closed: list[Terminal] = []
        for child, parent_task in list(self._open.items()):
            if child[:-1] == ns and parent_task == task_id:
                closed.append((child, *status_of_result(result)))
                del self._open[child]
        return closed

    def finalize(self) -> None:
        for ns in list(self._open):
            self._on_terminal(ns, "completed", None)
        self._open.clear()

    def fail(self, err: BaseException) -> None:
        status, error = status_of_error(err)
        for ns in list(self._open):
            self._on_terminal(ns, status, error)
        self._open.clear()


class LifecycleTransformer(TaskLifecycleBase):
    """`run.lifecycle`: started / terminal payloads for subgraphs at every depth."""

    _native = True

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        super().__init__(scope)
        self._channel: StreamChannel[LifecyclePayload] = StreamChannel("lifecycle")

    def init(self) -> dict[str, Any]:
        return {"lifecycle": self._channel}

    def _should_track(self, ns: tuple[str, ...]) -> bool:
        depth = len(self.scope)
        return len(ns) > depth and ns[:depth] == self.scope

    def _on_started(self, ns: tuple[str, ...], graph_name: str | None,
                    trigger_call_id: str | None) -> None:
        if trigger_call_id is None:
            return  # nothing could close it: finalize / fail will
        payload: LifecyclePayload = {"event": "started", "namespace": list(ns)}
        if graph_name:
            payload["graph_name"] = graph_name
        payload["trigger_call_id"] = trigger_call_id
        if self._pending_cause is not None:
            payload["cause"] = self._pending_cause
        self._channel.push(payload)

    def _on_terminal(self, ns: tuple[str, ...], status: SubgraphStatus,
                     error: str | None) -> None:
        payload: LifecyclePayload = {"event": status, "namespace": list(ns)}
        if error is not None:
            payload["error"] = error
        self._channel.push(payload)


class SubgraphTransformer(TaskLifecycleBase):
    """`run.subgraphs`: a handle per direct child subgraph, fed by a child mux (whose
    own `SubgraphTransformer` finds the grandchildren)."""

    _native = True
    supports_sync = True

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        super().__init__(scope)
        self._log: StreamChannel[Handle] = StreamChannel()
        self._handles: dict[tuple[str, ...], Handle] = {}
        self._mux: StreamMux | None = None

    def init(self) -> dict[str, Any]:
        return {"subgraphs": self._log}

    def _on_register(self, mux: Any) -> None:
        self._mux = mux

    def _should_track(self, ns: tuple[str, ...]) -> bool:
        depth = len(self.scope)
        return len(ns) == depth + 1 and ns[:depth] == self.scope

    def _on_started(self, ns: tuple[str, ...], graph_name: str | None,
                    trigger_call_id: str | None) -> None:
        if self._mux is None:
            return
        try:
            child = self._mux._make_child(ns)
        except RuntimeError:
            return
        cls = AsyncSubgraphRunStream if child.is_async else SubgraphRunStream
        handle = cls(child, path=ns, graph_name=graph_name, trigger_call_id=trigger_call_id)
        self._handles[ns] = handle
        self._log.push(handle)

    def _mark(self, handle: Handle, status: SubgraphStatus, error: str | None) -> bool:
        """Record the handle's terminal status once; True the first time."""
        if handle._seen_terminal:
            return False
        handle.status = status
        if error is not None and handle.error is None:
            handle.error = error
        handle._seen_terminal = True
        return True

    def _ended(self, ns: tuple[str, ...], status: SubgraphStatus,
               error: str | None) -> Handle | None:
        """The handle of `ns`, marked with its terminal `status`, when its stream is still
        open to be closed (or failed) now; None otherwise."""
        handle = self._handles.get(ns)
        if handle is None or not self._mark(handle, status, error):
            return None
        return None if handle._mux._events._closed else handle

    def _on_terminal(self, ns: tuple[str, ...], status: SubgraphStatus,
                     error: str | None) -> None:
        handle = self._ended(ns, status, error)
        if handle is None:
            return
        if status == "failed":
            handle._mux.fail(RuntimeError(error or "Subgraph failed"))
        else:
            handle._mux.close()

    async def _aon_terminal(self, ns: tuple[str, ...], status: SubgraphStatus,
                            error: str | None) -> None:
        handle = self._ended(ns, status, error)
        if handle is None:
            return
        if status == "failed":
            await handle._mux.afail(RuntimeError(error or "Subgraph failed"))
        else:
            await handle._mux.aclose()

    def _handle_for(self, event: ProtocolEvent) -> Handle | None:
        ns = tuple(event["params"]["namespace"])
        depth = len(self.scope)
        if len(ns) <= depth:
            return None
        handle = self._handles.get(ns[:depth + 1])
        if handle is None or handle._mux._events._closed:
            return None
        return handle

    def process(self, event: ProtocolEvent) -> bool:
        keep = super().process(event)  # first, so a new handle exists to forward to
        handle = self._handle_for(event)
        if handle is not None:
            handle._observe_event(event)
            handle._mux.push(event)
        return keep

    async def aprocess(self, event: ProtocolEvent) -> bool:
        keep = True
        if event["method"] == "tasks":
            keep = False
            ns = tuple(event["params"]["namespace"])
            data = event["params"]["data"]
            if "result" in data:
                for child, status, error in self._close_children(ns, data):
                    await self._aon_terminal(child, status, error)
            else:
                self._task_started(ns, data)
        handle = self._handle_for(event)
        if handle is not None:
            handle._observe_event(event)
            await handle._mux.apush(event)
        return keep

    def finalize(self) -> None:
        first: BaseException | None = None
        for ns in [*self._open, *self._handles]:
            try:
                self._on_terminal(ns, "completed", None)
            except BaseException as exc:
                first = first or exc
        self._open.clear()
        if first is not None:
            raise first

    async def afinalize(self) -> None:
        first: BaseException | None = None
        for ns in [*self._open, *self._handles]:
            try:
                await self._aon_terminal(ns, "completed", None)
            except BaseException as exc:
                first = first or exc
        self._open.clear()
        if first is not None:
            raise first

    def fail(self, err: BaseException) -> None:
        status, error = status_of_error(err)
        self._open.clear()
        for handle in self._handles.values():
            self._mark(handle, status, error)
            if not handle._mux._events._closed:
                try:
                    handle._mux.fail(err)
                except Exception:
                    _log.warning("could not fail the subgraph mux at %s", handle.path,
                                 exc_info=True)

    async def afail(self, err: BaseException) -> None:
        status, error = status_of_error(err)
        self._open.clear()
        for handle in self._handles.values():
            self._mark(handle, status, error)
            if not handle._mux._events._closed:
                try:
                    await handle._mux.afail(err)
                except Exception:
                    _log.warning("could not fail the subgraph mux at %s", handle.path,
                                 exc_info=True)
