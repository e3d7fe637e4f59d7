"""Generate the SYNTHETIC "papua-highlands" demo region for netplan.

The region imitates the Baliem valley around Wamena (Jayawijaya, Papua
Pegunungan, Indonesia), but every number in it is invented.  Run

    python datasets/papua-highlands/make_demo.py

to (re)write all data files next to this script.  The output is deterministic:
all randomness comes from ``numpy.random.default_rng(20261122)`` (split into
independent child streams per component) and nothing reads the clock, so two
runs give byte-identical files.

How the terrain is made
    1. A mountain mass of warped, ridged multi-octave noise (~2,500-4,300 m).
    2. Valleys, each a meandering centreline with floor height, half-width and
       wall steepness: flat floors with a gentle dish, walls that steepen away
       from the floor.  Terrain = min(mountains, valley surfaces).
    3. A stream network (priority flood + flow accumulation on a coarse grid)
       cuts dendritic gullies into the slopes down to the valley floors.
    4. Fine ridged noise on the slopes, hummocks on the floors, a small lake.

Planning geometry uses a flat local "km grid" centred on Wamena (x = km east,
y = km north); everything published is EPSG:4326 lon/lat.
"""

from __future__ import annotations

import csv
import heapq
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import rasterio
from numpy.typing import NDArray
from rasterio.features import rasterize
from rasterio.transform import from_origin
from scipy import ndimage
from scipy.spatial import cKDTree
from shapely import ops, voronoi_polygons
from shapely.geometry import LineString, MultiPoint, Point, Polygon, box, mapping
from shapely.geometry.polygon import orient

FloatArr = NDArray[np.float64]
BoolArr = NDArray[np.bool_]

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------
SEED = 20261122
OUT_DIR = Path(__file__).resolve().parent

WEST, EAST, SOUTH, NORTH = 138.50, 139.40, -4.55, -3.65
RES = 1.0 / 1200.0  # 3 arc-seconds
WIDTH = HEIGHT = 1080
SHAPE = (HEIGHT, WIDTH)
TRANSFORM = from_origin(WEST, NORTH, RES, RES)
CRS = "EPSG:4326"
ELEV_NODATA = -32768
POP_NODATA = -99999.0

TOWN_ID, TOWN_NAME = "T001", "Wamena"
TOWN_LON, TOWN_LAT = 138.95, -4.10
TOWN_POP = 60_000
N_VILLAGES = 150
HAMLET_SHARE = 0.025  # isolated hamlets as a share of the total population
# Remote hamlets (kampung): one small cluster of houses around a school or a health post
# (pustu), alone in an otherwise empty valley, 30-55 km from the nearest LTE site: the
# "few people, living close together" places where a public hotspot on a satellite link
# can serve everyone for less than a tower.  (x_km, y_km) target, people, POI type.
REMOTE_HAMLETS: tuple[tuple[float, float, int, str], ...] = (
    (38.0, -20.0, 240, "school"),  # Wild-Southeast gorge
    (37.0, 43.0, 170, "health"),  # Wild-Northeast gorge
    (-37.0, -13.0, 110, "school"),  # Wild-West gorge
    (-41.0, -44.0, 70, "health"),  # head of the Southwest-Mbua valley
)
REMOTE_SIGMA_KM = (0.04, 0.07)  # houses within ~200 m of the centre: one hotspot reaches all

# Papua, Susenas 2023 (BPS): % of households with internet access.
BPS_URBAN, BPS_RURAL, BPS_YEAR = 87.31, 18.73, 2023

# Local flat-earth scale at 4.1 S on WGS84; good to ~0.1 % over the region.
KM_PER_DEG_LON = 111.04
KM_PER_DEG_LAT = 110.58
PX_KM_X = RES * KM_PER_DEG_LON  # ~0.0925 km
PX_KM_Y = RES * KM_PER_DEG_LAT  # ~0.0922 km

GEOD = pyproj.Geod(ellps="WGS84")


# --------------------------------------------------------------------------
# Coordinates
# --------------------------------------------------------------------------
def km_to_lonlat(x: Any, y: Any) -> tuple[Any, Any]:
    """Local km offsets from Wamena -> (lon, lat); scalars or arrays."""
    return TOWN_LON + np.asarray(x) / KM_PER_DEG_LON, TOWN_LAT + np.asarray(y) / KM_PER_DEG_LAT


def km_to_pixel(x: Any, y: Any) -> tuple[Any, Any]:
    """Local km -> fractional (row, col); integer values are pixel centres."""
    lon, lat = km_to_lonlat(x, y)
    return (NORTH - lat) / RES - 0.5, (lon - WEST) / RES - 0.5


def pixel_km_grids() -> tuple[FloatArr, FloatArr]:
    """km coordinates (x, y) of every pixel centre."""
    lon = WEST + (np.arange(WIDTH) + 0.5) * RES
    lat = NORTH - (np.arange(HEIGHT) + 0.5) * RES
    return np.meshgrid((lon - TOWN_LON) * KM_PER_DEG_LON, (lat - TOWN_LAT) * KM_PER_DEG_LAT)


def r6(v: float) -> float:
    """Round a coordinate to 6 decimals (the precision of every output)."""
    return round(float(v), 6)


def lonlat6(x: float, y: float) -> tuple[float, float]:
    """Local km -> (lon, lat) rounded to 6 decimals."""
    lon, lat = km_to_lonlat(x, y)
    return r6(lon), r6(lat)


