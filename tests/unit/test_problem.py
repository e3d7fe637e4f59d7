"""Merging demand cells is lossless, and WiFi reach never counts as coverage."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from netplan.optimize.problem import CoverageProblem, merge_rows


def test_merge_rows_is_lossless() -> None:
    rng = np.random.default_rng(1)
    cells = (rng.random((500, 6)) < 0.25).astype(np.int8)
    weight = rng.random(500) * 10
    cover, demand, row_of_cell = merge_rows(sparse.csr_matrix(cells), weight)
    served = cells.any(axis=1)
    # every served cell maps to a row holding exactly its option set
    for i in np.flatnonzero(served)[:200]:
        assert (cover[row_of_cell[i]].toarray().ravel() > 0).tolist() == (cells[i] > 0).tolist()
    assert (row_of_cell[~served] == -1).all()
    assert np.isclose(demand.sum(), weight[served].sum())
    distinct = {tuple(r) for r in cells[served].tolist()}
    assert cover.shape[0] == len(distinct)


def test_wifi_reach_is_not_coverage() -> None:
    cover = sparse.csr_matrix(np.array([[1, 1], [0, 1]], dtype=np.int8))
    problem = CoverageProblem(
        demand=np.array([10.0, 5.0]),
        cover=cover,
        cost=np.array([1.0, 1.0]),
        is_wifi=np.array([False, True]),
        group=np.arange(2),
        wifi_weight=0.5,
        budget=2.0,
    )
    covered, wifi = problem.value(np.array([True, True]))
    assert (covered, wifi) == (10.0, 5.0)  # row 0 counts once, as coverage
    assert problem.objective(problem.design(np.array([True, True]))) == 12.5
