"""Load a scenario's layers onto one analysis grid.

The result, :class:`Layers`, is the first typed object of the pipeline: rasters on the grid
(an :class:`xarray.Dataset` with ``population``, ``elevation`` and ``region``) and vector
layers reprojected to the grid CRS. Every input is validated on load.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xarray as xr
from pyproj import CRS, Transformer
from rasterio.features import rasterize

from netplan import memory
from netplan.access import AccessRates, join_access
from netplan.config import Scenario
from netplan.errors import InputError
from netplan.grid import Grid, make_grid
from netplan.io import rasters, vectors
from netplan.population import (
    calibrate_population,
    registry_population,
    urban_class,
    village_cells,
)
from netplan.signal_reports import is_dark
from netplan.sites import empty_sites, group_cells_into_sites
from netplan.tiles import MAX_REGION_SCALE_ERROR, Tile, scale_error, utm_zone

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Layers:
    """Everything the analysis needs, on one grid in one metric CRS."""

    grid: Grid
    data: xr.Dataset
    regions: gpd.GeoDataFrame  #: ``name``, ``code``; row i is region id i on the grid
    existing_sites: gpd.GeoDataFrame
    fiber_lines: gpd.GeoDataFrame | None
    fiber_nodes: gpd.GeoDataFrame | None
    pois: gpd.GeoDataFrame | None
    villages: gpd.GeoDataFrame | None
    candidates: gpd.GeoDataFrame | None
    roads: gpd.GeoDataFrame | None = None
    water: gpd.GeoDataFrame | None = None
    decisions: pd.DataFrame | None = None  #: reviewer decisions; added sites in grid x, y
    inputs: dict[str, Path] = field(default_factory=dict)
    population_check: dict[str, float] = field(default_factory=dict)
    access: AccessRates | None = None  #: household internet access per region
    calibration: pd.DataFrame | None = None  #: per region: gridded, registry, factor
    #: citizen signal reports, reduced on load to grid ``x``, ``y`` and ``dark`` (nothing
    #: personal is kept; only aggregates of at least ``reports.min_reports`` leave the engine)
    reports: pd.DataFrame | None = None

    @property
    def population(self) -> np.ndarray:
        """People per cell inside the region (zero outside)."""
        return np.asarray(self.data["population"].values)

    @property
    def region(self) -> np.ndarray:
        """Region index per cell, -1 outside every region."""
        return np.asarray(self.data["region"].values)

    @property
    def urban(self) -> np.ndarray:
        """Urban (True) or rural class per cell."""
        return np.asarray(self.data["urban"].values)

    @property
    def access_rate(self) -> np.ndarray | None:
        """Share of households with internet per cell (its region and class), or None."""
        if "access_rate" not in self.data:
            return None
        return np.asarray(self.data["access_rate"].values)

    @property
    def village(self) -> np.ndarray | None:
        """Village index per cell (-1 none), or None without a villages layer."""
        if "village" not in self.data:
            return None
        return np.asarray(self.data["village"].values)

    @property
    def is_tile(self) -> bool:
        """Is this one tile of a national run (with a halo of the neighbours' land)?"""
        return "land" in self.data

    @property
    def land(self) -> np.ndarray:
        """Cells inside any of the scenario's regions (on a tile: of the whole country, so
        the halo's land next door is land too)."""
        if "land" in self.data:
            return np.asarray(self.data["land"].values)
        return self.region >= 0

    @property
    def elevation(self) -> np.ndarray | None:
        if "elevation" not in self.data:
            return None
        return np.asarray(self.data["elevation"].values)


def read_boundaries(scenario: Scenario) -> gpd.GeoDataFrame:
    """Region polygons with ``name`` and ``code`` columns, in their own CRS."""
    cfg = scenario.region
    gdf = vectors.read_vector(cfg.boundaries, "boundaries")
    fields = [cfg.name_field] + ([cfg.code_field] if cfg.code_field else [])
    vectors.require_columns(gdf, fields, cfg.boundaries, "region.boundaries")
    kinds = set(gdf.geometry.geom_type)
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise InputError(f"{cfg.boundaries}: boundaries must be polygons, found {sorted(kinds)}")
    names = _region_names(gdf[cfg.name_field], cfg.boundaries, cfg.name_field)
    columns = {"name": names, "code": gdf[cfg.code_field].astype(str) if cfg.code_field else names}
    demand = scenario.demand
    if demand.access_field is not None:
        vectors.require_columns(gdf, [demand.access_field], cfg.boundaries, "demand.access_field")
        columns["access_key"] = gdf[demand.access_field].astype(str)
    if demand.calibrate_to is not None:
        columns["registry_population"] = registry_population(
            gdf, demand.calibrate_to, cfg.boundaries
        )
    if cfg.tiles is not None and cfg.tiles.by != "islands":
        vectors.require_columns(gdf, [cfg.tiles.by], cfg.boundaries, "region.tiles.by")
        columns["tile"] = gdf[cfg.tiles.by].astype("string").fillna("").str.strip()
        if (columns["tile"] == "").any():
            row = int(np.flatnonzero((columns["tile"] == "").to_numpy())[0]) + 1
            raise InputError(
                f"{cfg.boundaries}: region feature {row} has no {cfg.tiles.by!r}, so it "
                "belongs to no tile; fill it in (or set region.tiles.by to another field)"
            )
    out = gpd.GeoDataFrame(columns, geometry=gdf.geometry, crs=gdf.crs)
    return out.reset_index(drop=True)


def _region_names(values: pd.Series, path: Path, field: str) -> pd.Series:
    """Region names as text; a missing or repeated name is refused, because every figure per
    region (coverage, fairness, calibration, the access join) is reported and joined by it."""
    text = values.astype("string").str.strip()
    missing = (text.isna() | (text == "")).to_numpy(dtype=bool)
    if missing.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(missing)[:5])
        raise InputError(
            f"{path}: region feature(s) {rows} have no {field!r}; give every region a name "
            "(or set region.name_field to the field that holds them)"
        )
    repeated = text[text.duplicated(keep=False)]
    if not repeated.empty:
        shown = ", ".join(repr(n) for n in sorted(set(repeated))[:5])
        raise InputError(
            f"{path}: region name(s) {shown} are used by more than one feature; names must "
            "be unique (merge the parts into one MultiPolygon, or rename them)"
        )
    return text.astype(str)