# --------------------------------------------------------------------------
# Noise
# --------------------------------------------------------------------------
def smooth_noise(
    rng: np.random.Generator, scale_px: float, stretch: float = 1.0, shape: tuple = SHAPE
) -> FloatArr:
    """Zero-mean, unit-std random field with features ~scale_px wide.

    ``stretch`` > 1 elongates features east-west (the trend of the central range).
    """
    if scale_px <= 8:
        sigma = (scale_px / 2.0, scale_px * stretch / 2.0)
        field = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode="wrap")
    else:  # coarse white noise, smoothed and upsampled: cheap for big scales
        sy = max(round(scale_px / 2), 2)
        sx = max(round(scale_px * stretch / 2), 2)
        coarse = rng.standard_normal((shape[0] // sy + 8, shape[1] // sx + 8))
        coarse = ndimage.gaussian_filter(coarse, 1.0, mode="wrap")
        fine = ndimage.zoom(coarse, (sy, sx), order=3, mode="nearest")
        field = fine[4 * sy : 4 * sy + shape[0], 4 * sx : 4 * sx + shape[1]]
    field = field - field.mean()
    return field / field.std()


def ridged_fbm(
    rng: np.random.Generator, scales: list[float], stretch: float = 1.0, gain: float = 0.5
) -> FloatArr:
    """Multi-octave ridged noise (sharp crests, rounded troughs); zero mean, unit std."""
    total = np.zeros(SHAPE)
    amp = 1.0
    for k, sc in enumerate(scales):
        n = smooth_noise(rng, sc, stretch if k < 2 else 1.0)
        total += amp * (0.8 - np.abs(n))
        amp *= gain
    total -= total.mean()
    return total / total.std()


def domain_warp(
    rng: np.random.Generator, field: FloatArr, scale_px: float, amp_px: float
) -> FloatArr:
    """Resample ``field`` through a smooth random displacement to bend straight features."""
    dy = amp_px * smooth_noise(rng, scale_px)
    dx = amp_px * smooth_noise(rng, scale_px)
    rr, cc = np.mgrid[0 : field.shape[0], 0 : field.shape[1]].astype(float)
    return ndimage.map_coordinates(field, [rr + dy, cc + dx], order=1, mode="reflect")


# --------------------------------------------------------------------------
# Valleys and mountains
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Valley:
    """A valley as a control polyline of (x_km, y_km, floor_m, half_width_km, wall_m_per_km)."""

    name: str
    kind: str  # "main" | "side" | "remote" | "wild" (no villages)
    n_villages: int
    meander_km: float
    dish_m: float  # how much the floor rises from the river to the foot of the walls
    pts: tuple[tuple[float, float, float, float, float], ...]


# fmt: off
VALLEYS: tuple[Valley, ...] = (
    # The Grand Valley: ~55 km of flat floor NW -> SE, then the gorge to the south edge.
    Valley("Baliem", "main", 70, 1.0, 45.0, (
        (-17.0, 36.0, 1665, 2.5, 380), (-13.0, 26.0, 1645, 5.0, 380), (-7.0, 13.0, 1620, 6.2, 380),
        (-2.0, 3.0, 1600, 6.0, 380), (0.5, -5.0, 1585, 5.5, 390), (3.0, -12.0, 1565, 3.8, 420),
        (4.0, -18.0, 1545, 2.0, 480), (5.0, -24.0, 1490, 0.45, 650), (7.0, -33.0, 1430, 0.3, 700),
        (6.0, -42.0, 1375, 0.25, 700), (8.0, -54.0, 1310, 0.25, 700))),
    # Side valleys branching off the main floor (index 1 carries the fibre backbone north).
    Valley("North", "side", 14, 0.5, 50.0, (
        (-8.0, 16.0, 1640, 1.2, 420), (-3.5, 21.5, 1800, 0.8, 430), (0.0, 26.5, 2040, 0.45, 450),
        (2.0, 30.5, 1990, 0.9, 430), (3.0, 37.0, 1925, 1.2, 420), (6.0, 45.0, 1865, 1.1, 420),
        (8.0, 56.0, 1800, 1.0, 420))),
    Valley("East-Kurulu", "side", 8, 0.5, 50.0, (
        (2.0, 7.0, 1615, 1.3, 420), (9.0, 9.5, 1770, 0.9, 430), (15.0, 13.0, 1970, 0.6, 440),
        (20.0, 17.0, 2160, 0.35, 460))),
    Valley("West-Pugima", "side", 8, 0.5, 50.0, (
        (-8.0, 5.0, 1610, 1.4, 420), (-15.0, 2.0, 1800, 1.0, 430), (-21.0, -1.0, 1990, 0.7, 440),
        (-26.0, -4.0, 2180, 0.35, 460))),
    Valley("East-Tangma", "side", 7, 0.5, 50.0, (
        (3.5, -11.0, 1570, 1.2, 420), (10.0, -13.0, 1770, 0.9, 430), (16.0, -17.0, 1980, 0.6, 440),
        (21.0, -21.0, 2180, 0.35, 460))),
    Valley("South-Kurima", "side", 7, 0.5, 50.0, (
        (0.0, -9.0, 1585, 1.2, 420), (-5.0, -15.0, 1790, 0.9, 430), (-10.0, -21.0, 1990, 0.6, 440),
        (-13.0, -27.0, 2170, 0.35, 460))),
    Valley("Northwest-Bokondini", "side", 6, 0.5, 50.0, (
        (-11.0, 22.0, 1650, 1.2, 420), (-18.0, 24.0, 1830, 0.9, 430), (-24.0, 27.0, 2000, 0.6, 440),
        (-29.0, 31.0, 2190, 0.35, 460))),
    # Remote valleys behind the ridges, 30-50 km from town.
    Valley("West-Tiom", "remote", 11, 0.8, 70.0, (
        (-37.0, 33.0, 2060, 0.5, 430), (-35.5, 22.0, 1940, 1.3, 410), (-38.0, 11.0, 1870, 1.7, 400),
        (-42.0, 1.0, 1815, 1.5, 400), (-48.0, -6.0, 1760, 0.9, 420),
        (-57.0, -11.0, 1700, 0.7, 420))),
    Valley("Southwest-Mbua", "remote", 9, 0.8, 70.0, (
        (-13.0, -35.0, 2050, 0.45, 430), (-21.0, -38.5, 1870, 1.1, 410),
        (-29.0, -42.0, 1710, 1.2, 400), (-37.0, -47.0, 1570, 0.9, 420),
        (-46.0, -56.0, 1450, 0.7, 420))),
    Valley("East-Kelila", "remote", 7, 0.8, 70.0, (
        (31.0, 29.0, 2080, 0.5, 430), (36.0, 20.0, 1960, 1.2, 410), (40.0, 10.0, 1890, 1.5, 400),
        (45.0, 1.0, 1830, 1.2, 400), (55.0, -6.0, 1760, 0.9, 420))),
    Valley("North-Kanggime", "remote", 3, 0.6, 70.0, (
        (-26.0, 40.0, 2120, 0.45, 430), (-19.0, 44.0, 2000, 1.1, 410),
        (-12.0, 48.0, 1930, 1.1, 400), (-6.0, 56.0, 1860, 0.9, 420))),
    # Uninhabited gorges that drain the big mountain blocks off the map.
    Valley("Wild-Southeast", "wild", 0, 0.8, 0.0, (
        (31.0, 4.0, 2450, 0.3, 600), (28.0, -6.0, 2350, 0.35, 600), (35.0, -16.0, 2150, 0.35, 600),
        (43.0, -26.0, 1980, 0.35, 600), (53.0, -33.0, 1850, 0.35, 600))),
    Valley("Wild-Northeast", "wild", 0, 0.8, 0.0, (
        (29.0, 34.0, 2500, 0.3, 600), (37.0, 42.0, 2350, 0.35, 600),
        (44.0, 53.0, 2250, 0.35, 600))),
    Valley("Wild-West", "wild", 0, 0.8, 0.0, (
        (-24.0, -8.0, 2350, 0.35, 600), (-32.0, -12.0, 2200, 0.35, 600),
        (-40.0, -15.0, 2050, 0.35, 600), (-53.0, -22.0, 1900, 0.35, 600))),
)
# Massifs added to the ridge field: (x_km, y_km, extra_m, sigma_km).
MASSIFS = ((-30.0, -22.0, 900.0, 6.0), (24.0, -36.0, 400.0, 7.0), (-22.0, 14.0, 300.0, 6.0),
           (20.0, 36.0, 250.0, 7.0), (-8.0, -38.0, 550.0, 6.0))
# Where streams leave the map through the mountains: (x_km, y_km, base level m).
RIVER_EXITS = ((-30.0, 50.1, 2150.0), (24.0, 50.1, 2250.0), (50.0, 30.0, 2200.0),
               (50.0, -22.0, 2000.0), (34.0, -50.0, 1900.0), (-50.0, -32.0, 1950.0),
               (-50.0, 42.0, 2250.0))
# fmt: on
WALL_FOOT_KM = 0.6  # curvature of the floor-to-wall transition
VALLEY_REACH_KM = 15.0  # beyond this a valley wall is always above the mountains
CHANNEL_K = 0.8  # stream gradient S = K / sqrt(cells drained), clipped to 3-75 %


@dataclass
class Centreline:
    """Densified, meandering valley centreline with per-point attributes."""

    x: FloatArr
    y: FloatArr
    floor: FloatArr
    hw: FloatArr
    wall: FloatArr

    def nearest(self, x: float, y: float) -> int:
        """Index of the centreline point nearest to (x, y) km."""
        return int(np.argmin(np.hypot(self.x - x, self.y - y)))

    def arc(self) -> FloatArr:
        """Cumulative arc length (km) along the centreline."""
        return np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(self.x), np.diff(self.y)))])


def make_centreline(rng: np.random.Generator, v: Valley, step_km: float = 0.04) -> Centreline:
    """Densify a valley's control polyline and add a smooth lateral meander."""
    p = np.array(v.pts, dtype=float)
    s_ctrl = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(p[:, 0]), np.diff(p[:, 1])))])
    s = np.arange(0.0, s_ctrl[-1] + 1e-9, step_km)
    x, y, floor, hw, wall = (np.interp(s, s_ctrl, p[:, k]) for k in range(5))
    # Meander: smoothed white noise along the arc, zero at the start so that side
    # valleys join their parent where intended.
    wig = ndimage.gaussian_filter1d(rng.standard_normal(s.size), 2.0 / step_km, mode="nearest")
    wig = wig / (np.abs(wig).max() + 1e-12) * v.meander_km * np.clip(s / 3.0, 0.0, 1.0)
    tx, ty = np.gradient(x), np.gradient(y)
    tn = np.hypot(tx, ty) + 1e-12
    x, y = x - ty / tn * wig, y + tx / tn * wig
    # Round off the corners of the control polyline.
    x = ndimage.gaussian_filter1d(x, 1.2 / step_km, mode="nearest")
    y = ndimage.gaussian_filter1d(y, 1.2 / step_km, mode="nearest")
    return Centreline(x, y, floor, hw, wall)


def valley_fields(c: Centreline, xg: FloatArr, yg: FloatArr) -> dict[str, FloatArr]:
    """Per pixel: distance (km) to the centreline and the nearest point's attributes."""
    tree = cKDTree(np.column_stack([c.x, c.y]))
    dist, idx = tree.query(
        np.column_stack([xg.ravel(), yg.ravel()]), distance_upper_bound=VALLEY_REACH_KM
    )
    far = ~np.isfinite(dist)
    dist[far] = 2.0 * VALLEY_REACH_KM
    idx[far] = 0
    out = {"dist": dist.reshape(SHAPE)}
    for key in ("floor", "hw", "wall"):
        out[key] = getattr(c, key)[idx].reshape(SHAPE)
    return out


