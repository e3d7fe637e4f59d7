"""Candidate sites: where a new tower or a public-WiFi hotspot could go.

Given candidates (``layers.candidates``) are used as they are. Otherwise towers are proposed
at the population centre of each blank-spot settlement, on the highest ground near it (a
mast on a ridge sees further), and at points of interest (schools and health centres often
host masts); hotspots at points of interest. Tower candidates are thinned to
``min_spacing_m`` and capped at ``max_candidates``, keeping those that could reach the most
uncovered people.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from netplan.config import Scenario
from netplan.demand import BlankSpots
from netplan.layers import Layers

logger = logging.getLogger(__name__)

CANDIDATE_COLUMNS = ["id", "kind", "technology", "source", "name", "height_m", "extra_cost"]


def candidate_sites(scenario: Scenario, layers: Layers, blank: BlankSpots) -> gpd.GeoDataFrame:
    """Candidate sites in the grid CRS, one row per (site, technology) option.

    Columns: ``id`` (site), ``kind`` (tower | wifi), ``technology``, ``source``
    (given, settlement, high_ground, poi), ``name``, ``height_m``, ``extra_cost``.
    """
    if layers.candidates is not None:
        sites = _given(scenario, layers.candidates)
    else:
        towers = _generated_towers(scenario, layers, blank)
        hotspots = _hotspots(scenario, layers)
        sites = pd.concat([towers, hotspots], ignore_index=True)
    sites = pd.concat([sites, _reviewer_sites(scenario, layers)], ignore_index=True)
    options = _expand_technologies(scenario, sites)
    logger.info(
        "candidates: %d tower sites, %d hotspot sites, %d options",
        options.loc[options["kind"] == "tower", "id"].nunique(),
        options.loc[options["kind"] == "wifi", "id"].nunique(),
        len(options),
    )
    return gpd.GeoDataFrame(options, geometry="geometry", crs=layers.grid.crs)


def _reviewer_sites(scenario: Scenario, layers: Layers) -> pd.DataFrame:
    """Tower sites a reviewer added (decision ``add``)."""
    d = layers.decisions
    if d is None or not (d["decision"] == "add").any():
        return pd.DataFrame(columns=["x", "y", "source", "name", "id", "kind"])
    adds = d[d["decision"] == "add"]
    df = _frame(adds["x"], adds["y"], source="review", kind="tower")
    df["id"] = adds["id"].to_numpy()
    df["name"] = adds["id"].to_numpy()
    if "technology" in adds:
        tech = adds["technology"].where(adds["technology"].isin(scenario.tower_technologies))
        df["technology"] = tech.to_numpy()
    return df


def _frame(xs: np.ndarray, ys: np.ndarray, **cols: object) -> pd.DataFrame:
    df = pd.DataFrame({"x": np.asarray(xs, float), "y": np.asarray(ys, float)})
    for key, value in cols.items():
        df[key] = value
    return df


def _generated_towers(scenario: Scenario, layers: Layers, blank: BlankSpots) -> pd.DataFrame:
    cfg = scenario.candidates
    areas = blank.areas[blank.areas["population"] >= cfg.min_settlement_population]
    name = areas["nearest_village"] if "nearest_village" in areas else areas["id"]
    parts = [
        _frame(areas["centre_x"], areas["centre_y"], source="settlement", name=name.to_numpy())
    ]
    elevation = layers.elevation
    if elevation is not None and cfg.high_ground_search_m > 0 and len(areas):
        hx, hy = _high_ground(layers, areas, cfg.high_ground_search_m)
        parts.append(
            _frame(hx, hy, source="high_ground", name=("high ground near " + name).to_numpy())
        )
    if cfg.at_pois and layers.pois is not None:
        pois = layers.pois
        label = pois["name"].astype(str) if "name" in pois else pois["id"]
        parts.append(_frame(pois.geometry.x, pois.geometry.y, source="poi", name=label.to_numpy()))
    cands = pd.concat(parts, ignore_index=True)
    cands = cands[_inside_region(layers, cands["x"].to_numpy(), cands["y"].to_numpy())]
    cands = _thin(cands.reset_index(drop=True), cfg.min_spacing_m)
    cands = _cap(cands, blank, layers, scenario, cfg.max_candidates)
    cands["id"] = [f"C{i + 1:04d}" for i in range(len(cands))]
    cands["kind"] = "tower"
    return cands


def _high_ground(
    layers: Layers, areas: gpd.GeoDataFrame, radius: float
) -> tuple[np.ndarray, np.ndarray]:
    """The highest cell within ``radius`` of each area's centre."""
    grid = layers.grid
    elevation = layers.elevation
    assert elevation is not None
    n = int(np.ceil(radius / grid.resolution))
    dy, dx = np.mgrid[-n : n + 1, -n : n + 1]
    disc = (dx * dx + dy * dy) * grid.resolution**2 <= radius * radius
    dy, dx = dy[disc], dx[disc]
    rows, cols = grid.rowcol(areas["centre_x"].to_numpy(), areas["centre_y"].to_numpy())
    rr = np.clip(rows[:, None] + dy[None, :], 0, grid.height - 1)
    cc = np.clip(cols[:, None] + dx[None, :], 0, grid.width - 1)
    elev = np.where(layers.region[rr, cc] >= 0, elevation[rr, cc], -np.inf)
    elev = np.nan_to_num(elev, nan=-np.inf)
    best = np.argmax(elev, axis=1)
    pick = np.arange(len(best))
    flat = rr[pick, best] * grid.width + cc[pick, best]
    return grid.cell_centres(flat)


