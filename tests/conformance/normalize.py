"""Turn engine outputs into the JSON shapes of the LangGraph behaviour vectors, then normalise them.

The conventions are those of `vectors/README.md`:

* tuples, lists, sets -> arrays; dicts -> objects (non-string keys become their ``repr``);
* messages (anything with a ``model_dump()`` method, pydantic models included) ->
  ``{"__type__": ClassName, **model_dump()}``;
* ``Interrupt``, ``Send`` and ``Command`` -> fixed field sets, namedtuples and dataclasses ->
  ``{"__type__": ClassName, field: ...}`` in field order;
* exceptions -> ``{"__type__", "str", "repr"}``; anything else -> ``{"__type__", "repr"}``.

Normalisation then hides what differs from run to run: 36-character uuids become ``<uuid>``,
32-hex interrupt ids ``<hex32>`` and ISO timestamps ``<ts>``. In numbered mode each distinct id
gets ``<uuid#N>`` / ``<hex32#N>`` by order of first appearance (one counter for both kinds), so
equal ids stay visibly equal.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import json
import re
from typing import Any

UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# A bare 32-hex run that is not part of a longer hex or dashed token (interrupt ids).
HEX32_RE = re.compile(r"(?<![0-9a-fA-F-])[0-9a-f]{32}(?![0-9a-fA-F-])")
TS_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?")
NUMBERED_TOKEN_RE = re.compile(r"<(uuid|hex32)#(\d+)>")

_ENGINE_TYPES: dict[str, type] | None = None


def _engine_types() -> dict[str, type]:
    """Return the engine's Send/Interrupt/Command classes, or none while engine.types is absent."""
    global _ENGINE_TYPES
    if _ENGINE_TYPES is None:
        found: dict[str, type] = {}
        try:
            types_mod = importlib.import_module("engine.types")
        except Exception:
            types_mod = None
        for name in ("Send", "Interrupt", "Command"):
            cls = getattr(types_mod, name, None)
            if isinstance(cls, type):
                found[name] = cls
        _ENGINE_TYPES = found
    return _ENGINE_TYPES


def _is_kind(obj: Any, name: str) -> bool:
    cls = _engine_types().get(name)
    return cls is not None and isinstance(obj, cls)


def jsonify(obj: Any) -> Any:
    """Convert one streamed item (or return value) into plain JSON data."""
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, BaseException):
        return {"__type__": type(obj).__name__, "str": str(obj), "repr": repr(obj)}
    if _is_kind(obj, "Send"):
        return {"__type__": "Send", "node": obj.node, "arg": jsonify(obj.arg)}
    if _is_kind(obj, "Interrupt"):
        return {
            "__type__": "Interrupt",
            "value": jsonify(obj.value),
            "id": obj.id,
            "response_schema": jsonify(getattr(obj, "response_schema", None)),
        }
    if _is_kind(obj, "Command"):
        return {
            "__type__": "Command",
            "graph": obj.graph,
            "update": jsonify(obj.update),
            "resume": jsonify(obj.resume),
            "goto": jsonify(obj.goto),
        }
    if not isinstance(obj, type) and callable(getattr(obj, "model_dump", None)):
        # Messages and pydantic models: their own field dump, in their own order.
        return {"__type__": type(obj).__name__, **jsonify(obj.model_dump())}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        fields = {f: jsonify(getattr(obj, f)) for f in obj._fields}
        return {"__type__": type(obj).__name__, **fields}
    if isinstance(obj, dict):
        return {(k if isinstance(k, str) else repr(k)): jsonify(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [jsonify(v) for v in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = {f.name: jsonify(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        return {"__type__": type(obj).__name__, **fields}
    if isinstance(obj, datetime.datetime | datetime.date):
        return obj.isoformat()
    if isinstance(obj, bytes):
        return {"__type__": "bytes", "repr": repr(obj)}
    return {"__type__": type(obj).__name__, "repr": repr(obj)}


class _Numbering:
    """Assigns <uuid#N>/<hex32#N> labels by order of first appearance, one counter for both."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def label(self, kind: str, raw: str) -> str:
        key = f"{kind}:{raw.lower()}"
        if key not in self.seen:
            self.seen[key] = len(self.seen) + 1
        return f"<{kind}#{self.seen[key]}>"


def _normalize_str(text: str, numbering: _Numbering | None) -> str:
    if numbering is None:
        text = UUID_RE.sub("<uuid>", text)
        text = HEX32_RE.sub("<hex32>", text)
    else:
        text = UUID_RE.sub(lambda m: numbering.label("uuid", m.group(0)), text)
        text = HEX32_RE.sub(lambda m: numbering.label("hex32", m.group(0)), text)
    return TS_RE.sub("<ts>", text)


def _walk(obj: Any, numbering: _Numbering | None) -> Any:
    if isinstance(obj, str):
        return _normalize_str(obj, numbering)
    if isinstance(obj, list):
        return [_walk(v, numbering) for v in obj]
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            # The key is numbered before its value, as the vectors were.
            new_key = _normalize_str(key, numbering)
            out[new_key] = _walk(value, numbering)
        return out
    return obj


def normalize(data: Any, *, numbered: bool = False) -> Any:
    """Replace uuids, 32-hex ids and timestamps in already-jsonified data."""
    return _walk(data, _Numbering() if numbered else None)


def to_vector_form(items: list[Any], *, numbered: bool = True) -> list[Any]:
    """Jsonify, round-trip through JSON (as the vector files were) and normalise a list of items."""
    plain = json.loads(json.dumps([jsonify(x) for x in items], default=repr))
    return normalize(plain, numbered=numbered)


def renumber(data: Any) -> Any:
    """Relabel <uuid#N>/<hex32#N> tokens by first appearance in `data` (after reordering)."""
    mapping: dict[str, str] = {}

    def relabel(match: re.Match[str]) -> str:
        token = match.group(0)
        if token not in mapping:
            mapping[token] = f"<{match.group(1)}#{len(mapping) + 1}>"
        return mapping[token]

    def walk(obj: Any) -> Any:
        if isinstance(obj, str):
            return NUMBERED_TOKEN_RE.sub(relabel, obj)
        if isinstance(obj, list):
            return [walk(v) for v in obj]
        if isinstance(obj, dict):
            out: dict[str, Any] = {}
            for key, value in obj.items():
                new_key = walk(key)
                out[new_key] = walk(value)
            return out
        return obj

    return walk(data)


def strip_numbers(data: Any) -> Any:
    """Turn every <uuid#N>/<hex32#N> back into <uuid>/<hex32> (order-independent sort keys)."""
    if isinstance(data, str):
        return NUMBERED_TOKEN_RE.sub(lambda m: f"<{m.group(1)}>", data)
    if isinstance(data, list):
        return [strip_numbers(v) for v in data]
    if isinstance(data, dict):
        return {strip_numbers(k): strip_numbers(v) for k, v in data.items()}
    return data
