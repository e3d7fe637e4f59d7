"""A certified upper bound for budget-mode covering problems, fast at any size.

SCIP's bound on the joint site + backhaul model can stay trivial (everyone coverable) when
the root LP does not finish in time on a large instance. This bound comes from two
relaxations, each of which only enlarges the feasible set, so its value bounds the optimum
of the real problem from above:

1. every site pays only its cheapest possible feed (:func:`optimistic_problem`), and
   fairness rules, reviewer decisions and the one-option-per-site rule are dropped;
2. Lagrangian relaxation of the coverage links ``y_i ≤ Σ_j x_j`` with multipliers ``u_i``:
   the rest splits into a per-row term and a fractional knapsack (a further relaxation),
   both solved exactly in O(nnz + n log n). Subgradient steps (Polyak) lower the bound.

Any multiplier vector gives a valid bound, so stopping early is safe: the smallest value
seen is reported.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace

import numpy as np

from netplan.optimize.problem import CoverageProblem

logger = logging.getLogger(__name__)


def optimistic_problem(problem: CoverageProblem) -> CoverageProblem:
    """The problem with no backhaul network, every site paying only its cheapest possible
    feed: the cheapest link into it from anywhere (a hub, or another site that need not be
    built) or satellite, with no capacities or hop limits.

    Any joint design pays at least that much per built site (each is fed exactly once, and
    a relay's own feed is paid separately), so this relaxes the joint problem.
    """
    net = problem.network
    if net is None:
        return problem
    feed = net.satellite_cost.astype(float).copy()
    np.minimum.at(feed, net.head, net.cost)
    return replace(
        problem, cost=problem.cost + feed[problem.group], network=None, bandwidth_mbps=None
    )


def fractional_knapsack(value: np.ndarray, cost: np.ndarray, budget: float) -> np.ndarray:
    """x in [0, 1]^n maximising value·x with cost·x ≤ budget (greedy by ratio is exact)."""
    x = np.zeros(value.size)
    free = (cost <= 0) & (value > 0)
    x[free] = 1.0
    cand = np.flatnonzero((cost > 0) & (value > 0) & np.isfinite(cost))
    if cand.size == 0:
        return x
    order = cand[np.argsort(-value[cand] / cost[cand], kind="stable")]
    spent = np.cumsum(cost[order])
    full = spent <= budget
    x[order[full]] = 1.0
    k = int(full.sum())
    if k < order.size:
        room = budget - (spent[k - 1] if k else 0.0)
        x[order[k]] = max(0.0, room / cost[order[k]])
    return x


def lagrangian_bound(
    problem: CoverageProblem, *, lower: float = 0.0, iterations: int = 300
) -> float:
    """An upper bound on the budget-mode objective (demand covered, WiFi at its weight).

    ``lower`` is the value of a known feasible plan (it sizes the subgradient steps). Not
    for village objectives (returns inf) or target mode.
    """
    if problem.budget is None or problem.villages is not None:
        return math.inf
    relaxed = optimistic_problem(problem)
    cover = relaxed.cover.tocsr().astype(np.float64)
    cover_t = cover.T.tocsr()
    d = relaxed.demand.astype(np.float64)
    alpha = relaxed.wifi_weight
    tower = ~relaxed.is_wifi
    wifi = relaxed.is_wifi
    has_tower = np.asarray(cover[:, tower].sum(axis=1)).ravel() > 0
    has_wifi = np.asarray(cover[:, wifi].sum(axis=1)).ravel() > 0
    cost = relaxed.cost.astype(np.float64)
    budget = float(relaxed.budget or 0.0)
    # multipliers: u on tower links, v on hotspot links; start at the demand they guard
    u = np.where(has_tower, 0.5 * d, 0.0)
    v = np.where(has_wifi, 0.5 * alpha * d, 0.0)
    best = math.inf
    theta = 1.0
    stall = 0
    for _ in range(iterations):
        gain_y = np.where(has_tower, d - u, -np.inf)
        gain_w = np.where(has_wifi, alpha * d - v, -np.inf)
        pick_y = (gain_y >= gain_w) & (gain_y > 0)
        pick_w = ~pick_y & (gain_w > 0)
        rows = np.where(pick_y, gain_y, 0.0) + np.where(pick_w, gain_w, 0.0)
        value = np.where(tower, cover_t @ u, cover_t @ v)
        x = fractional_knapsack(value, cost, budget)
        bound = float(rows.sum() + value @ x)
        if not math.isfinite(best) or bound < best - 1e-9 * max(1.0, abs(best)):
            best, stall = bound, 0
        else:
            stall += 1
            if stall >= 10:
                theta, stall = theta / 2, 0
        # subgradient of the bound in (u, v): links' slack Σ x_j − y_i
        reach_t = cover @ np.where(tower, x, 0.0)
        reach_w = cover @ np.where(wifi, x, 0.0)
        g_u = np.where(has_tower, reach_t - pick_y, 0.0)
        g_v = np.where(has_wifi, reach_w - pick_w, 0.0)
        norm = float(g_u @ g_u + g_v @ g_v)
        if norm <= 1e-12 or theta < 1e-4:
            break
        step = theta * max(bound - lower, 1e-6 * max(1.0, bound)) / norm
        u = np.maximum(u - step * g_u, 0.0)
        v = np.maximum(v - step * g_v, 0.0)
    logger.info("Lagrangian bound: %.1f (plan %.1f)", best, lower)
    return best
