"""The built-in transformers: one projection per stream mode of the run's own scope.

`ValuesTransformer`, `MessagesTransformer`, `LifecycleTransformer` and
`SubgraphTransformer` are always registered; the others (`UpdatesTransformer`,
`CustomTransformer`, `CheckpointsTransformer`, `DebugTransformer`, `TasksTransformer`)
are opt-in via `compile(transformers=...)` or `stream_events(transformers=...)`.
Each captures only its scope's events: a subgraph's are on that subgraph's handle.
"""

from __future__ import annotations

from typing import Any, ClassVar

from engine.stream.lifecycle import (
    LifecyclePayload,
    LifecycleTransformer,
    SubgraphStatus,
    SubgraphTransformer,
)
from engine.stream.messages import MessagesTransformer
from engine.stream.protocol import ProtocolEvent, StreamTransformer
from engine.stream.stream_channel import StreamChannel

__all__ = [
    "CheckpointsTransformer",
    "CustomTransformer",
    "DebugTransformer",
    "LifecyclePayload",
    "LifecycleTransformer",
    "MessagesTransformer",
    "SubgraphStatus",
    "SubgraphTransformer",
    "TasksTransformer",
    "UpdatesTransformer",
    "ValuesTransformer",
]


class ModeTransformer(StreamTransformer):
    """Pushes the data of every `mode` event of its own scope onto `run.<mode>`."""

    _native = True
    mode: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "mode" in cls.__dict__:
            cls.required_stream_modes = (cls.mode,)

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        super().__init__(scope)
        self._log: StreamChannel[Any] = StreamChannel()
        self._scope_list = list(scope)

    def init(self) -> dict[str, Any]:
        return {self.mode: self._log}

    def process(self, event: ProtocolEvent) -> bool:
        if event["method"] == self.mode and event["params"]["namespace"] == self._scope_list:
            self._accept(event)
        return True

    def _accept(self, event: ProtocolEvent) -> None:
        self._log.push(event["params"]["data"])


class ValuesTransformer(ModeTransformer):
    """`run.values`: the state after each step (and at an interrupt)."""

    mode = "values"

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        super().__init__(scope)
        self._latest: Any = None
        self._interrupted = False
        self._interrupts: list[Any] = []

    @property
    def error(self) -> BaseException | None:
        """The error that ended the run, if it failed."""
        return self._log._error

    def _accept(self, event: ProtocolEvent) -> None:
        params = event["params"]
        self._latest = params["data"]
        interrupts = params.get("interrupts", ())
        if interrupts:
            self._interrupted = True
            self._interrupts.extend(interrupts)
        self._log.push(params["data"])


class UpdatesTransformer(ModeTransformer):
    """`run.updates`: `{node: update}` per finished task."""

    mode = "updates"


class CustomTransformer(ModeTransformer):
    """`run.custom`: what nodes wrote with their stream writer."""

    mode = "custom"


class CheckpointsTransformer(ModeTransformer):
    """`run.checkpoints`: each saved checkpoint, as `get_state` shows it."""

    mode = "checkpoints"


class DebugTransformer(ModeTransformer):
    """`run.debug`: the `debug` stream mode's step records."""

    mode = "debug"


class TasksTransformer(ModeTransformer):
    """`run.tasks`: task starts and results."""

    mode = "tasks"
