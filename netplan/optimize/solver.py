"""The exact model: a mixed-integer program solved by SCIP through OR-Tools.

Variables: ``x_j`` (build option j, binary); ``y_i`` (row i covered) and ``w_i`` (row i
reached only by WiFi), continuous in [0, 1] — integrality follows from the ``x``.

- budget mode: max Σ d_i y_i + α Σ d_i w_i  s.t.  Σ c_j x_j ≤ B
- target mode: min Σ c_j x_j  s.t.  Σ d_i y_i ≥ T
- always: y_i ≤ Σ_{towers j ∋ i} x_j,  w_i ≤ Σ_{hotspots j ∋ i} x_j,  y_i + w_i ≤ 1,
  Σ_{j in site s} x_j ≤ 1.

Problems without backhaul are first reduced by :mod:`netplan.optimize.presolve`. Budget mode
then runs in stages, each keeping the best plan so far: greedy + local search; for
independent clusters (islands), the budget shared by pricing money
(:mod:`netplan.optimize.clusters`); the LP relaxation of the whole model (GLOP), which
certifies the gap; the plan from the LP (the exact model over the sites the LP builds); then
SCIP on the whole model, from that plan, with the variables the LP's reduced costs fix. The
best plan is passed as a hint and kept as a fallback when the solver finds nothing in time.
The result always carries the tightest bound proven and the gap to it.

Every stage stops on a deterministic work limit (local-search rounds, SCIP nodes, GLOP
iterations) or on the gap, so the same inputs give the same plan on a fast or a busy
machine. The time limit is a safety net for the whole solve: each stage may use what is left
of it, and the result names every stage whose clock, not its work limit, stopped it.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp

from netplan import progress
from netplan.errors import InfeasibleError
from netplan.optimize import local_search
from netplan.optimize.bound import lagrangian_bound
from netplan.optimize.clusters import Priced, Shared, share_budget, site_clusters, split
from netplan.optimize.greedy import (
    prune,
    starting_plan,
)
from netplan.optimize.network import FIBER, Network
from netplan.optimize.presolve import presolve
from netplan.optimize.problem import CoverageProblem, Design

logger = logging.getLogger(__name__)


#: Clusters share the budget by pricing only when none has more options than this.
MAX_CLUSTER_OPTIONS = 300

#: Above this many options, what rarely pays off is skipped (the cheapest-design phase after
#: an LP proof, the relay-chain rows of the model).
LARGE_OPTIONS = 1000

#: Seconds the search stages (LP, plan from the LP, SCIP) get even when the time limit is
#: spent, so a plan and a bound still come back; a stage that finishes its work in them is not
#: stopped by time. Stages that only improve a plan (cluster pricing, the cheapest-design
#: phase) are skipped instead, and reported as stopped by time.
MIN_STAGE_S = 0.05

#: A solve that ends unfinished after this share of the seconds it was given was stopped by
#: its clock (SCIP and GLOP stop at their time limit; pywraplp reports a node, iteration and
#: time stop alike as "feasible" or "not solved").
CLOCK_SHARE = 0.98

#: SCIP settings for every solve, measured on the demo's joint model (time to a 0.5% gap from
#: the optimal plan, two runs side by side on 2 cores): SCIP's defaults 166 s; no restarts
#: 51 s (restarts re-presolve the whole model after each round of reduced-cost fixings); and
#: no probing in presolve 35 s; and at most 5 rounds of cuts at the root 20 s
SCIP_TUNING = (
    "presolving/maxrestarts = 0\n"
    "propagating/probing/maxprerounds = 0\n"
    "separating/maxroundsroot = 5\n"
)

_FINISHED = (
    pywraplp.Solver.OPTIMAL,
    pywraplp.Solver.INFEASIBLE,
    pywraplp.Solver.UNBOUNDED,
    pywraplp.Solver.MODEL_INVALID,
)


@dataclass(frozen=True)
class SolverSettings:
    """What the solver may spend and how it is seeded (recorded in the manifest).

    The work limits (nodes, LP iterations, local-search rounds) decide where each stage
    stops, the same on every machine; ``time_limit_s`` is a safety net for the whole solve.
    ``None`` lifts a work limit (then the gap, or the clock, stops the stage): the library's
    default, for exact answers; scenarios set both (``solver.*`` in the scenario file).
    """

    time_limit_s: float = 60.0
    relative_gap: float = 0.005
    workers: int = 1
    seed: int = 0
    #: branch-and-bound nodes per SCIP solve
    node_limit: int | None = None
    #: simplex iterations of the LP relaxation (GLOP)
    lp_iteration_limit: int | None = None
    #: rounds of local search (fill and 1-for-1 swaps) on the greedy plan
    search_rounds: int = local_search.ROUNDS


@dataclass(frozen=True)
class Solution:
    """A design with its proof of quality."""

    design: Design
    status: str  #: optimal | gap_reached | limit (time or node limit) | greedy
    objective: float  #: people (budget mode, WiFi at its weight) or cost (target mode)
    bound: float  #: best bound proven by the solver
    gap: float  #: relative distance between objective and bound (0 = proven optimal)
    seconds: float
    covered: float  #: people newly covered
    wifi: float  #: people reached only by WiFi
    cost: float  #: total cost, backhaul included
    #: the stages whose clock, not their work limit or the gap, stopped them, in order: the
    #: plan may then differ from run to run
    time_stops: tuple[str, ...] = ()

    @property
    def selected(self) -> np.ndarray:
        return self.design.selected

    @property
    def stopped_by_time(self) -> bool:
        """Whether any stage was stopped by the time limit (the plan is not reproducible)."""
        return bool(self.time_stops)


class _Deadline:
    """The time limit of one solve, counted from its start: each stage may use what is left."""

    def __init__(self, seconds: float) -> None:
        self.start = time.perf_counter()
        self.at = self.start + seconds

    def left(self, *, at_least: float = 0.0) -> float:
        return max(at_least, self.at - time.perf_counter())


def _timed_solve(
    solver: pywraplp.Solver,
    *,
    seconds: float,
    params: pywraplp.MPSolverParameters | None = None,
) -> tuple[int, bool]:
    """Solve within ``seconds``: (status, whether the clock rather than a work limit, the gap
    or the end of the search stopped it)."""
    if math.isfinite(seconds):
        solver.SetTimeLimit(max(1, int(seconds * 1000)))  # 0 would mean no limit at all
    began = time.perf_counter()
    status = solver.Solve() if params is None else solver.Solve(params)
    elapsed = time.perf_counter() - began
    return status, status not in _FINISHED and elapsed >= CLOCK_SHARE * seconds


def relative_gap(objective: float, bound: float, *, maximise: bool) -> float:
    """|bound − objective| / |objective|, on the side the bound can lie (0 when both are 0)."""
    diff = (bound - objective) if maximise else (objective - bound)
    diff = max(diff, 0.0)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-9)


def solve(
    problem: CoverageProblem,
    settings: SolverSettings,
    *,
    warm: Design | None = None,
    start_from: Design | None = None,
    client: Any = None,
    cheapest_design: bool = True,
) -> Solution:
    """Solve ``problem`` to within ``settings.relative_gap`` or its work limits.

    ``warm`` (optional) is a design to start from; the answer is never worse than it when
    it is feasible (budget sweeps stay monotone this way). ``start_from`` replaces the greedy
    start when the caller has already computed it. ``client`` (a ``dask.distributed``
    client) runs the clusters' solves on a Dask cluster. ``cheapest_design`` (budget mode)
    looks for the cheapest backhaul for the sites found, as a last phase.

    Raises
    ------
    InfeasibleError
        Target mode, when even every candidate together cannot reach the target.
    """
    reduced = presolve(problem)
    if not reduced.reduced:
        return _solve_presolved(problem, settings, warm, start_from, client, cheapest_design)
    inner = _solve_presolved(
        reduced.problem,
        settings,
        None if warm is None else reduced.restrict(warm),
        None if start_from is None else reduced.restrict(start_from),
        client,
        cheapest_design,
    )
    return replace(inner, design=reduced.lift(inner.design))


def _solve_presolved(
    problem: CoverageProblem,
    settings: SolverSettings,
    warm: Design | None,
    start_from: Design | None,
    client: Any,
    cheapest_design: bool,
) -> Solution:
    """:func:`solve` on a problem presolve can reduce no further (the stages in order)."""
    clock = _Deadline(settings.time_limit_s)
    time_stops: list[str] = []
    maximise = problem.target is None
    _check_reachable(problem)
    hint = start_from or _starting_hint(problem, settings, clock, time_stops)
    if warm is not None and problem.feasible(warm) and not _worse(problem, warm, hint, maximise):
        hint = warm
    if problem.n_options == 0 or problem.n_rows == 0:
        return replace(
            _result(problem, hint, "optimal", bound=problem.objective(hint), start=clock.start),
            time_stops=tuple(time_stops),
        )
    shared = _priced_clusters(problem, settings, clock, time_stops, client) if maximise else None
    priced = None if shared is None else shared.design
    if priced is not None and problem.feasible(priced) and not _worse(problem, priced, hint, True):
        hint = priced

    # the LP relaxation first (GLOP): a certified bound that SCIP's root may not reach in
    # time on a large model, and reduced costs that fix the options no improving plan uses
    relax = None
    incumbent = problem.objective(hint)
    # (only from a feasible plan: its value is what the reduced costs are measured against)
    if maximise and problem.villages is None and problem.feasible(hint):
        with progress.task("LP relaxation"):
            relax, lp_out_of_time = _timed_lp_relaxation(
                problem,
                seconds=clock.left(at_least=MIN_STAGE_S),
                iterations=settings.lp_iteration_limit,
            )
        if lp_out_of_time:
            time_stops.append("LP relaxation")
    if relax is not None and relative_gap(incumbent, relax.value, maximise=True) <= (
        settings.relative_gap
    ):
        # the plan in hand is already proven within the gap asked for: no search needed
        return _proven_by_lp(
            problem, hint, relax, shared, settings, clock, time_stops, cheapest_design
        )
    if relax is not None:
        # the plan the LP points at: the exact model over the sites the LP builds (and the
        # plan in hand), a small MIP whose optimum is a far better start than the greedy,
        # so the reduced costs below fix many more options
        with progress.task("Plan from the LP"):
            inside, inside_out_of_time = _restricted(problem, relax, hint, settings, clock)
        if inside_out_of_time:
            time_stops.append("plan from the LP")
        if inside is not None and not _worse(problem, inside, hint, maximise):
            hint = inside
        incumbent = problem.objective(hint)
        if relative_gap(incumbent, relax.value, maximise=True) <= settings.relative_gap:
            return _proven_by_lp(
                problem, hint, relax, shared, settings, clock, time_stops, cheapest_design
            )
    solver = _scip(settings)
    model = _Model(solver, problem)
    solver.SetHint(*model.hint(hint))
    if relax is not None:
        fixed = relax.fix(model, incumbent)
        logger.info(
            "LP bound %.1f (plan so far %.1f): %d of %d binaries fixed by reduced cost",
            relax.value,
            incumbent,
            fixed,
            len(relax.values),
        )
    remaining = clock.left(at_least=MIN_STAGE_S)
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, settings.relative_gap)
    logger.info(
        "solving: %d options, %d backhaul links, %d demand rows, %d constraints "
        "(SCIP, %s nodes, %.0f s at most)",
        problem.n_options,
        problem.network.n_arcs if problem.network is not None else 0,
        problem.n_rows,
        solver.NumConstraints(),
        settings.node_limit if settings.node_limit is not None else "any",
        remaining,
    )
    with progress.task("SCIP search"):
        status, scip_out_of_time = _timed_solve(solver, seconds=remaining, params=params)
    if scip_out_of_time:
        time_stops.append("SCIP")
    obj = solver.Objective()
    if status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        found = model.design()
        unit = 1.0 if maximise else model.money_unit  # target mode minimises money units
        bound = float(obj.BestBound()) * unit
        if status == pywraplp.Solver.OPTIMAL and settings.relative_gap == 0:
            bound = float(obj.Value()) * unit
        if relax is not None:
            bound = relax.certify(bound, incumbent)
        elif maximise and status != pywraplp.Solver.OPTIMAL:
            bound = _certified(problem, bound, lower=problem.objective(found))
        bound = _tighter(bound, shared)
        # keep the better of the solver's answer and the greedy one (limits can bite)
        problems = problem.violations(found)
        if problems and not problem.feasible(hint):
            _no_fair_plan(problem, settings, proven=False)
        if problems:
            logger.warning("solver answer rejected (%s); using the greedy plan", problems[0])
        if problems or _worse(problem, found, hint, maximise):
            found, label = hint, "greedy"
        else:
            label = "gap_reached" if status == pywraplp.Solver.OPTIMAL else "limit"
        found = _finish(problem, found, settings, clock, time_stops, maximise and cheapest_design)
        return replace(
            _result(problem, found, label, bound=bound, start=clock.start),
            time_stops=tuple(time_stops),
        )
    if status == pywraplp.Solver.INFEASIBLE or not problem.feasible(hint):
        _no_fair_plan(problem, settings, proven=status == pywraplp.Solver.INFEASIBLE)
    logger.warning("solver returned no solution within its limits; using the greedy plan")
    unit = 1.0 if maximise else model.money_unit
    bound = float(obj.BestBound()) * unit if status == pywraplp.Solver.NOT_SOLVED else math.nan
    if relax is not None:
        bound = relax.certify(bound, incumbent)
    elif maximise:
        bound = _certified(problem, bound, lower=problem.objective(hint))
    bound = _tighter(bound, shared)
    return replace(
        _result(problem, hint, "greedy", bound=bound, start=clock.start),
        time_stops=tuple(time_stops),
    )


def _check_reachable(problem: CoverageProblem) -> None:
    """Refuse, before any search, what no plan can do: a coverage target or region floors
    beyond every candidate together, accepted sites beyond the budget or any feed."""
    if problem.target is not None:
        reachable = problem.max_coverable(feedable_only=True)
        if reachable + 1e-6 < problem.target:
            raise InfeasibleError(
                f"the coverage target needs {problem.target:,.0f} more people covered, but every "
                f"candidate that backhaul can reach together covers only {reachable:,.0f}",
                reachable=reachable,
            )
    _check_floors_reachable(problem)
    if problem.forced is None or problem.budget is None:
        return
    accepted = _accepted_cost(problem)
    if not math.isfinite(accepted):
        raise InfeasibleError(
            "an accepted site cannot be fed at all (no backhaul link reaches it and "
            "satellite is not offered there); reject it or add backhaul that reaches it"
        )
    if accepted > problem.budget * (1 + 1e-9):
        raise InfeasibleError(
            "the accepted sites alone cost more than the budget (with their cheapest "
            f"feeds: {accepted:,.0f} > {problem.budget:,.0f}); raise the budget or "
            "accept fewer sites"
        )


def _starting_hint(
    problem: CoverageProblem, settings: SolverSettings, clock: _Deadline, time_stops: list[str]
) -> Design:
    """The greedy plan after local search; in village mode the demand optimum when better
    (village constraints make a weak relaxation, and this way the village plan never lights
    up fewer villages than the demand plan of the same problem)."""
    with progress.task("Greedy plan and local search"):
        begun = starting_plan(problem, search_rounds=settings.search_rounds, search_s=clock.left())
    hint = begun.design
    if begun.search_stopped_by_time:
        time_stops.append("local search")
    if problem.villages is not None and problem.n_options and problem.n_rows:
        # a stage of its own, with its own work limits and what is left of the time limit
        with progress.task("Demand plan"):
            plain = solve(
                replace(problem, villages=None),
                replace(settings, time_limit_s=clock.left(at_least=MIN_STAGE_S)),
            )
        time_stops += [f"demand plan: {stage}" for stage in plain.time_stops]
        better = problem.objective(plain.design) > problem.objective(hint)
        if problem.feasible(plain.design) and better:
            hint = plain.design
    return hint


def _priced_clusters(
    problem: CoverageProblem,
    settings: SolverSettings,
    clock: _Deadline,
    time_stops: list[str],
    client: Any,
) -> Shared | None:
    """Budget mode with independent clusters (islands): the budget shared by pricing money,
    each cluster solved on its own (on the Dask cluster when one is given); None when the
    problem is one piece or a piece is too large to price."""
    clusters = site_clusters(problem)
    parts = split(problem, clusters=clusters) if _islands(problem, clusters) else []
    if len(parts) < 2:
        return None
    with progress.task("Cluster pricing"):
        shared = share_budget(problem, parts, settings, seconds=clock.left(), client=client)
    if shared.stopped_by_time:
        time_stops.append("cluster pricing")
    return shared


def _proven_by_lp(
    problem: CoverageProblem,
    hint: Design,
    relax: _Relaxation,
    shared: Shared | None,
    settings: SolverSettings,
    clock: _Deadline,
    time_stops: list[str],
    cheapest_design: bool,
) -> Solution:
    """The plan in hand, which the LP bound proves within the gap asked for (budget mode)."""
    logger.info(
        "LP bound %.1f proves the plan (%.1f) within the gap",
        relax.value,
        problem.objective(hint),
    )
    found = _finish(problem, hint, settings, clock, time_stops, cheapest_design)
    return replace(
        _result(
            problem, found, "gap_reached", bound=_tighter(relax.value, shared), start=clock.start
        ),
        time_stops=tuple(time_stops),
    )


def _finish(
    problem: CoverageProblem,
    found: Design,
    settings: SolverSettings,
    clock: _Deadline,
    time_stops: list[str],
    cheapest_design: bool,
) -> Design:
    """The plan found, pruned, then (budget mode, ``cheapest_design``) on its cheapest
    backhaul; a clock stop of that phase is added to ``time_stops``."""
    found = prune(problem, found)
    # (above LARGE_OPTIONS the cheapest-design model is too big to pay off: on the M region
    # its root node alone outlasted a 300 s time limit)
    if cheapest_design and problem.n_options <= LARGE_OPTIONS:
        found, out_of_time = _cheapest_for(problem, found, settings, clock)
        if out_of_time:
            time_stops.append("cheapest-design phase")
    return found


def _restricted(
    problem: CoverageProblem,
    relax: _Relaxation,
    hint: Design,
    settings: SolverSettings,
    clock: _Deadline,
) -> tuple[Design | None, bool]:
    """The exact model over the sites the LP relaxation builds (any fraction) and the sites
    of ``hint``, every other site refused: (its best plan, or None; whether the clock
    stopped it). On the work limits of ``settings``, from ``hint``."""
    lp_x = relax.values[: problem.n_options]
    keep = np.zeros(problem.n_groups, dtype=bool)
    keep[problem.group[lp_x > 1e-6]] = True
    keep[problem.group[np.asarray(hint.selected, dtype=bool)]] = True
    forced = np.full(problem.n_groups, -1) if problem.forced is None else problem.forced.copy()
    keep |= forced == 1
    if keep.all():
        return None, False
    forced[~keep] = 0
    inner = replace(problem, forced=forced)
    solver = _scip(settings)
    model = _Model(solver, inner)
    solver.SetHint(*model.hint(hint))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, settings.relative_gap)
    status, out_of_time = _timed_solve(
        solver, seconds=clock.left(at_least=MIN_STAGE_S), params=params
    )
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None, out_of_time
    found = model.design()
    logger.info(
        "plan from the LP: %d of %d sites, value %.1f (start %.1f)",
        int(keep.sum()),
        problem.n_groups,
        problem.objective(found),
        problem.objective(hint),
    )
    return (found if problem.feasible(found) else None), out_of_time


def _accepted_cost(problem: CoverageProblem) -> float:
    """What the sites a reviewer accepted cost at least: each one's cheapest option with its
    cheapest feed of any kind (satellite, a hub link, or a relay link from another site)."""
    assert problem.forced is not None
    least_option = np.full(problem.n_groups, np.inf)
    np.minimum.at(least_option, problem.group, problem.cost)
    least_feed = np.zeros(problem.n_groups)
    net = problem.network
    if net is not None:
        least_feed = net.satellite_cost.astype(float).copy()
        np.minimum.at(least_feed, net.head, net.cost)
    accepted = problem.forced == 1
    return float(np.sum(least_option[accepted] + least_feed[accepted]))


def _check_floors_reachable(problem: CoverageProblem) -> None:
    """Refuse coverage floors that every candidate together could not reach."""
    rules = problem.rules
    floor = None if rules is None else rules.floor
    if rules is None or floor is None:
        return
    usable = ~problem.is_wifi
    if problem.network is not None:
        usable &= problem.network.feedable()[problem.group]
    most = problem.region_gain(usable)
    short = np.flatnonzero(most < floor - 1e-6)
    if short.size:
        shares = rules.shares(most)
        worst = sorted(short.tolist(), key=lambda r: shares[r])
        named = ", ".join(f"{rules.name(r)} at most {100 * shares[r]:.1f}%" for r in worst[:5])
        best = float(np.nanmin(shares))
        raise InfeasibleError(
            f"fairness.min_region_coverage {rules.min_share:.0%} cannot be reached in every "
            f"region even with every candidate built: {named}; the highest floor any plan "
            f"can reach is {100 * best:.1f}% (add candidates there, or lower the floor to at "
            f"most {best:.3f})"
        )


def best_floor(problem: CoverageProblem, settings: SolverSettings) -> tuple[float, float]:
    """(achieved, upper bound) of the highest coverage share every region can reach within
    the budget: max t s.t. each region's covered share ≥ t (the other rules kept)."""
    rules = problem.rules
    assert rules is not None and problem.budget is not None
    relaxed = replace(problem, rules=replace(rules, min_share=None), villages=None)
    solver = _scip(settings)
    model = _Model(solver, relaxed)
    obj = solver.Objective()
    obj.Clear()
    t = solver.NumVar(0.0, 1.0, "t")
    for r in np.flatnonzero(rules.population > 0).tolist():
        ct = solver.Constraint(-float(rules.before[r]), solver.infinity())  # before + Σ ≥ P t
        ct.SetCoefficient(t, -float(rules.population[r]))
        for i, y in model.y.items():
            if rules.row_region[i] == r:
                ct.SetCoefficient(y, float(relaxed.row_people[i]))
    obj.SetCoefficient(t, 1.0)
    obj.SetMaximization()
    solver.SetTimeLimit(int(max(settings.time_limit_s, 1.0) * 1000))
    status = solver.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return 0.0, 1.0
    return float(t.solution_value()), float(obj.BestBound())


