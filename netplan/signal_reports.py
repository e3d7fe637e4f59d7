"""Citizen signal reports as evidence about the coverage model, published only in aggregate.

People send "no signal" complaints or measured signal strength (read by
:func:`netplan.io.vectors.read_signal_reports`, which drops every personal field). The
planner uses them two ways: to flag places the model calls covered but reports call dark
(*disputed*), and to confirm blank spots the model already predicts (*confirmed_blank*),
whose demand may then be weighted up.

Privacy rule (k-anonymity): reports are counted per square block of about ``cell_m``
metres, aligned to the grid, and a block is published only when at least ``k`` reports
fall in it. Smaller blocks are withheld completely: they appear in no table or map and
contribute nothing to :attr:`ReportEvidence.dark_cells` or
:attr:`ReportEvidence.disputed_cells`, so a lone reporter cannot be located through the
outputs or through the demand weights. The summary's counts are totals over the published
blocks plus one overall count (reports read), so nothing tells how many reports were
withheld in the region, nor how many of them were dark. Outputs carry counts and block
squares, never report coordinates or times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from netplan.config import MIN_REPORTS_FLOOR
from netplan.grid import Grid, block_sums, expand_blocks

#: block statuses, in the order they are tested
STATUSES = ("confirmed_blank", "disputed", "agrees_covered", "mixed")


@dataclass(frozen=True)
class ReportEvidence:
    """What the reports say, per published block."""

    #: published blocks only (>= k reports), grid CRS, square block polygons; columns
    #: id ("R0001"...), reports, dark, dark_share, population, covered_share, status
    blocks: gpd.GeoDataFrame
    #: sorted flat grid indices of the in-region cells of confirmed_blank or disputed blocks
    dark_cells: np.ndarray
    #: sorted flat indices of populated, modelled-covered, in-region cells of disputed blocks
    disputed_cells: np.ndarray
    #: reports_read (the one count over every report), then totals over the published blocks
    #: only: blocks_published, reports_in_published_blocks, dark_reports_in_published_blocks,
    #: confirmed_blank_blocks, disputed_blocks, people_in_disputed_blocks; and min_reports,
    #: block_m. No count of the withheld reports (in the region, dark, per block) is given:
    #: with the published blocks beside it, it would tell how many reports a place withheld.
    summary: dict[str, float | int]


def is_dark(reports: pd.DataFrame, dark_below_dbm: float) -> np.ndarray:
    """True per report that says no signal or measured below ``dark_below_dbm``."""
    no_signal = reports["no_signal"].to_numpy(dtype=bool)
    dbm = reports["signal_dbm"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        weak = dbm < dark_below_dbm  # NaN (not measured) compares False
    return np.asarray(no_signal | weak, dtype=bool)


def block_factor(grid: Grid, cell_m: float) -> int:
    """Grid cells per block side: ``cell_m`` rounded to whole grid cells, at least one."""
    return max(1, round(cell_m / grid.resolution))


def _block_offset(grid: Grid, f: int) -> tuple[int, int]:
    """Rows above and columns left of the grid to the block lines at multiples of the block
    side (``f`` cells) in the grid's CRS."""
    side = f * grid.resolution
    rows = round((math.ceil(grid.y0 / side) * side - grid.y0) / grid.resolution)
    cols = round((grid.x0 - math.floor(grid.x0 / side) * side) / grid.resolution)
    return rows % f, cols % f