def grid_crs(scenario: Scenario, boundaries: gpd.GeoDataFrame) -> CRS:
    """The analysis CRS: the configured EPSG code, or the local UTM zone; a warning when
    its scale error over the region passes 1% (distances and areas that much off)."""
    crs = _configured_crs(scenario, boundaries)
    error = scale_error(crs, boundaries)
    if error > MAX_REGION_SCALE_ERROR:
        logger.warning(
            "region.crs %s distorts distances by up to %.1f%% over this region (radii, fiber "
            "lengths and areas are that much off at its edges); plan it in tiles, each in its "
            "own UTM zone (region.tiles.by: a province field, or islands)",
            scenario.region.crs if scenario.region.crs != "auto" else f"auto ({crs.name})",
            100 * error,
        )
    return crs


def _configured_crs(scenario: Scenario, boundaries: gpd.GeoDataFrame) -> CRS:
    if scenario.region.crs != "auto":
        try:
            crs = CRS.from_user_input(scenario.region.crs)
        except Exception as exc:  # pyproj raises its own CRSError
            raise InputError(
                f"region.crs {scenario.region.crs!r} is not a known CRS: {exc}"
            ) from exc
        if not crs.is_projected:
            raise InputError(f"region.crs {scenario.region.crs} is not a projected (metric) CRS")
        return crs
    return utm_zone(boundaries)