def _no_fair_plan(problem: CoverageProblem, settings: SolverSettings, *, proven: bool) -> None:
    """Raise InfeasibleError saying why no plan met the rules, and what is achievable."""
    rules = problem.rules
    if rules is None or problem.budget is None:
        raise InfeasibleError(
            "the solver found no plan that meets every rule"
            + ("" if proven else " within its limits (raise solver.time_limit_s)")
        )
    parts = []
    if rules.min_share is not None:
        reached, bound = best_floor(problem, settings)
        parts.append(
            f"within the budget, the highest coverage floor every region can reach is "
            f"{100 * reached:.1f}% (proven at most {100 * bound:.1f}%), below "
            f"fairness.min_region_coverage {100 * rules.min_share:.1f}%; raise objective.budget "
            f"or lower the floor to at most {reached:.3f}"
        )
    if rules.budget_share is not None:
        parts.append(
            f"fairness.max_region_budget_share {rules.budget_share:.0%} limits each region's "
            "spend; raising it leaves more room"
        )
    verdict = (
        "no plan meets the fairness rules"
        if proven
        else ("the solver found no plan meeting the fairness rules within its limits")
    )
    raise InfeasibleError(f"{verdict}: " + "; ".join(parts))


def _certified(problem: CoverageProblem, bound: float, *, lower: float) -> float:
    """The tighter of SCIP's bound and the Lagrangian bound (SCIP's can stay trivial when
    the root LP of a large model does not finish in time). A "bound" below ``lower``, the
    value of a feasible plan, bounds nothing (SCIP stopped before its first LP reports one):
    it is left out, and with no bound left the trivial one applies (NaN)."""
    other = lagrangian_bound(problem, lower=lower)
    floor = lower - 1e-6 * max(1.0, abs(lower))
    usable = [b for b in (bound, other) if math.isfinite(b) and abs(b) < 1e19 and b >= floor]
    return min(usable) if usable else math.nan


