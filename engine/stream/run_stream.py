"""The run handles that `stream_events(version="v3")` returns.

No thread or background task runs the graph: whichever cursor the caller advances
(the raw events, `run.values`, `run.messages`, a subgraph handle's projections, or
`run.output`) pulls the next graph part, wraps it as a protocol event and pushes it
through the mux — the pump. `output`, `interrupted` and `interrupts` come from the
run's own-scope values events, whichever transformers are registered.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from types import MappingProxyType, TracebackType
from typing import Any, Literal, NoReturn

from engine.stream.interleave import interleave
from engine.stream.mux import StreamMux
from engine.stream.protocol import ProtocolEvent, to_protocol_event

SubgraphStatus = Literal["started", "completed", "failed", "interrupted", "drained"]


def _missing(run: object, name: str) -> NoReturn:
    mux = run.__dict__.get("_mux")  # not via getattr: it may not be set yet
    registered = ", ".join(sorted(mux.native_keys)) if mux is not None else ""
    raise AttributeError(f"{type(run).__name__!r} object has no attribute {name!r} "
                         f"(registered projections: {registered or 'none'})")


class _RunState:
    """What both lanes share: the mux, the projections as attributes, and the
    output/interrupts bookkeeping."""

    def __getattr__(self, name: str) -> Any:
        # Python lands here too when a property (`output`, ...) raised AttributeError,
        # as it does when a node failed with one: surface the run's error instead.
        if isinstance(getattr(type(self), name, None), property):
            mux = self.__dict__.get("_mux")
            if mux is not None and mux._events._error is not None:
                raise mux._events._error
        _missing(self, name)

    def _setup(self, mux: StreamMux) -> None:
        self._mux = mux
        self.extensions: Mapping[str, Any] = MappingProxyType(mux.extensions)
        self._exhausted = False
        self._latest: Any = None
        self._interrupted = False
        self._interrupts: list[Any] = []
        self._scope_list = list(mux.scope)
        for key in mux.native_keys:
            setattr(self, key, mux.extensions[key])

    def _observe_event(self, event: ProtocolEvent) -> None:
        if event["method"] != "values":
            return
        params = event["params"]
        if params["namespace"] != self._scope_list:
            return
        self._latest = params["data"]
        interrupts = params.get("interrupts", ())
        if interrupts:
            self._interrupted = True
            self._interrupts.extend(interrupts)

    def _raise_error(self) -> None:
        err = self._mux._events._error
        if err is not None:
            raise err


class GraphRunStream(_RunState):
    """A synchronous v3 run: iterate it for raw protocol events, or read projections."""

    def __init__(self, graph_iter: Iterator[Any] | None, mux: StreamMux, *,
                 wire_pump: bool = True) -> None:
        self._graph_iter = graph_iter
        self._setup(mux)
        if wire_pump:
            mux.bind_pump(self._pump_next)

    def _pump_next(self) -> bool:
        """Pull one graph part through the mux; False once the run is over."""
        if self._exhausted or self._graph_iter is None:
            return False
        try:
            event = to_protocol_event(next(self._graph_iter))
            self._observe_event(event)
            self._mux.push(event)
        except StopIteration:
            self._exhausted = True
            self._mux.close()
            return False
        except Exception as exc:
            self._exhausted = True
            self._mux.fail(exc)
            return False
        return True

    def _drive(self) -> None:
        while self._pump_next():
            pass
        self._raise_error()

    def abort(self) -> None:
        """Stop the run now: close the graph's iterator (cancelling running nodes and
        subgraphs) and close the projections. Idempotent."""
        if self._exhausted:
            return
        self._exhausted = True
        graph_iter, self._graph_iter = self._graph_iter, None
        close = getattr(graph_iter, "close", None)
        if close is not None:
            try:
                close()
            except Exception:
                pass
        try:
            self._mux.close()
        except Exception:
            pass

    def __enter__(self) -> GraphRunStream:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.abort()

    @property
    def output(self) -> Any:
        """Run to the end; the last state of this run's own scope."""
        self._drive()
        return self._latest

    @property
    def interrupted(self) -> bool:
        self._drive()
        return self._interrupted

    @property
    def interrupts(self) -> list[Any]:
        self._drive()
        return self._interrupts

    def __iter__(self) -> Iterator[ProtocolEvent]:
        return iter(self._mux._events)

    def interleave(self, *names: str) -> Iterator[tuple[str, Any]]:
        """`(name, item)` from several projections, in the order they were pushed."""
        return interleave(self.extensions, names, self._mux._pump_fn)


