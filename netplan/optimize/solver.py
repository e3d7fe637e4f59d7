"""The exact model: a mixed-integer program solved by SCIP through OR-Tools.

Variables: ``x_j`` (build option j, binary); ``y_i`` (row i covered) and ``w_i`` (row i
reached only by WiFi), continuous in [0, 1] — integrality follows from the ``x``.

- budget mode: max Σ d_i y_i + α Σ d_i w_i  s.t.  Σ c_j x_j ≤ B
- target mode: min Σ c_j x_j  s.t.  Σ d_i y_i ≥ T
- always: y_i ≤ Σ_{towers j ∋ i} x_j,  w_i ≤ Σ_{hotspots j ∋ i} x_j,  y_i + w_i ≤ 1,
  Σ_{j in site s} x_j ≤ 1.

A greedy solution is passed as a hint and kept as a fallback when the solver finds nothing
in time. The result always carries the solver's best bound and the gap to it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from netplan.errors import InfeasibleError
from netplan.optimize.greedy import greedy, prune
from netplan.optimize.problem import CoverageProblem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SolverSettings:
    """What the solver may spend and how it is seeded (recorded in the manifest)."""

    time_limit_s: float = 60.0
    relative_gap: float = 0.005
    workers: int = 1
    seed: int = 0


@dataclass(frozen=True)
class Solution:
    """A selection of options with its proof of quality."""

    selected: np.ndarray  #: bool per option
    status: str  #: optimal | gap_reached | time_limit | greedy
    objective: float  #: people (budget mode, WiFi at its weight) or cost (target mode)
    bound: float  #: best bound proven by the solver
    gap: float  #: relative distance between objective and bound (0 = proven optimal)
    seconds: float
    covered: float  #: people newly covered
    wifi: float  #: people reached only by WiFi
    cost: float


def relative_gap(objective: float, bound: float, *, maximise: bool) -> float:
    """|bound − objective| / |objective|, on the side the bound can lie (0 when both are 0)."""
    diff = (bound - objective) if maximise else (objective - bound)
    diff = max(diff, 0.0)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-9)


def solve(problem: CoverageProblem, settings: SolverSettings) -> Solution:
    """Solve ``problem`` to within ``settings.relative_gap`` or the time limit.

    Raises
    ------
    InfeasibleError
        Target mode, when even every candidate together cannot reach the target.
    """
    start = time.perf_counter()
    maximise = problem.target is None
    if not maximise:
        reachable = problem.max_coverable()
        if reachable + 1e-6 < (problem.target or 0.0):
            raise InfeasibleError(
                f"the coverage target needs {problem.target:,.0f} more people covered, but every "
                f"candidate together covers only {reachable:,.0f}"
            )
    hint = greedy(problem)
    if problem.n_options == 0 or problem.n_rows == 0:
        return _result(problem, hint, "optimal", bound=problem.objective(hint), start=start)

    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:  # pragma: no cover - OR-Tools wheels always ship SCIP
        raise RuntimeError("OR-Tools was built without SCIP")
    solver.SetSolverSpecificParametersAsString(
        f"randomization/randomseedshift = {settings.seed}\nrandomization/permutationseed = "
        f"{settings.seed}\nrandomization/lpseed = {settings.seed}\n"
    )
    x = [solver.BoolVar(f"x{j}") for j in range(problem.n_options)]
    cover = problem.cover.tocsr()
    towers = ~problem.is_wifi
    obj = solver.Objective()
    lin = solver.Constraint(
        -solver.infinity() if maximise else float(problem.target or 0.0),
        float(problem.budget) if maximise and problem.budget is not None else solver.infinity(),
    )
    for i in range(problem.n_rows):
        cols = cover.indices[cover.indptr[i] : cover.indptr[i + 1]]
        d = float(problem.demand[i])
        tcols = cols[towers[cols]]
        wcols = cols[~towers[cols]]
        y = solver.NumVar(0.0, 1.0, f"y{i}") if tcols.size else None
        w = solver.NumVar(0.0, 1.0, f"w{i}") if wcols.size and maximise else None
        for var, cs in ((y, tcols), (w, wcols)):
            if var is None:
                continue
            ct = solver.Constraint(-solver.infinity(), 0.0)
            ct.SetCoefficient(var, 1.0)
            for j in cs:
                ct.SetCoefficient(x[j], -1.0)
        if y is not None and w is not None:
            both = solver.Constraint(-solver.infinity(), 1.0)
            both.SetCoefficient(y, 1.0)
            both.SetCoefficient(w, 1.0)
        if maximise:
            if y is not None:
                obj.SetCoefficient(y, d)
            if w is not None:
                obj.SetCoefficient(w, problem.wifi_weight * d)
        elif y is not None:
            lin.SetCoefficient(y, d)
    if maximise:
        for j in range(problem.n_options):
            lin.SetCoefficient(x[j], float(problem.cost[j]))
        obj.SetMaximization()
    else:
        for j in range(problem.n_options):
            obj.SetCoefficient(x[j], float(problem.cost[j]))
        obj.SetMinimization()
    for g in np.unique(problem.group):
        members = np.flatnonzero(problem.group == g)
        if members.size > 1:
            ct = solver.Constraint(0.0, 1.0)
            for j in members:
                ct.SetCoefficient(x[j], 1.0)

    solver.SetHint(x, [float(v) for v in hint])
    remaining = max(0.05, settings.time_limit_s - (time.perf_counter() - start))
    solver.SetTimeLimit(int(remaining * 1000))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, settings.relative_gap)
    logger.info(
        "solving: %d options, %d demand rows, %d constraints (SCIP, limit %.0f s)",
        problem.n_options,
        problem.n_rows,
        solver.NumConstraints(),
        remaining,
    )
    status = solver.Solve(params)
    if status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        chosen = np.array([v.solution_value() > 0.5 for v in x])
        bound = float(obj.BestBound())
        if status == pywraplp.Solver.OPTIMAL and settings.relative_gap == 0:
            bound = float(obj.Value())
        # keep the better of the solver's answer and the greedy one (time limits can bite)
        if not problem.feasible(chosen) or _worse(problem, chosen, hint, maximise):
            chosen, label = hint, "greedy"
        else:
            label = "gap_reached" if status == pywraplp.Solver.OPTIMAL else "time_limit"
        return _result(problem, prune(problem, chosen), label, bound=bound, start=start)
    if status == pywraplp.Solver.INFEASIBLE:  # pragma: no cover - ruled out above
        raise InfeasibleError("the solver proved the model infeasible")
    logger.warning("solver returned no solution in time; using the greedy plan")
    bound = float(obj.BestBound()) if status == pywraplp.Solver.NOT_SOLVED else float("nan")
    return _result(problem, hint, "greedy", bound=bound, start=start)


def _worse(problem: CoverageProblem, a: np.ndarray, b: np.ndarray, maximise: bool) -> bool:
    if not problem.feasible(b):
        return False
    va, vb = problem.objective(a), problem.objective(b)
    return va < vb - 1e-9 if maximise else va > vb + 1e-9


def _result(
    problem: CoverageProblem, selected: np.ndarray, status: str, *, bound: float, start: float
) -> Solution:
    maximise = problem.target is None
    objective = problem.objective(selected)
    if not np.isfinite(bound) or abs(bound) >= 1e19:
        # SCIP stopped before proving anything (it reports ±1e20): use the trivial bound,
        # everyone coverable (budget mode) or nothing spent (target mode)
        bound = float(problem.demand.sum()) if maximise else 0.0
    bound = max(bound, objective) if maximise else min(bound, objective)
    covered, wifi = problem.value(selected)
    gap = relative_gap(objective, bound, maximise=maximise)
    if status in ("gap_reached", "time_limit") and gap == 0.0:
        status = "optimal"
    return Solution(
        selected=np.asarray(selected, dtype=bool),
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        seconds=time.perf_counter() - start,
        covered=covered,
        wifi=wifi,
        cost=float(problem.cost[np.asarray(selected, bool)].sum()),
    )