def report_evidence(
    x: np.ndarray,
    y: np.ndarray,
    dark: np.ndarray,
    grid: Grid,
    population: np.ndarray,
    covered: np.ndarray,
    region: np.ndarray,
    *,
    k: int,
    cell_m: float,
) -> ReportEvidence:
    """Count reports per block and compare each published block with the coverage model.

    ``x``/``y`` are report coordinates in the grid CRS and ``dark`` says per report whether
    it is dark (see :func:`is_dark`). ``population`` (people per cell), ``covered``
    (modelled covered) and ``region`` (region index, -1 outside) are grid-shaped. Reports
    outside the grid or the region are not counted. Block population and covered share
    count in-region cells only. Blocks are ``f × f`` grid cells, ``f`` = ``cell_m`` rounded
    to whole cells, aligned to multiples of the block side in the grid's CRS (so two grids
    of one CRS, e.g. a tile and the whole country, draw the same blocks); a block on an edge
    keeps its full square even where it overhangs the grid.
    """
    x, y, dark = _checked_reports(x, y, dark, grid, population, covered, region, k=k)
    layout = _BlockLayout.over(grid, cell_m)
    in_region = np.asarray(region) >= 0
    pop = np.where(in_region, np.asarray(population, dtype=np.float64), 0.0)
    cov = np.asarray(covered, dtype=bool)

    figures = _BlockFigures.count(layout, x, y, dark, pop, cov, in_region)
    published = figures.reports >= k
    blank_block = published & (figures.status == 0)
    disputed_block = published & (figures.status == 1)
    dark_cells = np.flatnonzero(layout.on_cells(blank_block | disputed_block) & in_region)
    disputed_cells = np.flatnonzero(layout.on_cells(disputed_block) & (pop > 0) & cov)
    idx = np.flatnonzero(published)
    summary: dict[str, float | int] = {
        "reports_read": int(x.size),
        "blocks_published": int(idx.size),
        "reports_in_published_blocks": int(figures.reports[idx].sum()),
        "dark_reports_in_published_blocks": int(figures.dark[idx].sum()),
        "confirmed_blank_blocks": int(blank_block.sum()),
        "disputed_blocks": int(disputed_block.sum()),
        "people_in_disputed_blocks": round(float(figures.population[disputed_block].sum()), 1),
        "min_reports": int(k),
        "block_m": float(layout.side_m),
    }
    return ReportEvidence(
        blocks=figures.table(layout, idx),
        dark_cells=dark_cells.astype(np.int64),
        disputed_cells=disputed_cells.astype(np.int64),
        summary=summary,
    )


