"""Prepare a run's layers for the review map (polygons of coverage, lon/lat tables)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
from affine import Affine
from rasterio.enums import Resampling
from rasterio.features import shapes
from rasterio.transform import from_bounds
from rasterio.warp import reproject, transform_bounds
from shapely.geometry import shape
from shapely.ops import unary_union

from netplan.evaluate import PlanTables, region_table
from netplan.grid import Grid
from netplan.pipeline import Analysis
from netplan.radio.coverage import Footprint, best_server
from netplan.report.review_map import (
    SIMPLIFY_DEG,
    SignalImage,
    hillshade_image,
    render_review_map,
    signal_image,
)

_WGS84 = "EPSG:4326"


#: Coverage masks wider than this are drawn from coarser blocks: a Papua-sized grid (6,500
#: cells a side) otherwise gives a map of ~100 MB, too much for partners on slow links.
MAP_MAX_CELLS = 2048


def map_factor(grid: Grid) -> int:
    """Cells per side of the blocks a large grid's polygons are drawn from (1: full detail)."""
    return max(1, math.ceil(max(grid.width, grid.height) / MAP_MAX_CELLS))


def mask_polygons(mask: np.ndarray, grid: Grid, *, factor: int = 1) -> gpd.GeoDataFrame:
    """The area of a boolean grid mask as one (multi)polygon row, in lon/lat.

    With ``factor`` > 1 the mask is first reduced to blocks of factor × factor cells, a block
    counting when at least half its cells do (the drawn area stays unbiased).
    """
    transform = grid.transform
    if factor > 1:
        h, w = mask.shape
        padded = np.zeros((-(-h // factor) * factor, -(-w // factor) * factor), dtype=np.float32)
        padded[:h, :w] = mask
        share = padded.reshape(padded.shape[0] // factor, factor, -1, factor).mean(axis=(1, 3))
        mask = share >= 0.5
        transform = transform * Affine.scale(factor)
    geoms = [
        shape(g)
        for g, v in shapes(mask.astype(np.uint8), mask=mask, connectivity=8, transform=transform)
        if v == 1
    ]
    geometry = [unary_union(geoms)] if geoms else []
    return gpd.GeoDataFrame(geometry=geometry, crs=grid.crs).to_crs(_WGS84)


def _to_lonlat(
    values: np.ndarray, grid: Grid, *, max_pixels: int, resampling: Resampling
) -> tuple[np.ndarray, tuple[float, float], tuple[float, float]]:
    """A grid raster warped to lon/lat (at most ``max_pixels`` wide), and its corners."""
    west, south, east, north = transform_bounds(grid.crs, _WGS84, *grid.bounds)
    scale = max(1.0, max(grid.width, grid.height) / max_pixels)
    width = max(1, round(grid.width / scale))
    height = max(1, round(grid.height / scale))
    out = np.full((height, width), np.nan, dtype=np.float32)
    reproject(
        values.astype(np.float32),
        out,
        src_transform=grid.transform,
        src_crs=grid.crs,
        src_nodata=np.nan,
        dst_transform=from_bounds(west, south, east, north, width, height),
        dst_crs=_WGS84,
        dst_nodata=np.nan,
        resampling=resampling,
    )
    return out, (south, west), (north, east)


def terrain_image(analysis: Analysis, *, max_pixels: int = 700) -> SignalImage | None:
    """A hillshade of the DEM as the map's offline base layer (None without a DEM)."""
    elevation = analysis.layers.elevation
    if elevation is None or not np.isfinite(elevation).any():
        return None
    grid = analysis.layers.grid
    dem, sw, ne = _to_lonlat(elevation, grid, max_pixels=max_pixels, resampling=Resampling.average)
    cell_m = grid.resolution * max(grid.width, grid.height) / max(dem.shape)
    return hillshade_image(dem, south_west=sw, north_east=ne, cell_m=cell_m)


def population_image(analysis: Analysis, *, max_pixels: int = 700) -> SignalImage | None:
    """People per km² (log scale) as a coloured overlay."""
    grid = analysis.layers.grid
    pop = analysis.layers.population.astype(np.float32)
    density = np.where(pop > 0, pop / (grid.resolution**2 / 1e6), np.nan)
    out, sw, ne = _to_lonlat(density, grid, max_pixels=max_pixels, resampling=Resampling.max)
    if not np.isfinite(out).any():
        return None
    return signal_image(
        np.log10(out), south_west=sw, north_east=ne, weakest_dbm=0.0, strongest_dbm=4.0
    )


def new_signal_image(
    analysis: Analysis, footprints: Iterable[Footprint], *, max_pixels: int = 800
) -> SignalImage | None:
    """The new sites' best-server signal, in lon/lat, coloured (terrain model only)."""
    if analysis.model.strength_unit != "dBm":
        return None
    grid = analysis.layers.grid
    signal = best_server(grid, footprints)
    if not np.isfinite(signal).any():
        return None
    out, (south, west), (north, east) = _to_lonlat(
        signal, grid, max_pixels=max_pixels, resampling=Resampling.max
    )
    weakest = min(
        float(t.min_signal_dbm)
        for t in analysis.scenario.tower_technologies.values()
        if t.min_signal_dbm is not None
    )
    return signal_image(
        out,
        south_west=(south, west),
        north_east=(north, east),
        weakest_dbm=weakest,
        strongest_dbm=weakest + 45.0,
    )


def review_map_html(
    analysis: Analysis,
    *,
    tables: PlanTables | None = None,
    covered_after: np.ndarray | None = None,
    summary: dict[str, Any] | None = None,
    new_footprints: Iterable[Footprint] = (),
) -> str:
    """The review map of an analysis, or of a plan when its tables are given."""
    layers = analysis.layers
    regions = region_table(analysis, (summary or {}).get("regions") or [])
    before = analysis.coverage_before.covered & (layers.region >= 0)
    factor = map_factor(layers.grid)
    new = None
    if covered_after is not None:
        new = mask_polygons(
            covered_after & ~analysis.coverage_before.covered & (layers.region >= 0),
            layers.grid,
            factor=factor,
        )
    blank = analysis.blank.areas[["id", "population", "geometry"]].to_crs(_WGS84)
    if factor > 1:  # outlines as coarse as the coverage drawn beside them
        blank = blank.set_geometry(blank.simplify(SIMPLIFY_DEG * factor))
    return render_review_map(
        title=analysis.scenario.name,
        currency=analysis.scenario.currency,
        regions=regions.to_crs(_WGS84),
        blank_spots=blank,
        coverage_before=mask_polygons(before, layers.grid, factor=factor),
        coverage_new=new,
        existing_sites=layers.existing_sites[["id", "technology", "cells", "geometry"]].to_crs(
            _WGS84
        ),
        sites=tables.sites.to_crs(_WGS84) if tables is not None else None,
        hotspots=tables.hotspots.to_crs(_WGS84) if tables is not None else None,
        links=tables.links.to_crs(_WGS84) if tables is not None else None,
        summary=summary,
        signal_image=new_signal_image(analysis, new_footprints) if tables is not None else None,
        base_image=terrain_image(analysis),
        population_image=population_image(analysis),
        villages=(
            tables.villages.to_crs(_WGS84)
            if tables is not None and tables.villages is not None
            else None
        ),
        report_blocks=(
            analysis.evidence.blocks.to_crs(_WGS84) if analysis.evidence is not None else None
        ),
    )
