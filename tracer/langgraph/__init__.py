"""Record programs that run on real LangGraph (the optional `stepscope[langgraph]` extra).

`enable()` makes every LangGraph run started while sinks are attached (`record()`,
STEPSCOPE_TRACE, `stepscope run`) emit stepscope's engine events, so the same writer,
reader and viewer serve both runtimes. It imports nothing from LangGraph until the
program does: if LangGraph is not loaded yet, the hook is installed right after the
program imports it. The only module of stepscope that imports LangGraph is this package.

Supported: LangGraph `SUPPORTED` (the adapter wraps one private method of its loop;
`check_version` refuses other versions with a message saying which are supported).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
import warnings
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType

SUPPORTED = (1, 2)
"""LangGraph major.minor versions the adapter is written and tested against."""
INSTALL_HINT = "pip install 'stepscope[langgraph]'"
LOOP_MODULE = "langgraph.pregel._loop"


class LangGraphVersionError(RuntimeError):
    """The installed LangGraph is one the adapter does not support."""


def langgraph_version() -> str | None:
    """The installed LangGraph's version, or None when it is not installed."""
    try:
        return version("langgraph")
    except PackageNotFoundError:
        return None


def check_version(found: str | None = None) -> str:
    """The installed version, or LangGraphVersionError saying what is supported."""
    found = found if found is not None else langgraph_version()
    if found is None:
        raise LangGraphVersionError(f"LangGraph is not installed; install it with {INSTALL_HINT}")
    parts = tuple(int(p) for p in found.split(".")[:2] if p.isdigit())
    if parts != SUPPORTED:
        raise LangGraphVersionError(
            f"stepscope records LangGraph {SUPPORTED[0]}.{SUPPORTED[1]}.x; this is LangGraph "
            f"{found}: install a supported one with {INSTALL_HINT} (runs are not recorded)")
    return found


_lock = threading.Lock()
_warned = False


def enable() -> bool:
    """Record LangGraph runs from now on; True if the hook is in place now, False if it
    waits for the program to import LangGraph (or LangGraph's version is unsupported:
    one warning)."""
    if LOOP_MODULE in sys.modules:
        return _install_checked()
    with _lock:
        if not any(isinstance(f, _InstallOnImport) for f in sys.meta_path):
            sys.meta_path.insert(0, _InstallOnImport())
    return False


def _install_checked() -> bool:
    global _warned
    try:
        check_version()
    except LangGraphVersionError as exc:
        if not _warned:
            _warned = True
            warnings.warn(f"stepscope: {exc}", stacklevel=3)
        return False
    from tracer.langgraph.patch import install

    install()
    return True


class _InstallOnImport(importlib.abc.MetaPathFinder):
    """Installs the hook once LangGraph's loop module has been imported (by the program),
    then removes itself. Finds nothing itself: the usual finders do the importing."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != LOOP_MODULE:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _Loader(spec.loader, self)
                return spec
        return None


class _Loader(importlib.abc.Loader):
    def __init__(self, inner: importlib.abc.Loader, finder: _InstallOnImport) -> None:
        self.inner = inner
        self.finder = finder

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.inner.exec_module(module)
        if self.finder in sys.meta_path:
            sys.meta_path.remove(self.finder)
        try:
            _install_checked()
        except Exception as exc:  # the program's import must not fail for our sake
            warnings.warn(f"stepscope: cannot record LangGraph runs: {exc}", stacklevel=2)


__all__ = ["INSTALL_HINT", "SUPPORTED", "LangGraphVersionError", "check_version", "enable",
           "langgraph_version"]
