"""Public testing helpers: tiny synthetic scenarios built on disk in seconds.

``write_scenario(folder)`` writes a complete, valid scenario (rasters, vectors, YAML) for a
~6 × 6 km region; keyword overrides change the config so tests can break one thing at a
time.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import yaml
from rasterio.transform import from_origin

from netplan.io.vectors import OPENCELLID_COLUMNS

#: the tiny region: lon/lat box, EPSG:4326
WEST, NORTH, SIZE_DEG = 139.00, -4.00, 0.06
PIXEL_DEG = 0.001  # ~110 m


def _box(west: float, south: float, east: float, north: float) -> list[list[float]]:
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


def population_array(seed: int = 0) -> np.ndarray:
    """People per pixel: three villages of known size and a little scatter."""
    n = round(SIZE_DEG / PIXEL_DEG)
    pop = np.zeros((n, n), dtype=np.float32)
    rng = np.random.default_rng(seed)
    for (r, c), people in {(10, 10): 400.0, (30, 45): 900.0, (50, 15): 250.0}.items():
        yy, xx = np.mgrid[0:n, 0:n]
        blob = np.exp(-((yy - r) ** 2 + (xx - c) ** 2) / (2 * 2.0**2))
        pop += (people * blob / blob.sum()).astype(np.float32)
    scatter = rng.random((n, n)) < 0.01
    pop[scatter] += rng.integers(1, 5, size=int(scatter.sum())).astype(np.float32)
    return pop


def write_population(
    path: Path,
    *,
    crs: str | None = "EPSG:4326",
    west: float = WEST,
    north: float = NORTH,
    scale: float = 1.0,
) -> float:
    """Write the population raster (× ``scale``, to make bad ones); returns its total."""
    pop = population_array() * np.float32(scale)
    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": pop.shape[1],
        "height": pop.shape[0],
        "count": 1,
        "dtype": "float32",
        "transform": from_origin(west, north, PIXEL_DEG, PIXEL_DEG),
        "nodata": -99999.0,
    }
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(pop, 1)
    return float(pop.sum(dtype=np.float64))


def write_elevation(path: Path, *, ridge_col: int | None = None, ridge_m: float = 200.0) -> None:
    """A flat valley floor at 1,600 m on the population grid, optionally with a north-south
    ridge ``ridge_m`` high along pixel column ``ridge_col``."""
    n = round(SIZE_DEG / PIXEL_DEG)
    dem = np.full((n, n), 1600.0, dtype=np.float32)
    if ridge_col is not None:
        cols = np.arange(n)
        dem += (ridge_m * np.exp(-(((cols - ridge_col) / 1.5) ** 2))).astype(np.float32)[None, :]
    _write_lonlat_raster(path, dem)


def _write_lonlat_raster(path: Path, values: np.ndarray) -> None:
    """A float32 GeoTIFF in EPSG:4326 whose top-left corner is the tiny region's."""
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=values.shape[1],
        height=values.shape[0],
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(WEST, NORTH, PIXEL_DEG, PIXEL_DEG),
    ) as dst:
        dst.write(values.astype(np.float32), 1)


def pixel_lonlat(row: float, col: float) -> tuple[float, float]:
    """Lon/lat of the centre of a population pixel (villages sit at (10, 10), (30, 45),
    (50, 15))."""
    return WEST + (col + 0.5) * PIXEL_DEG, NORTH - (row + 0.5) * PIXEL_DEG


def write_scenario(folder: Path, *, config: Mapping[str, Any] | None = None) -> Path:
    """Write a small valid scenario into ``folder``; returns the YAML path.

    ``config`` entries are merged into the scenario (nested dicts merged key by key).
    """
    folder.mkdir(parents=True, exist_ok=True)
    _write_regions(folder / "regions.geojson")
    write_population(folder / "population.tif")
    _write_towers(folder / "towers.csv")
    _write_fiber_nodes(folder / "fiber_nodes.geojson")
    scenario = _tiny_scenario()
    _merge(scenario, dict(config or {}))
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False))
    return path


def _write_regions(path: Path) -> None:
    """Two regions, West and East, splitting the tiny box down the middle."""
    east, south = WEST + SIZE_DEG, NORTH - SIZE_DEG
    mid = WEST + SIZE_DEG / 2
    regions = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "West", "code": "01"},
                "geometry": {"type": "Polygon", "coordinates": [_box(WEST, south, mid, NORTH)]},
            },
            {
                "type": "Feature",
                "properties": {"name": "East", "code": "02"},
                "geometry": {"type": "Polygon", "coordinates": [_box(mid, south, east, NORTH)]},
            },
        ],
    }
    path.write_text(json.dumps(regions))


def _write_towers(path: Path) -> None:
    """An OpenCelliD export: three LTE sectors of one site near the first village."""
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(OPENCELLID_COLUMNS)
        for sector in (1, 2, 3):
            w.writerow(
                [
                    "LTE",
                    510,
                    10,
                    4301,
                    120101 * 256 + sector,
                    7,
                    WEST + 0.0105 + sector * 1e-4,
                    NORTH - 0.0105,
                    2000,
                    10,
                    1,
                    1600000000,
                    1600000000,
                    0,
                ]
            )