def wall_profile(u: FloatArr, slope: FloatArr) -> FloatArr:
    """Height above the floor at u km beyond the floor edge: curved foot, then ~slope m/km."""
    up = np.maximum(u, 0.0)
    return slope * up * up / (up + WALL_FOOT_KM)


def soft_min(a: FloatArr, b: FloatArr, k: float) -> FloatArr:
    """Smooth minimum (rounds the crease where two valley walls meet); k in metres."""
    return np.minimum(a, b) - k * np.log1p(np.exp(-np.abs(a - b) / k))


def carve_drainage(
    rng: np.random.Generator, elev: FloatArr, outlet: BoolArr, factor: int = 3
) -> FloatArr:
    """Depth (m) to cut a dendritic stream network into ``elev``.

    On a grid ``factor`` times coarser, a priority flood from the outlets
    (valley floors and RIVER_EXITS) gives every cell a downstream neighbour,
    and flow accumulation the drained area A in cells.  Integrating the
    gradient S = CHANNEL_K / sqrt(A) upstream from the outlets gives a graded
    surface; wherever it lies below ``elev`` the terrain is cut down to it,
    which leaves incised gullies and sharp divides instead of noise pits.
    """
    h, w = elev.shape[0] // factor, elev.shape[1] // factor

    def coarsen(a: NDArray) -> FloatArr:
        return a[: h * factor, : w * factor].reshape(h, factor, w, factor).mean(axis=(1, 3))

    coarse = coarsen(elev)
    is_out = coarsen(outlet.astype(float)) > 0.5
    base = coarse.copy()
    for ex, ey, z in RIVER_EXITS:
        r, q = km_to_pixel(ex, ey)
        r, q = min(max(int(r) // factor, 0), h - 1), min(max(int(q) // factor, 0), w - 1)
        is_out[r, q] = True
        base[r, q] = min(base[r, q], z)
    flat, base = coarse.ravel(), base.ravel()
    n = flat.size
    # Roughened priorities and random tie-breaks keep flood paths across flats from
    # running in straight lines.
    prio = flat + 40.0 * ndimage.gaussian_filter(rng.standard_normal((h, w)), 0.7).ravel()
    tie = rng.permutation(n)
    recv = np.full(n, -1, dtype=np.int64)
    step_km = np.zeros(n)
    seen = is_out.ravel().copy()
    heap = [(float(base[i]), int(tie[i]), int(i)) for i in np.flatnonzero(seen)]
    heapq.heapify(heap)
    order: list[int] = []
    cell_km = factor * PX_KM_X
    while heap:
        z, _, c = heapq.heappop(heap)
        order.append(c)
        r, q = divmod(c, w)
        for dr in (-1, 0, 1):
            for dq in (-1, 0, 1):
                rr, qq = r + dr, q + dq
                if (dr or dq) and 0 <= rr < h and 0 <= qq < w and not seen[rr * w + qq]:
                    m = rr * w + qq
                    seen[m] = True
                    recv[m] = c
                    step_km[m] = cell_km * (math.sqrt(2.0) if dr and dq else 1.0)
                    heapq.heappush(heap, (max(float(prio[m]), z + 0.5), int(tie[m]), m))
    acc = np.ones(n)
    for c in reversed(order):
        if recv[c] >= 0:
            acc[recv[c]] += acc[c]
    grad = np.clip(CHANNEL_K / np.sqrt(acc), 0.03, 0.75) * 1000.0  # m per km
    chan = base.copy()
    for c in order:
        if recv[c] >= 0:
            chan[c] = chan[recv[c]] + grad[c] * step_km[c]
    depth = ndimage.gaussian_filter(np.maximum(flat - chan, 0.0).reshape(h, w), 1.0)
    full = ndimage.zoom(depth, factor, order=3, mode="nearest")
    out = np.zeros_like(elev)
    out[: full.shape[0], : full.shape[1]] = full[: elev.shape[0], : elev.shape[1]]
    return np.maximum(out, 0.0)


@dataclass
class Terrain:
    """Elevation plus the helper layers used to place people and sites."""

    elev: NDArray[np.int16]
    slope_deg: FloatArr
    label: NDArray[np.int16]  # index into VALLEYS of the governing valley, -1 = mountains
    u: FloatArr  # km beyond the floor edge of the nearest valley (< 0: on a floor)
    lake: BoolArr
    lines: list[Centreline]


def build_terrain(rng: np.random.Generator) -> Terrain:
    """Mountains carved by valleys and streams, with multi-octave ruggedness."""
    xg, yg = pixel_km_grids()
    # Independent child streams: tuning one component leaves the others unchanged.
    r_lines, r_mass, r_edges, r_carve, r_rug = rng.spawn(5)
    lines = [
        make_centreline(r, v) for r, v in zip(r_lines.spawn(len(VALLEYS)), VALLEYS, strict=True)
    ]

    # Mountain mass: warped ridged noise (ranges + spurs), a broad swell, massifs.
    ranges = ridged_fbm(r_mass, [200, 100, 50], stretch=1.6, gain=0.6)
    spurs = ridged_fbm(r_mass, [36, 18, 9], gain=0.55)
    mass = 3100.0 + domain_warp(r_mass, 300.0 * ranges + 300.0 * spurs, 90, 20)
    mass += 110.0 * smooth_noise(r_mass, 360)
    for mx, my, amp, sig in MASSIFS:
        mass += amp * np.exp(-((xg - mx) ** 2 + (yg - my) ** 2) / (2 * sig * sig))
    # Fold (not clamp) anything below 2,500 m back up: no basins and no flat plateaus.
    mass = 2500.0 + np.hypot(mass - 2500.0, 120.0) - 120.0

    # Valley surfaces; ragged edges (spurs and bays), calmer right around the town.
    near_town = np.clip(np.hypot(xg, yg) / 6.0, 0.25, 1.0)
    edge = (0.6 * smooth_noise(r_edges, 40) + 0.25 * smooth_noise(r_edges, 12)) * near_town
    floor_noise = 10.0 * smooth_noise(r_edges, 40) + 5.0 * smooth_noise(r_edges, 8)
    hummocks = 35.0 * np.clip(smooth_noise(r_edges, 10) - 0.5, 0.0, None) ** 1.5
    best = np.full(SHAPE, np.inf)
    label = np.full(SHAPE, -1, dtype=np.int16)
    u_min = np.full(SHAPE, np.inf)
    for i, (v, c) in enumerate(zip(VALLEYS, lines, strict=True)):
        f = valley_fields(c, xg, yg)
        u = f["dist"] - f["hw"] + edge
        dish = v.dish_m * np.clip(f["dist"] / np.maximum(f["hw"], 0.1), 0.0, 1.3) ** 2
        surf = f["floor"] + dish + wall_profile(u, f["wall"])
        label[surf < best] = i
        u_min = np.minimum(u_min, u)
        best = surf if i == 0 else soft_min(best, surf, 80.0)
    label[mass <= best] = -1
    elev = np.minimum(mass, best)

    # Knobbly walls first, so the streams do not run down them in parallel combs;
    # then streams cut gullies that fade out into fans at the valley floors.
    knobs = 70.0 * smooth_noise(r_carve, 12) + 50.0 * smooth_noise(r_carve, 24)
    elev += knobs * np.clip(u_min / 1.5, 0.0, 1.0)
    carve = carve_drainage(r_carve, elev, (label >= 0) & (u_min < -0.2))
    elev -= carve * np.clip((u_min - 0.2) / 1.5, 0.0, 1.0)

    # Fine ruggedness on the slopes; gentle hummocks and terraces on the floors.
    rug = 45.0 * ridged_fbm(r_rug, [12, 6, 3])
    on_slope = np.clip((u_min + 0.3) / 1.8, 0.0, 1.0) ** 1.5
    on_floor = 1.0 - np.clip((u_min + 0.2) / 0.6, 0.0, 1.0)
    elev += rug * on_slope + (floor_noise + hummocks) * on_floor
    elev = ndimage.gaussian_filter(elev, 0.6)

    # A small lake (~30 pixels) on the valley floor NW of the town, flat water surface.
    k = lines[0].nearest(-6.0, 12.0)
    lx, ly = lines[0].x[k] + 1.5, lines[0].y[k] - 0.6
    lake = np.hypot((xg - lx) / PX_KM_X, (yg - ly) / PX_KM_Y) <= 3.1
    elev[lake] = np.floor(elev[lake].min()) - 2.0

    elev_i = np.rint(elev).astype(np.int16)
    gy, gx = np.gradient(elev_i.astype(float), PX_KM_Y * 1000.0, PX_KM_X * 1000.0)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    return Terrain(elev_i, slope, label, u_min, lake, lines)


# --------------------------------------------------------------------------
# Settlements
# --------------------------------------------------------------------------
ONSETS = ["k", "h", "w", "p", "y", "m", "n", "l", "t", "g", "b", "s", "j", "k", "w", "l", "gw"]
VOWELS = ["a", "a", "a", "i", "i", "u", "u", "o", "e"]
# A nasal may close a syllable before a stop: Kimbim, Tangma, Yalengga, Kenyam.
NASAL_BEFORE = {"b": "m", "p": "m", "k": "n", "g": "n", "t": "n", "j": "n"}


def make_names(rng: np.random.Generator, n: int, taken: set[str]) -> list[str]:
    """Unique Dani/Lani-flavoured place names built from CV syllables."""
    names: list[str] = []
    while len(names) < n:
        nsyl = int(rng.choice([2, 2, 3, 3, 3, 4]))
        onsets = [str(rng.choice(ONSETS)) for _ in range(nsyl)]
        if rng.random() < 0.15:
            onsets[0] = ""  # vowel-initial: Akima, Ibele, Elege
        name = ""
        for k, on in enumerate(onsets):
            if k > 0 and on in NASAL_BEFORE and rng.random() < 0.2:
                name += NASAL_BEFORE[on]
            name += on + str(rng.choice(VOWELS))
        name = name.capitalize()
        doubled = any(name[i] == name[i + 1] for i in range(len(name) - 1))
        if 4 <= len(name) <= 10 and not doubled and name not in taken:
            taken.add(name)
            names.append(name)
    return names


def abbrev(name: str) -> str:
    """Three-letter code: first three consonants ("Kurulu" -> "KRL"), else first letters."""
    cons = [ch for ch in name.upper() if ch not in "AEIOU"]
    return "".join(cons[:3]) if len(cons) >= 3 else name[:3].upper()


@dataclass
class Settlement:
    """The town or a village, with its exact population."""

    sid: str
    name: str
    x: float
    y: float
    population: int
    region_code: str = ""

    @property
    def lonlat(self) -> tuple[float, float]:
        """Centre as rounded (lon, lat)."""
        return lonlat6(self.x, self.y)


def town_layer(rng: np.random.Generator, t: Terrain) -> FloatArr:
    """Wamena: dense core plus fringe, elongated along the valley; sums to TOWN_POP."""
    xg, yg = pixel_km_grids()
    main = t.lines[0]
    k = main.nearest(0.0, 0.0)
    ang = math.atan2(main.y[k + 5] - main.y[k - 5], main.x[k + 5] - main.x[k - 5])
    a = xg * math.cos(ang) + yg * math.sin(ang)  # along the valley
    b = -xg * math.sin(ang) + yg * math.cos(ang)  # across the valley
    r = np.hypot(a / 1.3, b / 0.8)
    dens = 0.45 * np.exp(-0.5 * (r / 0.45) ** 2) / 0.2 + 0.55 * np.exp(-r / 0.75) / 0.56
    dens *= np.exp(0.35 * smooth_noise(rng, 3))
    # Ragged edge: the built-up area ends 3-4 km out, a little farther along the valley.
    reach = 3.3 + 0.4 * np.clip(smooth_noise(rng, 30), -1.5, 1.5)
    dens *= np.clip(reach - np.hypot(a / 1.1, b / 0.9), 0.0, 1.0)
    dens[(t.slope_deg > 20.0) | t.lake] = 0.0
    return dens * (TOWN_POP / dens.sum())


def village_sites(
    rng: np.random.Generator, t: Terrain
) -> tuple[list[tuple[float, float, int]], int, int]:
    """Village centres (x_km, y_km, valley index) plus the indices of the two pinned ones.

    Pinned: a village on the North valley ~30 km from town (northern fibre POP)
    and the southern district ~8 km down the main valley (end of the fibre spur).
    """
    xg, yg = pixel_km_grids()
    main, north = t.lines[0], t.lines[1]
    kn = int(np.argmin(np.abs(np.hypot(north.x, north.y) - 30.0) + 100.0 * (north.y < 20.0)))
    arc = main.arc()
    ks = int(np.searchsorted(arc, arc[main.nearest(0.0, 0.0)] + 8.0))
    pts = [(float(north.x[kn]), float(north.y[kn]), 1), (float(main.x[ks]), float(main.y[ks]), 0)]

    # Valley floors and lower slopes only: below 2,350 m, gentle, near a floor.
    ok = (t.elev < 2350) & (t.slope_deg < 14.0) & (t.u < 1.0)
    ok &= ~ndimage.binary_dilation(t.lake, iterations=6) & (np.hypot(xg, yg) > 4.2)
    ok &= (np.abs(xg) < 49.0) & (yg > -49.0) & (yg < 49.5) & (np.hypot(xg, yg) < 50.0)
    weight = np.where(t.u < 0.0, 1.0, 0.55).ravel()
    for vi, v in enumerate(VALLEYS):
        need = v.n_villages - sum(1 for p in pts if p[2] == vi)
        cand = np.flatnonzero(ok & (t.label == vi))
        if need <= 0:
            continue
        if cand.size == 0:
            raise RuntimeError(f"no village candidates in valley {v.name}")
        p = weight[cand] / weight[cand].sum()
        min_sep = 1.1 if v.kind == "main" else 0.8
        for _ in range(20_000):
            i = cand[int(rng.choice(cand.size, p=p))]
            x = float(xg.flat[i] + rng.uniform(-0.45, 0.45) * PX_KM_X)
            y = float(yg.flat[i] + rng.uniform(-0.45, 0.45) * PX_KM_Y)
            if all(math.hypot(x - a, y - b) >= min_sep for a, b, _ in pts):
                pts.append((x, y, vi))
                need -= 1
                if need == 0:
                    break
        else:
            raise RuntimeError(f"could not place villages in {v.name}")
    return pts, 0, 1


def village_populations(rng: np.random.Generator, n: int) -> NDArray[np.int64]:
    """Right-skewed sizes: most 100-600, a few above 1,500, all within 50-2,000."""
    pops = np.clip(np.rint(np.exp(rng.normal(math.log(330.0), 0.62, n))), 50, 2000)
    pops = pops.astype(np.int64)
    pops[rng.choice(n, 2, replace=False)] = rng.integers(1550, 1950, 2)  # make sure of a tail
    return pops


def village_blob(
    rng: np.random.Generator, v: Settlement, lake: BoolArr
) -> tuple[tuple[slice, slice], FloatArr]:
    """Gaussian blob (sigma 80-250 m) around the centre, holding exactly v.population."""
    sigma_km = float(rng.uniform(0.08, 0.25))
    rc, cc = km_to_pixel(v.x, v.y)
    rad = math.ceil(3 * sigma_km / PX_KM_X) + 1
    r0, r1 = max(round(rc) - rad, 0), min(round(rc) + rad + 1, HEIGHT)
    c0, c1 = max(round(cc) - rad, 0), min(round(cc) + rad + 1, WIDTH)
    rr, qq = np.mgrid[r0:r1, c0:c1]
    w = np.exp(-0.5 * (((rr - rc) * PX_KM_Y) ** 2 + ((qq - cc) * PX_KM_X) ** 2) / sigma_km**2)
    w[lake[r0:r1, c0:c1]] = 0.0
    return (slice(r0, r1), slice(c0, c1)), w * (v.population / w.sum())


def remote_hamlets(
    rng: np.random.Generator, t: Terrain, taken: set[str]
) -> list[tuple[Settlement, str]]:
    """The REMOTE_HAMLETS, each on the flattest habitable pixel near its target.

    Returns (settlement, POI type) pairs with ids ``H001``...; names avoid ``taken``.
    """
    xg, yg = pixel_km_grids()
    ok = (t.elev < 2500) & (t.slope_deg < 12.0) & ~t.lake
    names = make_names(rng, len(REMOTE_HAMLETS), taken)
    out = []
    for k, ((tx, ty, people, poi), name) in enumerate(zip(REMOTE_HAMLETS, names, strict=True)):
        dist = np.where(ok, np.hypot(xg - tx, yg - ty), np.inf)
        i = int(np.argmin(dist))
        if dist.flat[i] > 3.0:
            raise RuntimeError(f"no habitable ground near remote hamlet {k + 1}")
        hamlet = Settlement(f"H{k + 1:03d}", name, float(xg.flat[i]), float(yg.flat[i]), people)
        out.append((hamlet, poi))
    return out


def remote_blob(
    rng: np.random.Generator, s: Settlement, lake: BoolArr
) -> tuple[tuple[slice, slice], FloatArr]:
    """A tight Gaussian cluster (sigma 40-70 m) holding exactly s.population."""
    sigma_km = float(rng.uniform(*REMOTE_SIGMA_KM))
    rc, cc = km_to_pixel(s.x, s.y)
    rad = math.ceil(3 * sigma_km / PX_KM_X) + 1
    r0, c0 = round(rc) - rad, round(cc) - rad
    rr, qq = np.mgrid[r0 : r0 + 2 * rad + 1, c0 : c0 + 2 * rad + 1]
    w = np.exp(-0.5 * (((rr - rc) * PX_KM_Y) ** 2 + ((qq - cc) * PX_KM_X) ** 2) / sigma_km**2)
    window = (slice(r0, r0 + 2 * rad + 1), slice(c0, c0 + 2 * rad + 1))
    w[lake[window]] = 0.0
    return window, w * (s.population / w.sum())


def hamlet_layer(rng: np.random.Generator, t: Terrain, target: int) -> tuple[FloatArr, int]:
    """Isolated pixels of 1-10 people, about ``target`` in total; returns (layer, count)."""
    xg, yg = pixel_km_grids()
    ok = (t.elev < 2600) & (t.slope_deg < 25.0) & ~t.lake & (np.hypot(xg, yg) > 4.5)
    w = np.where(ok, np.exp(-np.clip(t.u, 0.0, 20.0) / 1.5), 0.0).ravel()
    size_p = np.array([10, 10, 9, 8, 7, 6, 5, 4, 3, 2]) / 64.0
    sizes: list[int] = []
    while sum(sizes) < target:
        sizes.append(int(rng.choice(np.arange(1, 11), p=size_p)))
    # Weighted sampling of distinct pixels (Gumbel top-k).
    keys = np.where(w > 0, np.log(np.maximum(w, 1e-300)) + rng.gumbel(size=w.size), -np.inf)
    layer = np.zeros(w.size)
    layer[np.argsort(-keys, kind="stable")[: len(sizes)]] = sizes
    return layer.reshape(SHAPE), len(sizes)


# --------------------------------------------------------------------------
# Regencies
# --------------------------------------------------------------------------
# fmt: off
REGENCIES = (  # name, code (synthetic), Voronoi seeds in km
    ("Jayawijaya", "95.02", ((1.0, 0.0), (-12.0, 20.0), (7.0, -20.0), (28.0, 8.0))),
    ("Tolikara", "95.04", ((-18.0, 54.0), (14.0, 56.0))),
    ("Lanny Jaya", "95.05", ((-42.0, 12.0), (-40.0, -12.0))),
    ("Nduga", "95.07", ((-24.0, -42.0), (2.0, -54.0))),
)
# fmt: on


def jitter_line(
    rng: np.random.Generator, a: tuple, b: tuple, amp_deg: float, step_deg: float = 0.004
) -> LineString:
    """Straight border a-b, densified and pushed sideways by a smooth wiggle (ends fixed)."""
    (x0, y0), (x1, y1) = a, b
    length = math.hypot(x1 - x0, y1 - y0)
    n = max(int(length / step_deg), 2)
    t = np.linspace(0.0, 1.0, n + 1)
    wig = ndimage.gaussian_filter1d(rng.standard_normal(n + 1), 6.0, mode="nearest")
    wig += 0.35 * ndimage.gaussian_filter1d(rng.standard_normal(n + 1), 1.5, mode="nearest") / 0.45
    wig *= amp_deg / (np.abs(wig).max() + 1e-12) * np.sin(np.pi * t) ** 0.6
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length
    xs, ys = x0 + t * (x1 - x0) + nx * wig, y0 + t * (y1 - y0) + ny * wig
    xs[0], ys[0], xs[-1], ys[-1] = x0, y0, x1, y1
    return LineString(np.column_stack([xs, ys]))


def round_polygon(p: Polygon) -> Polygon:
    """Round vertices to 6 decimals, drop repeats, orient counter-clockwise (RFC 7946)."""

    def ring(coords: Any) -> list[tuple[float, float]]:
        pts: list[tuple[float, float]] = []
        for x, y in coords:
            q = (r6(x), r6(y))
            if not pts or q != pts[-1]:
                pts.append(q)
        return pts

    return orient(Polygon(ring(p.exterior.coords), [ring(i.coords) for i in p.interiors]), 1.0)


def check_tiling(polys: list[Polygon], extent: Polygon) -> None:
    """Raise unless the polygons are valid, disjoint and cover the extent exactly."""
    if not all(p.is_valid and p.geom_type == "Polygon" for p in polys):
        raise RuntimeError("invalid regency polygon")
    for i in range(len(polys)):
        for j in range(i + 1, len(polys)):
            if polys[i].intersection(polys[j]).area > 1e-12:
                raise RuntimeError("regencies overlap")
    if ops.unary_union(polys).symmetric_difference(extent).area > 1e-12:
        raise RuntimeError("regencies leave gaps")


def build_regencies(rng: np.random.Generator) -> list[tuple[str, str, Polygon]]:
    """Four polygons that tile the raster extent exactly, with wiggly shared borders.

    Voronoi cells of the seeds are merged per regency; each border segment
    between different regencies is jittered once, so neighbours share it
    exactly; polygonizing the jittered borders plus the extent outline gives
    faces that tile the extent by construction.
    """
    extent = box(WEST, SOUTH, EAST, NORTH)
    big = box(WEST - 1.0, SOUTH - 1.0, EAST + 1.0, NORTH + 1.0)
    seeds, labels = [], []
    for li, (_, _, pts) in enumerate(REGENCIES):
        for x, y in pts:
            seeds.append(Point(*lonlat6(x, y)))
            labels.append(li)
    cells = [
        c.intersection(big)
        for c in voronoi_polygons(MultiPoint(seeds), extend_to=big, ordered=True).geoms
    ]
    borders: list[LineString] = []
    for i in range(len(cells)):
        for j in range(i + 1, len(cells)):
            if labels[i] == labels[j]:
                continue
            inter = cells[i].boundary.intersection(cells[j].boundary)
            parts = [g for g in getattr(inter, "geoms", [inter]) if g.geom_type == "LineString"]
            parts = [g for g in parts if g.length > 0]
            if parts:
                shared = ops.linemerge(parts)
                for g in getattr(shared, "geoms", [shared]):
                    line = jitter_line(rng, g.coords[0], g.coords[-1], 0.022)
                    borders.append(line.intersection(extent))
    faces = list(ops.polygonize(ops.unary_union([*borders, extent.boundary])))
    merged = [
        ops.unary_union([c for c, lb in zip(cells, labels, strict=True) if lb == li])
        for li in range(len(REGENCIES))
    ]
    groups: list[list[Polygon]] = [[] for _ in REGENCIES]
    for f in faces:
        groups[int(np.argmax([f.intersection(m).area for m in merged]))].append(f)
    out = []
    for (name, code, _), group in zip(REGENCIES, groups, strict=True):
        poly = ops.unary_union(group)
        if poly.geom_type != "Polygon":
            raise RuntimeError(f"regency {name} is not a single polygon")
        out.append((name, code, round_polygon(poly)))
    check_tiling([p for _, _, p in out], extent)
    return out


# --------------------------------------------------------------------------
# Cell sites, fibre, POIs
# --------------------------------------------------------------------------
def floor_point(t: Terrain, x: float, y: float) -> tuple[float, float]:
    """Nearest main-valley floor pixel centre (away from the lake) to (x, y) km."""
    xg, yg = pixel_km_grids()
    ok = (t.label == 0) & (t.u < -0.3) & ~ndimage.binary_dilation(t.lake, iterations=4)
    i = int(np.argmin(np.where(ok, np.hypot(xg - x, yg - y), np.inf)))
    return float(xg.flat[i]), float(yg.flat[i])


def tower_sites(t: Terrain) -> list[tuple[float, float, int]]:
    """11 LTE sites (x_km, y_km, TAC): 4 in/around Wamena, 7 along the main valley floor."""
    main = t.lines[0]
    arc = main.arc()
    s0 = arc[main.nearest(0.0, 0.0)]
    sites = [
        (*floor_point(t, dx, dy), 4301)
        for dx, dy in ((0.25, 0.15), (-1.5, 1.3), (1.4, -1.2), (-0.6, -2.3))
    ]
    # (km down-valley from town, km to the side of the centreline, TAC)
    for along, side, tac in (
        (-6.0, 1.2, 4302), (-11.0, -1.5, 4302), (-16.5, 1.0, 4302), (-22.0, -0.8, 4302),
        (6.5, -1.0, 4303), (12.0, 1.0, 4303), (17.0, 0.0, 4303),
    ):  # fmt: skip
        k = int(np.searchsorted(arc, s0 + along))
        tx, ty = main.x[k + 3] - main.x[k - 3], main.y[k + 3] - main.y[k - 3]
        n = math.hypot(tx, ty)
        sites.append((*floor_point(t, main.x[k] - ty / n * side, main.y[k] + tx / n * side), tac))
    return sites


def jitter_lonlat(
    rng: np.random.Generator, lon: float, lat: float, dmin: float, dmax: float
) -> tuple[float, float]:
    """Move a point dmin-dmax metres in a random direction (WGS84 geodesic); rounded."""
    az = float(rng.uniform(0.0, 360.0))
    lo, la, _ = GEOD.fwd(lon, lat, az, float(rng.uniform(dmin, dmax)))
    return r6(lo), r6(la)


def tower_rows(rng: np.random.Generator, sites: list[tuple[float, float, int]]) -> list[list]:
    """OpenCelliD-style rows: 2-3 LTE sectors per site, plus 3 GSM cells on 2 sites."""
    rows: list[list] = []
    pcis = rng.permutation(504)
    for si, (x, y, tac) in enumerate(sites):
        lon, lat = lonlat6(x, y)
        enb = 120101 + si
        in_town = tac == 4301
        for sector in range(1, int(rng.choice([2, 3, 3])) + 1):
            clon, clat = jitter_lonlat(rng, lon, lat, 30.0, 150.0)
            created = int(rng.integers(1_500_000_000, 1_690_000_000))
            updated = int(rng.integers(created + 86_400, 1_749_000_000))
            reach = int(rng.integers(1000, 2600) if in_town else rng.integers(2500, 6001))
            samples = int(rng.integers(60, 301) if in_town else rng.integers(5, 120))
            pci = int(pcis[len(rows)])
            rows.append(["LTE", 510, 10, tac, enb * 256 + sector, pci, clon, clat,
                         reach, samples, 1, created, updated, 0])  # fmt: skip
    for si, cell in ((0, 3011), (0, 3012), (6, 3061)):  # legacy 2G on two of the sites
        lon, lat = lonlat6(sites[si][0], sites[si][1])
        clon, clat = jitter_lonlat(rng, lon, lat, 30.0, 150.0)
        created = int(rng.integers(1_500_000_000, 1_600_000_000))
        updated = int(rng.integers(created + 86_400, 1_749_000_000))
        reach, samples = int(rng.integers(3000, 6001)), int(rng.integers(5, 80))
        rows.append(["GSM", 510, 10, 10301, cell, -1, clon, clat,
                     reach, samples, 1, created, updated, 0])  # fmt: skip
    rows.sort(key=lambda r: (r[0], r[4]))
    return rows


def fibre_routes(
    t: Terrain, north_vil: Settlement, south_vil: Settlement
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Backbone: northern edge -> North valley -> main valley -> Wamena; spur Wamena -> south.

    A vertex every ~2.5 km along the valley centrelines; the POP villages and
    Wamena are vertices themselves.
    """
    main, north = t.lines[0], t.lines[1]
    step = round(2.5 / 0.04)  # centreline points are 40 m apart
    lon_n, lat_n = km_to_lonlat(north.x, north.y)
    lon_m, lat_m = km_to_lonlat(main.x, main.y)
    k_edge = int(np.flatnonzero(lat_n <= NORTH)[-1])  # North runs south -> north
    f = (NORTH - lat_n[k_edge]) / (lat_n[k_edge + 1] - lat_n[k_edge])
    backbone = [(float(lon_n[k_edge] + f * (lon_n[k_edge + 1] - lon_n[k_edge])), NORTH)]
    kv = north.nearest(north_vil.x, north_vil.y)
    backbone += [(lon_n[k], lat_n[k]) for k in range(k_edge - step // 2, kv + step // 3, -step)]
    backbone.append(north_vil.lonlat)
    backbone += [(lon_n[k], lat_n[k]) for k in range(kv - step, -1, -step)]
    k_join, k_town = main.nearest(north.x[0], north.y[0]), main.nearest(0.0, 0.0)
    backbone += [(lon_m[k], lat_m[k]) for k in range(k_join, k_town - step // 2, step)]
    backbone.append((TOWN_LON, TOWN_LAT))
    k_south = main.nearest(south_vil.x, south_vil.y)
    spur = [(TOWN_LON, TOWN_LAT)]
    spur += [
        (lon_m[k], lat_m[k]) for k in range(k_town + step // 2, k_south - step // 3, step // 2)
    ]
    spur.append(south_vil.lonlat)
    return [(r6(a), r6(b)) for a, b in backbone], [(r6(a), r6(b)) for a, b in spur]


def make_pois(
    rng: np.random.Generator, town: Settlement, villages: list[Settlement]
) -> list[dict[str, Any]]:
    """WiFi candidates 20-80 m from their settlement's centre.

    Every village has an office, ~60 % a school and ~15 % a health centre; the
    town has a hospital, a puskesmas and three schools.
    """
    pois: list[dict[str, Any]] = []

    def add(typ: str, name: str, s: Settlement) -> None:
        pos = jitter_lonlat(rng, *s.lonlat, 20.0, 80.0)
        pois.append({"id": f"P{len(pois) + 1:04d}", "type": typ, "name": name,
                     "village_id": s.sid, "pos": pos})  # fmt: skip

    for typ, name in (
        ("health", "RSUD Wamena"), ("health", "Puskesmas Wamena Kota"),
        ("school", "SD Negeri 1 Wamena"), ("school", "SMP Negeri 1 Wamena"),
        ("school", "SMA Negeri 1 Wamena"),
    ):  # fmt: skip
        add(typ, name, town)
    n = len(villages)
    school = set(rng.choice(n, round(0.6 * n), replace=False).tolist())
    health = set(rng.choice(n, round(0.15 * n), replace=False).tolist())
    for i, v in enumerate(villages):
        add("village_office", f"Kantor Desa {v.name}", v)
        if i in school:
            prefix = str(rng.choice(["SD Inpres", "SD Inpres", "SD Inpres", "SD YPPK", "SD YPPGI"]))
            add("school", f"{prefix} {v.name}", v)
        if i in health:
            add("health", f"Puskesmas {v.name}", v)
    return pois


def remote_pois(
    rng: np.random.Generator, hamlets: list[tuple[Settlement, str]], first: int
) -> list[dict[str, Any]]:
    """One school or health post 20-60 m from each remote hamlet's centre, ids from ``first``."""
    pois = []
    for k, (h, typ) in enumerate(hamlets):
        name = f"SD Inpres {h.name}" if typ == "school" else f"Pustu {h.name}"
        pos = jitter_lonlat(rng, *h.lonlat, 20.0, 60.0)
        pois.append({"id": f"P{first + k:04d}", "type": typ, "name": name,
                     "village_id": h.sid, "pos": pos})  # fmt: skip
    return pois


# --------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------
def feature(geometry: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    """GeoJSON Feature."""
    return {"type": "Feature", "properties": props, "geometry": geometry}


def point(lonlat: tuple[float, float]) -> dict[str, Any]:
    """GeoJSON Point geometry, 6-decimal coordinates."""
    return {"type": "Point", "coordinates": [r6(lonlat[0]), r6(lonlat[1])]}


def write_geojson(name: str, features: list[dict[str, Any]]) -> None:
    """RFC 7946 FeatureCollection (no crs member), one feature per line."""
    body = ",\n".join(json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in features)
    text = '{"type":"FeatureCollection","features":[\n' + body + "\n]}\n"
    (OUT_DIR / name).write_text(text, encoding="utf-8")


def write_csv(name: str, header: list[str], rows: list[list[Any]]) -> None:
    """CSV with LF line ends; floats as 6-decimal fixed point."""
    with open(OUT_DIR / name, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([f"{v:.6f}" if isinstance(v, float) else v for v in r])


def write_raster(name: str, arr: NDArray, dtype: str, nodata: float, predictor: int) -> None:
    """Single-band GeoTIFF on the region grid: DEFLATE, 256 x 256 tiles."""
    profile = {
        "driver": "GTiff", "width": WIDTH, "height": HEIGHT, "count": 1, "dtype": dtype,
        "crs": CRS, "transform": TRANSFORM, "nodata": nodata, "compress": "deflate",
        "predictor": predictor, "zlevel": 6, "tiled": True, "blockxsize": 256, "blockysize": 256,
    }  # fmt: skip
    with rasterio.open(OUT_DIR / name, "w", **profile) as dst:
        dst.write(arr.astype(dtype), 1)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------
def main() -> None:
    """Build everything, check the invariants, write the files, print a summary."""
    rng = np.random.default_rng(SEED)
    r_terrain, r_people, r_regions, r_sites = rng.spawn(4)
    (r_remote,) = rng.spawn(1)  # a fifth stream: the remote hamlets leave the rest unchanged
    assert sum(v.n_villages for v in VALLEYS) == N_VILLAGES

    # --- terrain ---------------------------------------------------------------
    terrain = build_terrain(r_terrain)
    elev, lake = terrain.elev, terrain.lake
    assert 20 <= int(lake.sum()) <= 40, "lake size"

    # --- people ----------------------------------------------------------------
    town_pop = town_layer(r_people, terrain)
    pts, i_north, i_south = village_sites(r_people, terrain)
    pops = village_populations(r_people, len(pts))
    names = make_names(r_people, len(pts), {TOWN_NAME})
    order = sorted(range(len(pts)), key=lambda i: (-round(pts[i][1], 3), round(pts[i][0], 3)))
    villages = [  # ids run north -> south
        Settlement(f"V{n:03d}", names[i], pts[i][0], pts[i][1], int(pops[i]))
        for n, i in enumerate(order, start=1)
    ]
    north_vil, south_vil = villages[order.index(i_north)], villages[order.index(i_south)]
    town = Settlement(TOWN_ID, TOWN_NAME, 0.0, 0.0, TOWN_POP)

    people = town_pop.copy()
    for v in villages:
        window, blob = village_blob(r_people, v, lake)
        people[window] += blob
    village_total = sum(v.population for v in villages)
    target = round(HAMLET_SHARE / (1.0 - HAMLET_SHARE) * (TOWN_POP + village_total))
    hamlets, n_hamlets = hamlet_layer(r_people, terrain, target)
    hamlet_total = int(hamlets.sum())
    people += hamlets
    remote = remote_hamlets(r_remote, terrain, {TOWN_NAME, *(v.name for v in villages)})
    for h, _ in remote:
        window, blob = remote_blob(r_remote, h, lake)
        people[window] += blob
    remote_total = sum(h.population for h, _ in remote)
    total = TOWN_POP + village_total + hamlet_total + remote_total
    assert float(people[lake].sum()) == 0.0
    pop_raster = people.astype(np.float32)
    pop_raster[lake] = POP_NODATA
    raster_sum = float(pop_raster[~lake].sum(dtype=np.float64))
    assert abs(raster_sum - total) / total < 1e-4, (raster_sum, total)

    # --- regencies ---------------------------------------------------------------
    regencies = build_regencies(r_regions)
    for s in [town, *villages, *(h for h, _ in remote)]:
        codes = [code for _, code, poly in regencies if poly.contains(Point(*s.lonlat))]
        assert len(codes) == 1, f"{s.sid} lies in {len(codes)} regencies"
        s.region_code = codes[0]
    assert town.region_code == "95.02"
    reg_id = rasterize(
        [(poly, k) for k, (_, _, poly) in enumerate(regencies, start=1)],
        out_shape=SHAPE, transform=TRANSFORM, fill=0, dtype="uint8",
    )  # fmt: skip
    assert not (reg_id == 0).any()

    # --- cell sites, fibre, POIs -------------------------------------------------
    sites = tower_sites(terrain)
    for x, y, _ in sites:
        assert GEOD.inv(TOWN_LON, TOWN_LAT, *lonlat6(x, y))[2] <= 25_000.0
    cells = tower_rows(r_sites, sites)
    backbone, spur = fibre_routes(terrain, north_vil, south_vil)
    pois = make_pois(r_sites, town, villages)
    pois += remote_pois(r_remote, remote, len(pois) + 1)
    remote_to_lte_km = [
        min(GEOD.inv(*h.lonlat, *lonlat6(x, y))[2] for x, y, _ in sites) / 1000.0 for h, _ in remote
    ]
    assert min(remote_to_lte_km) >= 25.0, remote_to_lte_km
    nodes = [
        ("POP-WMN", "POP Wamena", (TOWN_LON, TOWN_LAT)),
        (f"POP-{abbrev(north_vil.name)}", f"POP {north_vil.name}", north_vil.lonlat),
        (f"POP-{abbrev(south_vil.name)}", f"POP {south_vil.name}", south_vil.lonlat),
    ]
    assert len({n[0] for n in nodes}) == len(nodes)

    # --- household access (BPS layout) -------------------------------------------
    access = []
    for k, (name, code, _) in enumerate(regencies, start=1):
        inside = (reg_id == k) & ~lake
        reg_total = float(people[inside].sum())
        urban = float(town_pop[inside].sum())
        share = urban / reg_total if reg_total > 0 else 0.0
        pct = BPS_URBAN * share + BPS_RURAL * (1.0 - share)
        access.append((name.upper(), code, pct, round(reg_total), round(urban)))
    access.sort(key=lambda r: r[1])

    # --- write -------------------------------------------------------------------
    write_raster("elevation.tif", elev, "int16", ELEV_NODATA, 2)
    write_raster("population.tif", pop_raster, "float32", POP_NODATA, 3)
    write_geojson("villages.geojson", [
        feature(point(s.lonlat), {"id": s.sid, "name": s.name, "population": s.population,
                                  "region_code": s.region_code})
        for s in [town, *villages, *(h for h, _ in remote)]
    ])  # fmt: skip
    write_csv(
        "towers.csv",
        ["radio", "mcc", "net", "area", "cell", "unit", "lon", "lat", "range", "samples",
         "changeable", "created", "updated", "averageSignal"],
        cells,
    )  # fmt: skip
    write_geojson("fiber.geojson", [
        feature({"type": "LineString", "coordinates": [list(p) for p in backbone]},
                {"name": "Palapa Ring Timur (synthetic)",
                 "operator": "BAKTI / Palapa Timur Telematika (synthetic)"}),
        feature({"type": "LineString", "coordinates": [list(p) for p in spur]},
                {"name": f"Wamena - {south_vil.name} spur (synthetic)",
                 "operator": "Telkom Indonesia (synthetic)"}),
    ])  # fmt: skip
    write_geojson(
        "fiber_nodes.geojson", [feature(point(p), {"id": i, "name": n}) for i, n, p in nodes]
    )
    write_geojson("pois.geojson", [
        feature(point(p["pos"]), {k: p[k] for k in ("id", "type", "name", "village_id")})
        for p in pois
    ])  # fmt: skip
    write_geojson("regencies.geojson", [
        feature(mapping(poly), {"name": name, "code": code}) for name, code, poly in regencies
    ])  # fmt: skip
    write_csv(
        "household_access.csv",
        ["region", "code", "pct_households_internet_urban", "pct_households_internet_rural",
         "pct_households_internet_total", "year"],
        [[r[0], r[1], f"{BPS_URBAN:.2f}", f"{BPS_RURAL:.2f}", f"{r[2]:.2f}", BPS_YEAR]
         for r in access],
    )  # fmt: skip

    # --- summary -----------------------------------------------------------------
    dist_km = [GEOD.inv(TOWN_LON, TOWN_LAT, *v.lonlat)[2] / 1000.0 for v in villages]
    poi_counts = {
        t: sum(p["type"] == t for p in pois) for t in ("village_office", "school", "health")
    }
    region_name = {code: name for name, code, _ in regencies}
    stats: dict[str, Any] = {
        "total_population": total,
        "raster_sum": round(raster_sum, 2),
        "town_population": TOWN_POP,
        "villages": len(villages),
        "village_population": village_total,
        "village_size_range": (int(pops.min()), int(pops.max())),
        "villages_over_1500": int((pops > 1500).sum()),
        "villages_30_50km_from_town": sum(30.0 <= d <= 50.0 for d in dist_km),
        "hamlet_pixels": n_hamlets,
        "hamlet_population": hamlet_total,
        "remote_hamlets": [
            (h.sid, h.name, h.population, poi, round(km), region_name[h.region_code])
            for (h, poi), km in zip(remote, remote_to_lte_km, strict=True)
        ],
        "remote_population": remote_total,
        "town_peak_per_pixel": round(float(town_pop.max()), 1),
        "lake_pixels": int(lake.sum()),
        "lte_sites": len(sites),
        "lte_cells": sum(r[0] == "LTE" for r in cells),
        "gsm_cells": sum(r[0] == "GSM" for r in cells),
        "pois": poi_counts,
        "elevation_range_m": (int(elev.min()), int(elev.max())),
        "elevation_town_m": int(elev[tuple(round(float(v)) for v in km_to_pixel(0.0, 0.0))]),
        "share_above_3500m_pct": round(100.0 * float((elev > 3500).mean()), 2),
        "villages_by_regency": {
            name: sum(v.region_code == code for v in villages) for name, code, _ in regencies
        },
        "household_access_total_pct": {r[0]: f"{r[2]:.2f}" for r in access},
        "fibre_pops": [n[0] for n in nodes],
    }
    write_readme(stats, access, north_vil, south_vil, nodes)
    for key, val in stats.items():
        print(f"{key}: {val}")


def file_rows(n_villages: int, n_remote: int) -> list[tuple[str, ...]]:
    """The README's table of files: name, format, CRS, units / fields, purpose."""
    wgs = "EPSG:4326 lon/lat (RFC 7946)"
    return [
        ("file", "format", "CRS", "units / fields", "used for"),
        ("---",) * 5,
        ("`elevation.tif`",
         "GeoTIFF 1080 x 1080, int16, DEFLATE + predictor 2, 256 x 256 tiles, "
         "nodata -32768 (none present)",
         "EPSG:4326, 1/1200 deg pixels (~92 m)", "metres above sea level",
         "terrain, line of sight, propagation"),
        ("`population.tif`",
         "GeoTIFF, same grid, float32, DEFLATE + predictor 3, 256 x 256 tiles, "
         "nodata -99999 (a small lake)",
         "EPSG:4326", "people per pixel", "demand: who is (not) covered"),
        ("`villages.geojson`", "GeoJSON Points", wgs,
         f"`id` (`T001` = the town, `V001`-`V{n_villages:03d}`, `H001`-`H{n_remote:03d}` the "
         "remote hamlets), `name`, `population` (int, what the raster holds for it), "
         "`region_code`", "settlements, reporting"),
        ("`towers.csv`", "CSV, OpenCelliD export columns", "WGS84 lon/lat",
         "one row per cell; `range` in metres, `created`/`updated` unix seconds",
         "existing coverage"),
        ("`fiber.geojson`", "GeoJSON LineStrings", wgs, "`name`, `operator`",
         "backhaul: backbone and a short spur"),
        ("`fiber_nodes.geojson`", "GeoJSON Points", wgs,
         "`id`, `name`; each is exactly a vertex of a fibre line", "where backhaul can be tapped"),
        ("`pois.geojson`", "GeoJSON Points", wgs,
         "`id`, `type` (`school` / `health` / `village_office`), `name`, `village_id`",
         "public-WiFi candidate sites"),
        ("`regencies.geojson`", "GeoJSON Polygons", wgs, "`name`, `code`",
         "aggregation by regency; the 4 polygons tile the extent exactly"),
        ("`household_access.csv`", "CSV, BPS table layout", "-",
         "% of households with internet access (urban, rural, total), `year`",
         "baseline statistics per regency"),
        ("`signal_reports.csv`", "CSV (made by `make_reports.py`, seed `20261122`)",
         "WGS84 lon/lat",
         "`time`, `lat`, `lon`, `status` (no signal) or `signal_dbm`, plus `operator` and "
         "free-text `comment` (which netplan drops on load)",
         "citizen reports: 51 synthetic reports, clustered at three dark villages, two villages "
         "the model calls covered, and Wamena (measured), plus three lone reports that stay "
         "unpublished"),
        ("`make_demo.py`", "Python", "-", "-", "the generator"),
    ]  # fmt: skip


def write_readme(
    s: dict[str, Any],
    access: list[tuple],
    north_vil: Settlement,
    south_vil: Settlement,
    nodes: list[tuple],
) -> None:
    """README with provenance, the file table and the generated totals."""
    pois = s["pois"]
    file_table = "\n".join(
        f"| {' | '.join(r)} |" for r in file_rows(s["villages"], len(s["remote_hamlets"]))
    )
    rows = "\n".join(
        f"| {name} | {code} | {pct:.2f} | {tot:,} | {urb:,} |"
        for name, code, pct, tot, urb in access
    )
    by_reg = ", ".join(f"{k} {v}" for k, v in s["villages_by_regency"].items())
    lo, hi = s["elevation_range_m"]
    vmin, vmax = s["village_size_range"]
    remote_lines = "\n".join(
        f"- `{sid}` {name}: {people:,} people around a "
        f"{'school' if poi == 'school' else 'health post (pustu)'}, {km} km from the nearest "
        f"LTE site ({region})"
        for sid, name, people, poi, km, region in s["remote_hamlets"]
    )
    text = f"""# papua-highlands: a SYNTHETIC demo region

**Everything in this folder is synthetic.** It was generated by `make_demo.py`
(deterministic: seed `{SEED}`, no network, no clock; two runs give
byte-identical files). Regenerate it from the repository root with

```
python datasets/papua-highlands/make_demo.py
```

## What it is modelled on

The region imitates the Baliem valley around **Wamena** (Kabupaten
Jayawijaya, Provinsi Papua Pegunungan, Indonesia): a wide, flat valley floor
at about 1,550-1,650 m running NW-SE through a town of ~60,000 people, walled
in by steep ridges of 2,500-3,500 m (a few peaks higher), with side valleys,
remote valleys behind the ridges, and a narrow gorge where the river leaves
to the south. That makes it a useful test for coverage planning: many small
settlements, ridges that block line of sight between neighbouring valleys, a
few LTE sites only along the main valley, and a single fibre backbone.

"Modelled on" means the *kind* of place, not a map of it. The terrain, the
village locations, names and sizes, the cell sites, the fibre route, the
points of interest and the regency borders are all invented; only the
setting, the town's name and rough size, the regency names and the BPS
household-access figures come from the real world. Do not use any of it for
real decisions.

Extent: lon 138.50-139.40 E, lat 4.55-3.65 S (1,080 x 1,080 pixels of
3 arc-seconds, roughly 100 x 100 km).

## Files

{file_table}

## Totals

- Population: **{s["total_population"]:,}** (sum of the raster: {s["raster_sum"]:,.2f})
  - town (Wamena, `T001`): {s["town_population"]:,}, up to {s["town_peak_per_pixel"]:,.0f} people
    per pixel in the centre
  - villages: {s["villages"]} with {s["village_population"]:,} people ({vmin:,}-{vmax:,} each);
    {s["villages_30_50km_from_town"]} of them 30-50 km from the town
  - isolated hamlets: {s["hamlet_population"]:,} people on {s["hamlet_pixels"]} pixels (1-10 each)
  - remote hamlets: {len(s["remote_hamlets"])} with {s["remote_population"]:,} people, each a tight
    cluster of houses (within ~200 m) around a school or health post, alone in an otherwise
    empty valley; see "Remote hamlets" below
- Villages per regency: {by_reg}
- Existing network: {s["lte_sites"]} LTE sites with {s["lte_cells"]} LTE cells (MCC 510, MNC 10),
  plus {s["gsm_cells"]} GSM cells on two of those sites
- POIs: {sum(pois.values())} in total: {pois["village_office"]} village offices,
  {pois["school"]} schools, {pois["health"]} health facilities
- Fibre: backbone from the northern edge via {north_vil.name} to Wamena, spur Wamena to
  {south_vil.name}; points of presence {", ".join(n[0] for n in nodes)}
- Elevation {lo:,}-{hi:,} m; Wamena at {s["elevation_town_m"]:,} m

## Remote hamlets

{remote_lines}

Each sits 20-60 m from its POI (`pois.geojson`, `village_id` = the hamlet), so a public
hotspot there reaches all of its people, while a tower would cover little else: these are the
places where, in BAKTI's words, a village with few people living close together can be served
by "super WiFi" instead of cellular technology. They test that the plan can choose a hotspot
on a satellite link where that serves people for less than a tower.

## Household internet access (`household_access.csv`)

The urban and rural shares are Papua's 2023 figures from BPS (Badan Pusat
Statistik), Susenas 2023: {BPS_URBAN} % of urban and {BPS_RURAL} % of rural
households had internet access; the same two figures are used for every
regency. The `total` column is synthetic: the two figures mixed by each
regency's urban population share in this data set (urban = the town of
Wamena, everything else rural).

| region | code | total % | population | urban population |
| --- | --- | --- | --- | --- |
{rows}

## Regencies

Jayawijaya, Tolikara, Lanny Jaya and Nduga are real regencies (kabupaten) of
Papua Pegunungan, but the polygons here are synthetic (a jittered Voronoi
partition of the extent) and so are the codes (95.02, 95.04, 95.05, 95.07).

## Notes on the cell list

`towers.csv` mimics an OpenCelliD export: positions are per-cell estimates
scattered 30-150 m around the true site, LTE `cell` = eNB id x 256 + sector,
`area` is the TAC (LAC for GSM), `unit` is the PCI (-1 for GSM), and a few 2G
(GSM) rows are included because real exports contain them.
"""
    (OUT_DIR / "README.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
