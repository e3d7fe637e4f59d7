"""Budget (or target) sweeps: one analysis and one set of footprints, many plans.

Each scenario re-solves the same problem with another budget, starting from the previous
(smaller budget) plan, so coverage never falls as the budget rises. Such free plans need not
contain each other: a larger budget may drop a site that a smaller one built. With
``nested=True`` every plan is forced to keep the previous plan's sites, so the plans are
rollout phases; the free plans are solved as well, so the record says what nesting cost.

The sweep's record (:attr:`Sweep.record`, written as ``scenarios.json``) holds every figure
the scenarios report shows: per scenario the summary figures, the marginal cost per newly
covered person, the solver's bound and gap, reproducibility, the sites, each regency's
figures and the fairness across regencies; and whether the plans are nested.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd

from netplan import progress
from netplan.config import Scenario
from netplan.evaluate import plan_tables
from netplan.national import NationalModel, national_tiles, summarise_tiles
from netplan.national_outputs import national_summary
from netplan.optimize.problem import CoverageProblem, Design
from netplan.optimize.solver import Solution
from netplan.optimize.tiles import solve_tiles
from netplan.pipeline import (
    Analysis,
    Options,
    Timings,
    analyze,
    build_options,
    build_problem,
    solve_plan,
    solver_settings,
)

logger = logging.getLogger(__name__)

Mode = Literal["budget", "target"]

#: the name of a scenario's value in the record
_KEY: dict[Mode, str] = {"budget": "budget", "target": "target_coverage"}
#: version of the ``scenarios.json`` layout (2: per-scenario figures, regions, nesting)
RECORD_FORMAT = 2

#: per-regency figures a scenario keeps from its plan's ``summary["regions"]``
REGION_KEYS = (
    "name",
    "population",
    "coverage_before_pct",
    "coverage_after_pct",
    "villages",
    "villages_with_signal_before",
    "villages_with_signal_after",
    "villages_gaining_signal",
    "new_towers",
    "new_wifi",
    "spend",
)


@dataclass(frozen=True)
class Sweep:
    """The scenarios' table (one row per budget or target), each scenario's solution, and
    the record that ``scenarios.json`` holds (everything the report shows)."""

    table: pd.DataFrame
    solutions: list[Solution]
    record: dict[str, Any]


@dataclass(frozen=True)
class _Step:
    """One solved scenario: its solution, its summary and the sites it builds."""

    value: float
    solution: Solution
    summary: dict[str, Any]
    sites: list[str]
    reproducible: bool

    @property
    def stops(self) -> list[str]:
        return list(self.solution.time_stops)


@dataclass(frozen=True)
class _Link:
    """What the next plan of a sequence inherits: the previous design (a warm start, or
    sites to keep) and whether the clock stopped a plan it depends on."""

    design: Design | None = None
    clock_stopped: bool = False


class _Planner(Protocol):
    """What a sweep needs of a region's (or a country's) shared work."""

    @property
    def mode(self) -> Mode: ...

    def problem_at(self, value: float) -> CoverageProblem: ...

    def plan(
        self, problem: CoverageProblem, value: float, warm: Design | None
    ) -> tuple[Solution, dict[str, Any], list[str]]: ...

    def objective(self, scenario: Scenario) -> dict[str, Any]: ...


@dataclass(frozen=True)
class _Sweeper:
    """The shared work of a region's sweep: one analysis, one set of options, one base
    problem."""

    analysis: Analysis
    options: Options
    base: CoverageProblem
    mode: Mode

    def problem_at(self, value: float) -> CoverageProblem:
        if self.mode == "budget":
            return replace(self.base, budget=value, target=None)
        pop = self.analysis.layers.population
        total = float(pop.sum(dtype=np.float64))
        before = float(pop[self.analysis.coverage_before.covered].sum(dtype=np.float64))
        return replace(self.base, budget=None, target=max(0.0, value * total - before))

    def plan(
        self, problem: CoverageProblem, value: float, warm: Design | None
    ) -> tuple[Solution, dict[str, Any], list[str]]:
        result = solve_plan(self.analysis, self.options, problem, warm=warm)
        tables = plan_tables(result)
        sites = sorted(map(str, [*tables.sites["id"], *tables.hotspots["id"]]))
        return result.solution, tables.summary, sites

    def objective(self, scenario: Scenario) -> dict[str, Any]:
        evidence = self.analysis.evidence
        boosted = evidence is not None and bool(evidence.dark_cells.size)
        return _objective(scenario, bool(self.base.is_wifi.any()), boosted)


@dataclass(frozen=True)
class _TiledSweeper:
    """The shared work of a national sweep: the tiles analysed once, one national model;
    each scenario priced over the tiles (:func:`solve_tiles`) and summed up from the
    tiles' figures, with a row per province and per regency."""

    scenario: Scenario
    model: NationalModel
    cluster: Any
    mode: Mode

    def problem_at(self, value: float) -> CoverageProblem:
        if self.mode == "budget":
            return replace(self.model.problem, budget=value, target=None)
        return replace(self.model.problem, budget=None, target=self.model.target(value))

    def plan(
        self, problem: CoverageProblem, value: float, warm: Design | None
    ) -> tuple[Solution, dict[str, Any], list[str]]:
        settings = solver_settings(self.scenario)
        solution = solve_tiles(
            problem, self.model.offsets, settings, client=self.cluster, warm=warm
        )
        tiles = summarise_tiles(self.cluster, self.model, solution)
        key = "budget" if self.mode == "budget" else "target_coverage"
        objective = self.scenario.objective.model_copy(
            update={"budget": None, "target_coverage": None, key: value}
        )
        at = self.scenario.model_copy(update={"objective": objective})
        summary = national_summary(at, tiles, solution)
        return solution, summary, sorted(s for _, done in tiles for s in done["sites"])

    def objective(self, scenario: Scenario) -> dict[str, Any]:
        boosted = any(w.sizes.get("report_cells") for w in self.model.works)
        return _objective(scenario, bool(self.model.problem.is_wifi.any()), boosted)


