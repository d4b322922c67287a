"""Live export's follower processes end with the test that started them (a program's
would live until it exits; a test session would otherwise keep one per receiver)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tracer.export.otel_live import finish_all


@pytest.fixture(autouse=True)
def _followers_end() -> Iterator[None]:
    yield
    finish_all()
