"""Whole runs as library calls: ``run_plan`` and ``run_analysis`` do what the CLI's ``plan``
and ``analyze`` do, returning the output folder.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from netplan.config import Scenario
from netplan.demand import Coverage
from netplan.errors import InputError
from netplan.evaluate import (
    access_calibration,
    extended_figures,
    plan_tables,
    population_figures,
    region_table,
)
from netplan.i18n import LANGUAGES
from netplan.io.outputs import sha256_file, write_json
from netplan.io.rasters import coverage_raster
from netplan.io.run_files import read_run_language
from netplan.io.run_folder import RUN_MARKER, atomic_dir
from netplan.io.runs import write_run_data
from netplan.manifest import build_manifest, describe_inputs
from netplan.optimize.curve import budget_curve
from netplan.optimize.solver import Solution
from netplan.pipeline import Analysis, PlanResult, Timings, analyze, plan
from netplan.report.deliverables import DELIVERABLES, render_deliverables
from netplan.report.scenarios_report import pdf_status, read_scenarios, write_scenarios_report

#: a sweep's record, and what ``netplan map`` renders from it
SCENARIOS_JSON = "scenarios.json"
SCENARIOS_DELIVERABLES = ("scenarios.html", "scenarios.pdf", "scenarios.xlsx")

logger = logging.getLogger(__name__)

#: the contract's analysis keys (DESIGN §4): population, ``*_before`` and regions
ANALYSIS_KEYS = (
    "population_total",
    "population_covered_before",
    "coverage_before_pct",
    "regions",
)


def _inputs(analysis: Analysis) -> dict[str, dict[str, str]]:
    paths = dict(analysis.layers.inputs)
    if analysis.scenario.source is not None:
        paths["scenario"] = analysis.scenario.source
    return describe_inputs(paths, sha256_file)


def run_analysis(scenario: Scenario, *, out_dir: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """Coverage and blank spots only; writes the analysis run folder."""
    timings = Timings()
    analysis = analyze(scenario, timings=timings)
    figures = population_figures(analysis, None)
    for region in figures["regions"]:
        del region["coverage_after_pct"]  # no plan, no "after"
    summary = {
        "scenario": scenario.name,
        "currency": scenario.currency,
        **{k: figures[k] for k in ANALYSIS_KEYS},
        **extended_figures(analysis, figures),
    }
    with timings.stage("write outputs"):
        manifest = build_manifest(
            scenario,
            command="analyze",
            input_hashes=_inputs(analysis),
            timings=timings.seconds,
            sizes=_sizes(analysis),
        )
        out = out_dir or scenario.output_dir()
        with atomic_dir(out) as tmp:
            write_run_data(
                tmp,
                **_data_layers(analysis, region_table(analysis, summary["regions"])),
                summary=summary,
                manifest=manifest,
                evidence=_evidence_layers(analysis),
            )
            render_deliverables(tmp, lang=scenario.output.lang)
    logger.info("wrote %s", out)
    return out, summary


def _data_layers(analysis: Analysis, regions: Any) -> dict[str, Any]:
    """The data files every run has: regions, blank spots, existing sites, coverage before
    and the overview raster."""
    layers = analysis.layers
    return {
        "grid": layers.grid,
        "regions": regions,
        "blank_spots": analysis.blank.areas,
        "existing_sites": layers.existing_sites,
        "coverage_before": _raster(analysis, analysis.coverage_before),
        "overview": (layers.elevation, layers.population),
    }


def _evidence_layers(analysis: Analysis) -> dict[str, Any]:
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


def run_plan(
    scenario: Scenario, *, out_dir: Path | None = None, resume: bool = False, client: Any = None
) -> tuple[Path, dict[str, Any], PlanResult | None]:
    """The full pipeline; writes the plan run folder. A scenario with ``region.tiles`` is
    planned as tiles under one national budget (:mod:`netplan.national`; no single
    :class:`PlanResult` then: None), ``resume`` reusing the tiles a failed run finished."""
    out = out_dir or scenario.output_dir()
    if scenario.region.tiles is not None:
        from netplan.national import run_national

        out, summary = run_national(scenario, out_dir=out, resume=resume, client=client)
        return out, summary, None
    timings = Timings()
    result = plan(scenario, timings=timings)
    with atomic_dir(out) as tmp:
        summary = write_plan_folder(tmp, result, timings, input_hashes=_inputs(result.analysis))
    logger.info("wrote %s", out)
    return out, summary, result


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
        data = _data_layers(analysis, region_table(analysis, tables.summary["regions"]))
        if getattr(tables, "blank_spots", None) is not None:
            data["blank_spots"] = tables.blank_spots  # with how the plan left each one
        write_run_data(
            folder,
            **data,
            summary=tables.summary,
            manifest=manifest,
            coverage_after=_raster(analysis, result.coverage_after),
            placed=gpd.GeoDataFrame(
                pd.concat([tables.sites, tables.hotspots], ignore_index=True),
                crs=tables.sites.crs,
            ),
            links=tables.links,
            villages=tables.villages,
            evidence={
                **_evidence_layers(analysis),
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
    sizes = _sizes(result.analysis)
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


def _raster(analysis: Analysis, coverage: Coverage) -> tuple[np.ndarray, float | int]:
    signal = analysis.model.strength_unit == "dBm"
    return coverage_raster(
        coverage.covered, coverage.strength, analysis.layers.region, signal=signal
    )


def _sizes(analysis: Analysis) -> dict[str, int]:
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


def rerender_run(folder: Path, *, lang: str | None = None) -> tuple[Path, list[str]]:
    """Render a finished run's map, KML, GeoPackage and tables again from its data files (a
    scenarios folder: its report, PDF and workbook from ``scenarios.json``), in ``lang``
    (default: the run's own language), without solving. The folder is replaced atomically,
    its data files copied unchanged.

    The caller holds the folder (:func:`~netplan.io.run_folder.claim_output_dir`).
    """
    sweep = (folder / SCENARIOS_JSON).is_file()
    record = read_scenarios(folder) if sweep else None
    language = lang or (
        str(record.get("lang") or "en") if record is not None else read_run_language(folder)
    )
    if language not in LANGUAGES:
        source = folder / (SCENARIOS_JSON if record is not None else "manifest.json")
        raise InputError(
            f"{source}: damaged run file (output.lang {language!r} is not one of "
            f"{LANGUAGES}); give --lang en or id"
        )
    rendered = SCENARIOS_DELIVERABLES if sweep else DELIVERABLES
    with atomic_dir(folder) as tmp:
        for entry in sorted(folder.iterdir()):
            if entry.is_file() and entry.name not in rendered and entry.name != RUN_MARKER:
                shutil.copy2(entry, tmp / entry.name)
        if record is not None:
            written = write_scenarios_report(tmp, record, language)
            # the PDF engine of this machine may differ from the first one's
            write_json(tmp / SCENARIOS_JSON, {**record, "pdf": pdf_status(written)})
        else:
            written = render_deliverables(tmp, lang=language)
    logger.info("re-rendered %s in %s", folder, language)
    return folder, written
