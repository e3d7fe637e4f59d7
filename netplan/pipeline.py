"""The planning pipeline: config → layers → coverage and blank spots → candidates →
optimisation → plan. Each stage is a function of typed objects; nothing here touches files
except through :mod:`netplan.layers` (which reads via :mod:`netplan.io`).
"""

from __future__ import annotations

import difflib
import logging
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

from netplan import progress
from netplan.backhaul.network import BackhaulOptions, backhaul_options
from netplan.candidates import candidate_cap, candidate_sites, candidates_shortfall
from netplan.config import Scenario
from netplan.demand import (
    BlankSpots,
    Coverage,
    DemandWeights,
    demand_weights,
    existing_coverage,
    find_blank_spots,
)
from netplan.errors import InfeasibleError, InputError
from netplan.layers import Layers, load_layers
from netplan.optimize.problem import (
    CoverageProblem,
    Design,
    RegionRules,
    VillageGoal,
    merge_rows,
)
from netplan.optimize.solver import Solution, SolverSettings, solve
from netplan.parallel import dask_client, map_sites
from netplan.radio.coverage import (
    CoverageModel,
    Footprint,
    SiteRequest,
    best_server,
    coverage_model,
    finite_or_none,
    footprint_of,
)
from netplan.signal_reports import ReportEvidence, report_evidence
from netplan.tiles import Tile
from netplan.villages import Villages, village_status

logger = logging.getLogger(__name__)


@dataclass
class Timings:
    """Wall time per stage, in seconds (for the manifest and benchmarks)."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        logger.info("%s ...", name)
        start = time.perf_counter()
        try:
            with progress.task(name.capitalize()):
                yield
        finally:
            self.seconds[name] = round(time.perf_counter() - start, 3)


@dataclass(frozen=True)
class Analysis:
    """Coverage before any new site, and the blank spots it leaves."""

    scenario: Scenario
    layers: Layers
    model: CoverageModel
    coverage_before: Coverage
    blank: BlankSpots
    timings: Timings
    #: per blank cell: people, households and unconnected households (reports' boost not
    #: applied: these are what the summary counts)
    weights: DemandWeights | None = None
    #: per blank cell: what the objective maximises (``demand.weight``, times the reports'
    #: ``weight`` where citizen reports confirm the blank spot)
    objective_weight: np.ndarray | None = None
    evidence: ReportEvidence | None = None
    villages: Villages | None = None  #: village membership and signal before


@dataclass(frozen=True)
class Options:
    """Candidate options with costs, which blank cells each serves, and their backhaul."""

    table: gpd.GeoDataFrame  #: one row per option (site × technology), grid CRS, costs
    cell: np.ndarray  #: footprint entries: index into ``blank.cells`` ...
    option: np.ndarray  #: ... served by this option ...
    strength: np.ndarray  #: ... with this strength (best server wins)
    group: np.ndarray  #: per option, its physical site (row of ``sites``)
    sites: pd.DataFrame  #: one row per physical site: id, kind, x, y, mast_m
    backhaul: BackhaulOptions | None  #: candidate links; None when no backhaul is configured
    #: tower sites candidate generation proposed (before the cap's cut is checked against)
    generated_towers: int = 0

    def cell_cover(self, n_cells: int) -> sparse.csr_matrix:
        """(blank cells × options) 0/1 matrix."""
        data = np.ones(self.cell.size, dtype=np.int8)
        return sparse.csr_matrix((data, (self.cell, self.option)), shape=(n_cells, len(self.table)))


@dataclass(frozen=True)
class PlanResult:
    """An analysis, the options considered and the optimiser's choice among them."""

    analysis: Analysis
    options: Options
    problem: CoverageProblem
    solution: Solution
    coverage_after: Coverage
    chosen_footprints: dict[int, Footprint]
    #: with reviewer decisions: the objective of the same problem without them
    free_objective: float | None = None


