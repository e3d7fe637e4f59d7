"""Footprints on a Dask cluster give the same plan as a local run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from netplan.cli.main import cli
from netplan.testing import write_elevation, write_scenario


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield str(local.scheduler_address)


def test_plan_on_a_two_worker_cluster_matches_the_local_plan(tmp_path: Path, cluster: str) -> None:
    config = write_scenario(
        tmp_path / "s",
        config={
            "layers": {"elevation": "elevation.tif"},
            "coverage": {"model": "terrain", "existing_technology": "macro_4g"},
            "technologies": {
                "macro_4g": {
                    "kind": "tower",
                    "radius_m": 1500,
                    "height_m": 30,
                    "frequency_mhz": 900,
                    "eirp_dbm": 58,
                    "min_signal_dbm": -95,
                    "capex": 1.0e9,
                    "opex_per_year": 1.0e8,
                }
            },
            "compute": {"batch_size": 1},
        },
    )
    write_elevation(tmp_path / "s" / "elevation.tif", ridge_col=30)
    runs = {}
    for name, extra in (("local", []), ("dask", ["--scheduler", cluster])):
        out = tmp_path / name
        result = CliRunner().invoke(
            cli, ["-q", "plan", "-c", str(config), "--out", str(out), *extra]
        )
        assert result.exit_code == 0, result.output
        runs[name] = out
    local = json.loads((runs["local"] / "summary.json").read_text())
    remote = json.loads((runs["dask"] / "summary.json").read_text())
    local["solver"].pop("seconds")
    remote["solver"].pop("seconds")
    assert local == remote
    assert (runs["local"] / "plan.geojson").read_bytes() == (
        runs["dask"] / "plan.geojson"
    ).read_bytes()
    manifest = json.loads((runs["dask"] / "manifest.json").read_text())
    assert manifest["config"]["compute"]["scheduler"] == cluster


def test_unreachable_scheduler_exits_2(tmp_path: Path) -> None:
    config = write_scenario(tmp_path / "s")
    result = CliRunner().invoke(
        cli, ["-q", "analyze", "-c", str(config), "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert result.exit_code == 2, result.output
    assert "Dask scheduler" in result.output


def test_island_solves_on_the_cluster_match_the_local_ones(cluster: str) -> None:
    """The clusters' priced solves (budget sharing) run on the workers: same plan, same
    bound as in this process."""
    from dask.distributed import Client

    from netplan.optimize.clusters import share_budget, split
    from netplan.optimize.solver import SolverSettings
    from tests.unit.test_clusters import islands
    from tests.unit.test_optimizer import random_problem

    parts = [random_problem(seed, n=5, m=7) for seed in range(3)]
    problem = islands(*parts, budget=0.3 * sum(float(p.cost.sum()) for p in parts))
    settings = SolverSettings(time_limit_s=20, relative_gap=0.0, seed=0)
    here = share_budget(problem, split(problem), settings)
    with Client(cluster) as client:
        there = share_budget(problem, split(problem), settings, client=client)
    assert there.design.selected.tolist() == here.design.selected.tolist()
    assert there.value == here.value and there.bound == here.bound


def test_population_blocks_summed_on_the_cluster_match_the_local_read(
    tmp_path: Path, cluster: str
) -> None:
    """The population raster's blocks go to the workers (each opens the file) and come back
    as the same grid, to the last bit, with the same totals check."""
    from dask.distributed import Client

    from netplan.config import load_scenario
    from netplan.io import rasters
    from netplan.layers import load_layers

    scenario = load_scenario(write_scenario(tmp_path / "s"))
    path = scenario.layers.population
    assert path is not None
    blocks = rasters.BLOCK_ROWS
    try:
        rasters.BLOCK_ROWS = 7  # several blocks even on the tiny test raster
        here = load_layers(scenario)
        local, local_check = rasters.read_population(path, here.grid)
        with Client(cluster) as client:
            there = load_layers(scenario, client=client)
            remote, remote_check = rasters.read_population(path, here.grid, client=client)
    finally:
        rasters.BLOCK_ROWS = blocks
    assert np.array_equal(there.population, here.population)
    assert np.array_equal(remote, local)
    assert remote_check == local_check
    assert float(local.sum()) == pytest.approx(local_check["on_grid"], rel=1e-6)
