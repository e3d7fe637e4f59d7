"""A national scenario cut into tiles, each analysed in its own local metric CRS.

A tile is a set of regions (regencies): those sharing a boundaries field's value (e.g.
``kode_prov``: one tile per province), or those joined by land (``islands``: touching
polygons). Each tile gets the projection that keeps distances true over it: its UTM zone
when the zone's scale error over the tile stays within :data:`MAX_TILE_SCALE_ERROR`, else a
transverse Mercator centred on the tile. Existing sites, fiber and points of presence within
a halo around the tile still count for it, so cutting the country never changes coverage.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Proj
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from netplan.config import Scenario
from netplan.errors import InputError

logger = logging.getLogger(__name__)

#: the scale error a tile's projection may have anywhere on the tile (0.1%)
MAX_TILE_SCALE_ERROR = 0.001
#: above this scale error over a whole (untiled) region, ``crs: auto`` warns (1%)
MAX_REGION_SCALE_ERROR = 0.01
#: boundary vertices sampled to measure a projection's scale error
_SAMPLE = 20_000


@dataclass(frozen=True)
class Tile:
    """One tile: its name, the national indices of its regions and its projection."""

    name: str
    regions: np.ndarray  #: row numbers in the national boundaries table
    crs: CRS
    scale_error: float  #: largest |k − 1| of ``crs`` over the tile's regions
    halo_m: float
    #: what the tile is part of: the tiling field's value (a province, for ``kode_prov``)
    #: when far-apart islands or a wide span cut it into several tiles; else its name
    group: str = ""

    @property
    def slug(self) -> str:
        """A folder name for the tile (letters, digits, dashes)."""
        return slug(self.name)


def slug(name: str) -> str:
    text = re.sub(r"[^0-9A-Za-z]+", "-", name).strip("-").lower()
    return text or "tile"


def scale_error(crs: CRS, boundaries: gpd.GeoDataFrame) -> float:
    """The largest |k − 1| of ``crs``'s point scale over ``boundaries`` (sampled at their
    vertices, where a transverse Mercator's error peaks: farthest from its meridian)."""
    lonlat = boundaries.to_crs("EPSG:4326").geometry
    coords = shapely.get_coordinates(lonlat.simplify(0.01).to_numpy())
    if coords.shape[0] > _SAMPLE:
        coords = coords[np.linspace(0, coords.shape[0] - 1, _SAMPLE).astype(np.int64)]
    factors = Proj(crs).get_factors(coords[:, 0], coords[:, 1])
    k = np.sqrt(np.asarray(factors.areal_scale, dtype=np.float64))
    finite = k[np.isfinite(k)]
    return float(np.max(np.abs(finite - 1.0))) if finite.size else math.inf


