"""People on the analysis grid: the urban/rural class of each cell, population calibrated to
the registry's totals per region, and the village each populated cell belongs to.

These prepare the grid's layers (:mod:`netplan.layers` calls them while gridding the inputs);
nothing here knows about coverage or the plan.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
from numba import njit, prange
from rasterio.features import rasterize
from scipy import ndimage
from scipy.spatial import cKDTree

from netplan.errors import InputError
from netplan.grid import block_sums, expand_blocks

logger = logging.getLogger(__name__)


def urban_class(
    population: np.ndarray, resolution_m: float, *, density_per_km2: float, min_population: float
) -> np.ndarray:
    """Urban (True) or rural per cell, in the style of the degree of urbanisation.

    People are summed into blocks of about 1 km²; blocks of at least ``density_per_km2``
    that touch (8-connectivity) form clusters, and a cluster holding at least
    ``min_population`` people is urban. Each cell takes its block's class.
    """
    f = max(1, round(1000.0 / resolution_m))
    blocks = block_sums(population, f)
    area_km2 = (f * resolution_m / 1000.0) ** 2
    dense = blocks / area_km2 >= density_per_km2
    labels, n = ndimage.label(dense, structure=np.ones((3, 3), dtype=bool))
    if n == 0:
        return np.zeros(population.shape, dtype=bool)
    cluster_pop = np.bincount(labels.ravel(), weights=blocks.ravel(), minlength=n + 1)
    urban_cluster = cluster_pop >= min_population
    urban_cluster[0] = False
    return expand_blocks(urban_cluster[labels], f, population.shape)


def calibrate_population(
    population: np.ndarray,
    region: np.ndarray,
    registry: np.ndarray,
    names: list[str],
) -> pd.DataFrame:
    """Scale people per cell, in place, so each region's total matches its registry total.

    Returns one row per region: ``name``, ``gridded`` (raster total before), ``registry``,
    ``factor`` (registry ÷ gridded; NaN when the raster has nobody there, which then stays
    empty with a warning).
    """
    n = len(registry)
    gridded = _region_sums(population.ravel(), region.ravel(), n)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(gridded > 0, registry / gridded, np.nan)
    for i in np.flatnonzero(~np.isfinite(factor) & (registry > 0)).tolist():
        logger.warning(
            "calibration: %s has %.0f registered people but none in the raster; left empty",
            names[i],
            registry[i],
        )
    _scale_by_region(population.ravel(), region.ravel(), np.where(np.isfinite(factor), factor, 1.0))
    return pd.DataFrame({"name": names, "gridded": gridded, "registry": registry, "factor": factor})


@njit(cache=True, parallel=True)
def _region_sums(values: np.ndarray, region: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``values`` per region index (cells with region < 0 skipped): one pass, split
    into contiguous chunks across threads, each with its own accumulator."""
    chunks = 64
    step = (values.size + chunks - 1) // chunks
    partial = np.zeros((chunks, max(n, 1)), dtype=np.float64)
    for c in prange(chunks):
        acc = partial[c]
        for i in range(c * step, min((c + 1) * step, values.size)):
            r = region[i]
            if r >= 0:
                acc[r] += values[i]
    return partial.sum(axis=0)[:n]


@njit(cache=True, parallel=True)
def _scale_by_region(values: np.ndarray, region: np.ndarray, scale: np.ndarray) -> None:
    """``values *= scale[region]`` in place where region >= 0: one pass, no temporaries."""
    for i in prange(values.size):
        r = region[i]
        if r >= 0:
            values[i] = values[i] * scale[r]


def registry_population(boundaries: gpd.GeoDataFrame, field: str, path: object) -> np.ndarray:
    """The official population per region from a boundaries field, checked."""
    if field not in boundaries.columns:
        have = [c for c in boundaries.columns if c != "geometry"]
        raise InputError(
            f"{path}: demand.calibrate_to names field {field!r}, which the boundaries do not "
            f"have; fields: {', '.join(map(str, have))}"
        )
    values = pd.to_numeric(boundaries[field], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{path}: feature {i + 1} has {field} = {boundaries[field].iat[i]!r}; "
            "calibration needs a non-negative population for every region"
        )
    return values


def village_cells(
    villages: gpd.GeoDataFrame,
    grid_shape: tuple[int, int],
    transform: object,
    cell_x: np.ndarray,
    cell_y: np.ndarray,
    cells: np.ndarray,
    *,
    radius_m: float,
) -> np.ndarray:
    """Village index per grid cell (-1 for none), grid-shaped int32.

    Polygons (desa boundaries) claim the cells they cover. Points (desa centroids) claim
    the populated ``cells`` (flat indices, centres ``cell_x``, ``cell_y``) whose nearest
    village is within ``radius_m``: a Voronoi split of the settled land around them.
    """
    out = np.full(grid_shape, -1, dtype=np.int32)
    kinds = set(villages.geometry.geom_type)
    if kinds <= {"Polygon", "MultiPolygon"}:
        return rasterize(
            ((geom, i) for i, geom in enumerate(villages.geometry)),
            out_shape=grid_shape,
            transform=transform,
            fill=-1,
            dtype="int32",
        )
    pts = villages.geometry.representative_point()
    tree = cKDTree(np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()]))
    dist, nearest = tree.query(np.column_stack([cell_x, cell_y]), distance_upper_bound=radius_m)
    hit = np.isfinite(dist)
    out.ravel()[cells[hit]] = nearest[hit].astype(np.int32)
    return out
