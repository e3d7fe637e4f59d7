"""The stages that solve a covering problem exactly, each keeping the best plan so far.

The model itself (variables, rows, the SCIP solver, the LP relaxation, one cluster's solve at
a price of money) is :mod:`netplan.optimize.model`. Problems without backhaul are first
reduced by :mod:`netplan.optimize.presolve`. Then, in order:

1. refusals: what no plan can do (a target or floors beyond every candidate together);
2. the starting plan: greedy + local search (and the demand optimum in village mode);
3. cluster pricing (budget mode, independent clusters such as islands): the budget shared
   by pricing money (:mod:`netplan.optimize.clusters`), with a certified bound; when that
   bound already proves the plan within the gap, the solve ends here, without a model of
   the whole problem;
4. the LP relaxation of the whole model (GLOP), which certifies the gap;
5. the plan from the LP (the exact model over the sites the LP builds);
6. SCIP on the whole model, from that plan, with the variables the LP's reduced costs fix;
7. the finish: the plan pruned, then put on its cheapest backhaul.

The best plan is passed as a hint and kept as a fallback when the solver finds nothing in
time. The result always carries the tightest bound proven and the gap to it.

Every stage stops on a deterministic work limit (local-search rounds, SCIP nodes, GLOP
iterations) or on the gap, so the same inputs give the same plan on a fast or a busy
machine. The time limit is a safety net for the whole solve: each stage may use what is left
of it, and the result names every stage whose clock, not its work limit, stopped it.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp

from netplan import progress
from netplan.errors import InfeasibleError
from netplan.optimize.bound import lagrangian_bound
from netplan.optimize.clusters import Shared, share_budget, site_clusters, split
from netplan.optimize.greedy import prune, starting_plan
from netplan.optimize.model import (
    LARGE_OPTIONS,
    MIN_STAGE_S,
    Model,
    Relaxation,
    SolverSettings,
    lp_relaxation,
    scip_solver,
    solve_priced,
    timed_lp_relaxation,
    timed_solve,
)
from netplan.optimize.presolve import presolve
from netplan.optimize.problem import CoverageProblem, Design

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_CLUSTER_OPTIONS",
    "Solution",
    "SolverSettings",
    "best_floor",
    "solve",
    "solve_priced",
]

#: Clusters share the budget by pricing only when none has more options than this.
MAX_CLUSTER_OPTIONS = 300

# the model's parts under the names this module gave them before they moved to
# :mod:`netplan.optimize.model` (tests build models and relaxations through them)
_Model = Model
_Relaxation = Relaxation
_scip = scip_solver
_lp_relaxation = lp_relaxation
_timed_lp_relaxation = timed_lp_relaxation


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


@dataclass
class _Run:
    """One solve under way: what every stage reads, and the stages its clock stopped."""

    problem: CoverageProblem
    settings: SolverSettings
    cheapest_design: bool
    clock: _Deadline
    time_stops: list[str] = field(default_factory=list)

    @property
    def maximise(self) -> bool:
        return self.problem.target is None

    def answer(self, design: Design, status: str, bound: float) -> Solution:
        """The solution ``design`` with ``bound``, naming the stages the clock stopped."""
        return replace(
            _result(self.problem, design, status, bound=bound, start=self.clock.start),
            time_stops=tuple(self.time_stops),
        )

    def within_gap(self, plan: Design, bound: float) -> bool:
        """Does ``bound`` prove the feasible ``plan`` within the gap asked for (budget mode)?"""
        value = self.problem.objective(plan)
        close = relative_gap(value, bound, maximise=True) <= self.settings.relative_gap
        return close and self.problem.feasible(plan)


def _solve_presolved(
    problem: CoverageProblem,
    settings: SolverSettings,
    warm: Design | None,
    start_from: Design | None,
    client: Any,
    cheapest_design: bool,
) -> Solution:
    """:func:`solve` on a problem presolve can reduce no further: refusals, starting plan,
    cluster pricing, LP relaxation, plan from the LP, SCIP search, finish. The first bound
    that proves the plan in hand within the gap ends the search."""
    run = _Run(problem, settings, cheapest_design, _Deadline(settings.time_limit_s))
    _check_reachable(problem)
    hint = _opening_plan(run, warm, start_from)
    if problem.n_options == 0 or problem.n_rows == 0:
        return run.answer(hint, "optimal", bound=problem.objective(hint))
    shared = _priced_clusters(run, client) if run.maximise else None
    if shared is not None:
        if problem.feasible(shared.design) and not _worse(problem, shared.design, hint, True):
            hint = shared.design
        if run.within_gap(hint, shared.bound):
            # pricing proved it: no model of the whole problem (at national scale the LP
            # over every tile together is what costs minutes)
            return _proven(run, hint, shared.bound, by="cluster pricing")
    relax = _lp_stage(run, hint)
    if relax is None:
        return _scip_search(run, hint, relax, shared)
    if run.within_gap(hint, relax.value):
        return _proven(run, hint, _tighter(relax.value, shared), by="LP")
    hint = _plan_from_lp(run, relax, hint)
    if run.within_gap(hint, relax.value):
        return _proven(run, hint, _tighter(relax.value, shared), by="LP")
    return _scip_search(run, hint, relax, shared)


def _opening_plan(run: _Run, warm: Design | None, start_from: Design | None) -> Design:
    """The plan the search starts from: ``start_from`` or the greedy plan, or ``warm`` when
    it is feasible and no worse."""
    problem = run.problem
    hint = start_from or _starting_hint(run)
    usable = warm is not None and problem.feasible(warm)
    if warm is not None and usable and not _worse(problem, warm, hint, run.maximise):
        hint = warm
    return hint


def _lp_stage(run: _Run, hint: Design) -> Relaxation | None:
    """The LP relaxation first (GLOP): a certified bound that SCIP's root may not reach in
    time on a large model, and reduced costs that fix the options no improving plan uses.
    Budget mode without villages, from a feasible plan only (its value is what the reduced
    costs are measured against); None otherwise or when it does not finish."""
    problem = run.problem
    if not (run.maximise and problem.villages is None and problem.feasible(hint)):
        return None
    with progress.task("LP relaxation"):
        relax, out_of_time = timed_lp_relaxation(
            problem,
            seconds=run.clock.left(at_least=MIN_STAGE_S),
            iterations=run.settings.lp_iteration_limit,
        )
    if out_of_time:
        run.time_stops.append("LP relaxation")
    return relax


def _plan_from_lp(run: _Run, relax: Relaxation, hint: Design) -> Design:
    """The plan the LP points at: the exact model over the sites the LP builds (and the plan
    in hand), a small MIP whose optimum is a far better start than the greedy, so the
    reduced costs fix many more options; ``hint`` when it is no better."""
    with progress.task("Plan from the LP"):
        inside, out_of_time = _restricted(run.problem, relax, hint, run.settings, run.clock)
    if out_of_time:
        run.time_stops.append("plan from the LP")
    if inside is not None and not _worse(run.problem, inside, hint, run.maximise):
        return inside
    return hint


def _scip_search(
    run: _Run, hint: Design, relax: Relaxation | None, shared: Shared | None
) -> Solution:
    """SCIP on the whole model from ``hint``, with the binaries the LP's reduced costs fix;
    its plan or, when it finds none better, ``hint``."""
    problem, settings = run.problem, run.settings
    incumbent = problem.objective(hint)
    solver = scip_solver(settings)
    model = Model(solver, problem)
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
    remaining = run.clock.left(at_least=MIN_STAGE_S)
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
        status, out_of_time = timed_solve(solver, seconds=remaining, params=params)
    if out_of_time:
        run.time_stops.append("SCIP")
    if status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return _scip_plan(run, model, status, hint, relax, shared)
    return _no_scip_plan(run, model, status, hint, relax, shared)


def _scip_plan(
    run: _Run,
    model: Model,
    status: int,
    hint: Design,
    relax: Relaxation | None,
    shared: Shared | None,
) -> Solution:
    """SCIP found a plan: the better of it and ``hint`` (limits can bite), finished, with
    the tightest bound proven."""
    problem, maximise = run.problem, run.maximise
    obj = model.solver.Objective()
    found = model.design()
    unit = 1.0 if maximise else model.money_unit  # target mode minimises money units
    bound = float(obj.BestBound()) * unit
    if status == pywraplp.Solver.OPTIMAL and run.settings.relative_gap == 0:
        bound = float(obj.Value()) * unit
    if relax is None and maximise and status != pywraplp.Solver.OPTIMAL:
        bound = _certified(problem, bound, lower=problem.objective(found))
    bound = _certify_bound(run, bound, relax, shared, incumbent=problem.objective(hint))
    problems = problem.violations(found)
    if problems and not problem.feasible(hint):
        _no_fair_plan(problem, run.settings, proven=False)
    if problems:
        logger.warning("solver answer rejected (%s); using the greedy plan", problems[0])
    if problems or _worse(problem, found, hint, maximise):
        found, label = hint, "greedy"
    else:
        label = "gap_reached" if status == pywraplp.Solver.OPTIMAL else "limit"
    return run.answer(_finish(run, found), label, bound)


def _no_scip_plan(
    run: _Run,
    model: Model,
    status: int,
    hint: Design,
    relax: Relaxation | None,
    shared: Shared | None,
) -> Solution:
    """SCIP found no plan within its limits: ``hint`` with the tightest bound proven, or a
    refusal when ``hint`` breaks a rule or the model is infeasible."""
    problem = run.problem
    if status == pywraplp.Solver.INFEASIBLE or not problem.feasible(hint):
        _no_fair_plan(problem, run.settings, proven=status == pywraplp.Solver.INFEASIBLE)
    logger.warning("solver returned no solution within its limits; using the greedy plan")
    unit = 1.0 if run.maximise else model.money_unit
    solved = status == pywraplp.Solver.NOT_SOLVED
    bound = float(model.solver.Objective().BestBound()) * unit if solved else math.nan
    if relax is None and run.maximise:
        bound = _certified(problem, bound, lower=problem.objective(hint))
    bound = _certify_bound(run, bound, relax, shared, incumbent=problem.objective(hint))
    return run.answer(hint, "greedy", bound)


def _certify_bound(
    run: _Run,
    bound: float,
    relax: Relaxation | None,
    shared: Shared | None,
    *,
    incumbent: float,
) -> float:
    """SCIP's ``bound`` made a certified one: within the LP's (SCIP ran on the model the
    LP's reduced costs fixed, from a plan worth ``incumbent``) and the pricing's."""
    if relax is not None:
        bound = relax.certify(bound, incumbent)
    return _tighter(bound, shared)


def _proven(run: _Run, hint: Design, bound: float, *, by: str) -> Solution:
    """The plan in hand, which ``bound`` (from the stage ``by``) proves within the gap asked
    for (budget mode), finished."""
    logger.info(
        "the %s bound %.1f proves the plan (%.1f) within the gap",
        by,
        bound,
        run.problem.objective(hint),
    )
    return run.answer(_finish(run, hint), "gap_reached", bound)


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


def _starting_hint(run: _Run) -> Design:
    """The greedy plan after local search; in village mode the demand optimum when better
    (village constraints make a weak relaxation, and this way the village plan never lights
    up fewer villages than the demand plan of the same problem)."""
    problem, settings, clock = run.problem, run.settings, run.clock
    with progress.task("Greedy plan and local search"):
        begun = starting_plan(problem, search_rounds=settings.search_rounds, search_s=clock.left())
    hint = begun.design
    if begun.search_stopped_by_time:
        run.time_stops.append("local search")
    if problem.villages is not None and problem.n_options and problem.n_rows:
        # a stage of its own, with its own work limits and what is left of the time limit
        with progress.task("Demand plan"):
            plain = solve(
                replace(problem, villages=None),
                replace(settings, time_limit_s=clock.left(at_least=MIN_STAGE_S)),
            )
        run.time_stops += [f"demand plan: {stage}" for stage in plain.time_stops]
        better = problem.objective(plain.design) > problem.objective(hint)
        if problem.feasible(plain.design) and better:
            hint = plain.design
    return hint


def _priced_clusters(run: _Run, client: Any) -> Shared | None:
    """Budget mode with independent clusters (islands): the budget shared by pricing money,
    each cluster solved on its own (on the Dask cluster when one is given); None when the
    problem is one piece or a piece is too large to price."""
    problem = run.problem
    clusters = site_clusters(problem)
    parts = split(problem, clusters=clusters) if _islands(problem, clusters) else []
    if len(parts) < 2:
        return None
    with progress.task("Cluster pricing"):
        shared = share_budget(problem, parts, run.settings, seconds=run.clock.left(), client=client)
    if shared.stopped_by_time:
        run.time_stops.append("cluster pricing")
    return shared


def _finish(run: _Run, found: Design) -> Design:
    """The plan found, pruned, then (budget mode, unless the caller said not to) on its
    cheapest backhaul; a clock stop of that phase is added to the run's time stops."""
    problem = run.problem
    found = prune(problem, found)
    # (above LARGE_OPTIONS the cheapest-design model is too big to pay off: on the M region
    # its root node alone outlasted a 300 s time limit)
    if run.maximise and run.cheapest_design and problem.n_options <= LARGE_OPTIONS:
        found, out_of_time = _cheapest_for(problem, found, run.settings, run.clock)
        if out_of_time:
            run.time_stops.append("cheapest-design phase")
    return found


def _restricted(
    problem: CoverageProblem,
    relax: Relaxation,
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
    solver = scip_solver(settings)
    model = Model(solver, inner)
    solver.SetHint(*model.hint(hint))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, settings.relative_gap)
    status, out_of_time = timed_solve(
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
    solver = scip_solver(settings)
    model = Model(solver, relaxed)
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
    solver = scip_solver(settings)
    same_sites = replace(problem, forced=np.where(built, 1, 0))
    model = Model(solver, same_sites, floor=value - 1e-6 * max(1.0, value))
    solver.SetHint(*model.hint(found))
    params = pywraplp.MPSolverParameters()  # the cheapest design within the gap asked for
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, settings.relative_gap)
    with progress.task("Cheapest design"):
        status, out_of_time = timed_solve(solver, seconds=max(seconds, MIN_STAGE_S), params=params)
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
