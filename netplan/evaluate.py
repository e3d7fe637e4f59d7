"""Evaluate a plan: who each site serves, what it costs, why it was chosen, and the figures
of ``summary.json`` (DESIGN.md §4).

Each newly covered cell is attributed to the chosen tower that serves it best, so per-site
people add up exactly to the plan's total; WiFi reach likewise to the best hotspot, for cells
left without mobile coverage. Site rows carry the site's own cost (``total_cost``), the
cost of the links feeding it (``backhaul_cost``) and both (``all_in_cost``): every link feeds
one new site, so the all-in costs of sites and hotspots add up to ``total_cost``, as do
sites + hotspots + links. Each row also carries everything its popup and its reason need
(:mod:`netplan.reasons` writes the reason from the row alone, in either language).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from netplan.config import Scenario
from netplan.demand import WEIGHTS, DemandWeights, demand_weights
from netplan.optimize.greedy import standalone_design, standalone_option_cost
from netplan.pipeline import Analysis, Options, PlanResult
from netplan.reasons import RUNNER_UP_RADIUS_KM, runner_up_text, site_reason
from netplan.units import money

SITE_COLUMNS = [
    "id",
    "kind",
    "technology",
    "backhaul",
    "capex",
    "opex_per_year",
    "total_cost",
    "people_newly_covered",
    "cost_per_person",
    "reason",
    "name",
    "source",
    "backhaul_to",
    "backhaul_km",
    "backhaul_cost",
    "all_in_cost",
    "people_only_here",
    "relays_to",
    "region",
    "blank_spot",
    "alternative",
    "reach_m",
    # what the popup and the reason need (rendered again from plan.geojson alone)
    "lon",
    "lat",
    "band_mhz",
    "mast_height_m",
    "eirp_dbm",
    "ground_elevation_m",
    "backhaul_capacity_mbps",
    "relayed_via",
    "horizon_years",
    "blank_spot_people",
    "blank_spot_village",
    "plan_cost_per_person",
    "runner_up",
    "runner_up_km",
    "runner_up_people",
    "runner_up_cost",
    "runner_up_cost_per_person",
]
LINK_COLUMNS = ["id", "type", "length_km", "capex", "opex_per_year", "total_cost", "from", "to"]


@dataclass(frozen=True)
class PlanTables:
    """The plan as tables (grid CRS) plus its summary."""

    sites: gpd.GeoDataFrame
    hotspots: gpd.GeoDataFrame
    links: gpd.GeoDataFrame
    summary: dict[str, Any]
    backhaul: dict[str, Any]  #: joint design against per-site cheapest (for the manifest)
    villages: gpd.GeoDataFrame | None = None  #: signal per village, and how to reach the dark
    #: the blank spots with what the plan leaves of them (:func:`blank_spots_after`)
    blank_spots: gpd.GeoDataFrame | None = None


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole > 0 else 0.0


def population_figures(analysis: Analysis, covered_after: np.ndarray | None) -> dict[str, Any]:
    """Population, household and village totals, per-region coverage and its fairness,
    before (and after, when ``covered_after`` is given).

    Every demand unit is reported whichever one the objective uses: people, households
    (people ÷ ``demand.household_size``) and unconnected households (households without
    internet by the BPS rate of the cell's region and urban/rural class).
    """
    layers, scenario = analysis.layers, analysis.scenario
    pop = layers.population.astype(np.float64)
    inside = layers.region >= 0
    before = analysis.coverage_before.covered & inside
    after = None if covered_after is None else covered_after & inside
    weights = demand_weights(scenario.demand, pop, layers.access_rate)
    out = _population_totals(pop, inside, before, after)
    demand = _demand_figures(scenario, weights, inside, before, after)
    out["households_total"] = demand["households"]["total"]
    out["unconnected_households_total"] = demand["unconnected_households"]["total"]
    if after is not None:
        out["households_newly_covered"] = demand["households"]["newly_covered"]
        out["unconnected_households_newly_covered"] = demand["unconnected_households"][
            "newly_covered"
        ]
    out["demand"] = demand
    signal = _village_signal(analysis, covered_after)
    out.update(_village_totals(analysis, signal, covered_after is not None))
    sums = _RegionSums.of(analysis, pop, weights, before, after)
    out["regions"] = _region_entries(analysis, sums, signal, covered_after is not None)
    out["fairness"] = fairness_figures(
        sums.population, sums.before, sums.after, list(layers.regions["name"])
    )
    out["fairness"]["rules"] = scenario.fairness.model_dump()
    return out


def _population_totals(
    pop: np.ndarray, inside: np.ndarray, before: np.ndarray, after: np.ndarray | None
) -> dict[str, Any]:
    """People in the regions, covered before (and after), and those as percentages."""
    out: dict[str, Any] = {
        "population_total": round(float(pop[inside].sum()), 1),
        "population_covered_before": round(float(pop[before].sum()), 1),
    }
    out["coverage_before_pct"] = _pct(out["population_covered_before"], out["population_total"])
    if after is not None:
        out["population_covered_after"] = round(float(pop[after].sum()), 1)
        out["coverage_after_pct"] = _pct(out["population_covered_after"], out["population_total"])
    return out


def _demand_figures(
    scenario: Scenario,
    weights: DemandWeights,
    inside: np.ndarray,
    before: np.ndarray,
    after: np.ndarray | None,
) -> dict[str, Any]:
    """The objective's demand settings, and per demand unit its total, covered before (and
    after, and newly covered)."""
    demand: dict[str, Any] = {
        "weight": scenario.demand.weight,
        "objective": scenario.objective.maximise,
        "household_size": scenario.demand.household_size,
    }
    for unit in WEIGHTS:
        values = weights.of(unit)
        figures = {
            "total": round(float(values[inside].sum()), 1),
            "covered_before": round(float(values[before].sum()), 1),
        }
        if after is not None:
            figures["covered_after"] = round(float(values[after].sum()), 1)
            figures["newly_covered"] = round(
                figures["covered_after"] - figures["covered_before"], 1
            )
        demand[unit] = figures
    return demand


@dataclass(frozen=True)
class _VillageSignal:
    """Which villages have signal before and after the plan (None without villages, or
    without a plan for ``after`` and ``gaining``), and each village's region index."""

    before: np.ndarray | None
    after: np.ndarray | None
    gaining: np.ndarray | None
    region: np.ndarray  #: region index per village (empty without villages)


