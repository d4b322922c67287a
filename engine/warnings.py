"""Deprecation warnings with LangGraph's classes (`langgraph.warnings`).

Each class names the LangGraph version that deprecated a feature and the one expected to
remove it; `str(warning)` says both, in LangGraph's words.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable


class LangGraphDeprecationWarning(DeprecationWarning):
    """A deprecated LangGraph feature, with the version since when and until when."""

    message: str
    since: tuple[int, int]
    expected_removal: tuple[int, int]

    def __init__(self, message: str, *args: object, since: tuple[int, int],
                 expected_removal: tuple[int, int] | None = None) -> None:
        super().__init__(message, *args)
        self.message = message.rstrip(".")
        self.since = since
        self.expected_removal = expected_removal or (since[0] + 1, 0)

    def __str__(self) -> str:
        since, until = self.since, self.expected_removal
        return (f"{self.message}. Deprecated in LangGraph V{since[0]}.{since[1]} "
                f"to be removed in V{until[0]}.{until[1]}.")


class LangGraphDeprecatedSinceV05(LangGraphDeprecationWarning):
    """Deprecated since LangGraph 0.5, to be removed in 2.0."""

    def __init__(self, message: str, *args: object) -> None:
        super().__init__(message, *args, since=(0, 5), expected_removal=(2, 0))


class LangGraphDeprecatedSinceV10(LangGraphDeprecationWarning):
    """Deprecated since LangGraph 1.0, to be removed in 2.0."""

    def __init__(self, message: str, *args: object) -> None:
        super().__init__(message, *args, since=(1, 0), expected_removal=(2, 0))


class LangGraphDeprecatedSinceV11(LangGraphDeprecationWarning):
    """Deprecated since LangGraph 1.1, to be removed in 3.0."""

    def __init__(self, message: str, *args: object) -> None:
        super().__init__(message, *args, since=(1, 1), expected_removal=(3, 0))


def warn_deprecated(message: str, category: Callable[[str], Warning],
                    stacklevel: int = 3) -> None:
    """Warn that a feature is deprecated, pointing at the caller's caller."""
    warnings.warn(category(message), stacklevel=stacklevel)


__all__ = [
    "LangGraphDeprecatedSinceV05",
    "LangGraphDeprecatedSinceV10",
    "LangGraphDeprecatedSinceV11",
    "LangGraphDeprecationWarning",
    "warn_deprecated",
]
