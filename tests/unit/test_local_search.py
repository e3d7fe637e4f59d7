"""Local search: swaps that the greedy misses, never a worse or over-budget selection."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from netplan.optimize.local_search import improve
from netplan.optimize.problem import CoverageProblem
from tests.unit.test_optimizer import brute_force, random_problem


def _problem(cover: list[list[int]], demand: list[float], budget: float) -> CoverageProblem:
    m = np.array(cover, dtype=np.int8)
    return CoverageProblem(
        demand=np.array(demand, dtype=float),
        cover=sparse.csr_matrix(m),
        cost=np.ones(m.shape[1]),
        is_wifi=np.zeros(m.shape[1], dtype=bool),
        group=np.arange(m.shape[1]),
        budget=budget,
    )


def test_a_swap_fixes_the_greedy_trap() -> None:
    """A covers rows 1+2 (10 people); B covers rows 1+3, C rows 2+4 (9 each). Two sites:
    the greedy takes A then B or C (14); the optimum is B + C (18)."""
    problem = _problem(
        [[1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 1]],  # rows: r1 r2 r3 r4 (A, B, C)
        [5.0, 5.0, 4.0, 4.0],
        budget=2.0,
    )
    start = np.array([True, True, False])
    assert problem.value(start)[0] == 14.0
    better = improve(problem, start, problem.cost)
    assert better.tolist() == [False, True, True]
    assert problem.value(better)[0] == 18.0


@pytest.mark.parametrize("seed", range(10))
def test_never_worse_never_over_budget_never_two_options_at_a_site(seed: int) -> None:
    from netplan.optimize.greedy import greedy

    problem = random_problem(seed)
    start = greedy(problem).selected
    better = improve(problem, start, problem.cost)
    assert (
        problem.objective(problem.design(better)) >= problem.objective(problem.design(start)) - 1e-9
    )
    assert problem.feasible(problem.design(better))
    assert problem.objective(problem.design(better)) <= brute_force(problem) + 1e-9


def test_reviewer_decisions_are_kept() -> None:
    problem = _problem(
        [[1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 1]], [5.0, 5.0, 4.0, 4.0], budget=2.0
    )
    accepted_a = CoverageProblem(**{**problem.__dict__, "forced": np.array([1, -1, -1])})
    better = improve(accepted_a, np.array([True, True, False]), problem.cost)
    assert better[0]  # A was accepted: it stays, whatever a swap would gain
    rejected_c = CoverageProblem(**{**problem.__dict__, "forced": np.array([-1, -1, 0])})
    better = improve(rejected_c, np.array([True, True, False]), problem.cost)
    assert not better[2]
