"""Values in traces: msgpack natives, plus msgpack ext types for everything else.

Encoding never raises into the user's graph: an object with no better form becomes an
ext "repr" value (class name and repr), and a value that cannot be encoded at all (text
that is not UTF-8, a cycle, a method that raises) an ext "unencodable" placeholder
(class name and the reason). Ext types keep user data unambiguous — no dict key is
reserved — and stay plain msgpack for any reader (FORMAT.md "Values" lists the codes
and their payloads).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
import threading
import traceback
from typing import TYPE_CHECKING, Any

import msgpack

if TYPE_CHECKING:
    from typing_extensions import Buffer

    from tracer.safe_encode import SafeMode

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
EXT_UNENCODABLE = 15

_MAX_DEPTH = 64
_GRAPH_TYPES = frozenset({"Send", "Interrupt", "Command"})
_GRAPH_MODULES = frozenset({"engine", "langgraph"})
"""Where Send, Interrupt and Command come from: a user's own class of the same name is
just a class (a dataclass, say)."""
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
    """Packs records. Natives go straight through msgpack; the rest become ext types.

    A record that defeats this fast path (text that is not UTF-8, a cycle, a method
    that raises) is packed again value by value (`tracer.safe_encode`): what cannot be
    encoded becomes an ext "unencodable" placeholder, every other value is kept.
    """

    def __init__(self) -> None:
        # `_convert` may raise: `pack` then starts over in safe mode (no half-measures
        # here, so the fast path has no try/except per value).
        self._packer = msgpack.Packer(default=self._convert, strict_types=True,
                                      use_bin_type=True)
        self._depth = 0
        self._safe: SafeMode | None = None

    def _ext(self, code: int, payload: Any) -> msgpack.ExtType:
        self._depth += 1
        try:
            if self._depth > _MAX_DEPTH:
                raise ValueError(f"nested more than {_MAX_DEPTH} objects deep")
            safe = self._safe
            if safe is not None:
                payload = safe.sanitize(payload)
            inner = msgpack.Packer(default=self._convert if safe is None else safe.guarded,
                                   strict_types=True, use_bin_type=True)
            return msgpack.ExtType(code, inner.pack(payload))
        finally:
            self._depth -= 1

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
            fields = exception_fields(obj)
            if self._safe is not None:  # readers take these as text: escape, no placeholder
                fields = self._safe.texts(fields)
            return self._ext(EXT_EXCEPTION, fields)
        if _is_message(obj):
            return self._ext(EXT_MESSAGE, [type(obj).__name__, obj.model_dump()])
        kind = type(obj).__name__
        if kind in _GRAPH_TYPES and type(obj).__module__.split(".")[0] in _GRAPH_MODULES:
            # Before the dataclass case: the engine's and LangGraph's Interrupt and
            # Command are dataclasses, and FORMAT.md gives the three their own ext type.
            fields = {k: getattr(obj, k) for k in ("node", "arg", "value", "id", "graph",
                                                   "update", "resume", "goto") if hasattr(obj, k)}
            return self._ext(EXT_GRAPH_TYPE, [kind, fields])
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return self._ext(EXT_DATACLASS, [qualname(obj), {
                f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}])
        if hasattr(obj, "model_dump") and hasattr(type(obj), "model_fields"):
            return self._ext(EXT_PYDANTIC, [qualname(obj), obj.model_dump()])
        text = repr(obj)  # a broken __repr__ raises: safe mode records why instead
        if len(text) > _REPR_LIMIT:
            text = text[:_REPR_LIMIT] + "…"
        return msgpack.ExtType(EXT_REPR, msgpack.packb([qualname(obj), text]))

    def pack(self, record: Any) -> bytes:
        """The record as msgpack bytes; never raises (worst case: placeholders)."""
        try:
            return self._packer.pack(record)
        except Exception:
            self._packer.reset()
            self._depth = 0
            from tracer.safe_encode import SafeMode  # only records that failed need it

            self._safe = SafeMode(self)
            try:
                return self._safe.pack(record)
            finally:
                self._safe = None
                self._depth = 0


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
        if self.kind == "unencodable":
            return f"<unencodable {self.cls}: {self.fields}>"
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
            fields_of = messages.message_fields(factory)
            known = {k: v for k, v in data.items() if k in fields_of}
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


_decoding = threading.local()
"""How deep the current thread is in nested ext values: each level is a nested C
unpacker on the C stack, so a crafted file nesting thousands would overflow it."""


def ext_hook(code: int, data: bytes) -> Any:
    """msgpack's ext_hook for trace values (FORMAT.md §5), nesting-depth guarded."""
    depth = getattr(_decoding, "depth", 0)
    if depth >= _MAX_DEPTH:
        return ObjectValue("repr", f"ext{code}", "<nested too deep to decode>")
    _decoding.depth = depth + 1
    try:
        return _ext_value(code, data)
    finally:
        _decoding.depth = depth


