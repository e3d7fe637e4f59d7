"""Candidate backhaul links for the joint model: fiber routes, microwave hops, satellite.

- **Hubs** are where traffic reaches the core: the backbone's points of presence (or, without
  them, points along the backbone lines) and the existing sites (for microwave).
- **Fiber**: the least-cost route from each site to the backbone, and routes between each
  site and its ``neighbours`` cheapest-to-reach other sites, so a cluster can share one trench.
- **Microwave**: hops from hubs and from new towers to sites within ``max_hop_km`` that keep
  ``fresnel_clearance`` of the first Fresnel zone clear over the DEM, the ``neighbours``
  nearest clear ones per site.
- **Satellite** for any site, when configured.

Only new towers relay; public-WiFi hotspots are fed but feed nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from rasterio.features import rasterize
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from netplan import progress
from netplan.backhaul.fiber_routes import (
    Route,
    cost_surface,
    routes_between,
    routes_to_backbone,
)
from netplan.config import FiberConfig, Scenario
from netplan.layers import Layers
from netplan.optimize.network import FIBER, MICROWAVE, Network
from netplan.radio.los import line_of_sight

logger = logging.getLogger(__name__)

LINK_TYPES = {FIBER: "fiber", MICROWAVE: "microwave"}

#: add(kind, tail, tail_name, head, length_km, terrain, capex, opex_per_year, capacity, geometry)
AddLink = Callable[[int, int, str, int, float, str, float, float, float, LineString], None]


@dataclass(frozen=True)
class BackhaulOptions:
    """The network for the optimiser and, per candidate link, what a map and report need."""

    network: Network
    links: gpd.GeoDataFrame  #: per arc: type, from, to, length_km, terrain, capacity_mbps,
    #: capex, opex_per_year, total_cost, geometry (grid CRS)
    satellite_capex: float
    satellite_opex_per_year: float


def _hubs(
    layers: Layers, scenario: Scenario
) -> tuple[list[tuple[str, tuple[float, float]]], list[tuple[str, tuple[float, float], float]]]:
    """Fiber sources (backbone access points) and microwave hubs (with antenna heights)."""
    fiber_sources: list[tuple[str, tuple[float, float]]] = []
    if layers.fiber_nodes is not None and len(layers.fiber_nodes):
        ids = (
            layers.fiber_nodes["id"]
            if "id" in layers.fiber_nodes
            else pd.Series([f"PoP-{i + 1}" for i in range(len(layers.fiber_nodes))])
        )
        for name, geom in zip(ids.astype(str), layers.fiber_nodes.geometry, strict=True):
            fiber_sources.append((name, (geom.x, geom.y)))
    elif layers.fiber_lines is not None and len(layers.fiber_lines):
        step = scenario.backhaul.fiber.routing_resolution_m if scenario.backhaul.fiber else 500.0
        for i, line in enumerate(layers.fiber_lines.geometry):
            for k, d in enumerate(np.arange(0.0, line.length + step, step)):
                p = line.interpolate(min(d, line.length))
                fiber_sources.append((f"backbone-{i + 1}@{k * step / 1000:.1f}km", (p.x, p.y)))
    hub_height = scenario.backhaul.microwave.hub_height_m if scenario.backhaul.microwave else 30.0
    microwave_hubs = (
        [(n, p, hub_height) for n, p in fiber_sources] if (layers.fiber_nodes is not None) else []
    )
    for site in layers.existing_sites.itertuples():
        tech = scenario.technologies[str(site.technology)]
        height = site.height_m if np.isfinite(site.height_m) else (tech.height_m or hub_height)
        microwave_hubs.append((str(site.id), (site.geometry.x, site.geometry.y), float(height)))
    return fiber_sources, microwave_hubs


def backhaul_options(scenario: Scenario, layers: Layers, sites: pd.DataFrame) -> BackhaulOptions:
    """Candidate links for ``sites`` (one row per problem group, in group order).

    ``sites`` needs ``id``, ``kind`` (tower | wifi), ``x``, ``y`` and ``mast_m`` (the height
    available for a microwave dish).
    """
    cfg = scenario.backhaul
    points = list(zip(sites["x"].astype(float), sites["y"].astype(float), strict=True))
    is_tower = (sites["kind"] == "tower").to_numpy()
    table = _LinkTable(sites, scenario.planning.horizon_years)
    fiber_sources, microwave_hubs = _hubs(layers, scenario)
    if cfg.fiber is not None and fiber_sources and points:
        _fiber(cfg.fiber, scenario, layers, sites, points, is_tower, fiber_sources, table.add)
    if cfg.microwave is not None and points:
        _microwave(scenario, layers, sites, points, is_tower, microwave_hubs, table.add)
    links = table.frame(layers.grid.crs)
    network = _network(scenario, links, len(sites))
    sat = cfg.satellite
    logger.info(
        "backhaul options: %d fiber routes, %d microwave hops, satellite %s",
        int((network.kind == FIBER).sum()),
        int((network.kind == MICROWAVE).sum()),
        "offered" if sat is not None else "not offered",
    )
    return BackhaulOptions(
        network,
        links.drop(columns=["tail", "head", "kind"]),
        0.0 if sat is None else sat.capex,
        0.0 if sat is None else sat.opex_per_year,
    )


_LINK_COLUMNS = [
    "tail",
    "head",
    "kind",
    "type",
    "from",
    "to",
    "length_km",
    "terrain",
    "capacity_mbps",
    "capex",
    "opex_per_year",
    "total_cost",
    "geometry",
]


class _LinkTable:
    """Candidate links collected one row at a time, each costed over the planning horizon."""

    def __init__(self, sites: pd.DataFrame, horizon_years: float) -> None:
        self.site_ids = sites["id"].astype(str).tolist()
        self.horizon_years = horizon_years
        self.rows: list[dict[str, object]] = []

    def add(
        self,
        kind: int,
        tail: int,
        tail_name: str,
        head: int,
        length: float,
        terrain: str,
        capex: float,
        opex: float,
        capacity: float,
        geometry: LineString,
    ) -> None:
        """One link from ``tail`` (-1: a hub named ``tail_name``) into site ``head``."""
        self.rows.append(
            {
                "tail": tail,
                "head": head,
                "kind": kind,
                "type": LINK_TYPES[kind],
                "from": tail_name,
                "to": self.site_ids[head],
                "length_km": round(length, 3),
                "terrain": terrain,
                "capacity_mbps": capacity,
                "capex": capex,
                "opex_per_year": opex,
                "total_cost": capex + self.horizon_years * opex,
                "geometry": geometry,
            }
        )

    def frame(self, crs: CRS) -> gpd.GeoDataFrame:
        """Every link added so far, in the grid CRS ``crs``."""
        return gpd.GeoDataFrame(
            pd.DataFrame(self.rows, columns=_LINK_COLUMNS), geometry="geometry", crs=crs
        )


def _fiber(
    fiber: FiberConfig,
    scenario: Scenario,
    layers: Layers,
    sites: pd.DataFrame,
    points: list[tuple[float, float]],
    is_tower: np.ndarray,
    fiber_sources: list[tuple[str, tuple[float, float]]],
    add: AddLink,
) -> None:
    """Fiber routes: each site's least-cost route to the backbone, and routes between
    neighbouring sites (leaving a new tower only: a hotspot feeds nothing)."""
    horizon = scenario.planning.horizon_years
    surface = cost_surface(
        layers.grid,
        layers.elevation,
        fiber,
        horizon_years=horizon,
        water=_water_or_sea(layers),
        roads=_mask(layers.roads, layers, all_touched=True),
        keep=[*points, *(xy for _, xy in fiber_sources)],
    )

    def add_route(tail: int, name: str, head: int, route: Route, geom: LineString) -> None:
        """A fiber link: its route's cost split into capex and opex per year."""
        opex = fiber.opex_per_km_year * route.length_km
        add(
            FIBER,
            tail,
            name,
            head,
            route.length_km,
            route.terrain,
            route.cost - horizon * opex,
            opex,
            fiber.capacity_mbps,
            geom,
        )

    for head, found in enumerate(
        routes_to_backbone(surface, fiber_sources, points, max_km=fiber.max_km)
    ):
        if found is not None:
            add_route(-1, found[0], head, found[1], found[1].geometry)
    pairs = routes_between(surface, points, max_km=fiber.max_km, neighbours=fiber.neighbours)
    for (i, j), route in sorted(pairs.items()):
        for tail, head, geom in ((i, j, route.geometry), (j, i, route.geometry.reverse())):
            if is_tower[tail]:
                add_route(tail, str(sites["id"].iat[tail]), head, route, geom)


