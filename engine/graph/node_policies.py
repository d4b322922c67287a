"""Per-node policies a builder resolves at compile time: error handlers, and the
defaults `StateGraph.set_node_defaults` sets for retry, cache, error handler, timeout.

Rules (LangGraph 1.2.22's, observed): a node's own value wins over the default; the
retry and timeout defaults also apply to error-handler nodes, the error-handler and
cache defaults only to regular nodes (a handler never handles itself or another
handler's failure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from engine.retry import RetryPolicy
from engine.timeout import TimeoutPolicy

DEFAULT_ERROR_HANDLER = "__default_error_handler__"
"""The node that runs `set_node_defaults(error_handler=...)`."""


def error_handler_node(node: str) -> str:
    """The node that runs `add_node(node, ..., error_handler=...)`."""
    return f"__error_handler__{node}"


@dataclass
class NodeDefaults:
    """What `set_node_defaults` was given (None: no default)."""

    retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None
    cache_policy: Any = None
    error_handler: Any = None
    timeout: TimeoutPolicy | None = None

    def update(self, *, retry_policy: RetryPolicy | Sequence[RetryPolicy] | None,
               cache_policy: Any, error_handler: Any,
               timeout: float | timedelta | TimeoutPolicy | None) -> None:
        """Set the given defaults, keep the others."""
        if retry_policy is not None:
            self.retry_policy = retry_policy
        if cache_policy is not None:
            self.cache_policy = cache_policy
        if error_handler is not None:
            self.error_handler = error_handler
        if timeout is not None:
            self.timeout = TimeoutPolicy.coerce(timeout)

    def retry_for(self, own: RetryPolicy | Sequence[RetryPolicy] | None,
                  ) -> RetryPolicy | Sequence[RetryPolicy] | None:
        return own if own is not None else self.retry_policy

    def timeout_for(self, own: TimeoutPolicy | None) -> TimeoutPolicy | None:
        return own if own is not None else self.timeout

    def handler_for(self, own: str | None, is_error_handler: bool) -> str | None:
        """The node that handles a node's failure: its own handler, else the default
        one (never for a handler)."""
        if own is not None or is_error_handler or self.error_handler is None:
            return own
        return DEFAULT_ERROR_HANDLER
