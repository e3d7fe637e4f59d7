"""Shared fixtures: tiny synthetic scenarios and the shipped demo."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "configs" / "demo.yaml"
SHARED_DATA = ROOT.parent / "shared" / "data" / "papua-west"


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A small valid scenario on disk; returns its YAML path."""
    from netplan.testing import write_scenario

    return write_scenario(tmp_path / "tiny")
