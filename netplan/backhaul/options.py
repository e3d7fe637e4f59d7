"""Per-site backhaul: the cheapest of a fiber spur, a microwave hop or satellite.

Each candidate is costed alone over the planning horizon (capex + horizon × opex):

- fiber: straight-line distance to the backbone (its points of presence when given, else
  anywhere on a line) × ``route_factor``, if within ``max_km``;
- microwave: one hop to the backbone or to an existing site within ``max_hop_km``;
- satellite: always possible when configured.

A joint network design (shared trenches, relays, line of sight) replaces this later; its
output has the same shape.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import shortest_line
from shapely.geometry import LineString

from netplan.config import Scenario

BACKHAUL_COLUMNS = [
    "backhaul",
    "backhaul_km",
    "backhaul_to",
    "backhaul_capex",
    "backhaul_opex_per_year",
    "backhaul_cost",
    "link_geometry",
]


def _nearest(
    points: gpd.GeoSeries, targets: gpd.GeoDataFrame, ids: pd.Series
) -> tuple[np.ndarray, np.ndarray, list[LineString]]:
    """Distance (m) to, id of, and straight line to the nearest target of each point."""
    idx, dist = targets.sindex.nearest(points, return_all=False, return_distance=True)
    order = np.argsort(idx[0], kind="stable")
    tgt = idx[1][order]
    lines = list(shortest_line(points.to_numpy(), targets.geometry.to_numpy()[tgt]))
    return dist[order], ids.to_numpy()[tgt], lines


def cheapest_backhaul(
    points: gpd.GeoSeries,
    *,
    scenario: Scenario,
    fiber_lines: gpd.GeoDataFrame | None,
    fiber_nodes: gpd.GeoDataFrame | None,
    existing_sites: gpd.GeoDataFrame,
) -> pd.DataFrame:
    """The cheapest feasible backhaul per point (rows aligned with ``points``).

    ``backhaul`` is ``"none"`` (and costs are infinite) where nothing is feasible.
    """
    n = len(points)
    horizon = scenario.planning.horizon_years
    cfg = scenario.backhaul
    best = pd.DataFrame(
        {
            "backhaul": ["none"] * n,
            "backhaul_km": np.zeros(n),
            "backhaul_to": [""] * n,
            "backhaul_capex": np.full(n, np.inf),
            "backhaul_opex_per_year": np.full(n, np.inf),
            "backhaul_cost": np.full(n, np.inf),
            "link_geometry": [None] * n,
        }
    )
    if n == 0:
        return best

    def offer(
        kind: str,
        ok: np.ndarray,
        km: np.ndarray,
        to: np.ndarray,
        capex: np.ndarray,
        opex: np.ndarray,
        lines: list[LineString | None],
    ) -> None:
        total = capex + horizon * opex
        better = ok & (total < best["backhaul_cost"].to_numpy())
        if not better.any():
            return
        sel = np.flatnonzero(better)
        best.loc[sel, "backhaul"] = kind
        best.loc[sel, "backhaul_km"] = km[sel]
        best.loc[sel, "backhaul_to"] = to[sel]
        best.loc[sel, "backhaul_capex"] = capex[sel]
        best.loc[sel, "backhaul_opex_per_year"] = opex[sel]
        best.loc[sel, "backhaul_cost"] = total[sel]
        geoms = best["link_geometry"].to_numpy(copy=True)
        for i in sel:
            geoms[i] = lines[i]
        best["link_geometry"] = geoms

    backbone = _backbone(fiber_lines, fiber_nodes)
    if backbone is not None and cfg.fiber is not None:
        dist, to, lines = _nearest(points, backbone, backbone["id"])
        km = dist / 1000.0 * cfg.fiber.route_factor
        offer(
            "fiber",
            km <= cfg.fiber.max_km,
            km,
            to,
            km * cfg.fiber.capex_per_km,
            km * cfg.fiber.opex_per_km_year,
            list(lines),
        )
    if cfg.microwave is not None:
        parts = [existing_sites[["id", "geometry"]]] if len(existing_sites) else []
        if backbone is not None:
            parts.append(backbone[["id", "geometry"]])
        if parts:
            hubs = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=points.crs)
            dist, to, lines = _nearest(points, hubs, hubs["id"])
            km = dist / 1000.0
            mw = cfg.microwave
            offer(
                "microwave",
                km <= mw.max_hop_km,
                km,
                to,
                np.full(n, mw.capex_per_link),
                np.full(n, mw.opex_per_year),
                list(lines),
            )
    if cfg.satellite is not None:
        sat = cfg.satellite
        offer(
            "satellite",
            np.ones(n, bool),
            np.zeros(n),
            np.array(["satellite"] * n, dtype=object),
            np.full(n, sat.capex),
            np.full(n, sat.opex_per_year),
            [None] * n,
        )
    return best


def _backbone(
    lines: gpd.GeoDataFrame | None, nodes: gpd.GeoDataFrame | None
) -> gpd.GeoDataFrame | None:
    """Where the backbone can be joined: its points of presence, else anywhere on a line."""
    if nodes is not None and len(nodes):
        ids = (
            nodes["id"] if "id" in nodes else pd.Series([f"PoP-{i + 1}" for i in range(len(nodes))])
        )
        return gpd.GeoDataFrame(
            {"id": ids.astype(str).to_numpy()}, geometry=nodes.geometry.to_numpy(), crs=nodes.crs
        )
    if lines is not None and len(lines):
        name = lines["name"] if "name" in lines else pd.Series(["fiber backbone"] * len(lines))
        return gpd.GeoDataFrame(
            {"id": name.astype(str).to_numpy()}, geometry=lines.geometry.to_numpy(), crs=lines.crs
        )
    return None
