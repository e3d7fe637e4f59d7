"""The optimiser against brute force on small random instances, and its guarantees."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse

from netplan.errors import InfeasibleError
from netplan.optimize.greedy import greedy
from netplan.optimize.problem import CoverageProblem
from netplan.optimize.solver import SolverSettings, solve

EXACT = SolverSettings(time_limit_s=20, relative_gap=0.0, seed=0)


def random_problem(
    seed: int,
    *,
    n: int = 9,
    m: int = 14,
    wifi_weight: float = 0.25,
    budget: float | None = None,
    target: float | None = None,
) -> CoverageProblem:
    rng = np.random.default_rng(seed)
    cover = (rng.random((m, n)) < 0.3).astype(np.int8)
    is_wifi = np.zeros(n, dtype=bool)
    is_wifi[rng.choice(n, size=2, replace=False)] = True
    # two options share a site (mutually exclusive), the rest stand alone
    group = np.arange(n)
    group[1] = group[0]
    cost = rng.integers(1, 10, size=n).astype(float)
    demand = rng.integers(10, 500, size=m).astype(float)
    if budget is None and target is None:
        budget = float(cost.sum() * 0.4)
    return CoverageProblem(
        demand=demand,
        cover=sparse.csr_matrix(cover),
        cost=cost,
        is_wifi=is_wifi,
        group=group,
        wifi_weight=wifi_weight,
        budget=budget,
        target=target,
    )


def brute_force(problem: CoverageProblem) -> float:
    best = -np.inf if problem.target is None else np.inf
    for bits in itertools.product([False, True], repeat=problem.n_options):
        design = problem.design(np.array(bits))
        if not problem.feasible(design):
            continue
        value = problem.objective(design)
        best = max(best, value) if problem.target is None else min(best, value)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_budget_mode_matches_brute_force(seed: int) -> None:
    problem = random_problem(seed)
    sol = solve(problem, EXACT)
    assert problem.feasible(sol.design)
    assert sol.objective == pytest.approx(brute_force(problem), rel=1e-9)
    assert sol.gap == pytest.approx(0.0, abs=1e-9)
    assert sol.bound >= sol.objective - 1e-6


@pytest.mark.parametrize("seed", range(8))
def test_target_mode_matches_brute_force(seed: int) -> None:
    base = random_problem(seed)
    target = 0.6 * base.max_coverable()
    problem = random_problem(seed, target=target)
    sol = solve(problem, EXACT)
    assert sol.covered >= target - 1e-6
    assert sol.cost == pytest.approx(brute_force(problem), rel=1e-9)


def test_unreachable_target_is_infeasible_and_says_what_is_reachable() -> None:
    base = random_problem(3)
    problem = random_problem(3, target=base.max_coverable() + 1)
    with pytest.raises(InfeasibleError, match="covers only"):
        solve(problem, EXACT)


@pytest.mark.parametrize("seed", range(6))
def test_more_budget_never_covers_fewer_people(seed: int) -> None:
    costs = random_problem(seed).cost
    covered = []
    for share in np.linspace(0.0, 1.0, 8):
        problem = random_problem(seed, wifi_weight=0.0, budget=float(costs.sum() * share))
        sol = solve(problem, EXACT)
        assert sol.cost <= problem.budget + 1e-9  # type: ignore[operator]
        covered.append(sol.covered)
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(covered))


@pytest.mark.parametrize("seed", range(6))
def test_exact_is_never_worse_than_greedy(seed: int) -> None:
    problem = random_problem(seed, n=12, m=30)
    sol = solve(problem, EXACT)
    assert sol.objective >= problem.objective(greedy(problem)) - 1e-9


def test_hand_solved_case() -> None:
    # three towers: A covers rows 0,1 (100+100) for 5; B covers row 1,2 (100+300) for 6;
    # C covers row 0 (100) for 1. Budget 7: best is B + C = 500 people (A + C = 200).
    cover = sparse.csr_matrix(np.array([[1, 0, 1], [1, 1, 0], [0, 1, 0]], dtype=np.int8))
    problem = CoverageProblem(
        demand=np.array([100.0, 100.0, 300.0]),
        cover=cover,
        cost=np.array([5.0, 6.0, 1.0]),
        is_wifi=np.zeros(3, bool),
        group=np.arange(3),
        budget=7.0,
    )
    sol = solve(problem, EXACT)
    assert sol.selected.tolist() == [False, True, True]
    assert sol.covered == 500.0
    assert sol.cost == 7.0


@pytest.mark.parametrize("seed", range(8))
def test_lagrangian_bound_is_a_valid_upper_bound(seed: int) -> None:
    """The certified bound never falls below the true optimum (brute force), and is no
    looser than counting every coverable person."""
    from netplan.optimize.bound import lagrangian_bound

    problem = random_problem(seed)
    best = brute_force(problem)
    bound = lagrangian_bound(problem, lower=0.0)
    assert bound >= best - 1e-6
    assert bound <= float(problem.demand.sum()) + 1e-6


def test_lagrangian_bound_is_tight_when_the_budget_buys_everything() -> None:
    from netplan.optimize.bound import lagrangian_bound

    problem = random_problem(3, wifi_weight=0.0, budget=1e9)
    best = brute_force(problem)
    assert lagrangian_bound(problem, lower=best) == pytest.approx(best, rel=1e-3)
