"""Population survives reprojection and resampling (DESIGN.md §6: within 0.1%)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import CRS
from rasterio.transform import from_origin

from netplan.grid import make_grid
from netplan.io.rasters import read_population
from tests.conftest import SHARED_DATA


def _write(path: Path, data: np.ndarray, pixel_deg: float, west: float, north: float) -> None:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[1],
        height=data.shape[0],
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(west, north, pixel_deg, pixel_deg),
        nodata=-99999.0,
    ) as dst:
        dst.write(data.astype(np.float32), 1)


@pytest.mark.parametrize(
    ("pixel_deg", "resolution"),
    [(1 / 120, 100.0), (1 / 1200, 100.0), (1 / 1200, 1000.0), (1 / 120, 250.0)],
    ids=["1km-to-100m", "100m-to-100m", "100m-to-1km", "1km-to-250m"],
)
def test_total_preserved_across_crs_and_resolution(
    tmp_path: Path, pixel_deg: float, resolution: float
) -> None:
    rng = np.random.default_rng(7)
    n = 60
    data = np.where(rng.random((n, n)) < 0.3, rng.gamma(2.0, 50.0, (n, n)), 0.0)
    data[5, 5] = -99999.0  # nodata is skipped, not counted
    west, north = 138.9, -4.0
    path = tmp_path / "pop.tif"
    _write(path, data, pixel_deg, west, north)
    expected = data[data > 0].sum()
    # a UTM grid generously covering the raster
    crs = CRS.from_epsg(32754)
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    xs, ys = t.transform([west, west + n * pixel_deg], [north - n * pixel_deg, north])
    pad = 5 * resolution
    grid = make_grid(
        (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad), crs=crs, resolution=resolution
    )
    out, stats = read_population(path, grid)
    assert out.sum(dtype=np.float64) == pytest.approx(expected, rel=1e-3)
    assert stats["on_grid"] == pytest.approx(expected, rel=1e-6)
    if pixel_deg * 111_000 > 2 * resolution:
        # a coarse pixel is spread over the fine cells it overlaps, not dumped in one
        assert (out > 0).sum() > (data > 0).sum() * 4


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared real data not present")
def test_ghs_pop_total_survives_regridding_to_100m() -> None:
    path = SHARED_DATA / "population_ghs_1km.tif"
    with rasterio.open(path) as src:
        # a 0.5° window in the middle of the raster
        row, col = src.height // 2, src.width // 2
        win = rasterio.windows.Window(col, row, 60, 60)
        block = src.read(1, window=win)
        left, top = src.transform * (col, row)
        pixel = src.transform.a
    expected = float(block[block > 0].sum(dtype=np.float64))
    from pyproj import Transformer

    crs = CRS.from_user_input("EPSG:32753")
    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    xs, ys = t.transform([left, left + 60 * pixel], [top - 60 * pixel, top])
    # a grid strictly inside the window's interior would lose edges; cover it with margin
    grid = make_grid(
        (min(xs) - 2000, min(ys) - 2000, max(xs) + 2000, max(ys) + 2000), crs=crs, resolution=100.0
    )
    out, _ = read_population(path, grid)
    # the grid also catches the edge of neighbouring pixels; compare what lies inside
    assert out.sum(dtype=np.float64) >= expected * 0.999
