"""The plan's tables on the tiny region: costs that add up, reasons that quote the row,
per-region spend, blank spots after the plan, and every property the map popup reads."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from netplan.config import load_scenario
from netplan.evaluate import PlanTables, plan_tables
from netplan.i18n import texts
from netplan.io.outputs import write_geojson
from netplan.pipeline import PlanResult, plan
from netplan.reasons import site_reason
from netplan.testing import NORTH, SIZE_DEG, WEST, pixel_lonlat, write_elevation, write_scenario

#: the terrain towers of the rich variant
TOWER = {
    "kind": "tower",
    "radius_m": 1500,
    "height_m": 30,
    "frequency_mhz": 900,
    "eirp_dbm": 58,
    "min_signal_dbm": -95,
    "capex": 1.0e9,
    "opex_per_year": 1.0e8,
}
#: numbers the popup shows for every row (never null)
ALWAYS = (
    "lon",
    "lat",
    "capex",
    "opex_per_year",
    "total_cost",
    "backhaul_cost",
    "all_in_cost",
    "people_newly_covered",
    "people_only_here",
    "horizon_years",
)
RUNNER_UP = (
    "runner_up_km",
    "runner_up_people",
    "runner_up_cost",
    "runner_up_cost_per_person",
)


def _feature(lonlat: tuple[float, float], props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Point", "coordinates": list(lonlat)},
    }


def _collection(path: Path, features: list[dict[str, Any]]) -> None:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def _rich(folder: Path, budget: float) -> Path:
    """The tiny region with a DEM, the terrain model, villages, schools for public WiFi."""
    folder.mkdir(parents=True)
    write_elevation(folder / "elevation.tif", ridge_col=30)
    _collection(
        folder / "villages.geojson",
        [
            _feature(pixel_lonlat(r, c), {"kode": f"D{i}", "nama": f"Desa <b>{i}</b>"})
            for i, (r, c) in enumerate(((10, 10), (30, 45), (50, 15)))
        ],
    )
    _collection(
        folder / "pois.geojson",
        [
            _feature(pixel_lonlat(50, 50), {"type": "school", "name": "SD {people} <i>"}),
            _feature(pixel_lonlat(5, 55), {"type": "health", "name": "Puskesmas"}),
        ],
    )
    return write_scenario(
        folder,
        config={
            "layers": {
                "elevation": "elevation.tif",
                "villages": "villages.geojson",
                "pois": "pois.geojson",
            },
            "coverage": {"model": "terrain", "existing_technology": "macro_4g"},
            "technologies": {
                "macro_4g": TOWER,
                "wifi": {"kind": "wifi", "radius_m": 300, "capex": 6e7, "opex_per_year": 3e7},
            },
            "objective": {"budget": budget},
        },
    )


def _tables(config: Path) -> tuple[PlanResult, PlanTables]:
    result = plan(load_scenario(config))
    return result, plan_tables(result)


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> tuple[PlanResult, PlanTables]:
    """One tower (with a runner-up) on the terrain variant."""
    return _tables(_rich(tmp_path_factory.mktemp("rich") / "s", 6.0e9))


@pytest.fixture(scope="module")
def wifi_only(tmp_path_factory: pytest.TempPathFactory) -> tuple[PlanResult, PlanTables]:
    """A budget too small for a tower: one hotspot on satellite."""
    return _tables(_rich(tmp_path_factory.mktemp("wifi") / "s", 1.5e9))


def _rows(tables: PlanTables) -> list[dict[str, Any]]:
    placed = pd.concat([tables.sites, tables.hotspots], ignore_index=True)
    return list(placed.drop(columns="geometry").to_dict("records"))


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


# --- costs ----------------------------------------------------------------------------------


def _check_costs(tables: PlanTables) -> None:
    summary, links = tables.summary, tables.links
    rows = _rows(tables)
    # the all-in costs of sites and hotspots are the plan's total: every link feeds one site
    assert sum(r["all_in_cost"] for r in rows) == pytest.approx(summary["total_cost"], abs=1.0)
    own = sum(r["total_cost"] for r in rows) + float(links["total_cost"].sum())
    assert own == pytest.approx(summary["total_cost"], abs=1.0)
    for r in rows:
        feed = float(links.loc[links["to"] == r["id"], "total_cost"].sum())
        assert r["backhaul_cost"] == pytest.approx(feed, abs=0.5)
        assert r["all_in_cost"] == r["total_cost"] + r["backhaul_cost"]
        assert r["total_cost"] == r["capex"] + summary["horizon_years"] * r["opex_per_year"]
        assert r["cost_per_person"] == round(r["all_in_cost"] / r["people_newly_covered"])
        for key in ("capex", "opex_per_year", "total_cost", "all_in_cost", "cost_per_person"):
            assert float(r[key]).is_integer(), (key, r[key])
        assert round(r["people_newly_covered"] * 10) == pytest.approx(
            r["people_newly_covered"] * 10, abs=1e-6
        )


def test_costs_add_up_on_the_tiny_scenario(tiny: Path) -> None:
    _, tables = _tables(tiny)
    assert tables.summary["new_towers"] >= 1
    _check_costs(tables)
    assert tables.summary["cost_per_new_person"] == round(
        tables.summary["total_cost"] / tables.summary["population_newly_covered"]
    )


def test_costs_add_up_with_hotspots_and_terrain(
    rich: tuple[PlanResult, PlanTables], wifi_only: tuple[PlanResult, PlanTables]
) -> None:
    _check_costs(rich[1])
    _check_costs(wifi_only[1])
    assert len(wifi_only[1].hotspots) == 1 and len(wifi_only[1].sites) == 0


# --- reasons --------------------------------------------------------------------------------


def test_every_reason_quotes_its_rows_all_in_cost_and_people(
    tiny: Path, rich: tuple[PlanResult, PlanTables], wifi_only: tuple[PlanResult, PlanTables]
) -> None:
    t = texts("en")
    rows = _rows(_tables(tiny)[1]) + _rows(rich[1]) + _rows(wifi_only[1])
    assert {r["kind"] for r in rows} == {"tower", "wifi"}
    for r in rows:
        assert t.money(r["all_in_cost"], "IDR") in r["reason"], r["reason"]
        assert t.money(r["total_cost"], "IDR") in r["reason"]
        assert t.people(r["people_newly_covered"]) in r["reason"]
        assert t.money(r["cost_per_person"], "IDR") in r["reason"]
        assert r["alternative"] in r["reason"]


def test_reasons_are_rendered_again_from_plan_geojson_in_either_language(
    rich: tuple[PlanResult, PlanTables], tmp_path: Path
) -> None:
    """The map re-renders a finished run: a reason from the written properties alone is the
    reason of the row, and the Indonesian one quotes the same figures."""
    _, tables = rich
    placed = pd.concat([tables.sites, tables.hotspots], ignore_index=True)
    write_geojson(tmp_path / "plan.geojson", type(tables.sites)(placed, crs=tables.sites.crs))
    features = json.loads((tmp_path / "plan.geojson").read_text())["features"]
    t = texts("id")
    for feature in features:
        props = feature["properties"]
        assert site_reason(props, currency="IDR") == props["reason"]
        indonesian = site_reason(props, currency="IDR", lang="id")
        assert t.money(props["all_in_cost"], "IDR") in indonesian
        assert t.people(props["people_newly_covered"]) in indonesian
        assert "jiwa" in indonesian and "Rp " in indonesian


# --- runner-up ------------------------------------------------------------------------------


def test_the_runner_up_is_the_unchosen_candidate_in_the_sites_place(tmp_path: Path) -> None:
    """Two candidates and money for one: the other is the runner-up, and in the chosen
    one's place (the only new tower) it would newly cover exactly the people it reaches."""
    config = write_scenario(tmp_path / "s", config={"objective": {"budget": 3.0e9}})
    result, tables = _tables(config)
    (site,) = _rows(tables)
    table = result.options.table
    other = int(np.flatnonzero((table["id"] == site["runner_up"]).to_numpy())[0])
    assert site["runner_up"] != site["id"]
    reached = result.analysis.blank.population[result.options.cell[result.options.option == other]]
    assert site["runner_up_people"] == pytest.approx(float(reached.sum()), abs=0.05)
    chosen = table.geometry.iat[int(np.flatnonzero((table["id"] == site["id"]).to_numpy())[0])]
    assert site["runner_up_km"] == pytest.approx(
        table.geometry.iat[other].distance(chosen) / 1e3, abs=0.01
    )
    assert site["runner_up_cost_per_person"] == round(
        site["runner_up_cost"] / site["runner_up_people"]
    )
    assert site["alternative"].startswith(f"Best alternative: {site['runner_up']}")


