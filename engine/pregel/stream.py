"""Stream modes as projections of the event sequence into LangGraph's chunk shapes.

A `StreamProjector` is a sink: it sees every event of a root run (subgraphs included)
and hands finished chunks to an outlet. It keeps only what a projection needs: each
namespace's state (rebuilt from `step_end` changes) and a little per-task metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from engine.clock import iso_from_unix_ns
from engine.constants import END, INTERRUPT
from engine.events import Event
from engine.pregel.checkpointing import interrupt_dict
from engine.pregel.messages_out import MessageTracker
from engine.pregel.typed_values import schemas_of, typed, typed_or_dict
from engine.schema import ROOT, ROOT_KEYS


class StreamProjector:
    """Turns events into `stream()` items for the requested modes."""

    def __init__(
        self,
        modes: Sequence[str],
        *,
        multi: bool,
        subgraphs: bool,
        version: str,
        output_keys: str | Sequence[str] | None,
        outlet: Callable[[Any], None],
        wall_start_ns: int,
        protocol_messages: bool = False,
    ) -> None:
        self.modes = frozenset(modes)
        self.multi = multi
        self.subgraphs = subgraphs
        self.v2 = version == "v2"
        self.output_keys = output_keys
        self.outlet = outlet
        self.wall_start_ns = wall_start_ns
        self.state: dict[tuple[str, ...], dict[str, Any]] = {}
        self.keys: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.types: dict[tuple[str, ...], tuple[Any, Any]] = {}
        """v2 only: each namespace's (output, state) schemas that values are typed by."""
        self.messages: MessageTracker | None = None
        if "messages" in self.modes:
            self.messages = MessageTracker(self)
            if protocol_messages:  # stream_events(version="v3"): content-block events
                from engine.stream.message_events import ProtocolMessageTracker

                self.messages = ProtocolMessageTracker(self)
        self.held: dict[tuple[str, ...], list[tuple[str, Any]]] = {}
        """Interrupted tasks' results (tasks / debug items) per namespace, until the
        interrupt event has been streamed."""
        self._handlers: dict[str, Callable[[Event], None]] = {
            "run_start": self._run_start,
            "step_start": self._step_start,
            "step_end": self._step_end,
            "task_start": self._task_start,
            "task_end": self._task_end,
            "custom": self._custom,
            "checkpoint": self._checkpoint,
            "interrupt": self._interrupt,
            "token": self._token,
            "run_end": self._run_end,
        }
        if protocol_messages and self.messages is not None:
            self._handlers["llm_end"] = self.messages.llm_end  # type: ignore[attr-defined]

    def __call__(self, event: Event) -> None:
        handler = self._handlers.get(event.kind)
        if handler is not None:
            handler(event)

    # -- output --------------------------------------------------------------------------
    def visible(self, ns: tuple[str, ...]) -> bool:
        return self.subgraphs or not ns

    def put(self, ns: tuple[str, ...], mode: str, chunk: Any, interrupts: Any = ()) -> None:
        if self.v2:
            if mode == "values" and self.output_keys is None:
                chunk = typed(self.types.get(ns, (None, None))[0], chunk)
            item: Any = {"type": mode, "ns": ns, "data": chunk}
            if mode == "values":
                item["interrupts"] = interrupts
        elif self.subgraphs:
            item = (ns, mode, chunk) if self.multi else (ns, chunk)
        else:
            item = (mode, chunk) if self.multi else chunk
        self.outlet(item)

    def put_tools(self, ns: tuple[str, ...], payload: dict[str, Any]) -> None:
        """A `tools`-mode chunk (see `engine.pregel.tool_stream`)."""
        if self.visible(ns):
            self.put(ns, "tools", payload)

    def timestamp(self, event: Event) -> str:
        return iso_from_unix_ns(self.wall_start_ns + event.t)

    def debug(self, event: Event, kind: str, payload: Any, step: int | None = None) -> None:
        self.put(event.ns, "debug", self._debug_record(event, kind, payload, step))

    def _debug_record(self, event: Event, kind: str, payload: Any,
                      step: int | None = None) -> dict[str, Any]:
        return {
            "step": event.step if step is None else step,
            "timestamp": self.timestamp(event),
            "type": kind,
            "payload": payload,
        }

    # -- projections ---------------------------------------------------------------------
    def _values_chunk(self, ns: tuple[str, ...]) -> Any:
        state = self.state[ns]
        if END in self.keys[ns]:  # an entrypoint (no StateGraph key is __end__)
            return state.get(END)
        keys = self.output_keys
        if isinstance(keys, str):
            return state.get(keys)
        order = keys if keys is not None else self.keys[ns]
        if order == ROOT_KEYS:  # a single-value state is shown as the value
            return state.get(ROOT)
        return {k: state[k] for k in order if k in state}

    def _wants_values(self, changes: dict[str, Any]) -> bool:
        keys = self.output_keys
        if keys is None:
            return bool(changes)
        if isinstance(keys, str):
            return keys in changes
        return any(k in changes for k in keys)

    def _run_start(self, event: Event) -> None:
        data = event.data
        if self.messages is not None:
            self.messages.run_started(event)
        self.state[event.ns] = dict(data["state"])
        self.keys[event.ns] = tuple(data.get("stream_keys") or data["state_keys"])
        if self.v2:
            self.types[event.ns] = schemas_of(data["graph"])
        if data["resumed"] and "values" in self.modes and self.visible(event.ns):
            self.put(event.ns, "values", self._values_chunk(event.ns))

    def _step_start(self, event: Event) -> None:
        cached = event.data.get("cached")
        if cached and "updates" in self.modes and self.visible(event.ns):
            for task in cached:  # as LangGraph replays them on resume
                self.put(event.ns, "updates", {task["name"]: self._update_value(task["result"]),
                                               "__metadata__": {"cached": True}})

    def _step_end(self, event: Event) -> None:
        changes = event.data["changes"]
        self.state[event.ns].update(changes)
        if "values" in self.modes and self.visible(event.ns) and self._wants_values(changes):
            self.put(event.ns, "values", self._values_chunk(event.ns))

    def _task_start(self, event: Event) -> None:
        if self.messages is not None:
            self.messages.task_started(event)
        if not self.visible(event.ns):
            return
        data = event.data
        if "handles" in data:  # LangGraph announces an error handler's result alone
            return
        if "tasks" in self.modes or "debug" in self.modes:
            payload = {"id": data["task_id"], "name": data["name"], "input": data["input"],
                       "triggers": data["triggers"]}
            if "tasks" in self.modes:
                self.put(event.ns, "tasks", payload)
            if "debug" in self.modes:
                self.debug(event, "task", payload)

    def _task_end(self, event: Event) -> None:
        data = event.data
        if data["hidden"]:
            return
        if self.messages is not None:
            self.messages.task_ended(event)
        if not self.visible(event.ns):
            return
        ok = data["error"] is None and not data["interrupts"] and "paused" not in data
        if data["interrupts"] and "call" not in data:
            # A functional-API call's interrupt stops its caller, which reports it.
            self._interrupted(event.ns, tuple(data["interrupts"]))
        if (ok or data["returned"]) and "updates" in self.modes:
            if "update" in data:  # a list of updates, a single-value state's update
                value = data["update"]
            else:
                result = data["result"]
                if "call" not in data:  # a functional-API call's result is its return value
                    result = self._shown(event.ns, result)
                value = self._update_value(result)
            chunk = {data["name"]: value}
            if "cached" in data:
                chunk["__metadata__"] = {"cached": True}
            self.put(event.ns, "updates", chunk)
        if "tasks" in self.modes or "debug" in self.modes:
            payload = {
                "id": data["task_id"],
                "name": data["name"],
                "error": data["error"],
                "result": self._result_dict(data) if ok else {},
                "interrupts": [interrupt_dict(i) for i in data["interrupts"]],
            }
            results: list[tuple[str, Any]] = []
            if "tasks" in self.modes:
                results.append(("tasks", payload))
            if "debug" in self.modes:
                results.append(("debug", self._debug_record(event, "task_result", payload)))
            if data["interrupts"]:
                # LangGraph reports an interrupted task's result after the interrupt's
                # updates and values: held until the namespace's interrupt event.
                self.held.setdefault(event.ns, []).extend(results)
            else:
                for mode, chunk in results:
                    self.put(event.ns, mode, chunk)

    def _release(self, event: Event) -> None:
        for mode, chunk in self.held.pop(event.ns, ()):
            self.put(event.ns, mode, chunk)

    def _shown(self, ns: tuple[str, ...], result: Any) -> Any:
        """A task's writes as `updates` shows them: only the keys the graph shows."""
        shown = self.keys.get(ns)
        if shown is not None and END in shown:  # an entrypoint's update: its return value
            return result
        if result and shown is not None and not shown_all(result, shown):
            result = {k: v for k, v in result.items() if k in shown} or None
        return result

    def _result_dict(self, data: dict[str, Any]) -> dict[str, Any]:
        """A finished task's result as `tasks` / `debug` modes show it: its writes, or a
        functional-API call's return value under `__return__`."""
        result = data["result"]
        if isinstance(result, dict):
            return dict(result)
        return {} if result is None else {"__return__": result}

    def _interrupted(self, ns: tuple[str, ...], interrupts: tuple[Any, ...]) -> None:
        """A task's interrupts, as LangGraph streams them when that task stops."""
        if "updates" in self.modes:
            self.put(ns, "updates", {INTERRUPT: interrupts})
        if "values" in self.modes:
            chunk = self._values_chunk(ns)
            if self.v2:
                self.put(ns, "values", chunk, interrupts)
            elif isinstance(chunk, dict):
                self.put(ns, "values", {**chunk, INTERRUPT: interrupts})
            else:
                self.put(ns, "values", {INTERRUPT: interrupts})

    def _update_value(self, result: dict[str, Any] | None) -> Any:
        keys = self.output_keys
        if keys is None or result is None:
            return result
        if isinstance(keys, str):
            return result.get(keys)
        filtered = {k: v for k, v in result.items() if k in keys}
        return filtered or None

    def _custom(self, event: Event) -> None:
        if "custom" in self.modes and self.visible(event.ns):
            self.put(event.ns, "custom", event.data["payload"])

    def _checkpoint(self, event: Event) -> None:
        if not self.visible(event.ns):
            return
        data = event.data
        state_schema = self.types.get(event.ns, (None, None))[1]
        if state_schema is not None:  # v2: a new dict (an event's data is never changed)
            data = {**data, "values": typed_or_dict(state_schema, data["values"])}
        if "checkpoints" in self.modes:
            self.put(event.ns, "checkpoints", data)
        if "debug" in self.modes:
            self.debug(event, "checkpoint", data, step=data["metadata"]["step"])

    def _interrupt(self, event: Event) -> None:
        if not self.visible(event.ns):
            return
        data = event.data
        interrupts = tuple(data["interrupts"])
        if data["static"] and event.ns:
            return  # a subgraph's breakpoint shows as its parent's pause only
        # Interrupt values were shown task by task (`_interrupted`); a pause without
        # any (a breakpoint) shows here.
        if "updates" in self.modes and not interrupts:
            self.put(event.ns, "updates", {INTERRUPT: interrupts})
        if self.held:  # the interrupted tasks' results come after their interrupts
            self._release(event)
        changes = data.get("changes")
        if changes:  # the writes of the tasks that finished before the pause
            self.state[event.ns].update(changes)
            if "values" in self.modes and self._wants_values(changes):
                self.put(event.ns, "values", self._values_chunk(event.ns))

    def _run_end(self, event: Event) -> None:
        if self.held:  # no interrupt event came (the run failed): report them now
            self._release(event)

    def _token(self, event: Event) -> None:
        if self.messages is not None:
            self.messages.token(event)


def shown_all(result: dict[str, Any], keys: tuple[str, ...]) -> bool:
    """Whether every key a task wrote is one its graph's stream shows."""
    return all(k in keys for k in result)
