"""Evaluate a plan: who each site serves, what it costs, why it was chosen, and the figures
of ``summary.json`` (DESIGN.md §4).

Each newly covered cell is attributed to the chosen tower that serves it best, so per-site
people add up exactly to the plan's total; WiFi reach likewise to the best hotspot, for cells
left without mobile coverage. Site rows carry the site's own cost; backhaul costs sit on the
links, so sites + hotspots + links add up to ``total_cost``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from netplan.demand import WEIGHTS, demand_weights
from netplan.optimize.greedy import standalone_design, standalone_option_cost
from netplan.pipeline import Analysis, PlanResult
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
    region = layers.region
    inside = region >= 0
    before = analysis.coverage_before.covered & inside
    after = None if covered_after is None else covered_after & inside
    n = len(layers.regions)
    weights = demand_weights(scenario.demand, pop, layers.access_rate)

    def by_region(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.bincount(region[mask], weights=values[mask], minlength=n)

    reg_pop = by_region(pop, inside)
    reg_before = by_region(pop, before)
    reg_after = by_region(pop, after) if after is not None else None
    out: dict[str, Any] = {
        "population_total": round(float(pop[inside].sum()), 1),
        "population_covered_before": round(float(pop[before].sum()), 1),
    }
    out["coverage_before_pct"] = _pct(out["population_covered_before"], out["population_total"])
    if after is not None:
        out["population_covered_after"] = round(float(pop[after].sum()), 1)
        out["coverage_after_pct"] = _pct(out["population_covered_after"], out["population_total"])
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
    out["households_total"] = demand["households"]["total"]
    out["unconnected_households_total"] = demand["unconnected_households"]["total"]
    if after is not None:
        out["households_newly_covered"] = demand["households"]["newly_covered"]
        out["unconnected_households_newly_covered"] = demand["unconnected_households"][
            "newly_covered"
        ]
    out["demand"] = demand

    villages = analysis.villages
    village_before = village_after = None
    if villages is not None:
        village_before = villages.signal(analysis.coverage_before.covered)
        out["villages_total"] = villages.count
        out["villages_with_signal_before"] = int(village_before.sum())
        if covered_after is not None:
            village_after = villages.signal(covered_after)
            out["villages_with_signal_after"] = int(village_after.sum())

    households = by_region(weights.households, inside)
    unconnected = by_region(weights.unconnected_households, inside)
    urban = by_region(pop, inside & layers.urban)
    regions = []
    for i, name in enumerate(layers.regions["name"]):
        entry: dict[str, Any] = {
            "name": str(name),
            "population": round(float(reg_pop[i]), 1),
            "coverage_before_pct": _pct(reg_before[i], reg_pop[i]),
            "coverage_after_pct": _pct(reg_after[i], reg_pop[i]) if reg_after is not None else None,
            "households": round(float(households[i]), 1),
            "unconnected_households": round(float(unconnected[i]), 1),
            "urban_population_pct": _pct(urban[i], reg_pop[i]),
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
        if villages is not None and village_before is not None:
            mine = _village_regions(analysis) == i
            entry["villages"] = int(mine.sum())
            entry["villages_with_signal_before"] = int((village_before & mine).sum())
            if village_after is not None:
                entry["villages_with_signal_after"] = int((village_after & mine).sum())
        regions.append(entry)
    out["regions"] = regions
    out["fairness"] = fairness_figures(reg_pop, reg_before, reg_after, list(layers.regions["name"]))
    out["fairness"]["rules"] = scenario.fairness.model_dump()
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


def region_table(analysis: Analysis, figures: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Region polygons (grid CRS) with their figures from ``summary["regions"]``."""
    regions = analysis.layers.regions.copy()
    for key in ("population", "coverage_before_pct", "coverage_after_pct"):
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