def _ext_value(code: int, data: bytes) -> Any:
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
            return ErrorValue(_text(v.get("cls", "")), _text(v.get("message", "")),
                              _text(v.get("repr", "")), _text(v.get("traceback", "")),
                              tuple(_text(n) for n in v.get("notes", ())))
        if code == EXT_REPR:
            return ObjectValue("repr", _text(v[0]), _text(v[1]))
        if code == EXT_ENUM:
            return ObjectValue("enum", _text(v[0]), {"name": v[1], "value": v[2]})
        if code == EXT_UNENCODABLE:
            return ObjectValue("unencodable", str(v[0]), str(v[1]))
        kinds = {EXT_DATACLASS: "dataclass", EXT_PYDANTIC: "pydantic",
                 EXT_NAMEDTUPLE: "namedtuple", EXT_GRAPH_TYPE: "graph"}
        if code in kinds:
            return ObjectValue(kinds[code], _text(v[0]), v[1])
        return msgpack.ExtType(code, data)
    except Exception:
        return ObjectValue("repr", f"ext{code}", f"<undecodable ext {code}: {data[:40]!r}>")


def _text(value: Any) -> str:
    """A decoded field that must be text (a class name, a message): anything else in
    its place is malformed, and raises, for `_ext_value` to show the value undecoded."""
    if type(value) is not str:
        raise TypeError("not text")
    return value


def _pairs_hook(pairs: list[tuple[Any, Any]]) -> Any:
    return {_hashable(k): v for k, v in pairs}


CHECKED_SIZE = 1 << 16
"""Values from this many bytes on are checked for how many maps and arrays they hold."""
BYTES_PER_CONTAINER = 3
"""A checked value may build a map or an array per this many of its bytes, no more.

Each costs 60-100 bytes of memory however small it is, so 4 MB of empty arrays would
take 300 MB to decode. With this limit, decoding takes at most ~30 times the value's
size (measured by tests/tracer/test_fuzz.py). Three bytes hold a pair of small ints
(`[1, 2]`), the smallest container real states hold in bulk; a writer exceeds the limit
only for a value that is mostly empty or one-item containers (a long list of `[1]`s or
`[]`s): such a record is reported as undecodable rather than risk the memory."""
_CONTAINER_HEADS = bytes([*range(0x80, 0xA0), 0xDC, 0xDD, 0xDE, 0xDF])
"""The first byte of every msgpack map and array (fix, 16- and 32-bit forms)."""


class TooManyContainers(ValueError):
    """A value holds more maps and arrays than BYTES_PER_CONTAINER allows."""


class _Budget:
    """msgpack hooks counting the maps and arrays built, raising past `left`."""

    def __init__(self, left: int) -> None:
        self.left = left

    def _spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise TooManyContainers("more maps and arrays than its size allows (decoding "
                                    "it would take too much memory)")

    def array(self, items: list[Any]) -> list[Any]:
        self._spend()
        return items

    def map(self, items: dict[Any, Any]) -> dict[Any, Any]:
        self._spend()
        return items

    def pairs(self, pairs: list[tuple[Any, Any]]) -> Any:
        self._spend()
        return _pairs_hook(pairs)