def _write_fiber_nodes(path: Path) -> None:
    """One fiber point of presence in the north-west corner."""
    nodes = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "POP-1", "name": "PoP"},
                "geometry": {"type": "Point", "coordinates": [WEST + 0.005, NORTH - 0.005]},
            }
        ],
    }
    path.write_text(json.dumps(nodes))


def _tiny_scenario() -> dict[str, Any]:
    """The tiny scenario's configuration, pointing at the files written beside it."""
    return {
        "name": "tiny",
        "currency": "IDR",
        "region": {"boundaries": "regions.geojson", "resolution_m": 100},
        "layers": {
            "population": "population.tif",
            "towers": "towers.csv",
            "fiber_nodes": "fiber_nodes.geojson",
        },
        "coverage": {"model": "radius"},
        "technologies": {
            "macro_4g": {"kind": "tower", "radius_m": 1500, "capex": 1.0e9, "opex_per_year": 1.0e8}
        },
        "backhaul": {
            "fiber": {"capex_per_km": 2.5e8, "opex_per_km_year": 4e6, "max_km": 20},
            "microwave": {"capex_per_link": 6.2e8, "opex_per_year": 2e7, "max_hop_km": 40},
            "satellite": {"capex": 1.2e8, "opex_per_year": 1.8e8},
        },
        "objective": {"budget": 5.0e9},
        "solver": {"time_limit_s": 10, "relative_gap": 0.0},
        "output": {"dir": "out"},
    }


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def papua_west_scenario(shared: Path, *, with_demand: bool = False, **extra: Any) -> dict[str, Any]:
    """A scenario on the real western Papua data in ``shared`` (``../shared/data/papua-west``):
    17 regencies at 1 km with GHS-POP, one tower technology (radius model). ``with_demand``
    adds the BPS access table (by province, ``kode_prov``), the 2,523 villages and
    calibration to the 2025 registry. ``extra`` entries are merged in (nested dicts key by
    key)."""
    scenario: dict[str, Any] = {
        "name": "papua-west-real",
        "region": {
            "boundaries": str(shared / "regencies.geojson"),
            "name_field": "nama",
            "code_field": "kode",
            "resolution_m": 1000,
        },
        "layers": {"population": str(shared / "population_ghs_1km.tif")},
        "technologies": {
            "macro_4g": {"kind": "tower", "radius_m": 5000, "capex": 1.5e9, "opex_per_year": 1.5e8}
        },
        "objective": {"budget": 1.0e10},
    }
    if with_demand:
        _merge(
            scenario,
            {
                "layers": {
                    "household_access": str(shared / "household_internet_access_bps_2022.csv"),
                    "villages": str(shared / "villages.csv"),
                },
                "demand": {"calibrate_to": "penduduk_2025", "access_field": "kode_prov"},
            },
        )
    _merge(scenario, extra)
    return scenario


#: the second island of :func:`write_archipelago` lies this far east of the first (66 km:
#: further than the scenario's longest reach, so the islands are tiles of their own)
ISLAND_OFFSET_DEG = 0.60


def write_archipelago(folder: Path, *, config: Mapping[str, Any] | None = None) -> Path:
    """The small scenario twice, as two islands 60 km apart ("Alpha" and "Beta", each one
    region with ``pulau`` naming its island), each with its own tower and point of
    presence; returns the YAML path. Planned whole or as tiles, it is the same problem."""
    path = write_scenario(folder, config=config)
    east = WEST + ISLAND_OFFSET_DEG
    south = NORTH - SIZE_DEG
    regions = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": name, "code": code, "pulau": name},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [_box(west, south, west + SIZE_DEG, NORTH)],
                },
            }
            for name, code, west in (("Alpha", "01", WEST), ("Beta", "02", east))
        ],
    }
    (folder / "regions.geojson").write_text(json.dumps(regions))
    island = population_array()
    n = island.shape[0]
    offset = round(ISLAND_OFFSET_DEG / PIXEL_DEG)
    pop = np.zeros((n, offset + n), dtype=np.float32)
    pop[:, :n] = island
    pop[:, offset:] = island
    _write_lonlat_raster(folder / "population.tif", pop)
    with (folder / "towers.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(OPENCELLID_COLUMNS)
        for k, west in enumerate((WEST, east)):
            for sector in (1, 2, 3):
                cell = (120101 + k) * 256 + sector
                lon, lat = west + 0.0105 + sector * 1e-4, NORTH - 0.0105
                w.writerow(["LTE", 510, 10, 4301, cell, 7, lon, lat, 2000, 10, 1, 16e8, 16e8, 0])
    nodes = [
        {
            "type": "Feature",
            "properties": {"id": f"POP-{k + 1}", "name": "PoP"},
            "geometry": {"type": "Point", "coordinates": [west + 0.005, NORTH - 0.005]},
        }
        for k, west in enumerate((WEST, east))
    ]
    (folder / "fiber_nodes.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": nodes})
    )
    return path
