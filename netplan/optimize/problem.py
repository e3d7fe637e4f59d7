"""The optimisation problem as plain arrays, free of geography.

Rows are demand (people in blank-spot cells, merged when they are served by exactly the same
options); columns are options (a candidate site with one technology). A row counts as
*covered* when a chosen tower option serves it, and as *WiFi-reached* (at ``wifi_weight``)
when only a chosen hotspot does. Options in the same ``group`` (one physical site) are
mutually exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse


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

    def __post_init__(self) -> None:
        m, n = self.cover.shape
        if self.demand.shape != (m,) or self.cost.shape != (n,):
            raise ValueError("demand/cost do not match the cover matrix")
        if self.is_wifi.shape != (n,) or self.group.shape != (n,):
            raise ValueError("is_wifi/group do not match the cover matrix")
        if (self.budget is None) == (self.target is None):
            raise ValueError("give exactly one of budget or target")

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

    def value(self, selected: np.ndarray) -> tuple[float, float]:
        """(people newly covered, people reached only by WiFi) for a selection."""
        towers, wifi = self.row_levels(selected)
        return float(self.demand[towers].sum()), float(self.demand[wifi].sum())

    def objective(self, selected: np.ndarray) -> float:
        """Budget mode: covered + wifi_weight × WiFi-reached. Target mode: total cost."""
        if self.target is not None:
            return float(self.cost[np.asarray(selected, bool)].sum())
        covered, wifi = self.value(selected)
        return covered + self.wifi_weight * wifi

    def feasible(self, selected: np.ndarray, *, tol: float = 1e-6) -> bool:
        sel = np.asarray(selected, dtype=bool)
        if np.bincount(self.group[sel], minlength=1).max(initial=0) > 1:
            return False
        if self.budget is not None:
            return float(self.cost[sel].sum()) <= self.budget * (1 + tol) + tol
        covered, _ = self.value(sel)
        return covered >= (self.target or 0.0) * (1 - tol) - tol

    def max_coverable(self) -> float:
        """People newly covered if every tower option were built."""
        covered, _ = self.value(~self.is_wifi)
        return covered


def merge_rows(
    cell_cover: sparse.csr_matrix, weight: np.ndarray, *, seed: int = 0
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """Merge demand cells served by identical option sets (lossless), drop unserved cells.

    Parameters
    ----------
    cell_cover
        (cells, options) 0/1 matrix.
    weight
        People per cell.

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
    h = np.zeros((cells, 3), dtype=np.int64)
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