def plan_tables(result: PlanResult) -> PlanTables:
    """Sites, hotspots and links of a plan, with reasons and the summary."""
    analysis, opts, sol = result.analysis, result.options, result.solution
    scenario, blank = analysis.scenario, analysis.blank
    currency = scenario.currency
    horizon = scenario.planning.horizon_years
    table = opts.table
    sel = sol.selected
    is_wifi = (table["kind"] == "wifi").to_numpy()
    pop = blank.population

    chosen_entry = sel[opts.option]
    tower_e = chosen_entry & ~is_wifi[opts.option]
    t_cells, t_best = _attribute(opts.cell[tower_e], opts.option[tower_e], opts.strength[tower_e])
    n_opt = len(table)
    people = np.bincount(t_best, weights=pop[t_cells], minlength=n_opt)
    servers = np.bincount(opts.cell[tower_e], minlength=blank.cells.size)
    only_here_e = tower_e & (servers[opts.cell] == 1)
    only_here = np.bincount(
        opts.option[only_here_e], weights=pop[opts.cell[only_here_e]], minlength=n_opt
    )
    # the blank spot holding most of each site's newly covered people
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

    rows = table.iloc[np.flatnonzero(sel)].copy()
    idx = rows.index.to_numpy()
    rows["people_newly_covered"] = np.round(people[idx], 1)
    rows["people_only_here"] = np.round(only_here[idx], 1)
    links, feeds = _design_links(result)
    group = opts.group[idx]
    for col in ("backhaul", "backhaul_to", "backhaul_km", "backhaul_cost", "backhaul_terrain"):
        rows[col] = [feeds[g][col] if g in feeds else None for g in group]
    rows["relays_to"] = [", ".join(feeds[g]["relays_to"]) if g in feeds else "" for g in group]
    rows["backhaul_cost"] = rows["backhaul_cost"].astype(float).fillna(0.0)
    rows["all_in_cost"] = rows["total_cost"] + rows["backhaul_cost"]
    rows["cost_per_person"] = [
        round(c / p) if p > 0 else None
        for c, p in zip(rows["all_in_cost"], rows["people_newly_covered"], strict=True)
    ]
    areas = blank.areas
    spot_ids = [areas["id"].iat[int(main_spot[j])] if j in main_spot.index else "" for j in idx]
    rows["blank_spot"] = spot_ids
    rows["region"] = [_region_name(analysis, geom.x, geom.y) for geom in rows.geometry]
    avg = sol.cost / sol.covered if sol.covered > 0 else math.nan
    rows["alternative"] = [_alternative(result, int(j), currency) for j in idx]
    rows["reach_m"] = [
        scenario.technologies[t].radius_m if k == "wifi" else None
        for t, k in zip(rows["technology"], rows["kind"], strict=True)
    ]
    rows["reason"] = [
        _reason(r, areas, currency=currency, horizon=horizon, average=avg)
        + (f" {r['alternative']}" if r["alternative"] else "")
        for r in rows.to_dict("records")
    ]
    rows["backhaul_km"] = rows["backhaul_km"].astype(float).round(2)
    sites = _site_frame(rows[rows["kind"] == "tower"], analysis)
    hotspots = _site_frame(rows[rows["kind"] == "wifi"], analysis)

    covered_after = result.coverage_after.covered
    figures = population_figures(analysis, covered_after)
    capex = float(sites["capex"].sum() + hotspots["capex"].sum() + links["capex"].sum())
    opex = float(
        sites["opex_per_year"].sum()
        + hotspots["opex_per_year"].sum()
        + links["opex_per_year"].sum()
    )
    total = float(
        sites["total_cost"].sum() + hotspots["total_cost"].sum() + links["total_cost"].sum()
    )
    newly = round(
        float(figures["population_covered_after"] - figures["population_covered_before"]), 1
    )
    summary: dict[str, Any] = {
        "scenario": scenario.name,
        "currency": currency,
        "budget": scenario.objective.budget,
        "total_cost": total,
        "capex": capex,
        "opex_per_year": opex,
        "horizon_years": horizon,
        "population_total": figures["population_total"],
        "population_covered_before": figures["population_covered_before"],
        "population_covered_after": figures["population_covered_after"],
        "population_newly_covered": newly,
        "coverage_before_pct": figures["coverage_before_pct"],
        "coverage_after_pct": figures["coverage_after_pct"],
        "population_wifi_reach": round(float(hotspots["people_newly_covered"].sum()), 1),
        "new_towers": len(sites),
        "new_wifi": len(hotspots),
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
        "regions": figures["regions"],
    }
    summary.update(extended_figures(analysis, figures))
    return PlanTables(
        sites=sites,
        hotspots=hotspots,
        links=links,
        summary=summary,
        backhaul=backhaul_comparison(result),
        villages=village_table(result),
    )


def _design_links(result: PlanResult) -> tuple[gpd.GeoDataFrame, dict[int, dict[str, Any]]]:
    """The chosen links (plus one satellite row per satellite site) and each site's feed."""
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
    index_of = {str(site_id): g for g, site_id in enumerate(sites["id"])}
    feeds: dict[int, dict[str, Any]] = {}
    records = links.drop(columns="geometry").to_dict("records")
    for link in records:
        feeds[index_of[str(link["to"])]] = {
            "backhaul": link["type"],
            "backhaul_to": link["from"],
            "backhaul_km": link["length_km"],
            "backhaul_cost": link["total_cost"],
            "backhaul_terrain": link["terrain"],
            "relays_to": [],
        }
    for link in records:
        tail = index_of.get(str(link["from"]))
        if tail is not None:
            feeds[tail]["relays_to"].append(str(link["to"]))
    out = gpd.GeoDataFrame(
        links[[*LINK_COLUMNS, "terrain", "capacity_mbps"]],
        geometry=links.geometry.to_numpy(),
        crs=crs,
    )
    return out, feeds


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
        # at the same budget: the best plan with per-site backhaul, and the joint plan
        "per_site_plan_objective": result.solution.per_site_objective,
        "joint_plan_objective": result.solution.objective,
    }


