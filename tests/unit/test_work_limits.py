"""Every stage of the search stops on a deterministic work limit, and says when the clock (the
safety net) stopped it instead: only then may another machine return another plan."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from netplan.config import load_scenario
from netplan.errors import ConfigError
from netplan.optimize import local_search
from netplan.optimize.clusters import share_budget, split
from netplan.optimize.greedy import standalone_option_cost
from netplan.optimize.problem import CoverageProblem
from netplan.optimize.solver import SolverSettings, _timed_lp_relaxation, solve, solve_priced
from netplan.pipeline import solver_settings
from netplan.testing import write_scenario

#: no work limit at all: only the gap (0 here) or the clock can stop a stage
UNLIMITED = SolverSettings(
    relative_gap=0.0, node_limit=None, lp_iteration_limit=None, search_rounds=10**6
)
#: work limits that stop every stage long before a minute has passed
LIMITED = SolverSettings(
    time_limit_s=60.0, relative_gap=0.0, node_limit=1, lp_iteration_limit=10_000, search_rounds=5
)


def covering_problem(*, options: int, rows: int, seed: int = 0) -> CoverageProblem:
    """A budgeted covering problem whose exact optimum takes SCIP seconds of branching, while
    its root node, its LP and a few rounds of local search take a fraction of that."""
    rng = np.random.default_rng(seed)
    per_row = 3
    row = np.repeat(np.arange(rows), per_row)
    col = rng.integers(0, options, size=rows * per_row)
    cover = sparse.csr_matrix((np.ones(row.size, np.int8), (row, col)), shape=(rows, options))
    cover.data[:] = 1  # an option listed twice for a row still covers it once
    cost = rng.integers(5, 20, options).astype(float)
    return CoverageProblem(
        demand=rng.integers(1, 100, rows).astype(float),
        cover=cover,
        cost=cost,
        is_wifi=np.zeros(options, dtype=bool),
        group=np.arange(options),
        wifi_weight=0.25,
        budget=float(cost.sum() * 0.1),
        target=None,
    )


def two_islands() -> CoverageProblem:
    """Two groups of options that share no demand: the budget is shared by pricing."""
    one = covering_problem(options=6, rows=12, seed=1)
    cover = sparse.block_diag([one.cover, one.cover], format="csr")
    return CoverageProblem(
        demand=np.concatenate([one.demand, one.demand]),
        cover=cover,
        cost=np.concatenate([one.cost, one.cost]),
        is_wifi=np.zeros(12, dtype=bool),
        group=np.arange(12),
        wifi_weight=0.25,
        budget=float(one.cost.sum() * 0.5),
        target=None,
    )


@pytest.mark.parametrize(
    ("rounds", "seconds", "by_time"),
    [
        (10**6, 0.0, True),  # no round limit to speak of, and no time: the clock stops it
        (0, 0.0, False),  # the round limit bites first
        (3, math.inf, False),
    ],
)
def test_local_search_stops_on_rounds_and_says_when_the_clock_stopped_it(
    rounds: int, seconds: float, by_time: bool
) -> None:
    problem = covering_problem(options=60, rows=400)
    cost = standalone_option_cost(problem)
    start = np.zeros(problem.n_options, dtype=bool)
    searched = local_search.search(problem, start, cost, max_rounds=rounds, seconds=seconds)
    assert searched.stopped_by_time is by_time
    assert searched.rounds <= rounds
    assert float(cost[searched.selected].sum()) <= float(problem.budget or 0) + 1e-9


@pytest.mark.parametrize(
    ("iterations", "seconds", "by_time", "finished"),
    [
        (None, 1e-3, True, False),  # a millisecond is not enough for this LP
        (5, 60.0, False, False),  # the iteration limit bites first
        (None, 60.0, False, True),
    ],
)
def test_the_lp_stops_on_iterations_and_says_when_the_clock_stopped_it(
    iterations: int | None, seconds: float, by_time: bool, finished: bool
) -> None:
    problem = covering_problem(options=120, rows=1000)
    relaxation, out_of_time = _timed_lp_relaxation(problem, seconds=seconds, iterations=iterations)
    assert out_of_time is by_time
    assert (relaxation is not None) is finished


@pytest.mark.parametrize(
    ("settings", "by_time"),
    [
        (SolverSettings(time_limit_s=1e-3, relative_gap=0.0, node_limit=None), True),
        (SolverSettings(time_limit_s=60.0, relative_gap=0.0, node_limit=1), False),
    ],
)
def test_a_scip_solve_stops_on_nodes_and_says_when_the_clock_stopped_it(
    settings: SolverSettings, by_time: bool
) -> None:
    problem = covering_problem(options=40, rows=300)
    price = 0.5 * float(problem.demand.sum() / problem.cost.sum())
    assert solve_priced(problem, price, settings).stopped_by_time is by_time


@pytest.mark.parametrize(("seconds", "by_time"), [(0.0, True), (math.inf, False)])
def test_cluster_pricing_says_when_the_clock_cut_its_steps(seconds: float, by_time: bool) -> None:
    problem = two_islands()
    parts = split(problem)
    assert len(parts) == 2
    shared = share_budget(problem, parts, LIMITED, seconds=seconds)
    assert shared.stopped_by_time is by_time
    assert problem.feasible(shared.design)


@pytest.mark.parametrize(
    ("settings", "clock_stops"),
    [
        # a millisecond and no work limit: SCIP's branching is cut
        (replace(UNLIMITED, time_limit_s=1e-3), True),
        # the same problem, with work limits that bite long before the time limit
        (LIMITED, False),
    ],
)
def test_the_solution_names_every_stage_the_clock_stopped(
    settings: SolverSettings, clock_stops: bool
) -> None:
    problem = covering_problem(options=120, rows=1000)
    solution = solve(problem, settings)
    assert solution.stopped_by_time is clock_stops
    if clock_stops:
        assert "SCIP" in solution.time_stops
        # (no cheapest-design phase here: without backhaul and with one option per site
        # there is nothing to re-price; the demo's clock stops of it: test_repeatable.py)
        assert "cheapest-design phase" not in solution.time_stops
    else:
        assert solution.time_stops == ()
    assert problem.feasible(solution.design)
    assert solution.objective <= solution.bound + 1e-6


def test_work_limits_give_the_same_plan_whatever_the_time_limit() -> None:
    problem = covering_problem(options=120, rows=1000)
    plans = [solve(problem, replace(LIMITED, time_limit_s=seconds)) for seconds in (30.0, 600.0)]
    assert not any(p.stopped_by_time for p in plans)
    assert np.array_equal(plans[0].selected, plans[1].selected)
    assert plans[0].objective == plans[1].objective
    assert plans[0].bound == plans[1].bound


@pytest.mark.parametrize(
    ("solver", "expected"),
    [
        (
            {},
            SolverSettings(
                time_limit_s=10,
                relative_gap=0.0,
                workers=2,
                node_limit=1000,
                lp_iteration_limit=1_000_000,
                search_rounds=200,
            ),
        ),
        (
            {"node_limit": 7, "lp_iteration_limit": 500, "search_rounds": 0},
            SolverSettings(
                time_limit_s=10,
                relative_gap=0.0,
                workers=2,
                node_limit=7,
                lp_iteration_limit=500,
                search_rounds=0,
            ),
        ),
        (
            {"node_limit": None, "lp_iteration_limit": None},
            SolverSettings(
                time_limit_s=10,
                relative_gap=0.0,
                workers=2,
                node_limit=None,
                lp_iteration_limit=None,
            ),
        ),
    ],
)
def test_work_limits_come_from_the_scenario(
    tmp_path: Path, solver: dict[str, object], expected: SolverSettings
) -> None:
    scenario = load_scenario(write_scenario(tmp_path / "s", config={"solver": solver}))
    assert solver_settings(scenario) == expected


@pytest.mark.parametrize(
    ("key", "value"),
    [("node_limit", 0), ("lp_iteration_limit", -5), ("search_rounds", -1), ("search_rounds", "x")],
)
def test_bad_work_limits_are_config_errors(tmp_path: Path, key: str, value: object) -> None:
    path = write_scenario(tmp_path / "s", config={"solver": {key: value}})
    with pytest.raises(ConfigError, match=f"solver.{key}"):
        load_scenario(path)
