"""The base class of the engine's callback handlers: LangChain's BaseCallbackHandler when
langchain-core is installed (so they sit in a LangChain CallbackManager like any other),
else a stand-in with the two attributes the engine reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.callbacks import BaseCallbackHandler as HandlerBase
else:
    try:
        from langchain_core.callbacks import BaseCallbackHandler as HandlerBase
    except ImportError:  # langchain-core is optional

        class HandlerBase:
            """Stands in for LangChain's BaseCallbackHandler without langchain-core."""

            raise_error: bool = False
            """Whether a failure of this handler fails the run (else it is logged)."""
            run_inline: bool = False

__all__ = ["HandlerBase"]
