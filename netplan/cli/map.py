"""``netplan map``: render a finished run's map, reports and exports again, without solving."""

from __future__ import annotations

from pathlib import Path

import click

from netplan.cli.errors import handle_errors
from netplan.cli.options import lang_option
from netplan.i18n import texts
from netplan.io.run_folder import claim_output_dir
from netplan.runs import rerender_run


@click.command("map")
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False))
@lang_option
@handle_errors
def map_(run_dir: Path, lang: str | None) -> None:
    """Re-render RUN_DIR's map, KML, GeoPackage and CSV (a scenarios folder: its report)
    from the run's files, e.g. in Bahasa Indonesia with --lang id; nothing is solved again."""
    if not run_dir.is_dir():
        raise click.UsageError(f"{run_dir}: no such run folder; give a folder netplan wrote")
    with claim_output_dir(run_dir, overwrite=True) as folder:
        _, written = rerender_run(folder, lang=lang)
    t = texts(lang)
    click.echo(t.format("re-rendered: {files}", files=", ".join(written)))
    click.echo(t.format("outputs: {folder}", folder=run_dir))
