"""The span records an OpenTelemetry export is made of, their ids, and their attribute
values (pure: no OpenTelemetry import; `tracer.export.otel` turns records into the SDK's
spans).

Conventions followed: the OpenTelemetry GenAI semantic conventions of semantic-conventions
**v1.41.0** (`SEMCONV_VERSION`; status "development"), the last release that held them
before they moved to the semantic-conventions-genai repository. The attribute names are
the ones `opentelemetry-semantic-conventions` 0.66b2 (shipped beside opentelemetry-sdk
1.45.2) carries in `opentelemetry.semconv._incubating.attributes.gen_ai_attributes`.

Ids are derived, not drawn: a trace id is a hash of a root run's id, a span id a hash of
what the span stands for (run, step, task id, call id, tool call id), so exporting the
same trace twice, or live and then from the file, sends the same ids and a backend
keeps one copy.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from dataclasses import dataclass, field
from typing import Any, Literal

from tracer.export.jsonable import to_jsonable

SEMCONV_VERSION = "1.41.0"
SCHEMA_URL = f"https://opentelemetry.io/schemas/{SEMCONV_VERSION}"
INSTALL_HINT = "pip install 'stepscope[otel]'"
"""How to get OpenTelemetry export (the `otel` extra)."""

AttrValue = str | bool | int | float | list[str] | list[int] | list[float] | list[bool]
Attributes = dict[str, AttrValue]

_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True, slots=True)
class SpanEvent:
    """A timed annotation on a span (an exception, an interrupt)."""

    name: str
    time_ns: int
    attributes: Attributes = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SpanLink:
    """A pointer to a span of another trace (the run a resume continues, a fork's step)."""

    trace_id: int
    span_id: int
    attributes: Attributes = field(default_factory=dict)


@dataclass(slots=True)
class SpanRecord:
    """One span: what `tracer.export.otel` hands to OpenTelemetry. Times are Unix ns."""

    name: str
    trace_id: int
    span_id: int
    parent_id: int | None
    kind: Literal["internal", "client"]
    start_ns: int
    end_ns: int
    attributes: Attributes
    events: list[SpanEvent] = field(default_factory=list)
    links: list[SpanLink] = field(default_factory=list)
    error: str | None = None
    """The status description of a span that failed (status ERROR); None otherwise."""


def trace_id_of(root_key: str) -> int:
    """The 128-bit trace id of the root run keyed `root_key` (never 0)."""
    return _hashed(f"trace|{root_key}", 16)


def span_id_of(key: str) -> int:
    """The 64-bit span id of the span keyed `key` (never 0)."""
    return _hashed(key, 8)


def _hashed(key: str, size: int) -> int:
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:size], "big") or 1


def view_hint(path: str, run: int | None = None, step: int | None = None) -> str:
    """The command that opens the trace locally, at run `run`'s step `step` when given
    (`stepscope view PATH --run N --step S`)."""
    command = f"stepscope view {shlex.quote(path)}"
    if run is not None:
        command += f" --run {run}"
    if step is not None:
        command += f" --step {step}"
    return command


def clean(attributes: dict[str, Any]) -> Attributes:
    """Attribute values OpenTelemetry accepts: None dropped; text, bools, numbers kept
    (an int past int64 as text); a list of one such type kept, anything else as text."""
    out: Attributes = {}
    for key, value in attributes.items():
        kept = _value(value)
        if kept is not None:
            out[key] = kept
    return out


def _value(value: Any) -> AttrValue | None:
    if value is None:
        return None
    if isinstance(value, (bool, str, float)):
        return value
    if isinstance(value, int):
        return value if _INT64[0] <= value <= _INT64[1] else str(value)
    if isinstance(value, (list, tuple)):
        items = [v for v in value if v is not None]
        if all(type(v) is str for v in items):
            return [str(v) for v in items]
        if all(type(v) is int and _INT64[0] <= v <= _INT64[1] for v in items):
            return [int(v) for v in items]
        return [json_text(v) if not isinstance(v, str) else v for v in items]
    return json_text(value)


def json_text(value: Any) -> str:
    """Any recorded value as JSON text (made JSON-safe first)."""
    return json.dumps(to_jsonable(value), ensure_ascii=False)
