"""A national plan: tiles analysed apart (Dask tasks), one optimisation, outputs per tile and
for the country.

1. **Tiles** (:mod:`netplan.tiles`): each is analysed in its own projection, on its own
   grid, as a ``dask.distributed`` task: layers, existing coverage, blank spots, candidates,
   backhaul, footprints and its share of the optimisation model. What a tile computed is
   kept in a work folder beside the run, so memory holds one tile at a time per worker, and
   ``--resume`` reuses the tiles a failed run finished.
2. **One optimisation** over the tiles' problems side by side
   (:func:`netplan.optimize.merge.merge_problems`): the national budget, satellite
   capacity and fairness rules are shared in one model, with one certified bound.
3. **Outputs**: each tile becomes a full run folder under ``tiles/<name>/`` (its own map,
   reports, rasters), and the national folder gets the country's GeoPackage, GeoParquet,
   CSV and KML, a summary with a row per tile and per region, an overview map linking to
   the tiles' maps, and a manifest listing the tiles with their CRS and timings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from netplan import __version__, progress
from netplan.config import Scenario
from netplan.errors import ConfigError, InputError, NetplanError
from netplan.evaluate import plan_tables
from netplan.io.outputs import sha256_file
from netplan.io.run_folder import atomic_dir
from netplan.layers import read_boundaries
from netplan.manifest import describe_inputs
from netplan.national_outputs import write_national_folder
from netplan.optimize.merge import Offsets, merge_problems
from netplan.optimize.problem import CoverageProblem, Design
from netplan.optimize.solver import Solution
from netplan.optimize.tiles import solve_tiles
from netplan.parallel import dask_client
from netplan.pipeline import (
    Timings,
    analyze,
    build_options,
    build_problem,
    plan_with,
    shortfall_counts,
    solver_settings,
    warn_shortfall,
)
from netplan.plan_folder import write_plan_folder
from netplan.tiles import Tile, make_tiles

logger = logging.getLogger(__name__)

#: a failed tile is tried this many more times before the run reports it
RETRIES = 1
#: the file that marks a tiles work folder as netplan's own
WORK_MARKER = "NETPLAN_TILES"


class TilesFailedError(NetplanError):
    """Some tiles failed (after a retry); the others' work is kept for ``--resume``."""

    exit_code = 2


@dataclass(frozen=True)
class TileWork:
    """What a tile leaves for the national model (its grids stay on disk)."""

    tile: Tile
    problem: CoverageProblem
    seconds: dict[str, float]
    sizes: dict[str, float]
    resumed: bool = False


@dataclass(frozen=True)
class NationalModel:
    """The tiles analysed and the one model over them: what a plan or a sweep solves."""

    scenario: Scenario
    #: what each tile task runs (everything in its own process)
    local: Scenario
    boundaries: Any
    works: list[TileWork]
    problem: CoverageProblem
    offsets: Offsets
    inputs: dict[str, dict[str, str]]
    work: Path

    def parts(self, solution: Solution) -> list[Solution]:
        """Each tile's part of a national solution."""
        designs = self.offsets.cut(solution.design)
        return [
            _tile_solution(w.problem, d, solution) for w, d in zip(self.works, designs, strict=True)
        ]

    def target(self, share: float | None) -> float | None:
        """People to newly cover for a coverage target of the whole country (one tile's
        surplus counts for another: the tiles' own shortfalls would not add up to it)."""
        if share is None:
            return None
        total = sum(float(w.sizes["population"]) for w in self.works)
        before = sum(float(w.sizes["covered_before"]) for w in self.works)
        return max(0.0, share * total - before)


