"""HTTP plumbing for the OpenAI-compatible client: connections, retry delays, threads.

Nothing here knows the chat-completions format; `openai.py` turns failures (described
here in words) into `ChatModelError`s. `Call` is one request that another thread may
cancel, `in_thread` bridges a blocking producer to asyncio without blocking the event loop.
"""

from __future__ import annotations

import asyncio
import http.client
import socket
import ssl
import threading
import time
from collections.abc import AsyncGenerator, Callable
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import SplitResult

MAX_RETRY_AFTER = 60.0
"""Longest `Retry-After` honoured, in seconds; a longer one is cut to this."""

Emit = Callable[[Any], None]


class Cancelled(Exception):
    """The async caller went away; the worker thread stops quietly."""


class Call:
    """One in-flight request, cancellable from another thread (by shutting its socket)."""

    def __init__(self) -> None:
        self.cancelled = threading.Event()
        self._lock = threading.Lock()
        self._conn: http.client.HTTPConnection | None = None
        self._sock: socket.socket | None = None

    def attach(self, conn: http.client.HTTPConnection) -> None:
        """Remember the (connected) connection in use, so `cancel` can interrupt it."""
        with self._lock:
            self._conn, self._sock = conn, conn.sock
        if self.cancelled.is_set():
            conn.close()
            raise Cancelled

    def wait(self, seconds: float) -> None:
        """Sleep before a retry; raises `Cancelled` at once if the call is cancelled."""
        if self.cancelled.wait(seconds):
            raise Cancelled

    def close(self) -> None:
        """Release the connection (the response may hold the socket open otherwise)."""
        with self._lock:
            conn, self._conn, self._sock = self._conn, None, None
        if conn is not None:
            conn.close()

    def cancel(self) -> None:
        """Stop the call from another thread: a blocked read returns at once."""
        self.cancelled.set()
        with self._lock:
            sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def connection(parts: SplitResult, timeout: float) -> http.client.HTTPConnection:
    """An unconnected HTTP(S) connection to `parts`' host; `timeout` bounds every read."""
    host = parts.hostname or ""
    if parts.scheme == "https":
        return http.client.HTTPSConnection(host, parts.port, timeout=timeout,
                                           context=ssl.create_default_context())
    return http.client.HTTPConnection(host, parts.port, timeout=timeout)


def retry_delay(response: http.client.HTTPResponse, attempt: int, backoff: float) -> float:
    """Seconds to wait before retry `attempt` (1-based).

    `retry-after-ms`, else `Retry-After` (seconds or an HTTP date, capped at
    MAX_RETRY_AFTER), else exponential backoff: `backoff`, 2×, 4×, ...
    """
    value, scale = response.getheader("retry-after-ms"), 1000.0
    if value is None:
        value, scale = response.getheader("Retry-After"), 1.0
    if value:
        try:
            seconds = float(value) / scale
        except ValueError:
            try:
                seconds = parsedate_to_datetime(value).timestamp() - time.time()
            except (TypeError, ValueError):
                seconds = -1.0
        if seconds >= 0:
            return min(seconds, MAX_RETRY_AFTER)
    return float(backoff * 2 ** (attempt - 1))


def status_reason(response: http.client.HTTPResponse) -> str:
    """The response's reason phrase, or the standard one for its status."""
    if response.reason:
        return response.reason
    try:
        return HTTPStatus(response.status).phrase
    except ValueError:
        return "error"


def transport_failure(exc: OSError | http.client.HTTPException, when: str,
                      timeout: float) -> str:
    """What went wrong on the network, in a few words (`when`: the phase it happened in)."""
    if isinstance(exc, TimeoutError):
        return f"timed out after {timeout:g} s {when}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running at that address?)"
    if isinstance(exc, http.client.IncompleteRead | ConnectionError) and when == "mid-stream":
        return f"connection lost mid-stream ({type(exc).__name__})"
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve host: {exc.strerror or exc}"
    return f"{type(exc).__name__} {when}: {exc}"


async def in_thread(produce: Callable[[Call, Emit], None]) -> AsyncGenerator[Any, None]:
    """Run blocking `produce(call, emit)` in a thread; yield what it emits, raise what it raises.

    Closing this generator (the caller broke off or was cancelled) cancels the call, which
    shuts its socket so the thread stops promptly instead of reading to the end.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    call = Call()

    def put(kind: str, value: Any) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, (kind, value))
        except RuntimeError:  # the loop has closed: nobody is listening any more
            pass

    def work() -> None:
        try:
            produce(call, lambda item: put("item", item))
        except BaseException as exc:
            put("error", exc)
        else:
            put("end", None)

    threading.Thread(target=work, name="stepscope-openai", daemon=True).start()
    try:
        while True:
            kind, value = await queue.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        call.cancel()
