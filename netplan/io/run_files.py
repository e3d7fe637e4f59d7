"""A finished run folder read back: everything the map, the reports and the exports are
drawn from, so that ``netplan map RUN_DIR`` re-renders them without solving again.

A run writes its *data* once (``summary.json``, ``manifest.json``, the GeoJSON layers, the
coverage rasters and ``overview.tif``); the *deliverables* (``map.html``, ``plan.kml``,
``plan.gpkg``, ``sites.csv``, the GeoParquet files) are rendered from these files, on the
first run as on every re-render, so both give the same bytes.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import rasterio
from affine import Affine
from pyproj import CRS
from rasterio.enums import Resampling
from rasterio.errors import RasterioError
from rasterio.transform import from_bounds
from rasterio.warp import reproject, transform_bounds

from netplan.errors import InputError
from netplan.grid import Grid
from netplan.i18n import DEFAULT_LANGUAGE, LANGUAGES
from netplan.io import rasters
from netplan.io.outputs import WGS84

#: the overview raster's longest side in pixels (the map's hillshade and population layers)
OVERVIEW_PIXELS = 800
#: the data files every run folder has; plan runs add :data:`PLAN_FILES`
RUN_FILES = (
    "summary.json",
    "manifest.json",
    "regions.geojson",
    "blank_spots.geojson",
    "existing_sites.geojson",
    "coverage_before.tif",
)
PLAN_FILES = ("plan.geojson", "links.geojson", "coverage_after.tif")
_AGAIN = "run netplan plan (or analyze) again to rewrite the run folder"


@dataclass(frozen=True)
class CoverageRaster:
    """A coverage raster on the analysis grid: where there is signal, where the region is."""

    covered: np.ndarray  #: bool, True where a site gives usable signal (inside the region)
    in_region: np.ndarray  #: bool, True inside the region
    signal_dbm: np.ndarray | None  #: best-server signal (NaN: none); None for the radius model
    transform: Affine
    crs: CRS

    @property
    def grid(self) -> Grid:
        """The analysis grid the raster lies on."""
        height, width = self.covered.shape
        return Grid(
            crs=self.crs,
            x0=self.transform.c,
            y0=self.transform.f,
            resolution=self.transform.a,
            width=width,
            height=height,
        )


@dataclass(frozen=True)
class Overview:
    """Elevation and population density in lon/lat at map resolution (rows north to south)."""

    elevation_m: np.ndarray | None  #: NaN outside the DEM; None without a DEM
    people_per_km2: np.ndarray  #: the densest analysis cell under each pixel; NaN: nobody
    south_west: tuple[float, float]  #: (lat, lon)
    north_east: tuple[float, float]  #: (lat, lon)


@dataclass(frozen=True)
class RunFiles:
    """The data of a finished run (plan or analysis), layers in EPSG:4326."""

    folder: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    regions: gpd.GeoDataFrame
    blank_spots: gpd.GeoDataFrame
    existing_sites: gpd.GeoDataFrame
    coverage_before: CoverageRaster
    overview: Overview | None = None
    sites: gpd.GeoDataFrame | None = None  #: new towers (None: an analysis run)
    hotspots: gpd.GeoDataFrame | None = None
    links: gpd.GeoDataFrame | None = None
    villages: gpd.GeoDataFrame | None = None
    report_blocks: gpd.GeoDataFrame | None = None
    coverage_after: CoverageRaster | None = None

    @property
    def is_plan(self) -> bool:
        return self.sites is not None

    @property
    def currency(self) -> str:
        return str(self.summary.get("currency", "IDR"))

    @property
    def lang(self) -> str:
        """The language the run was made in (``output.lang``; English for older runs)."""
        return run_language(self.manifest)

    @property
    def horizon_years(self) -> int:
        return int(self.summary.get("horizon_years") or 0)


def run_language(manifest: dict[str, Any]) -> str:
    """``output.lang`` of a run's manifest (English for runs older than the setting)."""
    config = manifest.get("config")
    output = config.get("output") if isinstance(config, dict) else None
    lang = output.get("lang") if isinstance(output, dict) else None
    return str(lang or DEFAULT_LANGUAGE)


def read_run_language(folder: Path) -> str:
    """The language a run folder was made in, from its manifest alone."""
    return run_language(_read_json(Path(folder) / "manifest.json"))


def _summary_problem(summary: dict[str, Any], manifest: dict[str, Any]) -> tuple[str, str] | None:
    """(file, what) in a run's summary or manifest the map cannot be drawn from, or None."""
    if not isinstance(summary.get("scenario"), str) or not isinstance(summary.get("currency"), str):
        return "summary.json", "no scenario name or currency"
    regions = summary.get("regions")
    if not isinstance(regions, list) or not all(isinstance(r, dict) for r in regions):
        return "summary.json", "'regions' is not a list of regions"
    horizon = summary.get("horizon_years")
    if horizon is not None and (isinstance(horizon, bool) or not isinstance(horizon, int | float)):
        return "summary.json", f"'horizon_years' is not a number ({horizon!r})"
    if "solver" in summary and not isinstance(summary["solver"], dict):
        return "summary.json", "'solver' is not an object"
    if run_language(manifest) not in LANGUAGES:
        return "manifest.json", f"output.lang {run_language(manifest)!r} is not one of {LANGUAGES}"
    return None