# --- per-region figures ---------------------------------------------------------------------


def test_region_spend_towers_and_villages_add_up(
    tiny: Path, rich: tuple[PlanResult, PlanTables], wifi_only: tuple[PlanResult, PlanTables]
) -> None:
    for tables in (_tables(tiny)[1], rich[1], wifi_only[1]):
        s = tables.summary
        regions = s["regions"]
        # every candidate stands inside a region, so the regions' spend is the total
        assert sum(r["spend"] for r in regions) == pytest.approx(s["total_cost"], abs=1.0)
        assert sum(r["new_towers"] for r in regions) == s["new_towers"]
        assert sum(r["new_wifi"] for r in regions) == s["new_wifi"]
        for r in regions:
            mine = [x for x in _rows(tables) if x["region"] == r["name"]]
            assert r["spend"] == round(sum(x["all_in_cost"] for x in mine))
    s = rich[1].summary
    assert s["villages_gaining_signal"] == (
        s["villages_with_signal_after"] - s["villages_with_signal_before"]
    )
    assert sum(r["villages_gaining_signal"] for r in s["regions"]) == s["villages_gaining_signal"]
    assert s["villages_gaining_signal"] >= 1
    tiny_summary = _tables(tiny)[1].summary
    assert tiny_summary["villages_gaining_signal"] is None