def load_layers(
    scenario: Scenario,
    *,
    problems: list[str] | None = None,
    client: Any = None,
    tile: Tile | None = None,
) -> Layers:
    """Read, validate and grid every layer of a scenario (of one of its tiles).

    With ``problems`` given, a failing optional layer is recorded there and skipped instead
    of raising, so ``netplan validate`` can report every problem at once. With ``client`` (a
    ``dask.distributed`` client) the population raster's blocks are summed on the cluster.
    With ``tile``, only the tile's regions are analysed, in the tile's CRS, on a grid that
    reaches ``tile.halo_m`` beyond them: sites, fiber and hubs there still count (people
    there belong to the next tile), and a layer with nothing near the tile is simply empty.
    """
    national = read_boundaries(scenario)
    regions, crs, grid = _analysis_grid(scenario, national, tile)
    inputs: dict[str, Path] = {"region.boundaries": scenario.region.boundaries}
    region = _region_raster(scenario, regions, grid)
    population, check = _population_in_regions(scenario, grid, region, inputs, client)
    calibration = _calibrate(scenario, population, region, regions, check)
    urban = _urban(scenario, population, grid)
    data = _grid_dataset(grid, crs, population, region, urban)
    if tile is not None:
        data["land"] = (("y", "x"), _inside_any(national.to_crs(crs), grid))
    reader = _LayerReader(
        scenario=scenario,
        crs=crs,
        grid=grid,
        lonlat=tuple(national.to_crs("EPSG:4326").total_bounds),
        inputs=inputs,
        problems=problems,
        on_tile=tile is not None,
    )
    _add_elevation(reader, data)
    layers_cfg = scenario.layers
    existing = reader.attempt(lambda: _existing_sites(reader))
    fiber_lines = reader.vector("fiber", layers_cfg.fiber)
    fiber_nodes = reader.vector("fiber_nodes", layers_cfg.fiber_nodes)
    pois = _pois(reader)
    roads = reader.vector("roads", layers_cfg.roads)
    water = reader.vector("water", layers_cfg.water)
    villages = _villages(reader, data, population, region)
    candidates = _candidates(reader)
    decisions = _decisions_layer(reader)
    access = _access(reader, regions, data, region, urban)
    reports = _reports(reader)
    check["in_regions"] = float(population.sum(dtype=np.float64))
    return Layers(
        grid=grid,
        data=data,
        regions=regions,
        existing_sites=existing if existing is not None else empty_sites(crs),
        fiber_lines=fiber_lines,
        fiber_nodes=fiber_nodes,
        pois=pois,
        villages=villages,
        candidates=candidates,
        roads=roads,
        water=water,
        decisions=decisions,
        inputs=inputs,
        population_check=check,
        access=access,
        calibration=calibration,
        reports=reports,
    )


@dataclass(frozen=True)
class _LayerReader:
    """What reading the optional layers of one run shares: the grid they are placed on, the
    record of input paths, and where a failing layer's problem goes (raised without
    ``problems``, recorded and skipped with it)."""

    scenario: Scenario
    crs: CRS
    grid: Grid
    lonlat: tuple[
        float, float, float, float
    ]  #: the whole scenario's bounds in lon/lat (swapped-axes check)
    inputs: dict[str, Path]
    problems: list[str] | None
    on_tile: bool  #: a tile of a national run: a layer with nothing near it is simply empty

    def attempt(self, step: Callable[[], T]) -> T | None:
        """``step()``, or None with its :class:`InputError` recorded when collecting
        problems."""
        try:
            return step()
        except InputError as exc:
            if self.problems is None:
                raise
            self.problems.append(str(exc))
            return None

    def placed(self, gdf: gpd.GeoDataFrame, path: Path, key: str) -> gpd.GeoDataFrame:
        """A layer checked (geometry kind, lon/lat order) and reprojected onto the grid, with
        the features that lie on it."""
        _require_geometry(gdf, path, key)
        vectors.check_not_swapped(gdf, self.lonlat, path, key)
        return _inside(gdf.to_crs(self.crs), self.grid, path, key, may_be_empty=self.on_tile)

    def read(self, path: Path, key: str) -> gpd.GeoDataFrame:
        """The layer at ``path`` as read (on a tile, only its features near the tile)."""
        within = gpd.GeoSeries([shapely.box(*self.grid.bounds)], crs=self.crs)
        return vectors.read_vector(path, key, within=within if self.on_tile else None)

    def vector(self, key: str, path: Path | None) -> gpd.GeoDataFrame | None:
        """The vector layer ``layers.<key>`` placed on the grid; None when not configured,
        failing (with problems collected) or empty."""
        if path is None:
            return None
        self.inputs[f"layers.{key}"] = path
        found = self.attempt(lambda: self.placed(self.read(path, key), path, key))
        return None if found is None or found.empty else found


