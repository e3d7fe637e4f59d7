"""The joint site + backhaul model: brute force on small networks, and the network rules."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pytest
from scipy import sparse

from netplan.optimize.network import FIBER, MICROWAVE, Network
from netplan.optimize.problem import CoverageProblem, Design
from netplan.optimize.solver import SolverSettings, solve

EXACT = SolverSettings(time_limit_s=20, relative_gap=0.0, seed=0)


def random_network_problem(
    seed: int, *, sat_cap: float | None = None, budget_share: float = 0.5
) -> CoverageProblem:
    rng = np.random.default_rng(seed)
    n, m = 4, 10
    cover = (rng.random((m, n)) < 0.35).astype(np.int8)
    demand = rng.integers(10, 300, m).astype(float)
    tail, head, kind, cost, cap = [], [], [], [], []
    for h in range(n):
        if rng.random() < 0.6:  # a link from a hub
            tail.append(-1)
            head.append(h)
            kind.append(int(rng.integers(0, 2)))
            cost.append(float(rng.integers(2, 9)))
            cap.append(float(rng.choice([100.0, 250.0])))
        for t in range(n):
            if t != h and rng.random() < 0.4:  # a relay link between new sites
                tail.append(t)
                head.append(h)
                kind.append(int(rng.integers(0, 2)))
                cost.append(float(rng.integers(1, 5)))
                cap.append(float(rng.choice([100.0, 250.0])))
    sat = np.where(rng.random(n) < 0.7, rng.integers(3, 8, n).astype(float), np.inf)
    net = Network(
        tail=np.array(tail, dtype=np.int64),
        head=np.array(head, dtype=np.int64),
        kind=np.array(kind, dtype=np.int8),
        cost=np.array(cost),
        capacity_mbps=np.array(cap),
        satellite_cost=sat,
        satellite_capacity_mbps=sat_cap,
        max_hops=2,
    )
    equipment = rng.integers(2, 6, n).astype(float)
    budget = float((equipment.sum() + np.array(cost).sum()) * budget_share)
    return CoverageProblem(
        demand=demand,
        cover=sparse.csr_matrix(cover),
        cost=equipment,
        is_wifi=np.zeros(n, bool),
        group=np.arange(n),
        budget=budget,
        network=net,
        bandwidth_mbps=np.full(n, 100.0),
    )


def designs(problem: CoverageProblem) -> Iterator[Design]:
    """Every site: not built, or built and fed by satellite or by one of its incoming links
    (every combination; the caller checks feasibility)."""
    net = problem.network
    assert net is not None
    choices = []
    for g in range(problem.n_groups):
        feeds: list[tuple[str, int]] = [("off", -1)]
        if np.isfinite(net.satellite_cost[g]):
            feeds.append(("sat", g))
        feeds += [("arc", int(a)) for a in np.flatnonzero(net.head == g)]
        choices.append(feeds)
    for combo in itertools.product(*choices):
        selected = np.array([c[0] != "off" for c in combo])
        arcs = np.zeros(net.n_arcs, bool)
        sat = np.zeros(net.n_sites, bool)
        for kind, idx in combo:
            if kind == "arc":
                arcs[idx] = True
            elif kind == "sat":
                sat[idx] = True
        yield Design(selected, arcs, sat)


def brute_force(problem: CoverageProblem) -> float:
    """The joint optimum, by enumeration."""
    return max(
        (problem.objective(d) for d in designs(problem) if problem.feasible(d)), default=-np.inf
    )


@pytest.mark.parametrize("seed", range(10))
def test_joint_model_matches_brute_force(seed: int) -> None:
    problem = random_network_problem(seed, sat_cap=100.0 if seed % 2 else None)
    sol = solve(problem, EXACT)
    assert problem.violations(sol.design) == []
    assert sol.objective == pytest.approx(brute_force(problem), abs=1e-6)
    assert sol.gap == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("seed", range(10))
def test_a_relay_is_never_chosen_without_the_site_it_relays_through(seed: int) -> None:
    problem = random_network_problem(seed, budget_share=0.8)
    net = problem.network
    assert net is not None
    sol = solve(problem, EXACT)
    built = problem.built(sol.design.selected)
    for a in np.flatnonzero(sol.design.arcs):
        t = net.tail[a]
        if t >= 0:
            assert built[t] and not sol.design.satellite[t]
            if net.kind[a] == FIBER:  # fiber continues only from a fiber-fed site
                feeding = np.flatnonzero(sol.design.arcs & (net.head == t))
                assert net.kind[feeding[0]] == FIBER


@pytest.mark.parametrize("seed", range(6))
def test_no_satellite_when_its_capacity_is_zero(seed: int) -> None:
    problem = random_network_problem(seed, sat_cap=0.0, budget_share=0.9)
    sol = solve(problem, EXACT)
    assert not sol.design.satellite.any()
    assert problem.violations(sol.design) == []


def test_relaying_beats_two_satellites_when_cheaper() -> None:
    # hub --mw(3)--> A --mw(1)--> B ; satellite costs 5 each. Both sites cover 100 people.
    net = Network(
        tail=np.array([-1, 0]),
        head=np.array([0, 1]),
        kind=np.array([MICROWAVE, MICROWAVE]),
        cost=np.array([3.0, 1.0]),
        capacity_mbps=np.array([1000.0, 1000.0]),
        satellite_cost=np.array([5.0, 5.0]),
        max_hops=3,
    )
    problem = CoverageProblem(
        demand=np.array([100.0, 100.0]),
        cover=sparse.csr_matrix(np.eye(2, dtype=np.int8)),
        cost=np.array([2.0, 2.0]),
        is_wifi=np.zeros(2, bool),
        group=np.arange(2),
        budget=8.0,
        network=net,
        bandwidth_mbps=np.array([100.0, 100.0]),
    )
    sol = solve(problem, EXACT)
    # 2 + 2 equipment + 3 + 1 links = 8 fits; with satellites it would be 14
    assert sol.covered == 200.0
    assert sol.design.arcs.tolist() == [True, True] and not sol.design.satellite.any()


def test_hop_limit_and_capacity_are_enforced() -> None:
    net = Network(
        tail=np.array([-1, 0, 1]),
        head=np.array([0, 1, 2]),
        kind=np.array([MICROWAVE, MICROWAVE, MICROWAVE]),
        cost=np.ones(3),
        capacity_mbps=np.array([150.0, 1000.0, 1000.0]),
        satellite_cost=np.full(3, np.inf),
        max_hops=2,
    )
    built = np.ones(3, bool)
    mbps = np.full(3, 100.0)
    found = net.violations(built, mbps, np.ones(3, bool), np.zeros(3, bool))
    assert any("links from a hub" in v for v in found)  # site 2 is 3 links away
    assert any("capacity" in v for v in found)  # the first link carries 300 > 150


@pytest.mark.parametrize("seed", range(10))
def test_lagrangian_bound_bounds_the_joint_backhaul_optimum(seed: int) -> None:
    """The certified bound (cheapest-feed relaxation, then Lagrangian) never falls below the
    optimum of the joint site + backhaul problem, with or without a satellite cap."""
    from netplan.optimize.bound import lagrangian_bound

    for cap in (None, 60.0):
        problem = random_network_problem(seed, sat_cap=cap)
        best = brute_force(problem)
        assert lagrangian_bound(problem, lower=0.0) >= best - 1e-6


def _best_design(problem: CoverageProblem) -> Design:
    """The brute-force optimum's design (the first found at the best value)."""
    best, found = -np.inf, None
    for design in designs(problem):
        if problem.feasible(design) and problem.objective(design) > best + 1e-9:
            best, found = problem.objective(design), design
    assert found is not None
    return found


