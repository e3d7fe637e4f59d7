"""Candidate sites: where a new tower or a public-WiFi hotspot could go.

Given candidates (``layers.candidates``) are used as they are. Otherwise towers are proposed
at the population centre of each blank-spot settlement, on the highest ground near it (a
mast on a ridge sees further), and at points of interest (schools and health centres often
host masts); hotspots at points of interest. A blank area larger than one tower's footprint
(at 1 km a whole island can be one area) gets sites spread over it instead of one at its
centre: a triangular lattice ``candidates.lattice_spacing_m`` apart (by default the largest
tower ``radius_m``), each point moved to the most populated blank cell within half a spacing
(points with no blank people that near are dropped), each with its high ground too. Tower
candidates are thinned to ``min_spacing_m`` and capped at ``max_candidates`` (``auto``: in
proportion to the uncovered people), keeping those that could reach the most uncovered
people. :func:`candidates_shortfall` says when a plan ran out of candidates before it ran
out of money.
"""

from __future__ import annotations

import logging
import math

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from netplan.config import Scenario
from netplan.demand import BlankSpots
from netplan.grid import Grid
from netplan.layers import Layers

logger = logging.getLogger(__name__)

CANDIDATE_COLUMNS = ["id", "kind", "technology", "source", "name", "height_m", "extra_cost"]
#: reach of a tower, for spreading and ranking candidates, when no technology has radius_m
DEFAULT_REACH_M = 5000.0
#: ``max_candidates: auto`` keeps at least this many tower sites, and at most the most the
#: configuration allows
AUTO_MIN_CANDIDATES = 400
MAX_CANDIDATES = 100_000
#: a plan that builds this share of the tower sites on offer has run out of candidates
SHORTFALL_SHARE = 0.9
#: grid cells gathered at once (candidates × offsets) when searching around candidates
_GATHER_CELLS = 4_000_000


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


def tower_reach_m(scenario: Scenario) -> float:
    """How far one tower is taken to reach when candidates are spread and ranked: the
    largest ``radius_m`` among the tower technologies (5 km when none has one).

    The terrain model's reach varies site by site (a ridge sees tens of km, a valley floor a
    few), so the planner's own usable radius is the yardstick, as in the radius model."""
    radii = [t.radius_m or 0.0 for t in scenario.tower_technologies.values()]
    return max(radii, default=0.0) or DEFAULT_REACH_M


def candidate_cap(scenario: Scenario, blank: BlankSpots) -> int:
    """The most generated tower sites kept: ``candidates.max_candidates``, or with ``auto``
    one per ``candidates.people_per_candidate`` uncovered people (at least 400)."""
    cfg = scenario.candidates
    if cfg.max_candidates != "auto":
        return cfg.max_candidates
    wanted = math.ceil(blank.total / cfg.people_per_candidate)
    return min(MAX_CANDIDATES, max(AUTO_MIN_CANDIDATES, wanted))


def _generated_towers(scenario: Scenario, layers: Layers, blank: BlankSpots) -> pd.DataFrame:
    cfg = scenario.candidates
    reach = tower_reach_m(scenario)
    areas = blank.areas
    settled = areas["population"].to_numpy() >= cfg.min_settlement_population
    footprint_cells = math.pi * reach * reach / layers.grid.resolution**2
    large = settled & (areas["cells"].to_numpy() > footprint_cells)
    small = areas[settled & ~large]
    name = small["nearest_village"] if "nearest_village" in small else small["id"]
    places = pd.concat(
        [
            _frame(small["centre_x"], small["centre_y"], source="settlement", name=name.to_numpy()),
            _lattice_sites(layers, blank, np.flatnonzero(large), cfg.lattice_spacing_m or reach),
        ],
        ignore_index=True,
    )
    parts = [places]
    if layers.elevation is not None and cfg.high_ground_search_m > 0 and len(places):
        hx, hy = _high_ground(
            layers, places["x"].to_numpy(), places["y"].to_numpy(), cfg.high_ground_search_m
        )
        high_names = ("high ground near " + places["name"].astype(str)).to_numpy()
        parts.append(_frame(hx, hy, source="high_ground", name=high_names))
    if cfg.at_pois and layers.pois is not None:
        pois = layers.pois
        label = pois["name"].astype(str) if "name" in pois else pois["id"]
        parts.append(_frame(pois.geometry.x, pois.geometry.y, source="poi", name=label.to_numpy()))
    cands = pd.concat(parts, ignore_index=True)
    cands = cands[_inside_region(layers, cands["x"].to_numpy(), cands["y"].to_numpy())]
    cands = _thin(cands.reset_index(drop=True), cfg.min_spacing_m)
    cands = _cap(cands, blank, layers, reach, candidate_cap(scenario, blank))
    cands["id"] = [f"C{i + 1:04d}" for i in range(len(cands))]
    cands["kind"] = "tower"
    return cands


