"""Independent clusters of a covering problem, and the budget shared between them exactly.

Two sites belong to one cluster when they serve a common demand row, when a backhaul link
joins them, or when a rule ties them (a region's floor or spend cap, a village, a shared
satellite capacity). Islands and valleys cut off by terrain fall apart this way; clusters
then share nothing but the budget.

The budget is shared by pricing money (Everett's generalised Lagrange multipliers): at a
price λ (people per rupiah) each cluster on its own maximises value − λ·cost, exactly, in a
model far smaller than the whole. Whatever those cluster plans spend together, their union
is optimal for that spend, and for every λ

    λ·B + Σ_k max_k (value − λ·cost)

bounds every plan within the budget B from above. A search over λ finds the price at which
the clusters' spend meets the budget; the cluster solves of each step are independent, so
they run on a Dask cluster when one is given.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from netplan.optimize.model import Priced, SolverSettings, solve_priced
from netplan.optimize.network import Network
from netplan.optimize.problem import CoverageProblem, Design, RegionRules, VillageGoal
from netplan.parallel import map_sites

logger = logging.getLogger(__name__)


def site_clusters(problem: CoverageProblem) -> tuple[int, np.ndarray]:
    """(number of clusters, cluster of each site); sites that serve no one and relay nothing
    are clusters of their own."""
    g, m = problem.n_groups, problem.n_rows
    coo = problem.cover.tocoo()
    a = [problem.group[coo.col]]
    b = [g + coo.row]
    extra = 0

    def tie(members: np.ndarray) -> None:
        """Join every site or row node in ``members`` to one new node."""
        nonlocal extra
        if members.size > 1:
            a.append(members)
            b.append(np.full(members.size, g + m + extra))
            extra += 1

    net = problem.network
    if net is not None:
        relay = net.tail >= 0
        a.append(net.tail[relay])
        b.append(net.head[relay])
        if net.satellite_capacity_mbps is not None:
            tie(np.flatnonzero(np.isfinite(net.satellite_cost)))
    rules = problem.rules
    if rules is not None:
        for r in range(rules.n_regions):
            tie(
                np.concatenate(
                    [
                        np.flatnonzero(rules.site_region == r),
                        g + np.flatnonzero(rules.row_region == r),
                    ]
                )
            )
    if problem.villages is not None:
        v = problem.villages.row_village
        for k in np.unique(v[v >= 0]).tolist():
            tie(g + np.flatnonzero(v == k))
    nodes = g + m + extra
    left, right = np.concatenate(a), np.concatenate(b)
    graph = sparse.coo_matrix((np.ones(left.size), (left, right)), shape=(nodes, nodes))
    _, label = connected_components(graph, directed=False)
    # number the clusters of sites 0..k-1 in order of their first site (deterministic)
    _, first, site_label = np.unique(label[:g], return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first, kind="stable"), kind="stable")
    return int(first.size), order[site_label.ravel()]


@dataclass(frozen=True)
class Cluster:
    """One cluster's own problem, and where its options, rows, sites and links sit in the
    whole problem."""

    problem: CoverageProblem
    options: np.ndarray
    rows: np.ndarray
    sites: np.ndarray
    arcs: np.ndarray


def split(
    problem: CoverageProblem,
    *,
    max_parts: int = 16,
    clusters: tuple[int, np.ndarray] | None = None,
) -> list[Cluster]:
    """The problem cut into its clusters (each with the whole budget, which pricing shares).

    The ``max_parts - 1`` largest clusters stand alone and the rest are solved together in
    one part (a union of clusters is as independent as its members), so a region of many
    islets costs a few models, not thousands. ``clusters`` is :func:`site_clusters`' answer,
    when the caller has it.
    """
    k, label = clusters if clusters is not None else site_clusters(problem)
    if k > max_parts:
        size = np.bincount(problem.group, minlength=problem.n_groups)
        per_cluster = np.bincount(label, weights=size, minlength=k)
        big = np.argsort(-per_cluster, kind="stable")[: max_parts - 1]
        part = np.full(k, max_parts - 1)
        part[np.sort(big)] = np.arange(big.size)
        k, label = max_parts, part[label]
    cover = problem.cover.tocsc()
    out = []
    for c in range(k):
        sites = np.flatnonzero(label == c)
        options = np.flatnonzero(np.isin(problem.group, sites))
        sub_cover = cover[:, options].tocsr()
        rows = np.flatnonzero(np.diff(sub_cover.indptr) > 0)
        local_site = np.full(problem.n_groups, -1)
        local_site[sites] = np.arange(sites.size)
        network, arcs = _sub_network(problem.network, sites, local_site)
        rules = None if problem.rules is None else _sub_rules(problem.rules, rows, sites)
        villages = problem.villages
        if villages is not None:
            villages = VillageGoal(row_village=villages.row_village[rows], need=villages.need)
        sub = replace(
            problem,
            demand=problem.demand[rows],
            cover=sparse.csr_matrix(sub_cover[rows]),
            cost=problem.cost[options],
            is_wifi=problem.is_wifi[options],
            group=local_site[problem.group[options]],
            network=network,
            bandwidth_mbps=None
            if problem.bandwidth_mbps is None
            else problem.bandwidth_mbps[options],
            forced=None if problem.forced is None else problem.forced[sites],
            people=None if problem.people is None else problem.people[rows],
            rules=rules,
            villages=villages,
        )
        out.append(Cluster(sub, options, rows, sites, arcs))
    return out


def _sub_network(
    net: Network | None, sites: np.ndarray, local_site: np.ndarray
) -> tuple[Network | None, np.ndarray]:
    """The backhaul of a cluster's ``sites`` (numbered ``local_site``), and which of the
    whole network's links it keeps: those that feed its sites."""
    if net is None:
        return None, np.zeros(0, dtype=np.int64)
    arcs = np.flatnonzero(np.isin(net.head, sites))
    tail = net.tail[arcs]
    network = Network(
        tail=np.where(tail >= 0, local_site[np.maximum(tail, 0)], -1),
        head=local_site[net.head[arcs]],
        kind=net.kind[arcs],
        cost=net.cost[arcs],
        capacity_mbps=net.capacity_mbps[arcs],
        satellite_cost=net.satellite_cost[sites],
        satellite_capacity_mbps=net.satellite_capacity_mbps,
        max_hops=net.max_hops,
    )
    return network, arcs


