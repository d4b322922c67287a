"""`Runtime`, injected into nodes that declare a keyword-only `runtime` parameter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from engine.types import StreamWriter

ContextT = TypeVar("ContextT")


def _drop(_: Any) -> None:
    return None


@dataclass(frozen=True)
class Runtime(Generic[ContextT]):
    """What a node can reach besides its state: run context, store, stream writer."""

    context: ContextT | None = None
    store: Any = None
    stream_writer: StreamWriter = field(default=_drop)
    previous: Any = None
