"""Candidates match the blank area: a large blank area gets sites spread over it, the cap
grows with the uncovered people, and a plan that runs out of candidates says so.

The scenes are the tiny region of :mod:`netplan.testing` with its population replaced: one
large blank area of scattered people (many tower footprints wide), and a small village far
from it. Towers reach 800 m here, so the region holds ten footprints.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.transform import from_origin
from scipy.spatial import cKDTree

from netplan.candidates import (
    candidate_cap,
    candidate_sites,
    candidates_shortfall,
    tower_reach_m,
)
from netplan.config import Scenario, load_scenario
from netplan.demand import BlankSpots
from netplan.errors import ConfigError
from netplan.pipeline import Analysis, analyze, plan
from netplan.testing import (
    NORTH,
    PIXEL_DEG,
    SIZE_DEG,
    WEST,
    write_elevation,
    write_scenario,
)

RADIUS_M = 800.0
#: the village: a compact block of 30 people per pixel, far from the existing tower
VILLAGE_ROWS, VILLAGE_COLS = slice(2, 6), slice(45, 50)


def _population(big_cols: int, seed: int = 3) -> np.ndarray:
    """People per pixel: a village, and a blank area over rows 25-59 and ``big_cols``
    columns from column 4: 2-4 people in 90% of its pixels, and hamlets of 20-60 people
    (about three per km²), as rural Papua looks on a 100 m population grid."""
    n = round(SIZE_DEG / PIXEL_DEG)
    rng = np.random.default_rng(seed)
    pop = np.zeros((n, n), dtype=np.float32)
    pop[VILLAGE_ROWS, VILLAGE_COLS] = 30.0
    block = pop[25:60, 4 : 4 + big_cols]
    lived_in = rng.random(block.shape) < 0.9
    block[lived_in] = rng.integers(2, 5, size=int(lived_in.sum())).astype(np.float32)
    hamlets = rng.random(block.shape) < 0.035
    block[hamlets] += rng.integers(20, 61, size=int(hamlets.sum())).astype(np.float32)
    return pop


def _scene(folder: Path, *, big_cols: int = 55, **config: Any) -> Path:
    """The tiny scenario with towers that reach :data:`RADIUS_M` and our population."""
    base: dict[str, Any] = {
        "technologies": {"macro_4g": {"radius_m": RADIUS_M}},
        "candidates": {"min_spacing_m": 300},
    }
    for key, value in config.items():
        base.setdefault(key, {}).update(value)
    path = write_scenario(folder, config=base)
    pop = _population(big_cols)
    profile = {
        "driver": "GTiff",
        "width": pop.shape[1],
        "height": pop.shape[0],
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:4326",
        "transform": from_origin(WEST, NORTH, PIXEL_DEG, PIXEL_DEG),
        "nodata": -99999.0,
    }
    with rasterio.open(folder / "population.tif", "w", **profile) as dst:
        dst.write(pop, 1)
    return path


def _towers(analysis: Analysis) -> pd.DataFrame:
    """Generated tower sites (one row per site) with grid x, y."""
    table = candidate_sites(analysis.scenario, analysis.layers, analysis.blank)
    towers = table[table["kind"] == "tower"].drop_duplicates("id")
    return pd.DataFrame(
        {
            "id": towers["id"].to_numpy(),
            "source": towers["source"].to_numpy(),
            "name": towers["name"].to_numpy(),
            "x": towers.geometry.x.to_numpy(),
            "y": towers.geometry.y.to_numpy(),
        }
    )


def _largest_area_cells(analysis: Analysis) -> np.ndarray:
    """Flat grid cells of the most populous blank area (B0001: the scattered people)."""
    blank = analysis.blank
    return blank.cells[blank.label == 0]


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    return analyze(load_scenario(_scene(tmp_path_factory.mktemp("wide"))))


@pytest.fixture(scope="module")
def narrow(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    return analyze(load_scenario(_scene(tmp_path_factory.mktemp("narrow"), big_cols=27)))


def test_the_scene_has_one_large_area_and_a_small_village(wide: Analysis) -> None:
    areas = wide.blank.areas
    footprint_km2 = math.pi * RADIUS_M**2 / 1e6
    cell_km2 = wide.layers.grid.resolution**2 / 1e6
    assert areas["cells"].iat[0] * cell_km2 > 8 * footprint_km2
    village = areas[areas["population"] > 400].iloc[1:]
    assert len(village) == 1 and village["cells"].iat[0] * cell_km2 < footprint_km2


def test_a_large_blank_area_gets_sites_spread_over_it(wide: Analysis) -> None:
    towers = _towers(wide)
    spread = towers[towers["source"] == "lattice"]
    area_km2 = _largest_area_cells(wide).size * wide.layers.grid.resolution**2 / 1e6
    # a triangular lattice one radius apart: a point per 0.87 r², and some along the edge
    per_lattice_point = 0.866 * (RADIUS_M / 1000) ** 2
    assert area_km2 / per_lattice_point <= len(spread) <= 1.6 * area_km2 / per_lattice_point
    # and not one site at the area's centre, as before
    centre = wide.blank.areas.iloc[0]
    settled = towers[towers["source"] == "settlement"]
    assert not np.any(np.hypot(settled["x"] - centre.centre_x, settled["y"] - centre.centre_y) < 1)


def test_no_part_of_the_area_is_far_from_a_site(wide: Analysis) -> None:
    """Every person of the large area lives within about one radius of a spread site."""
    spread = _towers(wide).query("source == 'lattice'")
    x, y = wide.layers.grid.cell_centres(_largest_area_cells(wide))
    far, _ = cKDTree(spread[["x", "y"]].to_numpy()).query(np.column_stack([x, y]))
    assert far.max() <= 1.1 * RADIUS_M
    assert np.median(far) <= 0.6 * RADIUS_M


def test_spread_sites_are_about_one_radius_apart(wide: Analysis) -> None:
    """Each site moves to the hamlet near its lattice point, so single gaps vary, but the
    six neighbours of an inner site are one radius away on average."""
    spread = _towers(wide).query("source == 'lattice'")
    xy = spread[["x", "y"]].to_numpy()
    neighbours, _ = cKDTree(xy).query(xy, k=7)
    six = neighbours[:, 1:]
    inner = six[:, -1] <= 1.5 * RADIUS_M
    assert inner.sum() >= 10
    assert 0.85 * RADIUS_M <= six[inner].mean() <= 1.15 * RADIUS_M
    assert six[:, 0].min() >= wide.scenario.candidates.min_spacing_m
    assert six[:, 0].max() <= 2 * RADIUS_M


def test_every_spread_site_stands_on_a_populated_blank_cell(wide: Analysis) -> None:
    spread = _towers(wide).query("source == 'lattice'")
    grid, blank = wide.layers.grid, wide.blank
    cell = grid.flat_index(spread["x"].to_numpy(), spread["y"].to_numpy())
    where = np.searchsorted(blank.cells, cell)
    assert np.all(blank.cells[np.minimum(where, blank.cells.size - 1)] == cell)
    assert np.all(blank.population[where] >= 1.0)
    # where the people are: most stand on a hamlet, not on the scatter around it
    area_people = blank.population[blank.label == 0]
    assert np.median(blank.population[where]) >= np.quantile(area_people, 0.9)


def test_site_count_grows_with_the_area(wide: Analysis, narrow: Analysis) -> None:
    wide_n = (_towers(wide)["source"] == "lattice").sum()
    narrow_n = (_towers(narrow)["source"] == "lattice").sum()
    ratio = _largest_area_cells(wide).size / _largest_area_cells(narrow).size
    assert ratio > 1.7
    assert 0.75 * ratio <= wide_n / narrow_n <= 1.25 * ratio


def test_a_small_village_keeps_one_site_at_its_centre(wide: Analysis) -> None:
    towers = _towers(wide)
    areas = wide.blank.areas
    village = areas[areas["population"] > 400].iloc[1]
    dist = np.hypot(towers["x"] - village.centre_x, towers["y"] - village.centre_y)
    near = towers[dist < RADIUS_M]
    assert near["source"].tolist() == ["settlement"]
    assert dist.min() < 1e-6


def test_spread_sites_get_high_ground_too(tmp_path: Path) -> None:
    """With a DEM, a spread site near a ridge has a twin on the ridge (a mast there sees
    further)."""
    path = _scene(
        tmp_path,
        layers={"elevation": "elevation.tif"},
        candidates={"high_ground_search_m": 1000},
    )
    write_elevation(tmp_path / "elevation.tif", ridge_col=30, ridge_m=300.0)
    analysis = analyze(load_scenario(path))
    grid, elevation = analysis.layers.grid, analysis.layers.elevation
    assert elevation is not None
    peaks = np.where(np.isfinite(elevation), elevation, -np.inf).max(axis=0)
    ridge_x = grid.coords()[0][int(np.argmax(peaks))]
    towers = _towers(analysis).set_index("name")
    spread = towers[towers["source"] == "lattice"]
    near_ridge = spread[np.abs(spread["x"] - ridge_x) < 600]
    twins = towers.reindex("high ground near " + near_ridge.index).dropna(subset=["x"])
    assert len(near_ridge) >= 3 and len(twins) >= 2
    assert np.all(np.abs(twins["x"] - ridge_x) <= 1.5 * grid.resolution)


def test_the_cap_keeps_the_sites_that_reach_the_most_people(tmp_path: Path) -> None:
    analysis = analyze(load_scenario(_scene(tmp_path, candidates={"max_candidates": 10})))
    table = candidate_sites(analysis.scenario, analysis.layers, analysis.blank)
    assert table["id"].nunique() == 10
    # the ten kept reach at least as many uncovered people as any generated site dropped
    free = analyze(load_scenario(_scene(tmp_path / "all")))
    everyone = _towers(free)
    blank, grid = free.blank, free.layers.grid
    bx, by = grid.cell_centres(blank.cells)
    tree = cKDTree(np.column_stack([bx, by]))

    def reach(frame: pd.DataFrame) -> np.ndarray:
        hits = tree.query_ball_point(frame[["x", "y"]].to_numpy(), RADIUS_M)
        return np.array([blank.population[h].sum() for h in hits])

    kept = table.drop_duplicates("id")
    kept_reach = reach(pd.DataFrame({"x": kept.geometry.x, "y": kept.geometry.y}))
    assert kept_reach.min() >= np.sort(reach(everyone))[-10] - 1e-6


def _blank_with(people: float) -> BlankSpots:
    return BlankSpots(
        cells=np.array([0]),
        population=np.array([people]),
        label=np.array([0]),
        areas=gpd.GeoDataFrame(),
    )


def test_the_automatic_cap_follows_the_uncovered_people(wide: Analysis) -> None:
    scenario = wide.scenario
    assert scenario.candidates.max_candidates == "auto"
    assert candidate_cap(scenario, _blank_with(30_000)) == 400  # the demo keeps what it has
    assert candidate_cap(scenario, _blank_with(88.9e6)) == 8_890  # Java at 1 km
    assert candidate_cap(scenario, _blank_with(2e9)) == 100_000
    fixed = _with_candidates(scenario, max_candidates=400)
    assert candidate_cap(fixed, _blank_with(88.9e6)) == 400
    finer = _with_candidates(scenario, people_per_candidate=1000.0)
    assert candidate_cap(finer, _blank_with(1e6)) == 1000


def _with_candidates(scenario: Scenario, **changes: Any) -> Scenario:
    return scenario.model_copy(
        update={"candidates": scenario.candidates.model_copy(update=changes)}
    )


def test_the_reach_is_the_largest_tower_radius(wide: Analysis) -> None:
    assert tower_reach_m(wide.scenario) == RADIUS_M


@pytest.mark.parametrize(
    ("value", "ok"),
    [("auto", True), (400, True), (400.0, True), (0, False), ("lots", False), (200_000, False)],
)
def test_max_candidates_accepts_a_count_or_auto(tmp_path: Path, value: Any, ok: bool) -> None:
    path = write_scenario(tmp_path, config={"candidates": {"max_candidates": value}})
    if ok:
        assert load_scenario(path).candidates.max_candidates == (
            value if value == "auto" else int(value)
        )
        return
    with pytest.raises(ConfigError) as err:
        load_scenario(path)
    assert "candidates.max_candidates" in str(err.value)
    assert "whole number from 1 to 100,000, or auto" in str(err.value)


# --- the shortfall warning -------------------------------------------------------------

#: the national run of the issue: 394 of 400 sites built, 19% of the budget spent
ISSUE: dict[str, Any] = {
    "offered": 400,
    "built": 394,
    "budget": 1e13,
    "spent": 1.9e12,
    "tower_cost": 2.25e9,
    "people_left": 60e6,
    "cap": 400,
    "capped": True,
}


def test_a_plan_that_ran_out_of_candidates_names_the_cap_to_raise() -> None:
    message = candidates_shortfall(**ISSUE)
    assert message is not None
    assert "394 of the 400 tower sites" in message and "81% of the budget unspent" in message
    assert "Raise candidates.max_candidates from 400 to 8,000" in message  # 2 × (394 + 3,600)


@pytest.mark.parametrize(
    "change",
    [
        {"built": 300},  # a quarter of the sites were not worth building
        {"spent": 1e13 - 1e9},  # the money left would not buy another tower
        {"budget": None},  # coverage-target mode
        {"people_left": 0.0},  # everyone is covered
    ],
)
def test_no_warning_when_candidates_were_not_short(change: dict[str, Any]) -> None:
    assert candidates_shortfall(**{**ISSUE, **change}) is None


def test_the_warning_points_elsewhere_when_the_cap_did_not_bind() -> None:
    given = candidates_shortfall(**{**ISSUE, "cap": None})
    assert given is not None and "layers.candidates" in given
    assert "max_candidates" not in given
    sparse = candidates_shortfall(**{**ISSUE, "capped": False})
    assert sparse is not None and "candidates.lattice_spacing_m" in sparse
    assert "Raise candidates.max_candidates" not in sparse
    at_most = candidates_shortfall(**{**ISSUE, "cap": 100_000, "offered": 100_000, "built": 99_000})
    assert at_most is not None and "at its most (100,000)" in at_most


def test_a_capped_plan_with_money_left_gets_the_warning(tmp_path: Path) -> None:
    """End to end: a plan offered five sites and money for fifty builds all it can."""
    scenario = load_scenario(
        _scene(tmp_path, candidates={"max_candidates": 5}, objective={"budget": 1e11})
    )
    result = plan(scenario)
    table, solution = result.options.table, result.solution
    towers = table["kind"] == "tower"
    built = table.loc[towers & solution.selected, "id"].nunique()
    offered = int((result.options.sites["kind"] == "tower").sum())
    cap = candidate_cap(scenario, result.analysis.blank)
    message = candidates_shortfall(
        offered=offered,
        built=built,
        budget=scenario.objective.budget,
        spent=solution.cost,
        tower_cost=float(table.loc[towers, "total_cost"].min()),
        people_left=result.analysis.blank.total - solution.covered,
        cap=cap,
        capped=True,
    )
    assert cap == 5 and built == offered == 5
    assert message is not None and "Raise candidates.max_candidates from 5 to" in message
