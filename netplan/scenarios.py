"""Budget (or target) sweeps: one analysis and one set of footprints, many plans.

Each scenario re-solves the same problem with another budget, starting from the previous
(smaller budget) plan, so coverage never falls as the budget rises. The table holds what a
ministry compares: cost, coverage, people and villages newly covered, cost per person,
regional fairness, and which sites each step adds or drops.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from netplan.config import Scenario
from netplan.evaluate import plan_tables
from netplan.optimize.problem import Design
from netplan.pipeline import PlanResult, Timings, analyze, build_options, build_problem, solve_plan
from netplan.report.templating import render

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sweep:
    """The scenarios' table (one row per budget or target) and each scenario's plan."""

    table: pd.DataFrame
    plans: list[PlanResult]


def parse_sweep(text: str) -> list[float]:
    """``FROM:TO:STEPS`` → STEPS evenly spaced values from FROM to TO."""
    try:
        start, stop, steps = text.split(":")
        count = int(steps)
        values = np.linspace(float(start), float(stop), count)
    except ValueError as exc:
        raise ValueError(f"--sweep takes FROM:TO:STEPS, e.g. 1e10:5e10:5 (got {text!r})") from exc
    if count < 1:
        raise ValueError(f"--sweep needs at least one step (got {text!r})")
    if not np.isfinite(values).all():
        raise ValueError(f"--sweep takes finite budgets (got {text!r})")
    return [float(v) for v in values]


def run_sweep(
    scenario: Scenario, *, budgets: list[float] | None = None, targets: list[float] | None = None
) -> Sweep:
    """Plan every budget (ascending) or coverage target, reusing coverage and footprints."""
    if (budgets is None) == (targets is None):
        raise ValueError("give budgets or targets")
    analysis = analyze(scenario, timings=Timings())
    options = build_options(analysis)
    base = build_problem(analysis, options)
    pop = analysis.layers.population
    total = float(pop.sum(dtype=np.float64))
    before = float(pop[analysis.coverage_before.covered].sum(dtype=np.float64))
    plans: list[PlanResult] = []
    rows: list[dict[str, Any]] = []
    warm: Design | None = None
    previous: set[str] = set()
    clock_stopped_before = False  # a budget's plan starts from the previous budget's plan
    values = sorted(budgets) if budgets is not None else sorted(targets or [])
    for value in values:
        if budgets is not None:
            problem = replace(base, budget=value, target=None)
        else:
            problem = replace(base, budget=None, target=max(0.0, value * total - before))
        result = solve_plan(analysis, options, problem, warm=warm)
        if budgets is not None:
            warm = result.solution.design  # feasible at every larger budget
        tables = plan_tables(result)
        s = tables.summary
        stops = result.solution.time_stops
        reproducible = not stops and not clock_stopped_before
        if budgets is not None:
            clock_stopped_before = not reproducible
        ids = set(tables.sites["id"]) | set(tables.hotspots["id"])
        fair = s["fairness"]
        villages = s.get("villages_with_signal_after")
        unconnected = s["unconnected_households_newly_covered"]
        rows.append(
            {
                "budget": value if budgets is not None else None,
                "target_coverage": value if targets is not None else None,
                "total_cost": s["total_cost"],
                "coverage_before_pct": s["coverage_before_pct"],
                "coverage_after_pct": s["coverage_after_pct"],
                "population_newly_covered": s["population_newly_covered"],
                "population_wifi_reach": s["population_wifi_reach"],
                "households_newly_covered": s["households_newly_covered"],
                "unconnected_households_newly_covered": unconnected,
                "villages_with_signal_after": villages,
                "villages_newly_covered": (
                    villages - s["villages_with_signal_before"] if villages is not None else None
                ),
                "cost_per_new_person": s["cost_per_new_person"],
                "cost_per_unconnected_household": (
                    round(s["total_cost"] / unconnected) if unconnected > 0 else None
                ),
                "new_towers": s["new_towers"],
                "new_wifi": s["new_wifi"],
                "min_region_coverage_pct": fair.get("min_region_coverage_after_pct"),
                "gini_region_coverage": fair.get("gini_after"),
                "solver_status": s["solver"]["status"],
                "solver_gap": s["solver"]["gap"],
                # false when the time limit stopped this budget's search, or a smaller
                # budget's whose plan this one started from
                "reproducible": reproducible,
                "stages_stopped_by_time": "; ".join(stops),
                "sites_added": " ".join(sorted(ids - previous)),
                "sites_dropped": " ".join(sorted(previous - ids)),
            }
        )
        previous = ids
        plans.append(result)
        logger.info(
            "scenario %s: %.1f%% coverage for %s %.0f",
            value,
            s["coverage_after_pct"],
            scenario.currency,
            s["total_cost"],
        )
    return Sweep(pd.DataFrame(rows), plans)


def sweep_html(sweep: Sweep, *, title: str, currency: str) -> str:
    """A self-contained page: the cost-coverage curve (inline SVG), the table, the changes.

    Rendered from a template with autoescaping: the title, the currency and the site ids in
    the table reach the page as text, never as markup.
    """
    table = sweep.table
    return str(
        render(
            "scenarios.html",
            title=title,
            currency=currency,
            chart=_cost_coverage_chart(table),
            columns=[str(c) for c in table.columns],
            rows=[[_table_cell(v) for v in row] for row in table.itertuples(index=False)],
        )
    )


def _table_cell(value: Any) -> str:
    """A figure as the page shows it: thousands separators, two decimals, blank if missing."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return str(value)
    if isinstance(value, float | np.floating):
        return f"{value:,.2f}"
    if isinstance(value, int | np.integer):
        return f"{value:,}"
    return str(value)


def _cost_coverage_chart(table: pd.DataFrame) -> dict[str, Any]:
    """Positions (in SVG pixels) and labels of the cost-coverage curve."""
    x = table["total_cost"].to_numpy(dtype=float)
    y = table["coverage_after_pct"].to_numpy(dtype=float)
    width, height, pad = 640, 320, 50
    x_hi = max(float(x.max()) if x.size else 1.0, 1.0)
    y_lo = float(table["coverage_before_pct"].min()) if len(table) else 0.0
    y_hi = max(float(y.max()) if y.size else 100.0, y_lo + 1.0)

    def px(v: float) -> float:
        return round(pad + (width - 2 * pad) * v / x_hi, 1)

    def py(v: float) -> float:
        return round(height - pad - (height - 2 * pad) * (v - y_lo) / (y_hi - y_lo), 1)

    pairs = list(zip(x.tolist(), y.tolist(), strict=True))
    return {
        "width": width,
        "height": height,
        "left": pad,
        "right": width - pad,
        "top": pad,
        "bottom": height - pad,
        "x_max": f"{x_hi:,.3g}",
        "y_lo": f"{y_lo:.0f}",
        "y_lo_at": py(y_lo),
        "y_hi": f"{y_hi:.0f}",
        "y_hi_at": py(y_hi),
        "points": " ".join(f"{px(a)},{py(b)}" for a, b in pairs),
        "dots": [
            {"x": px(a), "y": py(b), "cost": f"{a:,.0f}", "coverage": f"{b:.1f}"} for a, b in pairs
        ],
    }
