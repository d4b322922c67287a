"""Resolve a TARGET (`path/to/file.py[:attr]` or `package.module[:attr]`) to a graph.

`resolve_target` returns the module too (the CLI takes default inputs from its
`inputs` attribute); `load_target` returns just the graph. Every failure is a
`TargetError` whose message says what went wrong, for the user, without a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any


class TargetError(Exception):
    """The TARGET could not be loaded; the message says why, for the user."""


@dataclass(frozen=True)
class Target:
    """A loaded TARGET: the graph, the module it came from, and a name for files."""

    graph: Any
    module: ModuleType
    stem: str
    """The file's stem or the module's last name (`joke_poem`), for output paths."""


def _is_path(spec: str) -> bool:
    return spec.endswith(".py") or "/" in spec or os.sep in spec or Path(spec).exists()


def _import_file(spec: str) -> ModuleType:
    path = Path(spec)
    if not path.exists():
        raise TargetError("no such file")
    if not path.is_file():
        raise TargetError("not a file")
    name = f"_stepscope_target_{abs(hash(path.resolve()))}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise TargetError("not a Python file")
    module = importlib.util.module_from_spec(module_spec)
    # As `python file.py` would: the file's own folder is importable (sibling modules).
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        sys.modules.pop(name, None)
        raise TargetError(f"raised on import: {type(exc).__name__}: {exc}") from exc
    return module


def _import_module(spec: str) -> ModuleType:
    # As `python -m` would: modules under the current directory are importable.
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(spec)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (spec == exc.name or spec.startswith(exc.name + ".")):
            raise TargetError("no such file or module") from exc
        raise TargetError(f"raised on import: {type(exc).__name__}: {exc}") from exc
    except (Exception, SystemExit) as exc:
        raise TargetError(f"raised on import: {type(exc).__name__}: {exc}") from exc


def resolve_target(target: str, default_attr: str = "graph") -> Target:
    """Import the module TARGET names and return its graph (calling a factory if needed)."""
    spec, _, attr = target.partition(":")
    if not spec:
        raise TargetError("empty module or file name")
    attr = attr or default_attr
    if _is_path(spec):
        module, stem = _import_file(spec), Path(spec).stem
    else:
        module, stem = _import_module(spec), spec.rsplit(".", 1)[-1]
    if not hasattr(module, attr):
        raise TargetError(f"the module has no attribute {attr!r}")
    obj = getattr(module, attr)
    if callable(obj) and not hasattr(obj, "stream"):
        try:
            obj = obj()
        except (Exception, SystemExit) as exc:
            raise TargetError(f"calling {attr}() raised {type(exc).__name__}: {exc}") from exc
    if not hasattr(obj, "stream") or not hasattr(obj, "invoke"):
        raise TargetError(f"{attr!r} is not a compiled graph (got {type(obj).__name__})")
    return Target(obj, module, stem)


def load_target(target: str, default_attr: str = "graph") -> Any:
    """The graph TARGET names (see `resolve_target`)."""
    return resolve_target(target, default_attr).graph
