"""A trace as OpenTelemetry spans: over OTLP/HTTP (`send`) or as OTLP JSON (`otlp_json`).

The one module (with `otel_live`, which builds on it) that imports OpenTelemetry: the
`otel` extra (`pip install 'stepscope[otel]'`: opentelemetry-sdk and
opentelemetry-exporter-otlp-proto-http). Importing it without them raises
`OtelUnavailable`, whose message says how to install them. The spans themselves are
made by `tracer.export.otel_spans` (GenAI semantic conventions v1.41.0).
"""

from __future__ import annotations

import base64
import logging
import os
import re
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine.version import VERSION
from tracer.export.otel_model import INSTALL_HINT, SCHEMA_URL, SpanRecord, view_hint
from tracer.export.otel_spans import SpanBuilder


class OtelUnavailable(ImportError):
    """OpenTelemetry's packages are not installed (the `otel` extra)."""


try:
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import Event, ReadableSpan
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        SpanExporter,
        SpanExportResult,
    )
    from opentelemetry.sdk.util.instrumentation import InstrumentationScope
    from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags
except ImportError as exc:  # pragma: no cover - the tests run with the extra installed
    raise OtelUnavailable(f"OpenTelemetry export needs the otel extra: {INSTALL_HINT} "
                          f"({exc})") from exc

__all__ = ["BatchSpanProcessor", "ExportFailed", "OTLPSpanExporter", "OtelUnavailable",
           "ReadableSpan", "SpanExportResult", "SpanExporter", "failure_reason", "otlp_json",
           "quiet_exporter", "readable", "resource_for", "send", "spans_of"]

_SAMPLED = TraceFlags(TraceFlags.SAMPLED)
_KINDS = {"internal": SpanKind.INTERNAL, "client": SpanKind.CLIENT}
_EXPORTER_LOGGERS = ("opentelemetry.exporter.otlp.proto.http.trace_exporter",
                     "opentelemetry.sdk._shared_internal")
_BATCH = 512
"""Spans per request of a file export (the BatchSpanProcessor's default batch size)."""


class ExportFailed(Exception):
    """Spans could not be delivered; the message says where to and why."""


def scope() -> InstrumentationScope:
    return InstrumentationScope("stepscope", VERSION, SCHEMA_URL)


