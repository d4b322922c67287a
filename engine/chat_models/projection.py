"""Replayable projections of one chat-model stream (`.text`, `.reasoning`, ...).

Each projection keeps every delta; every cursor starts at the first one. When a cursor
catches up and the stream is not done it asks the producer for more (`_request_more` /
`_arequest_more`, wired by the graph run that feeds the stream), so reading a message's
text drives the graph.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any


class Projection:
    """Deltas plus a final value; the producer calls `push`, `complete` or `fail`."""

    def __init__(self) -> None:
        self._deltas: list[Any] = []
        self._final_value: Any = None
        self._final_set = False
        self._done = False
        self._error: BaseException | None = None
        self._request_more: Callable[[], bool] | None = None
        self._arequest_more: Callable[[], Awaitable[bool]] | None = None
        self._event: asyncio.Event | None = None

    @property
    def done(self) -> bool:
        return self._done

    @property
    def error(self) -> BaseException | None:
        return self._error

    def set_request_more(self, cb: Callable[[], bool] | None) -> None:
        self._request_more = cb

    def set_arequest_more(self, cb: Callable[[], Awaitable[bool]] | None) -> None:
        self._arequest_more = cb

    def _wake(self) -> None:
        if self._event is not None:
            self._event.set()

    def push(self, delta: Any) -> None:
        self._deltas.append(delta)
        self._wake()

    def complete(self, final_value: Any) -> None:
        self._final_value = final_value
        self._final_set = True
        self._done = True
        self._wake()

    def fail(self, error: BaseException) -> None:
        self._error = error
        self._done = True
        self._wake()

    # -- sync ----------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Any]:
        cursor = 0
        while True:
            if cursor < len(self._deltas):
                yield self._deltas[cursor]
                cursor += 1
            elif self._error is not None:
                raise self._error
            elif self._done or self._request_more is None:
                return
            else:
                while cursor >= len(self._deltas) and not self._done:
                    if not self._request_more():
                        break
                if cursor >= len(self._deltas) and not self._done:
                    if self._error is not None:
                        raise self._error
                    return

    def get(self) -> Any:
        """The final value, driving the producer until there is one."""
        while not self._done and self._request_more is not None:
            if not self._request_more():
                break
        if self._error is not None:
            raise self._error
        return self._final_value

    # -- async ---------------------------------------------------------------------------
    async def _wait(self) -> bool:
        """Wait for news: drive the pump if wired, else wait for a push. False when the
        pump is exhausted."""
        if self._arequest_more is not None:
            return await self._arequest_more()
        if self._event is None:
            self._event = asyncio.Event()
        self._event.clear()
        await self._event.wait()
        return True

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._acursor()

    async def _acursor(self) -> AsyncIterator[Any]:
        cursor = 0
        while True:
            if cursor < len(self._deltas):
                yield self._deltas[cursor]
                cursor += 1
            elif self._error is not None:
                raise self._error
            elif self._done:
                return
            elif not await self._wait() and cursor >= len(self._deltas) and not self._done:
                if self._error is not None:
                    raise self._error
                return

    def __await__(self) -> Generator[Any, None, Any]:
        return self._final().__await__()

    async def _final(self) -> Any:
        while not self._final_set:
            if self._error is not None:
                raise self._error
            if not await self._wait() and not self._final_set:
                break
        if self._error is not None:
            raise self._error
        return self._final_value


class TextProjection(Projection):
    """String deltas: `str(p)` and `p.get()` are the whole text."""

    def get(self) -> str:
        value = super().get()
        return "" if value is None else str(value)

    async def _final(self) -> str:
        value = await super()._final()
        return "" if value is None else str(value)

    def __str__(self) -> str:
        return self.get()

    def __bool__(self) -> bool:
        return bool(self._deltas)

    def __repr__(self) -> str:
        return repr(self._final_value if self._final_set else "".join(self._deltas))
