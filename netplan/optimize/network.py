"""The backhaul network as plain arrays, and the rules a backhaul design must obey.

Sites are the problem's groups (physical sites). Every built site is fed exactly once: by a
link (arc) from a hub (the backbone's points of presence, existing sites: ``tail == -1``) or
from another built site, or by satellite. Rules:

- a site relays (is the tail of a link) only when it is built and not fed by satellite;
- a fiber link leaves a site only when that site is itself fed by fiber (trenches form a
  tree rooted at the backbone);
- every site reaches a hub through its feeds (no floating cycles), over at most
  ``max_hops`` links (1 = fed straight from a hub);
- a link carries the traffic of every site downstream of it, up to its capacity;
- satellite-fed sites together stay within the satellite capacity, when one is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FIBER, MICROWAVE = 0, 1


@dataclass(frozen=True)
class Network:
    """Candidate backhaul links and satellite options for the problem's sites (groups)."""

    tail: np.ndarray  #: (a,) feeding site, -1 for a hub
    head: np.ndarray  #: (a,) fed site
    kind: np.ndarray  #: (a,) FIBER or MICROWAVE
    cost: np.ndarray  #: (a,) total cost over the horizon
    capacity_mbps: np.ndarray  #: (a,)
    satellite_cost: np.ndarray  #: (g,) per site; inf where satellite is not offered
    satellite_capacity_mbps: float | None = None
    max_hops: int = 3

    @property
    def n_arcs(self) -> int:
        return int(self.tail.size)

    @property
    def n_sites(self) -> int:
        return int(self.satellite_cost.size)

    def standalone_cost(self) -> np.ndarray:
        """Per site, its cheapest feed on its own: a hub link or satellite (inf: none)."""
        best = self.satellite_cost.astype(float).copy()
        hub = self.tail < 0
        np.minimum.at(best, self.head[hub], self.cost[hub])
        return best

    def feedable(self) -> np.ndarray:
        """Per site: can it be fed at all (satellite, or a chain of links from a hub)."""
        ok = np.isfinite(self.satellite_cost).copy()
        reached = np.zeros(self.n_sites, dtype=bool)
        reached[self.head[self.tail < 0]] = True
        while True:
            relay = (self.tail >= 0) & reached[np.maximum(self.tail, 0)]
            grown = reached.copy()
            grown[self.head[relay]] = True
            if (grown == reached).all():
                break
            reached = grown
        return ok | reached

    def min_depth(self) -> np.ndarray:
        """Per site: fewest links from a hub (a large number where no chain reaches it)."""
        depth = np.full(self.n_sites, 1 << 30)
        depth[self.head[self.tail < 0]] = 1
        for _ in range(self.n_sites):
            relay = self.tail >= 0
            cand = depth[np.maximum(self.tail, 0)] + 1
            new = depth.copy()
            np.minimum.at(new, self.head[relay], cand[relay])
            if (new == depth).all():
                break
            depth = new
        return depth

    def design_cost(self, arcs: np.ndarray, satellite: np.ndarray) -> float:
        return float(self.cost[arcs].sum() + self.satellite_cost[satellite].sum())

    def violations(
        self, built: np.ndarray, demand_mbps: np.ndarray, arcs: np.ndarray, satellite: np.ndarray
    ) -> list[str]:
        """Every rule the design breaks (empty when valid).

        ``built`` and ``demand_mbps`` are per site; ``arcs`` and ``satellite`` the design.
        """
        out: list[str] = []
        arcs = np.asarray(arcs, dtype=bool)
        satellite = np.asarray(satellite, dtype=bool)
        feeds = np.bincount(self.head[arcs], minlength=self.n_sites) + satellite
        if np.any(feeds[built] != 1):
            out.append("a built site is not fed exactly once")
        if np.any(feeds[~built] != 0):
            out.append("a site that is not built is fed")
        if np.any(~np.isfinite(self.satellite_cost[satellite])):
            out.append("satellite used where not offered")
        feed_of = np.full(self.n_sites, -1)
        feed_of[self.head[arcs]] = np.flatnonzero(arcs)
        for a in np.flatnonzero(arcs):
            t = self.tail[a]
            if t >= 0 and (not built[t] or satellite[t]):
                out.append(f"site {t} relays without being built on a terrestrial feed")
            if (
                t >= 0
                and self.kind[a] == FIBER
                and (feed_of[t] < 0 or self.kind[feed_of[t]] != FIBER)
            ):
                out.append(f"fiber leaves site {t}, which is not fed by fiber")
        load = np.zeros(self.n_arcs)
        for site in np.flatnonzero(built & ~satellite):
            seen, node, hops = set(), int(site), 0
            while node >= 0:
                if node in seen or feed_of[node] < 0:
                    out.append(f"site {site} does not reach a hub")
                    break
                seen.add(node)
                a = feed_of[node]
                load[a] += demand_mbps[site]
                hops += 1
                node = int(self.tail[a])
            if hops > self.max_hops:
                out.append(f"site {site} is {hops} links from a hub")
        if np.any(load > self.capacity_mbps + 1e-6):
            out.append("a link carries more than its capacity")
        if self.satellite_capacity_mbps is not None and (
            demand_mbps[satellite].sum() > self.satellite_capacity_mbps + 1e-6
        ):
            out.append("satellite capacity exceeded")
        return out
