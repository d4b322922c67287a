"""`run.interleave(*names)`: several projections merged in the order items were pushed.

Each channel item carries the push stamp its mux gave it; the merge always takes the
earliest-stamped head, and pumps the run when every claimed channel is empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from engine.stream.stream_channel import StreamChannel


def interleave(extensions: Mapping[str, Any], names: tuple[str, ...],
               pump: Callable[[], bool] | None) -> Iterator[tuple[str, Any]]:
    """`(name, item)` in arrival order; the channels are claimed (subscribed) when
    iteration starts and released when it ends, is closed or raises."""
    channels = _claim(extensions, names, want_async=False)
    yield from _merge(channels, pump)


def _merge(channels: dict[str, StreamChannel[Any]],
           pump: Callable[[], bool] | None) -> Iterator[tuple[str, Any]]:
    try:
        done: set[str] = set()
        while len(done) < len(channels):
            name = _earliest(channels, done)
            if name is not None:
                yield name, channels[name]._items.popleft()[1]
                continue
            if pump is None or not pump():
                before = len(done)
                _settle(channels, done)
                if len(done) == before:
                    break
    finally:
        for ch in channels.values():
            ch._subscribed = False


def _claim(extensions: Mapping[str, Any], names: tuple[str, ...],
           want_async: bool) -> dict[str, StreamChannel[Any]]:
    channels: dict[str, StreamChannel[Any]] = {}
    try:
        for name in names:
            ch = extensions[name]
            if not isinstance(ch, StreamChannel):
                raise TypeError("interleave() requires StreamChannel projections, "
                                f"got {type(ch).__name__} for {name!r}")
            if ch._is_async is None:
                raise TypeError(f"StreamChannel {name!r} has not been bound yet. "
                                "Register the transformer with a StreamMux first.")
            if ch._is_async != want_async:
                raise TypeError(f"StreamChannel {name!r} is bound to "
                                f"{'async' if ch._is_async else 'sync'} mode — interleave() "
                                "cannot consume it.")
            if ch._subscribed:
                raise RuntimeError(f"StreamChannel {name!r} already has a subscriber; "
                                   "use .tee(n) for fan-out.")
            ch._subscribed = True
            channels[name] = ch
    except BaseException:
        for ch in channels.values():
            ch._subscribed = False
        raise
    return channels


def _earliest(channels: dict[str, StreamChannel[Any]], done: set[str]) -> str | None:
    """The channel holding the earliest-stamped queued item; marks drained closed ones
    done (raising a failed one's error)."""
    best: tuple[int, str] | None = None
    for name, ch in channels.items():
        if name in done:
            continue
        if ch._items:
            stamp = ch._items[0][0]
            if best is None or stamp < best[0]:
                best = (stamp, name)
        elif ch._closed:
            if ch._error is not None:
                raise ch._error
            done.add(name)
    return None if best is None else best[1]


def _settle(channels: dict[str, StreamChannel[Any]], done: set[str]) -> None:
    for name, ch in channels.items():
        if name not in done and not ch._items and ch._closed:
            if ch._error is not None:
                raise ch._error
            done.add(name)
