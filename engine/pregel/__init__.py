"""The Pregel loop: plan, execute, update, one superstep at a time."""

from engine.pregel.compiled import Pregel, PregelProtocol

__all__ = ["Pregel", "PregelProtocol"]
