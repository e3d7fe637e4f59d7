"""``netplan validate``: check the scenario and every input, print all findings."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from netplan.cli.errors import handle_errors
from netplan.cli.options import config_option
from netplan.config import default_config_path
from netplan.validate import validate_scenario


@click.command()
@config_option
@handle_errors
def validate(config: Path | None) -> None:
    """Check every input; exit 2 when any problem is found."""
    report = validate_scenario(config or default_config_path())
    for line in report.facts:
        click.echo(f"ok: {line}")
    for line in report.problems:
        click.echo(f"problem: {line}", err=True)
    if report.problems:
        click.echo(f"{len(report.problems)} problem(s) found", err=True)
        sys.exit(2)
    click.echo("no problems found")