@contextmanager
def national_tiles(
    scenario: Scenario, *, out_dir: Path, resume: bool = False, client: Any = None
) -> Iterator[tuple[Any, NationalModel]]:
    """Analyse a tiled scenario's tiles (a Dask task each) and merge their problems into one
    national model; yields the cluster and the model. The tiles' work folder beside
    ``out_dir`` is kept when the block fails (for ``--resume``) and removed when it ends."""
    refuse_untileable(scenario)
    boundaries = read_boundaries(scenario)
    tiles = make_tiles(scenario, boundaries)
    logger.info(
        "%d tiles by %s", len(tiles), scenario.region.tiles.by if scenario.region.tiles else ""
    )
    inputs = _input_hashes(scenario)
    work = _work_folder(out_dir, resume=resume)
    key = _key(scenario, inputs)
    local = _tile_scenario(scenario)
    with _client(scenario, client) as cluster:
        done = _run_tiles(cluster, analyse_tile, [(local, t, work, key) for t in tiles], "Tiles")
        works = [done[t.name] for t in tiles]
        merged, offsets = merge_problems(
            [w.problem for w in works],
            [t.regions for t in tiles],
            region_names=tuple(boundaries["name"].astype(str)),
            satellite_capacity_mbps=_satellite_capacity(scenario),
        )
        model = NationalModel(scenario, local, boundaries, works, merged, offsets, inputs, work)
        model = replace(model, problem=replace(merged, target=model.target(_share(scenario))))
        yield cluster, model
    shutil.rmtree(work, ignore_errors=True)


def _share(scenario: Scenario) -> float | None:
    return scenario.objective.target_coverage


def run_national(
    scenario: Scenario, *, out_dir: Path, resume: bool = False, client: Any = None
) -> tuple[Path, dict[str, Any]]:
    """Plan a tiled scenario and write its national run folder; returns it and the summary."""
    started = time.perf_counter()
    with national_tiles(scenario, out_dir=out_dir, resume=resume, client=client) as (
        cluster,
        model,
    ):
        with progress.task("Solve"):
            solution = solve_tiles(
                model.problem, model.offsets, solver_settings(scenario), client=cluster
            )
        logger.info(
            "national plan: %s, objective %.1f, bound %.1f, gap %.3f%%",
            solution.status,
            solution.objective,
            solution.bound,
            100 * solution.gap,
        )
        with atomic_dir(out_dir) as tmp:
            tasks = [
                (model.local, w.tile, model.work, part, tmp, model.inputs)
                for w, part in zip(model.works, model.parts(solution), strict=True)
            ]
            finished = _run_tiles(cluster, finish_tile, tasks, "Tile outputs")
            tiles = [(w, finished[w.tile.name]) for w in model.works]
            warn_shortfall(scenario, _summed([done["shortfall"] for _, done in tiles]))
            summary = write_national_folder(
                tmp,
                scenario,
                model.boundaries,
                tiles=tiles,
                solution=solution,
                inputs=model.inputs,
                seconds=round(time.perf_counter() - started, 3),
            )
    logger.info("wrote %s", out_dir)
    return out_dir, summary


def summarise_tiles(
    cluster: Any, model: NationalModel, solution: Solution
) -> list[tuple[TileWork, dict[str, Any]]]:
    """Each tile's summary (and the ids of the sites it builds) under a national solution,
    without writing its folder: what a sweep reports per scenario."""
    tasks = [
        (model.local, w.tile, model.work, part)
        for w, part in zip(model.works, model.parts(solution), strict=True)
    ]
    done = _run_tiles(cluster, summarise_tile, tasks, "Tile figures")
    return [(w, done[w.tile.name]) for w in model.works]


def _summed(counts: list[dict[str, float]]) -> dict[str, float]:
    """The tiles' shortfall counts as one country's (the cheapest tower anywhere)."""
    out = {key: float(sum(c[key] for c in counts)) for key in counts[0]}
    out["tower_cost"] = min((c["tower_cost"] for c in counts if c["tower_cost"] > 0), default=0.0)
    return out


def _tile_scenario(scenario: Scenario) -> Scenario:
    """The scenario a tile task runs: everything in its own process (the tile is the task)."""
    compute = scenario.compute.model_copy(update={"scheduler": None})
    return scenario.model_copy(update={"compute": compute})


def _satellite_capacity(scenario: Scenario) -> float | None:
    satellite = scenario.backhaul.satellite
    return None if satellite is None else satellite.capacity_mbps_total


def _client(scenario: Scenario, client: Any) -> Any:
    """The given client, or one for ``compute.scheduler`` (default: a local cluster)."""
    if client is not None:
        return nullcontext(client)
    return dask_client(scenario.compute.scheduler or "local")