#: how far from a chosen site an unchosen candidate counts as an alternative to it
ALTERNATIVE_RADIUS_M = 10_000.0


def _alternative(result: PlanResult, j: int, currency: str) -> str:
    """The best unchosen candidate near chosen option ``j``, and why it lost.

    Each unchosen tower candidate within :data:`ALTERNATIVE_RADIUS_M` is swapped in for
    ``j`` (everything else kept): the one keeping the most people covered is reported with
    what the swap would change in people and in cost (equipment + its cheapest own feed).
    """
    opts, problem, sol = result.options, result.problem, result.solution
    table = opts.table
    if table["kind"].iat[j] != "tower":
        return ""
    chosen_groups = set(problem.group[sol.selected].tolist())
    here = table.geometry.iat[j]
    dist = table.geometry.distance(here).to_numpy()
    near = np.flatnonzero(
        (dist <= ALTERNATIVE_RADIUS_M)
        & (table["kind"] == "tower").to_numpy()
        & ~np.isin(problem.group, list(chosen_groups))
    )
    if near.size == 0:
        return "No other candidate site lies within 10 km."
    own = standalone_option_cost(problem)
    base, _ = problem.value(sol.selected)
    best = None
    for a in near.tolist():
        trial = sol.selected.copy()
        trial[j] = False
        trial[a] = True
        covered, _ = problem.value(trial)
        key = (covered, -own[a])
        if best is None or key > best[0]:
            best = (key, a, covered)
    assert best is not None
    _, a, covered = best
    name = str(table["id"].iat[a])
    people = base - covered
    extra = own[a] - own[j]
    if abs(extra) < 1.0:
        cost = "at the same cost"
    else:
        cost = f"{money(abs(extra), currency)} {'more' if extra > 0 else 'less'}"
    if people > 0.5:
        why = f"would cover {people:,.0f} fewer people ({cost})"
    elif extra > 0:
        why = f"would cover as many people or more but costs {cost}"
    else:
        why = (
            f"would cover as many people for {cost}, but the joint backhaul design (shared "
            "links, satellite capacity) favoured this site"
        )
    return f"Best alternative: {name}, {dist[a] / 1000:.1f} km away, {why}."


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


def _region_name(analysis: Analysis, x: float, y: float) -> str:
    flat = int(analysis.layers.grid.flat_index(np.array([x]), np.array([y]))[0])
    i = int(analysis.layers.region.ravel()[flat]) if flat >= 0 else -1
    return str(analysis.layers.regions["name"].iat[i]) if i >= 0 else ""


def _backhaul_text(r: dict[str, Any], currency: str) -> str:
    kind = r["backhaul"]
    cost = money(float(r["backhaul_cost"] or 0.0), currency)
    relays = f"; it relays to {r['relays_to']}" if r.get("relays_to") else ""
    if kind == "fiber":
        return (
            f"fiber route {r['backhaul_km']:.1f} km ({r['backhaul_terrain']}) from "
            f"{r['backhaul_to']} ({cost}){relays}"
        )
    if kind == "microwave":
        return f"microwave hop {r['backhaul_km']:.1f} km from {r['backhaul_to']} ({cost}){relays}"
    if kind == "satellite":
        return f"satellite (VSAT) ({cost}); no terrestrial link was cheaper"
    return "none modelled"


def _reason(
    r: dict[str, Any], areas: gpd.GeoDataFrame, *, currency: str, horizon: int, average: float
) -> str:
    people = r["people_newly_covered"]
    cost = money(r["all_in_cost"], currency)
    per = f"{money(r['cost_per_person'], currency)} per person" if r["cost_per_person"] else "n/a"
    if r["kind"] == "wifi":
        return (
            f"Public WiFi at {r['name']}: reaches {people:,.0f} people left without mobile signal "
            f"by this plan. Backhaul: {_backhaul_text(r, currency)}. Cost {cost} over {horizon} "
            f"years ({per})."
        )
    where = ""
    if r["blank_spot"]:
        area = areas.loc[areas["id"] == r["blank_spot"]].iloc[0]
        near = f" near {area['nearest_village']}" if "nearest_village" in area else ""
        where = (
            f", most of them in blank spot {r['blank_spot']}{near} "
            f"({area['population']:,.0f} people live there)"
        )
    compare = (
        f"; plan average {money(average, currency)} per person" if math.isfinite(average) else ""
    )
    return (
        f"Newly covers {people:,.0f} people that no existing site reaches{where}; "
        f"{r['people_only_here']:,.0f} of them are served by no other new site. "
        f"Backhaul: {_backhaul_text(r, currency)}. Cost {cost} over {horizon} years "
        f"({per}{compare})."
    )


def _site_frame(rows: pd.DataFrame, analysis: Analysis) -> gpd.GeoDataFrame:
    out = rows.sort_values("id", kind="stable").reset_index(drop=True)
    return gpd.GeoDataFrame(
        out[SITE_COLUMNS], geometry=out.geometry.to_numpy(), crs=analysis.layers.grid.crs
    )
