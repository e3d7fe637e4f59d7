"""The optimisation problem as plain arrays, free of geography.

Rows are demand (people in blank-spot cells, merged when they are served by exactly the same
options); columns are options (a candidate site with one technology). A row counts as
*covered* when a chosen tower option serves it, and as *WiFi-reached* (at ``wifi_weight``)
when only a chosen hotspot does. Options in the same ``group`` (one physical site) are
mutually exclusive. With a :class:`~netplan.optimize.network.Network`, every built site
must also be fed by backhaul, whose links and satellite terminals cost money too; a
:class:`Design` is then the options chosen plus the links and satellite terminals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from netplan.optimize.network import Network


@dataclass(frozen=True)
class Design:
    """What is built: options, backhaul links and satellite terminals (per site)."""

    selected: np.ndarray
    arcs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    satellite: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


@dataclass(frozen=True)
class RegionRules:
    """Fairness across regions: coverage floors and a cap on any one region's spend.

    A region's spend is its sites' equipment plus the links and satellite terminals that
    feed them.
    """

    row_region: np.ndarray  #: (m,) region of each demand row (-1: outside every region)
    site_region: np.ndarray  #: (g,) region of each site (-1: outside)
    population: np.ndarray  #: (r,) people per region
    before: np.ndarray  #: (r,) people per region covered before any new site
    #: every region reaches this share of its people covered (None: no floor)
    min_share: float | None = None
    #: no region's spend above this share of the budget (of the total spend in target mode)
    budget_share: float | None = None
    names: tuple[str, ...] = ()  #: region names, for messages

    def name(self, r: int) -> str:
        return self.names[r] if r < len(self.names) else f"region {r}"

    @property
    def n_regions(self) -> int:
        return int(self.population.size)

    @property
    def floor(self) -> np.ndarray | None:
        """(r,) people each region must still gain to reach its floor (None: no floor)."""
        if self.min_share is None:
            return None
        return np.maximum(self.min_share * self.population - self.before, 0.0)

    def shares(self, gain: np.ndarray) -> np.ndarray:
        """Coverage share per region after gaining ``gain`` people (NaN where nobody lives)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.population > 0, (self.before + gain) / self.population, np.nan)


@dataclass(frozen=True)
class VillageGoal:
    """Count villages that gain signal: a village gains it when the people newly covered in
    it reach ``need`` (what its ``village_share`` of people still lacks)."""

    row_village: np.ndarray  #: (m,) village of each demand row (-1: none)
    need: np.ndarray  #: (v,) people still to cover; inf for villages that already have signal

    @property
    def open(self) -> np.ndarray:
        """Villages that can still gain signal."""
        return np.isfinite(self.need)