def analyze(
    scenario: Scenario, *, timings: Timings | None = None, tile: Tile | None = None
) -> Analysis:
    """Load layers, model existing coverage and find blank spots (of one ``tile`` of a
    national scenario)."""
    timings = timings or Timings()
    scheduler = scenario.compute.scheduler
    with timings.stage("load layers"), dask_client(scheduler) as client:
        layers = load_layers(scenario, client=client, tile=tile)
    model = coverage_model(scenario, layers.grid, layers.elevation)
    with timings.stage("existing coverage"), dask_client(scheduler) as client:
        before = existing_coverage(scenario, layers, model, client=client)
    evidence = None
    if layers.reports is not None:
        with timings.stage("signal reports"):
            evidence = _evidence(scenario, layers, before)
        if scenario.reports.disputed_as_blank and evidence.disputed_cells.size:
            covered = before.covered.copy()
            strength = before.strength.copy()
            covered.ravel()[evidence.disputed_cells] = False
            strength.ravel()[evidence.disputed_cells] = np.nan
            logger.info(
                "signal reports: %d populated cells the model calls covered count as blank",
                evidence.disputed_cells.size,
            )
            before = Coverage(covered=covered, strength=strength)
    with timings.stage("blank spots"):
        blank = find_blank_spots(layers, before, min_population=scenario.demand.min_population)
    access = layers.access_rate
    weights = demand_weights(
        scenario.demand,
        blank.population,
        access.ravel()[blank.cells] if access is not None else None,
    )
    objective_weight = weights.of(scenario.demand.weight).copy()
    if evidence is not None and scenario.reports.weight != 1.0 and evidence.dark_cells.size:
        boosted = np.isin(blank.cells, evidence.dark_cells)
        objective_weight[boosted] *= scenario.reports.weight
    villages = village_status(layers, before.covered, share=scenario.demand.village_share)
    return Analysis(
        scenario,
        layers,
        model,
        before,
        blank,
        timings,
        weights=weights,
        objective_weight=objective_weight,
        evidence=evidence,
        villages=villages,
    )


def _evidence(scenario: Scenario, layers: Layers, before: Coverage) -> ReportEvidence:
    reports = layers.reports
    assert reports is not None
    return report_evidence(
        reports["x"].to_numpy(),
        reports["y"].to_numpy(),
        reports["dark"].to_numpy(dtype=bool),
        layers.grid,
        layers.population,
        before.covered,
        layers.region,
        k=scenario.reports.min_reports,
        cell_m=scenario.reports.cell_m,
    )


def build_options(analysis: Analysis) -> Options:
    """Candidates × technologies with their equipment costs, footprints and backhaul links."""
    scenario, layers, blank = analysis.scenario, analysis.layers, analysis.blank
    table = _own_sites(layers, candidate_sites(scenario, layers, blank))
    generated = int(table.loc[table["kind"] == "tower", "id"].nunique())
    horizon = scenario.planning.horizon_years
    tech = [scenario.technologies[t] for t in table["technology"]]
    table["capex"] = np.array([t.capex for t in tech], dtype=float) + table["extra_cost"].to_numpy(
        dtype=float
    )
    table["opex_per_year"] = np.array([t.opex_per_year for t in tech], dtype=float)
    table["total_cost"] = table["capex"] + horizon * table["opex_per_year"]
    table["bandwidth_mbps"] = np.array([t.backhaul_mbps for t in tech], dtype=float)
    table["mast_m"] = [
        finite_or_none(h) or t.height_m or 15.0
        for h, t in zip(table["height_m"], tech, strict=True)
    ]

    must_keep = set()
    if layers.decisions is not None:
        must_keep = set(layers.decisions.loc[layers.decisions["decision"] != "reject", "id"])
    requests = [
        SiteRequest(
            row.geometry.x,
            row.geometry.y,
            scenario.technologies[row.technology],
            finite_or_none(row.height_m),
        )
        for row in table.itertuples()
    ]
    with dask_client(scenario.compute.scheduler) as client:
        hits = map_sites(
            blank_hits,
            (analysis.model, blank.cells),
            requests,
            client=client,
            batch_size=scenario.compute.batch_size,
            label="Footprints",
        )
    keep = [j for j, (pos, _) in enumerate(hits) if pos.size or table["id"].iat[j] in must_keep]
    cells = [hits[j][0] for j in keep]
    strengths = [hits[j][1] for j in keep]
    opts = [np.full(hits[j][0].size, j, dtype=np.int64) for j in keep]
    logger.info("options serving a blank spot: %d of %d", len(keep), len(table))

    def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

    cell, option, strength = cat(cells, np.int64), cat(opts, np.int64), cat(strengths, np.float32)
    table = table.iloc[keep].reset_index(drop=True)
    option = np.searchsorted(np.asarray(keep, dtype=np.int64), option)
    group = pd.factorize(table["id"])[0].astype(np.int64)
    sites = (
        pd.DataFrame(
            {
                "id": table["id"].to_numpy(),
                "kind": table["kind"].to_numpy(),
                "x": table.geometry.x.to_numpy(),
                "y": table.geometry.y.to_numpy(),
                "mast_m": table["mast_m"].to_numpy(dtype=float),
            }
        )
        .groupby(group, sort=True)
        .first()
        .reset_index(drop=True)
    )
    backhaul = None
    if any(
        k is not None
        for k in (scenario.backhaul.fiber, scenario.backhaul.microwave, scenario.backhaul.satellite)
    ):
        backhaul = backhaul_options(scenario, layers, sites)
        unfed = ~backhaul.network.feedable()
        if unfed.any():
            logger.warning("%d candidate sites cannot be fed by any backhaul", int(unfed.sum()))
    else:
        logger.warning("no backhaul configured: new sites are costed without backhaul")
    table = gpd.GeoDataFrame(table, geometry="geometry", crs=layers.grid.crs)
    return Options(table, cell, option, strength, group, sites, backhaul, generated)