def _village_signal(analysis: Analysis, covered_after: np.ndarray | None) -> _VillageSignal:
    villages = analysis.villages
    if villages is None:
        return _VillageSignal(None, None, None, np.empty(0, dtype=np.int64))
    before = villages.signal(analysis.coverage_before.covered)
    after = None if covered_after is None else villages.signal(covered_after)
    gaining = None if after is None else after & ~before
    return _VillageSignal(before, after, gaining, _village_regions(analysis))


def _village_totals(
    analysis: Analysis, signal: _VillageSignal, planned: bool
) -> dict[str, int | None]:
    """Villages in all, with signal before (and after), and gaining signal (None without
    villages) when ``planned``."""
    out: dict[str, int | None] = {}
    if analysis.villages is not None and signal.before is not None:
        out["villages_total"] = analysis.villages.count
        out["villages_with_signal_before"] = int(signal.before.sum())
        if signal.after is not None:
            out["villages_with_signal_after"] = int(signal.after.sum())
    if planned:
        out["villages_gaining_signal"] = (
            None if signal.gaining is None else int(signal.gaining.sum())
        )
    return out


@dataclass(frozen=True)
class _RegionSums:
    """Per region index: people, covered before (and after), households, unconnected
    households and urban people."""

    population: np.ndarray
    before: np.ndarray
    after: np.ndarray | None
    households: np.ndarray
    unconnected: np.ndarray
    urban: np.ndarray

    @classmethod
    def of(
        cls,
        analysis: Analysis,
        pop: np.ndarray,
        weights: DemandWeights,
        before: np.ndarray,
        after: np.ndarray | None,
    ) -> _RegionSums:
        layers = analysis.layers
        region = layers.region
        inside = region >= 0
        n = len(layers.regions)

        def by_region(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
            return np.bincount(region[mask], weights=values[mask], minlength=n)

        return cls(
            population=by_region(pop, inside),
            before=by_region(pop, before),
            after=by_region(pop, after) if after is not None else None,
            households=by_region(weights.households, inside),
            unconnected=by_region(weights.unconnected_households, inside),
            urban=by_region(pop, inside & layers.urban),
        )


def _region_entries(
    analysis: Analysis, sums: _RegionSums, signal: _VillageSignal, planned: bool
) -> list[dict[str, Any]]:
    """One entry per region: people, coverage, households, urban share, internet access,
    calibration and village signal."""
    layers = analysis.layers
    regions = []
    for i, name in enumerate(layers.regions["name"]):
        people = sums.population[i]
        entry: dict[str, Any] = {
            "name": str(name),
            "population": round(float(people), 1),
            "coverage_before_pct": _pct(sums.before[i], people),
            "coverage_after_pct": _pct(sums.after[i], people) if sums.after is not None else None,
            "households": round(float(sums.households[i]), 1),
            "unconnected_households": round(float(sums.unconnected[i]), 1),
            "urban_population_pct": _pct(sums.urban[i], people),
        }
        if layers.access is not None:
            entry["internet_access_urban_pct"] = round(100 * float(layers.access.urban[i]), 2)
            entry["internet_access_rural_pct"] = round(100 * float(layers.access.rural[i]), 2)
            entry["internet_access_source"] = layers.access.source[i]
            if layers.access.note[i]:
                entry["internet_access_note"] = layers.access.note[i]
        if layers.calibration is not None:
            factor = float(layers.calibration["factor"].iat[i])
            entry["calibration_factor"] = round(factor, 4) if math.isfinite(factor) else None
        entry.update(_region_village_signal(signal, i))
        if planned:
            entry["villages_gaining_signal"] = (
                None
                if signal.gaining is None
                else int((signal.gaining & (signal.region == i)).sum())
            )
        regions.append(entry)
    return regions


def _region_village_signal(signal: _VillageSignal, i: int) -> dict[str, int]:
    """Region ``i``'s villages, and those with signal before (and after); none without
    villages."""
    if signal.before is None:
        return {}
    mine = signal.region == i
    out = {
        "villages": int(mine.sum()),
        "villages_with_signal_before": int((signal.before & mine).sum()),
    }
    if signal.after is not None:
        out["villages_with_signal_after"] = int((signal.after & mine).sum())
    return out


#: summary keys beyond the DESIGN §4 contract, in the order they are written
EXTENDED_KEYS = (
    "households_total",
    "households_newly_covered",
    "unconnected_households_total",
    "unconnected_households_newly_covered",
    "villages_total",
    "villages_with_signal_before",
    "villages_with_signal_after",
    "villages_gaining_signal",
    "demand",
    "fairness",
)


def extended_figures(analysis: Analysis, figures: dict[str, Any]) -> dict[str, Any]:
    """The summary's keys beyond the contract: demand units, villages, fairness, the
    calibrations and the citizen-report evidence (each only when its input is given)."""
    out = {k: figures[k] for k in EXTENDED_KEYS if k in figures}
    if analysis.layers.calibration is not None:
        out["population_calibration"] = population_calibration(analysis)
    if analysis.layers.access is not None:
        out["access_calibration"] = access_calibration(analysis)
    if analysis.evidence is not None:
        out["signal_reports"] = dict(analysis.evidence.summary)
    return out


def fairness_figures(
    population: np.ndarray,
    before: np.ndarray,
    after: np.ndarray | None,
    names: list[str],
) -> dict[str, Any]:
    """Lowest regional coverage and the Gini coefficient of coverage across regions (regions
    where people live), before and after."""
    lived = population > 0
    out: dict[str, Any] = {}
    for label, covered in (("before", before), ("after", after)):
        if covered is None:
            continue
        shares = np.where(lived, covered / np.maximum(population, 1e-12), np.nan)
        if not lived.any():
            continue
        lowest = int(np.nanargmin(shares))
        out[f"min_region_coverage_{label}_pct"] = round(100 * float(shares[lowest]), 2)
        out[f"lowest_region_{label}"] = str(names[lowest])
        out[f"gini_{label}"] = round(gini(shares[lived]), 4)
    return out


def _village_regions(analysis: Analysis) -> np.ndarray:
    """Region index of each village (of its point's cell; -1 outside)."""
    villages = analysis.villages
    assert villages is not None
    cells = villages.point_cells
    out = np.full(cells.size, -1, dtype=np.int64)
    on = cells >= 0
    out[on] = analysis.layers.region.ravel()[cells[on]]
    return out


def population_calibration(analysis: Analysis) -> list[dict[str, Any]]:
    """Per region: the raster's total, the registry's and the factor applied (empty when
    the population was not calibrated)."""
    table = analysis.layers.calibration
    if table is None:
        return []
    return [
        {
            "name": str(row.name),
            "gridded": round(float(row.gridded), 1),
            "registry": round(float(row.registry), 1),
            "factor": round(float(row.factor), 4) if math.isfinite(row.factor) else None,
        }
        for row in table.itertuples()
    ]


def access_calibration(analysis: Analysis) -> list[dict[str, Any]]:
    """Modelled coverage next to BPS household internet access, per access-table region
    (e.g. province), largest disagreement first.

    ``modelled_coverage_pct`` is the share of households in mobile coverage;
    ``bps_access_pct`` the share of households that used the internet (the table's rates,
    mixed by each area's urban and rural households). Coverage well below access hints at
    missing towers in the input; coverage far above it, at signal that people cannot use
    (price, devices, capacity) or a coverage model that is too generous.
    """
    layers = analysis.layers
    access = layers.access
    if access is None:
        return []
    regions = layers.regions
    group = (
        regions["access_key"].astype(str) if "access_key" in regions.columns else regions["name"]
    ).to_numpy()
    keys, index = np.unique(group, return_inverse=True)
    region = layers.region
    inside = region >= 0
    weights = demand_weights(analysis.scenario.demand, layers.population, layers.access_rate)
    hh = weights.households
    connected = hh - weights.unconnected_households
    covered = analysis.coverage_before.covered & inside
    g_of_cell = index[region[inside]]
    n = len(keys)
    total = np.bincount(g_of_cell, weights=hh[inside], minlength=n)
    cov = np.bincount(index[region[covered]], weights=hh[covered], minlength=n)
    used = np.bincount(g_of_cell, weights=connected[inside], minlength=n)
    rows = []
    for k, key in enumerate(keys):
        members = np.flatnonzero(index == k)
        first = int(members[0])
        modelled = _pct(cov[k], total[k])
        bps = _pct(used[k], total[k])
        rows.append(
            {
                "region": str(key),
                "table_row": access.source[first],
                "regions": [str(regions["name"].iat[i]) for i in members],
                "households": round(float(total[k]), 1),
                "modelled_coverage_pct": modelled,
                "bps_access_pct": bps,
                "bps_total_pct": round(100 * float(access.total[first]), 2),
                "difference_pct": round(modelled - bps, 2),
                "note": access.note[first],
            }
        )
    return sorted(rows, key=lambda r: -abs(r["difference_pct"]))


def gini(values: list[float] | np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = all equal, → 1 = all in one)."""
    v = np.sort(np.asarray(values, dtype=float))
    if v.size == 0 or v.sum() <= 0:
        return 0.0
    n = v.size
    return float((2 * np.arange(1, n + 1) - n - 1) @ v / (n * v.sum()))


#: the figures of ``summary["regions"]`` the regions layer carries (map, GeoPackage)
REGION_LAYER_KEYS = (
    "population",
    "coverage_before_pct",
    "coverage_after_pct",
    "new_towers",
    "new_wifi",
    "spend",
    "villages_gaining_signal",
)


def region_table(analysis: Analysis, figures: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Region polygons (grid CRS) with their figures from ``summary["regions"]``."""
    regions = analysis.layers.regions.copy()
    for key in REGION_LAYER_KEYS:
        if any(key in f for f in figures) or (not figures and key == "population"):
            regions[key] = [f.get(key) for f in figures] if figures else np.nan
    return regions


def _attribute(
    cells: np.ndarray, options: np.ndarray, strength: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each distinct cell, the option with the highest strength (ties: lowest index)."""
    if cells.size == 0:
        return cells, options
    order = np.lexsort((options, -strength, cells))
    c, o = cells[order], options[order]
    first = np.ones(c.size, dtype=bool)
    first[1:] = c[1:] != c[:-1]
    return c[first], o[first]


@dataclass(frozen=True)
class _Served:
    """Whom the chosen options serve, per option (index of ``options.table``)."""

    people: np.ndarray  #: newly covered (towers, best server) or reached (WiFi)
    only_here: np.ndarray  #: newly covered people no other chosen tower serves
    main_spot: pd.Series  #: option → row of ``blank.areas`` holding most of its people
    servers: np.ndarray  #: per blank cell, how many chosen towers serve it


def _served(result: PlanResult) -> _Served:
    """Attribute each newly covered cell to its best chosen tower, and each cell left
    without mobile coverage to its best chosen hotspot."""
    opts, blank = result.options, result.analysis.blank
    pop = blank.population
    n_opt = len(opts.table)
    is_wifi = (opts.table["kind"] == "wifi").to_numpy()
    chosen_entry = result.solution.selected[opts.option]
    tower_e = chosen_entry & ~is_wifi[opts.option]
    t_cells, t_best = _attribute(opts.cell[tower_e], opts.option[tower_e], opts.strength[tower_e])
    people = np.bincount(t_best, weights=pop[t_cells], minlength=n_opt)
    servers = np.bincount(opts.cell[tower_e], minlength=blank.cells.size)
    only_e = tower_e & (servers[opts.cell] == 1)
    only_here = np.bincount(opts.option[only_e], weights=pop[opts.cell[only_e]], minlength=n_opt)
    spot_people = pd.DataFrame({"opt": t_best, "spot": blank.label[t_cells], "p": pop[t_cells]})
    spot_people = spot_people[spot_people["spot"] >= 0]
    main_spot = (
        spot_people.groupby(["opt", "spot"])["p"]
        .sum()
        .reset_index()
        .sort_values(["opt", "p", "spot"], ascending=[True, False, True])
        .drop_duplicates("opt")
        .set_index("opt")["spot"]
    )
    covered_now = np.zeros(blank.cells.size, dtype=bool)
    covered_now[t_cells] = True
    wifi_e = chosen_entry & is_wifi[opts.option] & ~covered_now[opts.cell]
    w_cells, w_best = _attribute(opts.cell[wifi_e], opts.option[wifi_e], opts.strength[wifi_e])
    people = people + np.bincount(w_best, weights=pop[w_cells], minlength=n_opt)
    return _Served(people, only_here, main_spot, servers)


def plan_tables(result: PlanResult) -> PlanTables:
    """Sites, hotspots and links of a plan, with reasons, the summary and the blank spots
    as they stand after the plan.

    Costs add up: a site's ``total_cost`` is its own equipment over the horizon,
    ``backhaul_cost`` the links that feed it (every link feeds exactly one new site, its
    ``to``, so a relay hop is paid by the site it feeds), ``all_in_cost`` both, and the
    sum of ``all_in_cost`` over sites and hotspots is the summary's ``total_cost``. Money
    is in whole currency units, people to 0.1, kilometres to 0.01. Reasons are written in
    the scenario's ``output.lang``.
    """
    analysis = result.analysis
    scenario = analysis.scenario
    served = _served(result)
    rows = result.options.table.iloc[np.flatnonzero(result.solution.selected)].copy()
    idx = rows.index.to_numpy()
    rows["people_newly_covered"] = np.round(served.people[idx], 1)
    rows["people_only_here"] = np.round(served.only_here[idx], 1)
    links, feeds = _design_links(result)
    horizon = scenario.planning.horizon_years
    rows = _with_feeds(rows, feeds, result.options.group[idx], horizon)
    terminal = dict(zip(rows["id"], rows["backhaul_capacity_mbps"], strict=True))
    vsat = (links["type"] == "satellite").to_numpy()
    links.loc[vsat, "capacity_mbps"] = links.loc[vsat, "to"].map(terminal).to_numpy(dtype=float)
    rows = _with_blank_spots(rows, analysis.blank.areas, served.main_spot)
    rows = _with_site_facts(rows, analysis)
    rows = _with_runner_ups(rows, result, served)
    summary = _plan_summary(result, rows, links)
    rows["plan_cost_per_person"] = summary["cost_per_new_person"]
    rows = _with_reasons(rows, scenario.currency, scenario.output.lang)
    return PlanTables(
        sites=_site_frame(rows[rows["kind"] == "tower"], analysis),
        hotspots=_site_frame(rows[rows["kind"] == "wifi"], analysis),
        links=links,
        summary=summary,
        backhaul=backhaul_comparison(result),
        villages=village_table(result),
        blank_spots=blank_spots_after(analysis, result.coverage_after.covered),
    )


def _with_feeds(
    rows: pd.DataFrame, feeds: dict[int, dict[str, Any]], group: np.ndarray, horizon: int
) -> pd.DataFrame:
    """Each row's feed (from :func:`_design_links`) and its money in whole units."""
    for col in ("backhaul", "backhaul_to", "backhaul_km", "relayed_via"):
        rows[col] = [feeds[g][col] if g in feeds else None for g in group]
    rows["backhaul_capacity_mbps"] = [
        feeds[g]["capacity_mbps"] if g in feeds else math.nan for g in group
    ]
    # a VSAT terminal is provisioned for what the site needs (its share of the satellite
    # capacity the plan may use)
    satellite = (rows["backhaul"] == "satellite").to_numpy()
    rows.loc[satellite, "backhaul_capacity_mbps"] = rows.loc[satellite, "bandwidth_mbps"]
    rows["backhaul_cost"] = [feeds[g]["backhaul_cost"] if g in feeds else 0.0 for g in group]
    rows["relays_to"] = [", ".join(feeds[g]["relays_to"]) if g in feeds else "" for g in group]
    rows["backhaul_km"] = rows["backhaul_km"].astype(float).round(2)
    rows["backhaul_capacity_mbps"] = rows["backhaul_capacity_mbps"].astype(float)
    _round_money(rows, horizon)
    rows["all_in_cost"] = rows["total_cost"] + rows["backhaul_cost"].astype(float)
    people = rows["people_newly_covered"].to_numpy(dtype=float)
    rows["cost_per_person"] = np.where(
        people > 0, np.round(rows["all_in_cost"] / np.where(people > 0, people, 1.0)), np.nan
    )
    return rows


def _round_money(frame: pd.DataFrame, horizon: int | None = None) -> None:
    """Capex and opex in whole units, and the total over the horizon recomputed from them
    (so ``total_cost = capex + horizon × opex_per_year`` holds exactly)."""
    capex = np.round(frame["capex"].to_numpy(dtype=float))
    opex = np.round(frame["opex_per_year"].to_numpy(dtype=float))
    frame["capex"], frame["opex_per_year"] = capex, opex
    if horizon is None:
        frame["total_cost"] = np.round(frame["total_cost"].to_numpy(dtype=float))
    else:
        frame["total_cost"] = capex + horizon * opex
    if "backhaul_cost" in frame:
        frame["backhaul_cost"] = np.round(frame["backhaul_cost"].to_numpy(dtype=float))


def _with_blank_spots(
    rows: pd.DataFrame, areas: gpd.GeoDataFrame, main_spot: pd.Series
) -> pd.DataFrame:
    """The blank spot holding most of each site's newly covered people: its id, people and
    nearest village."""
    spot = [int(main_spot[j]) if j in main_spot.index else -1 for j in rows.index]
    rows["blank_spot"] = [areas["id"].iat[s] if s >= 0 else "" for s in spot]
    rows["blank_spot_people"] = [
        round(float(areas["population"].iat[s]), 1) if s >= 0 else math.nan for s in spot
    ]
    villages = areas.get("nearest_village")
    rows["blank_spot_village"] = [
        str(villages.iat[s]) if villages is not None and s >= 0 else None for s in spot
    ]
    return rows


def _with_site_facts(rows: pd.DataFrame, analysis: Analysis) -> pd.DataFrame:
    """What an engineer reads off a site: lon/lat, region, band, mast, EIRP, ground."""
    scenario, layers = analysis.scenario, analysis.layers
    tech = [scenario.technologies[t] for t in rows["technology"]]
    towers = (rows["kind"] == "tower").to_numpy()
    lonlat = gpd.GeoSeries(rows.geometry.to_numpy(), crs=layers.grid.crs).to_crs("EPSG:4326")
    rows["lon"] = np.round(lonlat.x.to_numpy(), 6)
    rows["lat"] = np.round(lonlat.y.to_numpy(), 6)
    xs, ys = rows.geometry.x.to_numpy(), rows.geometry.y.to_numpy()
    flat = layers.grid.flat_index(xs, ys)
    region = np.where(flat >= 0, layers.region.ravel()[np.maximum(flat, 0)], -1)
    rows["region_index"] = region
    names = layers.regions["name"].astype(str).to_numpy()
    rows["region"] = [str(names[i]) if i >= 0 else "" for i in region]
    rows["band_mhz"] = [_float_or_nan(t.frequency_mhz) for t in tech]
    rows["mast_height_m"] = np.where(
        towers, rows["mast_m"].to_numpy(dtype=float), [_float_or_nan(t.height_m) for t in tech]
    )
    terrain = scenario.coverage.model == "terrain"
    rows["eirp_dbm"] = [
        _float_or_nan(t.eirp_dbm) if terrain and t.kind == "tower" else math.nan for t in tech
    ]
    rows["ground_elevation_m"] = _ground_elevation(layers.elevation, flat)
    rows["horizon_years"] = scenario.planning.horizon_years
    rows["reach_m"] = [t.radius_m if t.kind == "wifi" else None for t in tech]
    return rows


def _float_or_nan(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _ground_elevation(dem: np.ndarray | None, flat: np.ndarray) -> np.ndarray:
    """The DEM at each site's cell, to 0.1 m (NaN without a DEM or off it)."""
    if dem is None:
        return np.full(flat.size, np.nan)
    values = dem.ravel()[np.maximum(flat, 0)].astype(float)
    return np.round(np.where(flat >= 0, values, np.nan), 1)


def _plan_summary(
    result: PlanResult, rows: pd.DataFrame, links: gpd.GeoDataFrame
) -> dict[str, Any]:
    """The ``summary.json`` of a plan (DESIGN.md §4, then the extensions)."""
    analysis, sol = result.analysis, result.solution
    scenario = analysis.scenario
    figures = population_figures(analysis, result.coverage_after.covered)
    towers, wifi = rows[rows["kind"] == "tower"], rows[rows["kind"] == "wifi"]
    capex = float(rows["capex"].sum() + links["capex"].sum())
    opex = float(rows["opex_per_year"].sum() + links["opex_per_year"].sum())
    total = float(rows["total_cost"].sum() + links["total_cost"].sum())
    newly = round(
        float(figures["population_covered_after"] - figures["population_covered_before"]), 1
    )
    summary: dict[str, Any] = {
        "scenario": scenario.name,
        "currency": scenario.currency,
        "budget": scenario.objective.budget,
        "total_cost": total,
        "capex": capex,
        "opex_per_year": opex,
        "horizon_years": scenario.planning.horizon_years,
        "population_total": figures["population_total"],
        "population_covered_before": figures["population_covered_before"],
        "population_covered_after": figures["population_covered_after"],
        "population_newly_covered": newly,
        "coverage_before_pct": figures["coverage_before_pct"],
        "coverage_after_pct": figures["coverage_after_pct"],
        "population_wifi_reach": round(float(wifi["people_newly_covered"].sum()), 1),
        "new_towers": len(towers),
        "new_wifi": len(wifi),
        "fiber_km": round(float(links.loc[links["type"] == "fiber", "length_km"].sum()), 2),
        "microwave_links": int((links["type"] == "microwave").sum()),
        "satellite_links": int((links["type"] == "satellite").sum()),
        "cost_per_new_person": round(total / newly) if newly > 0 else None,
        "solver": {
            "status": sol.status,
            "objective": round(sol.objective, 3),
            "bound": round(sol.bound, 3),
            "gap": round(sol.gap, 6),
            "seconds": round(sol.seconds, 3),
        },
        "regions": _with_region_plans(figures["regions"], rows),
    }
    summary.update(extended_figures(analysis, figures))
    return summary


def _with_region_plans(regions: list[dict[str, Any]], rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Per region: the new towers and hotspots located in it and their all-in spend.

    Every backhaul link feeds exactly one new site (its ``to``; a relay hop is paid by the
    site it feeds, a shared trench's later spans by the sites downstream), so a region's
    spend is the equipment and feed of the sites that stand in it; the regions add up to
    the plan's total cost less the sites standing outside every region (none when the
    candidates lie inside the boundaries).
    """
    where = rows["region_index"].to_numpy()
    kind = rows["kind"].to_numpy()
    cost = rows["all_in_cost"].to_numpy(dtype=float)
    for i, region in enumerate(regions):
        mine = where == i
        region["new_towers"] = int((mine & (kind == "tower")).sum())
        region["new_wifi"] = int((mine & (kind == "wifi")).sum())
        region["spend"] = round(float(cost[mine].sum()))
    return regions


def blank_spots_after(analysis: Analysis, covered_after: np.ndarray) -> gpd.GeoDataFrame:
    """The blank spots (a copy of ``analysis.blank.areas``) with what a plan leaves of them.

    Adds ``people_covered_after`` and ``people_still_dark`` (to 0.1) and ``status``:
    ``closed`` when at least 99% of the spot's people are in mobile coverage after the
    plan, ``dark`` when under 1% are, ``partly_closed`` in between. People reached only by
    a public-WiFi hotspot stay dark here, as in the summary.
    """
    blank = analysis.blank
    areas = blank.areas.copy()
    n = len(areas)
    in_area = blank.label >= 0
    lit = in_area & covered_after.ravel()[blank.cells]
    pop = blank.population.astype(np.float64)
    people = np.bincount(blank.label[in_area], weights=pop[in_area], minlength=n).astype(float)
    covered = np.bincount(blank.label[lit], weights=pop[lit], minlength=n).astype(float)
    share = np.divide(covered, people, out=np.zeros(n), where=people > 0)
    areas["population"] = np.round(areas["population"].to_numpy(dtype=float), 1)
    areas["people_covered_after"] = np.round(covered, 1)
    areas["people_still_dark"] = np.round(np.maximum(people - covered, 0.0), 1)
    areas["status"] = np.select(
        [share >= CLOSED_SHARE, share < DARK_SHARE], ["closed", "dark"], "partly_closed"
    )
    return areas


#: a blank spot is closed from this share of its people covered, dark below the other
CLOSED_SHARE, DARK_SHARE = 0.99, 0.01


def _with_reasons(rows: pd.DataFrame, currency: str, lang: str) -> pd.DataFrame:
    """The reason and the runner-up text of every row, in ``lang``."""
    records = rows.drop(columns="geometry").to_dict("records")
    rows["alternative"] = [runner_up_text(r, currency=currency, lang=lang) for r in records]
    rows["reason"] = [site_reason(r, currency=currency, lang=lang) for r in records]
    return rows


def _design_links(result: PlanResult) -> tuple[gpd.GeoDataFrame, dict[int, dict[str, Any]]]:
    """The chosen links (plus one satellite row per satellite site), money in whole units,
    and each site's feed: the link(s) whose ``to`` it is (keyed by row of ``options.sites``).
    """
    opts, design = result.options, result.solution.design
    crs = result.analysis.layers.grid.crs
    sites = opts.sites
    if opts.backhaul is None:
        return gpd.GeoDataFrame(
            columns=[*LINK_COLUMNS, "geometry"], geometry="geometry", crs=crs
        ), {}
    horizon = result.analysis.scenario.planning.horizon_years
    chosen = opts.backhaul.links.iloc[np.flatnonzero(design.arcs)].copy()
    sat_sites = np.flatnonzero(design.satellite)
    capex, opex = opts.backhaul.satellite_capex, opts.backhaul.satellite_opex_per_year
    satellite = gpd.GeoDataFrame(
        {
            "type": "satellite",
            "from": "satellite",
            "to": sites["id"].to_numpy()[sat_sites],
            "length_km": 0.0,
            "terrain": "",
            "capacity_mbps": np.nan,
            "capex": capex,
            "opex_per_year": opex,
            "total_cost": capex + horizon * opex,
        },
        geometry=gpd.GeoSeries([None] * len(sat_sites), crs=crs),
        crs=crs,
    )
    links = pd.concat([chosen, satellite], ignore_index=True)
    links = links.sort_values(["to", "type"], kind="stable").reset_index(drop=True)
    links.insert(0, "id", [f"L{i + 1:04d}" for i in range(len(links))])
    _round_money(links, horizon)
    out = gpd.GeoDataFrame(
        links[[*LINK_COLUMNS, "terrain", "capacity_mbps"]],
        geometry=links.geometry.to_numpy(),
        crs=crs,
    )
    return out, _feeds(links.drop(columns="geometry").to_dict("records"), sites)


def _feeds(links: list[dict[str, Any]], sites: pd.DataFrame) -> dict[int, dict[str, Any]]:
    """Each fed site's backhaul: its link's type, far end, length, capacity and the cost of
    every link feeding it; ``relayed_via`` when the far end is another new site, and the
    new sites it relays to."""
    index_of = {str(site_id): g for g, site_id in enumerate(sites["id"])}
    feeds: dict[int, dict[str, Any]] = {}
    for link in links:
        head = index_of[str(link["to"])]
        relayed = str(link["from"]) in index_of
        feed = feeds.setdefault(head, {"backhaul_cost": 0.0, "relays_to": []})
        feed["backhaul_cost"] += float(link["total_cost"])
        feed.update(
            backhaul=link["type"],
            backhaul_to=link["from"],
            backhaul_km=link["length_km"],
            capacity_mbps=link["capacity_mbps"],
            relayed_via=str(link["from"]) if relayed else None,
        )
    for link in links:
        tail = index_of.get(str(link["from"]))
        if tail is not None:
            feeds[tail]["relays_to"].append(str(link["to"]))
    return feeds


def backhaul_comparison(result: PlanResult) -> dict[str, Any]:
    """The chosen sites' joint backhaul design against each taking its cheapest feed alone."""
    problem, design = result.problem, result.solution.design
    if problem.network is None:
        return {}
    joint = problem.network.design_cost(design.arcs, design.satellite)
    # the same sites, each on its cheapest own feed (satellite capacity shared out by saving)
    alone = standalone_design(problem, design.selected)
    dropped = int(problem.built(design.selected).sum() - problem.built(alone.selected).sum())
    alone_cost = problem.network.design_cost(alone.arcs, alone.satellite)
    return {
        "joint_cost": joint,
        "per_site_cheapest_cost": alone_cost if dropped == 0 else None,
        "saving": alone_cost - joint if dropped == 0 else None,
        "sites_that_cannot_be_fed_alone": dropped,
        "relayed_sites": int(np.sum(design.arcs & (problem.network.tail >= 0))),
    }


#: how far from a chosen site an unchosen candidate counts as an alternative to it


#: how far from a chosen site an unchosen candidate counts as its runner-up
ALTERNATIVE_RADIUS_M = 1000.0 * RUNNER_UP_RADIUS_KM

#: the runner-up fields of a site row, and their values when it has none
_NO_RUNNER_UP: dict[str, Any] = {
    "runner_up": None,
    "runner_up_km": math.nan,
    "runner_up_people": math.nan,
    "runner_up_cost": math.nan,
    "runner_up_cost_per_person": math.nan,
}


def _with_runner_ups(rows: pd.DataFrame, result: PlanResult, served: _Served) -> pd.DataFrame:
    """Each tower's runner-up (:func:`_runner_up`) as columns; none for hotspots."""
    own = standalone_option_cost(result.problem)
    cells = _cells_by_option(result.options)
    found = [
        _runner_up(result, int(j), own=own, cells=cells, served=served)
        if kind == "tower"
        else _NO_RUNNER_UP
        for j, kind in zip(rows.index, rows["kind"], strict=True)
    ]
    for key in _NO_RUNNER_UP:
        rows[key] = [f[key] for f in found]
    return rows


def _cells_by_option(opts: Options) -> list[np.ndarray]:
    """The blank cells (indices into ``blank.cells``) each option serves."""
    order = np.argsort(opts.option, kind="stable")
    bounds = np.searchsorted(opts.option[order], np.arange(1, len(opts.table)))
    return np.split(opts.cell[order], bounds)


def _runner_up(
    result: PlanResult, j: int, *, own: np.ndarray, cells: list[np.ndarray], served: _Served
) -> dict[str, Any]:
    """The best unchosen candidate near chosen tower ``j``, in its place.

    Each unchosen tower candidate within :data:`ALTERNATIVE_RADIUS_M` is swapped in for
    ``j`` (everything else kept); the one keeping the most of the objective covered (then
    the cheapest) is the runner-up. Its people are those ``j`` is credited with, changed by
    what the swap loses and gains; its cost is its equipment plus its cheapest own feed.
    """
    opts, problem, sol = result.options, result.problem, result.solution
    table = opts.table
    dist = table.geometry.distance(table.geometry.iat[j]).to_numpy()
    chosen_groups = problem.group[sol.selected]
    near = np.flatnonzero(
        (dist <= ALTERNATIVE_RADIUS_M)
        & (table["kind"] == "tower").to_numpy()
        & ~np.isin(problem.group, chosen_groups)
    )
    if near.size == 0:
        return _NO_RUNNER_UP
    best: tuple[tuple[float, float], int] | None = None
    for a in near.tolist():
        trial = sol.selected.copy()
        trial[j], trial[a] = False, True
        key = (problem.value(trial)[0], -own[a])
        if best is None or key > best[0]:
            best = (key, a)
    assert best is not None
    a = best[1]
    pop, servers = result.analysis.blank.population, served.servers
    theirs = cells[a]
    kept = (servers[theirs] == 0) | ((servers[theirs] == 1) & np.isin(theirs, cells[j]))
    people = round(float(served.people[j] - served.only_here[j] + pop[theirs[kept]].sum()), 1)
    cost = float(own[a]) if math.isfinite(own[a]) else math.nan
    return {
        "runner_up": str(table["id"].iat[a]),
        "runner_up_km": round(float(dist[a]) / 1000.0, 2),
        "runner_up_people": people,
        "runner_up_cost": round(cost) if math.isfinite(cost) else math.nan,
        "runner_up_cost_per_person": round(cost / people)
        if people > 0 and math.isfinite(cost)
        else math.nan,
    }


def village_table(result: PlanResult) -> gpd.GeoDataFrame | None:
    """Each village: its people, the share covered and signal before and after, and for one
    left dark, the cheapest way to reach it (the candidate serving its most populous blank
    cell with the least equipment + own feed cost)."""
    analysis, opts, problem = result.analysis, result.options, result.problem
    villages = analysis.villages
    if villages is None:
        return None
    currency = analysis.scenario.currency
    before = villages.signal(analysis.coverage_before.covered)
    after = villages.signal(result.coverage_after.covered)
    share_before = villages.covered_pct(analysis.coverage_before.covered)
    share_after = villages.covered_pct(result.coverage_after.covered)
    own = standalone_option_cost(problem)
    blank = analysis.blank
    # the most populous blank cell of each village (its own cell when it has none)
    target = villages.point_cells.copy()
    of_blank = villages.of_cell(blank.cells)
    order = np.lexsort((-blank.population, of_blank))
    first = np.ones(order.size, dtype=bool)
    first[1:] = of_blank[order][1:] != of_blank[order][:-1]
    for pos in order[first & (of_blank[order] >= 0)].tolist():
        target[of_blank[pos]] = blank.cells[pos]
    kinds = opts.table["kind"].to_numpy()
    how: list[str] = []
    cost: list[float | None] = []
    for i, cell in enumerate(target.tolist()):
        pos = int(np.searchsorted(blank.cells, cell)) if blank.cells.size else 0
        if after[i] or cell < 0 or pos >= blank.cells.size or blank.cells[pos] != cell:
            how.append("")
            cost.append(None)
            continue
        serving = opts.option[opts.cell == pos]
        towers = serving[(kinds[serving] == "tower") & np.isfinite(own[serving])]
        if towers.size == 0:
            how.append("no candidate site reaches it: add a candidate nearby")
            cost.append(None)
            continue
        best = int(towers[np.argmin(own[towers])])
        row = opts.table.iloc[best]
        how.append(
            f"cheapest way: {row['id']} ({row['technology']}) for {money(own[best], currency)} "
            "including its own backhaul"
        )
        cost.append(float(own[best]))
    table = villages.table
    return gpd.GeoDataFrame(
        {
            "id": table["id"].astype(str).to_numpy(),
            "name": table["name"].astype(str).to_numpy(),
            "people": np.round(villages.people, 1),
            "covered_before_pct": share_before,
            "covered_after_pct": share_after,
            "signal_before": before,
            "signal_after": after,
            "cheapest_cost": cost,
            "how_to_reach": how,
        },
        geometry=table.geometry.to_numpy(),
        crs=table.crs,
    )


def _site_frame(rows: pd.DataFrame, analysis: Analysis) -> gpd.GeoDataFrame:
    out = rows.sort_values("id", kind="stable").reset_index(drop=True)
    return gpd.GeoDataFrame(
        out[SITE_COLUMNS], geometry=out.geometry.to_numpy(), crs=analysis.layers.grid.crs
    )
