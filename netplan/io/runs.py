"""Write a run folder (DESIGN.md §4) atomically from ready objects."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from netplan.grid import Grid
from netplan.io.outputs import atomic_dir, write_geojson, write_gpkg, write_json
from netplan.io.rasters import write_cog

logger = logging.getLogger(__name__)

#: coverage rasters: 1 covered, 0 not covered, 255 outside the region
COVERAGE_NODATA = 255


def coverage_raster(covered: np.ndarray, region: np.ndarray) -> np.ndarray:
    out = covered.astype(np.uint8)
    out[region < 0] = COVERAGE_NODATA
    return out


def write_run(
    out_dir: Path,
    *,
    grid: Grid,
    region: np.ndarray,
    summary: dict[str, Any],
    manifest: dict[str, Any],
    map_html: str,
    blank_spots: gpd.GeoDataFrame,
    covered_before: np.ndarray,
    regions: gpd.GeoDataFrame | None = None,
    covered_after: np.ndarray | None = None,
    sites: gpd.GeoDataFrame | None = None,
    hotspots: gpd.GeoDataFrame | None = None,
    links: gpd.GeoDataFrame | None = None,
) -> Path:
    """Write every output file into ``out_dir``, replacing it only when all are written.

    Without the plan's tables (``sites``, ``hotspots``, ``links``, ``regions`` and
    ``covered_after``) this is an analysis run: no plan files.
    """
    with atomic_dir(out_dir) as tmp:
        write_json(tmp / "summary.json", summary)
        write_geojson(tmp / "blank_spots.geojson", blank_spots)
        write_cog(
            tmp / "coverage_before.tif",
            coverage_raster(covered_before, region),
            grid,
            nodata=COVERAGE_NODATA,
        )
        if (
            covered_after is not None
            and sites is not None
            and hotspots is not None
            and links is not None
            and regions is not None
        ):
            write_cog(
                tmp / "coverage_after.tif",
                coverage_raster(covered_after, region),
                grid,
                nodata=COVERAGE_NODATA,
            )
            placed = gpd.GeoDataFrame(
                gpd.pd.concat([sites, hotspots], ignore_index=True), crs=sites.crs
            )
            write_geojson(tmp / "plan.geojson", placed)
            write_geojson(tmp / "links.geojson", links)
            write_gpkg(
                tmp / "plan.gpkg",
                {
                    "sites": sites,
                    "hotspots": hotspots,
                    "links": links,
                    "blank_spots": blank_spots,
                    "regions": regions,
                },
            )
        (tmp / "map.html").write_text(map_html, encoding="utf-8")
        write_json(tmp / "manifest.json", manifest)
    logger.info("wrote %s", out_dir)
    return out_dir
