"""Values in traces: msgpack natives, plus msgpack ext types for everything else.

Encoding never raises into the user's graph: what cannot be represented becomes an
ext "repr" value (class name and repr). Ext types keep user data unambiguous — no
dict key is reserved — and stay plain msgpack for any reader (FORMAT.md "Values"
lists the codes and their payloads).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
import traceback
from typing import TYPE_CHECKING, Any

import msgpack

if TYPE_CHECKING:
    from typing_extensions import Buffer

EXT_TUPLE = 1
EXT_SET = 2
EXT_BIGINT = 3
EXT_DATETIME = 4
EXT_DATE = 5
EXT_ENUM = 6
EXT_EXCEPTION = 7
EXT_MESSAGE = 8
EXT_DATACLASS = 9
EXT_PYDANTIC = 10
EXT_NAMEDTUPLE = 11
EXT_REPR = 12
EXT_PAIRS = 13
EXT_GRAPH_TYPE = 14

_MAX_DEPTH = 64
_REPR_LIMIT = 2000
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1


def qualname(obj: Any) -> str:
    cls = obj if isinstance(obj, type) else type(obj)
    module = getattr(cls, "__module__", "") or ""
    return f"{module}.{cls.__qualname__}" if module not in ("builtins", "") else cls.__qualname__


def _safe_repr(obj: Any) -> str:
    try:
        text = repr(obj)
    except Exception as exc:  # a broken __repr__ must not break recording
        text = f"<unrepresentable {qualname(obj)}: {type(exc).__name__}>"
    return text if len(text) <= _REPR_LIMIT else text[:_REPR_LIMIT] + "…"


def _is_message(obj: Any) -> bool:
    return hasattr(obj, "content") and hasattr(obj, "type") and hasattr(obj, "model_dump")


def exception_fields(exc: BaseException) -> dict[str, Any]:
    """An exception as plain data, with its traceback text when it has one."""
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return {"cls": qualname(exc), "message": str(exc), "repr": _safe_repr(exc),
            "traceback": tb, "notes": [str(n) for n in getattr(exc, "__notes__", ())]}


class Encoder:
    """Packs records. Natives go straight through msgpack; the rest become ext types."""

    def __init__(self) -> None:
        self._packer = msgpack.Packer(default=self._default, strict_types=True,
                                      use_bin_type=True)
        self._depth = 0

    def _ext(self, code: int, payload: Any) -> msgpack.ExtType:
        self._depth += 1
        try:
            if self._depth > _MAX_DEPTH:
                raise ValueError("too deep")
            inner = msgpack.Packer(default=self._default, strict_types=True, use_bin_type=True)
            return msgpack.ExtType(code, inner.pack(payload))
        finally:
            self._depth -= 1

    def _default(self, obj: Any) -> Any:
        try:
            return self._convert(obj)
        except Exception:
            return msgpack.ExtType(EXT_REPR, msgpack.packb([qualname(obj), _safe_repr(obj)]))

    def _convert(self, obj: Any) -> Any:
        if isinstance(obj, bool):
            return bool(obj)
        if isinstance(obj, int):
            if _INT_MIN <= obj <= _INT_MAX:
                return int(obj)
            return msgpack.ExtType(EXT_BIGINT, msgpack.packb(str(obj)))
        if isinstance(obj, float):
            return float(obj)
        if isinstance(obj, str):
            return str(obj)
        if isinstance(obj, dict):
            return self._ext(EXT_PAIRS, [[k, v] for k, v in obj.items()])
        if isinstance(obj, list):
            return list(obj)
        if isinstance(obj, tuple):
            if hasattr(obj, "_fields"):
                return self._ext(EXT_NAMEDTUPLE, [qualname(obj), {
                    f: getattr(obj, f) for f in obj._fields}])
            return self._ext(EXT_TUPLE, list(obj))
        if isinstance(obj, (set, frozenset)):
            return self._ext(EXT_SET, list(obj))
        if isinstance(obj, (bytearray, memoryview)):
            return bytes(obj)
        if isinstance(obj, dt.datetime):
            return msgpack.ExtType(EXT_DATETIME, msgpack.packb(obj.isoformat()))
        if isinstance(obj, dt.date):
            return msgpack.ExtType(EXT_DATE, msgpack.packb(obj.isoformat()))
        if isinstance(obj, enum.Enum):
            return self._ext(EXT_ENUM, [qualname(obj), obj.name, obj.value])
        if isinstance(obj, BaseException):
            return self._ext(EXT_EXCEPTION, exception_fields(obj))
        if _is_message(obj):
            return self._ext(EXT_MESSAGE, [type(obj).__name__, obj.model_dump()])
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return self._ext(EXT_DATACLASS, [qualname(obj), {
                f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}])
        if hasattr(obj, "model_dump") and hasattr(type(obj), "model_fields"):
            return self._ext(EXT_PYDANTIC, [qualname(obj), obj.model_dump()])
        kind = type(obj).__name__
        if kind in ("Send", "Interrupt", "Command"):
            fields = {k: getattr(obj, k) for k in ("node", "arg", "value", "id", "graph",
                                                   "update", "resume", "goto") if hasattr(obj, k)}
            return self._ext(EXT_GRAPH_TYPE, [kind, fields])
        return msgpack.ExtType(EXT_REPR, msgpack.packb([qualname(obj), _safe_repr(obj)]))

    def pack(self, record: Any) -> bytes:
        """The record as msgpack bytes; never raises (worst case: reprs)."""
        try:
            return self._packer.pack(record)
        except Exception:
            self._packer.reset()
            self._depth = 0
            return msgpack.packb(_fallback(record), use_bin_type=True)


def _fallback(obj: Any, depth: int = 0) -> Any:
    """Last resort when packing failed (e.g. a cycle): natives kept, the rest as repr."""
    if obj is None or isinstance(obj, (bool, str, bytes, float)):
        return obj
    if isinstance(obj, int) and _INT_MIN <= obj <= _INT_MAX:
        return obj
    if depth < 16 and type(obj) is dict and all(isinstance(k, str) for k in obj):
        return {k: _fallback(v, depth + 1) for k, v in obj.items()}
    if depth < 16 and type(obj) is list:
        return [_fallback(v, depth + 1) for v in obj]
    return msgpack.ExtType(EXT_REPR, msgpack.packb([qualname(obj), _safe_repr(obj)]))


# -- decoding ---------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ObjectValue:
    """A recorded object whose class is not rebuilt: its class name and fields."""

    kind: str
    cls: str
    fields: Any

    def __repr__(self) -> str:
        if self.kind == "repr":
            return str(self.fields)
        short = self.cls.rsplit(".", 1)[-1]
        if isinstance(self.fields, dict):
            inner = ", ".join(f"{k}={v!r}" for k, v in self.fields.items())
            return f"{short}({inner})"
        return f"{short}({self.fields!r})"


@dataclasses.dataclass(frozen=True)
class ErrorValue:
    """A recorded exception: class, message and traceback text."""

    cls: str
    message: str
    repr: str
    traceback: str
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.message

    @property
    def name(self) -> str:
        return self.cls.rsplit(".", 1)[-1]


def _message(cls: str, fields: dict[str, Any]) -> Any:
    from engine import messages

    factory = getattr(messages, cls, None)
    if isinstance(factory, type) and issubclass(factory, messages.BaseMessage):
        data = dict(fields)
        data.pop("type", None)
        content = data.pop("content", "")
        try:
            if factory is messages.RemoveMessage:
                return messages.RemoveMessage(id=data.get("id") or "")
            known = {k: v for k, v in data.items() if k in factory._fields}
            return factory(content, **known)
        except Exception:
            pass
    return ObjectValue("message", cls, fields)


def _hashable(key: Any) -> Any:
    if isinstance(key, (list, tuple)):
        return tuple(_hashable(k) for k in key)
    if isinstance(key, set):
        return frozenset(key)
    if isinstance(key, dict):
        return tuple(sorted((str(k), _hashable(v)) for k, v in key.items()))
    if isinstance(key, ObjectValue):  # an enum / frozen dataclass / namedtuple key
        return ObjectValue(key.kind, key.cls, _hashable(key.fields))
    return key


def _ext_hook(code: int, data: bytes) -> Any:
    try:
        v = unpack(data)
        if code == EXT_TUPLE:
            return tuple(v)
        if code == EXT_SET:
            try:
                return set(v)
            except TypeError:
                return tuple(v)
        if code == EXT_BIGINT:
            return int(v)
        if code == EXT_DATETIME:
            return dt.datetime.fromisoformat(v)
        if code == EXT_DATE:
            return dt.date.fromisoformat(v)
        if code == EXT_PAIRS:
            return {_hashable(k): val for k, val in v}
        if code == EXT_MESSAGE:
            return _message(v[0], v[1])
        if code == EXT_EXCEPTION:
            return ErrorValue(v.get("cls", ""), v.get("message", ""), v.get("repr", ""),
                              v.get("traceback", ""), tuple(v.get("notes", ())))
        if code == EXT_REPR:
            return ObjectValue("repr", v[0], v[1])
        if code == EXT_ENUM:
            return ObjectValue("enum", v[0], {"name": v[1], "value": v[2]})
        kinds = {EXT_DATACLASS: "dataclass", EXT_PYDANTIC: "pydantic",
                 EXT_NAMEDTUPLE: "namedtuple", EXT_GRAPH_TYPE: "graph"}
        if code in kinds:
            return ObjectValue(kinds[code], v[0], v[1])
        return msgpack.ExtType(code, data)
    except Exception:
        return ObjectValue("repr", f"ext{code}", f"<undecodable ext {code}: {data[:40]!r}>")


def _pairs_hook(pairs: list[tuple[Any, Any]]) -> Any:
    return {_hashable(k): v for k, v in pairs}


def unpack(data: Buffer) -> Any:
    """Decode one record: ext values become Python values, ObjectValue or ErrorValue."""
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=_ext_hook)
    except TypeError:
        # A map whose decoded keys are not hashable: build maps from pairs instead.
        return msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=_ext_hook,
                               object_pairs_hook=_pairs_hook)


def same_value(a: Any, b: Any) -> bool:
    """Equality where NaN equals NaN (for round-trip checks)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and type(a) is type(b):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return bool(a == b)
