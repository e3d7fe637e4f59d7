"""Runs never half-write, never silently overwrite, and repeat exactly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import netplan.report.deliverables as deliverables
from netplan.cli.main import cli
from netplan.testing import write_scenario


def _command(config: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "netplan.cli.main",
        "-q",
        "plan",
        "-c",
        str(config),
        "--out",
        str(out),
        *extra,
    ]


def _plan(config: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(config, out, *extra), capture_output=True, text=True, check=False
    )


def test_an_existing_run_is_not_overwritten_without_overwrite(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = CliRunner().invoke(cli, ["-q", "plan", "-c", str(tiny), "--out", str(out)])
    assert first.exit_code == 0, first.output
    before = (out / "summary.json").read_bytes()
    again = CliRunner().invoke(cli, ["-q", "plan", "-c", str(tiny), "--out", str(out)])
    assert again.exit_code == 2
    assert "--overwrite" in again.stderr and str(out) in again.stderr
    assert (out / "summary.json").read_bytes() == before
    forced = CliRunner().invoke(
        cli, ["-q", "plan", "-c", str(tiny), "--out", str(out), "--budget", "2e9", "--overwrite"]
    )
    assert forced.exit_code == 0, forced.output
    assert json.loads((out / "summary.json").read_text())["budget"] == 2e9


def test_a_crash_while_writing_leaves_the_previous_run_intact(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    assert (
        CliRunner().invoke(cli, ["-q", "plan", "-c", str(tiny), "--out", str(out)]).exit_code == 0
    )
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(deliverables, "write_gpkg", crash)  # fails after other files are written
    result = CliRunner().invoke(
        cli, ["-q", "plan", "-c", str(tiny), "--out", str(out), "--budget", "1e9", "--overwrite"]
    )
    assert result.exit_code == 1 and "disk full" in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not list(tmp_path.glob(".run.tmp-*"))  # no half-written folder is left


@pytest.mark.parametrize("delay", [0.5, 1.5, 3.0])
def test_killing_a_run_midway_leaves_a_whole_run(tiny: Path, tmp_path: Path, delay: float) -> None:
    out = tmp_path / "run"
    assert _plan(tiny, out).returncode == 0
    before = (out / "summary.json").read_bytes()
    proc = subprocess.Popen(
        _command(tiny, out, "--budget", "2e9", "--overwrite"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # whatever the moment: the old run, or the complete new one, never a mixture
    names = {p.name for p in out.iterdir()}
    assert {"summary.json", "manifest.json", "plan.geojson", "map.html"} <= names
    summary = json.loads((out / "summary.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["objective"]["budget"] == summary["budget"]
    if summary["budget"] != 2e9:
        assert (out / "summary.json").read_bytes() == before
    # the next run cleans up what the killed one left behind
    assert _plan(tiny, out, "--overwrite").returncode == 0
    assert not list(tmp_path.glob(".run.tmp-*"))


def test_two_runs_give_byte_identical_plans(tmp_path: Path) -> None:
    config = write_scenario(tmp_path / "s", config={"solver": {"relative_gap": 0.005}})
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert _plan(config, out).returncode == 0
    for name in ("plan.geojson", "links.geojson", "blank_spots.geojson", "map.html"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    a, b = (json.loads((o / "summary.json").read_text()) for o in outs)
    a["solver"].pop("seconds")
    b["solver"].pop("seconds")
    assert a == b
    manifest = json.loads((outs[0] / "manifest.json").read_text())
    assert manifest["solution"]["reproducible"] is True
    assert manifest["solver"]["seed"] == 0


def test_an_invalid_polygon_is_repaired_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    config = write_scenario(folder)
    regions = json.loads((folder / "regions.geojson").read_text())
    ring = regions["features"][0]["geometry"]["coordinates"][0]
    # a bow-tie: swap two corners so the ring crosses itself
    ring[1], ring[2] = ring[2], ring[1]
    (folder / "regions.geojson").write_text(json.dumps(regions))
    result = CliRunner().invoke(cli, ["validate", "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert "repaired 1 invalid boundaries" in result.stderr