def utm_zone(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> CRS:
    """The WGS 84 UTM zone of the centre of ``frame``'s lon/lat bounds: what geopandas'
    ``estimate_utm_crs`` finds, without asking the PROJ database (a tenth of a second a
    call, and a national run's tiling asks hundreds of times)."""
    west, south, east, north = frame.to_crs("EPSG:4326").total_bounds
    lon, lat = 0.5 * (west + east), 0.5 * (south + north)
    zone = min(max(math.ceil((lon + 180.0) / 6.0), 1), 60)  # on a zone's edge: the western
    return CRS.from_epsg((32700 if lat < 0 else 32600) + zone)


def tile_crs(boundaries: gpd.GeoDataFrame) -> tuple[CRS, float]:
    """The tile's UTM zone when it holds the scale within 0.1%, else a transverse Mercator
    on the tile's central meridian with the scale balanced between centre and edges; with
    the scale error it has over the tile."""
    utm = utm_zone(boundaries)
    error = scale_error(utm, boundaries)
    if error <= MAX_TILE_SCALE_ERROR:
        return utm, error
    west, _south, east, _north = boundaries.to_crs("EPSG:4326").total_bounds
    lon0 = 0.5 * (west + east)
    centred = CRS.from_proj4(
        f"+proj=tmerc +lat_0=0 +lon_0={lon0:.6f} +k=1 +x_0=500000 +y_0=10000000 "
        "+datum=WGS84 +units=m +no_defs"
    )
    excess = scale_error(centred, boundaries)  # k − 1 at the farthest vertex, k0 = 1
    k0 = 1.0 / (1.0 + excess / 2.0)  # −e/2 on the meridian, +e/2 at the edge
    balanced = CRS.from_proj4(
        f"+proj=tmerc +lat_0=0 +lon_0={lon0:.6f} +k={k0:.8f} +x_0=500000 "
        "+y_0=10000000 +datum=WGS84 +units=m +no_defs"
    )
    return balanced, scale_error(balanced, boundaries)


def halo_m(scenario: Scenario) -> float:
    """How far beyond a tile existing sites, fiber and hubs still matter: the longest radio
    range, microwave hop or fiber route of the scenario (``region.tiles.halo_m`` wins)."""
    tiles = scenario.region.tiles
    if tiles is not None and tiles.halo_m is not None:
        return float(tiles.halo_m)
    reach = [t.max_range_m or t.radius_m or 0.0 for t in scenario.technologies.values()]
    backhaul = scenario.backhaul
    if backhaul.microwave is not None:
        reach.append(backhaul.microwave.max_hop_km * 1000.0)
    if backhaul.fiber is not None:
        reach.append(backhaul.fiber.max_km * 1000.0)
    return float(max(reach, default=0.0))


def make_tiles(scenario: Scenario, boundaries: gpd.GeoDataFrame) -> list[Tile]:
    """The scenario's tiles, in a stable order (by name), from the national boundaries
    (:func:`netplan.layers.read_boundaries`; a ``tile`` column holds the tiling field)."""
    cfg = scenario.region.tiles
    assert cfg is not None
    halo = halo_m(scenario)
    if cfg.by == "islands":
        groups = _named_parts(boundaries, np.arange(len(boundaries)), halo, "")
    else:
        groups = {}
        for key in sorted(set(boundaries["tile"])):
            rows = np.flatnonzero((boundaries["tile"] == key).to_numpy())
            groups.update(_named_parts(boundaries, rows, halo, str(key)))
    tiles = []
    for name in sorted(groups):
        rows = np.sort(groups[name])
        group = str(boundaries["tile"].iat[rows[0]]) if cfg.by != "islands" else name
        tiles.extend(_true_to_scale(boundaries, name, rows, halo, group))
    _refuse_clashing_slugs(tiles, scenario)
    return tiles


def _true_to_scale(
    boundaries: gpd.GeoDataFrame, name: str, rows: np.ndarray, halo: float, group: str
) -> list[Tile]:
    """The tile ``name`` of regions ``rows``, halved west and east (by the regions' centres)
    until each half's projection holds the scale within 0.1%; a single region wider than
    that stays whole, with a warning."""
    crs, error = tile_crs(boundaries.iloc[rows])
    if error <= MAX_TILE_SCALE_ERROR or rows.size < 2:
        if error > MAX_TILE_SCALE_ERROR:
            logger.warning(
                "tile %s spans so much longitude that its projection's scale is off by up "
                "to %.2f%% at its edges; distances there are that much too long or short",
                name,
                100 * error,
            )
        return [Tile(name, rows, crs, error, halo, group)]
    lon = boundaries.iloc[rows].to_crs("EPSG:4326").geometry.representative_point().x.to_numpy()
    order = rows[np.argsort(lon, kind="stable")]
    half = order.size // 2
    return [
        *_true_to_scale(boundaries, f"{name} west", np.sort(order[:half]), halo, group),
        *_true_to_scale(boundaries, f"{name} east", np.sort(order[half:]), halo, group),
    ]


def _named_parts(
    boundaries: gpd.GeoDataFrame, rows: np.ndarray, halo: float, key: str
) -> dict[str, np.ndarray]:
    """``rows`` (regions of one tile field value, or all for ``islands``) cut into parts
    whose land lies within ``halo`` of each other: a province of islands far apart becomes
    one tile per island group, so no grid spans the sea between them. Parts of a field
    value are named ``KEY (part i of n)``; islands after their first region."""
    parts = _near_parts(boundaries.iloc[rows], halo)
    names = boundaries["name"].astype(str).to_numpy()
    out: dict[str, np.ndarray] = {}
    for i, part in enumerate(parts):
        members = rows[part]
        if key and len(parts) == 1:
            name = key
        elif key:
            name = f"{key} (part {i + 1} of {len(parts)})"
        else:
            first = sorted(names[members])[0]
            more = members.size - 1
            name = f"{first} island" if more == 0 else f"{first} and {more} more"
        out[name] = members
    return out


def _near_parts(regions: gpd.GeoDataFrame, halo: float) -> list[np.ndarray]:
    """Connected groups of regions closer than ``halo`` metres (measured in their UTM
    zone), as positions in ``regions``, ordered by their first region."""
    metric = regions.to_crs(utm_zone(regions)).geometry.to_numpy()
    tree = shapely.STRtree(metric)
    left, right = tree.query(metric, predicate="dwithin", distance=max(halo, 1.0))
    n = len(metric)
    graph = sparse.coo_matrix((np.ones(left.size), (left, right)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    _, first = np.unique(label, return_index=True)
    return [np.flatnonzero(label == label[f]) for f in np.sort(first)]


def _refuse_clashing_slugs(tiles: list[Tile], scenario: Scenario) -> None:
    seen: dict[str, str] = {}
    for tile in tiles:
        other = seen.setdefault(tile.slug, tile.name)
        if other != tile.name:
            raise InputError(
                f"{scenario.region.boundaries}: tiles {other!r} and {tile.name!r} "
                f"(region.tiles.by: {scenario.region.tiles.by if scenario.region.tiles else ''}) "
                "would share one output folder; give them names that differ in letters or "
                "digits"
            )