def _solve_step(
    sweeper: _Planner, value: float, link: _Link, *, keep_sites: bool
) -> tuple[_Step, _Link]:
    """One scenario of a sequence: warm-started from the previous plan in budget mode, and
    with ``keep_sites`` forced to build every site the previous plan built.

    A plan depends on the previous one when it starts from it (budget mode) or keeps its
    sites: it is reproducible only when the clock stopped neither."""
    problem = sweeper.problem_at(value)
    depends = link.design is not None and (sweeper.mode == "budget" or keep_sites)
    if keep_sites and link.design is not None:
        problem = replace(problem, forced=_keep(problem, link.design))
    warm = link.design if sweeper.mode == "budget" else None
    solution, summary, sites = sweeper.plan(problem, value, warm)
    stopped = bool(solution.time_stops)
    inherited = depends and link.clock_stopped
    step = _Step(value, solution, summary, sites, not stopped and not inherited)
    return step, _Link(solution.design, clock_stopped=not step.reproducible)


def parse_sweep(text: str) -> list[float]:
    """``FROM:TO:STEPS`` → STEPS evenly spaced values from FROM to TO."""
    try:
        start, stop, steps = text.split(":")
        count = int(steps)
        values = np.linspace(float(start), float(stop), count)
    except ValueError as exc:
        raise ValueError(f"--sweep takes FROM:TO:STEPS, e.g. 1e10:5e10:5 (got {text!r})") from exc
    if count < 1:
        raise ValueError(f"--sweep needs at least one step (got {text!r})")
    if not np.isfinite(values).all():
        raise ValueError(f"--sweep takes finite budgets (got {text!r})")
    return [float(v) for v in values]