def _sub_rules(rules: RegionRules, rows: np.ndarray, sites: np.ndarray) -> RegionRules:
    """The fairness rules of a cluster's ``rows`` and ``sites``: a cluster answers only for
    the regions in it, the others' floors are theirs (counted as met)."""
    elsewhere = ~np.isin(np.arange(rules.n_regions), rules.row_region[rows])
    return replace(
        rules,
        row_region=rules.row_region[rows],
        site_region=rules.site_region[sites],
        before=np.where(elsewhere, np.maximum(rules.before, rules.population), rules.before),
    )


def combine(problem: CoverageProblem, clusters: list[Cluster], designs: list[Design]) -> Design:
    """The whole problem's design made of one design per cluster."""
    selected = np.zeros(problem.n_options, dtype=bool)
    net = problem.network
    arcs = np.zeros(0 if net is None else net.n_arcs, dtype=bool)
    sat = np.zeros(0 if net is None else net.n_sites, dtype=bool)
    for cluster, design in zip(clusters, designs, strict=True):
        selected[cluster.options] = design.selected
        if net is not None and design.arcs.size:
            arcs[cluster.arcs] = design.arcs
        if net is not None and design.satellite.size:
            sat[cluster.sites] = design.satellite
    return Design(selected, arcs, sat)


def _solve_priced(settings: SolverSettings, item: tuple[CoverageProblem, float]) -> Priced:
    """One cluster's plan at one price (module level: Dask pickles it to the workers)."""
    problem, price = item
    return solve_priced(problem, price, settings)


@dataclass(frozen=True)
class Shared:
    """The budget shared across clusters: the plan, and the bound the pricing proves."""

    design: Design
    value: float
    bound: float
    price: float
    #: a cluster solve's clock, or the search's own, stopped the search short of its steps
    stopped_by_time: bool = False


#: how far apart the prices tried from a guess are, until both sides of the budget are met
GALLOP = 1.5


def _next_price(lo: float, hi: float, guess: float | None, fit: bool, over: bool) -> float:
    """The next price to try: the guess, then 1.5× steps away from the side met so far, then
    bisection on a log scale (prices span many decades)."""
    if guess is not None and not (fit and over):
        if not fit and not over:
            return min(max(guess, lo), hi)
        step = hi / GALLOP if fit else lo * GALLOP
        if lo < step < hi:
            return step
    return math.sqrt(lo * hi)