def _lattice_sites(
    layers: Layers, blank: BlankSpots, labels: np.ndarray, spacing: float
) -> pd.DataFrame:
    """Sites spread over the blank areas ``labels``: a triangular lattice ``spacing`` apart,
    each point moved to the most populated blank cell of those areas within half a spacing
    (points with none that near are dropped).

    The lattice is anchored at the grid's top-left corner, so the same inputs give the same
    sites. Every cell finds its nearest lattice point directly (the two lattice rows around
    it hold it), so the work is linear in the blank cells.
    """
    grid = layers.grid
    in_areas = np.isin(blank.label, labels)
    cells, people, label = blank.cells[in_areas], blank.population[in_areas], blank.label[in_areas]
    if cells.size == 0:
        return _frame(np.empty(0), np.empty(0), source="lattice", name="")
    x, y = grid.cell_centres(cells)
    row_step = spacing * math.sqrt(3.0) / 2.0
    lower = np.floor((grid.y0 - y) / row_step).astype(np.int64)
    best_d2 = np.full(cells.size, np.inf)
    point_row = np.zeros(cells.size, dtype=np.int64)
    point_col = np.zeros(cells.size, dtype=np.int64)
    for row in (lower, lower + 1):
        shift = (row % 2) * spacing / 2.0
        col = np.rint((x - grid.x0 - shift) / spacing).astype(np.int64)
        d2 = (x - grid.x0 - shift - col * spacing) ** 2 + (y - grid.y0 + row * row_step) ** 2
        nearer = d2 < best_d2
        best_d2 = np.where(nearer, d2, best_d2)
        point_row = np.where(nearer, row, point_row)
        point_col = np.where(nearer, col, point_col)
    near = best_d2 <= (spacing / 2.0) ** 2
    width = int(np.ceil(grid.width * grid.resolution / spacing)) + 3
    point = point_row[near] * width + point_col[near] + 1
    cells, people, label = cells[near], people[near], label[near]
    # per lattice point, its most populated cell (ties: the first cell)
    order = np.lexsort((cells, -people, point))
    _, first = np.unique(point[order], return_index=True)
    chosen = order[first]
    chosen = chosen[np.lexsort((cells[chosen], label[chosen]))]
    sx, sy = grid.cell_centres(cells[chosen])
    return _frame(
        sx, sy, source="lattice", name=_lattice_names(layers, blank, label[chosen], sx, sy)
    )


def _lattice_names(
    layers: Layers, blank: BlankSpots, label: np.ndarray, xs: np.ndarray, ys: np.ndarray
) -> np.ndarray:
    """The nearest village of each lattice site, else its blank area and a number."""
    villages = layers.villages
    if villages is not None and len(villages):
        name_col = "name" if "name" in villages.columns else "id"
        points = gpd.GeoSeries(gpd.points_from_xy(xs, ys), crs=villages.crs)
        idx = villages.sindex.nearest(points, return_all=False)[1]
        return villages[name_col].astype(str).to_numpy()[idx]
    area_ids = blank.areas["id"].astype(str).to_numpy()[label]
    first_of_area = np.searchsorted(label, label)  # label is sorted
    number = np.arange(label.size) - first_of_area + 1
    return np.array([f"{a} site {k}" for a, k in zip(area_ids, number, strict=True)], dtype=object)