def _own_sites(layers: Layers, table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Candidates, without those in a tile's halo on a national run (points of interest and
    given sites there are the neighbouring tile's own candidates)."""
    if layers.is_tile:
        cell = layers.grid.flat_index(table.geometry.x.to_numpy(), table.geometry.y.to_numpy())
        own = (cell >= 0) & (layers.region.ravel()[np.maximum(cell, 0)] >= 0)
        table = table[own]
    return table.reset_index(drop=True)


def blank_hits(
    shared: tuple[CoverageModel, np.ndarray], site: SiteRequest
) -> tuple[np.ndarray, np.ndarray]:
    """A site's footprint reduced to the blank cells it serves: their positions in the
    sorted ``blank`` cells and the strength there (what a worker sends back)."""
    model, blank = shared
    fp = footprint_of(model, site)
    if not blank.size:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    pos = np.searchsorted(blank, fp.cells).clip(max=blank.size - 1)
    hit = blank[pos] == fp.cells
    return pos[hit].astype(np.int64), fp.strength[hit].astype(np.float32)


def build_problem(analysis: Analysis, options: Options) -> CoverageProblem:
    """The optimisation problem, with demand cells served by the same options merged."""
    scenario, blank, layers = analysis.scenario, analysis.blank, analysis.layers
    fairness, objective = scenario.fairness, scenario.objective
    with_rules = (
        fairness.min_region_coverage is not None or fairness.max_region_budget_share is not None
    )
    goal = analysis.villages if objective.maximise == "villages" else None
    cell_region = layers.region.ravel()[blank.cells].astype(np.int64)
    key = np.zeros(blank.cells.size, dtype=np.int64)
    if with_rules:
        key = cell_region + 1
    if goal is not None:
        key = key * (goal.count + 1) + goal.of_cell(blank.cells) + 1
    weight = (
        analysis.objective_weight if analysis.objective_weight is not None else blank.population
    )
    cover, demand, row_of_cell = merge_rows(
        options.cell_cover(blank.cells.size),
        weight,
        seed=scenario.solver.seed,
        key=key if (with_rules or goal is not None) else None,
    )
    served = row_of_cell >= 0
    m = cover.shape[0]
    people = np.bincount(row_of_cell[served], weights=blank.population[served], minlength=m)

    def per_row(values: np.ndarray) -> np.ndarray:
        out = np.full(m, -1, dtype=np.int64)
        out[row_of_cell[served]] = values[served]  # equal within a row: it is in the key
        return out

    table = options.table
    target = None
    if objective.target_coverage is not None:
        total = float(layers.population.sum(dtype=np.float64))
        before = float(layers.population[analysis.coverage_before.covered].sum(dtype=np.float64))
        target = max(0.0, objective.target_coverage * total - before)
    rules = None
    if with_rules:
        pop = layers.population.astype(np.float64)
        region = layers.region
        inside = region >= 0
        n = len(layers.regions)
        covered = inside & analysis.coverage_before.covered
        site_cells = layers.grid.flat_index(
            options.sites["x"].to_numpy(), options.sites["y"].to_numpy()
        )
        site_region = np.where(
            site_cells >= 0, region.ravel()[np.maximum(site_cells, 0)], -1
        ).astype(np.int64)
        rules = RegionRules(
            row_region=per_row(cell_region),
            site_region=site_region,
            population=np.bincount(region[inside], weights=pop[inside], minlength=n),
            before=np.bincount(region[covered], weights=pop[covered], minlength=n),
            min_share=fairness.min_region_coverage,
            budget_share=fairness.max_region_budget_share,
            names=tuple(layers.regions["name"].astype(str)),
        )
    villages = None
    if goal is not None:
        villages = VillageGoal(row_village=per_row(goal.of_cell(blank.cells)), need=goal.need)
    problem = CoverageProblem(
        forced=_forced(analysis, options),
        demand=demand,
        cover=cover,
        cost=table["total_cost"].to_numpy(dtype=np.float64),
        is_wifi=(table["kind"] == "wifi").to_numpy(),
        group=options.group,
        wifi_weight=objective.wifi_weight,
        budget=objective.budget,
        target=target,
        network=options.backhaul.network if options.backhaul is not None else None,
        bandwidth_mbps=table["bandwidth_mbps"].to_numpy(dtype=np.float64),
        people=people,
        rules=rules,
        villages=villages,
    )
    return problem


@contextmanager
def _reachable_share(analysis: Analysis) -> Iterator[None]:
    """Say an unreachable target's best achievable coverage as a share of the population."""
    try:
        yield
    except InfeasibleError as exc:
        reachable = exc.reachable
        if reachable is None:
            raise
        pop = analysis.layers.population
        total = float(pop.sum(dtype=np.float64))
        before = float(pop[analysis.coverage_before.covered].sum(dtype=np.float64))
        share = 100.0 * (before + reachable) / total if total else 0.0
        raise InfeasibleError(
            f"{exc}; the highest achievable coverage is {share:.1f}% of the population "
            f"(lower objective.target_coverage to at most {share / 100:.3f})"
        ) from exc


def _forced(analysis: Analysis, options: Options) -> np.ndarray | None:
    """Per site: 1 accepted (or added) by a reviewer, 0 rejected, -1 free."""
    decisions = analysis.layers.decisions
    if decisions is None:
        return None
    index = {str(site): g for g, site in enumerate(options.sites["id"])}
    forced = np.full(len(options.sites), -1, dtype=np.int64)
    known = sorted(index)
    for row in decisions.itertuples():
        g = index.get(str(row.id))
        if g is None:
            if row.decision == "reject":
                continue  # not a candidate any more: nothing to reject
            near = difflib.get_close_matches(str(row.id), known, n=3)
            raise InputError(
                f"{analysis.scenario.layers.decisions}: {row.decision} names site {row.id!r}, "
                f"which is not a candidate of this scenario"
                + (f"; did you mean {', '.join(near)}?" if near else "")
            )
        forced[g] = 0 if row.decision == "reject" else 1
    return forced


def solver_settings(scenario: Scenario) -> SolverSettings:
    s = scenario.solver
    return SolverSettings(
        time_limit_s=s.time_limit_s,
        relative_gap=s.relative_gap,
        workers=s.workers,
        seed=s.seed,
        node_limit=s.node_limit,
        lp_iteration_limit=s.lp_iteration_limit,
        search_rounds=s.search_rounds,
    )


def plan(scenario: Scenario, *, timings: Timings | None = None) -> PlanResult:
    """Run the whole pipeline and return the chosen plan with its evaluation."""
    analysis = analyze(scenario, timings=timings)
    t = analysis.timings
    with t.stage("candidates and backhaul"):
        options = build_options(analysis)
    with t.stage("optimisation model"):
        problem = build_problem(analysis, options)
    logger.info(
        "demand: %d blank cells merged into %d rows", analysis.blank.cells.size, problem.n_rows
    )
    result = solve_plan(analysis, options, problem)
    warn_shortfall(scenario, shortfall_counts(result))
    if problem.forced is not None:
        with t.stage("solve without the decisions"):
            free = solve(replace(problem, forced=None), solver_settings(scenario))
        # the cost of the decisions is measured against this plan: its time stops count too
        stops = result.solution.time_stops + tuple(
            f"plan without the decisions: {stage}" for stage in free.time_stops
        )
        result = replace(
            result,
            solution=replace(result.solution, time_stops=stops),
            free_objective=free.objective,
        )
    return result


def shortfall_counts(result: PlanResult) -> dict[str, float]:
    """What :func:`warn_shortfall` weighs: tower sites offered and built, money spent, the
    cheapest tower, people left uncovered, the candidate cap and what generation proposed."""
    analysis, table = result.analysis, result.options.table
    towers = (table["kind"] == "tower").to_numpy()
    given = analysis.layers.candidates is not None
    cost = table.loc[towers, "total_cost"]
    return {
        "offered": float((result.options.sites["kind"] == "tower").sum()),
        "built": float(table.loc[towers & result.solution.selected, "id"].nunique()),
        "spent": float(result.solution.cost),
        "tower_cost": float(cost.min()) if len(cost) else 0.0,
        "people_left": float(analysis.blank.total - result.solution.covered),
        "cap": math.nan if given else float(candidate_cap(analysis.scenario, analysis.blank)),
        "generated": float(result.options.generated_towers),
    }


def warn_shortfall(scenario: Scenario, counts: dict[str, float]) -> str | None:
    """Log (and return) a warning when the plan ran out of candidates before money."""
    cap = None if math.isnan(counts["cap"]) else round(counts["cap"])
    message = candidates_shortfall(
        offered=round(counts["offered"]),
        built=round(counts["built"]),
        budget=scenario.objective.budget,
        spent=counts["spent"],
        tower_cost=counts["tower_cost"],
        people_left=counts["people_left"],
        cap=cap,
        capped=cap is not None and counts["generated"] >= cap,
    )
    if message:
        logger.warning(message)
    return message


def solve_plan(
    analysis: Analysis,
    options: Options,
    problem: CoverageProblem,
    *,
    warm: Design | None = None,
) -> PlanResult:
    """Solve a problem built from ``analysis`` and ``options`` and evaluate coverage after.

    ``warm`` is a design to start from (e.g. the plan at the previous, smaller budget).
    """
    t = analysis.timings
    scheduler = analysis.scenario.compute.scheduler
    with t.stage("solve"), _reachable_share(analysis), dask_client(scheduler) as client:
        solution = solve(problem, solver_settings(analysis.scenario), warm=warm, client=client)
    logger.info(
        "solution: %s, %.0f people newly covered, gap %.3f%%, %.1f s",
        solution.status,
        solution.covered,
        100 * solution.gap,
        solution.seconds,
    )
    return plan_with(analysis, options, problem, solution)


def plan_with(
    analysis: Analysis, options: Options, problem: CoverageProblem, solution: Solution
) -> PlanResult:
    """The plan result of a solution: coverage after it, from the chosen towers' footprints."""
    with analysis.timings.stage("coverage after"):
        chosen: dict[int, Footprint] = {}
        for j in np.flatnonzero(solution.selected):
            row = options.table.iloc[int(j)]
            if row["kind"] == "tower":
                chosen[int(j)] = analysis.model.footprint(
                    row.geometry.x,
                    row.geometry.y,
                    analysis.scenario.technologies[row["technology"]],
                    height_m=finite_or_none(row["height_m"]),
                )
        before = analysis.coverage_before
        new = best_server(analysis.layers.grid, chosen.values())
        strength = np.fmax(before.strength, new)
        after = Coverage(covered=before.covered | np.isfinite(new), strength=strength)
    return PlanResult(analysis, options, problem, solution, after, chosen)