def _islands(problem: CoverageProblem, clusters: tuple[int, np.ndarray]) -> bool:
    """Does the problem fall into several ``clusters`` (from :func:`site_clusters`), each
    small enough to price exactly in its share of the time? (Large clusters, like a mainland
    beside a few islets, are left to the whole model: pricing them is as hard as the whole.)"""
    k, label = clusters
    if k < 2:
        return False
    options = np.bincount(label[problem.group], minlength=k)
    return int(options.max()) <= MAX_CLUSTER_OPTIONS


def _tighter(bound: float, shared: Shared | None) -> float:
    """The smaller of a bound and the one the clusters' pricing proved."""
    if shared is None or not math.isfinite(shared.bound):
        return bound
    if not math.isfinite(bound) or abs(bound) >= 1e19:
        return shared.bound
    return min(bound, shared.bound)


def solve_priced(problem: CoverageProblem, price: float, settings: SolverSettings) -> Priced:
    """The plan maximising value − ``price`` × cost with no budget (one cluster's part in
    sharing the budget), with SCIP's upper bound on that quantity."""
    solver = _scip(settings)
    model = _Model(solver, problem, price=price)
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, settings.relative_gap)
    status, out_of_time = _timed_solve(
        solver, seconds=max(settings.time_limit_s, MIN_STAGE_S), params=params
    )
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        empty = Design(np.zeros(problem.n_options, dtype=bool))
        if problem.network is not None:
            empty = Design(
                empty.selected,
                np.zeros(problem.network.n_arcs, dtype=bool),
                np.zeros(problem.network.n_sites, dtype=bool),
            )
        return Priced(empty, 0.0, 0.0, math.inf, stopped_by_time=out_of_time)
    design = model.design()
    upper = float(solver.Objective().BestBound())
    if status == pywraplp.Solver.OPTIMAL and settings.relative_gap == 0:
        upper = float(solver.Objective().Value())
    value, cost = problem.objective(design), problem.total_cost(design)
    return Priced(design, value, cost, upper, stopped_by_time=out_of_time)


