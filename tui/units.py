"""Human units, one notation for the CLI and the app: durations in ns, sizes in bytes."""

from __future__ import annotations

NONE = "—"
"""A duration that is not known (yet): one notation everywhere."""


def duration(ns: float | None, *, compact: bool = False) -> str:
    """A duration in nanoseconds: `850 ns`, `12.3 µs`, `197.7 ms`, `1.09 s`, `2m05s`; for
    narrow columns (`compact`): `850µs`, `12ms`, `1.25s`, `3m04s`. None: `NONE`."""
    if ns is None:
        return NONE
    if ns >= 60e9:
        minutes, seconds = divmod(round(ns / 1e9), 60)
        return f"{minutes}m{seconds:02d}s"
    if compact:
        if ns < 1_000_000:
            return f"{ns / 1e3:.0f}µs"
        if ns < 1_000_000_000:
            return f"{ns / 1e6:.0f}ms"
        return f"{ns / 1e9:.2f}s"
    if ns < 1_000:
        return f"{ns:.0f} ns"
    if ns < 1_000_000:
        return f"{ns / 1e3:.1f} µs"
    if ns < 1_000_000_000:
        return f"{ns / 1e6:.1f} ms"
    return f"{ns / 1e9:.2f} s"


def fmt_size(size: int) -> str:
    """A byte count as `812 B`, `3.7 KB`, `12.0 MB` (powers of 1024)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
