"""The v3 streaming protocol's envelope and its extension point.

A `ProtocolEvent` wraps one `stream(version="v2")` part — `{"type", "ns", "data"}` — as
`{"type": "event", "method", "params": {"namespace", "timestamp", "data"}}`; the root mux
adds a monotonic `seq`. A `StreamTransformer` watches those events and publishes typed
projections (usually `StreamChannel`s) that become `run.<name>` / `run.extensions`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Coroutine, Mapping
from typing import Any, ClassVar, Literal, NotRequired

from typing_extensions import TypedDict

_log = logging.getLogger(__name__)

ASYNC_HOOKS = ("aprocess", "afinalize", "afail")


class ProtocolEventParams(TypedDict):
    """`namespace` is the emitting graph's path; `timestamp` is wall-clock milliseconds
    (not monotonic: order by the event's `seq`)."""

    namespace: list[str]
    timestamp: int
    data: Any
    interrupts: NotRequired[tuple[Any, ...]]


class ProtocolEvent(TypedDict):
    """One event of a v3 run: `method` is the stream mode (or a channel's name)."""

    type: Literal["event"]
    event_id: NotRequired[str]
    seq: NotRequired[int]
    method: str
    params: ProtocolEventParams


def now_ms() -> int:
    return int(time.time() * 1000)


def to_protocol_event(part: Mapping[str, Any]) -> ProtocolEvent:
    """Wrap a `stream(version="v2")` part (`type`, `ns`, `data`, maybe `interrupts`)."""
    params: ProtocolEventParams = {
        "namespace": list(part["ns"]),
        "timestamp": now_ms(),
        "data": part["data"],
    }
    if "interrupts" in part:
        params["interrupts"] = part["interrupts"]
    return {"type": "event", "method": part["type"], "params": params}


def make_event(method: str, data: Any, namespace: list[str] | None = None) -> ProtocolEvent:
    return {
        "type": "event",
        "method": method,
        "params": {"namespace": namespace or [], "timestamp": now_ms(), "data": data},
    }


class StreamTransformer(ABC):
    """Observes a run's protocol events and builds projections from them.

    `init()` returns the projection dict (its keys land in `run.extensions`; with
    `_native = True` also as attributes of the run). `process(event)` sees every event in
    registration order and returns False to keep it out of the main event log.
    `finalize` / `fail` run when the run ends; the mux closes or fails every
    `StreamChannel` of the projection itself. Overriding an async hook (`aprocess`,
    `afinalize`, `afail`) or setting `requires_async` restricts the transformer to
    `astream_events`; `supports_sync = True` lifts that. `required_stream_modes` are the
    graph stream modes the run must request for this transformer; `before_builtins`
    registers it ahead of the built-in transformers.
    """

    requires_async: ClassVar[bool] = False
    supports_sync: ClassVar[bool] = False
    required_stream_modes: ClassVar[tuple[str, ...]] = ()
    before_builtins: ClassVar[bool] = False

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        self.scope: tuple[str, ...] = scope

    @abstractmethod
    def init(self) -> dict[str, Any]:
        """The projection dict."""

    def _on_register(self, mux: Any) -> None:  # noqa: B027  (an optional hook)
        """Called once the owning mux has wired this transformer in."""

    def process(self, event: ProtocolEvent) -> bool:
        raise NotImplementedError(
            f"{type(self).__name__} must override process() or aprocess()")

    async def aprocess(self, event: ProtocolEvent) -> bool:
        return self.process(event)

    def finalize(self) -> None:  # noqa: B027  (an optional hook)
        """The run ended normally."""

    async def afinalize(self) -> None:
        self.finalize()

    def fail(self, err: BaseException) -> None:  # noqa: B027  (an optional hook)
        """The run ended with `err`."""

    async def afail(self, err: BaseException) -> None:
        self.fail(err)

    # -- async work tied to the run ------------------------------------------------------
    def schedule(self, coro: Coroutine[Any, Any, Any], *,
                 on_error: Literal["log", "raise"] = "log") -> asyncio.Task[Any]:
        """Run `coro` as a task the mux awaits before finalizing (cancels on failure).

        With `on_error="log"` a failure is logged and the run goes on; with "raise" it
        fails the run when the mux closes.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            coro.close()
            raise RuntimeError(
                f"{type(self).__name__}.schedule() requires a running event loop; this "
                "transformer must run under astream_events(version='v3'), not "
                "stream_events. Set requires_async=True on the class so registration "
                "fails fast instead.") from None
        task = asyncio.create_task(_logged(coro) if on_error == "log" else coro)
        tasks = self._scheduled()
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return task

    def _scheduled(self) -> set[asyncio.Task[Any]]:
        # Lazily made: subclasses need not call super().__init__().
        tasks: set[asyncio.Task[Any]] | None = self.__dict__.get("_stream_scheduled_tasks")
        if tasks is None:
            tasks = self.__dict__["_stream_scheduled_tasks"] = set()
        return tasks


async def _logged(coro: Coroutine[Any, Any, Any]) -> Any:
    try:
        return await coro
    except asyncio.CancelledError:
        raise
    except BaseException:
        _log.exception("a scheduled StreamTransformer task failed")
        return None


def requires_async(transformer: StreamTransformer) -> bool:
    """Whether `transformer` can only run under `astream_events`."""
    if transformer.requires_async:
        return True
    if transformer.supports_sync:
        return False
    cls = type(transformer)
    return any(getattr(cls, name) is not getattr(StreamTransformer, name)
               for name in ASYNC_HOOKS)
