"""``netplan plan``: the whole pipeline, written to a run folder."""

from __future__ import annotations

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
from netplan.config import default_config_path, load_scenario
from netplan.evaluate import backhaul_comparison
from netplan.i18n import Texts, texts
from netplan.io.run_folder import claim_output_dir
from netplan.plan_folder import decision_cost
from netplan.runs import run_plan


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
@click.option(
    "--resume",
    is_flag=True,
    default=False,
    help="Tiled (national) scenario: reuse the tiles a failed or interrupted run finished.",
)
@lang_option
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
    resume: bool,
    lang: str | None,
) -> None:
    """Choose new sites, backhaul and hotspots; write the plan, map and summary."""
    if budget is not None and target_coverage is not None:
        raise click.UsageError("give --budget or --target-coverage, not both")
    overrides: dict[str, Any] = {**scheduler_overrides(scheduler), **lang_overrides(lang)}
    if budget is not None:
        overrides["objective.budget"] = budget
    if target_coverage is not None:
        overrides["objective.target_coverage"] = target_coverage
    if time_limit is not None:
        overrides["solver.time_limit_s"] = time_limit
    if decisions is not None:
        overrides["layers.decisions"] = str(decisions.resolve())
    scenario = load_scenario(config or default_config_path(), overrides=overrides)
    progress.set_language(scenario.output.lang)
    folder = out or scenario.output_dir()
    if resume and scenario.region.tiles is None:
        raise click.UsageError("--resume reuses the tiles of a tiled scenario (region.tiles)")
    with claim_output_dir(folder, overwrite=overwrite, inputs=scenario.input_paths()) as target:
        folder, summary, result = run_plan(scenario, out_dir=target, resume=resume)
    t = texts(scenario.output.lang)
    click.echo(summary_line(summary, t))
    stops = summary["solver"].get("stages_stopped_by_time") or (
        list(result.solution.time_stops) if result is not None else []
    )
    if stops:
        click.echo(time_stop_note(tuple(stops), t), err=True)
    if result is None:
        click.echo(t.format("outputs: {folder}", folder=folder))
        return
    joint = backhaul_comparison(result)
    if joint:
        click.echo(backhaul_line(summary, joint, t))
    if result.free_objective is not None:
        d = decision_cost(result)
        click.echo(
            t.format(
                "decisions: {accepted} accepted/added, {rejected} rejected; they cost {cost} "
                "{unit} against the free optimum ({free} -> {objective})",
                accepted=len(d["accepted"]),
                rejected=len(d["rejected"]),
                cost=t.number(d["cost_of_decisions"], 1),
                unit=t.gettext(str(d["unit"])),
                free=t.number(d["free_objective"], 1),
                objective=t.number(d["objective"], 1),
            )
        )
    click.echo(t.format("outputs: {folder}", folder=folder))


def summary_line(s: dict[str, Any], t: Texts) -> str:
    """The plan in one line: sites, coverage before and after, people, cost, solver gap."""
    return t.format(
        "{scenario}: {towers}, {hotspots}; coverage {before} -> {after} (+{people}) for "
        "{cost}; solver {status}, gap {gap}",
        scenario=s["scenario"],
        towers=t.ngettext("{n} new tower", "{n} new towers", s["new_towers"]).format(
            n=s["new_towers"]
        ),
        hotspots=t.ngettext("{n} hotspot", "{n} hotspots", s["new_wifi"]).format(n=s["new_wifi"]),
        before=t.percent(s["coverage_before_pct"]),
        after=t.percent(s["coverage_after_pct"]),
        people=t.people(s["population_newly_covered"]),
        cost=t.money(s["total_cost"], s["currency"]),
        status=t.gettext(str(s["solver"]["status"])),
        gap=t.percent(100 * s["solver"]["gap"], 2),
    )


def backhaul_line(s: dict[str, Any], joint: dict[str, Any], t: Texts) -> str:
    """The backhaul network in one line, against each site on its cheapest own feed."""
    if joint["per_site_cheapest_cost"] is not None:
        alone = t.format(
            "{cost} with each site on its cheapest own feed",
            cost=t.money(joint["per_site_cheapest_cost"], s["currency"]),
        )
    else:
        alone = t.format(
            "{n} of these sites could not be fed on their own",
            n=joint["sites_that_cannot_be_fed_alone"],
        )
    return t.format(
        "backhaul: {fiber} fiber, {microwave} microwave links ({relayed} relayed), "
        "{satellite} satellite; joint design {cost} vs {alone}",
        fiber=t.km(s["fiber_km"]),
        microwave=s["microwave_links"],
        relayed=joint["relayed_sites"],
        satellite=s["satellite_links"],
        cost=t.money(joint["joint_cost"], s["currency"]),
        alone=alone,
    )
