"""Options shared by several commands, spelled and documented once, and the notes they
print alike."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from netplan.i18n import LANGUAGES, Texts

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


def time_stop_note(stages: Sequence[str], t: Texts) -> str:
    """One line naming the stages the time limit stopped: their plan may differ next run."""
    return t.format(
        "note: the time limit stopped the solver in {stages}; another run may return another "
        "plan (raise solver.time_limit_s, or lower solver.node_limit, lp_iteration_limit or "
        "search_rounds, for a reproducible stop)",
        stages=", ".join(stages),
    )


lang_option = click.option(
    "--lang",
    "lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of the map, reports and summary: en (default) or id (Bahasa Indonesia); "
    "overrides output.lang.",
)


def lang_overrides(lang: str | None) -> dict[str, str]:
    """Config overrides for ``--lang``."""
    return {"output.lang": lang} if lang else {}
