"""The dominance presolve keeps the optimum: brute force on small random instances."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from scipy import sparse

from netplan.optimize.network import Network
from netplan.optimize.presolve import presolve
from netplan.optimize.problem import CoverageProblem, Design, RegionRules, VillageGoal


def _nested_cover(rng: np.random.Generator, m: int, n: int) -> np.ndarray:
    """A random 0/1 cover where some options copy or shrink others (so dominance occurs)
    and some rows repeat (so rows merge)."""
    cover = rng.random((m, n)) < 0.35
    for j in range(n):
        if rng.random() < 0.4:
            k = int(rng.integers(n))
            cover[:, j] = cover[:, k] & (rng.random(m) < 0.8)
    for i in range(m):
        if rng.random() < 0.2:
            cover[i] = cover[int(rng.integers(m))]
    return cover.astype(np.int8)


def random_problem(seed: int) -> CoverageProblem:
    """Budget or target mode, with site groups, hotspots, reviewer decisions, region rules
    and village goals each present in some instances."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(3, 8)), int(rng.integers(3, 11))
    cover = _nested_cover(rng, m, n)
    group = np.arange(n)
    if n > 3 and rng.random() < 0.5:
        group[1] = group[0]  # two options at one site
    group = np.unique(group, return_inverse=True)[1].reshape(-1)
    sites = int(group.max()) + 1
    cost = rng.integers(1, 4, size=n).astype(float)
    is_wifi = rng.random(n) < 0.25
    demand = rng.integers(0, 6, size=m).astype(float)
    people = None if rng.random() < 0.6 else demand + rng.integers(0, 3, size=m)
    forced = None
    if rng.random() < 0.3:
        forced = rng.choice([-1, -1, -1, 0, 1], size=sites)
    rules = None
    if rng.random() < 0.4:
        row_region = rng.integers(-1, 2, size=m)
        rules = RegionRules(
            row_region=row_region,
            site_region=rng.integers(-1, 2, size=sites),
            population=np.array([10.0, 10.0]),
            before=np.array([1.0, 2.0]),
            min_share=None if rng.random() < 0.5 else float(rng.uniform(0.1, 0.5)),
            budget_share=None if rng.random() < 0.4 else float(rng.uniform(0.4, 0.9)),
        )
    villages = None
    if rng.random() < 0.25:
        need = rng.integers(1, 6, size=3).astype(float)
        need[2] = np.inf
        villages = VillageGoal(row_village=rng.integers(-1, 3, size=m), need=need)
    budget: float | None = float(rng.integers(1, int(cost.sum()) + 1))
    target = None
    if rng.random() < 0.3:
        budget, target = None, float(rng.integers(0, 8))
        villages = None
    return CoverageProblem(
        demand=demand,
        cover=sparse.csr_matrix(cover),
        cost=cost,
        is_wifi=is_wifi,
        group=group,
        budget=budget,
        target=target,
        forced=forced,
        people=people,
        rules=rules,
        villages=villages,
    )


def designs(problem: CoverageProblem) -> list[Design]:
    """Every design with at most one option per site."""
    choices = [
        [None, *np.flatnonzero(problem.group == g).tolist()] for g in range(problem.n_groups)
    ]
    out = []
    for picks in itertools.product(*choices):
        selected = np.zeros(problem.n_options, dtype=bool)
        selected[[j for j in picks if j is not None]] = True
        out.append(Design(selected))
    return out


def brute_force(problem: CoverageProblem) -> float | None:
    """The optimum (None when no design is feasible)."""
    values = [problem.objective(d) for d in designs(problem) if problem.feasible(d)]
    if not values:
        return None
    return max(values) if problem.target is None else min(values)


def better_or_equal(problem: CoverageProblem, a: float, b: float) -> bool:
    return a >= b - 1e-9 if problem.target is None else a <= b + 1e-9


@pytest.mark.parametrize("seed", range(120))
def test_reduced_problem_has_the_same_optimum(seed: int) -> None:
    problem = random_problem(seed)
    reduced = presolve(problem)
    small = reduced.problem
    assert small.n_options <= problem.n_options and small.n_rows <= problem.n_rows
    best = brute_force(problem)
    assert brute_force(small) == pytest.approx(best)
    # every reduced design is an original design of the same value...
    for design in designs(small):
        lifted = reduced.lift(design)
        assert problem.feasible(lifted) == small.feasible(design)
        assert problem.objective(lifted) == pytest.approx(small.objective(design))
    # ...and every original plan has a reduced plan at least as good
    for design in designs(problem):
        if problem.feasible(design):
            moved = reduced.restrict(design)
            assert small.feasible(moved)
            assert better_or_equal(small, small.objective(moved), problem.objective(design))


def test_random_instances_are_reduced() -> None:
    """The brute-force cases above exercise the presolve: most of them drop something."""
    shrunk = 0
    for seed in range(120):
        problem = random_problem(seed)
        small = presolve(problem).problem
        shrunk += small.n_options < problem.n_options or small.n_rows < problem.n_rows
    assert shrunk >= 60


