"""Small random joint site + backhaul instances, and their exact optimum by enumeration.

:func:`random_case` draws an instance from a seed: 3–7 sites with one or two options each
(a tower, sometimes a second tower or a hotspot), a few demand rows, hub and relay links
(fiber and microwave) and satellite at some sites only, so some sites are reachable only
through another new site. Seeds also switch on the variants users run: a satellite
capacity, a hop limit, tight links, region floors, a cap on a region's share of the spend,
sites a reviewer accepted or rejected, and independent clusters (islands, one region each).

:func:`brute_force` enumerates every selection (at most one option per site, respecting the
reviewer) with every way of feeding the built sites (one incoming link or satellite each)
and returns the best feasible design. Its own feasibility test mirrors
:meth:`CoverageProblem.violations`; the best design is checked against ``violations``, the
ground truth, and :func:`audit` compares the two on every design of an instance.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse

from netplan.optimize.network import FIBER, MICROWAVE, Network
from netplan.optimize.problem import CoverageProblem, Design, RegionRules

BUDGET, TARGET = "budget", "target"
#: a site's feed: satellite, or the index of its incoming link
SATELLITE = -1
#: slack of every comparison, as in :meth:`CoverageProblem.violations`
TOL = 1e-6


@dataclass(frozen=True)
class Case:
    """One random instance, with the variants it exercises (for messages and counts)."""

    seed: int
    mode: str
    problem: CoverageProblem
    tags: tuple[str, ...]

    def __str__(self) -> str:
        return f"seed {self.seed} ({self.mode} mode; {', '.join(self.tags) or 'plain'})"


@dataclass(frozen=True)
class Best:
    """The exact optimum of an instance: its objective and one design reaching it."""

    objective: float
    design: Design


def random_case(seed: int, mode: str) -> Case:
    """A random instance in ``mode`` (:data:`BUDGET` or :data:`TARGET`), the same for a seed.

    ``seed`` also picks the variant, so every variant appears in any run of consecutive
    seeds: seeds ≡ 5 (mod 6) are islands (two clusters that share nothing, each its own
    region, with floors and no reviewer decisions); the others switch floors, budget shares
    and reviewer decisions on and off at random.
    """
    rng = np.random.default_rng([seed, 0 if mode == BUDGET else 1])
    islands = seed % 6 == 5
    n_sites = int(rng.integers(4, 8)) if islands else int(rng.integers(3, 8))
    cluster = (np.arange(n_sites) >= n_sites // 2).astype(np.int64) if islands else None
    group, cost, is_wifi, bandwidth = _options(rng, n_sites)
    n_rows = int(rng.integers(4, 13))
    row_cluster = rng.integers(0, 2, n_rows) if cluster is not None else None
    cover = _cover(rng, n_rows, group, cluster, row_cluster)
    demand = rng.integers(10, 300, n_rows).astype(float)
    tags: list[str] = []
    network = _network(rng, n_sites, cluster, tags)
    problem = CoverageProblem(
        demand=demand,
        cover=sparse.csr_matrix(cover),
        cost=cost,
        is_wifi=is_wifi,
        group=group,
        wifi_weight=float(rng.choice([0.25, 0.5])),
        budget=0.0,
        network=network,
        bandwidth_mbps=bandwidth,
    )
    if is_wifi.any():
        tags.append("wifi")
    if islands:
        tags.append("islands")
        problem = replace(problem, rules=_rules(rng, problem, cluster, row_cluster, floors=True))
    elif rng.random() < 0.5:
        floors, share = rng.random() < 0.6, rng.random() < 0.6
        if floors or share:
            problem = replace(
                problem, rules=_rules(rng, problem, None, None, floors=floors, share=share)
            )
    if problem.rules is not None:
        tags += [name for name, on in _rule_tags(problem.rules) if on]
    if not islands and rng.random() < 0.4:
        problem = replace(problem, forced=_forced(rng, n_sites, network))
        tags.append("accepted/rejected")
    problem = _objective(rng, problem, mode)
    return Case(seed, mode, problem, tuple(tags))


def _options(
    rng: np.random.Generator, n_sites: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(group, cost, is_wifi, Mbps) of each option: a tower per site, and at some sites a
    second tower or a hotspot."""
    group, cost, wifi, mbps = [], [], [], []
    for s in range(n_sites):
        group.append(s)
        cost.append(float(rng.integers(2, 7)))
        wifi.append(False)
        mbps.append(float(rng.choice([10.0, 50.0])))
        if rng.random() < 0.4:
            hotspot = bool(rng.random() < 0.5)
            group.append(s)
            cost.append(float(rng.integers(1, 3)) if hotspot else float(rng.integers(3, 9)))
            wifi.append(hotspot)
            mbps.append(10.0 if hotspot else 50.0)
    return np.array(group), np.array(cost), np.array(wifi), np.array(mbps)