# --- blank spots after the plan -------------------------------------------------------------


def _check_blank_spots(result: PlanResult, tables: PlanTables) -> pd.DataFrame:
    spots = tables.blank_spots
    assert spots is not None and len(spots) == len(result.analysis.blank.areas)
    blank = result.analysis.blank
    covered = result.coverage_after.covered.ravel()[blank.cells]
    for k, spot in enumerate(spots.itertuples()):
        mine = blank.label == k
        people = float(blank.population[mine].sum())
        lit = float(blank.population[mine & covered].sum())
        assert spot.people_covered_after == pytest.approx(lit, abs=0.05)
        assert spot.people_covered_after + spot.people_still_dark == pytest.approx(
            spot.population, abs=0.15
        )
        share = lit / people if people > 0 else 0.0
        expected = "closed" if share >= 0.99 else "dark" if share < 0.01 else "partly_closed"
        assert spot.status == expected
    return spots


def test_blank_spot_statuses_match_coverage_after(
    tiny: Path, rich: tuple[PlanResult, PlanTables], wifi_only: tuple[PlanResult, PlanTables]
) -> None:
    result, tables = _tables(tiny)
    spots = _check_blank_spots(result, tables)
    assert {"closed", "dark"} <= set(spots["status"])
    # the spots the new towers were built for are closed
    for site in _rows(tables):
        assert spots.loc[spots["id"] == site["blank_spot"], "status"].iat[0] == "closed"
    _check_blank_spots(*rich)
    # WiFi reach is not mobile coverage: with only a hotspot, every spot stays dark
    assert set(_check_blank_spots(*wifi_only)["status"]) == {"dark"}


def test_with_no_money_every_spot_stays_dark(tmp_path: Path) -> None:
    config = write_scenario(tmp_path / "s", config={"objective": {"budget": 1.0e8}})
    result, tables = _tables(config)
    assert len(tables.sites) == len(tables.hotspots) == 0
    assert set(_check_blank_spots(result, tables)["status"]) == {"dark"}
    assert tables.summary["total_cost"] == 0
    assert all(r["spend"] == 0 for r in tables.summary["regions"])


# --- what the popup reads -------------------------------------------------------------------


def _inside_tiny(row: dict[str, Any]) -> bool:
    return WEST <= row["lon"] <= WEST + SIZE_DEG and NORTH - SIZE_DEG <= row["lat"] <= NORTH


def test_popup_properties_are_present_and_finite_where_they_apply(
    rich: tuple[PlanResult, PlanTables], wifi_only: tuple[PlanResult, PlanTables]
) -> None:
    towers = _rows(rich[1])
    (hotspot,) = _rows(wifi_only[1])
    for row in [*towers, hotspot]:
        for key in ALWAYS:
            assert _present(row[key]) and math.isfinite(float(row[key])), key
        assert _inside_tiny(row)
        assert round(row["lon"], 6) == row["lon"] and round(row["lat"], 6) == row["lat"]
        assert row["region"] in {"West", "East"}
        assert row["reason"] and row["backhaul"] in {"fiber", "microwave", "satellite"}
        # the DEM is 1,600 m with a 200 m ridge
        assert 1600.0 <= row["ground_elevation_m"] <= 1800.0
        assert row["plan_cost_per_person"] is None or row["plan_cost_per_person"] > 0
        # the runner-up is all there or not at all
        assert all(_present(row[k]) for k in RUNNER_UP) == _present(row["runner_up"])
    for tower in towers:
        assert tower["band_mhz"] == 900.0 and tower["eirp_dbm"] == 58.0
        assert tower["mast_height_m"] == 30.0
        assert _present(tower["runner_up"])
        assert tower["blank_spot"] and tower["blank_spot_people"] > 0
        assert tower["blank_spot_village"].startswith("Desa")
        assert tower["backhaul_capacity_mbps"] > 0
        if tower["backhaul"] in {"fiber", "microwave"}:
            assert tower["backhaul_km"] > 0
    # a VSAT terminal provisioned for what the hotspot needs (technology backhaul_mbps)
    assert hotspot["backhaul"] == "satellite" and hotspot["backhaul_capacity_mbps"] > 0
    assert not _present(hotspot["eirp_dbm"]) and not _present(hotspot["runner_up"])
    assert hotspot["reach_m"] == 300


def test_radius_towers_have_no_eirp_and_no_ground_without_a_dem(tiny: Path) -> None:
    _, tables = _tables(tiny)
    for row in _rows(tables):
        assert not _present(row["eirp_dbm"]) and not _present(row["ground_elevation_m"])
        assert not _present(row["band_mhz"])  # the tiny towers give no frequency
        assert row["mast_height_m"] > 0 and _inside_tiny(row)