def _network(scenario: Scenario, links: gpd.GeoDataFrame, n_sites: int) -> Network:
    """The optimiser's network: the candidate links' arcs and each site's satellite feed."""
    cfg = scenario.backhaul
    sat = cfg.satellite
    sat_cost = np.full(
        n_sites,
        np.inf if sat is None else sat.capex + scenario.planning.horizon_years * sat.opex_per_year,
    )
    return Network(
        tail=links["tail"].to_numpy(dtype=np.int64),
        head=links["head"].to_numpy(dtype=np.int64),
        kind=links["kind"].to_numpy(dtype=np.int8),
        cost=links["total_cost"].to_numpy(dtype=float),
        capacity_mbps=links["capacity_mbps"].to_numpy(dtype=float),
        satellite_cost=sat_cost,
        satellite_capacity_mbps=None if sat is None else sat.capacity_mbps_total,
        max_hops=cfg.max_hops,
    )


def _microwave(
    scenario: Scenario,
    layers: Layers,
    sites: pd.DataFrame,
    points: list[tuple[float, float]],
    is_tower: np.ndarray,
    hubs: list[tuple[str, tuple[float, float], float]],
    add: AddLink,
) -> None:
    """Microwave hops with Fresnel clearance, the nearest clear ones per site."""
    mw = scenario.backhaul.microwave
    assert mw is not None
    dem = layers.elevation if layers.elevation is not None else np.zeros(layers.grid.shape)
    dem = np.where(np.isfinite(dem), dem, np.nanmin(dem) if np.isfinite(dem).any() else 0.0)
    k = scenario.coverage.k_factor
    # tails: hubs first (index -1), then new towers (their group index)
    tails = [(-1, name, p, h) for name, p, h in hubs]
    masts = sites["mast_m"].to_numpy(dtype=float).tolist()
    tails += [
        (i, str(sites["id"].iat[i]), points[i], masts[i]) for i in np.flatnonzero(is_tower).tolist()
    ]
    if not tails:
        return
    tree = cKDTree(np.array([t[2] for t in tails]))
    opex = mw.opex_per_year
    for head, p in progress.track(enumerate(points), "Microwave hops", total=len(points)):
        found = 0
        near = tree.query_ball_point(p, mw.max_hop_km * 1000.0)
        near.sort(key=lambda i: (np.hypot(tails[i][2][0] - p[0], tails[i][2][1] - p[1]), i))
        for i in near[: 4 * mw.neighbours]:
            tail, name, q, tail_height = tails[i]
            if tail == head:
                continue
            los = line_of_sight(
                dem,
                layers.grid,
                q,
                p,
                height_a_m=tail_height,
                height_b_m=masts[head],
                frequency_mhz=mw.frequency_mhz,
                clearance=mw.fresnel_clearance,
                k_factor=k,
            )
            if los.clear:
                add(
                    MICROWAVE,
                    tail,
                    name,
                    head,
                    los.distance_km,
                    "line of sight",
                    mw.capex_per_link,
                    opex,
                    mw.capacity_mbps,
                    LineString([q, p]),
                )
                found += 1
                if found >= mw.neighbours:
                    break


