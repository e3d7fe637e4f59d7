"""Write a run's data files (DESIGN.md §4) from ready objects; read its GeoJSON back."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from netplan.errors import InputError
from netplan.grid import Grid
from netplan.io.outputs import write_csv, write_geojson, write_json
from netplan.io.paths import file_problem
from netplan.io.rasters import write_coverage
from netplan.io.run_files import write_overview

logger = logging.getLogger(__name__)


def write_run_data(
    folder: Path,
    *,
    grid: Grid,
    summary: dict[str, Any],
    manifest: dict[str, Any],
    regions: gpd.GeoDataFrame,
    blank_spots: gpd.GeoDataFrame,
    existing_sites: gpd.GeoDataFrame,
    coverage_before: tuple[np.ndarray, float | int],
    overview: tuple[np.ndarray | None, np.ndarray],
    coverage_after: tuple[np.ndarray, float | int] | None = None,
    placed: gpd.GeoDataFrame | None = None,
    links: gpd.GeoDataFrame | None = None,
    villages: gpd.GeoDataFrame | None = None,
    evidence: dict[str, Any] | None = None,
) -> None:
    """Write a run's data files into ``folder`` (a temporary folder of
    :func:`~netplan.io.run_folder.atomic_dir`): everything the deliverables are rendered from
    (:mod:`netplan.io.run_files` reads them back).

    Without ``placed`` (new towers and hotspots), ``links`` and ``coverage_after`` this is an
    analysis run. Coverage rasters come as (array, nodata) from
    :func:`~netplan.io.rasters.coverage_raster`; ``overview`` as (elevation or None,
    population) on the grid. ``evidence`` maps extra file names to tables: ``.geojson`` for
    GeoDataFrames, ``.csv`` for plain tables.
    """
    write_json(folder / "summary.json", summary)
    write_geojson(folder / "regions.geojson", regions)
    write_geojson(folder / "blank_spots.geojson", blank_spots)  # centre_x/y: dropped there
    write_geojson(folder / "existing_sites.geojson", existing_sites)
    write_coverage(folder / "coverage_before.tif", coverage_before, grid, when="before the plan")
    write_overview(folder / "overview.tif", grid, elevation=overview[0], population=overview[1])
    if coverage_after is not None and placed is not None and links is not None:
        write_coverage(folder / "coverage_after.tif", coverage_after, grid, when="after the plan")
        write_geojson(folder / "plan.geojson", placed)
        write_geojson(folder / "links.geojson", links)
        if villages is not None:
            write_geojson(folder / "villages.geojson", villages)
    for name, frame in (evidence or {}).items():
        if name.endswith(".geojson"):
            write_geojson(folder / name, frame)
        else:
            write_csv(folder / name, frame)
    write_json(folder / "manifest.json", manifest)


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
