"""Options shared by several commands, spelled and documented once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from netplan.config import Scenario
from netplan.io.run_folder import claim_output_dir

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


def input_paths(scenario: Scenario) -> dict[str, Path]:
    """Every file the scenario reads, by key: an output folder must never hold one."""
    paths = {"scenario file": scenario.source, "region.boundaries": scenario.region.boundaries}
    paths.update({f"layers.{k}": v for k, v in scenario.layers.model_dump().items()})
    return {key: Path(p) for key, p in paths.items() if p is not None}


@contextmanager
def claimed_output(folder: Path, scenario: Scenario, *, overwrite: bool) -> Iterator[Path]:
    """The output folder, checked and locked for this run before any work (see
    :func:`netplan.io.run_folder.claim_output_dir`)."""
    with claim_output_dir(folder, overwrite=overwrite, inputs=input_paths(scenario)) as target:
        yield target
