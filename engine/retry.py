"""Retry policies: which failures a node retries, and how long it waits before each retry.

Pure functions; the loop (`engine.pregel.loop`) calls them when an attempt fails and sleeps
through the run's clock. Behaviour follows LangGraph 1.2.22's (observed, see
tests/engine/test_retry.py):

- a node's policies are tried in order and the first whose `retry_on` matches applies;
  no match (or no policy) means the failure is final;
- `max_attempts` counts every run of the node, the first included;
- before retry k (k = 1, 2, …) the node waits
  `min(max_interval, initial_interval * backoff_factor ** (k - 1))` seconds, plus a
  uniform 0-1 s when `jitter` is set;
- only `Exception`s are retried, never an interrupt, a `Command.PARENT` exit or a stop.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Sequence
from typing import NamedTuple

_NOT_RETRIED_BY_DEFAULT = (
    ValueError,
    TypeError,
    ArithmeticError,
    ImportError,
    LookupError,
    NameError,
    SyntaxError,
    RuntimeError,
    ReferenceError,
    StopIteration,
    StopAsyncIteration,
    OSError,
)
"""Programming errors and local I/O errors: running the node again would fail again."""


def default_retry_on(exc: Exception) -> bool:
    """Whether `RetryPolicy()`'s default retries `exc`.

    Retried: `ConnectionError`s, httpx HTTP errors with a 5xx status, requests HTTP
    errors with an error status or none, and any exception not in the list above (a
    custom error, `AttributeError`, …). Not retried: `ValueError`, `TypeError`,
    `RuntimeError`, `LookupError`, `OSError` other than `ConnectionError` (so neither a
    `TimeoutError` nor requests' own `ConnectionError`), … — as LangGraph decides.
    """
    if isinstance(exc, ConnectionError):
        return True
    http = _http_error_retried(exc)
    if http is not None:
        return http
    return not isinstance(exc, _NOT_RETRIED_BY_DEFAULT)


def _http_error_retried(exc: Exception) -> bool | None:
    """For an httpx or requests HTTP error, whether to retry it; None for anything else.
    Neither library is imported here: an instance of its error means it is loaded."""
    httpx = sys.modules.get("httpx")
    if httpx is not None and isinstance(exc, httpx.HTTPStatusError):
        return 500 <= exc.response.status_code < 600
    requests = sys.modules.get("requests")
    if requests is not None and isinstance(exc, requests.HTTPError):
        # A requests Response is false for a status >= 400, so every error status
        # (4xx too) is retried, as by LangGraph, and so is an error without a response.
        return not exc.response
    return None


class RetryPolicy(NamedTuple):
    """How a node is retried when it raises (`add_node(..., retry_policy=...)`)."""

    initial_interval: float = 0.5
    """Seconds before the first retry."""
    backoff_factor: float = 2.0
    """Multiplier of the interval after each retry."""
    max_interval: float = 128.0
    """The longest interval, in seconds (jitter comes on top)."""
    max_attempts: int = 3
    """Attempts in all, the first included."""
    jitter: bool = True
    """Add a random 0-1 s to each interval."""
    retry_on: type[Exception] | Sequence[type[Exception]] | Callable[[Exception], bool] = (
        default_retry_on
    )
    """Exception classes to retry, or a predicate over the exception."""


def as_policies(value: RetryPolicy | Sequence[RetryPolicy] | None) -> Sequence[RetryPolicy] | None:
    """`add_node`'s `retry_policy` as the node keeps it: one policy becomes a 1-tuple."""
    if value is None:
        return None
    return (value,) if isinstance(value, RetryPolicy) else value


def matches(policy: RetryPolicy, exc: Exception) -> bool:
    """Whether `policy.retry_on` selects `exc`; a TypeError for a malformed `retry_on`."""
    retry_on = policy.retry_on
    if isinstance(retry_on, Sequence):
        return isinstance(exc, tuple(retry_on))
    if isinstance(retry_on, type) and issubclass(retry_on, Exception):
        return isinstance(exc, retry_on)
    if callable(retry_on):
        # As in LangGraph, a class that is not an Exception subclass lands here too and
        # is called with the exception: any callable, hence the wide annotation.
        predicate: Callable[..., object] = retry_on
        return bool(predicate(exc))
    raise TypeError(
        "retry_on must be an Exception class, a list or tuple of Exception classes, "
        "or a callable"
    )


def policy_for(policies: Sequence[RetryPolicy], exc: Exception) -> RetryPolicy | None:
    """The first policy that retries `exc`, or None."""
    for policy in policies:
        if matches(policy, exc):
            return policy
    return None


def retry_delay(policy: RetryPolicy, failures: int,
                draw: Callable[[float, float], float] | None = None) -> float | None:
    """Seconds to wait after the `failures`-th failed attempt, or None to give up. The
    jitter is `draw(0, 1)`, by default `random.uniform` as found when called (so a test
    that patches it sees the jitter it chose, as with LangGraph)."""
    if failures >= policy.max_attempts:
        return None
    interval = min(policy.max_interval,
                   policy.initial_interval * policy.backoff_factor ** (failures - 1))
    if not policy.jitter:
        return interval
    return interval + (draw or random.uniform)(0, 1)


def delay_after(policies: Sequence[RetryPolicy], exc: Exception, failures: int) -> float | None:
    """Seconds to wait after the `failures`-th failed attempt raised `exc` (the first
    policy that retries `exc` decides), or None: the failure is final."""
    policy = policy_for(policies, exc)
    return None if policy is None else retry_delay(policy, failures)