def _analysis_grid(
    scenario: Scenario, national: gpd.GeoDataFrame, tile: Tile | None
) -> tuple[gpd.GeoDataFrame, CRS, Grid]:
    """The analysed regions in the grid CRS, that CRS, and the grid over them (reaching the
    tile's halo beyond them); a grid too large for the machine's memory is refused."""
    boundaries = national if tile is None else national.iloc[tile.regions].reset_index(drop=True)
    crs = grid_crs(scenario, boundaries) if tile is None else tile.crs
    regions = boundaries.to_crs(crs)
    halo = 0.0 if tile is None else tile.halo_m
    left, bottom, right, top = regions.total_bounds
    grid = make_grid(
        (left - halo, bottom - halo, right + halo, top + halo),
        crs=crs,
        resolution=scenario.region.resolution_m,
    )
    logger.info(
        "analysis grid: %d x %d cells of %g m in %s",
        grid.width,
        grid.height,
        grid.resolution,
        crs.to_string(),
    )
    _refuse_oversized_grid(grid, scenario)
    return regions, crs, grid


def _region_raster(scenario: Scenario, regions: gpd.GeoDataFrame, grid: Grid) -> np.ndarray:
    """Region index per cell (-1 outside every region); a region covering no cell is
    refused."""
    region = rasterize(
        ((geom, i) for i, geom in enumerate(regions.geometry)),
        out_shape=grid.shape,
        transform=grid.transform,
        fill=-1,
        dtype="int32",
    ).astype(np.int16)
    if not (region >= 0).any():
        raise InputError(
            f"{scenario.region.boundaries}: the region is empty (its polygons cover no "
            f"{grid.resolution:g} m cell); check the boundaries or region.resolution_m"
        )
    return region


def _population_in_regions(
    scenario: Scenario,
    grid: Grid,
    region: np.ndarray,
    inputs: dict[str, Path],
    client: Any,
) -> tuple[np.ndarray, dict[str, float]]:
    """People per cell on the grid, zero outside the regions, with the raster's totals check;
    a raster with nobody inside the regions is refused."""
    path = scenario.layers.population
    population, check = rasters.read_population(path, grid, client=client)
    inputs["layers.population"] = path
    population[region < 0] = 0.0
    if float(population.sum(dtype=np.float64)) <= 0:
        raise InputError(
            f"{path}: no people inside the region's boundaries; check that the "
            "raster covers the region and holds people per cell"
        )
    return population, check


def _calibrate(
    scenario: Scenario,
    population: np.ndarray,
    region: np.ndarray,
    regions: gpd.GeoDataFrame,
    check: dict[str, float],
) -> pd.DataFrame | None:
    """Scale ``population`` in place to the regions' registry totals, when configured: the
    per-region table (None without ``demand.calibrate_to``)."""
    if "registry_population" not in regions.columns:
        return None
    check["before_calibration"] = float(population[region >= 0].sum(dtype=np.float64))
    calibration = calibrate_population(
        population,
        region,
        regions["registry_population"].to_numpy(dtype=np.float64),
        regions["name"].tolist(),
    )
    logger.info(
        "population calibrated to %s: factors %.2f to %.2f",
        scenario.demand.calibrate_to,
        float(np.nanmin(calibration["factor"])),
        float(np.nanmax(calibration["factor"])),
    )
    return calibration


