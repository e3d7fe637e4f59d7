"""Input that cannot give a sound plan is refused before any work: one line naming the file
and the key, exit 2, and no output folder (issue 13: names, sizes, damaged files, numbers
that cannot be recorded, the wrong kind of file)."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
import yaml
from click.testing import CliRunner
from rasterio.transform import from_origin
from rasterio.windows import Window

from netplan import memory
from netplan.cli.main import cli
from netplan.config import load_scenario
from netplan.testing import (
    NORTH,
    SIZE_DEG,
    WEST,
    write_elevation,
    write_population,
    write_scenario,
)

DEMO = Path(__file__).resolve().parents[2] / "configs" / "demo.yaml"
#: a FIFO nobody writes to blocks whoever opens it; after this many seconds the tests open
#: its other end, so a reader that wrongly opens one fails the test instead of hanging it
FIFO_RELEASE_S = 20.0


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["-q", *args])


def _fifo(path: Path) -> Path:
    os.mkfifo(path)

    def release() -> None:
        # opening the write end and closing it gives a blocked reader end-of-file; OSError:
        # nobody is reading (the test passed), or the folder is gone
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))

    timer = threading.Timer(FIFO_RELEASE_S, release)
    timer.daemon = True
    timer.start()
    return path


def _huge_raster(path: Path) -> None:
    """A GeoTIFF whose header declares 200,000 × 200,000 pixels over the tiny region (about
    3 cm each), stored sparse: one tiny block is written, the file is a few kB."""
    side = 200_000
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=side,
        height=side,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(WEST, NORTH, SIZE_DEG / side, SIZE_DEG / side),
        tiled=True,
        blockxsize=4096,
        blockysize=4096,
        sparse_ok=True,
        compress="deflate",
        bigtiff="yes",
        nodata=0,
    ) as dst:
        dst.write(np.ones((16, 16), dtype="float32"), 1, window=Window(0, 0, 16, 16))


def _truncated(path: Path, write: Callable[[Path], Any]) -> None:
    """A valid GeoTIFF cut in half, as an interrupted copy leaves it."""
    write(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _features(path: Path, features: list[dict[str, Any]]) -> None:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def _box(west: float, east: float) -> dict[str, Any]:
    south = NORTH - SIZE_DEG
    ring = [[west, south], [east, south], [east, NORTH], [west, NORTH], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _regions(folder: Path, names: list[Any]) -> None:
    mid = WEST + SIZE_DEG / 2
    _features(
        folder / "regions.geojson",
        [
            {"type": "Feature", "properties": {"name": name, "code": f"0{i}"}, "geometry": geom}
            for i, (name, geom) in enumerate(
                zip(names, [_box(WEST, mid), _box(mid, WEST + SIZE_DEG)], strict=True)
            )
        ],
    )


def _with_text(folder: Path, old: str, new: str) -> Path:
    """The tiny scenario with one line of its YAML rewritten, as a person would edit it."""
    path = write_scenario(folder)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return path


def _demo_at(folder: Path, resolution_m: float) -> Path:
    """The shipped demo with another cell size, its paths made absolute."""
    config = yaml.safe_load(DEMO.read_text())
    config["region"]["resolution_m"] = resolution_m
    config["region"]["boundaries"] = str((DEMO.parent / config["region"]["boundaries"]).resolve())
    for key, value in config["layers"].items():
        if value:
            config["layers"][key] = str((DEMO.parent / value).resolve())
    config["output"] = {"dir": str(folder / "out")}
    path = folder / "demo_1m.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _scenario(**config: Any) -> Callable[[Path], Path]:
    return lambda folder: write_scenario(folder, config=config)


def _layer_file(key: str, make: Callable[[Path], Any], name: str) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        make(folder / name)
        section = "region" if key == "boundaries" else "layers"
        return write_scenario(folder, config={section: {key: name}})

    return build


def _points_as_fiber(folder: Path) -> Path:
    _features(
        folder / "fiber_points.geojson",
        [
            {
                "type": "Feature",
                "properties": {"id": f"F{i}"},
                "geometry": {"type": "Point", "coordinates": [WEST + 0.01 * i, NORTH - 0.01 * i]},
            }
            for i in (1, 2)
        ],
    )
    return write_scenario(folder, config={"layers": {"fiber": "fiber_points.geojson"}})


def _region_names(names: list[Any]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = write_scenario(folder)
        _regions(folder, names)
        return path

    return build


Case = tuple[str, Callable[[Path], Path], list[str]]

#: the scenario file itself: names, numbers, keys
CONFIG_CASES: list[Case] = [
    ("name '.'", _scenario(name="."), ["key 'name'", "not starting with '.'"]),
    ("name '..'", _scenario(name=".."), ["key 'name'", "not starting with '.'"]),
    ("name with a separator", _scenario(name="a/b"), ["key 'name'", "a/b"]),
    ("empty name", _scenario(name=""), ["key 'name'", "at least 1 character"]),
    (
        "budget .inf",
        lambda f: _with_text(f, "budget: 5000000000.0", "budget: .inf"),
        ["objective.budget", "finite number", "inf"],
    ),
    (
        "budget 1e400",
        lambda f: _with_text(f, "budget: 5000000000.0", "budget: 1e400"),
        ["objective.budget", "finite number", "1e400"],
    ),
    (
        "budget .nan",
        lambda f: _with_text(f, "budget: 5000000000.0", "budget: .nan"),
        ["objective.budget", "finite number"],
    ),
    (
        "capex .inf",
        lambda f: _with_text(f, "capex: 1000000000.0", "capex: .inf"),
        ["technologies.macro_4g.capex", "finite number"],
    ),
    (
        "duplicate key",
        lambda f: _with_text(
            f, "  budget: 5000000000.0", "  budget: 5000000000.0\n  budget: 9000000000.0"
        ),
        ["scenario.yaml", "line 32: key 'budget' is given twice", "first on line 31"],
    ),
    ("min_reports 4", _scenario(reports={"min_reports": 4}), ["reports.min_reports", "at least 5"]),
    ("min_reports 2", _scenario(reports={"min_reports": 2}), ["reports.min_reports", "at least 5"]),
]

#: the input layers: size, damage, geometry, names, and paths that are not files
INPUT_CASES: list[Case] = [
    (
        "grid too large (demo at 1 m)",
        lambda f: _demo_at(f, 1),
        ["regencies.geojson", "100,210 x 99,805 cells of 1 m", "GB", "region.resolution_m to"],
    ),
    (
        "population raster too large",
        _layer_file("population", _huge_raster, "huge.tif"),
        ["huge.tif", "layers.population", "200,000 x 200,000", "320.0 GB", "resample"],
    ),
    (
        "elevation raster too large",
        _layer_file("elevation", _huge_raster, "huge.tif"),
        ["huge.tif", "layers.elevation", "200,000 x 200,000", "320.0 GB", "resample"],
    ),
    (
        "truncated population",
        _layer_file("population", lambda p: _truncated(p, write_population), "cut.tif"),
        ["cut.tif", "layers.population", "truncated or corrupt"],
    ),
    (
        "truncated elevation",
        _layer_file("elevation", lambda p: _truncated(p, write_elevation), "cut.tif"),
        ["cut.tif", "layers.elevation", "truncated or corrupt"],
    ),
    (
        "fiber of points",
        _points_as_fiber,
        ["fiber_points.geojson", "layers.fiber must hold lines", "Point"],
    ),
    (
        "region without a name",
        _region_names([None, "East"]),
        ["regions.geojson", "feature(s) 1 have no 'name'"],
    ),
    (
        "region name repeated",
        _region_names(["West", "West"]),
        ["regions.geojson", "'West'", "more than one feature"],
    ),
    (
        "population is a folder",
        _layer_file("population", Path.mkdir, "population_dir"),
        ["population_dir", "is a folder"],
    ),
    (
        "boundaries is a folder",
        _layer_file("boundaries", Path.mkdir, "regions_dir"),
        ["regions_dir", "is a folder"],
    ),
    (
        "towers is a folder",
        _layer_file("towers", Path.mkdir, "towers_dir"),
        ["towers_dir", "is a folder"],
    ),
    (
        "population is a FIFO",
        _layer_file("population", _fifo, "population.fifo"),
        ["population.fifo", "not a regular file"],
    ),
    (
        "towers is a FIFO",
        _layer_file("towers", _fifo, "towers.fifo"),
        ["towers.fifo", "not a regular file"],
    ),
    (
        "decisions is a FIFO",
        _layer_file("decisions", _fifo, "review.fifo"),
        ["review.fifo", "not a regular file"],
    ),
]


@pytest.mark.parametrize(
    ("case", "make", "expected"),
    CONFIG_CASES + INPUT_CASES,
    ids=[c[0] for c in CONFIG_CASES + INPUT_CASES],
)
@pytest.mark.parametrize("command", ["plan", "validate"])
def test_refused_with_one_line_exit_2_and_nothing_written(
    tmp_path: Path,
    case: str,
    make: Callable[[Path], Path],
    expected: list[str],
    command: str,
) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    config = make(folder)
    out = tmp_path / "run"
    args = [command, "-c", str(config)] + (["--out", str(out)] if command == "plan" else [])
    result = _run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith(("error", "problem"))]
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], (text, lines[0])
    assert not out.exists() and not (folder / "out").exists()


CLI_BUDGETS = ["inf", "1e400", "nan", "-inf"]


@pytest.mark.parametrize("budget", CLI_BUDGETS)
def test_non_finite_budget_on_the_command_line(tmp_path: Path, budget: str) -> None:
    config = write_scenario(tmp_path / "s")
    out = tmp_path / "run"
    result = _run("plan", "-c", str(config), "--budget", budget, "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "objective.budget' (set on the command line)" in result.stderr
    assert "finite number" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("command", ["plan", "validate"])
def test_scenario_file_that_is_a_fifo(tmp_path: Path, command: str) -> None:
    path = _fifo(tmp_path / "scenario.yaml")
    result = _run(command, "-c", str(path))
    assert result.exit_code == 2, result.output
    assert "scenario.yaml: scenario file is not a regular file" in result.stderr


@pytest.mark.parametrize(
    ("resolution_m", "refused"), [(10.0, True), (100.0, False)], ids=["10 m", "100 m"]
)
def test_grid_is_measured_against_the_machines_memory(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, resolution_m: float, refused: bool
) -> None:
    """A machine of 40 MB: the tiny region's ~665 × 665 cells of 10 m need about 30 MB, more
    than the half of it the grid may take; at 100 m they need 0.3 MB."""
    monkeypatch.setattr(memory, "machine_bytes", lambda: 40_000_000)
    text = tiny.read_text().replace("resolution_m: 100", f"resolution_m: {resolution_m}")
    tiny.write_text(text)
    result = _run("validate", "-c", str(tiny))
    if refused:
        assert result.exit_code == 2, result.output
        assert "cells of 10 m, about 29." in result.stderr
        assert "(it has 40.0 MB); set region.resolution_m to 20 or more" in result.stderr
    else:
        assert result.exit_code == 0, result.output


DAMAGED_RUNS: list[tuple[str, Callable[[Path], Any], str]] = [
    ("cut short", lambda p: p.write_text('{"type": "FeatureCollection", "feat'), "not valid JSON"),
    ("not a feature collection", lambda p: p.write_text("[1, 2]"), "not a GeoJSON feature"),
    ("not UTF-8", lambda p: p.write_bytes(b'{"features": "\xff"}'), "not a GeoJSON feature"),
    ("a folder", Path.mkdir, "is a folder"),
]


@pytest.fixture
def run_folder(tmp_path: Path) -> Iterator[Path]:
    run = tmp_path / "run"
    run.mkdir()
    (run / "summary.json").write_text("{}")
    yield run


@pytest.mark.parametrize(
    ("case", "damage", "expected"), DAMAGED_RUNS, ids=[d[0] for d in DAMAGED_RUNS]
)
def test_explain_on_a_damaged_run_folder(
    run_folder: Path, case: str, damage: Callable[[Path], Any], expected: str
) -> None:
    damage(run_folder / "plan.geojson")
    result = _run("explain", str(run_folder), "T0001")
    assert result.exit_code == 2, result.output
    assert "plan.geojson" in result.stderr and expected in result.stderr
    assert "run netplan plan again" in result.stderr


def test_opencellid_header_without_rows_is_a_region_with_no_coverage_yet(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    config = write_scenario(folder)
    header = (folder / "towers.csv").read_text().splitlines()[0]
    (folder / "towers.csv").write_text(header + "\n")
    out = tmp_path / "run"
    result = _run("plan", "-c", str(config), "--out", str(out))
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["population_covered_before"] == 0.0
    assert summary["population_newly_covered"] > 0
    with rasterio.open(out / "coverage_before.tif") as src:
        before = src.read(1)
    assert not (before == 1).any()  # every populated cell was blank


def test_validate_lists_each_bad_key_on_its_own_line(tmp_path: Path) -> None:
    config = write_scenario(
        tmp_path / "s",
        config={"objective": {"budget": float("inf")}, "reports": {"min_reports": 3}},
    )
    result = _run("validate", "-c", str(config))
    assert result.exit_code == 2, result.output
    problems = [line for line in result.stderr.splitlines() if line.startswith("problem: ")]
    assert len(problems) == 2, result.stderr
    assert sum("objective.budget" in line for line in problems) == 1
    assert sum("reports.min_reports" in line for line in problems) == 1
    assert "2 problem(s) found" in result.stderr


def test_yaml_anchors_and_merge_keys_still_load(tmp_path: Path) -> None:
    """The repeated-key check must not refuse YAML's own way of sharing settings: a second
    tower technology that merges the first and changes one key."""
    config = write_scenario(tmp_path / "s")
    text = config.read_text(encoding="utf-8")
    text = text.replace("  macro_4g:\n", "  macro_4g: &macro\n", 1)
    text = text.replace(
        "backhaul:\n", "  macro_tall:\n    <<: *macro\n    capex: 2.0e9\nbackhaul:\n", 1
    )
    config.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "-c", str(config)])
    assert result.exit_code == 0, result.output
    towers = load_scenario(config).tower_technologies
    assert towers["macro_tall"].radius_m == towers["macro_4g"].radius_m == 1500
    assert towers["macro_tall"].capex == 2.0e9
