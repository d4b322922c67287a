"""Resolve a TARGET (`path/to/file.py[:attr]` or `package.module[:attr]`) to a graph."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any


class TargetError(Exception):
    """The TARGET could not be loaded; the message says why, for the user."""


def load_target(target: str, default_attr: str = "graph") -> Any:
    """Import the module TARGET names and return its graph (calling a factory if needed)."""
    spec, _, attr = target.partition(":")
    if not spec:
        raise TargetError(f"empty TARGET {target!r}")
    attr = attr or default_attr
    if spec.endswith(".py") or "/" in spec or Path(spec).exists():
        path = Path(spec)
        if not path.is_file():
            raise TargetError(f"no such file: {spec}")
        name = f"_stepscope_target_{abs(hash(path.resolve()))}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise TargetError(f"cannot import {spec}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        try:
            module_spec.loader.exec_module(module)
        except Exception as exc:
            raise TargetError(f"{spec} raised on import: {type(exc).__name__}: {exc}") from exc
    else:
        try:
            module = importlib.import_module(spec)
        except ModuleNotFoundError as exc:
            raise TargetError(f"no module named {spec!r}") from exc
        except Exception as exc:
            raise TargetError(f"{spec} raised on import: {type(exc).__name__}: {exc}") from exc
    if not hasattr(module, attr):
        raise TargetError(f"{spec} has no attribute {attr!r}")
    obj = getattr(module, attr)
    if callable(obj) and not hasattr(obj, "stream"):
        obj = obj()
    if not hasattr(obj, "stream"):
        raise TargetError(f"{spec}:{attr} is not a compiled graph (got {type(obj).__name__})")
    return obj
