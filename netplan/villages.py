"""Villages (desa) on the grid: which villages have signal (which cells are whose people is
:func:`netplan.population.village_cells`).

National programmes count villages with signal, so a plan reports them before and after, and
can maximise them. A village has signal when at least ``demand.village_share`` of its people
are covered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
from numba import njit

if TYPE_CHECKING:
    from netplan.layers import Layers


@dataclass(frozen=True)
class Villages:
    """Village membership of cells and each village's people and signal before any plan."""

    table: gpd.GeoDataFrame  #: ``id``, ``name``, geometry (grid CRS)
    cell: np.ndarray  #: grid-shaped village index (-1: none)
    point_cells: np.ndarray  #: (v,) flat cell of each village's own point (-1: off the grid)
    people: np.ndarray  #: (v,) people in the village's cells
    covered_before: np.ndarray  #: (v,) of them covered before any new site
    share: float
    population: np.ndarray  #: people per cell (the grid's)

    @property
    def count(self) -> int:
        return int(self.point_cells.size)

    def of_cell(self, flat: np.ndarray) -> np.ndarray:
        """Village index of flat grid cells (-1: none)."""
        return self.cell.ravel()[flat].astype(np.int64)

    def covered_people(self, covered: np.ndarray) -> np.ndarray:
        """Per village: its people in cells of the ``covered`` grid mask."""
        return _people_per_village(self.cell, self.population, covered, self.count)

    def covered_pct(self, covered: np.ndarray) -> np.ndarray:
        """Per village: percent of its people covered (NaN for villages without people)."""
        got = self.covered_people(covered)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.round(np.where(self.people > 0, 100 * got / self.people, np.nan), 1)

    def signal(self, covered: np.ndarray) -> np.ndarray:
        """Per village: has signal under the ``covered`` grid mask.

        A village has signal when at least ``share`` of its people are covered; a village
        with no people on the grid (a point in an empty cell) has signal when its own cell
        is covered.
        """
        own = np.zeros(self.count, dtype=bool)
        on_grid = self.point_cells >= 0
        own[on_grid] = covered.ravel()[self.point_cells[on_grid]]
        enough = self.covered_people(covered) >= self.share * self.people - 1e-9
        return np.where(self.people > 0, enough, own)

    @property
    def need(self) -> np.ndarray:
        """People still to cover for each village to gain signal (inf: it has signal
        already, or has no people on the grid to cover)."""
        need = self.share * self.people - self.covered_before
        done = (self.people <= 0) | (need <= 1e-9)
        return np.where(done, np.inf, need)


def village_status(layers: Layers, covered: np.ndarray, *, share: float) -> Villages | None:
    """Villages with their people and signal before, or None without a villages layer."""
    villages, cell = layers.villages, layers.village
    if villages is None or cell is None or villages.empty:
        return None
    pts = villages.geometry.representative_point()
    point_cells = layers.grid.flat_index(pts.x.to_numpy(), pts.y.to_numpy())
    n = len(villages)
    pop = layers.population
    people = _people_per_village(cell, pop, None, n)
    before = _people_per_village(cell, pop, covered, n)
    return Villages(villages, cell, point_cells, people, before, share, pop)


def _people_per_village(
    village: np.ndarray, population: np.ndarray, covered: np.ndarray | None, n: int
) -> np.ndarray:
    """People per village index (only those in ``covered`` cells, when given)."""
    mask = np.ones(1, dtype=bool) if covered is None else covered.ravel()
    return _sum_by_village(village.ravel(), population.ravel(), mask, covered is not None, n)


@njit(cache=True)
def _sum_by_village(
    village: np.ndarray, population: np.ndarray, mask: np.ndarray, masked: bool, n: int
) -> np.ndarray:  # pragma: no cover - compiled
    """``np.bincount`` of the cells with a village (and ``mask``, when ``masked``), in the
    same order (the same sums to the bit) but without copying a 100 m tile's cells."""
    out = np.zeros(n)
    for i in range(village.size):
        v = village[i]
        if v >= 0 and (not masked or mask[i]):
            out[v] += np.float64(population[i])
    return out
