"""``netplan scenarios``: a budget (or coverage-target) sweep and its comparison report."""

from __future__ import annotations

import math
from pathlib import Path

import click

from netplan.cli.errors import handle_errors
from netplan.cli.options import (
    config_option,
    out_option,
    overwrite_option,
    scheduler_option,
    scheduler_overrides,
    time_stop_note,
)
from netplan.config import Scenario, default_config_path, load_scenario
from netplan.io.outputs import write_csv, write_json
from netplan.io.run_folder import atomic_dir, claim_output_dir
from netplan.scenarios import Sweep, parse_sweep, run_sweep, sweep_html


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


@click.command()
@config_option
@click.option("--budgets", default=None, help="Budgets to compare, e.g. 1e10,2e10,4e10.")
@click.option("--sweep", "sweep_", default=None, help="Budgets FROM:TO:STEPS, e.g. 1e10:5e10:5.")
@click.option("--targets", default=None, help="Coverage targets (shares 0-1), e.g. 0.8,0.9.")
@out_option
@overwrite_option
@scheduler_option
@handle_errors
def scenarios(
    config: Path | None,
    budgets: str | None,
    sweep_: str | None,
    targets: str | None,
    out: Path | None,
    overwrite: bool,
    scheduler: str | None,
) -> None:
    """Plan several budgets (or targets) and write scenarios.csv and scenarios.html."""
    given = [v for v in (budgets, sweep_, targets) if v]
    if len(given) != 1:
        raise click.UsageError("give exactly one of --budgets, --sweep or --targets")
    budget_list = target_list = None
    if budgets:
        budget_list = _numbers(budgets, "--budgets")
    elif sweep_:
        try:
            budget_list = parse_sweep(sweep_)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
    else:
        target_list = _numbers(targets or "", "--targets")
        if any(not 0 < t <= 1 for t in target_list):
            raise click.UsageError("--targets are shares of the population, between 0 and 1")
    if budget_list is not None and any(b < 0 for b in budget_list):
        raise click.UsageError("budgets must not be negative")
    scenario = load_scenario(
        config or default_config_path(), overrides=scheduler_overrides(scheduler)
    )
    folder = out or scenario.output_dir().with_name(f"{scenario.name}-scenarios")
    with claim_output_dir(folder, overwrite=overwrite, inputs=scenario.input_paths()):
        sweep = run_sweep(scenario, budgets=budget_list, targets=target_list)
        _write_sweep(folder, sweep, scenario)
    for row, planned in zip(sweep.table.to_dict("records"), sweep.plans, strict=True):
        label = row["budget"] if row["budget"] is not None else row["target_coverage"]
        click.echo(
            f"{label:>12,.6g}: coverage {row['coverage_after_pct']:.1f}% for "
            f"{scenario.currency} {row['total_cost']:,.0f} ({row['new_towers']} towers, "
            f"{row['villages_newly_covered']} villages newly covered)"
        )
        if planned.solution.stopped_by_time:
            click.echo(f"{label:,.6g}: {time_stop_note(planned.solution.time_stops)}", err=True)
        elif not row["reproducible"]:
            click.echo(
                f"{label:,.6g}: note: starts from the plan of a smaller budget that the time "
                "limit stopped; another run may return another plan",
                err=True,
            )
    click.echo(f"outputs: {folder}")


def _write_sweep(folder: Path, sweep: Sweep, scenario: Scenario) -> None:
    """scenarios.csv, scenarios.html and scenarios.json, written atomically."""
    with atomic_dir(folder) as tmp:
        write_csv(tmp / "scenarios.csv", sweep.table)
        (tmp / "scenarios.html").write_text(
            sweep_html(sweep, title=scenario.name, currency=scenario.currency), encoding="utf-8"
        )
        write_json(
            tmp / "scenarios.json",
            {"scenario": scenario.name, "rows": sweep.table.to_dict("records")},
        )
