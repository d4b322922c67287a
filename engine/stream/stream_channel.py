"""`StreamChannel`: a single-consumer queue that a run's caller drains as it reads.

The consumer drives the run: when its cursor finds the queue empty it asks the run for
one more event (`_request_more` / `_arequest_more`, set by the run stream), so nothing
is buffered beyond what the caller has not read yet. Items pushed before anyone
subscribed are dropped — a projection nobody reads costs nothing. A named channel is
also forwarded by its mux into the main event log, as `<name>` for a native
transformer and `custom:<name>` otherwise.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from engine.stream.mux import StreamMux

T = TypeVar("T")


class StreamChannel(Generic[T]):
    """A drainable, single-subscriber stream of items (`tee(n)` / `atee(n)` fan out)."""

    def __init__(self, name: str | None = None, *, maxlen: int | None = None) -> None:
        if maxlen is not None and maxlen <= 0:
            raise ValueError("StreamChannel maxlen must be a positive int or None")
        self.name = name
        self._maxlen = maxlen  # accepted for compatibility: the caller's pace bounds memory
        self._items: deque[tuple[int, T]] = deque()
        """(push stamp, item): the stamp orders items across channels (`interleave`)."""
        self._closed = False
        self._error: BaseException | None = None
        self._is_async: bool | None = None
        self._subscribed = False
        self._request_more: Callable[[], bool] | None = None
        self._arequest_more: Callable[[], Awaitable[bool]] | None = None
        self._wire_fn: Callable[[T], None] | None = None
        self._mux: StreamMux | None = None

    # -- wiring (by the mux) -------------------------------------------------------------
    def _bind(self, *, is_async: bool) -> None:
        if self._is_async is not None:
            raise RuntimeError("StreamChannel is already bound")
        self._is_async = is_async

    def _bind_mux(self, mux: StreamMux) -> None:
        self._mux = mux

    def _wire(self, fn: Callable[[T], None]) -> None:
        self._wire_fn = fn

    # -- producing -----------------------------------------------------------------------
    def push(self, item: T) -> None:
        """Queue `item` for the subscriber (dropped if there is none yet) and forward it
        to the main event log when the channel is wired."""
        if self._subscribed:
            if self._closed:
                raise RuntimeError("Cannot push to a closed StreamChannel")
            stamp = self._mux._next_push_seq() if self._mux is not None else 0
            self._items.append((stamp, item))
        if self._wire_fn is not None:
            self._wire_fn(item)

    def close(self) -> None:
        self._closed = True

    def fail(self, err: BaseException) -> None:
        """Close with an error: the subscriber gets the queued items, then `err`."""
        self._error = err
        self._closed = True

    # -- consuming -----------------------------------------------------------------------
    def _subscribe(self, want_async: bool) -> None:
        if self._is_async is None:
            raise TypeError("StreamChannel has not been bound yet. "
                            "Register the transformer with a StreamMux first.")
        if self._is_async and not want_async:
            raise TypeError(
                "This StreamChannel is bound to async mode — use 'async for' instead.")
        if want_async and not self._is_async:
            raise TypeError("This StreamChannel is bound to sync mode — use 'for' instead.")
        if self._subscribed:
            fan = ".atee(n)" if want_async else ".tee(n)"
            raise RuntimeError(f"StreamChannel already has a subscriber; use {fan} for fan-out.")
        self._subscribed = True

    def __iter__(self) -> Iterator[T]:
        self._subscribe(False)
        return self._cursor()

    def _cursor(self) -> Iterator[T]:
        items = self._items
        while True:
            if items:
                yield items.popleft()[1]
            elif self._closed:
                if self._error is not None:
                    raise self._error
                return
            elif self._request_more is None or (not self._request_more()
                                                and not items and not self._closed):
                return

    def __aiter__(self) -> AsyncIterator[T]:
        self._subscribe(True)
        return self._acursor()

    async def _acursor(self) -> AsyncIterator[T]:
        items = self._items
        while True:
            if items:
                yield items.popleft()[1]
            elif self._closed:
                if self._error is not None:
                    raise self._error
                return
            elif self._arequest_more is None or (not await self._arequest_more()
                                                 and not items and not self._closed):
                return

    # -- fan-out -------------------------------------------------------------------------
    def tee(self, n: int = 2) -> tuple[Iterator[T], ...]:
        """Subscribe once; return `n` iterators that each see every item."""
        if n < 1:
            raise ValueError("tee() requires n >= 1")
        source = iter(self)
        buffers: list[deque[T]] = [deque() for _ in range(n)]
        done = [False]

        def branch(buf: deque[T]) -> Iterator[T]:
            while True:
                if buf:
                    yield buf.popleft()
                    continue
                if done[0]:
                    return
                try:
                    item = next(source)
                except StopIteration:
                    done[0] = True
                    return
                for b in buffers:
                    b.append(item)

        return tuple(branch(b) for b in buffers)

    def atee(self, n: int = 2) -> tuple[AsyncIterator[T], ...]:
        """The async `tee`: branches pull from the source one at a time, under a lock."""
        if n < 1:
            raise ValueError("atee() requires n >= 1")
        source = self.__aiter__()
        buffers: list[deque[T]] = [deque() for _ in range(n)]
        done = [False]
        error: list[BaseException | None] = [None]
        lock = asyncio.Lock()

        async def branch(buf: deque[T]) -> AsyncIterator[T]:
            while True:
                if buf:
                    yield buf.popleft()
                    continue
                if done[0]:
                    if error[0] is not None:
                        raise error[0]
                    return
                async with lock:
                    if buf or done[0]:
                        continue
                    try:
                        item = await source.__anext__()
                    except StopAsyncIteration:
                        done[0] = True
                        continue
                    except Exception as exc:
                        error[0] = exc
                        done[0] = True
                        continue
                    for b in buffers:
                        b.append(item)

        return tuple(branch(b) for b in buffers)
