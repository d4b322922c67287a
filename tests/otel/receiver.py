"""A small OTLP/HTTP traces receiver on 127.0.0.1: a real HTTP server that decodes each
request's protobuf (opentelemetry-proto's ExportTraceServiceRequest) and keeps the spans.
The tests and `python -m bench otel` send to it as they would to a collector."""

from __future__ import annotations

import gzip
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

TRACES_PATH = "/v1/traces"


@dataclass
class ReceivedSpan:
    """One span as the receiver decoded it (ids as hex, attributes as Python values)."""

    name: str
    trace_id: str
    span_id: str
    parent_id: str
    kind: int
    start_ns: int
    end_ns: int
    attributes: dict[str, Any]
    events: list[tuple[str, dict[str, Any]]]
    links: list[tuple[str, str, dict[str, Any]]]
    status: tuple[int, str]
    resource: dict[str, Any]
    scope: tuple[str, str, str]
    """(name, version, schema_url) of the instrumentation scope."""


@dataclass
class Receiver:
    url: str
    requests: list[ExportTraceServiceRequest] = field(default_factory=list)
    status: int = 200
    """The HTTP status it answers with (set it to make the receiver refuse)."""
    reason: str | None = None
    """The reason phrase it refuses with (default: the status's own)."""
    paths: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def spans(self) -> list[ReceivedSpan]:
        with self.lock:
            requests = list(self.requests)
        return [span for request in requests for span in decode(request)]

    def wait(self, count: int, timeout: float = 15.0) -> list[ReceivedSpan]:
        """The spans, once at least `count` arrived (live export sends in batches);
        AssertionError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            spans = self.spans
            if len(spans) >= count:
                return spans
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(spans)} of {count} spans arrived in {timeout:g} s")
            time.sleep(0.05)


def value_of(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [value_of(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: value_of(kv.value) for kv in value.kvlist_value.values}
    return getattr(value, kind) if kind else None


def _attrs(items: Any) -> dict[str, Any]:
    return {kv.key: value_of(kv.value) for kv in items}


def decode(request: ExportTraceServiceRequest) -> list[ReceivedSpan]:
    out = []
    for resource_spans in request.resource_spans:
        resource = _attrs(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            scope = (scope_spans.scope.name, scope_spans.scope.version, scope_spans.schema_url)
            for span in scope_spans.spans:
                out.append(ReceivedSpan(
                    span.name, span.trace_id.hex(), span.span_id.hex(), span.parent_span_id.hex(),
                    span.kind, span.start_time_unix_nano, span.end_time_unix_nano,
                    _attrs(span.attributes),
                    [(e.name, _attrs(e.attributes)) for e in span.events],
                    [(ln.trace_id.hex(), ln.span_id.hex(), _attrs(ln.attributes))
                     for ln in span.links],
                    (span.status.code, span.status.message), resource, scope))
    return out


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            """`GET /count`: how many spans arrived (for a receiver in another process)."""
            answer = str(len(receiver.spans)).encode()
            self.send_response(200 if self.path == "/count" else 404)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            encoding = self.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            with receiver.lock:
                receiver.paths.append(self.path)
            if receiver.status != 200 or self.path != TRACES_PATH:
                status = receiver.status if receiver.status != 200 else 404
                self.send_response(status, receiver.reason)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            with receiver.lock:
                receiver.requests.append(request)
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet

    return Handler


@contextmanager
def otlp_receiver() -> Iterator[Receiver]:
    """A receiver on a free port of 127.0.0.1 for the block; `receiver.url` is its base."""
    receiver = Receiver("")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    """`python -m tests.otel.receiver`: serve until killed; the first line out is the URL."""
    import sys

    with otlp_receiver() as receiver:
        print(receiver.url, flush=True)
        while sys.stdin.readline():  # until stdin closes (the parent went away)
            time.sleep(0.01)


if __name__ == "__main__":
    main()
