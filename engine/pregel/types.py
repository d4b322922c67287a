"""Deprecated home of some public types (`langgraph.pregel.types`): use `engine.types`."""

from engine.types import (
    All,
    CachePolicy,
    PregelTask,
    RetryPolicy,
    StateSnapshot,
    StreamMode,
    StreamWriter,
    default_retry_on,
)
from engine.warnings import LangGraphDeprecatedSinceV10, warn_deprecated

warn_deprecated("Importing from langgraph.pregel.types is deprecated. Please use "
                "'from langgraph.types import ...' instead.", LangGraphDeprecatedSinceV10,
                stacklevel=2)

__all__ = ["All", "CachePolicy", "PregelTask", "RetryPolicy", "StateSnapshot", "StreamMode",
           "StreamWriter", "default_retry_on"]
