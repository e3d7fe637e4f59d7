"""Property tests and fuzzing: the config and loaders fail only with clear errors, and the
optimiser keeps its promises on random instances."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from netplan.config import load_scenario
from netplan.errors import ConfigError, InputError
from netplan.io.vectors import read_household_access, read_table
from netplan.optimize.greedy import greedy
from netplan.optimize.problem import CoverageProblem
from netplan.optimize.solver import SolverSettings, solve

KEYS = [
    "name",
    "region",
    "layers",
    "objective",
    "technologies",
    "budget",
    "radius_m",
    "kind",
    "tower",
    "capex",
    "boundaries",
    "population",
    "solver",
    "seed",
    "budgt",
]
leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10**12),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["tower", "wifi", "auto", "EPSG:4326"]),
)
tree = st.recursive(
    leaf, lambda inner: st.dictionaries(st.sampled_from(KEYS), inner, max_size=5), max_leaves=25
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.dictionaries(st.sampled_from(KEYS), tree, max_size=8))
def test_any_config_is_accepted_or_refused_with_a_config_error(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.yaml"
        path.write_text(yaml.safe_dump(data))
        try:
            load_scenario(path)
        except ConfigError as exc:
            assert str(path) in str(exc)


@settings(max_examples=150, deadline=None)
@given(raw=st.binary(max_size=300))
def test_any_table_bytes_load_or_fail_with_an_input_error(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        path.write_bytes(raw)
        for reader in (lambda p: read_table(p, "towers"), read_household_access):
            try:
                reader(path)
            except InputError as exc:
                assert str(path) in str(exc)


@st.composite
def problems(draw: st.DrawFn) -> tuple[CoverageProblem, np.ndarray]:
    n = draw(st.integers(1, 7))
    m = draw(st.integers(1, 12))
    cover = np.array(
        draw(st.lists(st.lists(st.booleans(), min_size=n, max_size=n), min_size=m, max_size=m)),
        dtype=np.int8,
    )
    demand = np.array(draw(st.lists(st.floats(0.5, 500), min_size=m, max_size=m)))
    cost = np.array(draw(st.lists(st.floats(0.1, 50), min_size=n, max_size=n)))
    budgets = np.sort(np.array(draw(st.lists(st.floats(0, 120), min_size=2, max_size=4))))
    base = CoverageProblem(
        demand=demand,
        cover=sparse.csr_matrix(cover),
        cost=cost,
        is_wifi=np.zeros(n, bool),
        group=np.arange(n),
        wifi_weight=0.0,
        budget=0.0,
    )
    return base, budgets


@settings(max_examples=40, deadline=None)
@given(case=problems())
def test_optimiser_within_budget_monotone_and_never_below_greedy(
    case: tuple[CoverageProblem, np.ndarray],
) -> None:
    from dataclasses import replace

    base, budgets = case
    exact = SolverSettings(time_limit_s=10, relative_gap=0.0)
    covered = []
    for budget in budgets:
        problem = replace(base, budget=float(budget))
        sol = solve(problem, exact)
        assert sol.cost <= budget + 1e-6
        assert problem.feasible(sol.design)
        assert sol.objective >= problem.objective(greedy(problem)) - 1e-6
        covered.append(sol.covered)
    assert all(b >= a - 1e-6 for a, b in itertools.pairwise(covered))
