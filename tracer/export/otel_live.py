"""`LiveExport`: a sink beside the trace writer that sends a recording's spans over
OTLP/HTTP as the runs go, batched by the SDK's BatchSpanProcessor.

What the run pays is one `SimpleQueue.put` per event (`LiveExport.sink`, a C method):
a worker thread of ours turns events into span records (the same `SpanBuilder` as the
file export, so live and exported-later spans have the same ids), and the processor's
own thread sends them. An endpoint that cannot be reached costs one warning (the run
goes on; spans that could not be sent are dropped); closing waits a bounded time.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.events import Event
from tracer.export.otel import (
    BatchSpanProcessor,
    OTLPSpanExporter,
    ReadableSpan,
    SpanExporter,
    SpanExportResult,
    failure_reason,
    quiet_exporter,
    readable,
    resource_for,
)
from tracer.export.otel_spans import SpanBuilder
from tracer.records import compact, expand
from tracer.tracefile import warn

_STOP = object()
_RESHAPED = frozenset({"run_start", "llm_start", "token", "llm_end", "run_end"})
"""Kinds whose engine data differs from what a reader gives back: passed through the
writer's record form (`compact` then `expand`) so the builder sees one shape."""


class _Reporting(SpanExporter):
    """The OTLP exporter, quiet, reporting its first failure once (and a recovery)."""

    def __init__(self, inner: OTLPSpanExporter, endpoint: str) -> None:
        self.inner = inner
        self.endpoint = endpoint
        self.sent = 0
        self.failed: str | None = None
        self.closing = False
        self._warned = False
        self._shut = threading.Lock()
        self._down = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self.closing and self.failed is not None:
            return SpanExportResult.FAILURE  # no retries against a dead endpoint at exit
        with quiet_exporter(self._retrying) as said:
            result = self.inner.export(spans)
        if result is SpanExportResult.SUCCESS:
            self.sent += len(spans)
            self.failed = None
            return result
        self.failed = failure_reason(said)
        self.warn_once(f"stepscope: live OTLP export to {self.endpoint} failed ({self.failed}); "
                       "the run goes on, spans that cannot be sent are dropped")
        return result

    def warn_once(self, text: str) -> None:
        with self._shut:
            if self._warned:
                return
            self._warned = True
        warn(text)

    def _retrying(self, text: str) -> None:
        """While closing, a transient error ends the retries at once (the run is over:
        its exit must not wait out the exporter's backoff)."""
        if self.closing and text.startswith("Transient error"):
            self.shutdown()

    def shutdown(self) -> None:
        with self._shut:
            if self._down:
                return
            self._down = True
        with quiet_exporter():
            self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class LiveExport:
    """Attach `sink` to the runs (beside the trace writer); `close()` when they are done."""

    def __init__(self, path: str, endpoint: str, *, content: bool = False, first_run: int = 0,
                 close_timeout: float = 5.0) -> None:
        path = str(Path(path).resolve())
        self.path = path
        self.endpoint = endpoint
        self.close_timeout = close_timeout
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.sink = self._queue.put
        """The sink: a C method, so an event costs the run one call and no Python frame."""
        self.exporter = _Reporting(OTLPSpanExporter(endpoint=endpoint), endpoint)
        self._processor = BatchSpanProcessor(self.exporter)
        self._resource = resource_for(path)
        self._builder = SpanBuilder(path, content=content, fallback_wall_ns=time.time_ns(),
                                    first_run=first_run)
        self._calls: dict[str, int] = {}
        self.errors = 0
        self._closed = False
        self._worker = threading.Thread(target=self._work, name="stepscope-otlp", daemon=True)
        self._worker.start()

    @property
    def sent(self) -> int:
        """Spans the endpoint accepted so far."""
        return self.exporter.sent

    def _work(self) -> None:
        with quiet_exporter():  # "queue full" and the like: the exporter reports once
            while True:
                event = self._queue.get()
                if event is _STOP:
                    return
                try:
                    self._take(event)
                except Exception:  # never let one odd event end live export
                    self.errors += 1

    def _take(self, event: Event) -> None:
        if event.kind in _RESHAPED:
            data = expand(event.kind, compact(event.kind, event.data, self._calls))
            event = event._replace(data=data)
        for record in self._builder.add(event):
            self._processor.on_end(readable(record, self._resource))
        if event.kind == "run_end" and not event.ns and self._builder.idle:
            # Every run has ended: start afresh, so a long-lived process keeps no history.
            builder = self._builder
            self._builder = SpanBuilder(builder.source, content=builder.content,
                                        fallback_wall_ns=time.time_ns(),
                                        first_run=builder.runs_seen, book=builder.book)
            self._calls.clear()

    def close(self) -> None:
        """Send what is left (spans of runs that never ended close at their last event),
        waiting at most `close_timeout` seconds; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._worker.join(self.close_timeout)
        with quiet_exporter():
            for record in self._builder.finish():
                self._processor.on_end(readable(record, self._resource))
        self.exporter.closing = True
        flusher = threading.Thread(target=self._shutdown, name="stepscope-otlp-close",
                                   daemon=True)
        flusher.start()
        flusher.join(self.close_timeout)
        if flusher.is_alive():
            self.exporter.shutdown()  # ends a retry's wait; a request in flight runs out
            flusher.join(1.0)
            self.exporter.warn_once(
                f"stepscope: live OTLP export to {self.endpoint}: no answer within "
                f"{self.close_timeout:g} s; the spans not yet sent are dropped")

    def _shutdown(self) -> None:
        with quiet_exporter():
            self._processor.shutdown()
