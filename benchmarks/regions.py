"""Deterministic synthetic planning regions at 100 m: S (~10,000 km²), M (~100,000 km²) and
L (~420,000 km², Papua-sized), for the scale benchmarks.

Each region is a square of regencies in the Papua highlands' latitude band with:

- terrain: ridged noise, 0-3,500 m (a DEM at the analysis resolution);
- settlements: towns (10,000-80,000 people), villages (100-2,000) and scattered hamlets,
  placed on lower ground, as a GHS-POP-like people-per-pixel raster in EPSG:4326;
- existing sites: a few LTE sites per town and at the largest villages (points with
  ``technology`` and ``height_m``);
- a fiber backbone joining the towns (a minimum spanning tree) with points of presence;
- points of interest (schools, health centres) at villages: hotspot candidates.

Usage: ``python benchmarks/regions.py S|M|L OUT_DIR`` writes the layers and ``scenario.yaml``
(terrain model, generated tower candidates, fiber + microwave + satellite backhaul). Same
size, same files: every random draw comes from one seeded generator.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import yaml
from rasterio.transform import from_origin
from scipy import ndimage
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import cdist

PIXEL_DEG = 0.0009  # ~100 m at the equator
KM_PER_DEG = 111.32
WEST, NORTH = 136.0, -2.5


@dataclass(frozen=True)
class Size:
    side_km: float
    regencies: int  # per side
    towns: int
    villages: int
    max_candidates: int


SIZES = {
    "S": Size(side_km=100, regencies=2, towns=3, villages=300, max_candidates=1000),
    "M": Size(side_km=316, regencies=4, towns=20, villages=3000, max_candidates=3000),
    "L": Size(side_km=648, regencies=7, towns=60, villages=9000, max_candidates=5000),
}


def _noise(rng: np.random.Generator, shape: tuple[int, int], scale_px: int) -> np.ndarray:
    """Smooth noise in [-1, 1]: coarse random values, interpolated up (bilinear)."""
    coarse = rng.standard_normal((shape[0] // scale_px + 2, shape[1] // scale_px + 2))
    zoom = (shape[0] / (coarse.shape[0] - 2), shape[1] / (coarse.shape[1] - 2))
    up = ndimage.zoom(coarse, zoom, order=1, prefilter=False)[: shape[0], : shape[1]]
    return np.asarray(np.tanh(up), dtype=np.float32)


def terrain(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ridged highlands: valleys near 1,500 m, ridges to ~3,500 m, in float32 metres."""
    dem = np.zeros((n, n), dtype=np.float32)
    for scale, amp in ((400, 1400.0), (120, 600.0), (30, 200.0), (8, 40.0)):
        dem += amp * (1.0 - np.abs(_noise(rng, (n, n), scale)))
    dem += 300.0
    return dem


def _place(rng: np.random.Generator, dem: np.ndarray, count: int) -> np.ndarray:
    """Pixel (row, col) of ``count`` settlements, preferring low ground."""
    n = dem.shape[0]
    rows = rng.integers(5, n - 5, size=count * 4)
    cols = rng.integers(5, n - 5, size=count * 4)
    low = dem[rows, cols]
    keep = np.argsort(low, kind="stable")[: count * 2]
    pick = rng.choice(keep, size=count, replace=False)
    return np.column_stack([rows[pick], cols[pick]])


def population(
    rng: np.random.Generator, dem: np.ndarray, size: Size
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """People per pixel, and the towns' and villages' pixels and sizes."""
    n = dem.shape[0]
    pop = np.zeros((n, n), dtype=np.float32)
    towns = _place(rng, dem, size.towns)
    town_pop = rng.uniform(10_000, 80_000, size.towns)
    villages = _place(rng, dem, size.villages)
    village_pop = np.exp(rng.uniform(math.log(100), math.log(2000), size.villages))

    def blobs(centres: np.ndarray, people: np.ndarray, sigma: float) -> None:
        r = int(3 * sigma) + 1
        yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
        kernel = np.exp(-(yy**2 + xx**2) / (2 * sigma**2)).astype(np.float32)
        kernel /= kernel.sum()
        for (row, col), p in zip(centres, people, strict=True):
            r0, r1 = max(row - r, 0), min(row + r + 1, n)
            c0, c1 = max(col - r, 0), min(col + r + 1, n)
            pop[r0:r1, c0:c1] += (
                p * kernel[r0 - row + r : r1 - row + r, c0 - col + r : c1 - col + r]
            )

    blobs(towns, town_pop, 8.0)
    blobs(villages, village_pop, 2.0)
    # hamlets: a scatter of 1-15 people on 0.3% of the land
    scatter = rng.random((n, n), dtype=np.float32) < 0.003
    pop[scatter] += rng.integers(1, 16, size=int(scatter.sum())).astype(np.float32)
    return pop, towns, town_pop, villages, village_pop


def lonlat(rc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return WEST + (rc[:, 1] + 0.5) * PIXEL_DEG, NORTH - (rc[:, 0] + 0.5) * PIXEL_DEG


def _points(lon: np.ndarray, lat: np.ndarray, props: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": p,
                "geometry": {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]},
            }
            for x, y, p in zip(lon.tolist(), lat.tolist(), props, strict=True)
        ],
    }