def _urban(scenario: Scenario, population: np.ndarray, grid: Grid) -> np.ndarray:
    """Urban (True) or rural class per cell, by the scenario's ``demand`` thresholds."""
    demand = scenario.demand
    return urban_class(
        population,
        grid.resolution,
        density_per_km2=demand.urban_density_per_km2,
        min_population=demand.urban_min_population,
    )


def _grid_dataset(
    grid: Grid, crs: CRS, population: np.ndarray, region: np.ndarray, urban: np.ndarray
) -> xr.Dataset:
    """The grid's rasters: population, region and the urban class inside the regions."""
    xs, ys = grid.coords()
    return xr.Dataset(
        {
            "population": (("y", "x"), population),
            "region": (("y", "x"), region),
            "urban": (("y", "x"), urban & (region >= 0)),
        },
        coords={"x": xs, "y": ys},
        attrs={"crs": crs.to_wkt(), "resolution_m": grid.resolution},
    )


def _add_elevation(reader: _LayerReader, data: xr.Dataset) -> None:
    """The elevation raster into ``data`` when configured (a warning when the terrain model
    has none to run on)."""
    scenario = reader.scenario
    dem_path = scenario.layers.elevation
    if dem_path is not None:
        reader.inputs["layers.elevation"] = dem_path
        dem = reader.attempt(lambda: rasters.read_elevation(dem_path, reader.grid))
        if dem is not None:
            data["elevation"] = (("y", "x"), dem)
    elif scenario.coverage.model == "terrain":
        logger.warning("no elevation layer: terrain model runs on flat ground")


def _pois(reader: _LayerReader) -> gpd.GeoDataFrame | None:
    """Points of interest with a ``type`` and unique ids, or None."""
    pois = reader.vector("pois", reader.scenario.layers.pois)
    if pois is None:
        return None
    path = reader.scenario.layers.pois or Path()
    return reader.attempt(
        lambda: _unique_ids(
            _with_ids(_require(pois, ["type"], path, "pois"), "id", "P"),
            path,
            "pois",
        )
    )


def _villages(
    reader: _LayerReader, data: xr.Dataset, population: np.ndarray, region: np.ndarray
) -> gpd.GeoDataFrame | None:
    """Villages with ``id`` and ``name``, or None; with them, each populated cell's village
    goes into ``data`` as ``village``."""
    villages = reader.vector("villages", reader.scenario.layers.villages)
    if villages is None:
        return None
    villages = _village_columns(villages)
    grid = reader.grid
    if reader.on_tile:
        # a tile reports its own villages (the neighbours' in its halo are theirs)
        at = villages.geometry.representative_point()
        cell = grid.flat_index(at.x.to_numpy(), at.y.to_numpy())
        own = (cell >= 0) & (region.ravel()[np.maximum(cell, 0)] >= 0)
        villages = villages[own].reset_index(drop=True)
        if villages.empty:
            return None
    populated = np.flatnonzero((population > 0) & (region >= 0))
    cx, cy = grid.cell_centres(populated)
    data["village"] = (
        ("y", "x"),
        village_cells(
            villages,
            grid.shape,
            grid.transform,
            cx,
            cy,
            populated,
            radius_m=reader.scenario.demand.village_radius_m,
        ),
    )
    return villages


def _candidates(reader: _LayerReader) -> gpd.GeoDataFrame | None:
    """Given candidate sites, checked, or None."""
    candidates = reader.vector("candidates", reader.scenario.layers.candidates)
    if candidates is None:
        return None
    path = reader.scenario.layers.candidates or Path()
    return reader.attempt(lambda: _check_candidates(candidates, reader.scenario, path))


def _decisions_layer(reader: _LayerReader) -> pd.DataFrame | None:
    """Reviewer decisions on the grid, or None."""
    path = reader.scenario.layers.decisions
    if path is None:
        return None
    reader.inputs["layers.decisions"] = path
    return reader.attempt(lambda: _decisions(path, reader.grid))