def _inside_region(layers: Layers, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    flat = layers.grid.flat_index(xs, ys)
    return (flat >= 0) & (layers.region.ravel()[np.maximum(flat, 0)] >= 0)


def _thin(cands: pd.DataFrame, spacing: float) -> pd.DataFrame:
    """Drop candidates closer than ``spacing`` to an earlier (higher-priority) one."""
    if spacing <= 0 or len(cands) < 2:
        return cands
    xy = cands[["x", "y"]].to_numpy()
    tree = cKDTree(xy)
    keep = np.ones(len(cands), dtype=bool)
    for i in range(len(cands)):
        if not keep[i]:
            continue
        for j in tree.query_ball_point(xy[i], spacing):
            if j > i:
                keep[j] = False
    return cands[keep].reset_index(drop=True)


def _cap(
    cands: pd.DataFrame, blank: BlankSpots, layers: Layers, scenario: Scenario, limit: int
) -> pd.DataFrame:
    """Keep the ``limit`` candidates with the most uncovered people within reach."""
    if len(cands) == 0 or blank.cells.size == 0:
        return cands.iloc[:0]
    reach = max(t.radius_m or 0.0 for t in scenario.tower_technologies.values()) or 5000.0
    bx, by = layers.grid.cell_centres(blank.cells)
    tree = cKDTree(np.column_stack([bx, by]))
    hits = tree.query_ball_point(cands[["x", "y"]].to_numpy(), reach)
    people = np.array([blank.population[h].sum() for h in hits])
    cands = cands.assign(_reach=people)[people > 0]
    order = np.lexsort((np.arange(len(cands)), -cands["_reach"].to_numpy()))
    return cands.iloc[order[:limit]].drop(columns="_reach").reset_index(drop=True)


def _hotspots(scenario: Scenario, layers: Layers) -> pd.DataFrame:
    if not scenario.wifi_technologies or layers.pois is None:
        return pd.DataFrame(columns=["x", "y", "source", "name", "id", "kind"])
    pois = layers.pois
    label = pois["name"].astype(str) if "name" in pois else pois["id"]
    df = _frame(pois.geometry.x, pois.geometry.y, source="poi", name=label.to_numpy())
    df["id"] = "W-" + pois["id"].astype(str).to_numpy()
    df["kind"] = "wifi"
    return df[_inside_region(layers, df["x"].to_numpy(), df["y"].to_numpy())].reset_index(drop=True)


def _given(scenario: Scenario, given: gpd.GeoDataFrame) -> pd.DataFrame:
    df = _frame(given.geometry.x, given.geometry.y, source="given")
    df["id"] = given["id"].astype(str).to_numpy()
    df["name"] = given["name"].astype(str).to_numpy() if "name" in given else df["id"]
    tech = given["technology"] if "technology" in given else pd.Series(None, index=given.index)
    df["technology"] = tech.to_numpy()
    df["kind"] = [
        scenario.technologies[t].kind if isinstance(t, str) else "tower" for t in df["technology"]
    ]
    for col in ("height_m", "extra_cost"):
        if col in given:
            df[col] = pd.to_numeric(given[col], errors="coerce").to_numpy()
    return df


def _expand_technologies(scenario: Scenario, sites: pd.DataFrame) -> pd.DataFrame:
    """One row per (site, technology): a site without a technology gets every one of its kind."""
    rows = []
    for rec in sites.to_dict("records"):
        fixed = rec.get("technology")
        if isinstance(fixed, str):
            techs = [fixed]
        else:
            pool = (
                scenario.tower_technologies
                if rec["kind"] == "tower"
                else scenario.wifi_technologies
            )
            techs = list(pool)
        for tech in techs:
            rows.append({**rec, "technology": tech})
    df = pd.DataFrame(rows)
    if df.empty:
        df = pd.DataFrame(columns=[*CANDIDATE_COLUMNS, "x", "y"])
    for col in ("height_m", "extra_cost"):
        if col not in df:
            df[col] = np.nan
    df["extra_cost"] = df["extra_cost"].fillna(0.0)
    df["geometry"] = gpd.points_from_xy(df["x"], df["y"])
    return df[[*CANDIDATE_COLUMNS, "geometry"]]
