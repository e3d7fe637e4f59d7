"""``netplan explain RUN_DIR ID``: why a site was chosen, or how a dark village could be reached."""

from __future__ import annotations

from pathlib import Path

import click

from netplan.cli.errors import handle_errors
from netplan.errors import InputError
from netplan.io.runs import read_features

_MONEY = (
    "capex",
    "opex_per_year",
    "total_cost",
    "backhaul_cost",
    "all_in_cost",
    "cost_per_person",
    "cheapest_cost",
)


def _fmt(key: str, value: object) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool) and key in _MONEY:
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


@click.command()
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False))
@click.argument("item_id")
@handle_errors
def explain(run_dir: Path, item_id: str) -> None:
    """Explain site (or village) ITEM_ID of the plan in RUN_DIR."""
    if not (run_dir / "summary.json").is_file():
        raise InputError(f"{run_dir}: not a netplan run folder (no summary.json)")
    for name, what in (("plan.geojson", "site"), ("villages.geojson", "village")):
        for props in read_features(run_dir, name):
            if str(props.get("id")) == item_id:
                click.echo(f"{what} {item_id}")
                if what == "site":
                    click.echo(props.get("reason", ""))
                    keys = [
                        "kind",
                        "technology",
                        "backhaul",
                        "backhaul_to",
                        "capex",
                        "opex_per_year",
                        "total_cost",
                        "backhaul_cost",
                        "all_in_cost",
                        "people_newly_covered",
                        "people_only_here",
                        "cost_per_person",
                        "relays_to",
                        "region",
                        "blank_spot",
                    ]
                else:
                    keys = [
                        "name",
                        "signal_before",
                        "signal_after",
                        "how_to_reach",
                        "cheapest_cost",
                    ]
                for key in keys:
                    if props.get(key) not in (None, ""):
                        click.echo(f"  {key}: {_fmt(key, props[key])}")
                return
    known = [str(p.get("id")) for p in read_features(run_dir, "plan.geojson")]
    raise InputError(
        f"{run_dir}: no site or village {item_id!r} in this run; its sites are "
        f"{', '.join(known[:12]) or 'none'}"
    )