def _cover(
    rng: np.random.Generator,
    n_rows: int,
    group: np.ndarray,
    cluster: np.ndarray | None,
    row_cluster: np.ndarray | None,
) -> np.ndarray:
    """A sparse random 0/1 cover (rows and options of one cluster only, for islands)."""
    cover = (rng.random((n_rows, group.size)) < 0.3).astype(np.int8)
    if cluster is not None and row_cluster is not None:
        cover &= (row_cluster[:, None] == cluster[group][None, :]).astype(np.int8)
    return cover


def _network(
    rng: np.random.Generator, n_sites: int, cluster: np.ndarray | None, tags: list[str]
) -> Network:
    """Hub links at some sites, sparse relay links, satellite at some sites; a capacity on
    the satellite and a hop limit at random."""
    tail, head, kind, cost, cap = [], [], [], [], []

    def link(t: int, h: int, price: tuple[int, int]) -> None:
        tail.append(t)
        head.append(h)
        kind.append(int(rng.choice([FIBER, MICROWAVE])))
        cost.append(float(rng.integers(*price)))
        cap.append(float(rng.choice([60.0, 100.0, 250.0])))

    has_hub = rng.random(n_sites) < 0.6
    for h in range(n_sites):
        if has_hub[h]:
            link(-1, h, (2, 9))
        for t in range(n_sites):
            same = cluster is None or cluster[t] == cluster[h]
            if t != h and same and rng.random() < 0.25:
                link(t, h, (1, 5))
    satellite = np.where(rng.random(n_sites) < 0.55, rng.integers(3, 9, n_sites), np.inf)
    satellite = satellite.astype(float)
    relayed = set(head[i] for i in range(len(head)) if tail[i] >= 0)
    if any(not has_hub[s] and not np.isfinite(satellite[s]) for s in relayed):
        tags.append("relay-only sites")
    sat_cap = None
    if cluster is None and rng.random() < 0.35:
        sat_cap = float(rng.choice([50.0, 60.0, 100.0]))
        tags.append("satellite capacity")
    return Network(
        tail=np.array(tail, dtype=np.int64),
        head=np.array(head, dtype=np.int64),
        kind=np.array(kind, dtype=np.int8),
        cost=np.array(cost, dtype=float),
        capacity_mbps=np.array(cap, dtype=float),
        satellite_cost=satellite,
        satellite_capacity_mbps=sat_cap,
        max_hops=int(rng.integers(1, 4)),
    )


def _rules(
    rng: np.random.Generator,
    problem: CoverageProblem,
    cluster: np.ndarray | None,
    row_cluster: np.ndarray | None,
    *,
    floors: bool,
    share: bool = False,
) -> RegionRules:
    """Regions (the clusters for islands, else two or three at random) with a coverage
    floor every region can reach with every tower built, and/or a cap on spend."""
    n_regions = 2 if cluster is not None else int(rng.integers(2, 4))
    if cluster is not None and row_cluster is not None:
        site_region, row_region = cluster.copy(), row_cluster.copy()
    else:
        site_region = rng.integers(0, n_regions, problem.n_groups)
        row_region = rng.integers(-1, n_regions, problem.n_rows)
    people = problem.demand
    inside = row_region >= 0
    reach = np.bincount(row_region[inside], weights=people[inside], minlength=n_regions)
    population = reach + rng.integers(0, 200, n_regions)
    before = rng.integers(0, 100, n_regions).astype(float)
    population = population + before
    min_share = None
    if floors:
        rules = RegionRules(row_region, site_region, population, before)
        assert problem.network is not None
        towers = ~problem.is_wifi & problem.network.feedable()[problem.group]
        most = replace(problem, rules=rules).region_gain(towers)
        fraction = float(rng.uniform(0.15, 0.7))
        min_share = float(np.min((before + fraction * most) / population))
    budget_share = float(rng.choice([0.5, 0.6, 0.75])) if share else None
    return RegionRules(
        row_region, site_region, population, before, min_share=min_share, budget_share=budget_share
    )


def _rule_tags(rules: RegionRules) -> list[tuple[str, bool]]:
    return [
        ("floors", rules.min_share is not None),
        ("budget share", rules.budget_share is not None),
    ]


def _forced(rng: np.random.Generator, n_sites: int, network: Network) -> np.ndarray:
    """Reviewer decisions: a site accepted (a relay-only site half the time when there is
    one), some rejected, the rest free."""
    forced = np.full(n_sites, -1)
    hub = np.zeros(n_sites, dtype=bool)
    hub[network.head[network.tail < 0]] = True
    reachable = network.min_depth() <= network.max_hops
    relay_only = np.flatnonzero(~hub & ~np.isfinite(network.satellite_cost) & reachable)
    pool = relay_only if relay_only.size and rng.random() < 0.5 else np.arange(n_sites)
    forced[int(rng.choice(pool))] = 1
    for s in range(n_sites):
        if forced[s] < 0 and rng.random() < 0.2:
            forced[s] = int(rng.random() < 0.5)
    return forced


