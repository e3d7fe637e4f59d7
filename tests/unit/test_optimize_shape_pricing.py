"""Islands whose cluster pricing already proves the plan: the solve ends there, certified.

At national scale the LP relaxation over every tile together is what costs minutes; when
pricing money across independent clusters (islands) proves the plan within the gap asked for,
:func:`netplan.optimize.solver.solve` returns it with the pricing bound and builds no model
of the whole problem. The bound must stay a true upper bound: checked here against brute
force on small island problems.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import sparse

from netplan.optimize import solver as solver_module
from netplan.optimize.clusters import share_budget, split
from netplan.optimize.problem import CoverageProblem
from netplan.optimize.solver import SolverSettings, solve
from tests.properties.brute import BUDGET, brute_force, random_case

#: the gap the national runs ask for
ONE_PERCENT = SolverSettings(time_limit_s=60, relative_gap=0.01, seed=0)
EXACT = SolverSettings(time_limit_s=60, relative_gap=0.0, seed=0)


def archipelago(n_islands: int, *, seed: int = 0) -> CoverageProblem:
    """``n_islands`` islands that share nothing but the budget: on each, four candidate
    towers of equal cost over twelve villages (a tower serves a few neighbouring ones);
    the budget buys a third of all towers."""
    rng = np.random.default_rng(seed)
    blocks, demand = [], []
    for _ in range(n_islands):
        cover = np.zeros((12, 4), dtype=np.int8)
        for j in range(4):
            cover[3 * j : 3 * j + 5, j] = 1  # each tower reaches its valley and the next
        blocks.append(sparse.csr_matrix(cover))
        demand.append(rng.integers(50, 400, 12).astype(float))
    n = 4 * n_islands
    return CoverageProblem(
        demand=np.concatenate(demand),
        cover=sparse.block_diag(blocks, format="csr").astype(np.int8),
        cost=np.full(n, 1e9),
        is_wifi=np.zeros(n, dtype=bool),
        group=np.arange(n),
        budget=1e9 * (n // 3),
    )


def _no_lp(*_args: Any, **_kwargs: Any) -> Any:
    raise AssertionError("the LP relaxation of the whole problem ran")


def test_pricing_proves_the_islands_plan_without_the_lp(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = archipelago(12)
    shared = share_budget(problem, split(problem), ONE_PERCENT)
    assert shared.bound >= shared.value  # the pricing alone proves what it found
    monkeypatch.setattr(solver_module, "timed_lp_relaxation", _no_lp)
    sol = solve(problem, ONE_PERCENT)
    assert sol.status in ("optimal", "gap_reached")
    assert sol.gap <= ONE_PERCENT.relative_gap
    assert sol.bound == pytest.approx(shared.bound)  # the bound is the pricing's
    assert problem.budget is not None and sol.cost <= problem.budget
    assert sol.covered >= shared.value - 1e-6
    # and the plan is as good as the full search's, which runs the LP
    monkeypatch.undo()
    full = solve(problem, EXACT)
    assert sol.objective >= full.objective * (1 - ONE_PERCENT.relative_gap) - 1e-6
    assert sol.bound >= full.objective - 1e-6


def test_the_lp_still_runs_when_pricing_leaves_a_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    # two islands: one tower each side, the dear one worth far more per rupiah spent than
    # the budget left for it; pricing cannot close the gap, the full search must
    problem = CoverageProblem(
        demand=np.array([100.0, 90.0, 80.0]),
        cover=sparse.csr_matrix(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.int8)),
        cost=np.array([6.0, 5.0, 5.0]),
        is_wifi=np.zeros(3, dtype=bool),
        group=np.arange(3),
        budget=10.0,
    )
    shared = share_budget(problem, split(problem), EXACT)
    assert shared.bound > shared.value + 1e-6  # a duality gap pricing cannot close
    calls: list[int] = []
    real = solver_module.timed_lp_relaxation

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(solver_module, "timed_lp_relaxation", counted)
    sol = solve(problem, EXACT)
    assert calls, "the gap was left open, yet the LP did not run"
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(170.0)  # the two cheap towers, not the dear one


# budget-mode seeds of the brute-force instances that are islands (seed ≡ 5 mod 6)
ISLAND_SEEDS = list(range(5, 60, 6))


@pytest.mark.parametrize("seed", ISLAND_SEEDS)
def test_the_pricing_bound_is_above_the_true_optimum(seed: int) -> None:
    case = random_case(seed, BUDGET)
    assert "islands" in case.tags
    best = brute_force(case.problem)
    if best is None:
        pytest.skip(f"{case}: no plan meets the rules")
    tol = 1e-6 * max(1.0, best.objective)
    for settings in (EXACT, SolverSettings(time_limit_s=60, relative_gap=0.05, seed=0)):
        shared = share_budget(case.problem, split(case.problem), settings)
        assert shared.bound >= best.objective - tol, f"{case}: pricing bound below optimum"
        assert shared.value <= best.objective + tol
        sol = solve(case.problem, settings)
        assert sol.bound >= best.objective - tol, f"{case}: {sol.status} bound {sol.bound}"
        assert sol.objective >= best.objective * (1 - settings.relative_gap) - tol
        assert case.problem.violations(sol.design) == []