@pytest.mark.parametrize("seed", range(10))
def test_lp_bound_and_reduced_cost_fixings_keep_the_optimum(seed: int) -> None:
    """The LP relaxation bounds the joint optimum from above, and the binaries its reduced
    costs fix (given a weaker plan) are fixed the way the optimum has them."""
    from netplan.optimize.greedy import greedy
    from netplan.optimize.solver import _lp_relaxation, _Model, _scip

    problem = random_network_problem(seed)
    optimum = _best_design(problem)
    best = problem.objective(optimum)
    relax = _lp_relaxation(problem, seconds=10)
    assert relax is not None
    assert relax.value >= best - 1e-6
    incumbent = min(problem.objective(greedy(problem)), best - 1.0)
    zero, one = relax.fixings(incumbent)
    model = _Model(_scip(EXACT), problem)
    values = dict(zip(*model.hint(optimum), strict=True))
    binaries = model.binaries()
    for var, z, o in zip(binaries, zero.tolist(), one.tolist(), strict=True):
        if z:
            assert values.get(var, 0.0) == 0.0, var.name()
        if o:
            assert values.get(var, 0.0) == 1.0, var.name()


def test_lp_bound_certifies_a_large_gap_closed() -> None:
    """certify(): inside the fixed model the solver's bound counts; outside it, nothing beats
    the incumbent; and never above the LP."""
    from netplan.optimize.solver import _Relaxation

    relax = _Relaxation(value=100.0, values=np.zeros(0), reduced=np.zeros(0))
    assert relax.certify(95.0, incumbent=90.0) == 95.0
    assert relax.certify(85.0, incumbent=90.0) == 90.0
    assert relax.certify(120.0, incumbent=90.0) == 100.0
    assert relax.certify(1e20, incumbent=90.0) == 100.0