@dataclass(frozen=True)
class CoverageProblem:
    """Maximal covering within a budget, or least cost to a coverage target."""

    demand: np.ndarray  #: (m,) people per demand row
    cover: sparse.csr_matrix  #: (m, n) 1 where option j serves row i
    cost: np.ndarray  #: (n,) total cost over the horizon
    is_wifi: np.ndarray  #: (n,) bool: hotspot options (reach, not coverage)
    group: np.ndarray  #: (n,) site index; at most one option per site
    wifi_weight: float = 0.25
    budget: float | None = None
    target: float | None = None  #: people to newly cover (target mode)
    network: Network | None = None
    bandwidth_mbps: np.ndarray | None = None  #: (n,) backhaul each option needs
    forced: np.ndarray | None = None  #: per site: 1 must be built, 0 must not, -1 free
    #: (m,) people per row when ``demand`` weighs something else (households); target mode,
    #: region floors and villages count people
    people: np.ndarray | None = None
    rules: RegionRules | None = None
    villages: VillageGoal | None = None

    def __post_init__(self) -> None:
        m, n = self.cover.shape
        if self.demand.shape != (m,) or self.cost.shape != (n,):
            raise ValueError("demand/cost do not match the cover matrix")
        if self.is_wifi.shape != (n,) or self.group.shape != (n,):
            raise ValueError("is_wifi/group do not match the cover matrix")
        if (self.budget is None) == (self.target is None):
            raise ValueError("give exactly one of budget or target")
        if self.network is not None:
            if self.bandwidth_mbps is None or self.bandwidth_mbps.shape != (n,):
                raise ValueError("a network needs bandwidth_mbps per option")
            if self.network.n_sites != self.n_groups:
                raise ValueError("the network's sites must be the problem's groups")

    @property
    def row_people(self) -> np.ndarray:
        return self.demand if self.people is None else self.people

    def people_covered(self, selected: np.ndarray) -> float:
        towers, _ = self.row_levels(selected)
        return float(self.row_people[towers].sum())

    def region_gain(self, selected: np.ndarray) -> np.ndarray:
        """People newly covered per region (needs ``rules``)."""
        assert self.rules is not None
        towers, _ = self.row_levels(selected)
        r = self.rules.row_region
        mine = towers & (r >= 0)
        return np.bincount(r[mine], weights=self.row_people[mine], minlength=self.rules.n_regions)

    def region_spend(self, design: Design) -> np.ndarray:
        """Money per region: its sites' options, and the links and satellites feeding them."""
        assert self.rules is not None
        site_region = self.rules.site_region
        n = self.rules.n_regions
        spend = np.zeros(n + 1)  # last slot: outside every region
        sel = np.asarray(design.selected, dtype=bool)
        region_of = np.where(site_region >= 0, site_region, n)
        np.add.at(spend, region_of[self.group[sel]], self.cost[sel])
        if self.network is not None:
            net = self.network
            if design.arcs.size:
                np.add.at(spend, region_of[net.head[design.arcs]], net.cost[design.arcs])
            if design.satellite.size:
                sat = np.asarray(design.satellite, dtype=bool)
                np.add.at(spend, region_of[sat], net.satellite_cost[sat])
        return spend[:n]

    def villages_gained(self, selected: np.ndarray) -> int:
        """Villages that gain signal (needs ``villages``)."""
        assert self.villages is not None
        towers, _ = self.row_levels(selected)
        v = self.villages.row_village
        mine = towers & (v >= 0)
        need = self.villages.need
        got = np.bincount(v[mine], weights=self.row_people[mine], minlength=need.size)
        return int(np.sum(self.villages.open & (got >= need - 1e-9)))

    @property
    def tie_weight(self) -> float:
        """Village mode: weight of demand in the objective, small enough that the whole
        demand is worth less than one village (villages first, then demand)."""
        return 1.0 / (float(self.demand.sum()) + 1.0)

    @property
    def n_groups(self) -> int:
        return int(self.group.max(initial=-1)) + 1

    def built(self, selected: np.ndarray) -> np.ndarray:
        """Per site (group): is one of its options selected."""
        sel = np.asarray(selected, dtype=bool)
        return np.bincount(self.group[sel], minlength=self.n_groups) > 0

    def site_mbps(self, selected: np.ndarray) -> np.ndarray:
        """Per site: the backhaul its selected option needs."""
        sel = np.asarray(selected, dtype=bool)
        bw = self.bandwidth_mbps if self.bandwidth_mbps is not None else np.zeros(self.n_options)
        return np.bincount(self.group[sel], weights=bw[sel], minlength=self.n_groups)

    def design(self, selected: np.ndarray) -> Design:
        """A design with no backhaul (for problems without a network)."""
        return Design(np.asarray(selected, dtype=bool))

    def total_cost(self, design: Design) -> float:
        cost = float(self.cost[design.selected].sum())
        if self.network is not None:
            cost += self.network.design_cost(design.arcs, design.satellite)
        return cost

    @property
    def n_options(self) -> int:
        return int(self.cover.shape[1])

    @property
    def n_rows(self) -> int:
        return int(self.cover.shape[0])

    def row_levels(self, selected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row: covered by a chosen tower; reached only by a chosen hotspot."""
        sel = np.asarray(selected, dtype=bool)
        towers = (self.cover @ (sel & ~self.is_wifi).astype(np.float64)) > 0
        wifi = ((self.cover @ (sel & self.is_wifi).astype(np.float64)) > 0) & ~towers
        return towers, wifi

    def level(self, selected: np.ndarray) -> np.ndarray:
        """Per row: 1 covered by a chosen tower, the WiFi weight when only a hotspot reaches
        it (0 in target mode, where only coverage counts), else 0."""
        towers, wifi = self.row_levels(selected)
        alpha = self.wifi_weight if self.target is None else 0.0
        return np.where(towers, 1.0, np.where(wifi, alpha, 0.0))

    def gains(self, level: np.ndarray) -> np.ndarray:
        """Objective gain of adding each option, given each row's current ``level``."""
        d = self.demand
        alpha = self.wifi_weight if self.target is None else 0.0
        tower_gain = self.cover.T @ (d * (1.0 - level))
        wifi_gain = self.cover.T @ (d * np.maximum(alpha - level, 0.0))
        return np.where(self.is_wifi, wifi_gain, tower_gain)

    def value(self, selected: np.ndarray) -> tuple[float, float]:
        """(people newly covered, people reached only by WiFi) for a selection."""
        towers, wifi = self.row_levels(selected)
        return float(self.demand[towers].sum()), float(self.demand[wifi].sum())

    def objective(self, design: Design) -> float:
        """Budget mode: covered + wifi_weight × WiFi-reached. Target mode: total cost."""
        if self.target is not None:
            return self.total_cost(design)
        covered, wifi = self.value(design.selected)
        if self.villages is not None:
            tie = self.tie_weight * (covered + self.wifi_weight * wifi)
            return self.villages_gained(design.selected) + tie
        return covered + self.wifi_weight * wifi

    def violations(self, design: Design, *, tol: float = 1e-6) -> list[str]:
        """Every constraint the design breaks (empty when feasible)."""
        sel = np.asarray(design.selected, dtype=bool)
        out = []
        if np.bincount(self.group[sel], minlength=1).max(initial=0) > 1:
            out.append("two options at one site")
        if self.forced is not None:
            built = self.built(sel)
            if np.any(built[self.forced == 0]) or not np.all(built[self.forced == 1]):
                out.append("a reviewer's decision is not respected")
        if self.budget is not None and self.total_cost(design) > self.budget * (1 + tol) + tol:
            out.append("over budget")
        if self.target is not None:
            covered = self.people_covered(sel)
            if covered < self.target * (1 - tol) - tol:
                out.append("target not reached")
        rules = self.rules
        if rules is not None and rules.floor is not None:
            short = rules.floor - self.region_gain(sel)
            if np.any(short > tol * np.maximum(rules.floor, 1.0) + tol):
                out.append(f"region {int(np.argmax(short))} below its coverage floor")
        if rules is not None and rules.budget_share is not None:
            spend = self.region_spend(design)
            whole = self.budget if self.budget is not None else self.total_cost(design)
            if spend.size and spend.max() > rules.budget_share * whole * (1 + tol) + tol:
                out.append(f"region {int(np.argmax(spend))} over its share of the budget")
        if self.network is not None:
            out += self.network.violations(
                self.built(sel), self.site_mbps(sel), design.arcs, design.satellite
            )
        return out

    def feasible(self, design: Design) -> bool:
        return not self.violations(design)

    def max_coverable(self, *, feedable_only: bool = False) -> float:
        """People newly covered if every tower option were built (that backhaul can feed)."""
        usable = ~self.is_wifi
        if feedable_only and self.network is not None:
            usable &= self.network.feedable()[self.group]
        return self.people_covered(usable)


def merge_rows(
    cell_cover: sparse.csr_matrix,
    weight: np.ndarray,
    *,
    seed: int = 0,
    key: np.ndarray | None = None,
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """Merge demand cells served by identical option sets (lossless), drop unserved cells.

    Parameters
    ----------
    cell_cover
        (cells, options) 0/1 matrix.
    weight
        People per cell.
    key
        Optional int per cell; only cells with equal keys merge (e.g. the region, so
        per-region constraints stay exact).

    Returns
    -------
    cover
        (rows, options) 0/1 matrix, one row per distinct option set.
    demand
        People per merged row.
    row_of_cell
        Row index of each cell (-1 for cells no option serves).
    """
    cells, n = cell_cover.shape
    csr = sparse.csr_matrix(cell_cover, dtype=np.float64)
    csr.sum_duplicates()
    csr.sort_indices()
    # two independent 64-bit hashes of each row's option set; a collision needs both to clash
    rng = np.random.default_rng(seed)
    keys = rng.integers(1, np.iinfo(np.int64).max, size=(2, max(n, 1)), dtype=np.int64)
    nnz_per_row = np.diff(csr.indptr)
    served = nnz_per_row > 0
    h = np.zeros((cells, 4), dtype=np.int64)
    if key is not None:
        h[:, 3] = np.asarray(key, dtype=np.int64)
    if csr.nnz:
        starts = csr.indptr[:-1][served]
        for k in range(2):
            vals = keys[k][csr.indices].astype(np.uint64)
            h[served, k] = np.add.reduceat(vals, starts).view(np.int64)
    h[:, 2] = nnz_per_row
    row_of_cell = np.full(cells, -1, dtype=np.int64)
    uniq, inverse = np.unique(h[served], axis=0, return_inverse=True)
    row_of_cell[served] = inverse.ravel()
    m = len(uniq)
    demand = np.bincount(row_of_cell[served], weights=weight[served], minlength=m)
    # representative cell of each row carries the row's option set
    rep = np.full(m, -1, dtype=np.int64)
    idx = np.flatnonzero(served)
    rep[inverse.ravel()[::-1]] = idx[::-1]
    cover = (csr[rep] > 0).astype(np.int8).tocsr()
    return cover, demand, row_of_cell
