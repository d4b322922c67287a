"""`stepscope export PATH --format otlp|otlp-json`: a trace as OpenTelemetry spans
(`tracer.export.otel_spans` describes them; GenAI semantic conventions v1.41.0).

- `otlp`: sent over OTLP/HTTP (protobuf) to `--endpoint URL`, else to the endpoint the
  standard variables name (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as it is,
  `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`); without one, nothing is sent (exit 2).
  A bare `--endpoint http://host:4318` gets `/v1/traces` added.
- `otlp-json`: written to OUT (default PATH with `.otlp.json`; `-` for stdout) as OTLP
  JSON, an ExportTraceServiceRequest; nothing goes over the network.

Prompts, replies, tool arguments and results and interrupt values go out only with
`--content`. Needs the `otel` extra (`pip install 'stepscope[otel]'`). An endpoint that
cannot be reached or refuses the spans: one line saying why, exit 1.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from tracer import Trace
from tracer.export.otel_model import INSTALL_HINT
from tracer.otlp import EndpointError, traces_endpoint
from tui.cli.errors import CommandError


def check_arguments(args: argparse.Namespace) -> None:
    """CommandError (2) for options that do not go with the chosen format."""
    otel = args.format in ("otlp", "otlp-json")
    if args.content and not otel:
        raise CommandError("export: --content goes with --format otlp or otlp-json (jsonl "
                           "and chrome hold every value already)", 2)
    if (args.endpoint is not None or args.timeout is not None) and args.format != "otlp":
        option = "--endpoint" if args.endpoint is not None else "--timeout"
        raise CommandError(f"export: {option} goes with --format otlp", 2)
    if args.format == "otlp" and args.output is not None:
        raise CommandError("export: --format otlp sends the spans (to --endpoint); -o is for "
                           "the file formats (otlp-json writes them to a file)", 2)
    if args.timeout is not None and not args.timeout > 0:
        raise CommandError("export: --timeout: a number of seconds above 0", 2)


def endpoint_of(args: argparse.Namespace) -> str:
    try:
        url = traces_endpoint(args.endpoint)
    except EndpointError as exc:
        where = "--endpoint" if args.endpoint else "OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT"
        raise CommandError(f"export: {where}: {exc}", 2) from None
    if url is None:
        raise CommandError("export: --format otlp needs an endpoint: --endpoint URL (e.g. "
                           "http://localhost:4318), or OTEL_EXPORTER_OTLP_ENDPOINT", 2)
    return url


def _spans(trace: Trace, content: bool) -> tuple[Any, list[str]]:
    try:
        from tracer.export.otel import spans_of
    except ImportError:
        raise CommandError(f"export: --format otlp and otlp-json need OpenTelemetry: "
                           f"{INSTALL_HINT}") from None
    return spans_of(trace.path, trace.events(), content=content)


def send_trace(trace: Trace, args: argparse.Namespace) -> str:
    """Send the trace's spans; what to print."""
    url = endpoint_of(args)
    spans, _ = _spans(trace, args.content)
    from tracer.export.otel import ExportFailed, send

    try:
        send(spans, url, timeout=args.timeout)
    except ExportFailed as exc:
        raise CommandError(f"export: {exc}") from None
    traces = len({s.context.trace_id for s in spans if s.context is not None})
    return f"sent {len(spans)} spans ({traces} {'trace' if traces == 1 else 'traces'}) to {url}"


def write_json(trace: Trace, args: argparse.Namespace, f: TextIO) -> int:
    """Write the trace's spans as OTLP JSON; how many spans."""
    spans, _ = _spans(trace, args.content)
    from tracer.export.otel import otlp_json

    json.dump(otlp_json(spans), f, ensure_ascii=False)
    f.write("\n")
    return len(spans)


def default_output(source: Path) -> Path:
    return source.with_suffix(".otlp.json")
