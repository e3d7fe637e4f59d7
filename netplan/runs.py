"""Whole runs as library calls: ``run_plan`` and ``run_analysis`` do what the CLI's ``plan``
and ``analyze`` do, returning the output folder.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from netplan.config import Scenario
from netplan.errors import InputError
from netplan.evaluate import (
    extended_figures,
    population_figures,
    region_table,
)
from netplan.i18n import LANGUAGES
from netplan.io.outputs import write_json
from netplan.io.run_files import read_run_language
from netplan.io.run_folder import RUN_MARKER, atomic_dir
from netplan.io.runs import write_run_data
from netplan.manifest import build_manifest
from netplan.national import run_national
from netplan.pipeline import PlanResult, Timings, analyze, plan
from netplan.plan_folder import (
    data_layers,
    evidence_layers,
    grid_sizes,
    input_hashes,
    write_plan_folder,
)
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
            input_hashes=input_hashes(analysis),
            timings=timings.seconds,
            sizes=grid_sizes(analysis),
        )
        out = out_dir or scenario.output_dir()
        with atomic_dir(out) as tmp:
            write_run_data(
                tmp,
                **data_layers(analysis, region_table(analysis, summary["regions"])),
                summary=summary,
                manifest=manifest,
                evidence=evidence_layers(analysis),
            )
            render_deliverables(tmp, lang=scenario.output.lang)
    logger.info("wrote %s", out)
    return out, summary


def run_plan(
    scenario: Scenario, *, out_dir: Path | None = None, resume: bool = False, client: Any = None
) -> tuple[Path, dict[str, Any], PlanResult | None]:
    """The full pipeline; writes the plan run folder. A scenario with ``region.tiles`` is
    planned as tiles under one national budget (:mod:`netplan.national`; no single
    :class:`PlanResult` then: None), ``resume`` reusing the tiles a failed run finished."""
    out = out_dir or scenario.output_dir()
    if scenario.region.tiles is not None:
        out, summary = run_national(scenario, out_dir=out, resume=resume, client=client)
        return out, summary, None
    timings = Timings()
    result = plan(scenario, timings=timings)
    with atomic_dir(out) as tmp:
        summary = write_plan_folder(
            tmp, result, timings, input_hashes=input_hashes(result.analysis)
        )
    logger.info("wrote %s", out)
    return out, summary, result


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
