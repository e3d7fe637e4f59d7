"""``netplan scenarios``: a budget (or coverage-target) sweep and its comparison report."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

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
    time_stop_note,
)
from netplan.config import Scenario, default_config_path, load_scenario
from netplan.i18n import Texts, texts
from netplan.io.outputs import write_csv, write_json
from netplan.io.run_folder import atomic_dir, claim_output_dir
from netplan.report.scenarios_report import pdf_status, write_scenarios_report
from netplan.scenarios import Sweep, parse_sweep, run_sweep


def _numbers(text: str, option: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise click.UsageError(f"{option} takes numbers separated by commas: {text!r}") from exc
    if not all(math.isfinite(v) for v in values):
        raise click.UsageError(f"{option} takes finite numbers: {text!r}")
    if not values:
        raise click.UsageError(f"{option} needs at least one value")
    return values


def _values(
    budgets: str | None, sweep_: str | None, targets: str | None
) -> tuple[list[float] | None, list[float] | None]:
    """(budgets, targets) from the options; exactly one of them is given."""
    given = [v for v in (budgets, sweep_, targets) if v]
    if len(given) != 1:
        raise click.UsageError("give exactly one of --budgets, --sweep or --targets")
    if targets:
        target_list = _numbers(targets, "--targets")
        if any(not 0 < t <= 1 for t in target_list):
            raise click.UsageError("--targets are shares of the population, between 0 and 1")
        return None, target_list
    if budgets:
        budget_list = _numbers(budgets, "--budgets")
    else:
        try:
            budget_list = parse_sweep(sweep_ or "")
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
    if any(b < 0 for b in budget_list):
        raise click.UsageError("budgets must not be negative")
    return budget_list, None


@click.command()
@config_option
@click.option("--budgets", default=None, help="Budgets to compare, e.g. 1e10,2e10,4e10.")
@click.option("--sweep", "sweep_", default=None, help="Budgets FROM:TO:STEPS, e.g. 1e10:5e10:5.")
@click.option("--targets", default=None, help="Coverage targets (shares 0-1), e.g. 0.8,0.9.")
@click.option(
    "--nested",
    is_flag=True,
    default=False,
    help="Make each plan keep the previous (smaller) plan's sites, so the plans are rollout "
    "phases; the free plans are solved too, to report what nesting costs.",
)
@lang_option
@out_option
@overwrite_option
@scheduler_option
@handle_errors
def scenarios(
    config: Path | None,
    budgets: str | None,
    sweep_: str | None,
    targets: str | None,
    nested: bool,
    lang: str | None,
    out: Path | None,
    overwrite: bool,
    scheduler: str | None,
) -> None:
    """Plan several budgets (or targets) and write scenarios.csv, .json, .html, .pdf and
    .xlsx."""
    budget_list, target_list = _values(budgets, sweep_, targets)
    scenario = load_scenario(
        config or default_config_path(),
        overrides={**scheduler_overrides(scheduler), **lang_overrides(lang)},
    )
    language = scenario.output.lang
    progress.set_language(language)
    folder = out or scenario.output_dir().with_name(f"{scenario.name}-scenarios")
    with claim_output_dir(folder, overwrite=overwrite, inputs=scenario.input_paths()):
        sweep = run_sweep(
            scenario, budgets=budget_list, targets=target_list, nested=nested, out_dir=folder
        )
        _write_sweep(folder, sweep, language)
    _echo_summary(sweep, scenario, texts(language))
    click.echo(texts(language).format("outputs: {folder}", folder=folder))


def _echo_summary(sweep: Sweep, scenario: Scenario, t: Texts) -> None:
    """One line per scenario on stdout; notes on reproducibility on stderr."""
    record = sweep.record
    for entry, solution in zip(record["scenarios"], sweep.solutions, strict=True):
        label = _label(entry, scenario.currency, t)
        click.echo(
            t.format(
                "{scenario}: coverage {coverage} for {cost} ({towers}, {villages})",
                scenario=label,
                coverage=t.percent(entry["coverage_after_pct"]),
                cost=t.money(entry["total_cost"], scenario.currency),
                towers=_count(t, "{n} new tower", "{n} new towers", entry["new_towers"]),
                villages=_count(
                    t,
                    "{n} village gaining signal",
                    "{n} villages gaining signal",
                    entry["villages_gaining_signal"],
                ),
            )
        )
        value = entry["budget"] if entry["budget"] is not None else entry["target_coverage"]
        if solution.stopped_by_time:
            click.echo(f"{value:,.6g}: {time_stop_note(solution.time_stops, t)}", err=True)
        elif not entry["reproducible"]:
            note = t.gettext(
                "note: starts from (or keeps) the plan of a smaller scenario that the time "
                "limit stopped; another run may return another plan"
            )
            click.echo(f"{value:,.6g}: {note}", err=True)
    nesting = record["nesting"]
    if not nesting["plans_nested"]:
        click.echo(
            t.gettext(
                "note: the plans are not nested (a larger budget drops sites of a smaller one); "
                "--nested makes them rollout phases"
            ),
            err=True,
        )


def _count(t: Texts, singular: str, plural: str, n: int | None) -> str:
    """``3 new towers``; n/a when the figure is missing."""
    if n is None:
        return t.ngettext(singular, plural, 2).format(n=t.missing)
    return t.ngettext(singular, plural, n).format(n=t.number(n))


def _label(entry: dict[str, Any], currency: str, t: Texts) -> str:
    if entry["budget"] is not None:
        return t.money(entry["budget"], currency)
    return t.percent(100 * entry["target_coverage"])


def _write_sweep(folder: Path, sweep: Sweep, lang: str) -> None:
    """scenarios.csv, .json, .html, .pdf (when a PDF engine is there) and .xlsx, written
    atomically."""
    with atomic_dir(folder) as tmp:
        write_csv(tmp / "scenarios.csv", sweep.table)
        written = write_scenarios_report(tmp, sweep.record, lang)
        record = {**sweep.record, "lang": lang, "pdf": pdf_status(written)}
        write_json(tmp / "scenarios.json", record)
