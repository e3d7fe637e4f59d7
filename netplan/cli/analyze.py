"""``netplan analyze``: coverage and blank spots, no optimisation."""

from __future__ import annotations

from pathlib import Path

import click

from netplan import progress
from netplan.cli.errors import handle_errors
from netplan.cli.options import (
    config_option,
    lang_option,
    lang_overrides,
    out_option,
    overwrite_option,
    scheduler_option,
    scheduler_overrides,
)
from netplan.config import default_config_path, load_scenario
from netplan.i18n import texts
from netplan.io.run_folder import claim_output_dir
from netplan.runs import run_analysis


@click.command()
@config_option
@out_option
@overwrite_option
@scheduler_option
@lang_option
@handle_errors
def analyze(
    config: Path | None, out: Path | None, overwrite: bool, scheduler: str | None, lang: str | None
) -> None:
    """Model existing coverage and find blank spots; write summary, map and rasters."""
    scenario = load_scenario(
        config or default_config_path(),
        overrides={**scheduler_overrides(scheduler), **lang_overrides(lang)},
    )
    progress.set_language(scenario.output.lang)
    folder = out or scenario.output_dir()
    with claim_output_dir(folder, overwrite=overwrite, inputs=scenario.input_paths()) as target:
        folder, s = run_analysis(scenario, out_dir=target)
    t = texts(scenario.output.lang)
    click.echo(
        t.format(
            "{scenario}: {people}, {covered} covered; outputs: {folder}",
            scenario=s["scenario"],
            people=t.people(s["population_total"]),
            covered=t.percent(s["coverage_before_pct"]),
            folder=folder,
        )
    )