@dataclass(frozen=True)
class _Relaxation:
    """The optimum of the full model's LP relaxation (budget mode), with each binary's value
    and reduced cost there, in :meth:`_Model.binaries` order."""

    value: float
    values: np.ndarray
    reduced: np.ndarray

    def fixings(self, incumbent: float) -> tuple[np.ndarray, np.ndarray]:
        """Binaries that are 0 (resp. 1) in every plan better than ``incumbent``.

        Moving a binary off its LP bound lowers the LP optimum by at least its reduced cost;
        when that drops the bound below the incumbent, no better plan moves it.
        """
        slack = self.value - incumbent + 1e-6 * max(1.0, abs(self.value))
        zero = (self.values <= 1e-9) & (-self.reduced > slack)
        one = (self.values >= 1 - 1e-9) & (self.reduced > slack)
        return zero, one

    def fix(self, model: _Model, incumbent: float) -> int:
        """Fix, in ``model``, every binary :meth:`fixings` decides; the count fixed."""
        zero, one = self.fixings(incumbent)
        for var, z, o in zip(model.binaries(), zero.tolist(), one.tolist(), strict=True):
            if z:
                var.SetBounds(0.0, 0.0)
            elif o:
                var.SetBounds(1.0, 1.0)
        return int(zero.sum() + one.sum())

    def certify(self, bound: float, incumbent: float) -> float:
        """The certified bound from a solve of the fixed model: plans outside it are no better
        than ``incumbent``, and none is better than the LP."""
        inside = bound if math.isfinite(bound) and abs(bound) < 1e19 else math.inf
        return min(self.value, max(inside, incumbent))


