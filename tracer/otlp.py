"""Where OTLP spans go, and whether a recording sends them live (no OpenTelemetry import:
live export runs in a follower process, `tracer.export.otel_live`).

Endpoints, with the standard variables' semantics:
- a URL given by the user (`--endpoint`, `--otlp`, `STEPSCOPE_OTLP`): used as it is when
  it has a path; a bare `http://host:port` gets the traces path `/v1/traces`;
- else `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, used as it is;
- else `OTEL_EXPORTER_OTLP_ENDPOINT`, with `/v1/traces` appended.

Live export (`tracer.record`, `STEPSCOPE_TRACE`, `stepscope run`) is on when one of those
names an endpoint, unless `STEPSCOPE_OTLP` is `off` (or `0`, `false`, `no`) or
`OTEL_SDK_DISABLED` is `true`. `STEPSCOPE_OTLP_CONTENT=1` also sends prompts and replies.
Nothing is sent anywhere unless an endpoint is configured.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.util import find_spec
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tracer.export.otel_model import INSTALL_HINT
from tracer.tracefile import warn

if TYPE_CHECKING:
    from tracer.export.otel_live import LiveExport

TRACES_PATH = "/v1/traces"
LIVE_VARIABLE = "STEPSCOPE_OTLP"
CONTENT_VARIABLE = "STEPSCOPE_OTLP_CONTENT"
_OFF = {"off", "0", "false", "no", "none"}
_ON = {"1", "true", "yes", "on"}


class EndpointError(ValueError):
    """An endpoint that is not an http(s) URL; the message names it."""


def check_endpoint(url: str) -> str:
    """`url` if it is an http(s) URL with a host (EndpointError otherwise)."""
    try:
        parts = urlsplit(url.strip())
        if parts.port is not None and parts.port == 0:  # `.port` raises on a bad port
            raise ValueError("port 0")
    except ValueError as exc:
        raise EndpointError(f"{url!r} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(f"{url!r} is not an http:// or https:// URL with a host")
    return url.strip()


def given_endpoint(url: str) -> str:
    """A URL the user typed: as it is with a path, with `/v1/traces` added without one."""
    url = check_endpoint(url)
    if urlsplit(url).path in ("", "/"):
        return url.rstrip("/") + TRACES_PATH
    return url


def traces_endpoint(given: str | None = None,
                    environ: Mapping[str, str] = os.environ) -> str | None:
    """The traces URL to send to (module doc), or None when none is configured.
    EndpointError for a URL that is not one."""
    if given:
        return given_endpoint(given)
    signal = environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    if signal:
        return check_endpoint(signal)
    generic = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    if generic:
        return check_endpoint(generic).rstrip("/") + TRACES_PATH
    return None


def live_endpoint(environ: Mapping[str, str] = os.environ) -> str | None:
    """The endpoint a recording exports to live, from the environment (None: off).
    EndpointError for a configured URL that is not one."""
    own = environ.get(LIVE_VARIABLE, "").strip()
    if own.lower() in _OFF or environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    return traces_endpoint(own or None, environ)


def content_wanted(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(CONTENT_VARIABLE, "").strip().lower() in _ON


def live_export(path: str, endpoint: str | None = None, *, content: bool | None = None,
                first_run: int = 0) -> LiveExport | None:
    """A live exporter for the recording into `path` (to `endpoint`, else the one the
    environment names), or None when live export is off. Never raises: a bad endpoint or
    missing OpenTelemetry costs one warning, and the recording goes on without it."""
    try:
        url = given_endpoint(endpoint) if endpoint else live_endpoint()
    except EndpointError as exc:
        warn(f"stepscope: live OTLP export is off: the endpoint {exc}")
        return None
    if url is None:
        return None
    if not otel_installed():
        warn(f"stepscope: live OTLP export to {url} needs OpenTelemetry: {INSTALL_HINT} "
             f"(or set {LIVE_VARIABLE}=off); recording without it")
        return None
    from tracer.export.otel_live import LiveExport

    try:
        return LiveExport(path, url, content=content_wanted() if content is None else content,
                          first_run=first_run)
    except OSError as exc:  # the follower process could not be started
        warn(f"stepscope: live OTLP export to {url} could not start ({exc}); recording "
             "without it")
        return None


def otel_installed() -> bool:
    """Whether the `otel` extra's packages can be imported (none is imported here)."""
    try:
        return all(find_spec(name) is not None for name in (
            "opentelemetry.sdk", "opentelemetry.exporter.otlp.proto.http"))
    except (ImportError, ValueError):  # a parent package that is missing or broken
        return False