def run_sweep(
    scenario: Scenario,
    *,
    budgets: list[float] | None = None,
    targets: list[float] | None = None,
    nested: bool = False,
    out_dir: Path | None = None,
    client: Any = None,
) -> Sweep:
    """Plan every budget (ascending) or coverage target, reusing coverage and footprints.

    Parameters
    ----------
    budgets, targets
        Exactly one of them: budgets in the scenario's currency, or coverage targets as
        shares of the population (0-1).
    nested
        Force each plan to keep the sites of the previous (smaller) scenario's plan, so the
        plans are rollout phases. The free plans (what a sweep without ``nested`` returns)
        are solved too, to measure what nesting costs.
    out_dir, client
        For a tiled (national) scenario: the sweep's folder (its tiles' work folder is kept
        beside it while the sweep runs) and a Dask client (default: ``compute.scheduler``).
    """
    if (budgets is None) == (targets is None):
        raise ValueError("give budgets or targets")
    mode: Mode = "budget" if budgets is not None else "target"
    values = sorted(budgets if budgets is not None else targets or [])
    if scenario.region.tiles is not None:
        folder = out_dir or scenario.output_dir().with_name(f"{scenario.name}-scenarios")
        with national_tiles(scenario, out_dir=folder, client=client) as (cluster, model):
            return _sweep(scenario, _TiledSweeper(scenario, model, cluster, mode), values, nested)
    analysis = analyze(scenario, timings=Timings())
    options = build_options(analysis)
    sweeper = _Sweeper(analysis, options, build_problem(analysis, options), mode)
    return _sweep(scenario, sweeper, values, nested)


def _sweep(scenario: Scenario, sweeper: _Planner, values: list[float], nested: bool) -> Sweep:
    """Every value in order: the free plans, and with ``nested`` the plans keeping the
    previous one's sites."""
    free: list[_Step] = []
    kept: list[_Step] = []
    free_link = kept_link = _Link()
    with progress.task("Scenarios", total=len(values)) as advance:
        for value in values:
            loose, free_link = _solve_step(sweeper, value, free_link, keep_sites=False)
            free.append(loose)
            if nested and kept:
                step, kept_link = _solve_step(sweeper, value, kept_link, keep_sites=True)
            else:  # a free sweep, or the first phase (it keeps nothing): the free plan
                step, kept_link = loose, free_link
            kept.append(step)
            _log_step(scenario, step)
            advance(1)
    mode = sweeper.mode
    record = scenarios_record(scenario, sweeper, kept, free if nested else None)
    return Sweep(_table(kept, mode, free if nested else None), [s.solution for s in kept], record)


def _keep(problem: CoverageProblem, design: Design) -> np.ndarray:
    """Per site: 1 where ``design`` built it (or a reviewer accepted it), 0 where a reviewer
    rejected it, -1 free."""
    forced = (
        problem.forced.copy()
        if problem.forced is not None
        else np.full(problem.n_groups, -1, dtype=np.int64)
    )
    forced[problem.built(design.selected)] = 1
    return forced


def _log_step(scenario: Scenario, step: _Step) -> None:
    s = step.summary
    logger.info(
        "scenario %s: %.1f%% coverage for %s %.0f",
        step.value,
        s["coverage_after_pct"],
        scenario.currency,
        s["total_cost"],
    )


# --- the record: everything scenarios.json holds and the report shows ------------------------


def scenarios_record(
    scenario: Scenario,
    sweeper: _Planner,
    steps: Sequence[_Step],
    free: Sequence[_Step] | None,
) -> dict[str, Any]:
    """The sweep as plain data (``scenarios.json``): what the report and the xlsx show.

    ``free`` are the free plans when ``steps`` are nested ones (None for a free sweep).
    """
    first = steps[0].summary if steps else {}
    entries = [_entry(step, sweeper.mode) for step in steps]
    _add_marginal_costs(entries)
    if free is not None:
        for entry, plan in zip(entries, free, strict=True):
            entry["free_plan"] = _free_plan(plan)
    return {
        "format": RECORD_FORMAT,
        "scenario": scenario.name,
        "currency": scenario.currency,
        "mode": sweeper.mode,
        "objective": sweeper.objective(scenario),
        "population_total": first.get("population_total"),
        "coverage_before_pct": first.get("coverage_before_pct"),
        "villages_total": first.get("villages_total"),
        "villages_with_signal_before": first.get("villages_with_signal_before"),
        "nesting": _nesting(steps, free, sweeper.mode),
        "scenarios": entries,
        "rows": _table(steps, sweeper.mode, free).to_dict("records"),
    }