def _lp_relaxation(
    problem: CoverageProblem, *, seconds: float, iterations: int | None = None
) -> _Relaxation | None:
    """The LP relaxation of the full model (None when it does not finish)."""
    return _timed_lp_relaxation(problem, seconds=seconds, iterations=iterations)[0]


def _timed_lp_relaxation(
    problem: CoverageProblem, *, seconds: float, iterations: int | None
) -> tuple[_Relaxation | None, bool]:
    """Solve the LP relaxation of the full model with GLOP, in at most ``iterations`` simplex
    iterations: (the relaxation, or None when it does not finish; whether the clock, not the
    iteration limit, stopped it)."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - OR-Tools wheels always ship GLOP
        return None, False
    if iterations is not None:
        solver.SetSolverSpecificParametersAsString(f"max_number_of_iterations: {iterations}")
    model = _Model(solver, problem)
    began = time.perf_counter()
    status, out_of_time = _timed_solve(solver, seconds=seconds)
    logger.info(
        "LP relaxation: status %d after %d iterations in %.1f s%s",
        status,
        solver.iterations(),
        time.perf_counter() - began,
        " (stopped by the time limit)" if out_of_time else "",
    )
    if status != pywraplp.Solver.OPTIMAL:
        return None, out_of_time
    binaries = model.binaries()
    relaxation = _Relaxation(
        value=float(solver.Objective().Value()),
        values=np.array([v.solution_value() for v in binaries]),
        reduced=np.array([v.reduced_cost() for v in binaries]),
    )
    return relaxation, False


def _scip(settings: SolverSettings) -> pywraplp.Solver:
    """A SCIP solver seeded from the settings (same inputs, same answer), with their node
    limit and workers, tuned by :data:`SCIP_TUNING`."""
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:  # pragma: no cover - OR-Tools wheels always ship SCIP
        raise RuntimeError("OR-Tools was built without SCIP")
    seed = settings.seed
    params = (
        f"randomization/randomseedshift = {seed}\nrandomization/permutationseed = {seed}\n"
        f"randomization/lpseed = {seed}\n"
    )
    if settings.node_limit is not None:
        params += f"limits/nodes = {settings.node_limit}\n"
    if settings.workers > 1:
        # SCIP's concurrent solve, in its deterministic mode: the same answer on any machine
        params += "parallel/mode = 1\n"
    params += SCIP_TUNING
    if not solver.SetSolverSpecificParametersAsString(params):
        raise RuntimeError(f"SCIP refused the parameters {params!r}")
    solver.SetNumThreads(max(1, settings.workers))
    return solver


def _cheapest_for(
    problem: CoverageProblem, found: Design, settings: SolverSettings, clock: _Deadline
) -> tuple[Design, bool]:
    """Second phase: the cheapest design on the sites found (their backhaul, and the option
    at each), the same coverage (ties broken on cost), on the node limit and the gap, with
    what is left of the time; (the design, whether the clock stopped the phase). Letting the
    sites move too cost 13-15 s on the demo and found nothing cheaper."""
    value = problem.objective(found)
    if value <= 0:
        return found, False
    built = problem.built(found.selected)
    options_per_site = np.bincount(problem.group, minlength=problem.n_groups)
    if problem.network is None and np.all(options_per_site[built] == 1):
        return found, False  # no backhaul and one option per site: nothing left to re-price
    seconds = clock.left()
    if seconds <= 0:  # the time limit is spent: skipped, which another run may not do
        return found, True
    solver = _scip(settings)
    same_sites = replace(problem, forced=np.where(built, 1, 0))
    model = _Model(solver, same_sites, floor=value - 1e-6 * max(1.0, value))
    solver.SetHint(*model.hint(found))
    params = pywraplp.MPSolverParameters()  # the cheapest design within the gap asked for
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, settings.relative_gap)
    with progress.task("Cheapest design"):
        status, out_of_time = _timed_solve(solver, seconds=max(seconds, MIN_STAGE_S), params=params)
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return found, out_of_time
    cheaper = prune(problem, model.design())
    better = problem.total_cost(cheaper) < problem.total_cost(found) - 1e-6
    if better and problem.feasible(cheaper) and problem.objective(cheaper) >= value - 1e-6:
        logger.info(
            "same coverage for %.2f%% less",
            100 * (1 - problem.total_cost(cheaper) / max(problem.total_cost(found), 1e-9)),
        )
        return cheaper, out_of_time
    return found, out_of_time


class _Priced:
    """The objective seen as a money line: each money coefficient enters at ``factor`` times."""

    def __init__(self, objective: pywraplp.Objective, factor: float) -> None:
        self.objective, self.factor = objective, factor

    def SetCoefficient(self, var: pywraplp.Variable, coef: float) -> None:
        self.objective.SetCoefficient(var, self.factor * coef)


class _Model:
    """The MIP of a problem in an OR-Tools solver (variables kept for hints and answers)."""

    def __init__(
        self,
        solver: pywraplp.Solver,
        problem: CoverageProblem,
        *,
        floor: float | None = None,
        price: float | None = None,
    ) -> None:
        """``floor`` (budget mode): instead of maximising coverage, keep it at least ``floor``
        and minimise the cost (the second, tie-breaking phase). ``price`` (budget mode):
        no budget; maximise value − price × cost instead (a cluster's share of the budget is
        found by pricing money, see :mod:`netplan.optimize.clusters`)."""
        self.solver, self.problem = solver, problem
        inf = solver.infinity()
        maximise = problem.target is None
        # money and bandwidth are scaled to units near 1: rupiah coefficients of 1e10 next
        # to 0/1 coverage rows give the LP solver numerical trouble
        costs = [problem.cost]
        if problem.network is not None:
            costs += [problem.network.cost, problem.network.satellite_cost]
        positive = np.concatenate(costs)
        positive = positive[np.isfinite(positive) & (positive > 0)]
        self.money_unit = float(np.median(positive)) if positive.size else 1.0
        bw = problem.bandwidth_mbps
        self.mbps_unit = float(bw.max()) if bw is not None and bw.size else 1.0
        mu = self.money_unit
        self.x = [solver.BoolVar(f"x{j}") for j in range(problem.n_options)]
        self._rows()
        obj = solver.Objective()
        # the money line: budget (max coverage) or objective (min cost, in money units)
        money: pywraplp.Constraint | pywraplp.Objective | _Priced
        if price is not None:
            money = _Priced(obj, -price * mu)
        elif maximise:
            money = solver.Constraint(-inf, float(problem.budget or 0.0) / mu)
        else:
            money = obj
        self.spend: list[tuple[pywraplp.Variable, float, int]] = []  # (var, money, site)
        for j, var in enumerate(self.x):
            money.SetCoefficient(var, float(problem.cost[j]) / mu)
            self.spend.append((var, float(problem.cost[j]) / mu, int(problem.group[j])))
        if floor is not None:  # second phase: the value found is a floor, cost the objective
            self._value(solver.Constraint(floor, inf))
            for j, var in enumerate(self.x):
                obj.SetCoefficient(var, float(problem.cost[j]) / mu)
        elif maximise:
            self._value(obj)
        else:
            target = solver.Constraint(float(problem.target or 0.0), inf)
            for i, y in self.y.items():
                target.SetCoefficient(y, float(problem.row_people[i]))
        members = [np.flatnonzero(problem.group == g) for g in range(problem.n_groups)]
        self.members = members
        for g, opts in enumerate(members):
            decided = -1 if problem.forced is None else int(problem.forced[g])
            if opts.size > 1 or decided >= 0:
                lo, hi = (0.0, 1.0) if decided < 0 else (float(decided), float(decided))
                ct = solver.Constraint(lo, hi)  # one option per site; reviewer decisions
                for j in opts.tolist():
                    ct.SetCoefficient(self.x[j], 1.0)
        self.zk: dict[tuple[int, int], pywraplp.Variable] = {}
        self.s: dict[int, pywraplp.Variable] = {}
        if problem.network is not None:
            self._network(money, also=obj if floor is not None else None)
        if problem.rules is not None:
            self._rules()
        if maximise and floor is None:
            obj.SetMaximization()
        else:
            obj.SetMinimization()

    def _rows(self) -> None:
        """Row variables: ``y_i`` covered by a tower, ``w_i`` reached only by a hotspot; and
        ``v_k`` village k gains signal (village mode)."""
        p, solver = self.problem, self.solver
        inf = solver.infinity()
        cover = p.cover.tocsr()
        towers = ~p.is_wifi
        self.y: dict[int, pywraplp.Variable] = {}
        self.w: dict[int, pywraplp.Variable] = {}
        for i in range(p.n_rows):
            cols = cover.indices[cover.indptr[i] : cover.indptr[i + 1]]
            tcols, wcols = cols[towers[cols]], cols[~towers[cols]]
            if tcols.size:
                self.y[i] = solver.NumVar(0.0, 1.0, f"y{i}")
            if wcols.size and p.target is None:
                self.w[i] = solver.NumVar(0.0, 1.0, f"w{i}")
            for var, cs in ((self.y.get(i), tcols), (self.w.get(i), wcols)):
                if var is None:
                    continue
                ct = solver.Constraint(-inf, 0.0)
                ct.SetCoefficient(var, 1.0)
                for j in cs.tolist():
                    ct.SetCoefficient(self.x[j], -1.0)
            if i in self.y and i in self.w:
                both = solver.Constraint(-inf, 1.0)
                both.SetCoefficient(self.y[i], 1.0)
                both.SetCoefficient(self.w[i], 1.0)
        self.v: dict[int, pywraplp.Variable] = {}
        goal = p.villages
        if goal is not None:
            rows_of: dict[int, list[int]] = {}
            for i in self.y:
                k = int(goal.row_village[i])
                if k >= 0 and goal.open[k]:
                    rows_of.setdefault(k, []).append(i)
            for k, rows in sorted(rows_of.items()):
                need = float(goal.need[k])
                reach = float(sum(p.row_people[i] for i in rows))
                if reach < need - 1e-9:
                    continue  # even every candidate together cannot light it up
                self.v[k] = solver.BoolVar(f"v{k}")
                ct = solver.Constraint(0.0, inf)  # Σ people_i y_i ≥ need_k v_k
                ct.SetCoefficient(self.v[k], -need)
                for i in rows:
                    ct.SetCoefficient(self.y[i], float(p.row_people[i]))

    def _value(self, into: pywraplp.Objective | pywraplp.Constraint) -> None:
        """The budget-mode objective (demand covered, WiFi at its weight; villages first in
        village mode) summed into ``into``."""
        p = self.problem
        tie = p.tie_weight if p.villages is not None else 1.0
        for i, y in self.y.items():
            into.SetCoefficient(y, tie * float(p.demand[i]))
        for i, w in self.w.items():
            into.SetCoefficient(w, tie * p.wifi_weight * float(p.demand[i]))
        for v in self.v.values():
            into.SetCoefficient(v, 1.0)

    def _rules(self) -> None:
        """Fairness: each region's coverage floor, and its cap on spend."""
        p, solver = self.problem, self.solver
        rules = p.rules
        assert rules is not None
        inf = solver.infinity()
        floor = rules.floor
        if floor is not None:
            for r in np.flatnonzero(floor > 0).tolist():
                ct = solver.Constraint(float(floor[r]), inf)
                for i, y in self.y.items():
                    if rules.row_region[i] == r:
                        ct.SetCoefficient(y, float(p.row_people[i]))
        if rules.budget_share is not None:
            share = rules.budget_share
            for r in sorted(set(rules.site_region.tolist()) - {-1}):
                if p.budget is not None:
                    ct = solver.Constraint(-inf, share * float(p.budget) / self.money_unit)
                else:  # target mode: a share of the whole spend
                    ct = solver.Constraint(-inf, 0.0)
                coef: dict[pywraplp.Variable, float] = {}
                for var, amount, site in self.spend:
                    mine = rules.site_region[site] == r
                    whole = 0.0 if p.budget is not None else share
                    coef[var] = coef.get(var, 0.0) + amount * ((1.0 if mine else 0.0) - whole)
                for var, c in coef.items():
                    if c != 0.0:
                        ct.SetCoefficient(var, c)

    def _network(
        self,
        money: pywraplp.Constraint | pywraplp.Objective | _Priced,
        *,
        also: pywraplp.Objective | None = None,
    ) -> None:
        """Feeds, relays and the fiber tree on a depth-indexed graph; flow for capacity.

        Link variables are indexed by the depth of the site they feed (1 = straight from a
        hub), so chains are acyclic and at most ``max_hops`` long by construction, which is
        a much tighter relaxation than potential (MTZ) constraints.
        """
        p, solver = self.problem, self.solver
        net = p.network
        assert net is not None and p.bandwidth_mbps is not None
        inf = solver.infinity()
        mu, bu = self.money_unit, self.mbps_unit
        depth_min = net.min_depth()
        self.zk.clear()
        fed_at: dict[tuple[int, int], list[pywraplp.Variable]] = {}  # (site, depth) -> links
        fiber_at: dict[tuple[int, int], list[int]] = {}  # (site, depth) -> fiber links
        feeds_at: dict[tuple[int, int], list[int]] = {}  # (site, depth) -> links
        for a in range(net.n_arcs):
            t, h = int(net.tail[a]), int(net.head[a])
            depths = [1] if t < 0 else range(int(depth_min[t]) + 1, net.max_hops + 1)
            for k in depths:
                var = solver.BoolVar(f"z{a}_{k}")
                for line in (money, also):
                    if line is not None:
                        line.SetCoefficient(var, float(net.cost[a]) / mu)
                self.spend.append((var, float(net.cost[a]) / mu, h))
                self.zk[a, k] = var
                fed_at.setdefault((h, k), []).append(var)
                if net.kind[a] == FIBER:
                    fiber_at.setdefault((h, k), []).append(a)
                feeds_at.setdefault((h, k), []).append(a)
        for (a, k), var in self.zk.items():
            t, h = int(net.tail[a]), int(net.head[a])
            if t < 0:
                continue
            # a link at depth k leaves a site fed at depth k-1 (by fiber, for fiber links),
            # and not fed by the very site it feeds: without that, the relaxation lets two
            # sites feed each other (h → t at depth k-1, t → h at depth k) and a sliver of
            # one hub link lights up a whole fractional relay cluster
            feeders = (fiber_at if net.kind[a] == FIBER else feeds_at).get((t, k - 1), [])
            ct = solver.Constraint(-inf, 0.0)
            ct.SetCoefficient(var, 1.0)
            for b in feeders:
                if int(net.tail[b]) != h:
                    ct.SetCoefficient(self.zk[b, k - 1], -1.0)
        # satellite Mbps per site, counted per option: (variable, Mbps in units) terms
        sat_mbps: dict[int, list[tuple[pywraplp.Variable, float]]] = {}
        for g in range(p.n_groups):
            if np.isfinite(net.satellite_cost[g]):
                self.s[g] = solver.BoolVar(f"s{g}")
                for line in (money, also):
                    if line is not None:
                        line.SetCoefficient(self.s[g], float(net.satellite_cost[g]) / mu)
                self.spend.append((self.s[g], float(net.satellite_cost[g]) / mu, g))
                opts = self.members[g].tolist()
                if len(opts) == 1:
                    sat_mbps[g] = [(self.s[g], float(p.bandwidth_mbps[opts[0]]) / bu)]
                else:
                    # u_j: option j built and fed by satellite (u_j <= x_j, sum u_j = s_g)
                    split_ = solver.Constraint(0.0, 0.0)
                    split_.SetCoefficient(self.s[g], -1.0)
                    terms = []
                    for j in opts:
                        u = solver.NumVar(0.0, 1.0, f"u{j}")
                        split_.SetCoefficient(u, 1.0)
                        le = solver.Constraint(-inf, 0.0)
                        le.SetCoefficient(u, 1.0)
                        le.SetCoefficient(self.x[j], -1.0)
                        terms.append((u, float(p.bandwidth_mbps[j]) / bu))
                    sat_mbps[g] = terms
            feed = solver.Constraint(0.0, 0.0)  # fed exactly once when built
            for k in range(1, net.max_hops + 1):
                for var in fed_at.get((g, k), []):
                    feed.SetCoefficient(var, 1.0)
            if g in self.s:
                feed.SetCoefficient(self.s[g], 1.0)
            for j in self.members[g].tolist():
                feed.SetCoefficient(self.x[j], -1.0)
        if p.n_options <= LARGE_OPTIONS:
            # (at country scale they cost a fifth of the LP's time for a hundredth of a
            # percent of bound: 315 s against 253 s on L, bound 1,457,019 against 1,457,217)
            self._relay_roots(fed_at)
        # (priced cluster solves have no budget row, so no budget caps their links' load)
        if isinstance(money, _Priced) or not _links_cannot_fill(p):
            self._flows(sat_mbps)
        if net.satellite_capacity_mbps is not None and sat_mbps:
            total = solver.Constraint(-inf, float(net.satellite_capacity_mbps) / bu)
            for terms in sat_mbps.values():
                for var, mbps in terms:
                    total.SetCoefficient(var, mbps)

    def _flows(self, sat_mbps: dict[int, list[tuple[pywraplp.Variable, float]]]) -> None:
        """Capacity: each link carries the backhaul of every site downstream of it (a flow
        per link, balanced at every site)."""
        p, solver = self.problem, self.solver
        net = p.network
        assert net is not None and p.bandwidth_mbps is not None
        inf, bu = solver.infinity(), self.mbps_unit
        flow = {}
        cap_units = net.capacity_mbps / bu
        per_arc: dict[int, list[pywraplp.Variable]] = {}
        for (a, _), var in self.zk.items():
            per_arc.setdefault(a, []).append(var)
        for a, variables in per_arc.items():
            flow[a] = solver.NumVar(0.0, float(cap_units[a]), f"f{a}")
            ct = solver.Constraint(-inf, 0.0)  # f_a <= capacity * (link built)
            ct.SetCoefficient(flow[a], 1.0)
            for var in variables:
                ct.SetCoefficient(var, -float(cap_units[a]))
        for g in range(p.n_groups):
            balance = solver.Constraint(0.0, 0.0)  # inflow - outflow + satellite = demand
            for a in np.flatnonzero(net.head == g).tolist():
                if a in flow:
                    balance.SetCoefficient(flow[a], 1.0)
            for a in np.flatnonzero(net.tail == g).tolist():
                if a in flow:
                    balance.SetCoefficient(flow[a], -1.0)
            for var, mbps in sat_mbps.get(g, []):
                balance.SetCoefficient(var, mbps)
            for j in self.members[g].tolist():
                balance.SetCoefficient(self.x[j], -float(p.bandwidth_mbps[j]) / bu)

    def _relay_roots(self, fed_at: dict[tuple[int, int], list[pywraplp.Variable]]) -> None:
        """Every relay chain starts at one site fed straight from a hub: a site fed at depth
        k ≥ 3 is fed at most as much as the sites that can be its chain's first link
        (k − 1 relay hops upstream, itself excluded) are fed at depth 1. The per-link rows
        alone let one sliver of a hub link feed a site along several chains at once."""
        net = self.problem.network
        assert net is not None
        relay = net.tail >= 0
        parents: list[set[int]] = [set() for _ in range(net.n_sites)]
        for t, h in zip(net.tail[relay].tolist(), net.head[relay].tolist(), strict=True):
            parents[h].add(t)
        for v in range(net.n_sites):
            roots = set(parents[v]) - {v}  # first links of chains reaching v at depth 2
            every = set(roots)
            relayed = list(fed_at.get((v, 2), []))
            for k in range(3, net.max_hops + 1):
                roots = {u for t in roots for u in parents[t]} - {v}
                every |= roots
                self._at_most_roots(fed_at.get((v, k), []), roots, fed_at)
                relayed += fed_at.get((v, k), [])
            # over all depths too: one chain, one root, whatever the depth
            if net.max_hops >= 3:
                self._at_most_roots(relayed, every, fed_at)

    def _at_most_roots(
        self,
        fed: list[pywraplp.Variable],
        roots: set[int],
        fed_at: dict[tuple[int, int], list[pywraplp.Variable]],
    ) -> None:
        """Σ ``fed`` ≤ Σ of the ``roots``' depth-1 feeds."""
        if not fed:
            return
        ct = self.solver.Constraint(-self.solver.infinity(), 0.0)
        for var in fed:
            ct.SetCoefficient(var, 1.0)
        for u in sorted(roots):
            for var in fed_at.get((u, 1), []):
                ct.SetCoefficient(var, -1.0)

    def binaries(self) -> list[pywraplp.Variable]:
        """Every 0/1 variable, in an order fixed by the problem alone."""
        return list(self.x) + list(self.zk.values()) + list(self.s.values()) + list(self.v.values())

    def hint(self, design: Design) -> tuple[list[pywraplp.Variable], list[float]]:
        variables = list(self.x) + list(self.s.values())
        values = [float(v) for v in design.selected] + [float(design.satellite[g]) for g in self.s]
        net = self.problem.network
        if net is not None and design.arcs.size:
            depth = _depths(net, design.arcs)
            for (a, k), var in self.zk.items():
                variables.append(var)
                values.append(float(design.arcs[a] and depth[int(net.head[a])] == k))
        return variables, values

    def design(self) -> Design:
        selected = np.array([v.solution_value() > 0.5 for v in self.x], dtype=bool)
        if self.problem.network is None:
            return Design(selected)
        arcs = np.zeros(self.problem.network.n_arcs, dtype=bool)
        for (a, _), var in self.zk.items():
            arcs[a] |= var.solution_value() > 0.5
        sat = np.zeros(self.problem.n_groups, dtype=bool)
        for g, var in self.s.items():
            sat[g] = var.solution_value() > 0.5
        return Design(selected, arcs, sat)


