"""Greedy heuristics: a warm start and a fallback for the exact model, never the answer alone.

Budget mode picks the option with the best gain per unit cost that still fits, and returns
the better of that and the best single affordable option (the classic guarantee for budgeted
maximal covering). Target mode adds the best gain-per-cost option until the target is met.
With a backhaul network, an option costs its equipment plus its site's cheapest stand-alone
feed (a hub link or satellite): the per-site design that the joint model improves on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from netplan.optimize import local_search
from netplan.optimize.problem import CoverageProblem, Design


def _village_gains(problem: CoverageProblem, selected: np.ndarray) -> np.ndarray:
    """Village mode: villages each option would light up on its own, plus its demand gain
    at the tie weight (so options that complete no village still rank by people)."""
    goal = problem.villages
    assert goal is not None
    towers, _ = problem.row_levels(selected)
    v = goal.row_village
    rows = np.flatnonzero(~towers & (v >= 0) & goal.open[np.maximum(v, 0)])
    people = problem.row_people
    got = np.bincount(
        v[towers & (v >= 0)], weights=people[towers & (v >= 0)], minlength=goal.need.size
    )
    # (options × villages): people each option would add to each village
    per_village = sparse.csr_matrix(
        (people[rows], (rows, v[rows])), shape=(problem.n_rows, goal.need.size)
    )
    added = (problem.cover.T.tocsr().astype(np.float64) @ per_village).tocoo()
    done = got >= goal.need - 1e-9
    lights = (~done[added.col]) & (got[added.col] + added.data >= goal.need[added.col] - 1e-9)
    villages = np.bincount(added.row[lights], minlength=problem.n_options).astype(float)
    villages[problem.is_wifi] = 0.0
    return villages + problem.tie_weight * problem.gains(problem.level(selected))


def standalone_option_cost(problem: CoverageProblem) -> np.ndarray:
    """Each option's equipment plus its site's cheapest stand-alone feed."""
    if problem.network is None:
        return problem.cost.astype(float)
    return problem.cost + problem.network.standalone_cost()[problem.group]


@dataclass(frozen=True)
class StartingPlan:
    """The greedy design (improved by local search in budget mode), and whether the local
    search's clock rather than its round limit stopped it."""

    design: Design
    search_stopped_by_time: bool = False


def greedy(
    problem: CoverageProblem,
    *,
    search_rounds: int = local_search.ROUNDS,
    search_s: float = math.inf,
) -> Design:
    """A feasible design; in target mode it may fall short of the target. Budget mode
    improves it by up to ``search_rounds`` rounds of local search (``search_s`` seconds at
    most)."""
    return starting_plan(problem, search_rounds=search_rounds, search_s=search_s).design


def starting_plan(
    problem: CoverageProblem,
    *,
    search_rounds: int = local_search.ROUNDS,
    search_s: float = math.inf,
) -> StartingPlan:
    """:func:`greedy`'s design, saying whether the local search ran out of time (a plan that
    may differ on a slower machine)."""
    cost = standalone_option_cost(problem)
    selected, used_group, spent = _accepted_sites(problem, cost)
    selected, cost = _add_by_ratio(problem, selected, used_group, spent, cost)
    out_of_time = False
    if problem.target is None and local_search.applies(problem):
        searched = local_search.search(
            problem, selected, cost, max_rounds=search_rounds, seconds=search_s
        )
        selected, out_of_time = searched.selected, searched.stopped_by_time
    if problem.budget is not None and problem.forced is None and problem.rules is None:
        single = _best_single(problem, cost)
        if single is not None and _score(problem, single) > _score(problem, selected):
            selected = single
    design = prune(problem, _within_budget(problem, standalone_design(problem, selected)))
    return StartingPlan(design, search_stopped_by_time=out_of_time)