def _drop_dominated(
    links: gpd.GeoDataFrame, is_tower: np.ndarray, free_satellite: float | None
) -> gpd.GeoDataFrame:
    """Drop links no optimal design needs (the model stays exact).

    - A fiber link from the backbone is the best feed a site can have (no microwave hop,
      fiber may continue, ample capacity): any dearer feed into that site is dropped.
    - A microwave hop from a hub gives its site one hop and a full link's capacity; a relayed
      microwave hop can do no better, so a dearer relayed hop into that site is dropped.
    - A hotspot relays nothing, so any link dearer than its cheapest stand-alone feed (a hub
      link, or satellite when satellite capacity is not capped) is dropped.
    """
    if links.empty:
        return links
    n = len(is_tower)
    hub = (links["tail"] < 0).to_numpy()
    kind = links["kind"].to_numpy()
    head = links["head"].to_numpy()
    cost = links["total_cost"].to_numpy()

    def cheapest(mask: np.ndarray) -> np.ndarray:
        out = np.full(n, np.inf)
        np.minimum.at(out, head[mask], cost[mask])
        return out

    hub_fiber = cheapest(hub & (kind == FIBER))
    hub_microwave = cheapest(hub & (kind == MICROWAVE))
    standalone = np.minimum(cheapest(hub), np.inf if free_satellite is None else free_satellite)
    keep = ~(cost >= hub_fiber[head]) | (hub & (kind == FIBER) & (cost <= hub_fiber[head]))
    keep &= ~(~hub & (kind == MICROWAVE) & (cost >= hub_microwave[head]))
    keep &= ~(~is_tower[head] & ~hub & (cost >= standalone[head]))
    logger.debug("dropped %d dominated backhaul links", int((~keep).sum()))
    return links[keep].reset_index(drop=True)


def _water_or_sea(layers: Layers) -> np.ndarray | None:
    """Where a trench cannot go on land: the water layer, and the sea: outside every region
    where the DEM has no ground above sea level (without a DEM, outside the country's
    regions on a tile of a national run; nowhere on a single region's run). Both take
    ``fiber.water_multiplier`` (a submarine cable's cost) or are impassable."""
    sea = ~layers.land
    elevation = layers.elevation
    if elevation is not None:
        with np.errstate(invalid="ignore"):
            sea &= ~(elevation > 0)
    elif not layers.is_tile:
        sea[:] = False  # one region, no DEM: nothing says where the sea is outside it
    water = _mask(layers.water, layers, all_touched=False)
    if not sea.any():
        return water
    return sea if water is None else (water | sea)


def _mask(gdf: gpd.GeoDataFrame | None, layers: Layers, *, all_touched: bool) -> np.ndarray | None:
    if gdf is None or gdf.empty:
        return None
    return rasterize(
        ((geom, 1) for geom in gdf.geometry),
        out_shape=layers.grid.shape,
        transform=layers.grid.transform,
        fill=0,
        dtype="uint8",
        all_touched=all_touched,
    ).astype(bool)
