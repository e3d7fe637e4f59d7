"""`netplan plan` on the shipped demo region, through click's test runner."""

from __future__ import annotations

import csv
import itertools
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from click.testing import CliRunner

from netplan.cli.main import cli
from netplan.io.outputs import sha256_file
from netplan.io.rasters import read_coverage
from tests.conftest import DEMO

SUMMARY_KEYS = [
    "scenario",
    "currency",
    "budget",
    "total_cost",
    "capex",
    "opex_per_year",
    "horizon_years",
    "population_total",
    "population_covered_before",
    "population_covered_after",
    "population_newly_covered",
    "coverage_before_pct",
    "coverage_after_pct",
    "population_wifi_reach",
    "new_towers",
    "new_wifi",
    "fiber_km",
    "microwave_links",
    "satellite_links",
    "cost_per_new_person",
    "solver",
    "regions",
]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo") / "run"
    result = CliRunner().invoke(cli, ["-q", "plan", "-c", str(DEMO), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "new towers" in result.stdout
    return out, json.loads((out / "summary.json").read_text())


def _features(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text())["features"]


def test_summary_keeps_the_contract_keys_and_extends_after_them(
    demo_run: tuple[Path, dict[str, Any]],
) -> None:
    """DESIGN §4 is extended, never changed: the contract keys come first, in order, and
    the extensions (households, villages, fairness, calibration) follow."""
    _, s = demo_run
    assert list(s)[: len(SUMMARY_KEYS)] == SUMMARY_KEYS
    assert list(s)[len(SUMMARY_KEYS) :] == [
        "households_total",
        "households_newly_covered",
        "unconnected_households_total",
        "unconnected_households_newly_covered",
        "villages_total",
        "villages_with_signal_before",
        "villages_with_signal_after",
        "villages_gaining_signal",
        "demand",
        "fairness",
        "access_calibration",
        "signal_reports",
    ]
    assert set(s["solver"]) == {"status", "objective", "bound", "gap", "seconds"}
    assert all(
        {"name", "population", "coverage_before_pct", "coverage_after_pct"} <= set(r)
        for r in s["regions"]
    )


def test_population_matches_the_raster(demo_run: tuple[Path, dict[str, Any]]) -> None:
    _, s = demo_run
    with rasterio.open(DEMO.parent.parent / "datasets/papua-highlands/population.tif") as src:
        data = src.read(1, masked=True)
    raster_total = float(data.sum(dtype=np.float64))
    assert s["population_total"] == pytest.approx(raster_total, rel=1e-3)
    assert sum(r["population"] for r in s["regions"]) == pytest.approx(
        s["population_total"], abs=1.0
    )


def test_coverage_figures_are_consistent(demo_run: tuple[Path, dict[str, Any]]) -> None:
    out, s = demo_run
    assert s["coverage_after_pct"] > s["coverage_before_pct"] > 0
    assert s["population_newly_covered"] == pytest.approx(
        s["population_covered_after"] - s["population_covered_before"], abs=0.2
    )
    placed = _features(out / "plan.geojson")
    towers = [f["properties"] for f in placed if f["properties"]["kind"] == "tower"]
    wifi = [f["properties"] for f in placed if f["properties"]["kind"] == "wifi"]
    assert len(towers) == s["new_towers"] > 0 and len(wifi) == s["new_wifi"]
    # every newly covered person is attributed to exactly one new tower
    assert sum(t["people_newly_covered"] for t in towers) == pytest.approx(
        s["population_newly_covered"], abs=1.0
    )
    assert sum(w["people_newly_covered"] for w in wifi) == pytest.approx(
        s["population_wifi_reach"], abs=1.0
    )
    assert all(t["people_newly_covered"] > 0 and t["reason"] for t in towers)
    for region in s["regions"]:
        assert region["coverage_after_pct"] >= region["coverage_before_pct"]


def test_costs_add_up_and_stay_within_budget(demo_run: tuple[Path, dict[str, Any]]) -> None:
    out, s = demo_run
    sites = [f["properties"] for f in _features(out / "plan.geojson")]
    links = [f["properties"] for f in _features(out / "links.geojson")]
    total = sum(p["total_cost"] for p in sites) + sum(p["total_cost"] for p in links)
    assert total == pytest.approx(s["total_cost"], rel=1e-9)
    assert s["total_cost"] == pytest.approx(
        s["capex"] + s["horizon_years"] * s["opex_per_year"], rel=1e-9
    )
    assert s["total_cost"] <= s["budget"]
    # one backhaul link per site, counted by type in the summary
    assert len(links) == len(sites)
    assert sum(p["type"] == "microwave" for p in links) == s["microwave_links"]
    assert sum(p["type"] == "satellite" for p in links) == s["satellite_links"]
    fiber = sum(p["length_km"] for p in links if p["type"] == "fiber")
    assert fiber == pytest.approx(s["fiber_km"], abs=0.01)
    for site in sites:
        per_person = (site["total_cost"] + site["backhaul_cost"]) / site["people_newly_covered"]
        assert site["cost_per_person"] == pytest.approx(per_person, abs=1.0)


def test_solver_reports_bound_and_gap(demo_run: tuple[Path, dict[str, Any]]) -> None:
    _, s = demo_run
    solver = s["solver"]
    assert solver["bound"] >= solver["objective"] > 0
    assert solver["gap"] == pytest.approx(
        (solver["bound"] - solver["objective"]) / solver["objective"], abs=1e-5
    )
    assert solver["status"] in {"optimal", "gap_reached", "limit"}
    # the demo's plan is proven within half a percent of the optimum, on its work limits
    assert solver["gap"] <= 0.005 + 1e-6


def test_budget_curve_brackets_the_plan(demo_run: tuple[Path, dict[str, Any]]) -> None:
    """At the plan's own budget the curve's greedy plan is no better than the solver's and
    its bound is no lower; coverage only grows with budget."""
    out, s = demo_run
    with (out / "budget_curve.csv").open(encoding="utf-8") as f:
        rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(f)]
    assert len(rows) == 21
    at_budget = next(r for r in rows if r["budget"] == pytest.approx(s["budget"]))
    assert at_budget["objective"] <= s["solver"]["objective"] + 1e-6
    assert at_budget["upper_bound"] >= s["solver"]["objective"] - 1e-6
    pct = [r["coverage_pct"] for r in rows]
    assert pct[0] == pytest.approx(s["coverage_before_pct"], abs=0.01)
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(pct))
    assert rows[-1]["objective"] > at_budget["objective"]  # twice the budget buys more


