"""`Channel`: the OTLP/HTTP exporter and the SDK's BatchSpanProcessor of one endpoint, as
live export's follower process uses them (`otel_follow`): quiet, one warning for a
failure, and a bounded shutdown that does not wait out retries against a dead endpoint.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence

from tracer.export.otel import (
    BatchSpanProcessor,
    OTLPSpanExporter,
    ReadableSpan,
    SpanExporter,
    SpanExportResult,
    failure_reason,
    quiet_exporter,
)
from tracer.tracefile import warn

SCHEDULE_DELAY_MS = 500
"""How often spans are sent (the SDK's default is 5 s; OTEL_BSP_SCHEDULE_DELAY wins)."""


class _Reporting(SpanExporter):
    """The OTLP exporter, quiet, reporting its first failure once."""

    def __init__(self, inner: OTLPSpanExporter, endpoint: str) -> None:
        self.inner = inner
        self.endpoint = endpoint
        self.sent = 0
        self.failed: str | None = None
        self.retrying = False
        """An export is waiting to try again (the endpoint did not answer, or said 5xx)."""
        self.closing = False
        self._lock = threading.Lock()
        self._warned = False
        self._down = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self.closing and (self.failed is not None or self._down):
            return SpanExportResult.FAILURE  # no retries against a dead endpoint at the end
        with quiet_exporter(self._retrying) as said:
            result = self.inner.export(spans)
        self.retrying = False
        if result is SpanExportResult.SUCCESS:
            self.sent += len(spans)
            self.failed = None
            return result
        self.failed = failure_reason(said)
        self.warn_once(f"stepscope: live OTLP export to {self.endpoint} failed ({self.failed}); "
                       "the run goes on, spans that cannot be sent are dropped")
        return result

    def warn_once(self, text: str) -> None:
        with self._lock:
            if self._warned:
                return
            self._warned = True
        warn(text)

    def _retrying(self, text: str) -> None:
        """Notes a retry; while closing, a transient error ends the retries at once (the
        recording is over: its end must not wait out the exporter's backoff)."""
        if text.startswith("Transient error"):
            self.retrying = True
            if self.closing:
                self.shutdown()

    def shutdown(self) -> None:
        with self._lock:
            if self._down:
                return
            self._down = True
        with quiet_exporter():
            self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class Channel:
    """Spans handed to `processor.on_end` are sent in batches to `endpoint`."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.exporter = _Reporting(OTLPSpanExporter(endpoint=endpoint), endpoint)
        delay = None if os.environ.get("OTEL_BSP_SCHEDULE_DELAY") else SCHEDULE_DELAY_MS
        self.processor = BatchSpanProcessor(self.exporter, schedule_delay_millis=delay)

    def shutdown(self, timeout: float) -> None:
        """Send what is left and stop, waiting at most `timeout` seconds."""
        self.exporter.closing = True
        if self.exporter.failed is not None or self.exporter.retrying:
            self.exporter.shutdown()  # a dead endpoint: what is left is dropped at once
        if not _bounded(self.processor.shutdown, timeout):
            self.exporter.shutdown()  # ends a retry's wait; a request in flight runs out
            self.exporter.warn_once(
                f"stepscope: live OTLP export to {self.endpoint}: no answer within "
                f"{timeout:g} s; the spans not yet sent are dropped")


def _bounded(work: Callable[[], object], timeout: float) -> bool:
    """Run `work()` in a daemon thread (quiet); whether it ended within `timeout` s."""

    def quietly() -> None:
        with quiet_exporter():
            work()

    thread = threading.Thread(target=quietly, name="stepscope-otlp-flush", daemon=True)
    thread.start()
    thread.join(timeout)
    return not thread.is_alive()