def _checked_reports(
    x: np.ndarray,
    y: np.ndarray,
    dark: np.ndarray,
    grid: Grid,
    population: np.ndarray,
    covered: np.ndarray,
    region: np.ndarray,
    *,
    k: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x``, ``y`` and ``dark`` as flat arrays, after checking that ``k`` keeps the privacy
    floor, that the three are one length and the grid arrays on the grid."""
    if k < MIN_REPORTS_FLOOR:
        raise ValueError(f"k must be at least {MIN_REPORTS_FLOOR} (the privacy floor), got {k}")
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    dark = np.asarray(dark, dtype=bool).ravel()
    if not (x.size == y.size == dark.size):
        raise ValueError(f"x, y and dark differ in length ({x.size}, {y.size}, {dark.size})")
    for name, arr in (("population", population), ("covered", covered), ("region", region)):
        if np.shape(arr) != grid.shape:
            raise ValueError(f"{name} has shape {np.shape(arr)}, grid is {grid.shape}")
    return x, y, dark


def _report_cells(
    x: np.ndarray, y: np.ndarray, grid: Grid, in_region_cell: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each report's flat grid cell (-1 off the grid; non-finite coordinates count as off),
    and which reports lie in an in-region cell."""
    finite = np.isfinite(x) & np.isfinite(y)
    flat = np.full(x.size, -1, dtype=np.int64)
    flat[finite] = grid.flat_index(x[finite], y[finite])
    inside = flat >= 0
    inside[inside] = in_region_cell[flat[inside]]
    return flat, inside


@dataclass(frozen=True)
class _BlockFigures:
    """Per block (flat): reports, dark reports and their share, in-region people, their
    modelled covered share, and the status (an index into :data:`STATUSES`)."""

    reports: np.ndarray
    dark: np.ndarray
    dark_share: np.ndarray
    population: np.ndarray
    covered_share: np.ndarray
    status: np.ndarray

    @classmethod
    def count(
        cls,
        layout: _BlockLayout,
        x: np.ndarray,
        y: np.ndarray,
        dark: np.ndarray,
        pop: np.ndarray,
        cov: np.ndarray,
        in_region: np.ndarray,
    ) -> _BlockFigures:
        """Reports counted into blocks (those in an in-region cell only), beside the
        blocks' people (``pop``, zero outside the region) and covered people."""
        flat, inside = _report_cells(x, y, layout.grid, in_region.ravel())
        report_block = layout.of_cells(flat[inside])
        reports = np.bincount(report_block, minlength=layout.count)
        dark_n = np.bincount(report_block, weights=dark[inside], minlength=layout.count)
        block_pop = layout.sums(pop)
        block_cov = layout.sums(np.where(cov, pop, 0.0))
        dark_share = np.where(reports > 0, dark_n / np.maximum(reports, 1), 0.0)
        covered_share = np.where(block_pop > 0, block_cov / np.maximum(block_pop, 1e-12), 0.0)
        mostly_dark = dark_share >= 0.5
        mostly_covered = covered_share >= 0.5
        status = np.select(  # indices into STATUSES
            [
                mostly_dark & ~mostly_covered,
                mostly_dark & mostly_covered,
                ~mostly_dark & mostly_covered,
            ],
            [0, 1, 2],
            default=3,
        )
        return cls(reports, dark_n.astype(np.int64), dark_share, block_pop, covered_share, status)

    def table(self, layout: _BlockLayout, idx: np.ndarray) -> gpd.GeoDataFrame:
        """The blocks ``idx`` as a table of their figures and squares (grid CRS)."""
        return gpd.GeoDataFrame(
            {
                "id": [f"R{i + 1:04d}" for i in range(idx.size)],
                "reports": self.reports[idx].astype(np.int64),
                "dark": self.dark[idx],
                "dark_share": np.round(self.dark_share[idx].astype(float), 3),
                "population": np.round(self.population[idx].astype(float), 1),
                "covered_share": np.round(self.covered_share[idx].astype(float), 3),
                "status": [STATUSES[c] for c in self.status[idx]],
            },
            geometry=layout.squares(idx),
            crs=layout.grid.crs,
        )


@dataclass(frozen=True)
class _BlockLayout:
    """Report blocks over a grid: ``f × f`` cells each, aligned to multiples of the block
    side in the grid's CRS, ``rows × cols`` of them; the grid starts ``row_offset`` rows
    and ``col_offset`` columns into the first block."""

    grid: Grid
    f: int
    row_offset: int
    col_offset: int
    rows: int
    cols: int

    @classmethod
    def over(cls, grid: Grid, cell_m: float) -> _BlockLayout:
        f = block_factor(grid, cell_m)
        rs, cs = _block_offset(grid, f)
        return cls(grid, f, rs, cs, -(-(grid.height + rs) // f), -(-(grid.width + cs) // f))

    @property
    def side_m(self) -> float:
        return self.f * self.grid.resolution

    @property
    def count(self) -> int:
        return self.rows * self.cols

    def of_cells(self, flat: np.ndarray) -> np.ndarray:
        """Block index of each flat grid cell."""
        row, col = np.divmod(flat, self.grid.width)
        return ((row + self.row_offset) // self.f) * self.cols + (col + self.col_offset) // self.f

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Per block (flat), the sum of a grid-shaped array."""
        padded = np.pad(values, ((self.row_offset, 0), (self.col_offset, 0)))
        return block_sums(padded, self.f).ravel()

    def on_cells(self, per_block: np.ndarray) -> np.ndarray:
        """A per-block (flat) array back on the grid's cells."""
        shape = (self.grid.height + self.row_offset, self.grid.width + self.col_offset)
        cells = expand_blocks(per_block.reshape(self.rows, self.cols), self.f, shape)
        return cells[self.row_offset :, self.col_offset :]

    def squares(self, idx: np.ndarray) -> np.ndarray:
        """The full square of each block in ``idx``, in the grid's CRS."""
        side = self.side_m
        br, bc = np.divmod(idx, self.cols)
        left = self.grid.x0 - self.col_offset * self.grid.resolution + bc * side
        top = self.grid.y0 + self.row_offset * self.grid.resolution - br * side
        return shapely.box(left, top - side, left + side, top)
