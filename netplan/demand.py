"""Demand: existing coverage and blank spots (populated places that no signal reaches), and
the weight each uncovered cell carries in the objective (people or households). The people
on the grid themselves (urban class, calibration) are :mod:`netplan.population`'s.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
from rasterio.features import shapes
from scipy import ndimage
from shapely.geometry import shape
from shapely.ops import unary_union

from netplan.config import DemandConfig, Scenario
from netplan.parallel import map_sites
from netplan.radio.coverage import (
    CoverageModel,
    Footprint,
    SiteRequest,
    best_server,
    finite_or_none,
    footprint_of,
)

if TYPE_CHECKING:
    from netplan.layers import Layers

logger = logging.getLogger(__name__)

#: demand weights the summary always reports, whichever one the objective uses
WEIGHTS = ("people", "households", "unconnected_households")


@dataclass(frozen=True)
class Coverage:
    """Coverage of a set of sites on the grid."""

    covered: np.ndarray  #: bool, grid-shaped
    strength: np.ndarray  #: best-server strength, NaN where uncovered


@dataclass(frozen=True)
class BlankSpots:
    """Uncovered populated cells, and the connected blank-spot areas among them.

    ``cells`` are flat grid indices (sorted); ``label[i]`` is the area of ``cells[i]`` (-1 when
    the cell is too sparse to belong to one); ``areas`` has one row per area, most populous
    first, with its polygon (grid CRS).
    """

    cells: np.ndarray
    population: np.ndarray
    label: np.ndarray
    areas: gpd.GeoDataFrame

    @property
    def total(self) -> float:
        return float(self.population.sum(dtype=np.float64))


def existing_coverage(
    scenario: Scenario, layers: Layers, model: CoverageModel, *, client: Any = None
) -> Coverage:
    """Coverage of the existing sites, each modelled by its technology (footprints on the
    Dask ``client``'s cluster when one is given)."""
    cap = scenario.coverage.cap_by_opencellid_range
    requests = [
        SiteRequest(
            site.geometry.x,
            site.geometry.y,
            scenario.technologies[str(site.technology)],
            finite_or_none(site.height_m),
            finite_or_none(site.range_m) if cap else None,
        )
        for site in layers.existing_sites.itertuples()
    ]
    footprints: list[Footprint] = map_sites(
        footprint_of,
        model,
        requests,
        client=client,
        batch_size=scenario.compute.batch_size,
        label="Footprints of existing sites",
    )
    strength = best_server(layers.grid, footprints)
    return Coverage(covered=np.isfinite(strength), strength=strength)


def find_blank_spots(layers: Layers, coverage: Coverage, *, min_population: float) -> BlankSpots:
    """Uncovered people: every in-region cell with people and no coverage.

    All such cells are demand (so coverage figures count every person), while blank-spot
    *areas* are built from cells with at least ``min_population`` people, so a scatter of
    near-empty cells does not become hundreds of specks. Cells outside any area have label -1.
    """
    pop = layers.population
    uncovered = (pop > 0) & (layers.region >= 0) & ~coverage.covered
    mask = uncovered & (pop >= min_population)
    labels, n = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
    flat = np.flatnonzero(uncovered)
    cell_pop = pop.ravel()[flat].astype(np.float64)
    raw = labels.ravel()[flat] - 1
    in_area = raw >= 0
    area_pop = np.bincount(raw[in_area], weights=cell_pop[in_area], minlength=n)
    # most populous first; ties by first cell, so the order is stable
    first_cell = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_cell, raw[in_area], flat[in_area])
    order = np.lexsort((first_cell, -area_pop))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    label = np.full(flat.size, -1, dtype=np.int64)
    label[in_area] = rank[raw[in_area]]  # (no area at all: nothing to rank)

    grid = layers.grid
    lab, w = label[in_area], cell_pop[in_area]
    x, y = grid.cell_centres(flat[in_area])
    weights = np.bincount(lab, weights=w, minlength=n)
    cx = np.bincount(lab, weights=w * x, minlength=n) / np.maximum(weights, 1e-12)
    cy = np.bincount(lab, weights=w * y, minlength=n) / np.maximum(weights, 1e-12)
    ncell = np.bincount(lab, minlength=n)
    region_sum = np.bincount(lab, weights=layers.region.ravel()[flat[in_area]], minlength=n)
    region = region_sum / np.maximum(ncell, 1)

    relabelled = np.zeros(grid.size, dtype=np.int32)
    relabelled[flat[in_area]] = lab + 1
    geoms: list[list[object]] = [[] for _ in range(n)]
    for geom, value in shapes(
        relabelled.reshape(grid.shape), mask=mask, connectivity=8, transform=grid.transform
    ):
        geoms[int(value) - 1].append(shape(geom))
    areas = gpd.GeoDataFrame(
        {
            "id": [f"B{i + 1:04d}" for i in range(n)],
            "population": weights,
            "cells": ncell,
            "region": np.rint(region).astype(int),
            "centre_x": cx,
            "centre_y": cy,
        },
        geometry=[unary_union(g) if g else None for g in geoms],
        crs=grid.crs,
    )
    if layers.villages is not None and n:
        areas["nearest_village"] = _nearest_name(areas, layers.villages)
    logger.info(
        "blank spots: %d areas holding %.0f people; %.0f uncovered people in all",
        n,
        weights.sum(),
        cell_pop.sum(),
    )
    return BlankSpots(cells=flat, population=cell_pop, label=label, areas=areas)


def _nearest_name(areas: gpd.GeoDataFrame, villages: gpd.GeoDataFrame) -> pd.Series:
    """Name of the village nearest each area's population centre (for readable reasons)."""
    name_col = "name" if "name" in villages.columns else "id"
    centres = gpd.GeoSeries(gpd.points_from_xy(areas["centre_x"], areas["centre_y"]), crs=areas.crs)
    idx = villages.sindex.nearest(centres, return_all=False)[1]
    return pd.Series(villages[name_col].astype(str).to_numpy()[idx], index=areas.index)


@dataclass(frozen=True)
class DemandWeights:
    """Per-cell demand in each unit: people, households and unconnected households."""

    people: np.ndarray
    households: np.ndarray
    unconnected_households: np.ndarray

    def of(self, weight: str) -> np.ndarray:
        return np.asarray(getattr(self, weight))


def demand_weights(
    config: DemandConfig, population: np.ndarray, access_rate: np.ndarray | None
) -> DemandWeights:
    """People, households (people ÷ household size) and unconnected households
    (households × (1 − access rate)) for cells with ``population`` people.

    Without an access table every household counts as unconnected (rate 0).
    """
    people = np.asarray(population, dtype=np.float64)
    households = people / config.household_size
    rate = np.zeros_like(people) if access_rate is None else np.nan_to_num(access_rate, nan=0.0)
    return DemandWeights(people, households, households * (1.0 - rate))
