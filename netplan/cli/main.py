"""The ``netplan`` command group: logging set once here, one module per command."""

from __future__ import annotations

import logging
import sys

import click

from netplan import __version__, progress
from netplan.cli.analyze import analyze
from netplan.cli.errors import watch_interrupts
from netplan.cli.explain import explain
from netplan.cli.map import map_
from netplan.cli.plan import plan
from netplan.cli.scenarios import scenarios
from netplan.cli.validate import validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="netplan")
@click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors on stderr.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Plan how to close mobile-internet blank spots."""
    watch_interrupts()
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    level = logging.WARNING if quiet else logging.DEBUG if verbose > 1 else logging.INFO
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname).1s %(message)s", "%H:%M:%S"))
    root = logging.getLogger("netplan")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # bars only for a person watching: not with -q, not into a pipe or a log file
    progress.configure(not quiet and sys.stderr.isatty())


cli.add_command(plan)
cli.add_command(analyze)
cli.add_command(validate)
cli.add_command(scenarios)
cli.add_command(explain)
cli.add_command(map_)


if __name__ == "__main__":  # pragma: no cover - python -m netplan.cli.main
    cli()
