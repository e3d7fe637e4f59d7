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

    f = block_factor(grid, cell_m)
    block_side = f * grid.resolution
    rs, cs = _block_offset(grid, f)
    bh, bw = -(-(grid.height + rs) // f), -(-(grid.width + cs) // f)
    n_blocks = bh * bw
    in_region = np.asarray(region) >= 0
    in_region_cell = in_region.ravel()
    pop = np.where(in_region, np.asarray(population, dtype=np.float64), 0.0)
    cov = np.asarray(covered, dtype=bool)

    # reports -> cells -> blocks; non-finite coordinates count as outside
    finite = np.isfinite(x) & np.isfinite(y)
    flat = np.full(x.size, -1, dtype=np.int64)
    flat[finite] = grid.flat_index(x[finite], y[finite])
    inside = flat >= 0
    inside[inside] = in_region_cell[flat[inside]]
    report_row, report_col = np.divmod(flat[inside], grid.width)
    report_block = ((report_row + rs) // f) * bw + (report_col + cs) // f
    reports = np.bincount(report_block, minlength=n_blocks)
    dark_n = np.bincount(report_block, weights=dark[inside], minlength=n_blocks).astype(np.int64)
    block_pop = block_sums(np.pad(pop, ((rs, 0), (cs, 0))), f).ravel()
    block_cov = block_sums(np.pad(np.where(cov, pop, 0.0), ((rs, 0), (cs, 0))), f).ravel()

    published = reports >= k
    dark_share = np.where(reports > 0, dark_n / np.maximum(reports, 1), 0.0)
    covered_share = np.where(block_pop > 0, block_cov / np.maximum(block_pop, 1e-12), 0.0)
    mostly_dark = dark_share >= 0.5
    mostly_covered = covered_share >= 0.5
    status_code = np.select(  # indices into STATUSES
        [
            mostly_dark & ~mostly_covered,
            mostly_dark & mostly_covered,
            ~mostly_dark & mostly_covered,
        ],
        [0, 1, 2],
        default=3,
    )
    blank_block = published & (status_code == 0)
    disputed_block = published & (status_code == 1)

    def on_cells(per_block: np.ndarray) -> np.ndarray:
        shape = (grid.height + rs, grid.width + cs)
        return expand_blocks(per_block.reshape(bh, bw), f, shape)[rs:, cs:]

    dark_cells = np.flatnonzero(on_cells(blank_block | disputed_block) & in_region)
    disputed_cells = np.flatnonzero(on_cells(disputed_block) & (pop > 0) & cov)

    idx = np.flatnonzero(published)
    br, bc = np.divmod(idx, bw)
    left = grid.x0 - cs * grid.resolution + bc * block_side
    top = grid.y0 + rs * grid.resolution - br * block_side
    blocks = gpd.GeoDataFrame(
        {
            "id": [f"R{i + 1:04d}" for i in range(idx.size)],
            "reports": reports[idx].astype(np.int64),
            "dark": dark_n[idx],
            "dark_share": np.round(dark_share[idx].astype(float), 3),
            "population": np.round(block_pop[idx].astype(float), 1),
            "covered_share": np.round(covered_share[idx].astype(float), 3),
            "status": [STATUSES[c] for c in status_code[idx]],
        },
        geometry=shapely.box(left, top - block_side, left + block_side, top),
        crs=grid.crs,
    )
    summary: dict[str, float | int] = {
        "reports_read": int(x.size),
        "blocks_published": int(idx.size),
        "reports_in_published_blocks": int(reports[idx].sum()),
        "dark_reports_in_published_blocks": int(dark_n[idx].sum()),
        "confirmed_blank_blocks": int(blank_block.sum()),
        "disputed_blocks": int(disputed_block.sum()),
        "people_in_disputed_blocks": round(float(block_pop[disputed_block].sum()), 1),
        "min_reports": int(k),
        "block_m": float(block_side),
    }
    return ReportEvidence(
        blocks=blocks,
        dark_cells=dark_cells.astype(np.int64),
        disputed_cells=disputed_cells.astype(np.int64),
        summary=summary,
    )
