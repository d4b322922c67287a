"""`to_jsonable(value)`: any decoded trace value as plain JSON data, never raising.

- str, int, bool, None stay; floats stay unless NaN/±inf (then their name as text);
- bytes → `{"$bytes": "<base64>"}`;
- a recorded exception (ErrorValue) → `{"class", "message", "traceback"}`;
- a recorded object (ObjectValue) → `{"$object": "<class>", "fields": ...}`, or
  `{"$object": "<class>", "repr": "..."}` for one that was only recorded by its repr;
- message objects, dataclasses, pydantic models → their fields (messages keep `type`);
- dicts → objects (non-string keys by their repr), lists/tuples/sets → arrays;
- datetimes and dates → ISO text; anything else → its repr.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import enum
import math
from typing import Any, TypedDict

from tracer.codec import ErrorValue, ObjectValue

_MAX_DEPTH = 200

ErrorDict = TypedDict("ErrorDict", {"class": str, "message": str, "traceback": str})
"""A recorded error as JSON: `{class, message, traceback}`."""


def error_dict(error: object) -> ErrorDict:
    """An error (an ErrorValue, or anything recorded in its place) as class/message/tb."""
    if isinstance(error, ErrorValue):
        return {"class": _text(error.cls), "message": _text(error.message),
                "traceback": _text(error.traceback)}
    if isinstance(error, ObjectValue):
        return {"class": _text(error.cls), "message": _safe_repr(error), "traceback": ""}
    return {"class": type(error).__name__, "message": _text(error), "traceback": ""}


def _text(value: object) -> str:
    """str(value), for values a malformed trace may hold where text belongs."""
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except Exception:  # nested too deep for str, or a broken __str__
        return _safe_repr(value)


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as exc:  # a broken __repr__ must not break an export
        return f"<unrepresentable {type(value).__name__}: {type(exc).__name__}>"


def _key(key: Any) -> str:
    return key if isinstance(key, str) else _safe_repr(key)


def to_jsonable(value: object, depth: int = 0) -> Any:
    """`value` as data `json.dumps` accepts and any JSON parser reads back (see above)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth > _MAX_DEPTH:
        return _safe_repr(value)
    nested = depth + 1
    if isinstance(value, dict):
        return {_key(k): to_jsonable(v, nested) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v, nested) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((to_jsonable(v, nested) for v in value), key=_safe_repr)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, ErrorValue):
        return error_dict(value)
    if isinstance(value, ObjectValue):
        if value.kind == "repr":
            return {"$object": value.cls, "repr": str(value.fields)}
        return {"$object": value.cls, "fields": to_jsonable(value.fields, nested)}
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value, nested)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name, None) for f in dataclasses.fields(value)}
        return to_jsonable(fields, nested)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return to_jsonable(dump(), nested)
        except Exception:
            return _safe_repr(value)
    return _safe_repr(value)
