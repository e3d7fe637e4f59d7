"""Demand that reflects people, end to end: household-access tables, calibration, demand
weights, villages, fairness rules and citizen reports, on the tiny region and on real data."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from netplan.cli.main import cli
from netplan.testing import papua_west_scenario, pixel_lonlat, write_scenario
from tests.conftest import SHARED_DATA

ACCESS_HEADER = [
    "region",
    "code",
    "pct_households_internet_urban",
    "pct_households_internet_rural",
    "pct_households_internet_total",
    "year",
]


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["-q", *args])


def _access_table(path: Path, rows: list[list[Any]], header: list[str] = ACCESS_HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _scenario(tmp_path: Path, **config: Any) -> Path:
    return write_scenario(tmp_path / "s", config=config)


def _summary(out: Path) -> dict[str, Any]:
    return json.loads((out / "summary.json").read_text())


# --- household access ----------------------------------------------------------------


def test_access_table_joins_by_code_and_weights_unconnected_households(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    _access_table(
        folder / "access.csv",
        [["WEST", "01", 95.0, 90.0, 92.0, 2022], ["EAST", "02", 50.0, 10.0, 20.0, 2022]],
    )
    config = _scenario(
        tmp_path,
        layers={"household_access": "access.csv"},
        demand={"weight": "unconnected_households", "household_size": 4.0},
    )
    out = tmp_path / "run"
    result = _run("plan", "-c", str(config), "--out", str(out))
    assert result.exit_code == 0, result.output
    s = _summary(out)
    regions = {r["name"]: r for r in s["regions"]}
    # the tiny region's villages are far below 5,000 people: every cell is rural
    assert regions["West"]["urban_population_pct"] == 0.0
    assert regions["West"]["internet_access_rural_pct"] == pytest.approx(90.0)
    for name, rate in (("West", 0.90), ("East", 0.10)):
        r = regions[name]
        assert r["households"] == pytest.approx(r["population"] / 4.0, abs=0.1)
        assert r["unconnected_households"] == pytest.approx(r["households"] * (1 - rate), abs=0.1)
    d = s["demand"]
    assert d["weight"] == "unconnected_households"
    assert s["unconnected_households_total"] == pytest.approx(
        sum(r["unconnected_households"] for r in s["regions"]), abs=0.2
    )
    for unit in ("people", "households", "unconnected_households"):
        f = d[unit]
        gained = f["covered_after"] - f["covered_before"]
        assert gained == pytest.approx(f["newly_covered"], abs=0.2)
        assert f["covered_after"] <= f["total"] + 0.1
    # the solver's objective is the unconnected households it newly covers
    assert s["solver"]["objective"] == pytest.approx(
        d["unconnected_households"]["newly_covered"], rel=1e-3
    )
    table = (out / "access_calibration.csv").read_text()
    assert "modelled_coverage_pct" in table and "West" in table


def test_misspelled_region_in_access_table_exits_2_naming_the_closest(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    header = [h for h in ACCESS_HEADER if h != "code"]
    _access_table(
        folder / "access.csv",
        [["Wesst", 95.0, 90.0, 92.0, 2022], ["East", 50.0, 10.0, 20.0, 2022]],
        header,
    )
    config = _scenario(tmp_path, layers={"household_access": "access.csv"})
    for command in ("validate", "plan"):
        result = _run(command, "-c", str(config))
        assert result.exit_code == 2, result.output
        assert "access.csv" in result.output
        assert "Wesst" in result.output  # the closest name in the table is named
        assert "Traceback" not in result.output
    assert not (folder / "out").exists()


def test_demo_table_joins_every_regency() -> None:
    from netplan.config import load_scenario
    from netplan.layers import load_layers
    from tests.conftest import DEMO

    layers = load_layers(load_scenario(DEMO))
    assert layers.access is not None
    assert layers.access.source == ["JAYAWIJAYA", "TOLIKARA", "LANNY JAYA", "NDUGA"]
    assert layers.access.rural[0] == pytest.approx(0.1873)


# --- calibration ------------------------------------------------------------------------


def test_calibration_matches_each_region_to_its_registry(tmp_path: Path) -> None:
    config = _scenario(tmp_path)
    regions_path = config.parent / "regions.geojson"
    regions = json.loads(regions_path.read_text())
    registry = {"West": 4321.0, "East": 777.0}
    for f in regions["features"]:
        f["properties"]["penduduk"] = registry[f["properties"]["name"]]
    regions_path.write_text(json.dumps(regions))
    raw = yaml.safe_load(config.read_text())
    raw["demand"] = {"calibrate_to": "penduduk"}
    config.write_text(yaml.safe_dump(raw))
    out = tmp_path / "run"
    result = _run("analyze", "-c", str(config), "--out", str(out))
    assert result.exit_code == 0, result.output
    s = _summary(out)
    for r in s["regions"]:
        assert r["population"] == pytest.approx(registry[r["name"]], rel=1e-3)
    factors = {c["name"]: c for c in s["population_calibration"]}
    for name, c in factors.items():
        assert c["factor"] == pytest.approx(c["registry"] / c["gridded"], rel=1e-3)
        assert c["registry"] == registry[name]


def test_calibration_field_missing_exits_2(tmp_path: Path) -> None:
    config = _scenario(tmp_path, demand={"calibrate_to": "penduduk_2025"})
    result = _run("analyze", "-c", str(config))
    assert result.exit_code == 2
    assert "penduduk_2025" in result.output and "regions.geojson" in result.output


# --- fairness -----------------------------------------------------------------------------


def test_equity_floor_is_met_in_every_region(tmp_path: Path) -> None:
    floor = 0.3
    fair = _scenario(tmp_path, objective={"budget": 3.0e9}, fairness={"min_region_coverage": floor})
    out = tmp_path / "fair"
    result = _run("plan", "-c", str(fair), "--out", str(out))
    assert result.exit_code == 0, result.output
    s = _summary(out)
    # East starts with no signal at all: the floor is what a plan must fix
    assert min(r["coverage_before_pct"] for r in s["regions"]) == 0.0
    assert all(r["coverage_after_pct"] >= 100 * floor - 0.01 for r in s["regions"])
    assert s["fairness"]["min_region_coverage_after_pct"] >= 100 * floor - 0.01
    assert s["fairness"]["min_region_coverage_before_pct"] == 0.0
    assert s["fairness"]["rules"]["min_region_coverage"] == floor
    assert s["total_cost"] <= s["budget"]


def test_unreachable_equity_floor_exits_3_with_the_best_floor(tmp_path: Path) -> None:
    # IDR 3 bn buys one tower: East gets it (98.6%) and West stays at its 61.3% before
    config = _scenario(tmp_path, objective={"budget": 3.0e9}, fairness={"min_region_coverage": 0.7})
    result = _run("plan", "-c", str(config))
    assert result.exit_code == 3, result.output
    assert "highest coverage floor every region can reach is 61.3%" in result.output
    assert "fairness.min_region_coverage" in result.output
    assert not (config.parent / "out").exists()
    # with the budget for both towers the same floor is met
    ok = _scenario(
        tmp_path / "more", objective={"budget": 5.0e9}, fairness={"min_region_coverage": 0.7}
    )
    assert _run("plan", "-c", str(ok), "--out", str(tmp_path / "ok")).exit_code == 0


def test_budget_share_cap_limits_each_region(tmp_path: Path) -> None:
    config = _scenario(
        tmp_path, objective={"budget": 5.0e9}, fairness={"max_region_budget_share": 0.5}
    )
    out = tmp_path / "run"
    result = _run("plan", "-c", str(config), "--out", str(out))
    assert result.exit_code == 0, result.output
    s = _summary(out)
    sites = json.loads((out / "plan.geojson").read_text())["features"]
    links = json.loads((out / "links.geojson").read_text())["features"]
    spend: dict[str, float] = {}
    region_of = {f["properties"]["id"]: f["properties"]["region"] for f in sites}
    for f in sites:
        p = f["properties"]
        spend[p["region"]] = spend.get(p["region"], 0.0) + p["total_cost"]
    for f in links:
        p = f["properties"]
        spend[region_of[p["to"]]] = spend.get(region_of[p["to"]], 0.0) + p["total_cost"]
    assert spend, "the plan builds something"
    assert max(spend.values()) <= 0.5 * s["budget"] * (1 + 1e-9)


# --- villages -----------------------------------------------------------------------------


def _villages(folder: Path) -> None:
    features = []
    for i, (row, col) in enumerate(((10, 10), (30, 45), (50, 15))):
        lon, lat = pixel_lonlat(row, col)
        features.append(
            {
                "type": "Feature",
                "properties": {"kode": f"D{i + 1}", "nama": f"Desa {i + 1}"},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
        )
    (folder / "villages.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )


def test_villages_with_signal_before_and_after(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    _villages(tmp_path / "s")
    config = _scenario(tmp_path, layers={"villages": "villages.geojson"})
    out = tmp_path / "run"
    result = _run("plan", "-c", str(config), "--out", str(out))
    assert result.exit_code == 0, result.output
    s = _summary(out)
    table = {f["properties"]["id"]: f["properties"] for f in _features(out / "villages.geojson")}
    assert s["villages_total"] == 3 == len(table)
    assert s["villages_with_signal_before"] == sum(v["signal_before"] for v in table.values())
    assert s["villages_with_signal_after"] == sum(v["signal_after"] for v in table.values())
    # the existing tower sits on desa 1; the other two are dark before
    assert table["D1"]["signal_before"] and not table["D2"]["signal_before"]
    for v in table.values():
        assert v["signal_after"] == (v["covered_after_pct"] >= 50.0)
    assert s["villages_with_signal_after"] >= s["villages_with_signal_before"]


def test_village_objective_connects_at_least_as_many_villages(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    _villages(tmp_path / "s")
    runs = {}
    for goal in ("demand", "villages"):
        config = _scenario(
            tmp_path,
            layers={"villages": "villages.geojson"},
            objective={"budget": 3.0e9, "maximise": goal},
        )
        out = tmp_path / goal
        result = _run("plan", "-c", str(config), "--out", str(out), "--overwrite")
        assert result.exit_code == 0, result.output
        runs[goal] = _summary(out)
    assert (
        runs["villages"]["villages_with_signal_after"]
        >= runs["demand"]["villages_with_signal_after"]
    )
    assert runs["villages"]["solver"]["gap"] <= 1e-6


def _features(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text())["features"])


# --- citizen reports ----------------------------------------------------------------------

PERSONAL = {
    "name": "Yohana Wenda",
    "phone": "+62 812 9988 7766",
    "nik": "9171012345678901",
    "comment": "tidak ada sinyal di rumah saya dekat gereja",
}


def _reports(folder: Path) -> list[tuple[float, float]]:
    """Eight reports in the 1 km report block (blocks sit on whole kilometres of the grid's
    UTM zone) of the unserved village (30, 45), three scattered elsewhere."""
    from pyproj import Transformer

    rng = np.random.default_rng(4)
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32754", always_xy=True)
    x, y = to_utm.transform(*pixel_lonlat(30, 45))
    cx, cy = (np.floor(x / 1000) + 0.5) * 1000, (np.floor(y / 1000) + 0.5) * 1000
    points = []
    for _ in range(8):
        dx, dy = rng.uniform(-250, 250, 2)
        lon, lat = to_utm.transform(cx + dx, cy + dy, direction="INVERSE")
        points.append((round(lon, 6), round(lat, 6)))
    for row, col in ((5, 55), (55, 55), (40, 5)):
        lon, lat = pixel_lonlat(row + 0.37, col + 0.61)
        points.append((round(lon, 6), round(lat, 6)))
    with (folder / "reports.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "phone", "nik", "comment", "lat", "lon", "time", "status"])
        for i, (lon, lat) in enumerate(points):
            w.writerow(
                [
                    PERSONAL["name"],
                    PERSONAL["phone"],
                    PERSONAL["nik"],
                    PERSONAL["comment"],
                    lat,
                    lon,
                    f"2026-10-{i + 1:02d}T08:00:00+09:00",
                    "no signal",
                ]
            )
    return points


def test_citizen_reports_leave_only_k_anonymous_aggregates(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    points = _reports(tmp_path / "s")
    config = _scenario(
        tmp_path,
        layers={"signal_reports": "reports.csv"},
        reports={"min_reports": 5, "cell_m": 1000, "weight": 2.0},
    )
    out = tmp_path / "run"
    result = _run("plan", "-c", str(config), "--out", str(out))
    assert result.exit_code == 0, result.output
    s = _summary(out)
    ev = s["signal_reports"]
    assert ev["reports_read"] == 11
    # the scattered ones stay unpublished (and uncounted: only published totals are given)
    assert ev["reports_read"] - ev["reports_in_published_blocks"] >= 3
    blocks = _features(out / "signal_reports.geojson")
    assert blocks and all(b["properties"]["reports"] >= 5 for b in blocks)
    assert sum(b["properties"]["reports"] for b in blocks) == ev["reports_in_published_blocks"]
    # nothing personal, and no single report's coordinates, in any output file
    needles = [v.encode() for v in PERSONAL.values()]
    needles += [b"9988", b"Wenda"]
    for lon, lat in points:
        needles += [f"{lon:.6f}".encode(), f"{lat:.6f}".encode(), f"{lon:.5f}".encode()]
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in needles:
                assert needle not in data, f"{needle!r} leaked into {path.name}"


def test_reports_can_raise_demand_where_they_confirm_a_blank_spot(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    _reports(tmp_path / "s")
    objectives = {}
    for weight in (1.0, 3.0):
        config = _scenario(
            tmp_path, layers={"signal_reports": "reports.csv"}, reports={"weight": weight}
        )
        out = tmp_path / f"w{weight}"
        result = _run("plan", "-c", str(config), "--out", str(out), "--overwrite")
        assert result.exit_code == 0, result.output
        s = _summary(out)
        objectives[weight] = (s["solver"]["objective"], s["population_newly_covered"])
    # people counted are the same kind of figure; the weighted objective grows with the weight
    assert objectives[3.0][0] > objectives[1.0][0]


# --- real data ------------------------------------------------------------------------------


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared real data not present")
def test_real_papua_calibration_access_and_villages(tmp_path: Path) -> None:
    scenario = papua_west_scenario(SHARED_DATA, with_demand=True)
    config = tmp_path / "real.yaml"
    config.write_text(yaml.safe_dump(scenario))
    out = tmp_path / "run"
    result = _run("analyze", "-c", str(config), "--out", str(out))
    assert result.exit_code == 0, result.output
    s = _summary(out)
    registry = {
        f["properties"]["nama"]: f["properties"]["penduduk_2025"]
        for f in json.loads((SHARED_DATA / "regencies.geojson").read_text())["features"]
    }
    assert len(s["regions"]) == 17
    for r in s["regions"]:
        assert r["population"] == pytest.approx(registry[r["name"]], rel=1e-3)
    factors = [c["factor"] for c in s["population_calibration"]]
    # GHS-POP and the 2025 registry disagree by a factor of two or more in both directions
    assert min(factors) < 0.6 and max(factors) > 1.8
    notes = {r["name"]: r.get("internet_access_note", "") for r in s["regions"]}
    sources = {r["name"]: r["internet_access_source"] for r in s["regions"]}
    assert set(sources.values()) == {"PAPUA", "PAPUA BARAT"}
    assert sum("PAPUA SELATAN" in n for n in notes.values()) >= 1
    assert sum("PAPUA BARAT DAYA" in n for n in notes.values()) >= 1
    calibration = {row["region"]: row for row in s["access_calibration"]}
    assert set(calibration) == {"92", "93", "96"}
    assert s["villages_total"] > 2000
    assert s["villages_with_signal_before"] == 0  # no towers given: nothing is covered