def _links_cannot_fill(problem: CoverageProblem) -> bool:
    """Budget mode: can no link's capacity ever bind? True when even the most backhaul the
    budget can buy (options by Mbps per least cost, a fraction of the last) fits in the
    smallest link; then the model needs no flows."""
    net = problem.network
    if problem.budget is None or net is None or problem.bandwidth_mbps is None:
        return False
    if net.n_arcs == 0:
        return True
    least_feed = net.satellite_cost.astype(float).copy()
    np.minimum.at(least_feed, net.head, net.cost)
    price = problem.cost + least_feed[problem.group]
    mbps = problem.bandwidth_mbps
    order = np.argsort(-mbps / np.maximum(price, 1e-9), kind="stable")
    left, most = float(problem.budget), 0.0
    for j in order.tolist():
        if not np.isfinite(price[j]) or left <= 0:
            continue
        share = min(1.0, left / max(float(price[j]), 1e-9))
        most += share * float(mbps[j])
        left -= share * float(price[j])
    return most <= float(net.capacity_mbps.min()) + 1e-9


def _depths(net: Network, arcs: np.ndarray) -> np.ndarray:
    """Depth (links from a hub) of each site in a design; 0 where not fed by a link."""
    feed_of = np.full(net.n_sites, -1)
    feed_of[net.head[arcs]] = np.flatnonzero(arcs)
    depth = np.zeros(net.n_sites, dtype=np.int64)
    for g in np.flatnonzero(feed_of >= 0).tolist():
        node, k = g, 0
        while node >= 0 and feed_of[node] >= 0 and k <= net.n_sites:
            k += 1
            node = int(net.tail[feed_of[node]])
        depth[g] = k
    return depth


