"""Options shared by several commands, spelled and documented once."""

from __future__ import annotations

from pathlib import Path

import click

config_option = click.option(
    "-c",
    "--config",
    "config",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Scenario YAML file (default: the shipped demo, configs/demo.yaml).",
)
out_option = click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Output folder (default: output.dir of the scenario, else outputs/<name>).",
)
overwrite_option = click.option(
    "--overwrite",
    is_flag=True,
    default=False,
    help="Replace the output folder if it exists (atomically, only once the run succeeds).",
)
scheduler_option = click.option(
    "--scheduler",
    "scheduler",
    default=None,
    metavar="ADDRESS",
    help="Dask scheduler (e.g. tcp://10.0.0.5:8786) to compute footprints on; "
    "overrides compute.scheduler.",
)


def scheduler_overrides(scheduler: str | None) -> dict[str, str]:
    """Config overrides for ``--scheduler``."""
    return {"compute.scheduler": scheduler} if scheduler else {}
