"""The dependency arrows point one way: tui → tracer → engine."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"engine": {"tracer", "tui"}, "tracer": {"tui"}, "tui": set()}


def imported_packages(path: Path) -> set[str]:
    """Top-level package names a Python file imports (absolute imports only)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


class TestLayering:
    """Walk every module of each package and check what it imports."""

    @pytest.mark.parametrize("package", sorted(FORBIDDEN))
    def test_no_import_against_the_arrow(self, package: str) -> None:
        """No module of `package` imports a package above it."""
        offenders = []
        for path in sorted((ROOT / package).rglob("*.py")):
            bad = imported_packages(path) & FORBIDDEN[package]
            if bad:
                offenders.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
        assert offenders == []

    def test_langgraph_only_in_its_adapter(self) -> None:
        """LangGraph is imported only by the recording adapter, tracer/langgraph/ (the
        optional extra), never by the engine, the tracer's core or the TUI."""
        adapter = ROOT / "tracer" / "langgraph"
        offenders = [
            str(p.relative_to(ROOT))
            for pkg in ("engine", "tracer", "tui")
            for p in (ROOT / pkg).rglob("*.py")
            if adapter not in p.parents and imported_packages(p) & {"langgraph"}
        ]
        assert offenders == []

    def test_langchain_only_in_its_optional_bridges(self) -> None:
        """langchain-core is imported only by the bridges in engine/integrations/ and by
        the LangGraph adapter (LangGraph depends on it), both optional."""
        allowed = ROOT / "engine" / "integrations"
        adapter = ROOT / "tracer" / "langgraph"
        offenders = [
            str(p.relative_to(ROOT))
            for pkg in ("engine", "tracer", "tui")
            for p in (ROOT / pkg).rglob("*.py")
            if allowed not in p.parents and adapter not in p.parents
            and imported_packages(p) & {"langchain_core", "langchain"}
        ]
        assert offenders == []

    def test_opentelemetry_only_in_the_export_modules(self) -> None:
        """OpenTelemetry (the optional `otel` extra, with protobuf) is imported only by
        the OTLP export modules (tracer/export/otel.py and the live follower's channel and
        process), never by the span model, the recorder or the CLI."""
        allowed = {ROOT / "tracer" / "export" / name
                   for name in ("otel.py", "otel_channel.py", "otel_follow.py")}
        offenders = [
            str(p.relative_to(ROOT))
            for pkg in ("engine", "tracer", "tui")
            for p in (ROOT / pkg).rglob("*.py")
            if p not in allowed and imported_packages(p) & {"opentelemetry", "google"}
        ]
        assert offenders == []

    def test_checker_sees_a_wrong_arrow(self, tmp_path: Path) -> None:
        """The import walker really finds imports (so the tests above can fail)."""
        bad = tmp_path / "m.py"
        bad.write_text("import tui.cli\nfrom tracer import x\n")
        assert imported_packages(bad) == {"tui", "tracer"}
