"""The privacy floor of citizen reports: k is at least 5, and nothing in the outputs tells how
many reports a withheld block held (nor how many of them said "no signal")."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import CRS

from netplan.grid import Grid, make_grid
from netplan.signal_reports import ReportEvidence, report_evidence
from tests.unit.test_signal_reports import CELL_M, _layers
from tests.unit.test_signal_reports import _evidence as evidence_on_layers

#: one published block (7 dark reports in block (1, 1)), the same in every case below
PUBLISHED = [((1, 1), 7, True)]


@pytest.fixture
def grid() -> Grid:
    # 50 × 50 cells of 100 m; blocks of 1000 m are 10 × 10 cells, 5 × 5 blocks
    return make_grid((0, 0, 5000, 5000), crs=CRS.from_epsg(32754), resolution=100)


def _evidence(grid: Grid, blocks: list[tuple[tuple[int, int], int, bool]]) -> ReportEvidence:
    """Reports at distinct points inside each block (row, col): ``n`` of them, all dark or
    all not; population 10 per cell, nothing covered, every cell in the region."""
    return evidence_on_layers(grid, blocks, *_layers(grid))


#: four withheld reports each time, spread and labelled differently: what a reader of the
#: outputs must not be able to tell apart
WITHHELD = {
    "one block of 4 dark": [((3, 3), 4, True)],
    "one block of 4 with signal": [((3, 3), 4, False)],
    "four blocks of 1": [
        ((0, 0), 1, True),
        ((0, 4), 1, False),
        ((4, 0), 1, True),
        ((4, 4), 1, True),
    ],
    "two blocks of 2": [((2, 0), 2, False), ((0, 2), 2, True)],
}


@pytest.mark.parametrize("withheld", list(WITHHELD.values()), ids=list(WITHHELD))
def test_withheld_reports_leave_no_trace_beyond_the_overall_count(
    grid: Grid, withheld: list[tuple[tuple[int, int], int, bool]]
) -> None:
    alone = _evidence(grid, [*PUBLISHED, ((2, 2), 4, False)])
    ev = _evidence(grid, [*PUBLISHED, *withheld])

    assert ev.summary == alone.summary
    assert ev.blocks.drop(columns="geometry").equals(alone.blocks.drop(columns="geometry"))
    assert np.array_equal(ev.dark_cells, alone.dark_cells)


def test_summary_counts_are_totals_over_published_blocks_plus_reports_read(grid: Grid) -> None:
    ev = _evidence(grid, [*PUBLISHED, ((4, 4), 6, False), ((3, 3), 4, True)])

    assert ev.summary["reports_read"] == 17  # the one count over every report
    assert ev.summary["blocks_published"] == 2
    assert ev.summary["reports_in_published_blocks"] == int(ev.blocks["reports"].sum()) == 13
    assert ev.summary["dark_reports_in_published_blocks"] == int(ev.blocks["dark"].sum()) == 7
    assert not {"reports_withheld", "reports_in_region", "reports_dark"} & set(ev.summary)


@pytest.mark.parametrize("k", [0, 1, 2, 4])
def test_k_below_the_floor_is_refused(grid: Grid, k: int) -> None:
    x = np.array([500.0])
    with pytest.raises(ValueError, match="at least 5"):
        report_evidence(
            x,
            x,
            np.ones(1, dtype=bool),
            grid,
            np.ones(grid.shape),
            np.zeros(grid.shape, dtype=bool),
            np.zeros(grid.shape, dtype=np.int64),
            k=k,
            cell_m=CELL_M,
        )