def _access(
    reader: _LayerReader,
    regions: gpd.GeoDataFrame,
    data: xr.Dataset,
    region: np.ndarray,
    urban: np.ndarray,
) -> AccessRates | None:
    """Household internet access per region, or None; with it, each cell's rate goes into
    ``data`` as ``access_rate``."""
    table_path = reader.scenario.layers.household_access
    if table_path is None:
        return None
    reader.inputs["layers.household_access"] = table_path
    keys = regions["access_key"].tolist() if "access_key" in regions.columns else None
    access = reader.attempt(
        lambda: join_access(
            vectors.read_household_access(table_path), regions, table_path, keys=keys
        )
    )
    if access is not None:
        data["access_rate"] = (("y", "x"), access.rate(region, urban).astype(np.float32))
    return access


def _reports(reader: _LayerReader) -> pd.DataFrame | None:
    """Citizen signal reports reduced to grid points and a dark flag, or None."""
    path = reader.scenario.layers.signal_reports
    if path is None:
        return None
    reader.inputs["layers.signal_reports"] = path
    return reader.attempt(lambda: _signal_reports(reader.scenario, path, reader.placed))


def _inside_any(regions: gpd.GeoDataFrame, grid: Grid) -> np.ndarray:
    """Cells of ``grid`` inside any of ``regions`` (clipped to the grid first)."""
    box = shapely.box(*grid.bounds)
    shapes = [g for g in regions.geometry.intersection(box) if g is not None and not g.is_empty]
    if not shapes:
        return np.zeros(grid.shape, dtype=bool)
    return rasterize(
        ((g, 1) for g in shapes),
        out_shape=grid.shape,
        transform=grid.transform,
        fill=0,
        dtype="uint8",
    ).astype(bool)


