"""The scenario registry: vector name -> zero-argument function that reproduces the vector."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Optional engine modules that land later (issue 3); scenarios list the ones they import.
MESSAGES: tuple[str, ...] = ("engine.messages",)
CHAT: tuple[str, ...] = ("engine.chat_models", "engine.messages")
TOOLS: tuple[str, ...] = ("engine.tools",)
TOOLNODE: tuple[str, ...] = ("engine.prebuilt", "engine.tools", "engine.messages")


@dataclass(frozen=True)
class Outcome:
    """What a scenario produced: the items to compare, plus `extra` facts for trimmed vectors."""

    items: list[Any]
    extra: dict[str, Any] | None = None


@dataclass(frozen=True)
class Scenario:
    """One vector's reproduction: its builder, whether its step order is racy, what it imports."""

    name: str
    run: Callable[[], Any]
    racy: bool = False
    needs: tuple[str, ...] = ()


REGISTRY: dict[str, Scenario] = {}


def register(
    name: str, run: Callable[[], Any], *, racy: bool = False, needs: tuple[str, ...] = ()
) -> None:
    """Add `run` under vector `name`; a name registered twice is a harness bug."""
    if name in REGISTRY:
        raise ValueError(f"scenario {name!r} registered twice")
    REGISTRY[name] = Scenario(name=name, run=run, racy=racy, needs=needs)


def scenario(
    *, racy: bool = False, needs: tuple[str, ...] = ()
) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Decorator form of `register`, using the function's own name as the vector name."""

    def wrap(fn: Callable[[], Any]) -> Callable[[], Any]:
        register(fn.__name__, fn, racy=racy, needs=needs)
        return fn

    return wrap


def execute(entry: Scenario) -> Outcome:
    """Run a scenario (coroutines under a fresh event loop) and wrap its result as an Outcome."""
    result = entry.run()
    if inspect.isawaitable(result):
        result = asyncio.run(_await(result))
    if isinstance(result, Outcome):
        return result
    return Outcome(items=list(result))


async def _await(awaitable: Any) -> Any:
    return await awaitable