def resource_for(source: str) -> Resource:
    """The resource every span of `source` shares: `service.name` (`stepscope` unless
    OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES name one), the trace file, and the
    command that opens it; OTEL_RESOURCE_ATTRIBUTES adds to them, as the SDK does.
    `service.instance.id` is derived from the file (the SDK would draw a new one each
    time), so exporting a trace twice sends the very same resource."""
    attributes: dict[str, Any] = {
        "stepscope.trace.path": source, "stepscope.view": view_hint(source),
        "service.instance.id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"stepscope:{source}"))}
    named = os.environ.get("OTEL_SERVICE_NAME") or "service.name=" in os.environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", "")
    if not named:
        attributes["service.name"] = "stepscope"
    return Resource.create(attributes)


def readable(record: SpanRecord, resource: Resource) -> ReadableSpan:
    """One span record as the SDK's finished span."""
    context = SpanContext(record.trace_id, record.span_id, False, _SAMPLED)
    parent = (None if record.parent_id is None
              else SpanContext(record.trace_id, record.parent_id, False, _SAMPLED))
    status = (Status(StatusCode.ERROR, record.error) if record.error is not None
              else Status(StatusCode.UNSET))
    return ReadableSpan(
        name=record.name, context=context, parent=parent, resource=resource,
        attributes=record.attributes, kind=_KINDS[record.kind], status=status,
        events=[Event(e.name, e.attributes, e.time_ns) for e in record.events],
        links=[Link(SpanContext(link.trace_id, link.span_id, False, _SAMPLED), link.attributes)
               for link in record.links],
        start_time=record.start_ns, end_time=record.end_ns, instrumentation_scope=scope())


def spans_of(path: str | os.PathLike[str], events: Any, *,
             content: bool = False) -> tuple[list[ReadableSpan], list[str]]:
    """The spans of one trace file's events (in file order), and the events left out as
    malformed. `path` is named in every span (`stepscope.trace.path`)."""
    source = str(Path(path).resolve())
    builder = SpanBuilder(source, content=content, fallback_wall_ns=_mtime_ns(path))
    records = [r for event in events for r in builder.add(event)]
    records += builder.finish()
    resource = resource_for(source)
    return [readable(r, resource) for r in records], builder.malformed


def _mtime_ns(path: str | os.PathLike[str]) -> int:
    """Where a run without a recorded start time is placed: the file's last change."""
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def otlp_json(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """The spans as OTLP JSON: the protobuf JSON mapping of an ExportTraceServiceRequest,
    with OTLP's own rules (trace and span ids as hex, enums as integers)."""
    document = MessageToDict(encode_spans(spans), use_integers_for_enums=True)
    for resource_spans in document.get("resourceSpans", ()):
        for scope_spans in resource_spans.get("scopeSpans", ()):
            for span in scope_spans.get("spans", ()):
                _hex_ids(span)
                for link in span.get("links", ()):
                    _hex_ids(link)
    return document


def _hex_ids(item: dict[str, Any]) -> None:
    for key in ("traceId", "spanId", "parentSpanId"):
        if key in item:
            item[key] = base64.b64decode(item[key]).hex()


def send(spans: Sequence[ReadableSpan], endpoint: str, timeout: float | None = None) -> None:
    """POST the spans to an OTLP/HTTP traces endpoint (the full URL), in batches.
    ExportFailed naming the endpoint and the reason if any batch is not accepted. The
    exporter retries what may pass later (a timeout, a 429 or 5xx) until `timeout`; a
    refused connection ends it at once (nothing listens there)."""
    exporter = OTLPSpanExporter(endpoint=endpoint, timeout=timeout)
    stopped = threading.Event()

    def refused(text: str) -> None:
        if "Connection refused" in text and not stopped.is_set():
            stopped.set()
            exporter.shutdown()  # ends the retries' backoff wait

    try:
        for start in range(0, len(spans), _BATCH):
            with quiet_exporter(refused) as said:
                result = exporter.export(spans[start:start + _BATCH])
            if result is not SpanExportResult.SUCCESS:
                raise ExportFailed(f"could not send spans to {endpoint}: {failure_reason(said)}")
    finally:
        if not stopped.is_set():
            with quiet_exporter():
                exporter.shutdown()


# -- the exporter's log, made one message ------------------------------------------------
class _Quiet(logging.Filter):
    """Drops the OpenTelemetry exporter's log records made while a thread is marked
    quiet (stepscope reports failures itself, once), and keeps their text."""

    def __init__(self) -> None:
        super().__init__()
        self.local = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        said: list[str] | None = getattr(self.local, "said", None)
        if said is None:
            return True
        try:
            said.append(record.getMessage())
        except Exception:  # a record whose arguments do not format
            said.append(str(record.msg))
        on_record = getattr(self.local, "on_record", None)
        if on_record is not None:
            on_record(said[-1])
        return False


_QUIET = _Quiet()
for _name in _EXPORTER_LOGGERS:
    logging.getLogger(_name).addFilter(_QUIET)


@contextmanager
def quiet_exporter(on_record: Any = None) -> Iterator[list[str]]:
    """In this block, in this thread, the exporter's log records are kept in the list
    yielded (and handed to `on_record`), not printed."""
    local = _QUIET.local
    outer = getattr(local, "said", None), getattr(local, "on_record", None)
    local.said, local.on_record = [], on_record
    try:
        yield local.said
    finally:
        local.said, local.on_record = outer


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
"""Control characters (newlines too: the reason is one line)."""
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")
_HTTP = re.compile(r"code: (\d+), reason: (.*)")


def failure_reason(said: list[str]) -> str:
    """What went wrong, in a few words, from the exporter's log of one export; control
    characters a server put in its answer are shown as escapes (`\\x1b`), never sent to
    the terminal."""
    reason = _failure(said)
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", reason)


def _failure(said: list[str]) -> str:
    for text in reversed(said):
        found = _HTTP.search(text)
        if found and found.group(1) != "None":
            return f"HTTP {found.group(1)} {found.group(2).strip()}".strip()
    for text in said:
        found = _ERRNO.search(text)
        if found:
            return found.group(1).strip()
    for text in said:
        if "timed out" in text.lower() or "timeout" in text.lower():
            return "timed out"
    return (said[-1] if said else "no answer")[:200]
