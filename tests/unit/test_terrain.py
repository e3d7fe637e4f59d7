"""Terrain coverage: discs on flat ground, shadows behind ridges, the radio horizon at sea,
the kernel's diffraction against a direct ITU-R P.526 Bullington, and Fresnel clearance."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import CRS

from netplan.config import TechnologyConfig
from netplan.grid import Grid
from netplan.radio.coverage import RadiusModel, TerrainModel
from netplan.radio.los import line_of_sight
from netplan.radio.propagation import (
    EARTH_RADIUS_KM,
    environment_code,
    hata_loss_db,
    knife_edge_db,
    max_range_km,
    radio_horizon_km,
)
from netplan.radio.terrain import radial_sweep

RES = 100.0


def _grid(n: int) -> Grid:
    return Grid(crs=CRS.from_epsg(32754), x0=0.0, y0=n * RES, resolution=RES, width=n, height=n)


def _tower(**kw: float) -> TechnologyConfig:
    base = dict(
        kind="tower",
        height_m=35.0,
        frequency_mhz=900.0,
        eirp_dbm=61.0,
        min_signal_dbm=-90.0,
        capex=1.0,
        radius_m=5000.0,
    )
    base.update(kw)
    return TechnologyConfig(**base)  # type: ignore[arg-type]


def test_flat_ground_footprint_is_the_link_budget_disc() -> None:
    n = 301
    grid = _grid(n)
    tech = _tower(min_signal_dbm=-90.0)
    expected_km = max_range_km(
        eirp_dbm=61, min_signal_dbm=-90, f_mhz=900, hb=35, hm=1.5, env=environment_code("suburban")
    )
    assert 5 < expected_km < 14  # well inside the radio horizon
    model = TerrainModel(grid, np.full(grid.shape, 1600.0), k_factor=4 / 3)
    x, y = grid.cell_centres(np.array([150 * n + 150]))
    fp = model.footprint(float(x[0]), float(y[0]), tech)
    cx, cy = grid.cell_centres(fp.cells)
    dist = np.hypot(cx - x[0], cy - y[0])
    assert dist.max() <= expected_km * 1000 + RES
    # every cell well inside the disc is covered: the footprint is a full disc
    ring = np.pi * (expected_km * 1000 / RES) ** 2
    assert fp.cells.size == pytest.approx(ring, rel=0.03)


def _ridge_dem(n: int) -> np.ndarray:
    dem = np.full((n, n), 1600.0)
    cols = np.arange(n)
    # a 500 m ridge running north-south, 4 km east of the centre
    dem += 500.0 * np.exp(-(((cols - (n // 2 + 40)) / 3.0) ** 2))[None, :]
    return dem


def test_village_behind_a_ridge_stays_dark_while_open_ground_is_covered() -> None:
    n = 241
    grid = _grid(n)
    dem = _ridge_dem(n)
    tech = _tower(min_signal_dbm=-95.0, radius_m=10_000.0)
    centre = n // 2
    site = grid.cell_centres(np.array([centre * n + centre]))
    behind = centre * n + centre + 80  # 8 km east, behind the ridge
    open_ground = centre * n + centre - 80  # 8 km west, open valley floor
    terrain = TerrainModel(grid, dem, k_factor=4 / 3).footprint(
        float(site[0][0]), float(site[1][0]), tech
    )
    assert open_ground in set(terrain.cells.tolist())
    assert behind not in set(terrain.cells.tolist())
    radius = RadiusModel(grid).footprint(float(site[0][0]), float(site[1][0]), tech)
    assert {behind, open_ground} <= set(radius.cells.tolist())


def test_line_of_sight_over_a_flat_sea_ends_at_the_radio_horizon() -> None:
    n = 801
    grid = _grid(n)
    model = TerrainModel(grid, np.zeros(grid.shape), k_factor=4 / 3)
    centre = n // 2
    x, y = grid.cell_centres(np.array([centre * n + centre]))
    seen = model.viewshed(
        float(x[0]), float(y[0]), observer_m=35.0, target_m=1.5, max_range_m=40_000.0
    )
    cx, cy = grid.cell_centres(np.flatnonzero(seen.ravel()))
    dist_km = np.hypot(cx - x[0], cy - y[0]) / 1000
    horizon = radio_horizon_km(35.0, 1.5)
    assert dist_km.max() <= horizon + RES / 1000
    # and everything closer than 95% of the horizon is seen
    rows, cols = np.indices(grid.shape)
    all_km = np.hypot((cols - centre) * RES, (rows - centre) * RES) / 1000
    assert seen[all_km < 0.95 * horizon].all()


def _bullington_reference(
    ground: np.ndarray, step_km: float, hb: float, hm: float, lam: float, k: float
) -> np.ndarray:
    """ITU-R P.526-15 §4.5, written out directly (O(n²)), for receivers at each sample."""
    ce = 1 / (k * EARTH_RADIUS_KM)
    out = np.zeros(len(ground))
    for j in range(2, len(ground)):
        d = j * step_km
        di = np.arange(1, j) * step_km
        hi = ground[1:j]
        h_ts, h_rs = ground[0] + hb, ground[j] + hm
        bulge = 500 * ce * di * (d - di)
        s_tim = np.max((hi + bulge - h_ts) / di)
        s_tr = (h_rs - h_ts) / d
        if s_tim < s_tr:
            v = np.max(
                (hi + bulge - (h_ts * (d - di) + h_rs * di) / d)
                * np.sqrt(0.002 * d / (lam * di * (d - di)))
            )
        else:
            s_rim = np.max((hi + bulge - h_rs) / (d - di))
            db = (h_rs - h_ts + s_rim * d) / (s_tim + s_rim)
            v = (h_ts + s_tim * db - (h_ts * (d - db) + h_rs * db) / d) * math.sqrt(
                0.002 * d / (lam * db * (d - db))
            )
        luc = knife_edge_db(float(v))
        out[j] = luc + (1 - math.exp(-luc / 6)) * (10 + 0.02 * d)
    return out


@pytest.mark.parametrize("seed", range(4))
def test_kernel_diffraction_matches_direct_bullington(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 161
    # rugged terrain along the eastward ray from the centre
    profile = 1600 + np.cumsum(rng.normal(0, 25, n))
    dem = np.tile(profile, (n, 1))
    hb, hm, f, eirp, k = 35.0, 1.5, 900.0, 61.0, 4 / 3
    lam = 299.792458 / f
    steps = 80
    u0, v0 = 0.5, n / 2 + 0.5  # a cell centre; ray 0 runs east along cell centres
    signal, los = radial_sweep(dem, u0, v0, hb, hm, steps, 64, RES, f, 1, eirp, k)
    ground = profile[: steps + 1]
    real = _bullington_reference(ground, RES / 1000, hb, hm, lam, k)
    smooth = _bullington_reference(np.zeros_like(ground), RES / 1000, hb, hm, lam, k)
    expected = np.maximum(real - smooth, 0)
    got = np.array(
        [
            eirp - hata_loss_db(j * RES / 1000, f, hb, hm, 1) - signal[0, j]
            for j in range(1, steps + 1)
        ]
    )
    beyond = ~los[0, 1:]
    assert beyond.sum() > 10  # the profile does hide receivers
    # beyond an obstruction the kernel is the exact P.526 Bullington
    np.testing.assert_allclose(got[beyond], expected[1:][beyond], atol=1e-3)
    # in line of sight it evaluates two dominant points only: never more loss than exact
    assert np.all(got[~beyond] <= expected[1:][~beyond] + 1e-3)


def test_fresnel_clearance_separates_a_blocked_link_from_a_clear_one() -> None:
    n = 301
    grid = _grid(n)
    flat = np.full(grid.shape, 1600.0)
    ridge = flat.copy()
    ridge[:, 150] += 30.0  # a ridge under the middle of the link
    a = (50 * RES + 50, 150 * RES + 50)
    b = (250 * RES + 50, 150 * RES + 50)
    kw = dict(height_a_m=40.0, height_b_m=40.0, frequency_mhz=7000.0)
    assert line_of_sight(flat, grid, a, b, **kw).clear  # type: ignore[arg-type]
    blocked = line_of_sight(ridge, grid, a, b, **kw)  # type: ignore[arg-type]
    assert not blocked.clear
    assert blocked.worst_at_km == pytest.approx(10.0, abs=0.2)
    # geometric line of sight still holds: the ridge only eats into the Fresnel zone
    geo = line_of_sight(ridge, grid, a, b, height_a_m=40.0, height_b_m=40.0)
    assert geo.clear and geo.worst_clearance_m > 0


def test_line_of_sight_kernel_matches_the_full_sweep() -> None:
    """The visibility-only kernel (viewsheds) sees exactly what the radio sweep sees."""
    from netplan.radio.terrain import n_rays_for, radial_los, radial_sweep

    rng = np.random.default_rng(5)
    dem = np.cumsum(np.cumsum(rng.normal(0, 3, (120, 120)), axis=0), axis=1)
    n = 50
    _, full = radial_sweep(
        dem, 60.3, 59.7, 30.0, 1.5, n, n_rays_for(n), 100.0, 900.0, 0, 60.0, 4 / 3
    )
    only = radial_los(dem, 60.3, 59.7, 30.0, 1.5, n, n_rays_for(n), 100.0, 4 / 3)
    assert np.array_equal(full, only)
    assert 0.05 < only.mean() < 0.95  # the terrain hides some cells and shows others
