"""Greedy heuristics: a warm start and a fallback for the exact model, never the answer alone.

Budget mode picks the option with the best gain per unit cost that still fits, and returns
the better of that and the best single affordable option (the classic guarantee for budgeted
maximal covering). Target mode adds the best gain-per-cost option until the target is met.
"""

from __future__ import annotations

import numpy as np

from netplan.optimize.problem import CoverageProblem


def _gains(problem: CoverageProblem, level: np.ndarray) -> np.ndarray:
    """Objective gain of adding each option, given each row's current level (0, α or 1)."""
    d = problem.demand
    alpha = problem.wifi_weight if problem.target is None else 0.0
    tower_gain = problem.cover.T @ (d * (1.0 - level))
    wifi_gain = problem.cover.T @ (d * np.maximum(alpha - level, 0.0))
    return np.where(problem.is_wifi, wifi_gain, tower_gain)


def _levels(problem: CoverageProblem, selected: np.ndarray) -> np.ndarray:
    towers, wifi = problem.row_levels(selected)
    alpha = problem.wifi_weight if problem.target is None else 0.0
    return np.where(towers, 1.0, np.where(wifi, alpha, 0.0))


def greedy(problem: CoverageProblem) -> np.ndarray:
    """A feasible selection (bool per option); in target mode it may fall short of the target."""
    n = problem.n_options
    selected = np.zeros(n, dtype=bool)
    used_group = np.zeros(int(problem.group.max(initial=-1)) + 1, dtype=bool)
    spent = 0.0
    budget = problem.budget if problem.budget is not None else np.inf
    covered = 0.0
    while True:
        if problem.target is not None and covered >= problem.target:
            break
        gains = _gains(problem, _levels(problem, selected))
        open_ = ~selected & ~used_group[problem.group] & (spent + problem.cost <= budget + 1e-9)
        open_ &= gains > 1e-12
        if not open_.any():
            break
        ratio = np.where(open_, gains / np.maximum(problem.cost, 1e-9), -np.inf)
        j = int(np.argmax(ratio))
        selected[j] = True
        used_group[problem.group[j]] = True
        spent += float(problem.cost[j])
        covered, _ = problem.value(selected)
    if problem.budget is not None:
        single = _best_single(problem)
        if single is not None and problem.objective(single) > problem.objective(selected):
            selected = single
    return prune(problem, selected)


def _best_single(problem: CoverageProblem) -> np.ndarray | None:
    affordable = problem.cost <= (problem.budget or 0.0) + 1e-9
    if not affordable.any():
        return None
    gains = np.where(affordable, _gains(problem, np.zeros(problem.n_rows)), -np.inf)
    single = np.zeros(problem.n_options, dtype=bool)
    single[int(np.argmax(gains))] = True
    return single


def prune(problem: CoverageProblem, selected: np.ndarray) -> np.ndarray:
    """Drop chosen options whose removal loses nothing (most expensive first)."""
    selected = np.asarray(selected, dtype=bool).copy()
    base = problem.value(selected)
    for j in sorted(np.flatnonzero(selected), key=lambda k: (-problem.cost[k], k)):
        selected[j] = False
        value = problem.value(selected)
        if value[0] < base[0] - 1e-9 or value[1] < base[1] - 1e-9:
            selected[j] = True
    return selected