def _input_hashes(scenario: Scenario) -> dict[str, dict[str, str]]:
    paths = {
        f"layers.{k}": Path(v)
        for k, v in scenario.layers.model_dump().items()
        if v is not None and k != "decisions"
    }
    paths["region.boundaries"] = scenario.region.boundaries
    if scenario.layers.decisions is not None:
        paths["layers.decisions"] = scenario.layers.decisions
    if scenario.source is not None:
        paths["scenario"] = scenario.source
    return describe_inputs(paths, sha256_file)


def _key(scenario: Scenario, inputs: dict[str, dict[str, str]]) -> str:
    """What a tile's work depends on: the resolved scenario (not where or how fast it runs:
    output, compute and the solver's limits; the seed, which orders the model's rows, does
    count) and the data inputs' hashes (not the scenario file's, which any edit changes).
    A finished tile is reused only under the same key."""
    config = scenario.resolved()
    seed = config["solver"]["seed"]
    for volatile in ("output", "compute", "solver"):
        config.pop(volatile, None)
    data = {k: v for k, v in inputs.items() if k != "scenario"}
    record = {"netplan": __version__, "config": config, "seed": seed, "inputs": data}
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


def _work_folder(out_dir: Path, *, resume: bool) -> Path:
    """The tiles' work folder beside the run (``.<name>.tiles``): kept between a failed run
    and its ``--resume``, emptied otherwise, removed when the run succeeds."""
    work = Path(out_dir).absolute().parent / f".{Path(out_dir).name}.tiles"
    if work.exists() and not (work / WORK_MARKER).is_file():
        raise ConfigError(
            f"{work}: this folder is where netplan keeps a national run's tiles, but netplan "
            "did not make it; move it away, or write the run to another --out folder"
        )
    if work.exists() and not resume:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    (work / WORK_MARKER).write_text("tiles of a netplan national run; safe to delete\n")
    return work


def _run_tiles(
    client: Any, fn: Callable[..., Any], tasks: list[tuple[Any, ...]], label: str
) -> dict[str, Any]:
    """``fn(*task)`` for every task (its second item is the tile) on the cluster, each
    retried once; the results by tile name, or an error naming every tile that failed.
    Tiles go in name order (largest first, tried on XL at 100 m, gained neither time nor
    memory: it runs the largest side by side)."""
    from dask.distributed import as_completed

    futures = {
        client.submit(
            fn,
            *task,
            key=f"{label}-{task[1].slug}-{os.getpid()}-{time.time_ns()}",
            retries=RETRIES,
            pure=False,
        ): task[1]
        for task in tasks
    }
    results: dict[str, Any] = {}
    failed: list[str] = []
    with progress.task(label, total=len(tasks)) as advance:
        for future in as_completed(list(futures)):
            tile = futures[future]
            try:
                results[tile.name] = future.result()
            except Exception as exc:  # a tile's own error, after its retry
                failed.append(f"{tile.name}: {_first_line(exc)}")
                logger.error("tile %s failed: %s", tile.name, exc)
            advance(1)
    if failed:
        done = len(tasks) - len(failed)
        raise TilesFailedError(
            f"{len(failed)} of {len(tasks)} tiles failed (each tried {RETRIES + 1} times): "
            + "; ".join(sorted(failed))
            + f". The other {done} tiles' work is kept: fix the cause and run again with "
            "--resume to reuse it"
        )
    return results


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _paths(work: Path, tile: Tile) -> tuple[Path, Path, Path]:
    """A tile's state (grids, options), its problem and its record (written last)."""
    return (
        work / f"{tile.slug}.state.pkl",
        work / f"{tile.slug}.problem.pkl",
        work / f"{tile.slug}.json",
    )


