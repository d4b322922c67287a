"""How an entrypoint's values move through the engine: its channels (the input, the
return value, the value saved for the next run), what its node writes when the function
returns, and how stream modes show them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from engine.channels import MISSING
from engine.constants import END, PULL, START
from engine.events import Event
from engine.pregel.stream import StreamProjector
from engine.schema import FieldSpec, Schema

if TYPE_CHECKING:
    from engine.pregel.task import Task

PREVIOUS = "__previous__"
"""The channel holding what the last run on the thread saved."""

R = TypeVar("R")
S = TypeVar("S")


@dataclass
class final(Generic[R, S]):
    """Return `value` to the caller but save `save` as the next run's `previous`."""

    value: R
    save: S


class ValueSchema(Schema):
    """The schema of an entrypoint's channels: the run's input is one value, not a dict."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.cls = None
        self.kind = "value"
        self.fields = {k: FieldSpec(k, None, MISSING) for k in keys}
        self.managed = {}
        self.hints = {}
        self.keys = keys

    def node_input(self, values: Any) -> Any:
        return values.get(self.keys[0]) if len(self.keys) == 1 else values

    def read_input(self, value: Any) -> dict[str, Any]:
        return {START: value}


def record_return(task: Task, value: Any) -> None:
    """The entrypoint's return value: `__end__` and `__previous__` (see `final`)."""
    if isinstance(value, final):
        result, save = value.value, value.save
    else:
        result = save = value
    task.writes = [(END, result), (PREVIOUS, save)]
    task.result = result
    task.returned = True
    task.routes = []


class EntrypointProjector(StreamProjector):
    """Stream chunks of an entrypoint: its value is `__end__`, updates are bare values."""

    def _update_value(self, result: Any) -> Any:
        return result

    def _wants_values(self, changes: dict[str, Any]) -> bool:
        return END in changes

    def _result_dict(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["path"][0] == PULL:  # the entrypoint itself: what it returned
            return {END: data["result"]}
        return super()._result_dict(data)

    def _checkpoint(self, event: Event) -> None:
        values = event.data["values"]
        if isinstance(values, dict):  # a checkpoint's value is the entrypoint's return
            event = event._replace(data={**event.data, "values": values.get(END)})
        super()._checkpoint(event)
