"""State schemas: TypedDict, dataclass, pydantic model or plain dict, read once at build.

A schema gives the ordered state keys, a reducer for `Annotated[T, reducer]` keys,
how to turn channel values into what a node receives, and how to read a run's input.

A type that declares no fields (`str`, `list[str]`, `Annotated[list, operator.add]`, …)
makes the whole state one value, kept in the single channel `__root__` (as in
LangGraph): nodes receive and return that value itself, and so do `invoke` and the
`values` and `updates` streams.
"""

from __future__ import annotations

import collections.abc
import copy
import dataclasses
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any, get_args, get_origin, get_type_hints

from engine.channels import MISSING, Channel, LastValue, Reducer
from engine.errors import not_a_dict_error
from engine.managed import ManagedValue, managed_of

ROOT = "__root__"
"""The one channel of a state that is a single value."""
ROOT_KEYS = (ROOT,)


@dataclasses.dataclass(frozen=True)
class FieldSpec:
    """One state key: its reducer (None for last-value) and the reducer's empty value."""

    key: str
    reducer: Callable[[Any, Any], Any] | None
    empty: Any

    def make_channel(self) -> Channel:
        if self.reducer is None:
            return LastValue(self.key)
        return Reducer(self.key, self.reducer, self.empty)


def _is_pydantic(cls: Any) -> bool:
    return isinstance(cls, type) and hasattr(cls, "model_fields") and hasattr(cls, "model_dump")


def _is_typeddict(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, dict) and hasattr(cls, "__annotations__")


def is_state_type(cls: Any) -> bool:
    """Whether `cls` can serve as a state schema (for node input inference)."""
    return _is_typeddict(cls) or dataclasses.is_dataclass(cls) or _is_pydantic(cls)


def _reducer_of(hint: Any) -> Callable[[Any, Any], Any] | None:
    """The reducer of an `Annotated[T, ..., reducer]` key. As in LangGraph, a function
    last in the metadata that does not take two arguments is refused (ValueError)."""
    if get_origin(hint) is not typing.Annotated:
        return None
    last = get_args(hint)[-1]
    if callable(last) and not isinstance(last, type) and not _takes_two_args(last):
        raise ValueError("Invalid reducer signature. Expected (a, b) -> c. "
                         f"Got {inspect.signature(last)}")
    for meta in reversed(get_args(hint)[1:]):
        if callable(meta) and _takes_two_args(meta):
            return meta
    return None