def _objective(rng: np.random.Generator, problem: CoverageProblem, mode: str) -> CoverageProblem:
    """A budget of 25–80% of building everything on its cheapest feed, or a target of
    30–100% of the people every feedable tower together covers."""
    net = problem.network
    assert net is not None
    if mode == TARGET:
        reachable = problem.max_coverable(feedable_only=True)
        return replace(problem, budget=None, target=float(rng.uniform(0.3, 1.0)) * reachable)
    feed = net.standalone_cost()
    relay_price = float(net.cost[net.tail >= 0].min(initial=5.0))
    feed = np.where(np.isfinite(feed), feed, relay_price)
    equipment = np.zeros(problem.n_groups)
    np.maximum.at(equipment, problem.group, problem.cost)
    whole = float(equipment.sum() + feed.sum())
    return replace(problem, budget=round(float(rng.uniform(0.25, 0.8)) * whole, 2))


@dataclass(frozen=True)
class _Tree:
    """Feeds of the built sites that form valid trees: each site's links up to a hub."""

    feed: dict[int, int]  #: site -> SATELLITE or incoming link
    path: dict[int, tuple[int, ...]]  #: site -> links from it up to a hub (empty: satellite)


def brute_force(problem: CoverageProblem) -> Best | None:
    """The exact optimum (max value in budget mode, least cost in target mode), or None when
    no design is feasible. The design found is checked against ``problem.violations``."""
    maximise = problem.target is None
    best: Best | None = None
    reach = _Reach(problem)
    for selected, tree in _candidates(problem):
        value = _evaluate(problem, selected, tree, reach)
        if value is None:
            continue
        if best is None or (value > best.objective if maximise else value < best.objective):
            best = Best(value, _design(problem, selected, tree))
    if best is not None:
        broken = problem.violations(best.design)
        assert broken == [], f"enumerator and violations() disagree: {broken}"
        assert abs(problem.objective(best.design) - best.objective) <= TOL * max(
            1.0, abs(best.objective)
        )
    return best


def design_count(problem: CoverageProblem) -> int:
    """How many designs :func:`audit` yields (valid trees or not)."""
    net = problem.network
    assert net is not None
    g = problem.n_groups
    options = np.bincount(problem.group, minlength=g)
    forced = problem.forced if problem.forced is not None else np.full(g, -1)
    total = 0
    for mask in range(1 << g):
        built = [s for s in range(g) if mask >> s & 1]
        if all((forced[s] == 1) == (s in built) for s in range(g) if forced[s] >= 0):
            total += int(np.prod([len(_feeds(net, s, mask)) * options[s] for s in built]))
    return total


def audit(problem: CoverageProblem) -> Iterator[tuple[Design, bool, bool]]:
    """Every design the enumerator sees, valid trees or not: (design, the enumerator's
    verdict, ``violations()``'s verdict), to check the one against the other."""
    reach = _Reach(problem)
    for selected, tree in _candidates(problem, trees_only=False):
        design = _design(problem, selected, tree)
        mine = _evaluate(problem, selected, tree, reach) is not None
        yield design, mine, problem.violations(design) == []


def _candidates(
    problem: CoverageProblem, *, trees_only: bool = True
) -> Iterator[tuple[tuple[int, ...], _Tree]]:
    """(chosen option per built site, -1 where none; feeds) for every built set respecting
    the reviewer, every feed of its sites, and every option at each built site."""
    net = problem.network
    assert net is not None
    g = problem.n_groups
    members = [np.flatnonzero(problem.group == s).tolist() for s in range(g)]
    forced = problem.forced if problem.forced is not None else np.full(g, -1)
    for mask in range(1 << g):
        built = [s for s in range(g) if mask >> s & 1]
        if any((forced[s] == 1) != (s in built) for s in range(g) if forced[s] >= 0):
            continue
        feeds = [_feeds(net, s, mask) for s in built]
        for combo in itertools.product(*feeds):
            tree = _tree(net, dict(zip(built, combo, strict=True)))
            if tree is None:
                if trees_only:
                    continue
                tree = _Tree(dict(zip(built, combo, strict=True)), {})
            for options in itertools.product(*(members[s] for s in built)):
                chosen = [-1] * g
                for s, j in zip(built, options, strict=True):
                    chosen[s] = j
                yield tuple(chosen), tree