def test_outputs_and_manifest(demo_run: tuple[Path, dict[str, Any]]) -> None:
    out, _ = demo_run
    for name in (
        "plan.gpkg",
        "plan.geojson",
        "links.geojson",
        "blank_spots.geojson",
        "coverage_before.tif",
        "coverage_after.tif",
        "map.html",
        "manifest.json",
    ):
        assert (out / name).stat().st_size > 0, name
    manifest = json.loads((out / "manifest.json").read_text())
    pop = manifest["inputs"]["layers.population"]
    assert pop["sha256"] == sha256_file(Path(pop["path"]))
    assert manifest["solver"]["seed"] == 0
    assert manifest["sizes"]["demand_rows_merged"] < manifest["sizes"]["blank_cells"]
    # the demo uses the terrain model: best-server signal in dBm, NaN where uncovered
    with rasterio.open(out / "coverage_after.tif") as after:
        assert after.dtypes[0] == "float32"
    a, b = read_coverage(out / "coverage_after.tif"), read_coverage(out / "coverage_before.tif")
    assert a.signal_dbm is not None and b.signal_dbm is not None
    assert (a.covered | ~b.covered).all()  # nothing covered before is lost
    assert a.covered.sum() > b.covered.sum()
    # the best server only improves
    assert (a.signal_dbm[b.covered] >= b.signal_dbm[b.covered] - 1e-3).all()
    assert np.nanmin(a.signal_dbm) >= -105.0  # the technology's min_signal_dbm
    assert (a.in_region == b.in_region).all() and not a.in_region.all()
    blank = _features(out / "blank_spots.geojson")
    assert blank and all(f["properties"]["population"] > 0 for f in blank)
    html = (out / "map.html").read_text()
    first = _features(out / "plan.geojson")[0]["properties"]["id"]
    assert first in html and "Blank spots" in html


