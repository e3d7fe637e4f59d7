"""One national optimisation over tiles: the budget shared by pricing money across them.

The tiles of a national run share nothing but the budget (each tile's sites, links, regions
and villages are its own), so the national problem is priced (:func:`share_budget`): at a
price of money each tile maximises value − price × cost on its own, in parallel, and the
price at which the tiles' plans spend the budget gives the national plan and, from every
price tried, a certified bound on any plan within the budget. Tiles coupled by more than
the budget (a national satellite capacity, a coverage target) are solved as one model.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import numpy as np

from netplan.optimize.clusters import share_budget, split
from netplan.optimize.curve import greedy_prefixes
from netplan.optimize.merge import Offsets
from netplan.optimize.model import SolverSettings
from netplan.optimize.problem import CoverageProblem, Design
from netplan.optimize.solver import Solution, relative_gap, solve

logger = logging.getLogger(__name__)

#: a national problem up to this many options is solved whole when pricing leaves a gap
WHOLE_MODEL_OPTIONS = 3000
#: prices tried at most: the greedy's guess, a few 1.5× steps, then bisection (the search
#: stops sooner once its plan is within the gap asked for of its bound)
PRICE_STEPS = 12


def priced_over_tiles(problem: CoverageProblem) -> bool:
    """Can the tiles be priced apart? Only the budget may couple them: budget mode, no
    shared satellite capacity, no reviewer decisions (those go through the whole model)."""
    net = problem.network
    shared_satellite = net is not None and net.satellite_capacity_mbps is not None
    return problem.budget is not None and not shared_satellite and problem.forced is None


def greedy_price(problem: CoverageProblem) -> float | None:
    """The greedy's value per unit cost where it reaches the budget (over the last twentieth
    of its picks before it): near the price of money at which the tiles spend the budget."""
    assert problem.budget is not None
    cost, value, _, _ = greedy_prefixes(problem)
    k = int(np.searchsorted(cost, problem.budget))
    if k < 2:
        return None
    first = max(k - 1 - max(1, k // 20), 0)
    spent = float(cost[k - 1] - (cost[first] if first else 0.0))
    gained = float(value[k - 1] - (value[first] if first else 0.0))
    return gained / spent if spent > 0 and gained > 0 else None


def solve_tiles(
    problem: CoverageProblem,
    offsets: Offsets,
    settings: SolverSettings,
    *,
    client: Any = None,
    warm: Design | None = None,
) -> Solution:
    """The national plan over the tiles of ``problem`` (:func:`merge_problems`' answer),
    each tile's priced solves on ``client``'s workers when one is given. ``warm`` (a plan
    to start from) is used where the whole model is solved."""
    tiles = offsets.sites.size - 1
    if tiles < 2 or not priced_over_tiles(problem):
        return solve(problem, settings, warm=warm, client=client)
    start = time.perf_counter()
    label = np.repeat(np.arange(tiles), np.diff(offsets.sites))
    parts = split(problem, max_parts=tiles, clusters=(tiles, label))
    shared = share_budget(
        problem,
        parts,
        settings,
        steps=PRICE_STEPS,
        seconds=settings.time_limit_s,
        client=client,
        guess=greedy_price(problem),
    )
    design = shared.design
    value = problem.objective(design)
    bound = max(shared.bound, value)
    gap = relative_gap(value, bound, maximise=True)
    if gap > settings.relative_gap and problem.n_options <= WHOLE_MODEL_OPTIONS:
        # pricing leaves a duality gap (whole sites at one price of money): a problem this
        # small is solved whole, from the priced plan, for a proof within the gap asked
        whole = solve(problem, settings, warm=design, client=client)
        tighter = min(whole.bound, bound)
        gap = relative_gap(whole.objective, tighter, maximise=True)
        return replace(
            whole,
            status=_status(gap, settings) if whole.status != "greedy" else whole.status,
            bound=tighter,
            gap=gap,
            seconds=time.perf_counter() - start,
        )
    status = _status(gap, settings)
    covered, wifi = problem.value(design.selected)
    logger.info(
        "tiles priced at %.4g people per unit cost: %.1f, bound %.1f (gap %.3f%%)",
        shared.price,
        value,
        bound,
        100 * gap,
    )
    return Solution(
        design=design,
        status=status,
        objective=value,
        bound=bound,
        gap=gap,
        seconds=time.perf_counter() - start,
        covered=covered,
        wifi=wifi,
        cost=problem.total_cost(design),
        time_stops=("tile pricing",) if shared.stopped_by_time else (),
    )


def _status(gap: float, settings: SolverSettings) -> str:
    """The status a certified gap earns: optimal, within the gap asked for, or stopped."""
    if gap <= 1e-9:
        return "optimal"
    return "gap_reached" if gap <= settings.relative_gap else "limit"
