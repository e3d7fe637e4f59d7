"""Clusters (islands) and the budget shared between them by pricing money."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy import sparse

from netplan.optimize.clusters import share_budget, site_clusters, split
from netplan.optimize.network import MICROWAVE, Network
from netplan.optimize.problem import CoverageProblem, RegionRules
from netplan.optimize.solver import SolverSettings, solve
from tests.unit.test_optimizer import brute_force, random_problem

EXACT = SolverSettings(time_limit_s=20, relative_gap=0.0, seed=0)


def islands(*parts: CoverageProblem, budget: float) -> CoverageProblem:
    """Problems side by side, sharing nothing but one budget."""
    groups, offset = [], 0
    for p in parts:
        groups.append(p.group + offset)
        offset += p.n_groups
    return CoverageProblem(
        demand=np.concatenate([p.demand for p in parts]),
        cover=sparse.csr_matrix(sparse.block_diag([p.cover for p in parts])),
        cost=np.concatenate([p.cost for p in parts]),
        is_wifi=np.concatenate([p.is_wifi for p in parts]),
        group=np.concatenate(groups),
        budget=budget,
    )


def tower_island(people: list[float], costs: list[float]) -> CoverageProblem:
    """Each tower serves its own village."""
    n = len(people)
    return CoverageProblem(
        demand=np.array(people, dtype=float),
        cover=sparse.identity(n, format="csr", dtype=np.int8),
        cost=np.array(costs, dtype=float),
        is_wifi=np.zeros(n, dtype=bool),
        group=np.arange(n),
        budget=1.0,
    )


def test_islands_are_clusters_and_links_or_rules_join_them() -> None:
    problem = islands(tower_island([100], [3]), tower_island([70, 60], [2, 2]), budget=4)
    k, label = site_clusters(problem)
    assert k == 3 and label.tolist() == [0, 1, 2]  # three towers, three separate villages
    net = Network(
        tail=np.array([-1, 0]),
        head=np.array([0, 2]),
        kind=np.array([MICROWAVE, MICROWAVE], dtype=np.int8),
        cost=np.array([1.0, 1.0]),
        capacity_mbps=np.array([500.0, 500.0]),
        satellite_cost=np.full(3, 5.0),
    )
    linked = replace(problem, network=net, bandwidth_mbps=np.full(3, 50.0))
    assert site_clusters(linked)[1].tolist() == [0, 1, 0]  # a relay from site 0 feeds site 2
    rules = RegionRules(
        row_region=np.array([0, 1, 0]),
        site_region=np.array([0, 1, 0]),
        population=np.array([170.0, 70.0]),
        before=np.zeros(2),
        min_share=0.1,
    )
    assert site_clusters(replace(problem, rules=rules))[1].tolist() == [0, 1, 0]


@pytest.mark.parametrize(("budget", "people"), [(4.0, 130.0), (5.0, 170.0), (7.0, 230.0)])
def test_the_budget_goes_to_whichever_island_serves_most(budget: float, people: float) -> None:
    """Island A: one tower (cost 3, 100 people). Island B: two towers (cost 2: 70 and 60).
    Budget 4 buys B's two (130), not A (100); budget 5 buys A and B's best (170)."""
    problem = islands(tower_island([100], [3]), tower_island([70, 60], [2, 2]), budget=budget)
    parts = split(problem)
    assert len(parts) == 3
    shared = share_budget(problem, parts, EXACT)
    assert shared.bound >= people - 1e-6
    sol = solve(problem, EXACT)
    assert sol.objective == pytest.approx(people)
    assert sol.gap == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_shared_budget_never_beats_brute_force_and_bounds_it(seed: int) -> None:
    a, b = random_problem(seed, n=5, m=7), random_problem(seed + 100, n=5, m=7)
    budget = 0.35 * float(a.cost.sum() + b.cost.sum())
    problem = islands(a, b, budget=budget)
    best = brute_force(problem)
    shared = share_budget(problem, split(problem), EXACT)
    assert problem.feasible(shared.design)
    assert shared.value <= best + 1e-6
    assert shared.bound >= best - 1e-6
    sol = solve(problem, EXACT)
    assert sol.objective == pytest.approx(best)


def test_many_islets_are_solved_as_a_few_parts() -> None:
    problem = islands(*[tower_island([10.0 + i], [1.0]) for i in range(40)], budget=7.0)
    parts = split(problem, max_parts=5)
    assert len(parts) == 5
    assert sorted(np.concatenate([p.options for p in parts]).tolist()) == list(range(40))
    sol = solve(problem, EXACT)
    assert sol.objective == pytest.approx(sum(10.0 + i for i in range(33, 40)))


@pytest.mark.parametrize("seed", range(4))
def test_islands_with_their_own_backhaul_match_brute_force(seed: int) -> None:
    """Two joint site + backhaul problems side by side: the split keeps each island's links
    (renumbered), and the shared plan is the joint optimum."""
    from tests.unit.test_backhaul_network import brute_force as network_brute_force
    from tests.unit.test_backhaul_network import random_network_problem

    a, b = random_network_problem(seed), random_network_problem(seed + 50)
    base = islands(a, b, budget=0.5 * (a.budget or 0.0) + 0.5 * (b.budget or 0.0))
    na, nb = a.network, b.network
    assert na is not None and nb is not None
    shift = a.n_groups
    net = Network(
        tail=np.concatenate([na.tail, np.where(nb.tail >= 0, nb.tail + shift, -1)]),
        head=np.concatenate([na.head, nb.head + shift]),
        kind=np.concatenate([na.kind, nb.kind]),
        cost=np.concatenate([na.cost, nb.cost]),
        capacity_mbps=np.concatenate([na.capacity_mbps, nb.capacity_mbps]),
        satellite_cost=np.concatenate([na.satellite_cost, nb.satellite_cost]),
        max_hops=na.max_hops,
    )
    assert a.bandwidth_mbps is not None and b.bandwidth_mbps is not None
    problem = replace(
        base, network=net, bandwidth_mbps=np.concatenate([a.bandwidth_mbps, b.bandwidth_mbps])
    )
    assert len(split(problem)) >= 2
    best = network_brute_force(problem)
    shared = share_budget(problem, split(problem), EXACT)
    assert problem.feasible(shared.design)
    assert shared.value <= best + 1e-6 <= shared.bound + 2e-6
    sol = solve(problem, EXACT)
    assert problem.violations(sol.design) == []
    assert sol.objective == pytest.approx(best)


def test_a_mainland_too_big_to_price_is_left_to_the_whole_model() -> None:
    from netplan.optimize.solver import MAX_CLUSTER_OPTIONS, _islands

    n = MAX_CLUSTER_OPTIONS + 1
    mainland = CoverageProblem(
        demand=np.array([1000.0]),
        cover=sparse.csr_matrix(np.ones((1, n), dtype=np.int8)),  # one town every site serves
        cost=np.ones(n),
        is_wifi=np.zeros(n, dtype=bool),
        group=np.arange(n),
        budget=1.0,
    )
    islet = tower_island([50.0], [1.0])
    big = islands(mainland, islet, budget=2.0)
    assert not _islands(big, site_clusters(big))
    small = islands(tower_island([10.0] * 3, [1.0] * 3), islet, budget=2.0)
    assert _islands(small, site_clusters(small))
