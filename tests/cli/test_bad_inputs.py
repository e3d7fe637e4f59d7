"""Bad inputs exit 2 with one line naming the problem, no traceback, no output folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from netplan.cli.main import cli
from netplan.testing import write_population, write_scenario


def _missing_file(folder: Path) -> dict[str, Any]:
    return {"layers": {"population": "nope.tif"}}


def _unknown_key(folder: Path) -> dict[str, Any]:
    return {"objective": {"budgt": 1e9, "budget": 1e9}}


def _no_crs(folder: Path) -> dict[str, Any]:
    write_population(folder / "nocrs.tif", crs=None)
    return {"layers": {"population": "nocrs.tif"}}


def _elsewhere(folder: Path) -> dict[str, Any]:
    write_population(folder / "far.tif", west=100.0, north=10.0)
    return {"layers": {"population": "far.tif"}}


def _negative_budget(folder: Path) -> dict[str, Any]:
    return {"objective": {"budget": -5.0}}


def _string_radius(folder: Path) -> dict[str, Any]:
    return {"technologies": {"macro_4g": {"radius_m": "five km"}}}


CASES: list[tuple[str, Callable[[Path], dict[str, Any]], list[str]]] = [
    ("missing file", _missing_file, ["nope.tif", "not found"]),
    ("unknown key", _unknown_key, ["objective.budgt", "did you mean 'budget'"]),
    ("layer without CRS", _no_crs, ["nocrs.tif", "no CRS"]),
    ("raster outside region", _elsewhere, ["far.tif", "does not overlap"]),
    ("negative budget", _negative_budget, ["objective.budget", "greater than or equal to 0"]),
    ("radius as text", _string_radius, ["radius_m", "five km"]),
]


@pytest.mark.parametrize(("case", "make", "expected"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("command", ["plan", "validate"])
def test_bad_input_exits_2_with_a_clear_line(
    tmp_path: Path,
    case: str,
    make: Callable[[Path], dict[str, Any]],
    expected: list[str],
    command: str,
) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    config = write_scenario(folder, config=make(folder))
    result = CliRunner().invoke(cli, ["-q", command, "-c", str(config)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.stderr, (text, result.stderr)
    assert not (folder / "out").exists()


def test_missing_scenario_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["plan", "-c", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2
    assert "none.yaml" in result.stderr and "not found" in result.stderr


def test_unreachable_target_exits_3_and_says_what_is_reachable(tiny: Path) -> None:
    result = CliRunner().invoke(cli, ["-q", "plan", "-c", str(tiny), "--target-coverage", "1.0"])
    assert result.exit_code == 3, result.output
    assert "covers only" in result.stderr
    assert not (tiny.parent / "out").exists()


def test_validate_reports_every_problem_not_just_the_first(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    config = write_scenario(
        folder, config={"layers": {"towers": "gone.csv", "fiber_nodes": "gone.geojson"}}
    )
    result = CliRunner().invoke(cli, ["validate", "-c", str(config)])
    assert result.exit_code == 2
    assert "gone.csv" in result.stderr and "gone.geojson" in result.stderr
    assert "2 problem(s)" in result.stderr


def test_valid_scenario_validates(tiny: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "-c", str(tiny)])
    assert result.exit_code == 0, result.output
    assert "no problems found" in result.stdout