def share_budget(
    problem: CoverageProblem,
    clusters: list[Cluster],
    settings: SolverSettings,
    *,
    steps: int = 16,
    seconds: float = math.inf,
    client: Any = None,
    guess: float | None = None,
) -> Shared:
    """Search the price of money at which the clusters' own optima spend the budget.

    Returns the best plan within the budget among those met (each cluster at the price
    that fits, some raised to the next-lower price's plan while money lasts) and the lowest
    bound λ·B + Σ upper_k seen. The search stops after ``steps`` prices, each cluster solve
    on the work limits in ``settings``; ``seconds`` is a safety net
    for the whole search, shared out per step among the clusters still to solve. A
    ``guess`` of the price (e.g. the greedy's value per rupiah at the budget) is tried
    first, then prices 1.5× apart until both sides of the budget are met, then bisection:
    far fewer steps than bisecting the nine decades of possible prices.
    """
    assert problem.budget is not None
    budget = float(problem.budget)
    # above this price nothing is worth building (every person for less than any option);
    # (costs in rupiah are far above 1: the cheapest is the least positive cost itself)
    positive = problem.cost[problem.cost > 0]
    cheapest = float(positive.min()) if positive.size else 1.0
    hi = float(problem.demand.sum()) / max(cheapest, 1e-9)
    lo = hi * 1e-9
    best_bound = math.inf
    empty = [Priced(Design(np.zeros(c.problem.n_options, bool)), 0.0, 0.0, 0.0) for c in clusters]
    fits, over = empty, None
    fit_price = hi
    began = time.perf_counter()
    out_of_time = False
    for _ in range(steps):
        left = seconds - (time.perf_counter() - began)
        if left <= 0:
            out_of_time = True
            break
        price = _next_price(lo, hi, guess, fits is not empty, over is not None)
        priced = _priced_step(clusters, price, replace(settings, time_limit_s=left), client)
        out_of_time |= any(p.stopped_by_time for p in priced)
        if any(not math.isfinite(p.upper) for p in priced):
            logger.warning(
                "a cluster's solve found no plan within its limits at price %.4g: the "
                "search stops with the prices met so far",
                price,
            )
            break
        spend = sum(p.cost for p in priced)
        best_bound = min(best_bound, price * budget + sum(p.upper for p in priced))
        logger.info(
            "price %.4g: the clusters' plans spend %.4g of %.4g (bound so far %.1f)",
            price,
            spend,
            budget,
            best_bound,
        )
        if spend <= budget * (1 + 1e-9):
            fits, fit_price, hi = priced, price, price
        else:
            over, lo = priced, price
        if hi <= lo * (1 + 1e-9) or _within_gap(fits, over, budget, best_bound, settings):
            break
    chosen = list(fits) if over is None else _raised(fits, over, budget)
    design = combine(problem, clusters, [p.design for p in chosen])
    value = problem.objective(design)
    logger.info(
        "budget shared over %d clusters at %.3g people per unit cost: %.1f (bound %.1f)",
        len(clusters),
        fit_price,
        value,
        best_bound,
    )
    return Shared(design, value, max(best_bound, value), fit_price, out_of_time)


def _priced_step(
    clusters: list[Cluster], price: float, settings: SolverSettings, client: Any
) -> list[Priced]:
    """Every cluster's plan at ``price``, each on one thread (a cluster of workers solves
    several at once; SCIP's concurrent mode beside them would oversubscribe the cores); the
    time left (``settings.time_limit_s``) is shared among the solves that run one after
    another on each worker (or here)."""
    slots = 1
    if client is not None:
        slots = max(1, sum(client.nthreads().values()))
    rounds = math.ceil(len(clusters) / slots)
    each = replace(settings, time_limit_s=max(settings.time_limit_s / rounds, 0.05), workers=1)
    # the largest first: no worker is left solving a large cluster while the others wait
    order = sorted(range(len(clusters)), key=lambda i: -clusters[i].problem.n_options)
    items = [(clusters[i].problem, price) for i in order]
    priced = map_sites(_solve_priced, each, items, client=client, batch_size=1)
    solved = dict(zip(order, priced, strict=True))
    return [solved[i] for i in range(len(clusters))]


def _within_gap(
    fits: list[Priced], over: list[Priced] | None, budget: float, bound: float, settings: Any
) -> bool:
    """Is the best plan met so far already within the gap asked for of the bound? (Then no
    further price can improve the answer enough to matter.)"""
    chosen = fits if over is None else _raised(fits, over, budget)
    value = sum(p.value for p in chosen)
    return value > 0 and bound - value <= settings.relative_gap * value


def _raised(fits: list[Priced], over: list[Priced], budget: float) -> list[Priced]:
    """Per cluster, its plan at the price that fits (``fits``), raised to its plan at the
    next-lower price (``over``) while money lasts, best value per extra rupiah first."""
    chosen = list(fits)
    spent = sum(p.cost for p in chosen)
    gains = [
        (k, over[k].value - fits[k].value, over[k].cost - fits[k].cost)
        for k in range(len(fits))
        if over[k].value > fits[k].value + 1e-9
    ]
    gains.sort(key=lambda t: -t[1] / max(t[2], 1e-9))
    for k, _gain, extra in gains:
        if spent + extra <= budget * (1 + 1e-9):
            chosen[k] = over[k]
            spent += extra
    return chosen
