"""`StreamMux`: routes a run's protocol events through its transformers.

The mux owns the main event log (itself a `StreamChannel`), registers transformers in
order (those with `before_builtins` first), merges their projections into `extensions`
and wires named channels so each push also lands in the main log. The root mux stamps
every event it logs with a monotonic `seq`; child muxes (one per subgraph handle, see
`SubgraphTransformer`) share the forwarded event objects and leave them untouched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from engine.stream.protocol import ProtocolEvent, StreamTransformer, make_event, requires_async
from engine.stream.stream_channel import StreamChannel

TransformerFactory = Callable[[tuple[str, ...]], StreamTransformer]


class StreamMux:
    """The dispatcher of one scope's events, projections and main log."""

    def __init__(self, transformers: Sequence[StreamTransformer] | None = None, *,
                 is_async: bool = False,
                 factories: Sequence[TransformerFactory] | None = None,
                 scope: tuple[str, ...] = (), _assign_seq: bool = True) -> None:
        self.is_async = is_async
        self.scope = scope
        self._assign_seq = _assign_seq
        self._events: StreamChannel[ProtocolEvent] = StreamChannel()
        self._events._bind(is_async=is_async)
        self._events._bind_mux(self)
        self._transformers: list[StreamTransformer] = []
        self._channels: list[StreamChannel[Any]] = []
        self._seq = 0
        self._push_seq = 0
        self.extensions: dict[str, Any] = {}
        self.native_keys: set[str] = set()
        self._owners: dict[str, StreamTransformer] = {}
        self._factories = list(factories) if factories is not None else None
        self._pump_fn: Callable[[], bool] | None = None
        self._apump_fn: Callable[[], Awaitable[bool]] | None = None
        # Factories (cloned into child scopes) first, then root-only instances; in each
        # group the before_builtins lane goes first, order kept within a lane.
        built = [factory(scope) for factory in self._factories or ()]
        for group in (built, list(transformers or ())):
            for t in sorted(group, key=lambda t: not getattr(t, "before_builtins", False)):
                self._register(t)

    def transformer_by_key(self, key: str) -> StreamTransformer | None:
        """The transformer whose projection has `key`."""
        return self._owners.get(key)

    def _next_push_seq(self) -> int:
        self._push_seq += 1
        return self._push_seq

    # -- registration --------------------------------------------------------------------
    def _register(self, transformer: StreamTransformer) -> None:
        if requires_async(transformer) and not self.is_async:
            raise RuntimeError(
                f"{type(transformer).__name__} requires an async run — it overrides "
                "aprocess/afinalize/afail or sets requires_async=True. Use "
                "astream_events(version='v3'), not stream_events.")
        projection = transformer.init()
        if not isinstance(projection, dict):
            raise TypeError("StreamTransformer.init() must return a dict, "
                            f"got {type(projection).__name__}")
        conflicts = sorted(set(projection) & set(self.extensions))
        if conflicts:
            owners = ", ".join(f"{k!r} (owned by {type(self._owners[k]).__name__})"
                               for k in conflicts)
            raise ValueError(f"Transformer {type(transformer).__name__} returned projection "
                             f"keys that conflict with already-registered keys: {owners}")
        native = bool(getattr(transformer, "_native", False))
        self._transformers.append(transformer)
        for value in projection.values():
            if isinstance(value, StreamChannel):
                self._adopt(value, native)
        self.extensions.update(projection)
        for key in projection:
            self._owners[key] = transformer
        if native:
            self.native_keys.update(projection)
        transformer._on_register(self)

    def _adopt(self, channel: StreamChannel[Any], native: bool) -> None:
        channel._bind(is_async=self.is_async)
        channel._bind_mux(self)
        self._channels.append(channel)
        if channel.name is not None:
            method = channel.name if native else f"custom:{channel.name}"
            channel._wire(lambda item: self._forward(method, item))

    def _forward(self, method: str, item: Any) -> None:
        # A channel push goes straight to the log: through the transformers again it
        # could loop back into the transformer that pushed it.
        self._log(make_event(method, item))

    def _log(self, event: ProtocolEvent) -> None:
        if self._assign_seq:
            self._seq += 1
            event["seq"] = self._seq
        self._events.push(event)

    # -- pumps ---------------------------------------------------------------------------
    def bind_pump(self, fn: Callable[[], bool]) -> None:
        """Let every cursor of this scope (main log, projections, transformers that make
        their own streams) drive the run by calling `fn`."""
        self._pump_fn = fn
        self._events._request_more = fn
        for ch in self._channels:
            ch._request_more = fn
        for t in self._transformers:
            bind = getattr(t, "_bind_pump", None)
            if bind is not None:
                bind(fn)

    def bind_apump(self, fn: Callable[[], Awaitable[bool]]) -> None:
        self._apump_fn = fn
        self._events._arequest_more = fn
        for ch in self._channels:
            ch._arequest_more = fn
        for t in self._transformers:
            bind = getattr(t, "_bind_apump", None)
            if bind is not None:
                bind(fn)

    def _make_child(self, scope: tuple[str, ...]) -> StreamMux:
        """A mux for a subgraph at `scope`: fresh transformers from the same factories,
        driven by this run's pump."""
        if self._factories is None:
            raise RuntimeError("StreamMux._make_child requires the mux to be constructed "
                               "with `factories=`; pre-built transformers can't be cloned "
                               "to a new scope.")
        child = StreamMux(factories=self._factories, is_async=self.is_async, scope=scope,
                          _assign_seq=False)
        if self._pump_fn is not None:
            child.bind_pump(self._pump_fn)
        if self._apump_fn is not None:
            child.bind_apump(self._apump_fn)
        return child

    # -- sync lane -----------------------------------------------------------------------
    def push(self, event: ProtocolEvent) -> None:
        """Show `event` to every transformer, then log it unless one returned False.

        The seq is stamped only now, so channel pushes made while processing it (logged
        at once) come before it.
        """
        keep = True
        for t in self._transformers:
            if not t.process(event):
                keep = False
        if keep:
            self._log(event)

    def close(self) -> None:
        """Finalize every transformer, then close the channels and the log; the first
        `finalize` error is raised after all of that."""
        first: BaseException | None = None
        for t in self._transformers:
            try:
                t.finalize()
            except BaseException as exc:
                first = first or exc
        self._close_channels()
        if first is not None:
            raise first

    def fail(self, err: BaseException) -> None:
        for t in self._transformers:
            try:
                t.fail(err)
            except BaseException:
                pass
        self._fail_channels(err)

    def _close_channels(self) -> None:
        for ch in self._channels:
            if not ch._closed:
                ch.close()
        self._events.close()

    def _fail_channels(self, err: BaseException) -> None:
        for ch in self._channels:
            if not ch._closed:
                ch.fail(err)
        if not self._events._closed:
            self._events.fail(err)

    # -- async lane ----------------------------------------------------------------------
    async def apush(self, event: ProtocolEvent) -> None:
        """`push` awaiting each transformer's `aprocess` in turn."""
        keep = True
        for t in self._transformers:
            if not await t.aprocess(event):
                keep = False
        if keep:
            self._log(event)

    async def aclose(self) -> None:
        """Join the transformers' scheduled tasks, then finalize as `close` does."""
        pending = self._scheduled()
        if pending:
            results = await asyncio.gather(*pending, return_exceptions=True)
            for r in results:
                if isinstance(r, BaseException) and not isinstance(r, asyncio.CancelledError):
                    raise r
        first: BaseException | None = None
        for t in self._transformers:
            try:
                await t.afinalize()
            except BaseException as exc:
                first = first or exc
        self._close_channels()
        if first is not None:
            raise first

    async def afail(self, err: BaseException) -> None:
        """Cancel the scheduled tasks, then fail as `fail` does."""
        pending = self._scheduled()
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        for t in self._transformers:
            try:
                await t.afail(err)
            except BaseException:
                pass
        self._fail_channels(err)

    def _scheduled(self) -> list[asyncio.Task[Any]]:
        return [task for t in self._transformers
                for task in t.__dict__.get("_stream_scheduled_tasks", ()) if not task.done()]