def grid_memory_bytes(grid: Grid, scenario: Scenario) -> int:
    """Estimated peak bytes of the run's grid-shaped arrays on ``grid``, with the fiber
    routing surface when fiber backhaul is configured."""
    fiber = scenario.backhaul.fiber
    routing_cells = 0
    if fiber is not None:
        factor = max(1, round(fiber.routing_resolution_m / grid.resolution))
        routing_cells = -(-grid.height // factor) * -(-grid.width // factor)
    return memory.analysis_bytes(grid.size, routing_cells=routing_cells)


def _refuse_oversized_grid(grid: Grid, scenario: Scenario) -> None:
    """Refuse, before any grid-sized array exists, a grid whose arrays would not fit in the
    machine's memory (with room left for the rest of the run): the estimate, and the cell
    size at which it would fit."""
    needed = grid_memory_bytes(grid, scenario)
    machine = memory.machine_bytes()
    if memory.fits(needed, machine):
        return
    coarser = memory.coarser_resolution(grid.resolution, needed, machine)
    raise InputError(
        f"{scenario.region.boundaries}: the analysis grid would be {grid.width:,} x "
        f"{grid.height:,} cells of {grid.resolution:g} m, about {memory.readable_bytes(needed)} of "
        f"memory, more than this machine can give the run (it has "
        f"{memory.readable_bytes(machine)}); set region.resolution_m to {coarser:g} or more, "
        "or plan a smaller region"
    )


def _village_columns(villages: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Villages with ``id`` and ``name`` columns, taken from the usual field names (BPS and
    Kemendagri tables use ``kode`` and ``nama``)."""
    lower = {str(c).lower(): c for c in villages.columns}
    for target, names in (("id", ("id", "kode", "code")), ("name", ("name", "nama"))):
        if target in villages.columns:
            continue
        found = next((lower[n] for n in names if n in lower), None)
        if found is not None:
            villages = villages.assign(**{target: villages[found]})
    villages = _with_ids(villages, "id", "V")
    if "name" not in villages.columns:
        villages["name"] = villages["id"]
    villages["name"] = villages["name"].astype(str)
    return villages


def _signal_reports(
    scenario: Scenario,
    path: Path,
    placed: Callable[[gpd.GeoDataFrame, Path, str], gpd.GeoDataFrame],
) -> pd.DataFrame:
    """Reports reduced to grid coordinates and a dark flag; everything else is dropped."""
    table = vectors.read_signal_reports(path)
    dark = is_dark(table, scenario.reports.dark_below_dbm)
    points = gpd.GeoDataFrame(
        {"dark": dark},
        geometry=gpd.points_from_xy(table["lon"], table["lat"]),
        crs="EPSG:4326",
    )
    del table
    points = placed(points, path, "signal_reports")
    return pd.DataFrame(
        {
            "x": points.geometry.x.to_numpy(),
            "y": points.geometry.y.to_numpy(),
            "dark": points["dark"].to_numpy(dtype=bool),
        }
    )


_POINTS = ("points", frozenset({"Point"}))
_LINES = ("lines", frozenset({"LineString", "MultiLineString"}))
_POLYGONS = ("polygons", frozenset({"Polygon", "MultiPolygon"}))
#: what each vector layer must hold, and why another kind is probably the wrong file
_GEOMETRY: dict[str, tuple[tuple[str, frozenset[str]], str]] = {
    "fiber": (_LINES, "the backbone's cables; points of presence go in layers.fiber_nodes"),
    "roads": (_LINES, "fiber is routed along them"),
    "water": (_POLYGONS, "fiber routes avoid their area"),
    "fiber_nodes": (_POINTS, "the places where a spur may join the backbone"),
    "pois": (_POINTS, "each is a candidate site"),
    "towers": (_POINTS, "each is an existing site"),
    "candidates": (_POINTS, "each is a candidate site"),
    "signal_reports": (_POINTS, "each is where a report was made"),
    "villages": (
        ("points or polygons", _POINTS[1] | _POLYGONS[1]),
        "centroids or village areas",
    ),
}


def _require_geometry(gdf: gpd.GeoDataFrame, path: Path, key: str) -> None:
    """Refuse a layer of the wrong geometry kind (e.g. fiber given as points), which would
    otherwise be used as something it is not, or fail far from the file."""
    if key not in _GEOMETRY or gdf.empty:
        return
    (kind, allowed), why = _GEOMETRY[key]
    found = set(gdf.geometry.geom_type.dropna())
    if not found <= allowed:
        raise InputError(
            f"{path}: layers.{key} must hold {kind} ({why}); found "
            f"{', '.join(sorted(found - allowed))}: check that this is the right file"
        )


def _inside(
    gdf: gpd.GeoDataFrame, grid: Grid, path: Path, key: str, *, may_be_empty: bool = False
) -> gpd.GeoDataFrame:
    """Keep features intersecting the grid; none at all means the layer is misplaced (on a
    tile of a national run it only means the layer has nothing there)."""
    left, bottom, right, top = grid.bounds
    hits = gdf.cx[left:right, bottom:top]
    if hits.empty and not may_be_empty:
        raise InputError(
            f"{path}: no {key} feature lies inside the region; check its coordinates "
            "(swapped lon/lat?) or region.boundaries"
        )
    return hits.reset_index(drop=True)


def _require(gdf: gpd.GeoDataFrame, columns: list[str], path: Path, what: str) -> gpd.GeoDataFrame:
    vectors.require_columns(gdf, columns, path, what)
    return gdf


def _with_ids(gdf: gpd.GeoDataFrame, column: str, prefix: str) -> gpd.GeoDataFrame:
    if column not in gdf.columns:
        gdf = gdf.assign(**{column: [f"{prefix}{i + 1:04d}" for i in range(len(gdf))]})
    gdf[column] = gdf[column].astype(str)
    return gdf


def _decisions(path: Path, grid: Grid) -> pd.DataFrame:
    """Reviewer decisions, with added sites' lon/lat turned into grid coordinates; a site
    added outside the region's grid (where nothing is modelled) is refused."""
    df = vectors.read_decisions(path)
    lonlat = gpd.GeoSeries(gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")
    points = lonlat.to_crs(grid.crs)
    x, y = points.x.to_numpy(), points.y.to_numpy()
    left, bottom, right, top = grid.bounds
    added = (df["decision"] == "add").to_numpy()
    outside = added & ~((x >= left) & (x <= right) & (y >= bottom) & (y <= top))
    if outside.any():
        row = df.iloc[int(np.flatnonzero(outside)[0])]
        west, south, east, north = Transformer.from_crs(
            grid.crs, "EPSG:4326", always_xy=True
        ).transform_bounds(left, bottom, right, top)
        raise InputError(
            f"{path}: line {row['line']}: added site {row['id']!r} at lon {row['lon']:g}, "
            f"lat {row['lat']:g} is outside the region (lon {west:.4f}..{east:.4f}, "
            f"lat {south:.4f}..{north:.4f}); check its coordinates"
        )
    return df.assign(x=x, y=y)


def _unique_ids(gdf: gpd.GeoDataFrame, path: Path, what: str) -> gpd.GeoDataFrame:
    vectors.require_unique(gdf["id"], path, what, "id")
    return gdf


def _existing_sites(reader: _LayerReader) -> gpd.GeoDataFrame:
    scenario, crs, placed = reader.scenario, reader.crs, reader.placed
    path = scenario.layers.towers
    tech = scenario.existing_technology
    if path is None:
        logger.warning("no towers layer: every populated cell counts as a blank spot")
        return empty_sites(crs)
    reader.inputs["layers.towers"] = path
    if vectors.is_opencellid(path):
        cells = vectors.read_opencellid(path)
        if cells.empty:
            logger.warning(
                "%s: the OpenCelliD export has no cells: every populated cell is a blank spot",
                path,
            )
            return empty_sites(crs)
        cells = placed(cells, path, "towers")
        sites = group_cells_into_sites(
            cells,
            radios=scenario.coverage.radios,
            merge_m=scenario.coverage.site_merge_m,
            technology=tech,
            radio_technologies=scenario.coverage.radio_technologies,
        )
        logger.info("towers: %d OpenCelliD cells grouped into %d sites", len(cells), len(sites))
        return sites
    gdf = placed(reader.read(path, "towers"), path, "towers")
    gdf = _unique_ids(_with_ids(gdf, "id", "BTS-"), path, "towers")
    if "technology" not in gdf.columns:
        gdf["technology"] = tech
    unknown = sorted(set(gdf["technology"].astype(str)) - set(scenario.tower_technologies))
    if unknown:
        raise InputError(
            f"{path}: technology {unknown} not among the scenario's tower technologies "
            f"{sorted(scenario.tower_technologies)}"
        )
    height = gdf["height_m"] if "height_m" in gdf.columns else pd.Series(np.nan, index=gdf.index)
    return gpd.GeoDataFrame(
        {
            "id": gdf["id"],
            "technology": gdf["technology"].astype(str),
            "radio": "LTE",
            "cells": 1,
            "range_m": np.nan,
            "height_m": pd.to_numeric(height, errors="coerce"),
        },
        geometry=gdf.geometry,
        crs=crs,
    )


def _check_candidates(gdf: gpd.GeoDataFrame, scenario: Scenario, path: Path) -> gpd.GeoDataFrame:
    """Given candidate sites: ids unique, technologies known, points only."""
    if not set(gdf.geometry.geom_type) <= {"Point"}:
        raise InputError(f"{path}: candidates must be points")
    gdf = _unique_ids(_with_ids(gdf, "id", "C"), path, "candidate")
    if "technology" in gdf.columns:
        known = set(scenario.technologies)
        given = set(gdf["technology"].dropna().astype(str))
        if given - known:
            raise InputError(
                f"{path}: technology {sorted(given - known)} is not configured; "
                f"use one of {sorted(known)}"
            )
    return gdf
