"""The whole budget curve at a glance: what a greedy plan covers at every budget, and how
much any plan could (a certified upper bound), from nothing to twice the budget.

The plans are the prefixes of one lazy greedy (CELF: coverage gains only shrink, so a
stale gain-per-cost ratio is an upper bound and most options are never re-evaluated) with
each site on its cheapest stand-alone feed, so every point is a plan that could be built.

The bound uses submodularity: covered demand is a weighted maximum over the chosen options,
so for any greedy prefix S and any plan T, value(T) ≤ value(S) + Σ_{j ∈ T} gain_j(S). The
plans within budget b pay at least each site's cheapest possible feed, so a fractional
knapsack of those gains at those costs bounds them all; the smallest over a few prefixes
near b is reported. The exact plan at a few budgets is what ``netplan scenarios`` is for.
"""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd

from netplan.optimize.bound import fractional_knapsack, optimistic_problem
from netplan.optimize.greedy import hub_cost, standalone_option_cost
from netplan.optimize.problem import CoverageProblem, Design


def greedy_prefixes(
    problem: CoverageProblem,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(cumulative cost, objective, people newly covered) after each pick of the greedy
    with no budget, best gain per cost first; and the options in the order picked."""
    with_sat = standalone_option_cost(problem)
    net = problem.network
    room = np.inf
    no_sat = with_sat
    bw = np.zeros(problem.n_options)
    if net is not None and net.satellite_capacity_mbps is not None:
        # satellite is a feed only while the shared capacity lasts (costs only rise, so the
        # lazy ratios stay upper bounds)
        room = float(net.satellite_capacity_mbps)
        no_sat = problem.cost + hub_cost(problem)[problem.group]
        bw = problem.bandwidth_mbps if problem.bandwidth_mbps is not None else bw

    def cost_of(j: int) -> float:
        return float(with_sat[j] if bw[j] <= room else no_sat[j])

    d, alpha = problem.demand, problem.wifi_weight
    people = problem.row_people
    cover = problem.cover.tocsc()
    level = np.zeros(problem.n_rows)
    is_wifi = problem.is_wifi

    def gain(j: int) -> float:
        rows = cover.indices[cover.indptr[j] : cover.indptr[j + 1]]
        up = np.maximum(alpha - level[rows], 0.0) if is_wifi[j] else 1.0 - level[rows]
        return float(d[rows] @ up)

    blocked = np.zeros(problem.n_groups, dtype=bool)
    if problem.forced is not None:
        blocked |= problem.forced == 0
    heap = [
        (-gain(j) / max(cost_of(j), 1e-9), j)
        for j in range(problem.n_options)
        if np.isfinite(cost_of(j)) and not blocked[problem.group[j]]
    ]
    heapq.heapify(heap)
    spent, value, covered = [0.0], [0.0], [0.0]
    picked: list[int] = []
    while heap:
        stale, j = heapq.heappop(heap)
        if blocked[problem.group[j]]:
            continue
        price = cost_of(j)
        ratio = gain(j) / max(price, 1e-9) if np.isfinite(price) else 0.0
        if ratio <= 1e-12:
            continue
        if heap and -ratio > heap[0][0] + 1e-12:  # another option may now be better
            heapq.heappush(heap, (-ratio, j))
            continue
        rows = cover.indices[cover.indptr[j] : cover.indptr[j + 1]]
        before = level[rows].copy()
        level[rows] = np.maximum(level[rows], alpha if is_wifi[j] else 1.0)
        blocked[problem.group[j]] = True
        if price < no_sat[j]:
            room -= float(bw[j])  # fed by satellite
        spent.append(spent[-1] + price)
        picked.append(j)
        value.append(value[-1] + float(d[rows] @ (level[rows] - before)))
        newly = (level[rows] >= 1.0) & (before < 1.0)
        covered.append(covered[-1] + float(people[rows][newly].sum()))
        del stale
    return np.array(spent), np.array(value), np.array(covered), np.array(picked, dtype=np.int64)


def _everything(problem: CoverageProblem) -> Design:
    """Every option built (over budget: only its objective is used)."""
    return Design(np.ones(problem.n_options, dtype=bool))


def _bound_at(
    problem: CoverageProblem, picked: np.ndarray, value: np.ndarray, k: int, budget: float
) -> float:
    """value(S_k) + the best fractional knapsack of gains over S_k at optimistic costs."""
    selected = np.zeros(problem.n_options, dtype=bool)
    selected[picked[:k]] = True
    gains = problem.gains(problem.level(selected))
    cost = optimistic_problem(problem).cost.astype(float)
    x = fractional_knapsack(gains, cost, budget)
    return float(value[k] + gains @ x)


def budget_curve(problem: CoverageProblem, *, points: int = 21, up_to: float = 2.0) -> pd.DataFrame:
    """Budgets from 0 to ``up_to`` × the problem's budget, with the greedy plan's objective and
    people newly covered at each, and a certified upper bound on any plan's objective.

    Empty when the problem has rules the greedy does not keep (regional floors or spend
    caps, villages) or is in target mode. Sites a reviewer rejected are left out; accepted
    ones are not forced in (the curve shows what each budget could buy).
    """
    columns = ["budget", "objective", "people_newly_covered", "upper_bound"]
    if problem.budget is None or problem.rules is not None or problem.villages is not None:
        return pd.DataFrame(columns=columns)
    budgets = np.linspace(0.0, up_to * float(problem.budget or 0.0), points)
    spent, value, covered, picked = greedy_prefixes(problem)
    at = np.searchsorted(spent, budgets, side="right") - 1
    upper = np.array(
        [
            min(
                _bound_at(problem, picked, value, k, float(b))
                for k in range(int(a), min(int(a) + 3, picked.size) + 1)
            )
            for a, b in zip(at, budgets, strict=True)
        ]
    )
    # most demand any plan can reach, and opt(b) ≤ opt(b') ≤ bound(b') for every b' ≥ b
    upper = np.minimum(upper, problem.objective(_everything(problem)))
    upper = np.minimum.accumulate(upper[::-1])[::-1]
    return pd.DataFrame(
        {
            "budget": budgets,
            "objective": value[at],
            "people_newly_covered": covered[at],
            "upper_bound": np.maximum(upper, value[at]),
        },
        columns=columns,
    )
