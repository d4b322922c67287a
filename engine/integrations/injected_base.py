"""The base class of tool arguments a ToolNode passes itself (`ToolRuntime`): LangChain's
`_DirectlyInjectedToolArg` when langchain-core is installed, so a LangChain tool leaves
such an argument out of the schema its model sees; else a plain class (the engine's own
tools leave `runtime` out by its name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.tools.base import _DirectlyInjectedToolArg as DirectlyInjected
else:
    try:
        from langchain_core.tools.base import _DirectlyInjectedToolArg as DirectlyInjected
    except ImportError:  # langchain-core is optional

        class DirectlyInjected:
            """Stands in for LangChain's marker of directly injected tool arguments."""

__all__ = ["DirectlyInjected"]
