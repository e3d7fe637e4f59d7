"""Raster readers and writers (GeoTIFF / COG), the only place rasters touch the disk."""

from __future__ import annotations

import logging
import math
import warnings
from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError, WindowError
from rasterio.io import MemoryFile
from rasterio.shutil import copy as rio_copy
from rasterio.warp import reproject, transform_bounds
from rasterio.windows import Window, from_bounds

from netplan.errors import InputError
from netplan.grid import Grid, SumResampler

logger = logging.getLogger(__name__)

#: Rows read per block, so a country-scale raster never sits in memory whole.
BLOCK_ROWS = 1024
#: No place on earth is denser than this (Manila's densest districts reach ~70,000); above
#: it, a raster is almost surely in other units (per km², scaled) or corrupt.
MAX_PEOPLE_PER_KM2 = 100_000.0


def _open(path: Path, what: str) -> rasterio.DatasetReader:
    if not path.is_file():
        raise InputError(f"{path}: {what} raster not found; check layers.{what} in the scenario")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            return rasterio.open(path)
    except RasterioIOError as exc:
        raise InputError(f"{path}: cannot read {what} raster ({exc}); expected a GeoTIFF") from exc


def _check_georeferenced(src: rasterio.DatasetReader, path: Path, what: str) -> None:
    if src.crs is None:
        raise InputError(
            f"{path}: {what} raster has no CRS; assign one "
            f"(e.g. gdal_edit.py -a_srs EPSG:4326 {path.name})"
        )


def _window_over_grid(src: rasterio.DatasetReader, grid: Grid, path: Path, what: str) -> Window:
    """The source window that covers the grid, or an error when they do not overlap."""
    left, bottom, right, top = transform_bounds(grid.crs, src.crs, *grid.bounds, densify_pts=21)
    sl, sb, sr, st = src.bounds
    if right <= sl or left >= sr or top <= sb or bottom >= st:
        raise InputError(
            f"{path}: {what} raster (bounds {sl:.4f},{sb:.4f},{sr:.4f},{st:.4f} in {src.crs}) "
            "does not overlap the region; check the file or region.boundaries"
        )
    win = from_bounds(left, bottom, right, top, transform=src.transform)
    win = win.round_offsets(op="floor").round_lengths(op="ceil")
    try:
        return win.intersection(Window(0, 0, src.width, src.height))
    except WindowError as exc:
        raise InputError(
            f"{path}: {what} raster does not overlap the region; check the file or "
            "region.boundaries"
        ) from exc


def read_population(path: Path, grid: Grid) -> tuple[np.ndarray, dict[str, float]]:
    """Population (people per cell) on the grid, summed from any CRS and resolution.

    Returns the array and a record of the totals (source inside the window, landed in the
    grid) so callers can check that nothing was lost.
    """
    with _open(path, "population") as src:
        _check_georeferenced(src, path, "population")
        win = _window_over_grid(src, grid, path, "population")
        acc = SumResampler(grid, src_crs=src.crs, src_transform=src.transform)
        nodata = src.nodata
        pixel_km2 = _pixel_area_km2(src, win)
        negative = 0
        dense = 0
        densest = 0.0
        for row in range(int(win.row_off), int(win.row_off + win.height), BLOCK_ROWS):
            h = min(BLOCK_ROWS, int(win.row_off + win.height) - row)
            block_win = Window(int(win.col_off), row, int(win.width), h)
            block = src.read(1, window=block_win, masked=False).astype(np.float64)
            if nodata is not None:
                block[block == nodata] = np.nan
            negative += int(np.count_nonzero(block < 0))
            too_many = block > MAX_PEOPLE_PER_KM2 * pixel_km2
            dense += int(np.count_nonzero(too_many))
            if too_many.any():
                densest = max(densest, float(np.nanmax(block)) / pixel_km2)
            acc.add_block(block, row_off=row, col_off=int(win.col_off))
        if dense:
            raise InputError(
                f"{path}: {dense} population cells hold more than {MAX_PEOPLE_PER_KM2:,.0f} "
                f"people per km² (up to {densest:,.0f}); the raster must hold people per cell "
                "(not per km², nor scaled)"
            )
        if negative:
            raise InputError(
                f"{path}: {negative} population cells are negative (and not nodata "
                f"{nodata}); set the raster's nodata value or fix the cells"
            )
    stats = {"source_in_window": acc.inside + acc.outside, "on_grid": acc.inside}
    return acc.result(), stats


def _pixel_area_km2(src: rasterio.DatasetReader, win: Window) -> float:
    """Area of one source pixel near the window's centre, in km²."""
    t = src.transform
    if src.crs.is_geographic:
        lat = t.f + (win.row_off + win.height / 2) * t.e
        km_per_deg = 111.32
        return abs(t.a * t.e) * km_per_deg**2 * max(math.cos(math.radians(lat)), 1e-6)
    return abs(t.a * t.e) / 1e6


def read_elevation(path: Path, grid: Grid) -> np.ndarray:
    """Elevation (m) on the grid, bilinear; NaN where the DEM has no data."""
    with _open(path, "elevation") as src:
        _check_georeferenced(src, path, "elevation")
        _window_over_grid(src, grid, path, "elevation")
        out = np.full(grid.shape, np.nan, dtype=np.float32)
        reproject(
            source=rasterio.band(src, 1),
            destination=out,
            dst_transform=grid.transform,
            dst_crs=grid.crs,
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    return out


def write_cog(path: Path, data: np.ndarray, grid: Grid, *, nodata: float | int | None) -> None:
    """Write a single-band Cloud-Optimised GeoTIFF on the grid."""
    profile = {
        "driver": "GTiff",
        "width": grid.width,
        "height": grid.height,
        "count": 1,
        "dtype": data.dtype.name,
        "crs": grid.crs.to_wkt(),
        "transform": grid.transform,
        "nodata": nodata,
    }
    with MemoryFile() as mem:
        with mem.open(**profile) as tmp:
            tmp.write(data, 1)
        with mem.open() as tmp:
            rio_copy(tmp, str(path), driver="COG", compress="DEFLATE", blocksize=512)