def _takes_two_args(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True  # builtins such as operator.add have no signature: trust them
    positional = [
        p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in params)


_CONCRETE: dict[Any, type] = {
    collections.abc.Sequence: list, collections.abc.MutableSequence: list,
    collections.abc.Set: set, collections.abc.MutableSet: set,
    collections.abc.Mapping: dict, collections.abc.MutableMapping: dict,
}
"""An abstract collection's empty value comes from its usual concrete type (as LangGraph
starts an `Annotated[Sequence[str], add_messages]` key as an empty list)."""


def _empty_of(hint: Any) -> Any:
    base = get_args(hint)[0] if get_origin(hint) is typing.Annotated else hint
    origin = get_origin(base) or base
    origin = _CONCRETE.get(origin, origin)
    if isinstance(origin, type):
        try:
            return origin()
        except Exception:
            return MISSING
    return MISSING


class Schema:
    """An analysed state schema."""

    def __init__(self, cls: Any) -> None:
        self.cls = cls
        if cls is dict or cls is None:
            self.kind = "dict"
            hints: dict[str, Any] = {}
        else:
            try:
                hints = get_type_hints(cls, include_extras=True)
            except Exception:
                hints = dict(getattr(cls, "__annotations__", {}))
            if _is_pydantic(cls):
                self.kind = "pydantic"
                hints = {k: hints.get(k, Any) for k in cls.model_fields}
            elif dataclasses.is_dataclass(cls):
                self.kind = "dataclass"
                hints = {f.name: hints.get(f.name, Any) for f in dataclasses.fields(cls)}
            elif _is_typeddict(cls):
                self.kind = "typeddict"
            elif not hasattr(cls, "__annotations__"):
                self.kind = "root"
                hints = {ROOT: cls}
            else:
                raise TypeError(f"Unsupported state schema: {cls!r}")
        self.managed: dict[str, type[ManagedValue]] = {}
        """Keys the loop fills in for each step (see `engine.managed`); not channels."""
        for key, hint in list(hints.items()):
            manager = managed_of(hint)
            if manager is not None:
                self.managed[key] = manager
                del hints[key]
        self.hints = hints
        """Each key's annotation, as declared (for JSON schemas)."""
        self.fields: dict[str, FieldSpec] = {}
        for key, hint in hints.items():
            reducer = _reducer_of(hint)
            self.fields[key] = FieldSpec(key, reducer, _empty_of(hint) if reducer else MISSING)
        self.keys: tuple[str, ...] = tuple(self.fields)

    def __repr__(self) -> str:
        return f"Schema({getattr(self.cls, '__name__', self.cls)!r}, keys={self.keys})"

    def node_input(self, values: Mapping[str, Any]) -> Any:
        """What a node with this input schema receives, from the channel values."""
        if self.kind == "root":
            return values.get(ROOT)
        data = {k: values[k] for k in self.keys if k in values} if self.keys else dict(values)
        if self.kind in ("dict", "typeddict"):
            return data
        # A pydantic state is validated here, when a node reads it (as LangGraph does):
        # reducers have already turned inputs such as ("user", "hi") into messages.
        return self.cls(**data)

    def _reduced(self, data: dict[str, Any]) -> dict[str, Any]:
        out = {k: _first_reduction(f, data) for k, f in self.fields.items()}
        return {k: v for k, v in out.items() if v is not MISSING}

    def view(self, values: Mapping[str, Any]) -> Any:
        """The state as `invoke` and `get_state` show it: this schema's keys, or the
        value itself for a single-value state."""
        if self.kind == "root":
            return values.get(ROOT)
        return {k: values[k] for k in self.keys if k in values}

    def read_input(self, value: Any) -> dict[str, Any]:
        """The writes a run's input makes: validated, unknown keys dropped."""
        if self.kind == "root":
            return {ROOT: value}
        if self.kind == "pydantic":
            if isinstance(value, self.cls):
                return {k: getattr(value, k) for k in self.keys}
            if not isinstance(value, Mapping) and (
                    _is_pydantic(type(value)) or dataclasses.is_dataclass(value)):
                # A parent's state object given to a subgraph of another schema.
                value = {k: getattr(value, k) for k in self.keys if hasattr(value, k)}
            if not isinstance(value, Mapping):
                raise not_a_dict_error(value)
            # The channels get the raw values (a node validates the state it reads, so a
            # validator runs once per read, as in LangGraph); the input is checked now,
            # after its reducers, so a bad one fails before anything is emitted.
            data = {k: v for k, v in value.items() if k in self.fields}
            self.cls(**self._reduced(data))  # raises pydantic's ValidationError
            return data
        if self.kind == "dataclass" and dataclasses.is_dataclass(value):
            return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        if not isinstance(value, Mapping):
            raise not_a_dict_error(value)
        if not self.keys:
            return dict(value)
        return {k: v for k, v in value.items() if k in self.fields}


def _first_reduction(field: FieldSpec, data: dict[str, Any]) -> Any:
    """What `field`'s channel holds after a fresh run's input (MISSING: nothing)."""
    if field.key not in data:
        return field.empty
    if field.reducer is None or field.empty is MISSING:
        return data[field.key]
    return field.reducer(copy.copy(field.empty), data[field.key])


def node_update_as_dict(value: Any) -> Any:
    """A node's return value as a dict when it is a state object; otherwise unchanged."""
    if _is_pydantic(type(value)):
        # As LangGraph: a None that is only the field's default is no update.
        fields, given = type(value).model_fields, value.model_fields_set
        return {k: v for k, f in fields.items()
                if (v := getattr(value, k)) is not None or f.default is not None or k in given}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    return value
