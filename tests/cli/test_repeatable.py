"""The same inputs give the same plan on an idle or a busy machine, and a run the time limit
stopped says so: one line on stderr naming the stage, and ``reproducible: false``."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point

from netplan.cli.main import cli
from netplan.io.outputs import write_gpkg
from netplan.testing import write_scenario
from tests.cli.test_safe_runs import _command as plan_command
from tests.conftest import DEMO, ROOT

NOTE = "note: the time limit stopped the solver in "

#: what a run writes that must not change between two runs of the same inputs (summary.json
#: too, apart from the solver's wall time)
IDENTICAL = (
    "plan.geojson",
    "links.geojson",
    "villages.geojson",
    "blank_spots.geojson",
    "map.html",
    "sites.csv",
    "plan.gpkg",
    "plan.kml",
    "coverage_before.tif",
    "coverage_after.tif",
    "budget_curve.csv",
)


def _manifest(out: Path) -> dict[str, Any]:
    return dict(json.loads((out / "manifest.json").read_text()))


@pytest.mark.parametrize(
    ("time_limit", "stopped"),
    [
        ("0.001", True),  # a millisecond: the cheapest-design phase is cut (skipped)
        ("60", False),  # the work limits and the gap stop every stage long before
    ],
)
def test_plan_says_which_stage_the_clock_stopped(
    tiny: Path, tmp_path: Path, time_limit: str, stopped: bool
) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(
        cli, ["-q", "plan", "-c", str(tiny), "--out", str(out), "--time-limit", time_limit]
    )
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith(NOTE)]
    solution = _manifest(out)["solution"]
    assert solution["reproducible"] is not stopped
    assert solution["stopped_by_time"] is stopped
    if stopped:
        assert len(notes) == 1
        assert "cheapest-design phase" in notes[0]
        assert "cheapest-design phase" in solution["stages_stopped_by_time"]
    else:
        assert notes == []
        assert solution["stages_stopped_by_time"] == []


@pytest.mark.parametrize(
    ("time_limit_s", "stopped"),
    [(0.001, True), (60, False)],
)
def test_scenarios_say_which_budgets_the_clock_stopped(
    tmp_path: Path, time_limit_s: float, stopped: bool
) -> None:
    config = write_scenario(tmp_path / "s", config={"solver": {"time_limit_s": time_limit_s}})
    result = CliRunner().invoke(
        cli,
        [
            "-q",
            "scenarios",
            "-c",
            str(config),
            "--budgets",
            "3e9,5e9",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if NOTE in line]
    if stopped:
        assert [line.split(":")[0] for line in notes] == ["3e+09", "5e+09"]
        assert all("cheapest-design phase" in line for line in notes)
    else:
        assert notes == []
    rows = json.loads((tmp_path / "o" / "scenarios.json").read_text())["rows"]
    assert [row["reproducible"] for row in rows] == [not stopped, not stopped]
    assert all(bool(row["stages_stopped_by_time"]) == stopped for row in rows)


def _gpkg_dates(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as db:
        return {row[0] for row in db.execute("SELECT last_change FROM gpkg_contents")}


@pytest.mark.parametrize(
    ("source_date_epoch", "stamp"),
    [
        (None, "2000-01-01T00:00:00Z"),
        ("86400", "1970-01-02T00:00:00Z"),  # the reproducible-builds convention
    ],
)
def test_the_geopackage_is_byte_identical_with_a_fixed_timestamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source_date_epoch: str | None, stamp: str
) -> None:
    if source_date_epoch is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", source_date_epoch)
    sites = gpd.GeoDataFrame(
        {"id": ["T1", "T2"]}, geometry=[Point(138.9, -4.1), Point(139.0, -4.0)], crs="EPSG:4326"
    )
    paths = [tmp_path / "a.gpkg", tmp_path / "b.gpkg"]
    for path in paths:
        write_gpkg(path, {"sites": sites, "hotspots": sites.iloc[:0]})
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert _gpkg_dates(paths[0]) == {stamp}


def test_a_bad_source_date_epoch_is_a_config_error(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["-q", "plan", "-c", str(tiny), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: SOURCE_DATE_EPOCH='yesterday'")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


@contextmanager
def _busy_cpus(count: int) -> Iterator[None]:
    """``count`` processes spinning on a CPU each, for the body: a busy machine."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.terminate()
        for spinner in spinners:
            spinner.wait(timeout=30)


def _plan_demo(out: Path) -> float:
    """Plan the demo into ``out`` in a fresh process; the seconds it took."""
    began = time.perf_counter()
    # one run date for both runs (the map's title box shows it), even across midnight
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1764547200"}
    done = subprocess.run(
        plan_command(DEMO, out),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert NOTE not in done.stderr
    return time.perf_counter() - began


@pytest.mark.slow
def test_the_demo_plan_is_the_same_on_an_idle_and_a_busy_machine(tmp_path: Path) -> None:
    idle, busy = tmp_path / "idle", tmp_path / "busy"
    idle_s = _plan_demo(idle)
    with _busy_cpus(2):
        busy_s = _plan_demo(busy)
    print(f"demo plan: {idle_s:.1f} s idle, {busy_s:.1f} s beside two busy CPU loops")
    for name in IDENTICAL:
        assert (idle / name).read_bytes() == (busy / name).read_bytes(), name
    summaries = [json.loads((out / "summary.json").read_text()) for out in (idle, busy)]
    for summary in summaries:
        summary["solver"].pop("seconds")  # the one timing the summary contract holds
    assert summaries[0] == summaries[1]
    for out in (idle, busy):
        assert _manifest(out)["solution"]["reproducible"] is True
