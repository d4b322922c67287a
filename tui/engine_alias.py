"""`--engine stepscope`: a program written against `langgraph` runs on stepscope's engine.

The engine mirrors LangGraph's module layout (`langgraph.X` → `engine.X`), so an import
alias is enough: while the alias is installed, importing `langgraph` or `langgraph.X`
gives the module `engine` or `engine.X`. No file of the program is edited.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

ALIASED = "langgraph"
TARGET = "engine"


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != ALIASED and not fullname.startswith(ALIASED + "."):
            return None
        real = TARGET + fullname[len(ALIASED):]
        if importlib.util.find_spec(real) is None:
            return None  # `langgraph.X` the engine lacks: ModuleNotFoundError, as usual
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(real))


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, real: str) -> None:
        self.real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        # The engine's own module object: classes and functions are the engine's, so
        # `isinstance` checks agree whichever name the program imported them by.
        return importlib.import_module(self.real)

    def exec_module(self, module: ModuleType) -> None:
        """Already executed under its real name."""


def install_alias() -> None:
    """Alias `langgraph` to the engine for this process. Refused (RuntimeError) if the
    program's LangGraph is already imported: two runtimes would be mixed."""
    if ALIASED in sys.modules and sys.modules[ALIASED].__name__ != TARGET:
        raise RuntimeError("langgraph is already imported")
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())
