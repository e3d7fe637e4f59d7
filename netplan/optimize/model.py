"""The mixed-integer model of a covering problem in OR-Tools, and the solves built on it alone.

Variables: ``x_j`` (build option j, binary); ``y_i`` (row i covered) and ``w_i`` (row i
reached only by WiFi), continuous in [0, 1] — integrality follows from the ``x``.

- budget mode: max Σ d_i y_i + α Σ d_i w_i  s.t.  Σ c_j x_j ≤ B
- target mode: min Σ c_j x_j  s.t.  Σ d_i y_i ≥ T
- always: y_i ≤ Σ_{towers j ∋ i} x_j,  w_i ≤ Σ_{hotspots j ∋ i} x_j,  y_i + w_i ≤ 1,
  Σ_{j in site s} x_j ≤ 1.

Backhaul links, satellite, fairness rules and village goals add their own rows
(:class:`Model`). Here too: the SCIP solver every stage uses (:func:`scip_solver`), the LP
relaxation of the whole model (:func:`lp_relaxation`) and one cluster's solve at a price of
money (:func:`solve_priced`). The stages that combine them live in
:mod:`netplan.optimize.solver`; :mod:`netplan.optimize.clusters` prices clusters with
:func:`solve_priced`.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from netplan.optimize import local_search
from netplan.optimize.network import FIBER, Network
from netplan.optimize.problem import CoverageProblem, Design

logger = logging.getLogger(__name__)

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


def timed_solve(
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


def scip_solver(settings: SolverSettings) -> pywraplp.Solver:
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


@dataclass(frozen=True)
class Priced:
    """A cluster's best plan at one price: its design, value and cost, and an upper bound on
    value − price × cost over all its plans."""

    design: Design
    value: float
    cost: float
    upper: float
    #: the solve's clock, not its node limit or gap, stopped it
    stopped_by_time: bool = False


def solve_priced(problem: CoverageProblem, price: float, settings: SolverSettings) -> Priced:
    """The plan maximising value − ``price`` × cost with no budget (one cluster's part in
    sharing the budget), with SCIP's upper bound on that quantity."""
    solver = scip_solver(settings)
    model = Model(solver, problem, price=price)
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, settings.relative_gap)
    status, out_of_time = timed_solve(
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
class Relaxation:
    """The optimum of the full model's LP relaxation (budget mode), with each binary's value
    and reduced cost there, in :meth:`Model.binaries` order."""

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

    def fix(self, model: Model, incumbent: float) -> int:
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


def lp_relaxation(
    problem: CoverageProblem, *, seconds: float, iterations: int | None = None
) -> Relaxation | None:
    """The LP relaxation of the full model (None when it does not finish)."""
    return timed_lp_relaxation(problem, seconds=seconds, iterations=iterations)[0]


def timed_lp_relaxation(
    problem: CoverageProblem, *, seconds: float, iterations: int | None
) -> tuple[Relaxation | None, bool]:
    """Solve the LP relaxation of the full model with GLOP, in at most ``iterations`` simplex
    iterations: (the relaxation, or None when it does not finish; whether the clock, not the
    iteration limit, stopped it)."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - OR-Tools wheels always ship GLOP
        return None, False
    if iterations is not None:
        solver.SetSolverSpecificParametersAsString(f"max_number_of_iterations: {iterations}")
    model = Model(solver, problem)
    began = time.perf_counter()
    status, out_of_time = timed_solve(solver, seconds=seconds)
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
    relaxation = Relaxation(
        value=float(solver.Objective().Value()),
        values=np.array([v.solution_value() for v in binaries]),
        reduced=np.array([v.reduced_cost() for v in binaries]),
    )
    return relaxation, False


#: per (site, depth), the variables of the links that feed it there
_LinksAt = dict[tuple[int, int], list[pywraplp.Variable]]


class _PricedObjective:
    """The objective seen as a money line: each money coefficient enters at ``factor`` times."""

    def __init__(self, objective: pywraplp.Objective, factor: float) -> None:
        self.objective, self.factor = objective, factor

    def SetCoefficient(self, var: pywraplp.Variable, coef: float) -> None:
        self.objective.SetCoefficient(var, self.factor * coef)


class Model:
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
        self.money_unit, self.mbps_unit = _units(problem)
        mu = self.money_unit
        self.x = [solver.BoolVar(f"x{j}") for j in range(problem.n_options)]
        self._rows()
        obj = solver.Objective()
        # the money line: budget (max coverage) or objective (min cost, in money units)
        money: pywraplp.Constraint | pywraplp.Objective | _PricedObjective
        if price is not None:
            money = _PricedObjective(obj, -price * mu)
        elif maximise:
            money = solver.Constraint(-inf, float(problem.budget or 0.0) / mu)
        else:
            money = obj
        self.spend: list[tuple[pywraplp.Variable, float, int]] = []  # (var, money, site)
        for j, var in enumerate(self.x):
            money.SetCoefficient(var, float(problem.cost[j]) / mu)
            self.spend.append((var, float(problem.cost[j]) / mu, int(problem.group[j])))
        self._goal(obj, floor)
        self.members = [np.flatnonzero(problem.group == g) for g in range(problem.n_groups)]
        self._one_option_per_site()
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

    def _goal(self, obj: pywraplp.Objective, floor: float | None) -> None:
        """What the model optimises: coverage (budget mode), cost with coverage at least
        ``floor`` (the tie-breaking phase), or cost with the target as a row (target mode)."""
        p, solver = self.problem, self.solver
        inf = solver.infinity()
        if floor is not None:  # second phase: the value found is a floor, cost the objective
            self._value(solver.Constraint(floor, inf))
            for j, var in enumerate(self.x):
                obj.SetCoefficient(var, float(p.cost[j]) / self.money_unit)
        elif p.target is None:
            self._value(obj)
        else:
            target = solver.Constraint(float(p.target), inf)
            for i, y in self.y.items():
                target.SetCoefficient(y, float(p.row_people[i]))

    def _one_option_per_site(self) -> None:
        """At most one option per site; exactly one at a site a reviewer accepted, none at
        one rejected."""
        p = self.problem
        for g, opts in enumerate(self.members):
            decided = -1 if p.forced is None else int(p.forced[g])
            if opts.size > 1 or decided >= 0:
                lo, hi = (0.0, 1.0) if decided < 0 else (float(decided), float(decided))
                ct = self.solver.Constraint(lo, hi)
                for j in opts.tolist():
                    ct.SetCoefficient(self.x[j], 1.0)

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
        money: pywraplp.Constraint | pywraplp.Objective | _PricedObjective,
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
        fed_at = self._links(money, also)
        # satellite Mbps per site, counted per option: (variable, Mbps in units) terms
        sat_mbps: dict[int, list[tuple[pywraplp.Variable, float]]] = {}
        for g in range(p.n_groups):
            if np.isfinite(net.satellite_cost[g]):
                sat_mbps[g] = self._satellite(g, money, also)
            self._fed_once(g, fed_at)
        if p.n_options <= LARGE_OPTIONS:
            # (at country scale they cost a fifth of the LP's time for a hundredth of a
            # percent of bound: 315 s against 253 s on L, bound 1,457,019 against 1,457,217)
            self._relay_roots(fed_at)
        # (priced cluster solves have no budget row, so no budget caps their links' load)
        if isinstance(money, _PricedObjective) or not _links_cannot_fill(p):
            self._flows(sat_mbps)
        if net.satellite_capacity_mbps is not None and sat_mbps:
            total = solver.Constraint(
                -solver.infinity(), float(net.satellite_capacity_mbps) / self.mbps_unit
            )
            for terms in sat_mbps.values():
                for var, mbps in terms:
                    total.SetCoefficient(var, mbps)

    def _links(
        self,
        money: pywraplp.Constraint | pywraplp.Objective | _PricedObjective,
        also: pywraplp.Objective | None,
    ) -> _LinksAt:
        """A binary per link and depth of the site it feeds, its cost on the money lines;
        each link at depth k leaves a site fed at depth k − 1. Returns the links feeding
        each (site, depth)."""
        p, solver = self.problem, self.solver
        net = p.network
        assert net is not None
        depth_min = net.min_depth()
        self.zk.clear()
        fed_at: _LinksAt = {}  # (site, depth) -> link variables
        fiber_at: dict[tuple[int, int], list[int]] = {}  # (site, depth) -> fiber links
        feeds_at: dict[tuple[int, int], list[int]] = {}  # (site, depth) -> links
        for a in range(net.n_arcs):
            t, h = int(net.tail[a]), int(net.head[a])
            depths = [1] if t < 0 else range(int(depth_min[t]) + 1, net.max_hops + 1)
            for k in depths:
                var = solver.BoolVar(f"z{a}_{k}")
                for line in (money, also):
                    if line is not None:
                        line.SetCoefficient(var, float(net.cost[a]) / self.money_unit)
                self.spend.append((var, float(net.cost[a]) / self.money_unit, h))
                self.zk[a, k] = var
                fed_at.setdefault((h, k), []).append(var)
                if net.kind[a] == FIBER:
                    fiber_at.setdefault((h, k), []).append(a)
                feeds_at.setdefault((h, k), []).append(a)
        self._links_leave_fed_sites(fiber_at, feeds_at)
        return fed_at

    def _links_leave_fed_sites(
        self,
        fiber_at: dict[tuple[int, int], list[int]],
        feeds_at: dict[tuple[int, int], list[int]],
    ) -> None:
        """A link at depth k leaves a site fed at depth k-1 (by fiber, for fiber links),
        and not fed by the very site it feeds: without that, the relaxation lets two sites
        feed each other (h → t at depth k-1, t → h at depth k) and a sliver of one hub link
        lights up a whole fractional relay cluster."""
        net = self.problem.network
        assert net is not None
        for (a, k), var in self.zk.items():
            t, h = int(net.tail[a]), int(net.head[a])
            if t < 0:
                continue
            feeders = (fiber_at if net.kind[a] == FIBER else feeds_at).get((t, k - 1), [])
            ct = self.solver.Constraint(-self.solver.infinity(), 0.0)
            ct.SetCoefficient(var, 1.0)
            for b in feeders:
                if int(net.tail[b]) != h:
                    ct.SetCoefficient(self.zk[b, k - 1], -1.0)

    def _satellite(
        self,
        g: int,
        money: pywraplp.Constraint | pywraplp.Objective | _PricedObjective,
        also: pywraplp.Objective | None,
    ) -> list[tuple[pywraplp.Variable, float]]:
        """Site ``g``'s satellite terminal ``s_g`` on the money lines; the (variable, Mbps
        in units) terms of the backhaul it carries, per option when the site has several
        (``u_j``: option j built and fed by satellite, u_j ≤ x_j, Σ u_j = s_g)."""
        p, solver = self.problem, self.solver
        net = p.network
        assert net is not None and p.bandwidth_mbps is not None
        self.s[g] = solver.BoolVar(f"s{g}")
        for line in (money, also):
            if line is not None:
                line.SetCoefficient(self.s[g], float(net.satellite_cost[g]) / self.money_unit)
        self.spend.append((self.s[g], float(net.satellite_cost[g]) / self.money_unit, g))
        opts = self.members[g].tolist()
        if len(opts) == 1:
            return [(self.s[g], float(p.bandwidth_mbps[opts[0]]) / self.mbps_unit)]
        split_ = solver.Constraint(0.0, 0.0)
        split_.SetCoefficient(self.s[g], -1.0)
        terms = []
        for j in opts:
            u = solver.NumVar(0.0, 1.0, f"u{j}")
            split_.SetCoefficient(u, 1.0)
            le = solver.Constraint(-solver.infinity(), 0.0)
            le.SetCoefficient(u, 1.0)
            le.SetCoefficient(self.x[j], -1.0)
            terms.append((u, float(p.bandwidth_mbps[j]) / self.mbps_unit))
        return terms

    def _fed_once(self, g: int, fed_at: _LinksAt) -> None:
        """Site ``g`` is fed exactly once (a link at some depth, or satellite) when built."""
        net = self.problem.network
        assert net is not None
        feed = self.solver.Constraint(0.0, 0.0)
        for k in range(1, net.max_hops + 1):
            for var in fed_at.get((g, k), []):
                feed.SetCoefficient(var, 1.0)
        if g in self.s:
            feed.SetCoefficient(self.s[g], 1.0)
        for j in self.members[g].tolist():
            feed.SetCoefficient(self.x[j], -1.0)

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

    def _relay_roots(self, fed_at: _LinksAt) -> None:
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
        fed_at: _LinksAt,
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


def _units(problem: CoverageProblem) -> tuple[float, float]:
    """(money unit, Mbps unit): the median positive cost and the largest bandwidth, so the
    model's coefficients sit near 1."""
    costs = [problem.cost]
    if problem.network is not None:
        costs += [problem.network.cost, problem.network.satellite_cost]
    positive = np.concatenate(costs)
    positive = positive[np.isfinite(positive) & (positive > 0)]
    money_unit = float(np.median(positive)) if positive.size else 1.0
    bw = problem.bandwidth_mbps
    mbps_unit = float(bw.max()) if bw is not None and bw.size else 1.0
    return money_unit, mbps_unit


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