def _accepted_sites(
    problem: CoverageProblem, cost: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """The reviewer's decisions before any choice: (options selected, the cheapest of each
    accepted site; sites taken, accepted or rejected; their spend)."""
    selected = np.zeros(problem.n_options, dtype=bool)
    used_group = np.zeros(problem.n_groups, dtype=bool)
    spent = 0.0
    if problem.forced is not None:
        used_group[problem.forced == 0] = True  # rejected: never built
        for g in np.flatnonzero(problem.forced == 1).tolist():  # accepted: cheapest option
            members = np.flatnonzero(problem.group == g)
            j = int(members[np.argmin(cost[members])])
            selected[j] = True
            used_group[g] = True
            spent += float(cost[j])
    return selected, used_group, spent


def _add_by_ratio(
    problem: CoverageProblem,
    selected: np.ndarray,
    used_group: np.ndarray,
    spent: float,
    cost: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Add the best gain per cost that fits until nothing does (or the target is met):
    first to bring every region to its floor (cheapest people in short regions first),
    then for the objective. Returns the selection and each option's cost as last seen
    (without satellite once a shared satellite capacity is used up)."""
    net, rules = problem.network, problem.rules
    with_sat = cost
    sat_room = net is not None and net.satellite_capacity_mbps is not None
    if sat_room:
        assert net is not None and net.satellite_capacity_mbps is not None
        no_sat = problem.cost + hub_cost(problem)[problem.group]
        room = net.satellite_capacity_mbps
    budget = problem.budget if problem.budget is not None else np.inf
    option_region = (
        rules.site_region[problem.group]
        if rules is not None
        else np.full(problem.n_options, -1, dtype=np.int64)
    )
    region_spent = np.zeros(rules.n_regions + 1 if rules is not None else 1)
    cap = np.inf
    if rules is not None and rules.budget_share is not None and problem.budget is not None:
        cap = rules.budget_share * problem.budget
    floors = rules is not None and rules.floor is not None
    for phase in ["floor", "objective"] if floors else ["objective"]:
        while True:
            reached = phase == "objective" and problem.target is not None
            if reached and problem.people_covered(selected) >= (problem.target or 0.0):
                break
            if sat_room:
                # satellite is an option only while the shared capacity lasts
                bw = problem.bandwidth_mbps if problem.bandwidth_mbps is not None else 0.0
                cost = np.where(bw <= room, with_sat, no_sat)
            gains = _phase_gains(problem, phase, selected)
            if gains is None:
                break
            open_ = ~selected & ~used_group[problem.group] & (spent + cost <= budget + 1e-9)
            open_ &= (gains > 1e-12) & np.isfinite(cost)
            open_ &= region_spent[option_region] + cost <= cap + 1e-6
            if not open_.any():
                break
            ratio = np.where(open_, gains / np.maximum(cost, 1e-9), -np.inf)
            j = int(np.argmax(ratio))
            selected[j] = True
            used_group[problem.group[j]] = True
            spent += float(cost[j])
            region_spent[option_region[j]] += float(cost[j])
            if sat_room and cost[j] < no_sat[j]:
                bw_j = problem.bandwidth_mbps[j] if problem.bandwidth_mbps is not None else 0.0
                room -= float(bw_j)
    return selected, cost


def _phase_gains(problem: CoverageProblem, phase: str, selected: np.ndarray) -> np.ndarray | None:
    """What each option would add in ``phase``: people in regions still short of their
    floor ("floor"; None once no region is short), or the objective ("objective")."""
    rules = problem.rules
    if phase == "floor":
        assert rules is not None and rules.floor is not None
        short = rules.floor - problem.region_gain(selected) > 1e-6
        if not short.any():
            return None
        towers, _ = problem.row_levels(selected)
        need = problem.row_people * (~towers & (rules.row_region >= 0))
        need = need * short[np.maximum(rules.row_region, 0)]
        return np.where(problem.is_wifi, 0.0, problem.cover.T @ need)
    if problem.villages is not None and problem.target is None:
        return _village_gains(problem, selected)
    return problem.gains(problem.level(selected))


def hub_cost(problem: CoverageProblem) -> np.ndarray:
    """Per site, its cheapest link straight from a hub (inf: none)."""
    net = problem.network
    assert net is not None
    best = np.full(net.n_sites, np.inf)
    hub = net.tail < 0
    np.minimum.at(best, net.head[hub], net.cost[hub])
    return best


def _within_budget(problem: CoverageProblem, design: Design) -> Design:
    """Drop the sites with the dearest feeds until a stand-alone design fits the budget."""
    if problem.budget is None or problem.network is None:
        return design
    net = problem.network
    selected, arcs, sat = design.selected.copy(), design.arcs.copy(), design.satellite.copy()
    while problem.total_cost(Design(selected, arcs, sat)) > problem.budget + 1e-6:
        feed = np.where(sat, net.satellite_cost, 0.0)
        np.add.at(feed, net.head[arcs], net.cost[arcs])
        feed[~problem.built(selected)] = -np.inf
        if problem.forced is not None:
            feed[problem.forced == 1] = -np.inf  # a reviewer accepted it: keep
        g = int(np.argmax(feed))
        if not np.isfinite(feed[g]):
            break
        selected[problem.group == g] = False
        arcs[net.head == g] = False
        sat[g] = False
    return Design(selected, arcs, sat)


def _score(problem: CoverageProblem, selected: np.ndarray) -> float:
    """The budget-mode objective of a selection (backhaul aside)."""
    return problem.objective(Design(np.asarray(selected, dtype=bool)))


def _best_single(problem: CoverageProblem, cost: np.ndarray) -> np.ndarray | None:
    affordable = np.isfinite(cost) & (cost <= (problem.budget or 0.0) + 1e-9)
    if not affordable.any():
        return None
    gains = np.where(affordable, problem.gains(np.zeros(problem.n_rows)), -np.inf)
    single = np.zeros(problem.n_options, dtype=bool)
    single[int(np.argmax(gains))] = True
    return single


def standalone_design(problem: CoverageProblem, selected: np.ndarray) -> Design:
    """Feed every selected site on its own (cheapest hub link or satellite).

    Satellite capacity is handed out to the sites that save most by it; a site left with no
    feed is dropped.
    """
    selected = np.asarray(selected, dtype=bool).copy()
    net = problem.network
    if net is None:
        return problem.design(selected)
    arcs = np.zeros(net.n_arcs, dtype=bool)
    sat = np.zeros(net.n_sites, dtype=bool)
    mbps = problem.site_mbps(selected)
    hub = net.tail < 0
    best_arc = np.full(net.n_sites, -1)
    best_arc_cost = np.full(net.n_sites, np.inf)
    for a in np.flatnonzero(hub):
        g = net.head[a]
        if net.capacity_mbps[a] >= mbps[g] and net.cost[a] < best_arc_cost[g]:
            best_arc[g], best_arc_cost[g] = a, net.cost[a]
    room = np.inf if net.satellite_capacity_mbps is None else net.satellite_capacity_mbps
    built = np.flatnonzero(problem.built(selected))
    # what satellite saves against the site's best hub link: sites with satellite alone come
    # first, sites without satellite last (no inf - inf)
    hub_price, sat_price = best_arc_cost[built], net.satellite_cost[built]
    both = np.isfinite(hub_price) & np.isfinite(sat_price)
    only_sat = np.where(np.isfinite(sat_price), np.inf, -np.inf)
    saving = np.where(both, hub_price - np.where(both, sat_price, 0.0), only_sat)
    for g in built[np.argsort(-saving, kind="stable")]:
        if net.satellite_cost[g] < best_arc_cost[g] and mbps[g] <= room:
            sat[g] = True
            room -= mbps[g]
        elif best_arc[g] >= 0:
            arcs[best_arc[g]] = True
        elif np.isfinite(net.satellite_cost[g]) and mbps[g] <= room:
            sat[g] = True
            room -= mbps[g]
        else:
            selected[problem.group == g] = False
    return Design(selected, arcs, sat)


def prune(problem: CoverageProblem, design: Design) -> Design:
    """Drop built sites whose removal loses nothing, most expensive first.

    Only sites that relay nothing are dropped, together with their own feed, so the
    backhaul design stays valid.
    """
    selected = design.selected.copy()
    arcs = design.arcs.copy()
    sat = design.satellite.copy()
    net = problem.network
    base = problem.value(selected)
    # people count too: the target, region floors and villages are in people, and a row's
    # demand weight can be 0 (every household already online) while people live there
    base_people = problem.people_covered(selected)
    # target mode with shares: a smaller total spend can push a region over its share, so a
    # drop must keep a feasible design feasible
    shares = problem.rules is not None and problem.rules.budget_share is not None
    shares = shares and problem.feasible(design)
    for j in sorted(np.flatnonzero(selected), key=lambda k: (-problem.cost[k], k)):
        g = problem.group[j]
        if problem.forced is not None and problem.forced[g] == 1:
            continue  # accepted by a reviewer
        if net is not None and np.any(arcs & (net.tail == g)):
            continue  # it feeds another site
        selected[j] = False
        value = problem.value(selected)
        lost = value[0] < base[0] - 1e-9 or value[1] < base[1] - 1e-9
        if lost or problem.people_covered(selected) < base_people - 1e-9:
            selected[j] = True
            continue
        dropped_arcs, dropped_sat = arcs.copy(), sat.copy()
        if net is not None:
            dropped_arcs[net.head == g] = False
            dropped_sat[g] = False
        if shares and not problem.feasible(Design(selected, dropped_arcs, dropped_sat)):
            selected[j] = True
            continue
        arcs, sat = dropped_arcs, dropped_sat
    return Design(selected, arcs, sat)
