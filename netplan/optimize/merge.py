"""Tiles' problems as one national problem, and the national design cut back into tiles.

Each tile's :class:`~netplan.optimize.problem.CoverageProblem` is built on its own grid; the
national problem places them side by side (block-diagonal cover, sites and links numbered
on), so one solve shares the national budget, the national satellite capacity and the
regional fairness rules across every tile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from netplan.optimize.network import Network
from netplan.optimize.problem import CoverageProblem, Design, RegionRules, VillageGoal


@dataclass(frozen=True)
class Offsets:
    """Where each tile's options, sites and links start in the national problem."""

    options: np.ndarray  #: (t + 1,)
    sites: np.ndarray
    arcs: np.ndarray

    def cut(self, design: Design) -> list[Design]:
        """The national design as one design per tile."""
        out = []
        for t in range(self.options.size - 1):
            arcs = design.arcs[self.arcs[t] : self.arcs[t + 1]] if design.arcs.size else design.arcs
            sat = design.satellite
            out.append(
                Design(
                    design.selected[self.options[t] : self.options[t + 1]],
                    arcs,
                    sat[self.sites[t] : self.sites[t + 1]] if sat.size else sat,
                )
            )
        return out


def _starts(sizes: list[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])


def merge_problems(
    problems: list[CoverageProblem],
    region_of: list[np.ndarray],
    *,
    region_names: tuple[str, ...],
    satellite_capacity_mbps: float | None,
    target: float | None = None,
) -> tuple[CoverageProblem, Offsets]:
    """One problem over every tile (``region_of[t]``: the national region number of tile
    ``t``'s regions), with the first tile's budget, or in target mode ``target`` (people to
    newly cover in the whole country; default the tiles' own targets added up)."""
    first = problems[0]
    offsets = Offsets(
        _starts([p.n_options for p in problems]),
        _starts([p.n_groups for p in problems]),
        _starts([p.network.n_arcs if p.network is not None else 0 for p in problems]),
    )
    if first.target is not None and target is None:
        target = float(sum(p.target or 0.0 for p in problems))
    merged = CoverageProblem(
        demand=np.concatenate([p.demand for p in problems]),
        cover=sparse.block_diag([p.cover for p in problems], format="csr"),
        cost=np.concatenate([p.cost for p in problems]),
        is_wifi=np.concatenate([p.is_wifi for p in problems]),
        group=np.concatenate([p.group + offsets.sites[t] for t, p in enumerate(problems)]),
        wifi_weight=first.wifi_weight,
        budget=first.budget,
        target=target,
        network=_networks(problems, offsets, satellite_capacity_mbps),
        bandwidth_mbps=_joined([p.bandwidth_mbps for p in problems]),
        forced=_forced(problems),
        people=None if all(p.people is None for p in problems) else _people(problems),
        rules=_rules(problems, region_of, region_names),
        villages=_villages(problems),
    )
    return merged, offsets


def _joined(parts: list[np.ndarray | None]) -> np.ndarray | None:
    if any(p is None for p in parts):
        return None
    return np.concatenate([p for p in parts if p is not None])


def _people(problems: list[CoverageProblem]) -> np.ndarray:
    return np.concatenate([p.row_people for p in problems])


def _forced(problems: list[CoverageProblem]) -> np.ndarray | None:
    if all(p.forced is None for p in problems):
        return None
    return np.concatenate(
        [p.forced if p.forced is not None else np.full(p.n_groups, -1) for p in problems]
    )


def _networks(
    problems: list[CoverageProblem], offsets: Offsets, satellite_capacity_mbps: float | None
) -> Network | None:
    nets = [p.network for p in problems]
    if all(n is None for n in nets):
        return None
    if any(n is None for n in nets):
        raise ValueError("every tile needs a backhaul network, or none")
    parts = [n for n in nets if n is not None]
    tail = [np.where(n.tail >= 0, n.tail + offsets.sites[t], -1) for t, n in enumerate(parts)]
    return Network(
        tail=np.concatenate(tail),
        head=np.concatenate([n.head + offsets.sites[t] for t, n in enumerate(parts)]),
        kind=np.concatenate([n.kind for n in parts]),
        cost=np.concatenate([n.cost for n in parts]),
        capacity_mbps=np.concatenate([n.capacity_mbps for n in parts]),
        satellite_cost=np.concatenate([n.satellite_cost for n in parts]),
        satellite_capacity_mbps=satellite_capacity_mbps,
        max_hops=parts[0].max_hops,
    )


def _rules(
    problems: list[CoverageProblem], region_of: list[np.ndarray], names: tuple[str, ...]
) -> RegionRules | None:
    rules = [p.rules for p in problems]
    if all(r is None for r in rules):
        return None
    present = [r for r in rules if r is not None]
    n = len(names)
    population, before = np.zeros(n), np.zeros(n)
    row_region, site_region = [], []
    for t, (p, r) in enumerate(zip(problems, rules, strict=True)):
        if r is None:
            row_region.append(np.full(p.n_rows, -1))
            site_region.append(np.full(p.n_groups, -1))
            continue
        national = region_of[t]
        row_region.append(np.where(r.row_region >= 0, national[np.maximum(r.row_region, 0)], -1))
        site_region.append(np.where(r.site_region >= 0, national[np.maximum(r.site_region, 0)], -1))
        population[national] += r.population
        before[national] += r.before
    return RegionRules(
        row_region=np.concatenate(row_region).astype(np.int64),
        site_region=np.concatenate(site_region).astype(np.int64),
        population=population,
        before=before,
        min_share=present[0].min_share,
        budget_share=present[0].budget_share,
        names=names,
    )


def _villages(problems: list[CoverageProblem]) -> VillageGoal | None:
    goals = [p.villages for p in problems]
    if all(g is None for g in goals):
        return None
    rows, need, start = [], [], 0
    for p, g in zip(problems, goals, strict=True):
        if g is None:
            rows.append(np.full(p.n_rows, -1))
            continue
        rows.append(np.where(g.row_village >= 0, g.row_village + start, -1))
        need.append(g.need)
        start += g.need.size
    return VillageGoal(row_village=np.concatenate(rows), need=np.concatenate(need))
