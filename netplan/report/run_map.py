"""Prepare a run's layers for the review map (polygons of coverage, lon/lat tables)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
from rasterio.features import shapes
from shapely.geometry import shape
from shapely.ops import unary_union

from netplan.evaluate import PlanTables, region_table
from netplan.grid import Grid
from netplan.pipeline import Analysis
from netplan.report.review_map import render_review_map

_WGS84 = "EPSG:4326"


def mask_polygons(mask: np.ndarray, grid: Grid) -> gpd.GeoDataFrame:
    """The area of a boolean grid mask as one (multi)polygon row, in lon/lat."""
    geoms = [
        shape(g)
        for g, v in shapes(
            mask.astype(np.uint8), mask=mask, connectivity=8, transform=grid.transform
        )
        if v == 1
    ]
    geometry = [unary_union(geoms)] if geoms else []
    return gpd.GeoDataFrame(geometry=geometry, crs=grid.crs).to_crs(_WGS84)


def review_map_html(
    analysis: Analysis,
    *,
    tables: PlanTables | None = None,
    covered_after: np.ndarray | None = None,
    summary: dict[str, Any] | None = None,
) -> str:
    """The review map of an analysis, or of a plan when its tables are given."""
    layers = analysis.layers
    regions = region_table(analysis, (summary or {}).get("regions") or [])
    before = analysis.coverage_before.covered & (layers.region >= 0)
    new = None
    if covered_after is not None:
        new = mask_polygons(
            covered_after & ~analysis.coverage_before.covered & (layers.region >= 0), layers.grid
        )
    return render_review_map(
        title=analysis.scenario.name,
        currency=analysis.scenario.currency,
        regions=regions.to_crs(_WGS84),
        blank_spots=analysis.blank.areas[["id", "population", "geometry"]].to_crs(_WGS84),
        coverage_before=mask_polygons(before, layers.grid),
        coverage_new=new,
        existing_sites=layers.existing_sites[["id", "technology", "cells", "geometry"]].to_crs(
            _WGS84
        ),
        sites=tables.sites.to_crs(_WGS84) if tables is not None else None,
        hotspots=tables.hotspots.to_crs(_WGS84) if tables is not None else None,
        links=tables.links.to_crs(_WGS84) if tables is not None else None,
        summary=summary,
    )