def _container_limit(data: Buffer) -> int | None:
    """How many containers a large value may build, if its bytes may hold more than that
    (counting their possible first bytes is a fast upper bound); None: decode freely."""
    raw = data if isinstance(data, bytes) else bytes(data)
    if len(raw) < CHECKED_SIZE:
        return None
    limit = len(raw) // BYTES_PER_CONTAINER
    heads = len(raw) - len(raw.translate(None, _CONTAINER_HEADS))
    return limit if heads > limit else None


def unpack(data: Buffer) -> Any:
    """Decode one value: ext values become Python values, ObjectValue or ErrorValue.

    Raises what msgpack raises for bytes that are not one msgpack value (ValueError and
    its kin), and TooManyContainers; `unpack_record` turns those into UndecodableError.
    """
    limit = _container_limit(data)
    if limit is not None:
        budget = _Budget(limit)
        try:
            return msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=ext_hook,
                                   list_hook=budget.array, object_hook=budget.map)
        except TypeError:
            budget = _Budget(limit)
            return msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=ext_hook,
                                   list_hook=budget.array, object_pairs_hook=budget.pairs)
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=ext_hook)
    except TypeError:
        # A map whose decoded keys are not hashable: build maps from pairs instead.
        return msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=ext_hook,
                               object_pairs_hook=_pairs_hook)


def _why(exc: Exception) -> str:
    """What msgpack (or a guard here) found wrong, in a few words."""
    if isinstance(exc, (RecursionError, msgpack.StackError)):
        return "nested too deep"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class UndecodableError(ValueError):
    """A frame's payload is not a record (the reader reports it with its offset)."""


def unpack_data(payload: Buffer) -> dict[str, Any]:
    """The `data` map of a record, for readers that need nothing else (UndecodableError
    if the payload is not an array of 6 ending with a map)."""
    try:
        record = unpack(payload)
    except Exception as exc:  # msgpack's errors for bad bytes have no common base
        raise UndecodableError(f"undecodable record ({_why(exc)})") from None
    if type(record) is not list or len(record) != 6 or type(record[5]) is not dict:
        raise UndecodableError("not a record (expected an array of 6 items ending in a map)")
    data: dict[str, Any] = record[5]
    return data


def unpack_record(payload: Buffer) -> list[Any]:
    """Decode a frame's payload as a record `[kind, seq, t, ns, step, data]`, checking its
    shape, so that code reading records never meets a wrong type (UndecodableError)."""
    try:
        record = unpack(payload)
    except Exception as exc:  # msgpack's errors for bad bytes have no common base
        raise UndecodableError(f"undecodable record ({_why(exc)})") from None
    if type(record) is not list or len(record) != 6:
        raise UndecodableError("not a record (expected an array of 6 items)")
    kind, seq, t, ns, step, data = record
    if type(data) is not dict or type(ns) is not list or type(step) is not int or (
            type(seq) is not int or type(t) is not int or type(kind) not in (int, str)):
        raise UndecodableError("malformed record (a field of the wrong type)")
    for part in ns:
        if type(part) is not str:
            raise UndecodableError("malformed record (a namespace part that is not text)")
    return record


BATCH_KIND = 12
"""The kind of a batch frame's record (FORMAT.md §2; `tracer.records.BATCH`)."""


def batch_records(record: list[Any]) -> list[list[Any]]:
    """The events of a batch record, each as a record `[kind, seq, t, ns, step, data]`
    of the batch's namespace, checked as `unpack_record` checks one (UndecodableError).
    A batch holds at least two events, none of them a batch, keyframe or index."""
    items = record[5].get("b")
    if type(items) is not list or len(items) < 2:
        raise UndecodableError("malformed batch (its events are not a list of two or more)")
    ns = record[3]
    out = []
    for item in items:
        if type(item) is not list or len(item) != 5:
            raise UndecodableError("malformed batch (an event that is not an array of 5)")
        kind, seq, t, step, data = item
        if type(kind) is not int or not 0 <= kind < BATCH_KIND or type(data) is not dict or (
                type(step) is not int or type(seq) is not int or type(t) is not int):
            raise UndecodableError("malformed batch (an event field of the wrong type)")
        out.append([kind, seq, t, ns, step, data])
    return out


def same_value(a: Any, b: Any) -> bool:
    """Equality where NaN equals NaN (for round-trip checks)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and type(a) is type(b):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return bool(a == b)
