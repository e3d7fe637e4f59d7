"""Write a run folder (DESIGN.md §4) atomically from ready objects."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from netplan.errors import InputError
from netplan.grid import Grid
from netplan.io.outputs import (
    write_csv,
    write_geojson,
    write_gpkg,
    write_json,
    write_kml,
)
from netplan.io.paths import file_problem
from netplan.io.rasters import write_cog
from netplan.io.run_folder import atomic_dir

logger = logging.getLogger(__name__)

#: mask rasters: 1 covered, 0 not covered, 255 outside the region
MASK_NODATA = 255


def coverage_raster(
    covered: np.ndarray, strength: np.ndarray, region: np.ndarray, *, signal: bool
) -> tuple[np.ndarray, float | int]:
    """The coverage raster and its nodata value.

    With ``signal`` (terrain model): best-server signal in dBm, float32, NaN where no site
    reaches the minimum signal or outside the region. Otherwise a uint8 mask.
    """
    if signal:
        out = np.where(covered & (region >= 0), strength, np.nan).astype(np.float32)
        return out, float("nan")
    mask = covered.astype(np.uint8)
    mask[region < 0] = MASK_NODATA
    return mask, MASK_NODATA


def write_run(
    out_dir: Path,
    *,
    grid: Grid,
    summary: dict[str, Any],
    manifest: dict[str, Any],
    map_html: str,
    blank_spots: gpd.GeoDataFrame,
    coverage_before: tuple[np.ndarray, float | int],
    regions: gpd.GeoDataFrame | None = None,
    coverage_after: tuple[np.ndarray, float | int] | None = None,
    sites: gpd.GeoDataFrame | None = None,
    hotspots: gpd.GeoDataFrame | None = None,
    links: gpd.GeoDataFrame | None = None,
    villages: gpd.GeoDataFrame | None = None,
    evidence: dict[str, Any] | None = None,
) -> Path:
    """Write every output file into ``out_dir``, replacing it only when all are written.

    Without the plan's tables (``sites``, ``hotspots``, ``links``, ``regions`` and
    ``coverage_after``) this is an analysis run: no plan files. Coverage rasters come as
    (array, nodata) from :func:`coverage_raster`. ``evidence`` maps extra file names to
    tables: ``.geojson`` for GeoDataFrames, ``.csv`` for plain tables.
    """
    with atomic_dir(out_dir) as tmp:
        write_json(tmp / "summary.json", summary)
        write_geojson(tmp / "blank_spots.geojson", blank_spots)
        write_cog(tmp / "coverage_before.tif", coverage_before[0], grid, nodata=coverage_before[1])
        if (
            coverage_after is not None
            and sites is not None
            and hotspots is not None
            and links is not None
            and regions is not None
        ):
            write_cog(tmp / "coverage_after.tif", coverage_after[0], grid, nodata=coverage_after[1])
            placed = gpd.GeoDataFrame(
                gpd.pd.concat([sites, hotspots], ignore_index=True), crs=sites.crs
            )
            write_geojson(tmp / "plan.geojson", placed)
            write_geojson(tmp / "links.geojson", links)
            if villages is not None:
                write_geojson(tmp / "villages.geojson", villages)
            write_kml(tmp / "plan.kml", {"sites": placed, "links": links})
            write_csv(tmp / "sites.csv", placed)
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
        for name, frame in (evidence or {}).items():
            if name.endswith(".geojson"):
                write_geojson(tmp / name, frame)
            else:
                write_csv(tmp / name, frame)
        (tmp / "map.html").write_text(map_html, encoding="utf-8")
        write_json(tmp / "manifest.json", manifest)
    logger.info("wrote %s", out_dir)
    return out_dir


def read_features(run_dir: Path, name: str) -> list[dict[str, Any]]:
    """The properties of every feature of a run's GeoJSON file (empty when absent).

    Raises
    ------
    InputError
        When the file is there but is not a GeoJSON feature collection (cut short by a full
        disk, edited by hand, or not a file at all), naming it and the fix.
    """
    path = Path(run_dir) / name
    if not path.exists():
        return []
    problem = file_problem(path)
    if problem is not None:
        raise InputError(f"{path}: {problem}; run netplan plan again to rewrite the run folder")
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
        features = collection["features"]
        properties = [dict(f["properties"] or {}) for f in features]
    except (ValueError, KeyError, TypeError) as exc:  # JSONDecodeError is a ValueError
        what = (
            f"not valid JSON ({exc})"
            if isinstance(exc, json.JSONDecodeError)
            else "not a GeoJSON feature collection"
        )
        raise InputError(
            f"{path}: damaged run file, {what}; run netplan plan again to rewrite the run folder"
        ) from exc
    return properties
