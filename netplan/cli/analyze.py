"""``netplan analyze``: coverage and blank spots, no optimisation."""

from __future__ import annotations

from pathlib import Path

import click

from netplan.cli.errors import handle_errors
from netplan.cli.options import (
    config_option,
    out_option,
    overwrite_option,
    scheduler_option,
    scheduler_overrides,
)
from netplan.config import default_config_path, load_scenario
from netplan.io.run_folder import claim_output_dir
from netplan.runs import run_analysis


@click.command()
@config_option
@out_option
@overwrite_option
@scheduler_option
@handle_errors
def analyze(config: Path | None, out: Path | None, overwrite: bool, scheduler: str | None) -> None:
    """Model existing coverage and find blank spots; write summary, map and rasters."""
    scenario = load_scenario(
        config or default_config_path(), overrides=scheduler_overrides(scheduler)
    )
    folder = out or scenario.output_dir()
    with claim_output_dir(folder, overwrite=overwrite, inputs=scenario.input_paths()) as target:
        folder, s = run_analysis(scenario, out_dir=target)
    click.echo(
        f"{s['scenario']}: {s['population_total']:,.0f} people, "
        f"{s['coverage_before_pct']:.1f}% covered; outputs: {folder}"
    )