def _worse(problem: CoverageProblem, a: Design, b: Design, maximise: bool) -> bool:
    if not problem.feasible(b):
        return False
    va, vb = problem.objective(a), problem.objective(b)
    return va < vb - 1e-9 if maximise else va > vb + 1e-9


def _result(
    problem: CoverageProblem, design: Design, status: str, *, bound: float, start: float
) -> Solution:
    maximise = problem.target is None
    objective = problem.objective(design)
    if not np.isfinite(bound) or abs(bound) >= 1e19:
        # SCIP stopped before proving anything (it reports ±1e20): use the trivial bound,
        # everyone coverable (budget mode) or nothing spent (target mode)
        bound = float(problem.demand.sum()) if maximise else 0.0
    inverted = relative_gap(bound, objective, maximise=maximise) > 1e-6
    if inverted:
        # a bound on the wrong side of a feasible plan is numerical trouble in a solver, not a
        # proof: say so, and do not call the plan optimal on its strength
        logger.warning(
            "the solver's bound %.6g is on the wrong side of the plan's value %.6g (numerical "
            "trouble); the bound is reported as the plan's value, and the plan is not called "
            "optimal",
            bound,
            objective,
        )
    bound = max(bound, objective) if maximise else min(bound, objective)
    elapsed = time.perf_counter() - start
    covered, wifi = problem.value(design.selected)
    gap = relative_gap(objective, bound, maximise=maximise)
    if status in ("gap_reached", "limit") and gap == 0.0 and not inverted:
        status = "optimal"
    return Solution(
        design=design,
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        seconds=elapsed,
        covered=covered,
        wifi=wifi,
        cost=problem.total_cost(design),
    )