class AsyncGraphRunStream(_RunState):
    """The async v3 run (`await graph.astream_events(..., version="v3")`).

    Concurrent cursors share one pump: one task at a time advances the graph, the others
    wait for its step and then look at their buffers again. `output()`, `interrupted()`
    and `interrupts()` are coroutines.
    """

    def __init__(self, graph_aiter: AsyncIterator[Any] | None, mux: StreamMux, *,
                 wire_pump: bool = True) -> None:
        self._graph_aiter = graph_aiter
        self._setup(mux)
        self._pump_cond = asyncio.Condition()
        self._pumping = False
        self._anext_task: asyncio.Future[Any] | None = None
        self._aborting = False
        if wire_pump:
            mux.bind_apump(self._apump_next)

    async def _apump_next(self) -> bool:
        async with self._pump_cond:
            if self._exhausted or self._graph_aiter is None:
                return False
            if self._pumping:
                await self._pump_cond.wait()
                return not self._exhausted
            self._pumping = True
        try:
            return await self._pull(self._graph_aiter)
        finally:
            async with self._pump_cond:
                self._pumping = False
                self._pump_cond.notify_all()

    async def _pull(self, graph_aiter: AsyncIterator[Any]) -> bool:
        try:
            # A child task, so that abort() can cancel a pull in flight: the
            # cancellation reaches the running nodes and subgraphs.
            self._anext_task = asyncio.ensure_future(graph_aiter.__anext__())
            try:
                part = await self._anext_task
            except asyncio.CancelledError:
                if self._aborting:
                    self._exhausted = True
                    return False
                self._anext_task.cancel()
                raise
            finally:
                self._anext_task = None
        except StopAsyncIteration:
            self._exhausted = True
            await self._mux.aclose()
            return False
        except Exception as exc:
            self._exhausted = True
            await self._mux.afail(exc)
            return False
        event = to_protocol_event(part)
        self._observe_event(event)
        try:
            await self._mux.apush(event)
        except Exception as exc:
            self._exhausted = True
            await self._mux.afail(exc)
            return False
        return True

    async def _drive(self) -> None:
        while await self._apump_next():
            pass
        self._raise_error()

    async def abort(self) -> None:
        """Stop the run now (cancelling a pull in flight). Idempotent."""
        async with self._pump_cond:
            if self._exhausted:
                return
            self._exhausted = True
            self._aborting = True
            graph_aiter, self._graph_aiter = self._graph_aiter, None
            pending = self._anext_task
            self._pump_cond.notify_all()
        if pending is not None and not pending.done():
            pending.cancel()
            try:
                await pending
            except (asyncio.CancelledError, Exception):
                pass
        aclose = getattr(graph_aiter, "aclose", None)
        if aclose is not None:
            try:
                await aclose()
            except Exception:
                pass
        try:
            await self._mux.aclose()
        except Exception:
            pass

    async def __aenter__(self) -> AsyncGraphRunStream:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.abort()

    async def output(self) -> Any:
        await self._drive()
        return self._latest

    async def interrupted(self) -> bool:
        await self._drive()
        return self._interrupted

    async def interrupts(self) -> list[Any]:
        await self._drive()
        return self._interrupts

    def __aiter__(self) -> AsyncIterator[ProtocolEvent]:
        return self._mux._events.__aiter__()


class SubgraphRunStream(GraphRunStream):
    """A subgraph's handle (from `run.subgraphs`): its projections fill as the parent
    run's pump forwards the subgraph's events; reading them drives the parent."""

    def __init__(self, mux: StreamMux, *, path: tuple[str, ...],
                 graph_name: str | None = None, trigger_call_id: str | None = None) -> None:
        self._parent_pump_fn: Callable[[], bool] | None = mux._pump_fn
        super().__init__(None, mux, wire_pump=False)
        self.path = path
        self.graph_name = graph_name
        self.trigger_call_id = trigger_call_id
        self.status: SubgraphStatus = "started"
        self.error: str | None = None
        self._seen_terminal = False

    def _pump_next(self) -> bool:
        if (self._exhausted or self._seen_terminal or self._mux._events._closed
                or self._parent_pump_fn is None):
            return False
        return self._parent_pump_fn()


class AsyncSubgraphRunStream(AsyncGraphRunStream):
    """The async subgraph handle."""

    def __init__(self, mux: StreamMux, *, path: tuple[str, ...],
                 graph_name: str | None = None, trigger_call_id: str | None = None) -> None:
        self._parent_apump_fn: Callable[[], Awaitable[bool]] | None = mux._apump_fn
        super().__init__(None, mux, wire_pump=False)
        self.path = path
        self.graph_name = graph_name
        self.trigger_call_id = trigger_call_id
        self.status: SubgraphStatus = "started"
        self.error: str | None = None
        self._seen_terminal = False

    async def _apump_next(self) -> bool:
        if (self._exhausted or self._seen_terminal or self._mux._events._closed
                or self._parent_apump_fn is None):
            return False
        return await self._parent_apump_fn()
