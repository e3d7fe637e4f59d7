"""Dominance presolve for covering problems without a backhaul network (after Lv et al.,
EJOR 2025, arXiv 2409.09834), lossless: the reduced problem has the same optimum.

- Options that can never help are dropped: those of sites a reviewer refused, and those that
  serve no row that counts.
- An option is dropped when another one *dominates* it: it serves every row the first
  serves, costs no more, is the same kind (tower or hotspot), can take its place (same site,
  or a site with no other option), and, under a cap on regional spend, lies in the same
  region. Equal options keep the lowest index. Swapping a dominated option for its
  dominator never lowers coverage nor raises spend, so some optimum uses undominated options
  only.
- Rows no remaining option serves, and rows that weigh nothing, are dropped; rows served by
  the same remaining options (in the same region and village) are merged.

Rows whose option set contains another row's are kept: in maximal covering both count, so
neither can be dropped (unlike in set covering).

Problems with a network are returned unchanged (a site's value there depends on the links
that feed it), and so is target mode under a regional budget share, where less spend in one
region can break another region's share of the (smaller) total.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse

from netplan.optimize.problem import CoverageProblem, Design

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Presolved:
    """A reduced problem and the maps back to the original one.

    Attributes
    ----------
    problem
        The reduced problem.
    options
        (n',) original index of each option the reduced problem keeps.
    absorbed_by
        (n,) for each original option, the kept option that can replace it in any plan
        (itself when kept; -1 when no plan may use it).
    original
        The problem as given.
    """

    problem: CoverageProblem
    options: np.ndarray
    absorbed_by: np.ndarray
    original: CoverageProblem

    @property
    def reduced(self) -> bool:
        """Whether anything was dropped or merged."""
        return self.problem is not self.original

    def lift(self, design: Design) -> Design:
        """A design of the reduced problem as a design of the original (same objective)."""
        if not self.reduced:
            return design
        selected = np.zeros(self.original.n_options, dtype=bool)
        selected[self.options] = np.asarray(design.selected, dtype=bool)
        return Design(selected)

    def restrict(self, design: Design) -> Design:
        """A design of the original problem as one of the reduced problem, each dropped
        option replaced by the one that absorbs it (never worse, never more expensive)."""
        if not self.reduced:
            return design
        chosen = self.absorbed_by[np.asarray(design.selected, dtype=bool)]
        position = np.full(self.original.n_options, -1, dtype=np.int64)
        position[self.options] = np.arange(self.options.size)
        selected = np.zeros(self.options.size, dtype=bool)
        selected[position[chosen[chosen >= 0]]] = True
        return Design(selected)


def presolve(problem: CoverageProblem) -> Presolved:
    """Drop dominated options and idle rows, merge identical rows (see the module notes).

    Returns
    -------
    Presolved
        The reduced problem (``problem`` itself when nothing can be reduced) with ``lift``
        and ``restrict`` to move designs between the two.
    """
    n = problem.n_options
    unchanged = Presolved(problem, np.arange(n), np.arange(n), problem)
    rules = problem.rules
    share_in_target = (
        problem.target is not None and rules is not None and rules.budget_share is not None
    )
    if problem.network is not None or share_in_target or n == 0:
        return unchanged
    cover = _counting_cover(problem)
    absorbed_by = _absorbers(problem, cover)
    kept = np.flatnonzero(absorbed_by == np.arange(n))
    reduced = _keep_options(problem, kept)
    reduced = _merge_rows(reduced)
    if reduced.n_options == n and reduced.n_rows == problem.n_rows:
        return unchanged
    logger.info(
        "presolve: %d of %d options and %d of %d demand rows left",
        reduced.n_options,
        n,
        reduced.n_rows,
        problem.n_rows,
    )
    return Presolved(reduced, kept, absorbed_by, problem)


def _counting_cover(problem: CoverageProblem) -> sparse.csc_matrix:
    """The cover matrix restricted to rows that count (weight, or people for target mode,
    floors and villages) and to what counts from each option (hotspots count nothing in
    target mode), as 0/1 by column."""
    cover = sparse.csr_matrix(problem.cover, dtype=np.float64)
    cover.sum_duplicates()
    cover.data[:] = 1.0
    weighs = (problem.demand > 0) | (problem.row_people > 0)
    cover = sparse.diags(weighs.astype(np.float64)) @ cover
    if problem.target is not None:
        cover = cover @ sparse.diags((~problem.is_wifi).astype(np.float64))
    out = sparse.csc_matrix(cover)
    out.eliminate_zeros()
    return out


def _absorbers(problem: CoverageProblem, cover: sparse.csc_matrix) -> np.ndarray:
    """For each option, an undominated option that can replace it (itself when it is
    undominated; -1 when no plan may use it)."""
    n = problem.n_options
    group = problem.group
    forced = problem.forced
    site_free = np.ones(problem.n_groups, dtype=bool) if forced is None else forced < 0
    free = site_free[group]
    size = np.diff(cover.indptr)
    absorbed_by = np.arange(n)
    if forced is not None:
        absorbed_by[forced[group] == 0] = -1  # refused sites: never built
    useless = free & (size == 0) & (problem.cost >= 0)
    absorbed_by[useless] = -1
    dominators = _dominators(problem, cover, candidates=free & ~useless)
    dominated = np.zeros(n, dtype=bool)
    for j, ks in dominators.items():
        dominated[j] = bool(ks.size)
    for j, ks in dominators.items():
        undominated = ks[~dominated[ks]]
        if undominated.size:  # always, by transitivity; kept as a guard
            absorbed_by[j] = int(undominated.min())
    return absorbed_by


def _dominators(
    problem: CoverageProblem, cover: sparse.csc_matrix, *, candidates: np.ndarray
) -> dict[int, np.ndarray]:
    """For each candidate option j, the candidate options k that dominate it."""
    size = np.diff(cover.indptr)
    group = problem.group
    singleton = np.bincount(group, minlength=problem.n_groups)[group] == 1
    rules = problem.rules
    region = None
    if rules is not None and rules.budget_share is not None:
        region = rules.site_region[group]
    idx = np.flatnonzero(candidates)
    sub = cover[:, idx]
    overlap = (sub.T @ sub).tocoo()  # (j, k): rows both serve
    j, k = idx[overlap.row], idx[overlap.col]
    ok = (j != k) & (overlap.data >= size[j]) & (size[j] > 0)  # rows(j) ⊆ rows(k)
    ok &= problem.is_wifi[j] == problem.is_wifi[k]
    ok &= (group[j] == group[k]) | singleton[k]
    ok &= problem.cost[k] <= problem.cost[j]
    if region is not None:
        ok &= region[j] == region[k]
    strict = (size[k] > size[j]) | (problem.cost[k] < problem.cost[j]) | (k < j)
    ok &= strict
    j, k = j[ok], k[ok]
    if not j.size:
        return {}
    order = np.argsort(j, kind="stable")
    j, k = j[order], k[order]
    heads, starts = np.unique(j, return_index=True)
    return dict(zip(heads.tolist(), np.split(k, starts[1:]), strict=True))


def _keep_options(problem: CoverageProblem, kept: np.ndarray) -> CoverageProblem:
    """The problem on the ``kept`` options only, with sites renumbered to those left."""
    sites, group = np.unique(problem.group[kept], return_inverse=True)
    forced = None if problem.forced is None else problem.forced[sites]
    rules = problem.rules
    if rules is not None:
        rules = replace(rules, site_region=rules.site_region[sites])
    return replace(
        problem,
        cover=sparse.csr_matrix(problem.cover.tocsc()[:, kept]),
        cost=problem.cost[kept],
        is_wifi=problem.is_wifi[kept],
        group=group.astype(problem.group.dtype).reshape(-1),
        bandwidth_mbps=None if problem.bandwidth_mbps is None else problem.bandwidth_mbps[kept],
        forced=forced,
        rules=rules,
    )


def _merge_rows(problem: CoverageProblem) -> CoverageProblem:
    """Drop rows no option serves or that weigh nothing; merge rows with the same options
    (and the same region and village, so regional and village counts stay exact)."""
    cover = sparse.csr_matrix(problem.cover, dtype=np.int8)
    cover.sum_duplicates()
    cover.eliminate_zeros()
    cover.sort_indices()
    people = problem.row_people
    live = (np.diff(cover.indptr) > 0) & ((problem.demand > 0) | (people > 0))
    rows = np.flatnonzero(live)
    region = _row_key(problem.rules.row_region if problem.rules is not None else None, rows)
    village = _row_key(problem.villages.row_village if problem.villages is not None else None, rows)
    key_of: dict[tuple[int, int, bytes], int] = {}
    merged = np.empty(rows.size, dtype=np.int64)
    for pos, i in enumerate(rows.tolist()):
        options = cover.indices[cover.indptr[i] : cover.indptr[i + 1]].tobytes()
        merged[pos] = key_of.setdefault((int(region[pos]), int(village[pos]), options), len(key_of))
    if len(key_of) == problem.n_rows:
        return problem
    m = len(key_of)
    first = np.full(m, -1, dtype=np.int64)
    first[merged[::-1]] = rows[::-1]  # a representative original row of each merged row
    demand = np.bincount(merged, weights=problem.demand[rows], minlength=m)
    dropped = ~live & (problem.demand > 0)
    if problem.villages is not None and dropped.any():
        # village mode weighs demand by 1 / (total demand + 1): keep the total in one of the
        # dropped rows, which no option serves (the sum of the dropped rows, not the total
        # minus the kept, whose rounding is not zero when nothing was dropped)
        first = np.append(first, int(np.flatnonzero(dropped)[0]))
        merged = np.append(merged, m)
        rows = np.append(rows, first[-1])
        demand = np.append(demand, float(problem.demand[dropped].sum()))
        m += 1
    return replace(
        problem,
        cover=sparse.csr_matrix(cover[first], dtype=problem.cover.dtype),
        demand=demand,
        people=None
        if problem.people is None
        else np.bincount(merged, weights=problem.people[rows], minlength=m),
        rules=None
        if problem.rules is None
        else replace(problem.rules, row_region=problem.rules.row_region[first]),
        villages=None
        if problem.villages is None
        else replace(problem.villages, row_village=problem.villages.row_village[first]),
    )


def _row_key(values: np.ndarray | None, rows: np.ndarray) -> np.ndarray:
    """Per kept row, the key rows must share to merge (0 everywhere without one)."""
    return np.zeros(rows.size, dtype=np.int64) if values is None else values[rows]
