"""Local search on a budget-mode selection: fill the budget, then swap one option for another
while the objective improves.

It works on the per-site view that the greedy uses (each option costs its equipment plus
its site's cheapest stand-alone feed), so every selection it returns can be fed on its own.
Swap gains are estimated for every (drop, add) pair at once with one sparse product, and the
best few are checked exactly before one is applied; a swap is kept only when the exact
objective rises. Each round is O(nnz + n × selected).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from netplan.optimize.problem import CoverageProblem

logger = logging.getLogger(__name__)


def applies(problem: CoverageProblem) -> bool:
    """Local search keeps only the budget and one option per site: rules, villages and a
    shared satellite capacity need the exact model (or the greedy's own phases)."""
    net = problem.network
    return (
        problem.budget is not None
        and problem.rules is None
        and problem.villages is None
        and (net is None or net.satellite_capacity_mbps is None)
    )


def _counts(problem: CoverageProblem, selected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: how many selected towers and selected hotspots serve it."""
    sel = selected.astype(np.float64)
    towers = np.asarray(problem.cover @ (sel * ~problem.is_wifi)).ravel()
    hotspots = np.asarray(problem.cover @ (sel * problem.is_wifi)).ravel()
    return towers, hotspots


def _fill(
    problem: CoverageProblem, selected: np.ndarray, cost: np.ndarray, allowed: np.ndarray
) -> None:
    """Add the best gain-per-cost option that still fits, until none does (in place)."""
    budget = float(problem.budget or 0.0)
    while True:
        gain = problem.gains(problem.level(selected))
        used = np.zeros(problem.n_groups, dtype=bool)
        used[problem.group[selected]] = True
        room = budget - float(cost[selected].sum())
        open_ = allowed & ~selected & ~used[problem.group] & (cost <= room + 1e-9) & (gain > 1e-12)
        if not open_.any():
            return
        ratio = np.where(open_, gain / np.maximum(cost, 1e-9), -np.inf)
        selected[int(np.argmax(ratio))] = True


#: rounds of fill and 1-for-1 swaps by default (``solver.search_rounds``)
ROUNDS = 200


@dataclass(frozen=True)
class SearchResult:
    """A searched selection, the rounds spent, and whether the clock (not the round limit or a
    local optimum) ended the search: then another machine may stop elsewhere."""

    selected: np.ndarray
    rounds: int
    stopped_by_time: bool


def improve(
    problem: CoverageProblem,
    selected: np.ndarray,
    cost: np.ndarray,
    *,
    max_rounds: int = ROUNDS,
    seconds: float = math.inf,
    checks: int = 8,
) -> np.ndarray:
    """A selection at least as good as ``selected`` (budget mode), by fill and 1-for-1 swaps
    (:func:`search` without its report)."""
    return search(
        problem, selected, cost, max_rounds=max_rounds, seconds=seconds, checks=checks
    ).selected


def search(
    problem: CoverageProblem,
    selected: np.ndarray,
    cost: np.ndarray,
    *,
    max_rounds: int = ROUNDS,
    seconds: float = math.inf,
    checks: int = 8,
) -> SearchResult:
    """Fill and 1-for-1 swaps from ``selected`` (budget mode) for at most ``max_rounds``
    rounds: the deterministic limit, so the same inputs give the same selection on any
    machine. ``seconds`` is a safety net; the result says when it was what stopped the search.

    ``cost`` is each option's cost in the per-site view. Reviewer decisions are kept: an
    accepted site is never dropped, a rejected one never added. Each round applies the
    first of the ``checks`` best estimated swaps that the exact objective confirms.
    """
    selected = np.asarray(selected, dtype=bool).copy()
    budget = float(problem.budget or 0.0)
    allowed = np.isfinite(cost)
    keep = np.zeros(problem.n_options, dtype=bool)
    if problem.forced is not None:
        allowed &= problem.forced[problem.group] != 0
        keep = selected & (problem.forced[problem.group] == 1)
    if float(cost[selected].sum()) > budget * (1 + 1e-9):
        return SearchResult(selected, 0, stopped_by_time=False)
    cover = problem.cover.tocsr().astype(np.float64)
    _fill(problem, selected, cost, allowed)
    start = time.perf_counter()
    rounds = 0
    out_of_time = False
    while rounds < max_rounds:
        if time.perf_counter() - start > seconds:
            out_of_time = True
            break
        rounds += 1
        swapped = _swap_once(problem, selected, cost, allowed, keep, cover, checks)
        if swapped is None:
            break
        selected = swapped
        _fill(problem, selected, cost, allowed)
    logger.info(
        "local search: %d rounds, %.2f s%s",
        rounds,
        time.perf_counter() - start,
        " (stopped by the time limit)" if out_of_time else "",
    )
    return SearchResult(selected, rounds, stopped_by_time=out_of_time)


def _swap_once(
    problem: CoverageProblem,
    selected: np.ndarray,
    cost: np.ndarray,
    allowed: np.ndarray,
    keep: np.ndarray,
    cover: sparse.csr_matrix,
    checks: int,
) -> np.ndarray | None:
    """The selection after the best 1-for-1 swap among the ``checks`` best estimated ones
    that the exact objective confirms; None when none improves (a local optimum)."""
    towers, hotspots = _counts(problem, selected)
    alpha = problem.wifi_weight
    level = np.where(towers > 0, 1.0, np.where(hotspots > 0, alpha, 0.0))
    total = float(problem.demand @ level)
    drop = np.flatnonzero(selected & ~keep)
    if drop.size == 0:
        return None
    delta = _swap_gains(problem, selected, cost, allowed, cover, drop, level, towers, hotspots)
    flat_all = delta.ravel()
    top = min(checks, flat_all.size)
    flat = np.argpartition(-flat_all, top - 1)[:top]
    flat = flat[np.lexsort((flat, -flat_all[flat]))]  # best first, ties by position
    for f in flat.tolist():
        k, col = divmod(f, drop.size)
        if not np.isfinite(delta[k, col]) or delta[k, col] <= 1e-9 * max(total, 1.0):
            return None
        trial = selected.copy()
        trial[drop[col]] = False
        trial[k] = True
        if float(problem.demand @ problem.level(trial)) > total * (1 + 1e-12) + 1e-9:
            return trial
    return None


def _swap_gains(
    problem: CoverageProblem,
    selected: np.ndarray,
    cost: np.ndarray,
    allowed: np.ndarray,
    cover: sparse.csr_matrix,
    drop: np.ndarray,
    level: np.ndarray,
    towers: np.ndarray,
    hotspots: np.ndarray,
) -> np.ndarray:
    """(options × ``drop``) estimated objective change of adding option k and dropping
    ``drop[c]``; −inf where the swap breaks the budget, a site or a reviewer's decision."""
    d, alpha = problem.demand, problem.wifi_weight
    gain = problem.gains(level)
    # what each row loses when option j leaves: only rows that j alone lifts, i.e. rows
    # with one tower (a tower leaving) or no tower and one hotspot (a hotspot leaving)
    alone_t = towers == 1
    alone_w = (towers == 0) & (hotspots == 1)
    rows = np.flatnonzero(alone_t | alone_w)
    fall = np.where(hotspots > 0, alpha * d, 0.0)
    per_row = np.where(alone_t, d - fall, alpha * d)[rows]
    sub = cover[rows][:, drop].tocoo()
    keep_entry = np.where(
        problem.is_wifi[drop][sub.col], alone_w[rows][sub.row], alone_t[rows][sub.row]
    )
    lost = sparse.csr_matrix(
        (per_row[sub.row[keep_entry]], (sub.row[keep_entry], sub.col[keep_entry])),
        shape=(rows.size, drop.size),
    )
    loss = np.asarray(lost.sum(axis=0)).ravel()
    # a tower added back restores what the dropped option's rows lost (a hotspot added
    # restores at most its weight: estimated, then checked exactly)
    restore = np.asarray((cover[rows].T.tocsr() @ lost).todense())
    restore[problem.is_wifi] *= alpha
    delta = gain[:, None] - loss[None, :] + restore
    budget = float(problem.budget or 0.0)
    spent = float(cost[selected].sum())
    fits = spent - cost[drop][None, :] + cost[:, None] <= budget + 1e-9
    used = np.bincount(problem.group[selected], minlength=problem.n_groups)
    # the added option's site must be free once the dropped option leaves
    site_free = (
        used[problem.group][:, None] - (problem.group[:, None] == problem.group[drop][None, :])
    ) == 0
    ok = fits & site_free & allowed[:, None] & ~selected[:, None]
    return np.where(ok, delta, -np.inf)