def _feeds(net: Network, site: int, mask: int) -> list[int]:
    """A built site's possible feeds: satellite where offered, links from a hub or from
    another built site."""
    out = [SATELLITE] if np.isfinite(net.satellite_cost[site]) else []
    for a in np.flatnonzero(net.head == site).tolist():
        t = int(net.tail[a])
        if t < 0 or mask >> t & 1:
            out.append(a)
    return out


def _tree(net: Network, feed: dict[int, int]) -> _Tree | None:
    """The links from each site up to a hub, or None when the feeds break a rule: a relay
    from a satellite-fed site, fiber after microwave, a cycle, too many hops."""
    path: dict[int, tuple[int, ...]] = {}
    for site, a in feed.items():
        links: list[int] = []
        link = a
        while link != SATELLITE:
            if len(links) >= net.max_hops:
                return None
            links.append(link)
            tail = int(net.tail[link])
            if tail < 0:
                break
            upstream = feed[tail]
            if upstream == SATELLITE:
                return None
            if net.kind[link] == FIBER and net.kind[upstream] != FIBER:
                return None
            link = upstream
        path[site] = tuple(links)
    return _Tree(feed, path)


def _evaluate(
    problem: CoverageProblem, chosen: tuple[int, ...], tree: _Tree, reach: _Reach
) -> float | None:
    """The objective of a design, or None when it breaks a rule (capacities, budget,
    target, floors, shares)."""
    net = problem.network
    assert net is not None and problem.bandwidth_mbps is not None
    if len(tree.path) != len(tree.feed):
        return None  # not a tree (the audit's invalid designs)
    mbps = {s: float(problem.bandwidth_mbps[j]) for s, j in enumerate(chosen) if j >= 0}
    load: dict[int, float] = {}
    for site, links in tree.path.items():
        for a in links:
            load[a] = load.get(a, 0.0) + mbps[site]
    if any(v > net.capacity_mbps[a] + 1e-6 for a, v in load.items()):
        return None
    on_satellite = sum(mbps[s] for s, f in tree.feed.items() if f == SATELLITE)
    cap = net.satellite_capacity_mbps
    if cap is not None and on_satellite > cap + 1e-6:
        return None
    spend = {
        s: float(problem.cost[chosen[s]])
        + float(net.satellite_cost[s] if f == SATELLITE else net.cost[f])
        for s, f in tree.feed.items()
    }
    cost = sum(spend.values())
    if problem.budget is not None and cost > problem.budget * (1 + TOL) + TOL:
        return None
    value = reach(chosen)
    if value is None or not _within_shares(problem, spend, cost):
        return None
    return value if problem.target is None else cost


class _Reach:
    """What a selection alone decides (memoised): its value in budget mode (0 in target
    mode), or None when it misses the target or a region's floor."""

    def __init__(self, problem: CoverageProblem) -> None:
        self.problem = problem
        self.memo: dict[tuple[int, ...], float | None] = {}

    def __call__(self, chosen: tuple[int, ...]) -> float | None:
        if chosen not in self.memo:
            self.memo[chosen] = self._value(chosen)
        return self.memo[chosen]

    def _value(self, chosen: tuple[int, ...]) -> float | None:
        p = self.problem
        selected = np.zeros(p.n_options, dtype=bool)
        selected[[j for j in chosen if j >= 0]] = True
        if p.target is not None and p.people_covered(selected) < p.target * (1 - TOL) - TOL:
            return None
        floor = None if p.rules is None else p.rules.floor
        if floor is not None:
            short = floor - p.region_gain(selected)
            if np.any(short > TOL * np.maximum(floor, 1.0) + TOL):
                return None
        return p.objective(Design(selected)) if p.target is None else 0.0


def _within_shares(problem: CoverageProblem, spend: dict[int, float], cost: float) -> bool:
    """No region spends more than its share (of the budget, or of the whole spend in target
    mode); ``spend`` is per built site, its feed included."""
    rules = problem.rules
    if rules is None or rules.budget_share is None:
        return True
    per_region: dict[int, float] = {}
    for site, money in spend.items():
        r = int(rules.site_region[site])
        if r >= 0:
            per_region[r] = per_region.get(r, 0.0) + money
    whole = problem.budget if problem.budget is not None else cost
    most = max(per_region.values(), default=0.0)
    return most <= rules.budget_share * whole * (1 + TOL) + TOL


def _design(problem: CoverageProblem, chosen: tuple[int, ...], tree: _Tree) -> Design:
    net = problem.network
    assert net is not None
    selected = np.zeros(problem.n_options, dtype=bool)
    selected[[j for j in chosen if j >= 0]] = True
    arcs = np.zeros(net.n_arcs, dtype=bool)
    satellite = np.zeros(net.n_sites, dtype=bool)
    for site, f in tree.feed.items():
        if f == SATELLITE:
            satellite[site] = True
        else:
            arcs[f] = True
    return Design(selected, arcs, satellite)