def _problem(cover: list[list[int]], cost: list[float], **kw: object) -> CoverageProblem:
    matrix = np.array(cover, dtype=np.int8)
    m, n = matrix.shape
    defaults: dict[str, object] = {
        "demand": np.arange(1.0, m + 1.0),
        "cover": sparse.csr_matrix(matrix),
        "cost": np.array(cost, dtype=float),
        "is_wifi": np.zeros(n, dtype=bool),
        "group": np.arange(n),
        "budget": 2.0,
    }
    defaults.update(kw)
    return CoverageProblem(**defaults)  # type: ignore[arg-type]


def test_a_smaller_or_dearer_option_is_dropped_and_rows_merge() -> None:
    # option 1 serves a subset of option 0's rows at a higher cost; option 2 equals option 0
    problem = _problem([[1, 1, 1], [1, 0, 1], [1, 1, 1], [0, 0, 0]], [1.0, 2.0, 1.0])
    reduced = presolve(problem)
    assert reduced.options.tolist() == [0]
    assert reduced.absorbed_by.tolist() == [0, 0, 0]
    # rows 0-2 are all served by option 0 alone now; row 3 by nothing
    assert reduced.problem.n_rows == 1
    assert reduced.problem.demand.tolist() == [6.0]


def test_a_cheaper_smaller_option_is_kept() -> None:
    problem = _problem([[1, 1], [1, 0]], [2.0, 1.0])
    assert presolve(problem).problem.n_options == 2


def test_hotspots_and_towers_are_never_compared() -> None:
    problem = _problem([[1, 1], [1, 1]], [1.0, 1.0], is_wifi=np.array([True, False]))
    assert presolve(problem).problem.n_options == 2


def test_reviewer_decisions_are_kept() -> None:
    # an accepted site stays even when dominated; a refused site's options go
    problem = _problem([[1, 1, 1], [1, 1, 0]], [1.0, 1.0, 1.0], forced=np.array([-1, 1, 0]))
    reduced = presolve(problem)
    assert reduced.options.tolist() == [0, 1]
    assert reduced.problem.forced is not None
    assert reduced.problem.forced.tolist() == [-1, 1]


def test_budget_shares_compare_options_within_a_region_only() -> None:
    rules = RegionRules(
        row_region=np.array([0, 0]),
        site_region=np.array([0, 1]),
        population=np.array([5.0, 5.0]),
        before=np.zeros(2),
        budget_share=0.6,
    )
    problem = _problem([[1, 1], [1, 1]], [1.0, 1.0], rules=rules)
    assert presolve(problem).problem.n_options == 2
    assert presolve(replace(problem, rules=None)).problem.n_options == 1


def test_an_option_of_a_shared_site_is_replaced_only_by_a_lone_site_or_its_own() -> None:
    # options 0 and 1 share a site, option 2 shares a site with option 3: 2 cannot absorb 0
    problem = _problem(
        [[1, 1, 1, 0], [0, 1, 1, 0]], [2.0, 1.0, 1.0, 1.0], group=np.array([0, 0, 1, 1])
    )
    reduced = presolve(problem)
    assert reduced.absorbed_by[0] == 1  # same site, serves more for less
    assert 2 in reduced.options.tolist()


def test_problems_with_a_network_are_left_alone() -> None:
    net = Network(
        tail=np.array([-1, -1]),
        head=np.array([0, 1]),
        kind=np.array([0, 0]),
        cost=np.ones(2),
        capacity_mbps=np.full(2, 100.0),
        satellite_cost=np.full(2, np.inf),
    )
    problem = _problem(
        [[1, 1], [1, 1]], [1.0, 1.0], network=net, bandwidth_mbps=np.ones(2), budget=4.0
    )
    reduced = presolve(problem)
    assert reduced.problem is problem and not reduced.reduced
    design = Design(np.array([True, False]))
    assert reduced.lift(design) is design and reduced.restrict(design) is design


def test_village_mode_with_every_row_served_keeps_its_rows() -> None:
    # every row is served, so nothing is dropped; the demand kept once differed from the
    # total by float rounding, and presolve looked for a dropped row that did not exist
    rng = np.random.default_rng(17)
    m = 40
    cover = np.zeros((m, 3), dtype=np.int8)
    cover[np.arange(m), rng.integers(0, 3, m)] = 1
    problem = CoverageProblem(
        demand=rng.random(m) * 97.3,
        cover=sparse.csr_matrix(cover),
        cost=np.array([1.0, 1.0, 1.0]),
        is_wifi=np.zeros(3, dtype=bool),
        group=np.arange(3),
        budget=2.0,
        villages=VillageGoal(row_village=rng.integers(0, 4, m), need=np.full(4, 30.0)),
    )
    reduced = presolve(problem)
    assert float(reduced.problem.demand.sum()) == pytest.approx(float(problem.demand.sum()))
    assert brute_force(reduced.problem) == pytest.approx(brute_force(problem))
