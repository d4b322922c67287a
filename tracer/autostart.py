"""Run at interpreter start by `stepscope-trace.pth` when STEPSCOPE_TRACE is set.

An engine program picks the variable up by itself (the engine reads it when its first
run starts), but a program on real LangGraph never calls into stepscope: this makes its
LangGraph runs recorded too, with no change to the command. It imports nothing from
LangGraph; the hook is installed when the program imports it (`tracer.langgraph.enable`).
Nothing here may stop the program from starting: a failure is one warning.
"""

from __future__ import annotations

import warnings


def _start() -> None:
    try:
        from tracer.langgraph import enable

        enable()
    except Exception as exc:
        warnings.warn(f"stepscope: STEPSCOPE_TRACE cannot record LangGraph runs: {exc}",
                      stacklevel=2)


_start()