def _objective(scenario: Scenario, has_wifi: bool, boosted: bool) -> dict[str, Any]:
    """What the solver's objective (and so its bound) counts: the gap's explanation needs it.
    ``boosted``: citizen reports marked cells without signal, so their weight counts."""
    return {
        "maximise": scenario.objective.maximise,
        "demand_weight": scenario.demand.weight,
        "wifi_weight": scenario.objective.wifi_weight if has_wifi else 0.0,
        "reports_weight": scenario.reports.weight if boosted else 1.0,
    }


def _entry(step: _Step, mode: Mode) -> dict[str, Any]:
    """One scenario's figures: the summary's, the solver's and each regency's."""
    s = step.summary
    solver = s["solver"]
    return {
        "budget": step.value if mode == "budget" else None,
        "target_coverage": step.value if mode == "target" else None,
        "total_cost": round(float(s["total_cost"]), 2),
        "capex": round(float(s["capex"]), 2),
        "opex_per_year": round(float(s["opex_per_year"]), 2),
        "population_newly_covered": s["population_newly_covered"],
        "population_wifi_reach": s["population_wifi_reach"],
        "coverage_after_pct": s["coverage_after_pct"],
        "villages_with_signal_after": s.get("villages_with_signal_after"),
        "villages_gaining_signal": _villages_gaining(s),
        "cost_per_new_person": s["cost_per_new_person"],
        "new_towers": s["new_towers"],
        "new_wifi": s["new_wifi"],
        "fiber_km": s["fiber_km"],
        "solver": {k: solver[k] for k in ("status", "objective", "bound", "gap")},
        "reproducible": step.reproducible,
        "stages_stopped_by_time": step.stops,
        "sites": step.sites,
        "regions": [_region(r) for r in s["regions"]],
        **({"provinces": s["provinces"]} if "provinces" in s else {}),
        "fairness": {k: v for k, v in s["fairness"].items() if k != "rules"},
    }


def _villages_gaining(figures: dict[str, Any]) -> int | None:
    """Villages that gain signal: given, or with signal after minus before (None when the
    scenario has no villages)."""
    given = figures.get("villages_gaining_signal")
    if given is not None:
        return int(given)
    after, before = (
        figures.get("villages_with_signal_after"),
        figures.get("villages_with_signal_before"),
    )
    return int(after) - int(before) if after is not None and before is not None else None


def _region(figures: dict[str, Any]) -> dict[str, Any]:
    out = {key: figures.get(key) for key in REGION_KEYS}
    if "province" in figures:  # a national sweep's regency names its province
        out["province"] = figures["province"]
    out["villages_gaining_signal"] = _villages_gaining(figures)
    return out


def _add_marginal_costs(entries: list[dict[str, Any]]) -> None:
    """Per scenario: the extra cost per extra person newly covered against the previous
    scenario (the first against building nothing); None when no more people are covered."""
    previous = {"total_cost": 0.0, "population_newly_covered": 0.0}
    for entry in entries:
        extra_people = entry["population_newly_covered"] - previous["population_newly_covered"]
        extra_cost = entry["total_cost"] - previous["total_cost"]
        entry["marginal_cost_per_new_person"] = (
            round(extra_cost / extra_people) if extra_people >= 0.5 else None
        )
        previous = entry


def _free_plan(step: _Step) -> dict[str, Any]:
    s = step.summary
    return {
        "total_cost": round(float(s["total_cost"]), 2),
        "population_newly_covered": s["population_newly_covered"],
        "coverage_after_pct": s["coverage_after_pct"],
        "solver": {k: s["solver"][k] for k in ("status", "objective", "bound", "gap")},
        "reproducible": step.reproducible,
        "sites": step.sites,
    }