def test_a_tiny_time_limit_still_gives_a_plan_with_its_gap(tmp_path: Path) -> None:
    out = tmp_path / "quick"
    result = CliRunner().invoke(
        cli, ["-q", "plan", "-c", str(DEMO), "--out", str(out), "--time-limit", "0.01"]
    )
    assert result.exit_code == 0, result.output
    s = json.loads((out / "summary.json").read_text())
    assert s["new_towers"] > 0 and s["total_cost"] <= s["budget"]
    # the bound is an honest one: at most everyone still uncovered
    uncovered = s["population_total"] - s["population_covered_before"]
    assert s["solver"]["objective"] <= s["solver"]["bound"] <= uncovered + 1
    assert 0 <= s["solver"]["gap"] < 1


def test_explain_a_site_and_a_dark_village(demo_run: tuple[Path, dict[str, Any]]) -> None:
    out, _ = demo_run
    site = _features(out / "plan.geojson")[0]["properties"]
    result = CliRunner().invoke(cli, ["explain", str(out), site["id"]])
    assert result.exit_code == 0, result.output
    assert site["reason"] in result.stdout and "all_in_cost" in result.stdout
    assert "Best alternative" in site["reason"] or "No unchosen candidate" in site["reason"]
    villages = [f["properties"] for f in _features(out / "villages.geojson")]
    dark = [v for v in villages if not v["signal_after"]]
    assert dark and all(v["how_to_reach"] for v in dark)
    result = CliRunner().invoke(cli, ["explain", str(out), dark[0]["id"]])
    assert result.exit_code == 0 and "cheapest way" in result.stdout
    unknown = CliRunner().invoke(cli, ["explain", str(out), "NOPE"])
    assert unknown.exit_code == 2 and site["id"] in unknown.stderr


def test_exports_for_partners_gis_tools(demo_run: tuple[Path, dict[str, Any]]) -> None:
    out, _ = demo_run
    placed = _features(out / "plan.geojson")
    links = _features(out / "links.geojson")
    with (out / "sites.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == [f["properties"]["id"] for f in placed]
    assert all(-5 < float(r["lat"]) < -3 and 138 < float(r["lon"]) < 140 for r in rows)
    kml = ET.parse(out / "plan.kml")
    marks = kml.getroot().iter("{http://www.opengis.net/kml/2.2}Placemark")
    drawn = [f for f in links if f["geometry"] is not None]
    blank = _features(out / "blank_spots.geojson")
    dark = [f for f in blank if f["properties"]["status"] != "closed"]
    villages = _features(out / "villages.geojson")
    assert len(list(marks)) == len(placed) + len(drawn) + len(dark) + len(villages)
    html = (out / "map.html").read_text()
    assert "review.csv" in html and "--decisions" in html


def test_demo_reports_are_published_only_in_aggregate(
    demo_run: tuple[Path, dict[str, Any]],
) -> None:
    out, s = demo_run
    ev = s["signal_reports"]
    blocks = _features(out / "signal_reports.geojson")
    assert {b["properties"]["status"] for b in blocks} >= {"confirmed_blank", "disputed"}
    assert all(b["properties"]["reports"] >= 5 for b in blocks)
    assert ev["reports_in_published_blocks"] == sum(b["properties"]["reports"] for b in blocks)
    assert not {"reports_withheld", "reports_in_region", "reports_dark"} & set(ev)
    for path in out.iterdir():
        data = path.read_bytes()
        assert b"tidak bisa internet" not in data and b"Telkomsel" not in data, path.name


def test_demo_villages_and_households_add_up(demo_run: tuple[Path, dict[str, Any]]) -> None:
    out, s = demo_run
    villages = [f["properties"] for f in _features(out / "villages.geojson")]
    assert s["villages_total"] == len(villages) == 155
    assert s["villages_with_signal_after"] == sum(v["signal_after"] for v in villages)
    assert s["villages_with_signal_after"] > s["villages_with_signal_before"]
    assert sum(r["villages"] for r in s["regions"]) == s["villages_total"]
    d = s["demand"]
    assert d["households"]["total"] == pytest.approx(d["people"]["total"] / 4.0, rel=1e-4)
    # unconnected households: fewer than households wherever anyone has internet
    assert 0 < s["unconnected_households_total"] < s["households_total"]
    assert (
        s["fairness"]["min_region_coverage_after_pct"]
        >= s["fairness"]["min_region_coverage_before_pct"]
    )
