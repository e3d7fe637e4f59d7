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
import shapely
import shapely.geometry
import yaml
from rasterio import features
from rasterio.transform import from_origin
from rasterio.windows import Window
from scipy import ndimage
from scipy.cluster.vq import kmeans2
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import cKDTree
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

LAYERS = {
    "population": "population.tif",
    "elevation": "elevation.tif",
    "towers": "towers.geojson",
    "fiber": "fiber.geojson",
    "fiber_nodes": "fiber_nodes.geojson",
    "pois": "pois.geojson",
    "villages": "villages.geojson",
}

#: every synthetic scenario's technologies and backhaul prices (the same for all sizes)
TECHNOLOGIES: dict[str, Any] = {
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
}

BACKHAUL: dict[str, Any] = {
    "max_hops": 3,
    "fiber": {"capex_per_km": 2.5e8, "opex_per_km_year": 4.0e6, "max_km": 40},
    "microwave": {"capex_per_link": 6.2e8, "opex_per_year": 2.0e7, "max_hop_km": 30},
    "satellite": {"capex": 1.2e8, "opex_per_year": 1.8e8},
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


def region_scenario(name: str, size: Size) -> dict[str, Any]:
    """The S, M or L scenario: 100 m, terrain model, fiber + microwave + satellite."""
    return {
        "name": f"synthetic-{name}",
        "region": {"boundaries": "regencies.geojson", "resolution_m": 100},
        "layers": dict(LAYERS),
        "coverage": {"model": "terrain", "existing_technology": "macro_4g"},
        "technologies": TECHNOLOGIES,
        "backhaul": BACKHAUL,
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


def _write_region_vectors(
    out: Path, towns: np.ndarray, villages: np.ndarray, village_pop: np.ndarray
) -> list[dict[str, Any]]:
    """towers, fiber, fiber_nodes, pois and villages of an S, M or L region; returns the
    existing sites."""
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
    return sites


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

    sites = _write_region_vectors(out, towns, villages, village_pop)

    scenario = region_scenario(name, size)
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


# --- XL: an archipelago of Indonesia's extent ------------------------------------------------

ARCH_WEST, ARCH_NORTH = 95.0, 6.0
ARCH_WIDTH_DEG, ARCH_HEIGHT_DEG = 46.0, 17.0
MASK_DEG = 0.05  # land mask, islands, provinces and regencies (~5.6 km)
POP_PER_MASK = 6  # 30 arc-second population pixels per mask pixel (~1 km)
DEM_PER_MASK = 60  # 3 arc-second DEM pixels per mask pixel (~90 m)
MASK_KM = MASK_DEG * KM_PER_DEG


@dataclass(frozen=True)
class Island:
    """A named island: centre, land area (km², before scaling), shape and people."""

    name: str
    lon: float
    lat: float
    area_km2: float
    aspect: float  # length / width
    heading_deg: float  # direction of the long axis, counter-clockwise from east
    arms: int  # 2: a long island; more: lobes or a K shape
    provinces: int
    density: float  # how many people and towers, relative to the rest


#: the large and medium islands, roughly where Indonesia's are
ISLANDS = (
    Island("Sumatra", 101.0, 0.0, 420_000, 5.0, -45, 2, 5, 2.0),
    Island("Borneo", 114.0, 0.3, 440_000, 1.3, 45, 5, 5, 0.7),
    Island("Papua", 136.8, -4.3, 390_000, 2.6, -15, 2, 4, 0.25),
    Island("Sulawesi", 121.0, -1.8, 175_000, 4.0, 80, 4, 4, 1.3),
    Island("Jawa", 110.2, -7.3, 150_000, 7.0, -5, 2, 4, 12.0),
    Island("Seram", 129.6, -3.2, 75_000, 3.0, 10, 2, 1, 0.8),
    Island("Halmahera", 128.0, 1.0, 60_000, 2.0, 70, 3, 1, 0.6),
    Island("Timor", 124.8, -9.4, 55_000, 4.0, 30, 2, 1, 1.0),
)

#: where small islands and islets go: (west, east, north, south, weight)
ISLAND_ZONES = (
    (114.5, 127.0, -7.9, -10.5, 3.0),  # a Nusa Tenggara-like chain
    (125.5, 134.5, 3.0, -8.0, 3.0),  # Maluku
    (102.5, 109.0, 2.0, -3.5, 2.0),  # Riau, Bangka, Belitung
    (105.5, 109.5, 5.0, 1.5, 1.0),  # Natuna
    (95.5, 100.0, 2.5, -3.5, 1.0),  # off Sumatra's west coast
    (123.0, 127.0, 4.5, 1.0, 1.0),  # north of Sulawesi
    (112.0, 117.0, -4.5, -7.0, 1.0),  # the Java Sea
)

_SYLLABLES = tuple(
    [
        "ba",
        "be",
        "bo",
        "da",
        "di",
        "ga",
        "go",
        "ja",
        "ka",
        "ke",
        "ko",
        "la",
        "le",
        "lo",
        "lu",
        "ma",
        "me",
        "mo",
        "na",
        "ne",
        "nu",
        "pa",
        "pe",
        "po",
        "ra",
        "re",
        "ri",
        "ro",
        "sa",
        "se",
        "si",
        "so",
        "ta",
        "te",
        "ti",
        "to",
        "wa",
        "we",
        "ya",
    ]
)


@dataclass(frozen=True)
class Archipelago:
    """How big an archipelago to write: ``scale`` shrinks the extent (and every island, town
    and count with it) for tests; 1.0 is XL."""

    scale: float = 1.0
    seed: int = 4
    people: float = 210e6  # GHS-POP-like total, before scaling (× scale²)
    regencies: int = 430
    small_islands: int = 40
    islets: int = 420
    island_groups: int = 7  # provinces made of small islands far from the big ones
    towns: int = 520
    villages: int = 80_000
    strip_rows: int = 1024  # DEM rows written at a time (a multiple of ``block``)
    block: int = 512  # GeoTIFF tile side

    @property
    def mask_shape(self) -> tuple[int, int]:
        return (
            max(round(ARCH_HEIGHT_DEG / MASK_DEG * self.scale), 8),
            max(round(ARCH_WIDTH_DEG / MASK_DEG * self.scale), 8),
        )

    def count(self, full: int, least: int) -> int:
        """``full`` (a count at scale 1) scaled by area, at least ``least``."""
        return max(least, round(full * self.scale**2))


ARCHIPELAGOS = {
    "XL": Archipelago(),
    "XS-archipelago": Archipelago(scale=0.1, strip_rows=256, block=256),
}


def _fade(t: np.ndarray) -> np.ndarray:
    return t * t * (3.0 - 2.0 * t)


@dataclass(frozen=True)
class LatticeField:
    """Values on a lon/lat lattice (``values[0, 0]`` at ``west``, ``north``), read anywhere by
    smooth (C¹) interpolation: a function of the coordinates alone, so windows computed
    separately join without a seam."""

    values: np.ndarray  # float32 (rows, cols)
    step_deg: float
    west: float
    north: float

    def sample(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """The field on the grid ``lat`` (rows) × ``lon`` (columns), float32."""
        rows, cols = self.values.shape
        gy = np.clip((self.north - lat) / self.step_deg, 0, rows - 1)
        gx = np.clip((lon - self.west) / self.step_deg, 0, cols - 1)
        i0 = np.minimum(gy.astype(np.int64), rows - 2)
        j0 = np.minimum(gx.astype(np.int64), cols - 2)
        fy = _fade(gy - i0).astype(np.float32)[:, None]
        fx = _fade(gx - j0).astype(np.float32)
        by_row = self.values[i0] * (1 - fy) + self.values[i0 + 1] * fy
        return np.asarray(by_row[:, j0] * (1 - fx) + by_row[:, j0 + 1] * fx, dtype=np.float32)


@dataclass
class _Land:
    """The archipelago at mask resolution: which island owns each pixel (0: sea)."""

    spec: Archipelago
    west: float
    north: float
    owner: np.ndarray  # int32 (rows, cols)
    relief_m: dict[int, float]  # owner id -> mountain height scale
    density: dict[int, float]  # owner id -> people and towers, relative
    big: int  # owners 1..big are ISLANDS

    @property
    def mask(self) -> np.ndarray:
        return self.owner > 0

    def lonlat(
        self, row: np.ndarray, col: np.ndarray, per_mask: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Centres of pixels ``per_mask`` times finer than the mask."""
        step = MASK_DEG / per_mask
        return self.west + (col + 0.5) * step, self.north - (row + 0.5) * step


def _pixel_km2(lat: np.ndarray | float) -> np.ndarray:
    return np.asarray(MASK_KM**2 * np.cos(np.radians(lat)))


def _island_field(
    rng: np.random.Generator, island: Island, centre: tuple[float, float], area_px: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blob centres (row, col) along ``arms`` wandering spines, and their widths, in pixels."""
    width = math.sqrt(4 * area_px / (math.pi * island.aspect))
    arm_len = island.aspect * width / 2 * (1.0 if island.arms <= 2 else 0.8)
    step = max(width / 3, 0.5)
    heading0 = math.radians(island.heading_deg)
    rows, cols, sigmas = [centre[0]], [centre[1]], [width / 2.2]
    for arm in range(island.arms):
        heading = heading0 + 2 * math.pi * arm / island.arms + rng.normal(0, 0.15)
        row, col = centre
        for _ in range(max(2, int(arm_len / step))):
            heading += rng.normal(0, 0.25)
            row -= step * math.sin(heading)
            col += step * math.cos(heading)
            rows.append(row)
            cols.append(col)
            sigmas.append(width / 2.2 * rng.uniform(0.7, 1.3))
    return np.array(rows), np.array(cols), np.array(sigmas)


def _fill_small_holes(piece: np.ndarray, most_px: int = 12) -> np.ndarray:
    """``piece`` with its enclosed holes of up to ``most_px`` pixels filled (larger ones stay
    as lakes or enclosed bays)."""
    holes, n = ndimage.label(ndimage.binary_fill_holes(piece) & ~piece)
    sizes = np.bincount(holes.ravel(), minlength=n + 1)
    small = sizes <= most_px
    small[0] = False
    return np.asarray(piece | small[holes])


def _top_component(field: np.ndarray, area_px: int, taken: np.ndarray) -> np.ndarray | None:
    """The connected piece (small holes filled) of the highest ``field`` values around its
    peak, closest to ``area_px`` pixels over a few cuts (a cut splits off outlying bits)."""
    order = np.argsort(-field, axis=None, kind="stable")
    available = int((field > 0).sum())
    k, best = area_px, None
    for _ in range(5):
        k = min(k, available)
        if k < 1:
            break
        chosen = np.zeros(field.size, bool)
        chosen[order[:k]] = True
        parts, _ = ndimage.label(chosen.reshape(field.shape))
        core = _fill_small_holes(parts == parts.flat[order[0]]) & ~taken
        if best is None or abs(int(core.sum()) - area_px) < abs(int(best.sum()) - area_px):
            best = core
        if abs(int(core.sum()) - area_px) <= 0.03 * area_px or k == available:
            break
        k = max(k + (area_px - int(core.sum())) // 2, 1)
    return best


def _grow(
    rng: np.random.Generator, land: _Land, island: Island, owner_id: int, wobble: np.ndarray
) -> None:
    """Add one island of about its (scaled) area, keeping a sea gap to the others."""
    spec = land.spec
    lon = land.west + (island.lon - ARCH_WEST) * spec.scale
    lat = land.north - (ARCH_NORTH - island.lat) * spec.scale
    centre = ((land.north - lat) / MASK_DEG, (lon - land.west) / MASK_DEG)
    area_px = max(island.area_km2 * spec.scale**2 / float(_pixel_km2(island.lat)), 1.0)
    b_rows, b_cols, sigmas = _island_field(rng, island, centre, area_px)
    pad = 3 * sigmas.max() + 2
    r0, r1 = max(int(b_rows.min() - pad), 0), min(int(b_rows.max() + pad) + 1, land.owner.shape[0])
    c0, c1 = max(int(b_cols.min() - pad), 0), min(int(b_cols.max() + pad) + 1, land.owner.shape[1])
    if r0 >= r1 or c0 >= c1:
        return
    yy, xx = np.mgrid[r0:r1, c0:c1]
    field = np.zeros(yy.shape)
    for row, col, sigma in zip(b_rows, b_cols, sigmas, strict=True):
        field = np.maximum(field, np.exp(-((yy - row) ** 2 + (xx - col) ** 2) / (2 * sigma**2)))
    field *= np.exp(0.6 * wobble[r0:r1, c0:c1])
    taken = ndimage.binary_dilation(land.mask[r0:r1, c0:c1], np.ones((3, 3), bool))
    field[taken] = -1.0
    core = _top_component(field, round(area_px), taken)
    if core is None:
        return
    land.owner[r0:r1, c0:c1][core] = owner_id
    land.relief_m[owner_id] = 5200 * min(1.0, math.sqrt(island.area_km2 / 400_000))
    land.density[owner_id] = island.density


def _zone_point(rng: np.random.Generator, land: _Land) -> tuple[float, float, float]:
    """A random (lon, lat) in one of the small-island zones, in unscaled coordinates, and
    that zone's people density."""
    weights = np.array([z[4] for z in ISLAND_ZONES])
    west, east, north, south, _ = ISLAND_ZONES[
        rng.choice(len(ISLAND_ZONES), p=weights / weights.sum())
    ]
    lon, lat = rng.uniform(west, east), rng.uniform(south, north)
    return lon, lat, 1.6 - 1.2 * (lon - ARCH_WEST) / ARCH_WIDTH_DEG


def build_land(rng: np.random.Generator, spec: Archipelago) -> _Land:
    """Large and medium islands where Indonesia's are, then small islands and islets in the
    seas between them (a one-pixel sea gap around each)."""
    shape = spec.mask_shape
    west, north = ARCH_WEST, ARCH_NORTH
    land = _Land(spec, west, north, np.zeros(shape, np.int32), {}, {}, len(ISLANDS))
    wobble = ndimage.gaussian_filter(rng.standard_normal(shape), 5) * 5.0
    wobble += ndimage.gaussian_filter(rng.standard_normal(shape), 1.2) * 1.2
    for owner_id, island in enumerate(ISLANDS, start=1):
        _grow(rng, land, island, owner_id, wobble)
    owner_id = len(ISLANDS)
    for _ in range(spec.small_islands):
        lon, lat, density = _zone_point(rng, land)
        area = float(np.exp(rng.uniform(math.log(200), math.log(8000))))
        arms = int(rng.integers(1, 3))
        island = Island(
            "", lon, lat, area, rng.uniform(1, 3.5), rng.uniform(0, 180), arms, 0, density
        )
        owner_id += 1
        _grow(rng, land, island, owner_id, wobble)
    for _ in range(spec.islets):
        lon, lat, density = _zone_point(rng, land)
        row = int((ARCH_NORTH - lat) * spec.scale / MASK_DEG)
        col = int((lon - ARCH_WEST) * spec.scale / MASK_DEG)
        if not (0 < row < shape[0] - 2 and 0 < col < shape[1] - 2):
            continue
        if land.mask[row - 1 : row + 2, col - 1 : col + 3].any():
            continue
        owner_id += 1
        width = 2 if rng.random() < 0.3 else 1
        land.owner[row, col : col + width] = owner_id
        land.relief_m[owner_id], land.density[owner_id] = 150.0, density
    return land


@dataclass(frozen=True)
class Terrain:
    """Elevation anywhere in the archipelago from coarse lattices over the whole extent: sea
    0, land from 1 m at the coast to ~4,000 m inside the large islands."""

    land: _Land
    coast_km: LatticeField  # distance from the sea
    relief_m: LatticeField  # the island's mountain height scale
    octaves: tuple[tuple[LatticeField, float], ...]  # ridged noise and its weights

    def window(self, rows: tuple[int, int], cols: tuple[int, int], per_mask: int) -> np.ndarray:
        """Elevation (float32 m) of pixels ``rows`` × ``cols`` (half-open ranges) of the grid
        ``per_mask`` times finer than the mask."""
        row_idx = np.arange(*rows)
        col_idx = np.arange(*cols)
        lon, lat = self.land.lonlat(row_idx, col_idx, per_mask)
        on_land = self.land.mask[np.ix_(row_idx // per_mask, col_idx // per_mask)]
        ridge = np.zeros(on_land.shape, np.float32)
        for field, weight in self.octaves:
            ridge += weight * (1.0 - np.abs(field.sample(lat, lon)))
        inland = 1.0 - np.exp(-self.coast_km.sample(lat, lon) / 80.0)
        height = self.relief_m.sample(lat, lon) * inland * ridge * np.sqrt(ridge)
        height += 25.0 * inland + 2.0
        return np.where(on_land, np.maximum(height, 1.0), 0.0).astype(np.float32)


def build_terrain(rng: np.random.Generator, land: _Land) -> Terrain:
    """The coarse lattices: distance to the coast and each island's relief at mask pixel
    centres, and four octaves of noise (0.4° down to 0.006°) over the whole extent."""
    mask = land.mask
    coast_km = ndimage.distance_transform_edt(mask)
    _, nearest_land = ndimage.distance_transform_edt(~mask, return_indices=True)
    owner_near = land.owner[nearest_land[0], nearest_land[1]]
    relief = np.vectorize(lambda o: land.relief_m.get(int(o), 0.0), otypes=[np.float32])(owner_near)
    half = MASK_DEG / 2
    rows, cols = mask.shape
    octaves = []
    for step, weight in ((0.4, 0.45), (0.1, 0.3), (0.025, 0.17), (0.006, 0.08)):
        shape = (int(rows * MASK_DEG / step) + 3, int(cols * MASK_DEG / step) + 3)
        values = np.tanh(rng.standard_normal(shape, dtype=np.float32))
        octaves.append((LatticeField(values, step, land.west, land.north), weight))
    return Terrain(
        land,
        LatticeField(
            (coast_km * MASK_KM).astype(np.float32), MASK_DEG, land.west + half, land.north - half
        ),
        LatticeField(relief, MASK_DEG, land.west + half, land.north - half),
        tuple(octaves),
    )


def write_dem(path: Path, terrain: Terrain, spec: Archipelago) -> None:
    """The 3 arc-second DEM, ``spec.strip_rows`` rows and 8 blocks of columns at a time (only
    windows with land are computed; the rest stays 0), int16, tiled, deflate."""
    mask = terrain.land.mask
    height, width = mask.shape[0] * DEM_PER_MASK, mask.shape[1] * DEM_PER_MASK
    chunk = spec.block * 8
    step = MASK_DEG / DEM_PER_MASK
    profile = _tiff_profile(width, height, step, terrain.land, spec.block)
    with rasterio.open(path, "w", dtype="int16", predictor=2, **profile) as dst:
        for r0 in range(0, height, spec.strip_rows):
            r1 = min(r0 + spec.strip_rows, height)
            for c0 in range(0, width, chunk):
                c1 = min(c0 + chunk, width)
                m_rows = slice(r0 // DEM_PER_MASK, (r1 - 1) // DEM_PER_MASK + 1)
                m_cols = slice(c0 // DEM_PER_MASK, (c1 - 1) // DEM_PER_MASK + 1)
                if not mask[m_rows, m_cols].any():
                    continue
                dem = np.rint(terrain.window((r0, r1), (c0, c1), DEM_PER_MASK)).astype(np.int16)
                dst.write(dem, 1, window=Window(c0, r0, c1 - c0, r1 - r0))


def _tiff_profile(width: int, height: int, step: float, land: _Land, block: int) -> dict[str, Any]:
    return {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "crs": "EPSG:4326",
        "transform": from_origin(land.west, land.north, step, step),
        "tiled": True,
        "blockxsize": block,
        "blockysize": block,
        "compress": "deflate",
        "BIGTIFF": "IF_SAFER",
    }


@dataclass(frozen=True)
class Settlements:
    """People per 30 arc-second pixel, and the towns and villages in it (pixel row, col)."""

    people: np.ndarray  # float32 (rows, cols)
    towns: np.ndarray
    town_people: np.ndarray
    villages: np.ndarray
    village_people: np.ndarray


def _add_blobs(
    grid: np.ndarray, centres: np.ndarray, people: np.ndarray, sigmas: np.ndarray
) -> None:
    rows, cols = grid.shape
    for (row, col), count, sigma in zip(centres, people, sigmas, strict=True):
        r = int(3 * sigma) + 1
        r0, r1, c0, c1 = (
            max(row - r, 0),
            min(row + r + 1, rows),
            max(col - r, 0),
            min(col + r + 1, cols),
        )
        yy, xx = np.mgrid[r0 - row : r1 - row, c0 - col : c1 - col]
        kernel = np.exp(-(yy**2 + xx**2) / (2 * sigma**2))
        grid[r0:r1, c0:c1] += (count * kernel / kernel.sum()).astype(np.float32)


def build_population(rng: np.random.Generator, terrain: Terrain) -> Settlements:
    """GHS-POP-like people per pixel on land: Zipf-sized towns and cities (the largest over a
    million), lognormal villages and scattered hamlets, more on low ground and on the densely
    peopled islands, scaled to the archipelago's total."""
    land, spec = terrain.land, terrain.land.spec
    rows, cols = land.mask.shape[0] * POP_PER_MASK, land.mask.shape[1] * POP_PER_MASK
    elev = terrain.window((0, rows), (0, cols), POP_PER_MASK)
    owner = np.repeat(np.repeat(land.owner, POP_PER_MASK, 0), POP_PER_MASK, 1)
    density = np.zeros(int(land.owner.max()) + 1)
    for owner_id, value in land.density.items():
        density[owner_id] = value
    weight = (density[owner] * np.exp(-elev / 400.0)).ravel()
    del elev
    weight /= weight.sum()
    n_towns = spec.count(spec.towns, 4)
    town_idx = rng.choice(weight.size, size=n_towns, replace=False, p=weight)
    town_people = 10.5e6 * spec.scale**2 * np.arange(1, n_towns + 1) ** -0.95
    town_people *= rng.uniform(0.8, 1.2, n_towns)
    village_idx = rng.choice(weight.size, size=spec.count(spec.villages, 100), p=weight)
    village_people = np.exp(rng.normal(math.log(700), 0.8, village_idx.size))
    hamlet_idx = rng.choice(weight.size, size=spec.count(400_000, 300), p=weight)
    hamlet_people = rng.integers(5, 80, hamlet_idx.size).astype(np.float64)
    flat = np.bincount(village_idx, village_people, minlength=weight.size)
    flat += np.bincount(hamlet_idx, hamlet_people, minlength=weight.size)
    people = flat.reshape(rows, cols).astype(np.float32)
    towns = np.column_stack(np.unravel_index(town_idx, (rows, cols)))
    _add_blobs(people, towns, town_people, 1.0 + 2.5 * np.sqrt(town_people / 1e6 / spec.scale**2))
    people[owner == 0] = 0.0
    factor = spec.people * spec.scale**2 / float(people.sum(dtype=np.float64))
    people *= np.float32(factor)
    villages = np.column_stack(np.unravel_index(village_idx, (rows, cols)))
    return Settlements(people, towns, town_people * factor, villages, village_people * factor)


@dataclass(frozen=True)
class Provinces:
    """Provinces at mask resolution: ``label`` 1..n (0: sea), their names, and whether each
    is a group of small islands (its regencies are then whole islands)."""

    label: np.ndarray
    names: tuple[str, ...]
    island_groups: tuple[bool, ...]


def _new_name(rng: np.random.Generator, used: set[str]) -> str:
    while True:
        word = "".join(rng.choice(_SYLLABLES, int(rng.integers(2, 4)))).capitalize()
        if word not in used:
            used.add(word)
            return word


def _voronoi(
    rng: np.random.Generator, points: np.ndarray, k: int, weight: np.ndarray | None = None
) -> np.ndarray:
    """Split ``points`` (pixel row, col) into ``k`` parts by their nearest seed: seeds drawn
    with probability ``weight``, or (without it) as far apart as they can be."""
    if weight is None:
        seeds = [int(rng.integers(len(points)))]
        gap = np.hypot(*(points - points[seeds[0]]).T)
        for _ in range(k - 1):
            seeds.append(int(np.argmax(gap)))
            gap = np.minimum(gap, np.hypot(*(points - points[seeds[-1]]).T))
    else:
        seeds = list(rng.choice(len(points), size=k, replace=False, p=weight))
    jitter = rng.normal(0, 0.01, points.shape)  # breaks ties between equidistant seeds
    return np.asarray(cKDTree(points[seeds]).query(points + jitter)[1])


_COMPASS = ("Timur", "Utara", "Barat", "Selatan")


def _split_islands(
    rng: np.random.Generator, land: _Land, label: np.ndarray, used: set[str]
) -> list[str]:
    """Provinces of the large and medium islands: each island split into its count."""
    names: list[str] = []
    for owner_id, island in enumerate(ISLANDS, start=1):
        points = np.argwhere(land.owner == owner_id)
        if points.size == 0:
            continue
        used.add(island.name)
        k = min(island.provinces, len(points))
        part = _voronoi(rng, points.astype(float), k)
        middle = points.mean(axis=0)
        for j in range(k):
            members = points[part == j]
            dy, dx = middle - members.mean(axis=0)
            quadrant = int(((math.degrees(math.atan2(dy, -dx)) + 45) % 360) // 90)
            name = island.name if k == 1 else f"{island.name} {_COMPASS[quadrant]}"
            while name in names:
                name = f"{name} Raya"
            names.append(name)
            label[members[:, 0], members[:, 1]] = len(names)
    return names


def build_provinces(rng: np.random.Generator, land: _Land) -> Provinces:
    """Large islands split into 2-5 provinces, medium islands one each; small islands near a
    big one join its nearest province, the others are clustered into island groups."""
    label = np.zeros(land.owner.shape, np.int32)
    used: set[str] = set()
    names = _split_islands(rng, land, label, used)
    groups = [False] * len(names)
    _, nearest = ndimage.distance_transform_edt(label == 0, return_indices=True)
    gap = ndimage.distance_transform_edt(label == 0)
    join_px = 90.0 * land.spec.scale / MASK_KM
    rows, cols = np.nonzero(land.owner > land.big)
    ids = land.owner[rows, cols]
    far_ids, far_centres = [], []
    for owner_id in np.unique(ids):
        r, c = rows[ids == owner_id], cols[ids == owner_id]
        closest = int(np.argmin(gap[r, c]))
        if gap[r[closest], c[closest]] <= join_px and names:
            label[r, c] = label[
                nearest[0][r[closest], c[closest]], nearest[1][r[closest], c[closest]]
            ]
        else:
            far_ids.append(owner_id)
            far_centres.append((r.mean(), c.mean()))
    if far_ids:
        k = min(land.spec.island_groups, len(far_ids))
        _, cluster = kmeans2(np.asarray(far_centres), k, minit="++", rng=rng)
        for j in np.unique(cluster):
            names.append(f"Kepulauan {_new_name(rng, used)}")
            groups.append(True)
            members = np.isin(land.owner, np.asarray(far_ids)[cluster == j])
            label[members] = len(names)
    return Provinces(label, tuple(names), tuple(groups))


def _allocate(total: int, weight: np.ndarray, most: np.ndarray) -> np.ndarray:
    """Whole counts from 1 to ``most``, about proportional to ``weight`` and summing to
    ``total`` where the caps allow (largest remainders first)."""
    share = total * weight / weight.sum()
    counts = np.clip(np.floor(share), 1, most).astype(int)
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    while counts.sum() < total and (counts < most).any():
        for j in order:
            if counts.sum() < total and counts[j] < most[j]:
                counts[j] += 1
    return counts


def build_regencies(
    rng: np.random.Generator, land: _Land, provinces: Provinces, people: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Regencies at mask resolution (label 1..n, 0: sea) and each one's province (1-based):
    more of them where more people live; in island groups, whole islands."""
    rows, cols = land.owner.shape
    people_px = people.reshape(rows, POP_PER_MASK, cols, POP_PER_MASK).sum(axis=(1, 3))
    n_prov = len(provinces.names)
    flat = provinces.label.ravel()
    area = np.bincount(flat, minlength=n_prov + 1)[1:].astype(float)
    pop = np.bincount(flat, people_px.ravel(), minlength=n_prov + 1)[1:]
    target = max(round(land.spec.regencies * land.spec.scale), n_prov)
    counts = _allocate(target, np.sqrt(pop + 1.0) * area**0.25, area.astype(int))
    label = np.zeros(land.owner.shape, np.int32)
    province_of: list[int] = []
    for p, count in enumerate(counts, start=1):
        points = np.argwhere(provinces.label == p)
        here = people_px[points[:, 0], points[:, 1]]
        weight = 0.5 * here / max(here.sum(), 1e-9) + 0.5 / len(points)
        part = _voronoi(rng, points.astype(float), int(count), weight / weight.sum())
        if provinces.island_groups[p - 1]:
            owners = land.owner[points[:, 0], points[:, 1]]
            for owner_id in np.unique(owners):
                on_island = owners == owner_id
                part[on_island] = np.bincount(part[on_island]).argmax()
        for j in np.unique(part):
            province_of.append(p)
            members = points[part == j]
            label[members[:, 0], members[:, 1]] = len(province_of)
    return label, np.asarray(province_of)


def regency_features(
    rng: np.random.Generator,
    land: _Land,
    provinces: Provinces,
    regencies: np.ndarray,
    province_of: np.ndarray,
) -> list[dict[str, Any]]:
    """GeoJSON regencies (land only: the mask's pixels, polygonised), with ``name``, ``code``,
    ``kode_prov`` (numbered west to east from 11) and ``provinsi``."""
    transform = from_origin(land.west, land.north, MASK_DEG, MASK_DEG)
    parts: dict[int, list[Any]] = {}
    for geometry, value in features.shapes(
        regencies, mask=regencies > 0, connectivity=4, transform=transform
    ):
        parts.setdefault(int(value), []).append(shapely.geometry.shape(geometry))
    cols = np.nonzero(provinces.label)[1]
    west_to_east = np.argsort(
        np.bincount(provinces.label[provinces.label > 0], cols, len(provinces.names) + 1)[1:]
        / np.bincount(provinces.label[provinces.label > 0], minlength=len(provinces.names) + 1)[1:],
        kind="stable",
    )
    kode = {int(p) + 1: str(11 + rank) for rank, p in enumerate(west_to_east)}
    used: set[str] = set()
    numbered: dict[int, int] = {}
    out = []
    for regency, province in enumerate(province_of.tolist(), start=1):
        numbered[province] = numbered.get(province, 0) + 1
        geom = shapely.set_precision(shapely.union_all(parts[regency]), 1e-6)
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        out.append(
            {
                "type": "Feature",
                "properties": {
                    "name": f"Kabupaten {_new_name(rng, used)}",
                    "code": f"{kode[province]}.{numbered[province]:02d}",
                    "kode_prov": kode[province],
                    "provinsi": provinces.names[province - 1],
                },
                "geometry": shapely.geometry.mapping(geom),
            }
        )
    return out


def _overland(xy: np.ndarray, island: np.ndarray, island_id: int, land: _Land) -> np.ndarray:
    """(n, n): whether the straight line between two towns stays on their island."""
    t = np.linspace(0.0, 1.0, 25)
    n = len(xy)
    path = xy[:, None, None, :] + t[None, None, :, None] * (
        xy[None, :, None, :] - xy[:, None, None, :]
    )
    rows = np.clip(((land.north - path[..., 1]) / MASK_DEG).astype(int), 0, island.shape[0] - 1)
    cols = np.clip(((path[..., 0] - land.west) / MASK_DEG).astype(int), 0, island.shape[1] - 1)
    return np.asarray((island[rows, cols] == island_id).all(axis=2)).reshape(n, n)


def fiber_layers(land: _Land, lon: np.ndarray, lat: np.ndarray) -> list[dict[str, Any]]:
    """Backbone lines: on each island a minimum spanning forest over its towns, using only
    straight runs that stay on land (no submarine cables)."""
    island, _ = ndimage.label(land.mask)
    rows = ((land.north - lat) / MASK_DEG).astype(int)
    cols = ((lon - land.west) / MASK_DEG).astype(int)
    town_island = island[rows, cols]
    lines = []
    for island_id in np.unique(town_island[town_island > 0]):
        idx = np.flatnonzero(town_island == island_id)
        if idx.size < 2:
            continue
        xy = np.column_stack([lon[idx], lat[idx]])
        graph = np.where(_overland(xy, island, int(island_id), land), cdist(xy, xy) + 1e-9, 0.0)
        tree = minimum_spanning_tree(np.triu(graph, 1)).tocoo()
        for a, b in zip(idx[tree.row].tolist(), idx[tree.col].tolist(), strict=True):
            coords = [[round(lon[a], 6), round(lat[a], 6)], [round(lon[b], 6), round(lat[b], 6)]]
            lines.append(
                {
                    "type": "Feature",
                    "properties": {"name": f"backbone {a}-{b}"},
                    "geometry": {"type": "LineString", "coordinates": coords},
                }
            )
    return lines


def existing_sites(
    rng: np.random.Generator, land: _Land, settle: Settlements
) -> tuple[np.ndarray, np.ndarray]:
    """LTE sites: around each town (one per ~25,000 people) and at villages over 1,200
    people, with a share that falls from the west (Java-like, ~95%) to the east (~20%)."""
    t_lon, t_lat = land.lonlat(settle.towns[:, 0], settle.towns[:, 1], POP_PER_MASK)
    v_lon, v_lat = land.lonlat(settle.villages[:, 0], settle.villages[:, 1], POP_PER_MASK)

    def served(lon: np.ndarray) -> np.ndarray:
        span = land.spec.scale * ARCH_WIDTH_DEG
        return np.asarray(np.clip(0.95 - 0.75 * (lon - land.west) / span, 0.2, 1.0))

    per_town = 1 + np.rint(settle.town_people / 25_000 * served(t_lon))
    sigma_px = 1.0 + 2.5 * np.sqrt(settle.town_people / 1e6 / land.spec.scale**2)
    spread = 0.6 * sigma_px * MASK_DEG / POP_PER_MASK
    s_lon = np.repeat(t_lon, per_town.astype(int))
    s_lat = np.repeat(t_lat, per_town.astype(int))
    sigma = np.repeat(spread, per_town.astype(int))
    s_lon = s_lon + rng.normal(0, 1, s_lon.size) * sigma
    s_lat = s_lat + rng.normal(0, 1, s_lat.size) * sigma
    big = (settle.village_people > 1200) & (rng.random(v_lon.size) < served(v_lon))
    lon, lat = np.concatenate([s_lon, v_lon[big]]), np.concatenate([s_lat, v_lat[big]])
    rows = np.clip(((land.north - lat) / MASK_DEG).astype(int), 0, land.owner.shape[0] - 1)
    cols = np.clip(((lon - land.west) / MASK_DEG).astype(int), 0, land.owner.shape[1] - 1)
    on_land = land.mask[rows, cols]
    return lon[on_land], lat[on_land]


def archipelago_scenario(name: str, spec: Archipelago, resolution_m: float) -> dict[str, Any]:
    """The XL scenario: tiles by province, satellite capacity unlimited, a budget that buys a
    few thousand towers; at 1 km the radius model."""
    backhaul = json.loads(json.dumps(BACKHAUL))
    backhaul["satellite"]["capacity_mbps_total"] = None
    coarse = resolution_m > 100
    return {
        "name": f"synthetic-{name}" + ("-1km" if coarse else ""),
        "region": {
            "boundaries": "regencies.geojson",
            "resolution_m": resolution_m,
            "tiles": {"by": "kode_prov"},
        },
        "layers": dict(LAYERS),
        "coverage": {
            "model": "radius" if coarse else "terrain",
            "existing_technology": "macro_4g",
        },
        "technologies": TECHNOLOGIES,
        "backhaul": backhaul,
        "candidates": {"max_candidates": "auto"},
        # ~3.2e9 a tower over 5 years with its backhaul: about 3,000 towers
        "objective": {"budget": float(1.0e13 * spec.scale**2)},
        "solver": {"time_limit_s": 3600, "node_limit": 1, "relative_gap": 0.01},
        "output": {"dir": "out-1km" if coarse else "out"},
    }


def _write_geojson(path: Path, feats: list[dict[str, Any]]) -> None:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))


def _write_settlement_layers(
    rng: np.random.Generator, land: _Land, settle: Settlements, out: Path
) -> dict[str, int]:
    """towers, fiber, fiber_nodes, pois and villages; returns their feature counts."""
    s_lon, s_lat = existing_sites(rng, land, settle)
    sites = [
        {"id": f"BTS-{i + 1:06d}", "technology": "macro_4g", "height_m": 35}
        for i in range(s_lon.size)
    ]
    (out / "towers.geojson").write_text(json.dumps(_points(s_lon, s_lat, sites)))
    t_lon, t_lat = land.lonlat(settle.towns[:, 0], settle.towns[:, 1], POP_PER_MASK)
    lines = fiber_layers(land, t_lon, t_lat)
    _write_geojson(out / "fiber.geojson", lines)
    nodes = [{"id": f"POP-{i + 1:04d}"} for i in range(t_lon.size)]
    (out / "fiber_nodes.geojson").write_text(json.dumps(_points(t_lon, t_lat, nodes)))
    v_lon, v_lat = land.lonlat(settle.villages[:, 0], settle.villages[:, 1], POP_PER_MASK)
    order = np.arange(v_lon.size)
    kinds = np.where(order % 10 == 0, "health", "school")
    chosen = order % 4 == 0
    pois = [{"id": f"P{i + 1:06d}", "type": str(kinds[i])} for i in np.flatnonzero(chosen)]
    (out / "pois.geojson").write_text(json.dumps(_points(v_lon[chosen], v_lat[chosen], pois)))
    villages = [{"id": f"V{i + 1:06d}", "name": f"Desa {i + 1}"} for i in order]
    (out / "villages.geojson").write_text(json.dumps(_points(v_lon, v_lat, villages)))
    return {
        "existing_sites": len(sites),
        "fiber_links": len(lines),
        "towns": int(t_lon.size),
        "villages": int(v_lon.size),
    }


def write_archipelago(name: str, out: Path) -> Path:
    """Write archipelago ``name`` (XL, or the small XS-archipelago) into ``out``: the layers,
    ``scenario.yaml`` (100 m, terrain) and ``scenario_1km.yaml`` (1 km, radius)."""
    spec = ARCHIPELAGOS[name]
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(spec.seed)
    land = build_land(rng, spec)
    terrain = build_terrain(rng, land)
    settle = build_population(rng, terrain)
    provinces = build_provinces(rng, land)
    regencies, province_of = build_regencies(rng, land, provinces, settle.people)
    _write_geojson(
        out / "regencies.geojson", regency_features(rng, land, provinces, regencies, province_of)
    )
    rows, cols = settle.people.shape
    profile = _tiff_profile(cols, rows, MASK_DEG / POP_PER_MASK, land, min(spec.block, 256))
    with rasterio.open(out / "population.tif", "w", dtype="float32", **profile) as dst:
        dst.write(settle.people, 1)
    counts = _write_settlement_layers(rng, land, settle, out)
    for file, resolution in (("scenario.yaml", 100.0), ("scenario_1km.yaml", 1000.0)):
        scenario = archipelago_scenario(name, spec, resolution)
        (out / file).write_text(yaml.safe_dump(scenario, sort_keys=False))
    write_dem(out / "elevation.tif", terrain, spec)
    _, n_islands = ndimage.label(land.mask)
    mask_lat = land.north - (np.arange(land.owner.shape[0]) + 0.5) * MASK_DEG
    summary = {
        "size": name,
        "land_km2": round(float((land.mask.sum(axis=1) * _pixel_km2(mask_lat)).sum())),
        "islands": int(n_islands),
        "provinces": len(provinces.names),
        "regencies": int(province_of.size),
        "population": round(float(settle.people.sum(dtype=np.float64))),
        **counts,
        "bytes": {p.name: p.stat().st_size for p in sorted(out.iterdir()) if p.is_file()},
    }
    print(json.dumps(summary))
    return out / "scenario.yaml"


def main(argv: list[str]) -> int:
    names = sorted(SIZES) + sorted(ARCHIPELAGOS)
    if len(argv) != 2 or argv[0] not in names:
        print(f"usage: regions.py {{{'|'.join(names)}}} OUT_DIR", file=sys.stderr)
        return 2
    if argv[0] in ARCHIPELAGOS:
        write_archipelago(argv[0], Path(argv[1]))
    else:
        write_region(argv[0], Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
