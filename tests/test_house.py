"""Packaging facts a user's tools rely on: the licence, typed packages, one schema version."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
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

    def test_the_wheel_carries_what_an_install_needs(self, tmp_path: Path) -> None:
        """A wheel built from the checkout holds each package's py.typed marker (PEP 561),
        the files read at run time, the startup hook at the top of site-packages, and
        the licence; not the README's screenshots."""
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                        "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
                       check=True, capture_output=True, timeout=300)
        (wheel,) = tmp_path.glob("stepscope-*.whl")
        names = set(zipfile.ZipFile(wheel).namelist())
        for package in PACKAGES:
            assert f"{package}/py.typed" in names, package
        assert {"tui/app.tcss", "tracer/FORMAT.md", "stepscope-trace.pth"} <= names
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
        assert not any(n.endswith(".svg") for n in names)
        pth = zipfile.ZipFile(wheel).read("stepscope-trace.pth").decode()
        assert pth.startswith("import os; ") and "tracer.autostart" in pth


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
