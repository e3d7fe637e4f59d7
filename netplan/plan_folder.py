"""A run folder's data and deliverables from an analysis or a plan: what ``netplan plan``
writes for a region, and for each tile of a national run (:mod:`netplan.national`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from netplan.demand import Coverage
from netplan.evaluate import access_calibration, plan_tables, region_table
from netplan.io.outputs import sha256_file
from netplan.io.rasters import coverage_raster
from netplan.io.runs import write_run_data
from netplan.manifest import build_manifest, describe_inputs
from netplan.optimize.curve import budget_curve
from netplan.optimize.solver import Solution
from netplan.pipeline import Analysis, PlanResult, Timings
from netplan.report.deliverables import render_deliverables


def input_hashes(analysis: Analysis) -> dict[str, dict[str, str]]:
    paths = dict(analysis.layers.inputs)
    if analysis.scenario.source is not None:
        paths["scenario"] = analysis.scenario.source
    return describe_inputs(paths, sha256_file)


def data_layers(analysis: Analysis, regions: Any) -> dict[str, Any]:
    """The data files every run has: regions, blank spots, existing sites, coverage before
    and the overview raster."""
    layers = analysis.layers
    return {
        "grid": layers.grid,
        "regions": regions,
        "blank_spots": analysis.blank.areas,
        "existing_sites": layers.existing_sites,
        "coverage_before": coverage_layer(analysis, analysis.coverage_before),
        "overview": (layers.elevation, layers.population),
    }


def evidence_layers(analysis: Analysis) -> dict[str, Any]:
    """Extra files for the inputs that have them: published citizen-report blocks (only
    blocks of at least ``reports.min_reports`` reports) and the access calibration table."""
    out: dict[str, Any] = {}
    if analysis.evidence is not None:
        out["signal_reports.geojson"] = analysis.evidence.blocks
    if analysis.layers.access is not None:
        rows = access_calibration(analysis)
        out["access_calibration.csv"] = pd.DataFrame(
            [{**r, "regions": "; ".join(r["regions"])} for r in rows]
        )
    return out


def write_plan_folder(
    folder: Path,
    result: PlanResult,
    timings: Timings,
    *,
    input_hashes: dict[str, dict[str, str]],
    extra_manifest: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A plan's data files and deliverables written into ``folder`` (the temporary folder of
    an atomic swap); returns the summary."""
    scenario, analysis = result.analysis.scenario, result.analysis
    with timings.stage("evaluate"):
        tables = plan_tables(result)
    with timings.stage("write outputs"):
        manifest = build_manifest(
            scenario,
            command="plan",
            input_hashes=input_hashes,
            timings=timings.seconds,
            sizes=_plan_sizes(result),
        )
        manifest["backhaul"] = tables.backhaul
        if result.free_objective is not None:
            manifest["decisions"] = decision_cost(result)
        manifest["solution"] = solution_record(result.solution)
        manifest.update(extra_manifest or {})
        data = data_layers(analysis, region_table(analysis, tables.summary["regions"]))
        if getattr(tables, "blank_spots", None) is not None:
            data["blank_spots"] = tables.blank_spots  # with how the plan left each one
        write_run_data(
            folder,
            **data,
            summary=tables.summary,
            manifest=manifest,
            coverage_after=coverage_layer(analysis, result.coverage_after),
            placed=gpd.GeoDataFrame(
                pd.concat([tables.sites, tables.hotspots], ignore_index=True),
                crs=tables.sites.crs,
            ),
            links=tables.links,
            villages=tables.villages,
            evidence={
                **evidence_layers(analysis),
                "budget_curve.csv": _curve(result, tables.summary),
            },
        )
        render_deliverables(folder, lang=scenario.output.lang)
    return tables.summary


def solution_record(solution: Solution) -> dict[str, Any]:
    """The manifest's ``solution``: status, objective, bound, gap and what stopped it."""
    return {
        # the work limits (solver.node_limit, lp_iteration_limit, search_rounds) stop the
        # same on every machine; a stage the time limit stopped may not
        "reproducible": not solution.stopped_by_time,
        "stopped_by_time": solution.stopped_by_time,
        "stages_stopped_by_time": list(solution.time_stops),
        "status": solution.status,
        "objective": solution.objective,
        "bound": solution.bound,
        "gap": solution.gap,
    }


def _plan_sizes(result: PlanResult) -> dict[str, int]:
    table = result.options.table
    sizes = grid_sizes(result.analysis)
    sizes.update(
        options=len(table),
        tower_candidates=int(table.loc[table["kind"] == "tower", "id"].nunique()),
        hotspot_candidates=int(table.loc[table["kind"] == "wifi", "id"].nunique()),
        demand_rows_merged=result.problem.n_rows,
        footprint_entries=int(result.options.cell.size),
    )
    return sizes


def _curve(result: PlanResult, summary: dict[str, Any]) -> pd.DataFrame:
    """The budget curve (greedy plans and a certified bound) with coverage in percent."""
    curve = budget_curve(result.problem)
    total = float(summary["population_total"])
    before = float(summary["population_covered_before"])
    if total > 0:
        curve["coverage_pct"] = 100 * (before + curve["people_newly_covered"]) / total
    return curve


def decision_cost(result: PlanResult) -> dict[str, Any]:
    """What the reviewer's decisions cost against the free optimum (same budget or target)."""
    sol, free = result.solution, result.free_objective
    assert free is not None
    maximise = result.problem.target is None
    forced = result.problem.forced
    ids = result.options.sites["id"].to_numpy()
    return {
        "objective": sol.objective,
        "free_objective": free,
        # people (or weighted people) lost in budget mode; money spent extra in target mode
        "cost_of_decisions": (free - sol.objective) if maximise else (sol.objective - free),
        "unit": "people" if maximise else result.analysis.scenario.currency,
        "accepted": sorted(map(str, ids[forced == 1])) if forced is not None else [],
        "rejected": sorted(map(str, ids[forced == 0])) if forced is not None else [],
    }


def coverage_layer(analysis: Analysis, coverage: Coverage) -> tuple[np.ndarray, float | int]:
    signal = analysis.model.strength_unit == "dBm"
    return coverage_raster(
        coverage.covered, coverage.strength, analysis.layers.region, signal=signal
    )


def grid_sizes(analysis: Analysis) -> dict[str, int]:
    grid = analysis.layers.grid
    return {
        "grid_width": grid.width,
        "grid_height": grid.height,
        "grid_cells": grid.size,
        "populated_cells": int((analysis.layers.population > 0).sum()),
        "blank_cells": int(analysis.blank.cells.size),
        "blank_spots": len(analysis.blank.areas),
        "existing_sites": len(analysis.layers.existing_sites),
    }
