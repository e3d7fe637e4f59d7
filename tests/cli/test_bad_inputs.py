"""Bad inputs exit 2 with one line naming the problem, no traceback, no output folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from netplan.cli.main import cli
from netplan.testing import NORTH, WEST, write_population, write_scenario


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


def _misspelled_nested(folder: Path) -> dict[str, Any]:
    return {"technologies": {"macro_4g": {"radiuss_m": 1500}}}


def _budget_as_text(folder: Path) -> dict[str, Any]:
    return {"objective": {"budget": "lots"}}


def _negative_radius(folder: Path) -> dict[str, Any]:
    return {"technologies": {"macro_4g": {"radius_m": -5}}}


def _unreadable_raster(folder: Path) -> dict[str, Any]:
    (folder / "broken.tif").write_bytes(b"this is not a GeoTIFF")
    return {"layers": {"population": "broken.tif"}}


def _feature_collection(path: Path, features: list[dict[str, Any]]) -> None:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def _point(props: dict[str, Any], x: float, y: float) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": [x, y]},
    }


def _vector_elsewhere(folder: Path) -> dict[str, Any]:
    _feature_collection(folder / "far_nodes.geojson", [_point({"id": "X"}, 100.0, 10.0)])
    return {"layers": {"fiber_nodes": "far_nodes.geojson"}}


def _swapped_geojson(folder: Path) -> dict[str, Any]:
    lon, lat = WEST + 0.01, NORTH - 0.01
    _feature_collection(
        folder / "swapped.geojson",
        [_point({"id": f"T{i}", "technology": "macro_4g"}, lat - i * 0.001, lon) for i in range(3)],
    )
    return {"layers": {"towers": "swapped.geojson"}}


def _swapped_csv(folder: Path) -> dict[str, Any]:
    rows = ["id,lon,lat"] + [f"S{i},{NORTH - 0.01},{WEST + 0.01 + i * 0.001}" for i in range(3)]
    (folder / "swapped.csv").write_text("\n".join(rows) + "\n")
    return {"layers": {"pois": "swapped.csv"}}


def _empty_geometry(folder: Path) -> dict[str, Any]:
    _feature_collection(
        folder / "nogeom.geojson",
        [
            _point({"id": "P1", "type": "school"}, WEST + 0.01, NORTH - 0.01),
            {"type": "Feature", "properties": {"id": "P2", "type": "school"}, "geometry": None},
        ],
    )
    return {"layers": {"pois": "nogeom.geojson"}}


def _negative_population(folder: Path) -> dict[str, Any]:
    write_population(folder / "negative.tif", scale=-1.0)
    return {"layers": {"population": "negative.tif"}}


def _absurd_population(folder: Path) -> dict[str, Any]:
    write_population(folder / "absurd.tif", scale=1000.0)  # people per km², not per cell
    return {"layers": {"population": "absurd.tif"}}


def _duplicate_ids(folder: Path) -> dict[str, Any]:
    _feature_collection(
        folder / "dups.geojson",
        [
            _point({"id": "T1", "technology": "macro_4g"}, WEST + 0.01, NORTH - 0.01),
            _point({"id": "T1", "technology": "macro_4g"}, WEST + 0.03, NORTH - 0.03),
        ],
    )
    return {"layers": {"towers": "dups.geojson"}}


def _access_above_100(folder: Path) -> dict[str, Any]:
    (folder / "access.csv").write_text(
        "region,pct_households_internet_urban,pct_households_internet_rural\n"
        "WEST,87.31,18.73\nEAST,187.31,18.73\n"
    )
    return {"layers": {"household_access": "access.csv"}}


def _latin1_csv(folder: Path) -> dict[str, Any]:
    (folder / "access.csv").write_bytes(
        "region,pct_households_internet_urban\nJAYAWIJAYA \u00e9,87.31\n".encode("latin-1")
    )
    return {"layers": {"household_access": "access.csv"}}


def _semicolon_csv(folder: Path) -> dict[str, Any]:
    (folder / "access.csv").write_text("region;pct_households_internet_urban\nWEST;87,31\n")
    return {"layers": {"household_access": "access.csv"}}


def _empty_region(folder: Path) -> dict[str, Any]:
    tiny = [
        [WEST, NORTH - 1e-5],
        [WEST + 1e-5, NORTH - 1e-5],
        [WEST + 1e-5, NORTH],
        [WEST, NORTH],
        [WEST, NORTH - 1e-5],
    ]
    _feature_collection(
        folder / "speck.geojson",
        [
            {
                "type": "Feature",
                "properties": {"name": "Speck", "code": "00"},
                "geometry": {"type": "Polygon", "coordinates": [tiny]},
            }
        ],
    )
    return {"region": {"boundaries": "speck.geojson"}}


CASES: list[tuple[str, Callable[[Path], dict[str, Any]], list[str]]] = [
    ("missing file", _missing_file, ["nope.tif", "not found"]),
    ("unreadable file", _unreadable_raster, ["broken.tif", "cannot read"]),
    ("unknown key", _unknown_key, ["objective.budgt", "did you mean 'budget'"]),
    ("misspelled nested key", _misspelled_nested, ["radiuss_m", "did you mean 'radius_m'"]),
    ("layer without CRS", _no_crs, ["nocrs.tif", "no CRS"]),
    ("raster outside region", _elsewhere, ["far.tif", "does not overlap"]),
    ("vector outside region", _vector_elsewhere, ["far_nodes.geojson", "inside the region"]),
    ("swapped lon/lat (GeoJSON)", _swapped_geojson, ["swapped.geojson", "swapped"]),
    ("swapped lon/lat (CSV)", _swapped_csv, ["swapped.csv", "swapped"]),
    ("empty geometry", _empty_geometry, ["nogeom.geojson", "no geometry"]),
    ("negative budget", _negative_budget, ["objective.budget", "greater than or equal to 0"]),
    ("budget as text", _budget_as_text, ["objective.budget", "lots"]),
    ("radius as text", _string_radius, ["radius_m", "five km"]),
    ("negative radius", _negative_radius, ["radius_m", "greater than 0"]),
    ("negative population", _negative_population, ["negative.tif", "negative"]),
    ("absurd population", _absurd_population, ["absurd.tif", "people per km²"]),
    ("duplicate site ids", _duplicate_ids, ["dups.geojson", "duplicate", "T1"]),
    ("access above 100%", _access_above_100, ["access.csv", "line 3", "0 to 100"]),
    ("CSV not UTF-8", _latin1_csv, ["access.csv", "not UTF-8"]),
    ("semicolon CSV", _semicolon_csv, ["access.csv", "';'"]),
    ("empty region", _empty_region, ["speck.geojson", "region is empty"]),
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
    assert "highest achievable coverage is" in result.stderr
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
