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
    """A self-contained page: the cost-coverage curve (inline SVG), the table, the changes."""
    t = sweep.table
    x = t["total_cost"].to_numpy(dtype=float)
    y = t["coverage_after_pct"].to_numpy(dtype=float)
    w, h, pad = 640, 320, 50
    x_hi = max(float(x.max()) if x.size else 1.0, 1.0)
    y_lo = float(t["coverage_before_pct"].min()) if len(t) else 0.0
    y_hi = max(float(y.max()) if y.size else 100.0, y_lo + 1.0)

    def px(v: float) -> float:
        return pad + (w - 2 * pad) * v / x_hi

    def py(v: float) -> float:
        return h - pad - (h - 2 * pad) * (v - y_lo) / (y_hi - y_lo)

    points = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(x, y, strict=True))
    dots = "".join(
        f'<circle cx="{px(a):.1f}" cy="{py(b):.1f}" r="4"><title>{currency} {a:,.0f}: '
        f"{b:.1f}%</title></circle>"
        for a, b in zip(x, y, strict=True)
    )
    svg = (
        f'<svg width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg" '
        'style="font:12px sans-serif">'
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#333"/>'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="#333"/>'
        f'<text x="{w / 2}" y="{h - 12}" text-anchor="middle">total cost ({currency})</text>'
        f'<text x="14" y="{h / 2}" transform="rotate(-90 14 {h / 2})" text-anchor="middle">'
        "coverage after (%)</text>"
        f'<text x="{pad}" y="{h - pad + 16}">0</text>'
        f'<text x="{w - pad}" y="{h - pad + 16}" text-anchor="end">{x_hi:,.3g}</text>'
        f'<text x="{pad - 4}" y="{py(y_lo)}" text-anchor="end">{y_lo:.0f}</text>'
        f'<text x="{pad - 4}" y="{py(y_hi) + 4}" text-anchor="end">{y_hi:.0f}</text>'
        f'<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="{points}"/>'
        f'<g fill="#1f77b4">{dots}</g></svg>'
    )
    table = t.to_html(index=False, na_rep="", float_format=lambda v: f"{v:,.2f}", border=0)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{title}: scenarios</title><style>body{{font:14px sans-serif;margin:24px}}"
        "table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #ddd;"
        "text-align:right}</style></head><body>"
        f"<h1>{title}: budget scenarios</h1><h2>Cost and coverage</h2>{svg}"
        f"<h2>Figures per scenario</h2>{table}"
        "<p>Sites added and dropped are relative to the previous (smaller) scenario. Regional "
        "fairness: the lowest regency coverage and the Gini coefficient of coverage across "
        "regencies (0 = equal).</p></body></html>"
    )
