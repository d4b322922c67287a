"""Scenario builders, one module per vector family, collected into one registry.

Each family module is imported on its own: a module that cannot be imported yet (the engine
is being written) costs only its own vectors, whose tests then fail naming the import error.
"""

from __future__ import annotations

import importlib

from .registry import REGISTRY, Outcome, Scenario, execute

FAMILIES: tuple[str, ...] = (
    "linear",
    "subgraphs",
    "parallel",
    "messages",
    "messages_subgraphs",
    "custom",
    "errors",
    "control",
    "control_interrupts",
    "schemas",
    "schemas_builder",
    "async_streams",
    "draw",
    "ordering_v2",
    "extras",
    "id_checks",
)

# Which family module reproduces the vectors of each generating script (for error messages).
FAMILY_OF_SCRIPT: dict[str, tuple[str, ...]] = {
    "scripts/s01_linear_modes.py": ("linear",),
    "scripts/s02_subgraphs.py": ("subgraphs",),
    "scripts/s03_parallel.py": ("parallel",),
    "scripts/s04_messages.py": ("messages",),
    "scripts/s05_custom.py": ("custom",),
    "scripts/s06_errors.py": ("errors",),
    "scripts/s07_control.py": ("control", "control_interrupts"),
    "scripts/s08_schemas.py": ("schemas", "schemas_builder"),
    "scripts/s09_subgraph_messages.py": ("messages_subgraphs",),
    "scripts/s10_async.py": ("async_streams",),
    "scripts/s11_draw.py": ("draw",),
    "scripts/s12_ordering_and_v2.py": ("ordering_v2",),
    "scripts/s13_extras.py": ("extras",),
    "scripts/s14_id_checks.py": ("id_checks",),
}

IMPORT_ERRORS: dict[str, str] = {}


def load_registry() -> dict[str, Scenario]:
    """Import every family module (once) and return the filled registry."""
    for family in FAMILIES:
        if family in IMPORT_ERRORS:
            continue
        try:
            importlib.import_module(f"{__name__}.{family}")
        except Exception as exc:
            IMPORT_ERRORS[family] = f"{type(exc).__name__}: {exc}"
    return REGISTRY


__all__ = [
    "FAMILIES",
    "FAMILY_OF_SCRIPT",
    "IMPORT_ERRORS",
    "REGISTRY",
    "Outcome",
    "Scenario",
    "execute",
    "load_registry",
]