def _problem(path: Path, what: str) -> InputError:
    return InputError(f"{path}: {what}; {_AGAIN}")


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise _problem(path, "missing from the run folder")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _problem(path, f"damaged run file ({exc})") from exc
    if not isinstance(data, dict):
        raise _problem(path, "damaged run file (not a JSON object)")
    return data


def _read_layer(path: Path, *, required: bool = True) -> gpd.GeoDataFrame | None:
    if not path.is_file():
        if required:
            raise _problem(path, "missing from the run folder")
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            layer = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise _problem(path, f"damaged run file ({exc})") from exc
    if layer.crs is None:
        layer = layer.set_crs(WGS84)
    return layer.to_crs(WGS84)


def read_coverage(path: Path) -> CoverageRaster:
    """A run's coverage raster (the format lives in :mod:`netplan.io.rasters`)."""
    return CoverageRaster(*rasters.read_coverage(path))


def read_overview(path: Path) -> Overview | None:
    """The run's ``overview.tif`` (None when absent: an older run)."""
    if not path.is_file():
        return None
    try:
        with rasterio.open(path) as src:
            if src.count != 2:
                raise _problem(path, f"damaged run file ({src.count} bands, not 2)")
            elevation, density = src.read(1), src.read(2)
            west, south, east, north = src.bounds
    except RasterioError as exc:
        raise _problem(path, f"damaged run file ({exc})") from exc
    has_dem = bool(np.isfinite(elevation).any())
    return Overview(elevation if has_dem else None, density, (south, west), (north, east))


def read_run(folder: Path) -> RunFiles:
    """Read a finished run folder.

    Raises
    ------
    InputError
        When a data file is missing or damaged, naming it (a folder from a netplan older than
        the re-render, or cut short by a full disk).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(
            f"{folder}: not a run folder (no such folder); give the folder a run wrote"
        )
    summary = _read_json(folder / "summary.json")
    manifest = _read_json(folder / "manifest.json")
    problem = _summary_problem(summary, manifest)
    if problem is not None:
        raise _problem(folder / problem[0], f"damaged run file ({problem[1]})")
    layers = {name: _read_layer(folder / name) for name in RUN_FILES if name.endswith(".geojson")}
    plan = _read_layer(folder / "plan.geojson", required=False)
    out: dict[str, Any] = {}
    if plan is not None:
        kind = plan["kind"] if "kind" in plan else gpd.pd.Series("tower", index=plan.index)
        out = {
            "sites": plan[kind != "wifi"].reset_index(drop=True),
            "hotspots": plan[kind == "wifi"].reset_index(drop=True),
            "links": _read_layer(folder / "links.geojson"),
            "villages": _read_layer(folder / "villages.geojson", required=False),
            "coverage_after": read_coverage(folder / "coverage_after.tif"),
        }
    before = read_coverage(folder / "coverage_before.tif")
    after = out.get("coverage_after")
    if after is not None and after.covered.shape != before.covered.shape:
        raise _problem(
            folder / "coverage_after.tif",
            "damaged run file (not on the grid of coverage_before.tif)",
        )
    return RunFiles(
        folder=folder,
        summary=summary,
        manifest=manifest,
        regions=layers["regions.geojson"],
        blank_spots=layers["blank_spots.geojson"],
        existing_sites=layers["existing_sites.geojson"],
        coverage_before=before,
        overview=read_overview(folder / "overview.tif"),
        report_blocks=_read_layer(folder / "signal_reports.geojson", required=False),
        **out,
    )


def _warp_to_lonlat(
    values: np.ndarray, grid: Grid, *, width: int, height: int, resampling: Resampling
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    west, south, east, north = transform_bounds(grid.crs, WGS84, *grid.bounds)
    out = np.full((height, width), np.nan, dtype=np.float32)
    reproject(
        values.astype(np.float32),
        out,
        src_transform=grid.transform,
        src_crs=grid.crs,
        src_nodata=np.nan,
        dst_transform=from_bounds(west, south, east, north, width, height),
        dst_crs=WGS84,
        dst_nodata=np.nan,
        resampling=resampling,
    )
    return out, (west, south, east, north)


def write_overview(
    path: Path, grid: Grid, *, elevation: np.ndarray | None, population: np.ndarray
) -> None:
    """Elevation (average) and people per km² (densest cell) in lon/lat, at most
    :data:`OVERVIEW_PIXELS` a side: the map's terrain and population layers, and a quick
    look for a GIS user. Two float32 bands, NaN where there is no DEM or nobody lives."""
    scale = max(1.0, max(grid.width, grid.height) / OVERVIEW_PIXELS)
    width, height = max(1, round(grid.width / scale)), max(1, round(grid.height / scale))
    cell_km2 = grid.resolution**2 / 1e6
    density = np.where(population > 0, population / cell_km2, np.nan)
    dens, bounds = _warp_to_lonlat(
        density, grid, width=width, height=height, resampling=Resampling.max
    )
    dem = np.full_like(dens, np.nan)
    if elevation is not None:
        dem, _ = _warp_to_lonlat(
            elevation, grid, width=width, height=height, resampling=Resampling.average
        )
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 2,
        "dtype": "float32",
        "crs": WGS84,
        "transform": from_bounds(*bounds, width, height),
        "nodata": float("nan"),
        "compress": "deflate",
        "predictor": 3,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.round(dem, 1), 1)
        dst.write(np.round(dens, 1), 2)
        dst.set_band_description(1, "ground elevation (m above sea level), average")
        dst.set_band_description(2, "people per km² (densest analysis cell)")
        dst.units = ("m", "people/km2")
