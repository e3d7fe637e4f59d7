"""``netplan plan``: the whole pipeline, written to a run folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
from netplan.config import default_config_path, load_scenario
from netplan.evaluate import backhaul_comparison
from netplan.io.run_folder import claim_output_dir
from netplan.runs import decision_cost, run_plan


@click.command()
@config_option
@click.option(
    "--budget", type=float, default=None, help="Budget (scenario currency); overrides objective."
)
@click.option(
    "--target-coverage",
    type=float,
    default=None,
    help="Share of the population to cover (0-1); overrides objective.",
)
@out_option
@click.option("--time-limit", type=float, default=None, help="Solver time limit in seconds.")
@click.option(
    "--decisions",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Reviewer's CSV: id,decision (accept|reject|add)[,lon,lat,technology].",
)
@overwrite_option
@scheduler_option
@handle_errors
def plan(
    config: Path | None,
    budget: float | None,
    target_coverage: float | None,
    out: Path | None,
    time_limit: float | None,
    decisions: Path | None,
    overwrite: bool,
    scheduler: str | None,
) -> None:
    """Choose new sites, backhaul and hotspots; write the plan, map and summary."""
    if budget is not None and target_coverage is not None:
        raise click.UsageError("give --budget or --target-coverage, not both")
    overrides: dict[str, Any] = dict(scheduler_overrides(scheduler))
    if budget is not None:
        overrides["objective.budget"] = budget
    if target_coverage is not None:
        overrides["objective.target_coverage"] = target_coverage
    if time_limit is not None:
        overrides["solver.time_limit_s"] = time_limit
    if decisions is not None:
        overrides["layers.decisions"] = str(decisions.resolve())
    scenario = load_scenario(config or default_config_path(), overrides=overrides)
    folder = out or scenario.output_dir()
    with claim_output_dir(folder, overwrite=overwrite, inputs=scenario.input_paths()) as target:
        folder, summary, result = run_plan(scenario, out_dir=target)
    s = summary
    click.echo(
        f"{s['scenario']}: {s['new_towers']} new towers, {s['new_wifi']} hotspots; coverage "
        f"{s['coverage_before_pct']:.1f}% -> {s['coverage_after_pct']:.1f}% "
        f"(+{s['population_newly_covered']:,.0f} people) for {s['currency']} "
        f"{s['total_cost']:,.0f}; solver {s['solver']['status']}, gap "
        f"{100 * s['solver']['gap']:.2f}%"
    )
    if result.solution.stopped_by_time:
        click.echo(time_stop_note(result.solution.time_stops), err=True)
    joint = backhaul_comparison(result)
    if joint:
        alone = (
            f"{s['currency']} {joint['per_site_cheapest_cost']:,.0f} with each site on its "
            "cheapest own feed"
            if joint["per_site_cheapest_cost"] is not None
            else f"{joint['sites_that_cannot_be_fed_alone']} of these sites could not be fed "
            "on their own"
        )
        click.echo(
            f"backhaul: {s['fiber_km']:.1f} km fiber, {s['microwave_links']} microwave links "
            f"({joint['relayed_sites']} relayed), {s['satellite_links']} satellite; joint design "
            f"{s['currency']} {joint['joint_cost']:,.0f} vs {alone}"
        )
        if s["budget"] is not None:
            click.echo(
                f"joint design: objective {joint['joint_plan_objective']:,.0f} against "
                f"{joint['per_site_plan_objective']:,.0f} for the best plan with per-site "
                "backhaul at the same budget"
            )
    if result.free_objective is not None:
        d = decision_cost(result)
        click.echo(
            f"decisions: {len(d['accepted'])} accepted/added, {len(d['rejected'])} rejected; "
            f"they cost {d['cost_of_decisions']:,.1f} {d['unit']} against the free optimum "
            f"({d['free_objective']:,.1f} -> {d['objective']:,.1f})"
        )
    click.echo(f"outputs: {folder}")