def _dropped(steps: Sequence[_Step], mode: Mode) -> list[dict[str, Any]]:
    """Per scenario whose plan drops sites of the previous one: which."""
    out = []
    for before, after in itertools.pairwise(steps):
        gone = sorted(set(before.sites) - set(after.sites))
        if gone:
            out.append({_KEY[mode]: after.value, "sites": gone})
    return out


def _nesting(steps: Sequence[_Step], free: Sequence[_Step] | None, mode: Mode) -> dict[str, Any]:
    """Whether each plan contains the previous one's sites; with ``free`` (nested plans),
    whether the free plans happened to, and what nesting cost against them."""
    dropped = _dropped(steps, mode)
    out: dict[str, Any] = {
        "requested": free is not None,
        "plans_nested": not dropped,
        "dropped": dropped,
    }
    if free is None:
        return out
    free_dropped = _dropped(free, mode)
    out["free_plans_nested"] = not free_dropped
    out["free_plans_dropped"] = free_dropped
    # budget mode loses people; target mode pays more for the same target
    out["cost"] = [
        {
            _KEY[mode]: kept.value,
            "people_lost": round(
                loose.summary["population_newly_covered"]
                - kept.summary["population_newly_covered"],
                1,
            ),
            "extra_cost": round(float(kept.summary["total_cost"] - loose.summary["total_cost"]), 2),
        }
        for kept, loose in zip(steps, free, strict=True)
    ]
    return out


# --- the flat table: scenarios.csv ------------------------------------------------------------


def _table(steps: Sequence[_Step], mode: Mode, free: Sequence[_Step] | None) -> pd.DataFrame:
    """One row per scenario, the columns of ``scenarios.csv``."""
    rows = []
    previous: set[str] = set()
    for i, step in enumerate(steps):
        row = _row(step, mode)
        ids = set(step.sites)
        row["sites_added"] = " ".join(sorted(ids - previous))
        row["sites_dropped"] = " ".join(sorted(previous - ids))
        if free is not None:
            loose = free[i].summary
            row["free_plan_population_newly_covered"] = loose["population_newly_covered"]
            row["free_plan_total_cost"] = loose["total_cost"]
        previous = ids
        rows.append(row)
    return pd.DataFrame(rows)


def _row(step: _Step, mode: Mode) -> dict[str, Any]:
    s = step.summary
    fair = s["fairness"]
    villages = s.get("villages_with_signal_after")
    unconnected = s["unconnected_households_newly_covered"]
    return {
        "budget": step.value if mode == "budget" else None,
        "target_coverage": step.value if mode == "target" else None,
        "total_cost": s["total_cost"],
        "coverage_before_pct": s["coverage_before_pct"],
        "coverage_after_pct": s["coverage_after_pct"],
        "population_newly_covered": s["population_newly_covered"],
        "population_wifi_reach": s["population_wifi_reach"],
        "households_newly_covered": s["households_newly_covered"],
        "unconnected_households_newly_covered": unconnected,
        "villages_with_signal_after": villages,
        "villages_newly_covered": _villages_gaining(s),
        "cost_per_new_person": s["cost_per_new_person"],
        "cost_per_unconnected_household": (
            round(s["total_cost"] / unconnected) if unconnected > 0 else None
        ),
        "new_towers": s["new_towers"],
        "new_wifi": s["new_wifi"],
        "min_region_coverage_pct": fair.get("min_region_coverage_after_pct"),
        "gini_region_coverage": fair.get("gini_after"),
        "solver_status": s["solver"]["status"],
        "solver_gap": s["solver"]["gap"],
        # false when the time limit stopped this scenario's search, or a smaller one's
        # whose plan this one started from (or kept)
        "reproducible": step.reproducible,
        "stages_stopped_by_time": "; ".join(step.stops),
    }
