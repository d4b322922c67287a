"""Safe mode: packing a record that defeated `Encoder`'s fast path, value by value.

msgpack's C packer gives up on a whole record for one bad value (text with a lone
surrogate, a list that contains itself, a `model_dump` that raises). Here every value
is checked before it is packed, and one that cannot be encoded becomes an ext 15
"unencodable" placeholder, `[qualified class name, reason]` (FORMAT.md §5); every other
value is encoded exactly as the fast path would have. Only failing records pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgpack

from tracer.codec import (
    _INT_MAX,
    _INT_MIN,
    _REPR_LIMIT,
    EXT_PAIRS,
    EXT_UNENCODABLE,
    qualname,
)

if TYPE_CHECKING:
    from tracer.codec import Encoder

MAX_LEVELS = 100
"""Deeper values become placeholders: safe mode recurses in Python (a few frames per
level) and must stay well inside the interpreter's recursion limit."""
_AS_IS = (bool, float, bytes, msgpack.ExtType)


class SafeMode:
    """One safe packing of one record by `encoder` (which calls back into it for the
    payloads of ext values while it is set as the encoder's `_safe`)."""

    def __init__(self, encoder: Encoder) -> None:
        self._convert = encoder._convert
        self._open: set[int] = set()
        """Ids of the values being encoded around the current one: one met again is a
        cycle."""
        self._level = 0

    def pack(self, record: Any) -> bytes:
        try:
            return msgpack.packb(self.sanitize(record), default=self.guarded,
                                 strict_types=True, use_bin_type=True)
        except Exception as exc:  # not expected: sanitize leaves only packable values
            return msgpack.packb(unencodable(record, describe(exc)))

    def guarded(self, obj: Any) -> Any:
        """The encoder's conversion of a non-native value, or a placeholder saying why
        it failed."""
        try:
            out = self._convert(obj)
        except Exception as exc:
            return unencodable(obj, _why(obj, exc))
        return out if type(out) is msgpack.ExtType else self.sanitize(out)

    def sanitize(self, obj: Any) -> Any:
        """`obj` made packable: natives kept, other values converted to ext values, and
        each part that cannot be encoded replaced by a placeholder."""
        kind = type(obj)
        if kind is str:
            try:
                obj.encode("utf-8")
            except UnicodeEncodeError as exc:
                return unencodable(obj, f"not UTF-8 text ({exc.reason} at index {exc.start}):"
                                        f" {obj!r}")
            return obj
        if obj is None or kind in _AS_IS or (kind is int and _INT_MIN <= obj <= _INT_MAX):
            return obj
        key = id(obj)
        if key in self._open:
            return unencodable(obj, f"a cycle: this {kind.__name__} contains itself")
        if self._level >= MAX_LEVELS:
            return unencodable(obj, f"nested more than {MAX_LEVELS} levels deep")
        self._open.add(key)
        self._level += 1
        try:
            if kind is list:
                items = []
                for item in obj:
                    items.append(self.sanitize(item))
                return items
            if kind is dict:
                return self._mapping(obj)
            return self.guarded(obj)
        except Exception as exc:  # RecursionError; a container changed by another thread
            return unencodable(obj, describe(exc))
        finally:
            self._open.discard(key)
            self._level -= 1

    def _mapping(self, obj: dict[Any, Any]) -> Any:
        pairs = []
        for k, v in obj.items():
            pairs.append((self.sanitize(k), self.sanitize(v)))
        try:
            out = dict(pairs)
        except TypeError:  # a key that became a list or a dict
            out = {}
        if len(out) == len(pairs):
            return out
        # Keys that became unhashable or equal: keep every pair, as the fast path does
        # for a dict msgpack cannot write as a map.
        return msgpack.ExtType(EXT_PAIRS, msgpack.packb(
            [[k, v] for k, v in pairs], default=self.guarded, strict_types=True,
            use_bin_type=True))

    @staticmethod
    def texts(fields: dict[str, Any]) -> dict[str, Any]:
        """An exception's fields with their text made valid UTF-8 (readers expect text
        there, not placeholders)."""
        out = {k: clean(v) if type(v) is str else v for k, v in fields.items()}
        out["notes"] = [clean(str(n)) for n in out.get("notes", ())]
        return out


def clean(text: str) -> str:
    """`text` as valid UTF-8 (lone surrogates escaped as `\\udxxx`), at most 2000 chars."""
    if len(text) > _REPR_LIMIT:
        text = text[:_REPR_LIMIT] + "…"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def describe(exc: BaseException) -> str:
    try:
        return f"{type(exc).__name__}: {exc}"
    except Exception:  # its __str__ raises too
        return type(exc).__name__


def _why(obj: Any, exc: BaseException) -> str:
    """What converting `obj` raised, with the object's repr when it has one."""
    try:
        return f"{describe(exc)}; repr: {obj!r}"
    except Exception:
        return f"unrepresentable: {describe(exc)}"


def unencodable(obj: Any, reason: str) -> msgpack.ExtType:
    """The placeholder for a value that cannot be encoded: its class and why."""
    try:
        name = qualname(obj)
    except Exception:  # a class whose name cannot be read
        name = "?"
    return msgpack.ExtType(EXT_UNENCODABLE, msgpack.packb([clean(name), clean(reason)]))