def _high_ground(
    layers: Layers, xs: np.ndarray, ys: np.ndarray, radius: float
) -> tuple[np.ndarray, np.ndarray]:
    """The highest in-region cell within ``radius`` of each point (in chunks of points, so
    thousands of points at 100 m stay within a few hundred MB)."""
    grid = layers.grid
    elevation = layers.elevation
    assert elevation is not None
    region = layers.region
    n = int(np.ceil(radius / grid.resolution))
    dy, dx = np.mgrid[-n : n + 1, -n : n + 1]
    disc = (dx * dx + dy * dy) * grid.resolution**2 <= radius * radius
    dy, dx = dy[disc], dx[disc]
    rows, cols = grid.rowcol(xs, ys)
    flat = np.empty(rows.size, dtype=np.int64)
    chunk = max(1, _GATHER_CELLS // dy.size)
    for start in range(0, rows.size, chunk):
        stop = start + chunk
        rr = np.clip(rows[start:stop, None] + dy[None, :], 0, grid.height - 1)
        cc = np.clip(cols[start:stop, None] + dx[None, :], 0, grid.width - 1)
        elev = np.where(region[rr, cc] >= 0, elevation[rr, cc], -np.inf)
        best = np.argmax(np.nan_to_num(elev, nan=-np.inf), axis=1)
        pick = np.arange(best.size)
        flat[start:stop] = rr[pick, best] * grid.width + cc[pick, best]
    return grid.cell_centres(flat)


def _inside_region(layers: Layers, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    flat = layers.grid.flat_index(xs, ys)
    return (flat >= 0) & (layers.region.ravel()[np.maximum(flat, 0)] >= 0)


def _thin(cands: pd.DataFrame, spacing: float) -> pd.DataFrame:
    """Drop candidates closer than ``spacing`` to an earlier (higher-priority) one."""
    if spacing <= 0 or len(cands) < 2:
        return cands
    tree = cKDTree(cands[["x", "y"]].to_numpy())
    pairs = tree.query_pairs(spacing, output_type="ndarray")  # i < j
    keep = np.ones(len(cands), dtype=bool)
    if len(pairs) == 0:
        return cands
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    firsts, starts = np.unique(pairs[:, 0], return_index=True)
    ends = np.append(starts[1:], len(pairs))
    for i, start, end in zip(firsts, starts, ends, strict=True):
        if keep[i]:
            keep[pairs[start:end, 1]] = False
    return cands[keep].reset_index(drop=True)


def _cap(
    cands: pd.DataFrame, blank: BlankSpots, layers: Layers, reach: float, limit: int
) -> pd.DataFrame:
    """Keep the ``limit`` candidates with the most uncovered people within ``reach``."""
    if len(cands) == 0 or blank.cells.size == 0:
        return cands.iloc[:0]
    people = _people_within(layers.grid, blank, cands["x"].to_numpy(), cands["y"].to_numpy(), reach)
    cands = cands.assign(_reach=people)[people > 0]
    order = np.lexsort((np.arange(len(cands)), -cands["_reach"].to_numpy()))
    if len(cands) > limit:
        logger.info(
            "candidates: kept the %d of %d tower sites that reach the most uncovered people "
            "(candidates.max_candidates)",
            limit,
            len(cands),
        )
    return cands.iloc[order[:limit]].drop(columns="_reach").reset_index(drop=True)


def _people_within(
    grid: Grid, blank: BlankSpots, xs: np.ndarray, ys: np.ndarray, reach: float
) -> np.ndarray:
    """Uncovered people in the blank cells whose centres lie within ``reach`` of each point.

    A disc is a stack of row runs, and a run's people are a difference of running sums
    along the row: two look-ups per row of the disc, whatever the resolution.
    """
    rows, cols = np.divmod(blank.cells, grid.width)
    r0, c0 = int(rows.min()), int(cols.min())
    height, width = int(rows.max()) - r0 + 1, int(cols.max()) - c0 + 1
    running = np.zeros((height, width + 1), dtype=np.float64)
    running[rows - r0, cols - c0 + 1] = blank.population
    np.cumsum(running, axis=1, out=running)
    res = grid.resolution
    offsets = np.arange(-(math.ceil(reach / res) + 1), math.ceil(reach / res) + 2)
    centre_rows = np.floor((grid.y0 - ys) / res).astype(np.int64)
    totals = np.zeros(xs.size, dtype=np.float64)
    chunk = max(1, _GATHER_CELLS // offsets.size)
    for start in range(0, xs.size, chunk):
        x, y = xs[start : start + chunk, None], ys[start : start + chunk, None]
        row = centre_rows[start : start + chunk, None] + offsets[None, :]
        half2 = reach * reach - (grid.y0 - (row + 0.5) * res - y) ** 2
        half = np.sqrt(np.maximum(half2, 0.0))
        lo = np.ceil((x - half - grid.x0) / res - 0.5).astype(np.int64) - c0
        hi = np.floor((x + half - grid.x0) / res - 0.5).astype(np.int64) - c0 + 1
        lo, hi = np.clip(lo, 0, width), np.clip(hi, 0, width)
        inside = (half2 >= 0) & (row >= r0) & (row < r0 + height) & (hi > lo)
        r = np.clip(row - r0, 0, height - 1)
        runs = np.where(inside, running[r, hi] - running[r, lo], 0.0)
        totals[start : start + chunk] = runs.sum(axis=1)
    return totals


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


def candidates_shortfall(
    *,
    offered: int,
    built: int,
    budget: float | None,
    spent: float,
    tower_cost: float,
    people_left: float,
    cap: int | None,
    capped: bool,
) -> str | None:
    """A warning when a plan ran out of tower candidates before it ran out of money.

    Parameters
    ----------
    offered
        Tower sites the optimiser could choose from (physical sites, not options).
    built
        Tower sites the plan builds.
    budget
        ``objective.budget``; None (coverage-target mode) never warns.
    spent
        The plan's total cost, backhaul included.
    tower_cost
        Total cost of the cheapest tower option over the horizon (equipment only).
    people_left
        Uncovered people (demand) the plan leaves.
    cap
        The tower-site cap in force (:func:`candidate_cap`); None when the candidates
        were given (``layers.candidates``).
    capped
        Whether the cap dropped generated sites (generation proposed at least ``cap``).

    Returns
    -------
    str or None
        One English sentence naming what to raise, or None when candidates were not short:
        the plan built less than 90% of the sites on offer, the money left would not buy
        one more tower, or no one is left uncovered.
    """
    if budget is None or offered <= 0 or people_left < 1.0 or tower_cost <= 0:
        return None
    money_left = budget - spent
    more = math.floor(money_left / tower_cost) if money_left > 0 else 0
    if built < SHORTFALL_SHARE * offered or more < 1:
        return None
    head = (
        f"The plan builds {built:,} of the {offered:,} tower sites on offer and leaves "
        f"{money_left / budget:.0%} of the budget unspent, enough for about {more:,} more "
        f"towers, while {people_left:,.0f} people stay uncovered: it ran out of candidates "
        "before it ran out of money."
    )
    if cap is None:
        return f"{head} Add sites to layers.candidates, or leave it out to generate them."
    if capped and cap >= MAX_CANDIDATES:
        return (
            f"{head} candidates.max_candidates is at its most ({cap:,}): give "
            "layers.candidates, or plan the region in tiles (region.tiles)."
        )
    if capped:
        return (
            f"{head} Raise candidates.max_candidates from {cap:,} to "
            f"{_suggested_cap(cap, built + more):,} (or lower candidates.people_per_candidate "
            "with max_candidates: auto) and plan again."
        )
    return (
        f"{head} Generation proposed fewer sites than the cap ({cap:,}): lower "
        "candidates.lattice_spacing_m or candidates.min_settlement_population, or give "
        "layers.candidates."
    )


def _suggested_cap(cap: int, affordable: int) -> int:
    """Twice the towers the budget could buy (so the optimiser still has a choice), at
    least twice the cap, rounded up to two significant figures."""
    wanted = max(2 * cap, 2 * affordable)
    step = 10 ** max(0, len(str(wanted)) - 2)
    return min(MAX_CANDIDATES, -(-wanted // step) * step)
