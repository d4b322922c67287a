"""Packaging facts a user's tools rely on: the licence, typed packages, one schema version."""

from __future__ import annotations

import tomllib
from pathlib import Path

import engine.events
import tracer.writer
from tracer.frames import read_header
from tracer.records import KIND_CODES

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "tracer", "tui")


def pyproject() -> dict[str, object]:
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)


class TestPackaging:
    """What a wheel carries besides code."""

    def test_licence_file_matches_the_declared_licence(self) -> None:
        """pyproject says MIT and ships LICENSE, which is the MIT licence."""
        project = pyproject()["project"]
        assert isinstance(project, dict)
        assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
        assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")

    def test_each_package_is_marked_typed(self) -> None:
        """Each package has a py.typed marker and the build includes it (PEP 561)."""
        setuptools = pyproject()["tool"]
        assert isinstance(setuptools, dict)
        package_data = setuptools["setuptools"]["package-data"]
        for package in PACKAGES:
            assert (ROOT / package / "py.typed").is_file(), package
            assert "py.typed" in package_data[package], package


class TestSchemaVersion:
    """The event schema version is defined once, by the engine, and written by the tracer."""

    def test_trace_header_carries_the_engines_schema(self, tmp_path: Path) -> None:
        """A new trace's header names engine.events.SCHEMA_VERSION."""
        path = tmp_path / "t.stepscope"
        writer = tracer.writer.TraceWriter(path)
        writer.close()
        header, _ = read_header(path.read_bytes(), str(path))
        assert header["schema"] == engine.events.SCHEMA_VERSION

    def test_every_event_kind_has_a_record_code(self) -> None:
        """Each kind the engine's schema lists can be written: the tracer has a code for it."""
        assert engine.events.EVENT_KINDS <= set(KIND_CODES)