def write_region(name: str, out: Path) -> Path:
    size = SIZES[name]
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng({"S": 1, "M": 2, "L": 3}[name])
    n = round(size.side_km / (PIXEL_DEG * KM_PER_DEG))
    dem = terrain(rng, n)
    pop, towns, _, villages, village_pop = population(rng, dem, size)
    transform = from_origin(WEST, NORTH, PIXEL_DEG, PIXEL_DEG)
    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": n,
        "height": n,
        "count": 1,
        "crs": "EPSG:4326",
        "transform": transform,
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
    }
    with rasterio.open(out / "population.tif", "w", dtype="float32", **profile) as dst:
        dst.write(pop, 1)
    with rasterio.open(out / "elevation.tif", "w", dtype="float32", **profile) as dst:
        dst.write(dem, 1)
    del dem

    # regencies: a k x k grid of boxes
    k = size.regencies
    step = n * PIXEL_DEG / k
    features = []
    for i in range(k):
        for j in range(k):
            w, north = WEST + j * step, NORTH - i * step
            ring = [[w, north - step], [w + step, north - step], [w + step, north], [w, north]]
            ring.append(ring[0])
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "name": f"Regency {i * k + j + 1}",
                        "code": f"99.{i * k + j + 1:02d}",
                    },
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            )
    (out / "regencies.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )

    # existing sites: 3 around each town, one at each village over 1,200 people
    t_lon, t_lat = lonlat(towns)
    offsets = np.array([[0.0, 0.01], [0.009, -0.005], [-0.009, -0.005]])
    s_lon = (t_lon[:, None] + offsets[None, :, 0]).ravel()
    s_lat = (t_lat[:, None] + offsets[None, :, 1]).ravel()
    big = villages[village_pop > 1200]
    b_lon, b_lat = lonlat(big)
    s_lon, s_lat = np.concatenate([s_lon, b_lon]), np.concatenate([s_lat, b_lat])
    sites = [
        {"id": f"BTS-{i + 1:05d}", "technology": "macro_4g", "height_m": 35}
        for i in range(s_lon.size)
    ]
    (out / "towers.geojson").write_text(json.dumps(_points(s_lon, s_lat, sites)))

    # fiber: minimum spanning tree over the towns, points of presence at the towns
    xy = np.column_stack([t_lon, t_lat])
    tree = minimum_spanning_tree(cdist(xy, xy)).tocoo()
    lines = [
        {
            "type": "Feature",
            "properties": {"name": f"backbone {a}-{b}"},
            "geometry": {"type": "LineString", "coordinates": [xy[a].tolist(), xy[b].tolist()]},
        }
        for a, b in zip(tree.row.tolist(), tree.col.tolist(), strict=True)
    ]
    (out / "fiber.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": lines}))
    pops = [{"id": f"POP-{i + 1:03d}"} for i in range(len(t_lon))]
    (out / "fiber_nodes.geojson").write_text(json.dumps(_points(t_lon, t_lat, pops)))

    # points of interest: a school at every fourth village, a health centre at every tenth
    v_lon, v_lat = lonlat(villages)
    kinds = np.where(np.arange(len(villages)) % 10 == 0, "health", "school")
    chosen = np.arange(len(villages)) % 4 == 0
    pois = [{"id": f"P{i + 1:05d}", "type": str(kinds[i])} for i in np.flatnonzero(chosen)]
    (out / "pois.geojson").write_text(json.dumps(_points(v_lon[chosen], v_lat[chosen], pois)))
    villages_fc = [{"id": f"V{i + 1:05d}", "name": f"Desa {i + 1}"} for i in range(len(villages))]
    (out / "villages.geojson").write_text(json.dumps(_points(v_lon, v_lat, villages_fc)))

    scenario = {
        "name": f"synthetic-{name}",
        "region": {"boundaries": "regencies.geojson", "resolution_m": 100},
        "layers": {
            "population": "population.tif",
            "elevation": "elevation.tif",
            "towers": "towers.geojson",
            "fiber": "fiber.geojson",
            "fiber_nodes": "fiber_nodes.geojson",
            "pois": "pois.geojson",
            "villages": "villages.geojson",
        },
        "coverage": {"model": "terrain", "existing_technology": "macro_4g"},
        "technologies": {
            "macro_4g": {
                "kind": "tower",
                "radius_m": 5000,
                "height_m": 35,
                "frequency_mhz": 900,
                "eirp_dbm": 61,
                "bandwidth_mhz": 10,
                "min_signal_dbm": -105,
                "environment": "open",
                "backhaul_mbps": 50,
                "max_range_m": 15000,
                "capex": 1.5e9,
                "opex_per_year": 1.5e8,
            },
            "wifi": {
                "kind": "wifi",
                "radius_m": 250,
                "height_m": 12,
                "backhaul_mbps": 10,
                "capex": 6.0e7,
                "opex_per_year": 3.0e7,
            },
        },
        "backhaul": {
            "max_hops": 3,
            "fiber": {"capex_per_km": 2.5e8, "opex_per_km_year": 4.0e6, "max_km": 40},
            "microwave": {"capex_per_link": 6.2e8, "opex_per_year": 2.0e7, "max_hop_km": 30},
            "satellite": {"capex": 1.2e8, "opex_per_year": 1.8e8},
        },
        "candidates": {"max_candidates": size.max_candidates},
        "objective": {"budget": float(size.side_km**2 * 5.0e6)},
        # a safety net well above what the stages need: the LP relaxation that certifies the
        # gap takes ~40 s on M and 4-6 min on L here (125,000 simplex iterations)
        "solver": {
            "time_limit_s": 300 if size.side_km < 200 else 900,
            "node_limit": 1,
            "relative_gap": 0.005,
        },
        "output": {"dir": "out"},
    }
    path = out / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False))
    total = float(pop.sum(dtype=np.float64))
    print(
        json.dumps(
            {
                "size": name,
                "pixels": n * n,
                "area_km2": round((n * PIXEL_DEG * KM_PER_DEG) ** 2),
                "population": round(total),
                "existing_sites": len(sites),
                "villages": len(villages),
            }
        )
    )
    return path


if __name__ == "__main__":
    write_region(sys.argv[1], Path(sys.argv[2]))
