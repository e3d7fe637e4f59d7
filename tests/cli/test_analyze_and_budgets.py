"""`netplan analyze`, and the whole pipeline's behaviour as the budget grows."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from click.testing import CliRunner

from netplan.cli.main import cli
from netplan.config import load_scenario
from netplan.runs import run_plan
from netplan.testing import write_scenario


def test_analyze_writes_coverage_without_a_plan(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "analysis"
    result = CliRunner().invoke(cli, ["-q", "analyze", "-c", str(tiny), "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert names == {
        "summary.json",
        "blank_spots.geojson",
        "coverage_before.tif",
        "map.html",
        "manifest.json",
        ".netplan-run",
        # what the map is re-rendered from (netplan map)
        "regions.geojson",
        "existing_sites.geojson",
        "overview.tif",
    }
    s = json.loads((out / "summary.json").read_text())
    assert 0 < s["coverage_before_pct"] < 100
    assert "population_covered_after" not in s
    blank = json.loads((out / "blank_spots.geojson").read_text())["features"]
    uncovered = s["population_total"] - s["population_covered_before"]
    # blank-spot areas hold the uncovered people, less the sparse cells below min_population
    assert 0.8 * uncovered <= sum(f["properties"]["population"] for f in blank) <= uncovered + 1


def test_more_budget_never_covers_fewer_people_end_to_end(tiny: Path, tmp_path: Path) -> None:
    newly = []
    for i, budget in enumerate([0.0, 1.0e9, 2.5e9, 5.0e9, 1.0e10, 2.0e10]):
        scenario = load_scenario(tiny, overrides={"objective.budget": budget})
        _, s, _ = run_plan(scenario, out_dir=tmp_path / f"run{i}")
        assert s["total_cost"] <= budget
        newly.append(s["population_newly_covered"])
    assert newly[0] == 0.0
    assert all(b >= a for a, b in itertools.pairwise(newly))
    assert newly[-1] > newly[1]


def test_target_mode_reaches_the_target_at_least_cost(tiny: Path, tmp_path: Path) -> None:
    scenario = load_scenario(tiny, overrides={"objective.target_coverage": 0.8})
    _, s, _ = run_plan(scenario, out_dir=tmp_path / "target")
    assert s["coverage_after_pct"] >= 80.0
    assert s["budget"] is None
    assert s["new_towers"] >= 1
    # any plan costing less covers fewer than 80%: the target plan is the cheapest
    cheaper = load_scenario(tiny, overrides={"objective.budget": s["total_cost"] * 0.999})
    _, c, _ = run_plan(cheaper, out_dir=tmp_path / "cheaper")
    assert c["population_covered_after"] < 0.8 * c["population_total"]


def test_nothing_to_do_when_everyone_is_covered(tmp_path: Path) -> None:
    from netplan.testing import write_scenario

    # existing sites with a radius that covers the whole region
    config = write_scenario(
        tmp_path / "s", config={"technologies": {"macro_4g": {"radius_m": 20000}}}
    )
    _, s, _ = run_plan(load_scenario(config), out_dir=tmp_path / "run")
    assert s["coverage_before_pct"] == 100.0
    assert s["new_towers"] == 0 and s["total_cost"] == 0
    assert s["cost_per_new_person"] is None


def test_existing_sites_as_points_use_their_own_mast_height(tmp_path: Path) -> None:
    from netplan.pipeline import analyze
    from netplan.testing import NORTH, WEST, write_scenario

    def covered_with(height: float) -> float:
        folder = tmp_path / f"h{height:g}"
        folder.mkdir()
        towers = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"id": "T1", "technology": "macro_4g", "height_m": height},
                    "geometry": {"type": "Point", "coordinates": [WEST + 0.0105, NORTH - 0.0105]},
                }
            ],
        }
        (folder / "towers.geojson").write_text(json.dumps(towers))
        config = write_scenario(
            folder,
            config={
                "layers": {"towers": "towers.geojson"},
                "coverage": {"model": "terrain"},
                "technologies": {
                    "macro_4g": {
                        "height_m": 30,
                        "frequency_mhz": 900,
                        "eirp_dbm": 61,
                        "bandwidth_mhz": 10,
                        "min_signal_dbm": -100,
                        "environment": "urban",
                    }
                },
            },
        )
        analysis = analyze(load_scenario(config))
        assert analysis.layers.existing_sites["height_m"].tolist() == [height]
        return float(analysis.coverage_before.covered.sum())

    assert covered_with(60.0) > covered_with(10.0)


def test_no_blank_spot_area_at_all_plans_nothing_without_a_crash(tmp_path: Path) -> None:
    """Uncovered people too sparse for any blank-spot area: an empty plan, not IndexError."""
    config = write_scenario(tmp_path / "s", config={"demand": {"min_population": 100_000}})
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["-q", "plan", "-c", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    s = json.loads((out / "summary.json").read_text())
    assert s["new_towers"] == 0 and s["population_newly_covered"] == 0
    assert s["coverage_after_pct"] == s["coverage_before_pct"] < 100
    assert json.loads((out / "blank_spots.geojson").read_text())["features"] == []
