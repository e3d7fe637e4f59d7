"""The budget curve: greedy plans that fit each budget, and an upper bound that holds."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from netplan.optimize.curve import budget_curve, greedy_prefixes
from tests.unit.test_backhaul_network import brute_force as network_brute_force
from tests.unit.test_backhaul_network import random_network_problem
from tests.unit.test_clusters import tower_island
from tests.unit.test_optimizer import brute_force, random_problem


def test_prefixes_follow_gain_per_cost_on_a_hand_case() -> None:
    """Towers serving 100 (cost 3), 70 (cost 2), 60 (cost 2) people: by people per rupiah
    (33, 35, 30) the order is 70, 100, 60; a budget between prefixes keeps the last one
    that fits."""
    problem = replace(tower_island([100, 70, 60], [3, 2, 2]), budget=4.0)
    spent, value, people, picked = greedy_prefixes(problem)
    assert picked.tolist() == [1, 0, 2]
    assert spent.tolist() == [0, 2, 5, 7]
    assert value.tolist() == [0, 70, 170, 230]
    assert people.tolist() == value.tolist()
    curve = budget_curve(problem, points=5, up_to=2.0)  # budgets 0, 2, 4, 6, 8
    assert curve["objective"].tolist() == [0, 70, 70, 170, 230]
    assert curve["upper_bound"].iloc[2] >= 130.0  # the best plan at 4 (70 + 60)
    assert curve["upper_bound"].iloc[0] == 0.0
    assert curve["upper_bound"].iloc[-1] == pytest.approx(230.0)  # everything fits


@pytest.mark.parametrize("seed", range(6))
def test_every_point_is_a_plan_and_the_bound_holds(seed: int) -> None:
    problem = random_problem(seed)
    curve = budget_curve(problem, points=7, up_to=2.0)
    assert np.all(np.diff(curve["objective"]) >= -1e-9)
    for budget, objective, upper in curve[["budget", "objective", "upper_bound"]].itertuples(
        index=False
    ):
        best = brute_force(replace(problem, budget=float(budget)))
        assert objective <= best + 1e-6  # a plan that fits that budget
        assert upper >= best - 1e-6  # no plan does better


@pytest.mark.parametrize("seed", range(4))
def test_the_bound_holds_with_backhaul(seed: int) -> None:
    problem = random_network_problem(seed, sat_cap=100.0 if seed % 2 else None)
    curve = budget_curve(problem, points=4, up_to=1.5)
    for budget, upper in curve[["budget", "upper_bound"]].itertuples(index=False):
        assert upper >= network_brute_force(replace(problem, budget=float(budget))) - 1e-6
