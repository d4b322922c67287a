"""Human units for the CLI: durations in ns and sizes in bytes, short and aligned."""

from __future__ import annotations


def fmt_ns(ns: float | None) -> str:
    """A duration in nanoseconds as `850 ns`, `12.3 µs`, `197.7 ms`, `1.09 s`, `2m05s`."""
    if ns is None:
        return "–"
    if ns < 1_000:
        return f"{ns:.0f} ns"
    if ns < 1_000_000:
        return f"{ns / 1e3:.1f} µs"
    if ns < 1_000_000_000:
        return f"{ns / 1e6:.1f} ms"
    if ns < 60e9:
        return f"{ns / 1e9:.2f} s"
    minutes, seconds = divmod(round(ns / 1e9), 60)
    return f"{minutes}m{seconds:02d}s"


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