def _record(path: Path) -> dict[str, Any] | None:
    """A finished tile's record, or None (none yet, or unreadable: the tile is redone)."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _dump(path: Path, value: Any) -> None:
    tmp = path.with_name(path.name + ".part")
    with tmp.open("wb") as fh:
        pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def _load(path: Path) -> Any:
    with path.open("rb") as fh:
        return pickle.load(fh)


def analyse_tile(scenario: Scenario, tile: Tile, work: Path, key: str) -> TileWork:
    """A tile's analysis, candidates, backhaul and problem (reused when already done under
    the same ``key``); its grids are kept in ``work`` for :func:`finish_tile`."""
    state_path, problem_path, record_path = _paths(work, tile)
    record = _record(record_path)
    done = record is not None and record.get("key") == key
    if record is not None and done and state_path.is_file() and problem_path.is_file():
        return TileWork(tile, _load(problem_path), record["seconds"], record["sizes"], True)
    timings = Timings()
    analysis = analyze(scenario, timings=timings, tile=tile)
    with timings.stage("candidates and backhaul"):
        options = build_options(analysis)
    with timings.stage("optimisation model"):
        problem = build_problem(analysis, options)
    sizes: dict[str, float] = {
        "grid_cells": analysis.layers.grid.size,
        "populated_cells": int((analysis.layers.population > 0).sum()),
        "blank_cells": int(analysis.blank.cells.size),
        "options": len(options.table),
        "demand_rows_merged": problem.n_rows,
    }
    people = {
        "population": float(analysis.layers.population.sum(dtype=np.float64)),
        "covered_before": float(
            analysis.layers.population[analysis.coverage_before.covered].sum(dtype=np.float64)
        ),
    }
    sizes.update(people)
    evidence = analysis.evidence
    sizes["report_cells"] = 0 if evidence is None else int(evidence.dark_cells.size)
    _dump(state_path, (analysis, options))
    _dump(problem_path, problem)
    record = {"key": key, "seconds": dict(timings.seconds), "sizes": sizes}
    tmp = record_path.with_name(record_path.name + ".part")
    tmp.write_text(json.dumps(record))
    os.replace(tmp, record_path)  # written last, whole: it says the tile is done
    return TileWork(tile, problem, dict(timings.seconds), sizes)


def _tile_solution(problem: CoverageProblem, design: Design, national: Solution) -> Solution:
    """A tile's part of the national solution: the tile's design, people and cost, with the
    national plan's objective, bound, gap and status (the proof is the country's: a tile on
    its own has no budget of its own to be proven against)."""
    covered, wifi = problem.value(design.selected)
    return replace(
        national, design=design, covered=covered, wifi=wifi, cost=problem.total_cost(design)
    )


def summarise_tile(
    scenario: Scenario, tile: Tile, work: Path, solution: Solution
) -> dict[str, Any]:
    """The tile's summary under its part of a national solution, and the sites it builds
    (ids prefixed with the tile's, unique over the country)."""
    state_path, problem_path, _ = _paths(work, tile)
    analysis, options = _load(state_path)
    analysis = replace(analysis, timings=Timings())
    tables = plan_tables(plan_with(analysis, options, _load(problem_path), solution))
    ids = [*tables.sites["id"], *tables.hotspots["id"]]
    return {"summary": tables.summary, "sites": sorted(f"{tile.slug}/{i}" for i in ids)}


def finish_tile(
    scenario: Scenario,
    tile: Tile,
    work: Path,
    solution: Solution,
    national_dir: Path,
    inputs: dict[str, dict[str, str]],
) -> dict[str, Any]:
    """Coverage after the tile's part of the plan, and the tile's run folder under
    ``national_dir/tiles/``; returns the tile's summary."""
    state_path, problem_path, record_path = _paths(work, tile)
    analysis, options = _load(state_path)
    problem = _load(problem_path)
    record = json.loads(record_path.read_text())
    timings = Timings(dict(record["seconds"]))
    analysis = replace(analysis, timings=timings)
    result = plan_with(analysis, options, problem, solution)
    folder = national_dir / "tiles" / tile.slug
    folder.mkdir(parents=True, exist_ok=True)
    tile_record = {
        "tile": {
            "name": tile.name,
            "crs": tile.crs.to_string(),
            "scale_error_pct": round(100 * tile.scale_error, 4),
            "halo_m": tile.halo_m,
            # solution.objective, bound and gap below are the national plan's
            "certificate": "national",
        }
    }
    summary = write_plan_folder(
        folder, result, timings, input_hashes=inputs, extra_manifest=tile_record
    )
    return {
        "summary": summary,
        "seconds": dict(timings.seconds),
        "shortfall": shortfall_counts(result),
    }


def refuse_untileable(scenario: Scenario) -> None:
    """Refuse, before any work, what a tiled run cannot do yet."""
    if scenario.layers.decisions is not None:
        raise InputError(
            f"{scenario.layers.decisions}: layers.decisions is not supported on a tiled "
            "(national) scenario yet; review one tile's folder with its own scenario, or drop "
            "region.tiles"
        )
