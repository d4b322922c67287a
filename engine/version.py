"""stepscope's version, read once from the installed package's metadata.

pyproject.toml is the only place the number is written; everything that shows or
records a version (``engine.__version__``, the run_start event, a trace's header,
``stepscope --version``) reads it from here.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def _installed_version() -> str:
    try:
        return version("stepscope")
    except PackageNotFoundError:
        # Run from a source tree that was never installed: say so rather than guess.
        return "0+unknown"


VERSION: str = _installed_version()
