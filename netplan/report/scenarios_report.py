"""The scenarios report a ministry reads and prints: HTML, PDF and xlsx from one record.

Everything here works from the sweep's record (``scenarios.json``, see
:mod:`netplan.scenarios`), never from the plans themselves, so a finished folder can be
rendered again in another language without solving (:func:`read_scenarios`, then
:func:`write_scenarios_report`).

- ``scenarios.html``: one offline page. A summary table with human labels and units (one
  row per budget), what each certified gap means, whether the plans are nested (and with
  ``--nested`` what that cost), charts as inline SVG (coverage against budget, marginal cost
  per person, coverage per regency), the fairness story across regencies and a per-regency
  table. A print stylesheet lays it out on A4 landscape.
- ``scenarios.pdf``: the same page printed by WeasyPrint, else by headless Chromium; skipped
  with a warning when neither is there.
- ``scenarios.xlsx``: the summary and per-regency tables as numbers (number formats, not
  text), labels in the report's language; byte-identical for the same record.
"""

from __future__ import annotations

import io
import json
import logging
import math
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from netplan.errors import InputError
from netplan.i18n import Texts, texts
from netplan.io.outputs import gpkg_timestamp
from netplan.io.xml_text import xml_text
from netplan.report import charts
from netplan.report.templating import render

logger = logging.getLogger(__name__)

HTML_NAME, PDF_NAME, XLSX_NAME, JSON_NAME = (
    "scenarios.html",
    "scenarios.pdf",
    "scenarios.xlsx",
    "scenarios.json",
)
#: how to get the PDF when neither WeasyPrint nor Chromium could print it
PDF_HOWTO = (
    "scenarios.pdf was not written: install WeasyPrint with its Pango library (Debian: "
    "apt-get install libpango-1.0-0 libpangoft2-1.0-0) or Chromium, then run "
    "`netplan map FOLDER` to render the report again, or print scenarios.html to PDF from a "
    "browser (A4 landscape)"
)
#: keys every scenario of the record must hold for the report
_SCENARIO_KEYS = (
    "total_cost",
    "population_newly_covered",
    "coverage_after_pct",
    "cost_per_new_person",
    "marginal_cost_per_new_person",
    "solver",
    "reproducible",
    "regions",
    "fairness",
)


# --- reading the record ------------------------------------------------------------------


def read_scenarios(folder: Path) -> dict[str, Any]:
    """The record of a finished sweep (``FOLDER/scenarios.json``).

    Raises
    ------
    InputError
        When the file is missing, is not JSON, or lacks what the report shows (written by
        an older netplan, or damaged).
    """
    path = Path(folder) / JSON_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(
            f"{path}: no such file; is {folder} a folder `netplan scenarios` wrote?"
        ) from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path}: cannot be read as JSON ({exc}); run the sweep again") from exc
    problem = _record_problem(data)
    if problem is not None:
        raise InputError(
            f"{path}: {problem}; it was written by an older netplan or is damaged: run "
            "`netplan scenarios` again to write it"
        )
    return dict(data)


def _gap_percent(entry: Mapping[str, Any]) -> float | None:
    """The certified gap in percent, None when the solver proved no bound (saved as null)."""
    gap = entry["solver"].get("gap")
    return 100 * float(gap) if isinstance(gap, int | float) else None


#: figures every scenario has, as finite numbers (a chart or a table cell is drawn from each)
_FIGURES = ("total_cost", "population_newly_covered", "coverage_after_pct")


def _record_problem(data: Any) -> str | None:
    """What keeps ``data`` from being rendered, or None."""
    if not isinstance(data, dict):
        return "not a JSON object"
    for key in ("scenario", "currency", "mode", "objective", "nesting", "scenarios"):
        if key not in data:
            return f"no {key!r} entry"
    if data["mode"] not in ("budget", "target"):
        return f"unknown mode {data['mode']!r}"
    for key in ("objective", "nesting"):
        if not isinstance(data[key], dict):
            return f"{key!r} is not an object"
    if not isinstance(data["scenarios"], list) or not data["scenarios"]:
        return "no scenarios"
    for i, entry in enumerate(data["scenarios"]):
        if not isinstance(entry, dict):
            return f"scenario {i + 1} is not an object"
        missing = [k for k in _SCENARIO_KEYS if k not in entry]
        if missing:
            return f"scenario {i + 1} has no {', '.join(missing)}"
        if not isinstance(entry["regions"], list) or not isinstance(entry["solver"], dict):
            return f"scenario {i + 1}: regions is not a list or solver not an object"
        value = entry.get("budget" if data["mode"] == "budget" else "target_coverage")
        if not isinstance(value, int | float):
            return f"scenario {i + 1} has no {data['mode']}"
        bad = [k for k in _FIGURES if not _finite_number(entry[k])]
        if bad:
            return f"scenario {i + 1}: {', '.join(bad)} is not a number"
    return None


def _finite_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# --- numbers and labels in the report's language ------------------------------------------


@dataclass
class _Notes:
    """Footnotes, numbered in the order they are first used."""

    texts: list[str] = field(default_factory=list)

    def mark(self, text: str) -> str:
        if text not in self.texts:
            self.texts.append(text)
        return str(self.texts.index(text) + 1)


@dataclass(frozen=True)
class Cell:
    """A table cell: the figure as written, and its footnote's number (or "")."""

    text: str
    note: str = ""
    numeric: bool = True


@dataclass
class _Words:
    """The report's language: labels, and figures written for the reader."""

    t: Texts
    currency: str
    mode: str
    notes: _Notes = field(default_factory=_Notes)

    def _(self, message: str, **values: Any) -> str:
        return self.t.format(message, **values) if values else self.t.gettext(message)

    def money(self, value: Any) -> str:
        return self.t.money(value, self.currency)

    def whole(self, value: Any) -> str:
        return self.t.number(value, 0)

    def scenario(self, entry: Mapping[str, Any]) -> str:
        """A scenario's name: its budget, or its coverage target."""
        if self.mode == "budget":
            return self.money(entry["budget"])
        return self.t.percent(100 * float(entry["target_coverage"]), 1)

    def cell(self, value: Any, write: Callable[[Any], str], missing_note: str) -> Cell:
        """``value`` written, or n/a with a footnote saying why."""
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return Cell(self.t.missing, self.notes.mark(missing_note))
        return Cell(write(value))


# --- the page -------------------------------------------------------------------------------


def scenarios_html(data: Mapping[str, Any], lang: str | None = None) -> str:
    """The report as one self-contained HTML page in ``lang`` (English by default)."""
    w = _Words(texts(lang), str(data["currency"]), str(data["mode"]))
    entries = list(data["scenarios"])
    summary = _summary_table(w, entries, data)
    context = {
        "title": _title(w, data),
        "facts": _facts(w, data),
        "summary": summary,
        "gap_lines": [
            (w.scenario(e), w.t.percent(_gap_percent(e), 2), _gap_line(w, e, data)) for e in entries
        ],
        "nesting": _nesting_view(w, data),
        "phases": _phases_table(w, entries),
        "coverage_chart": _coverage_chart(w, entries, data),
        "marginal_chart": _marginal_chart(w, entries),
        "fairness": _fairness_view(w, entries),
        "regions": _regions_view(w, entries),
        "regions_chart": _regions_chart(w, entries),
        "provinces": _provinces_table(w, entries),
        "notes": list(enumerate(w.notes.texts, start=1)),
    }
    return str(render("scenarios.html", lang=w.t.lang, **context))


def _title(w: _Words, data: Mapping[str, Any]) -> str:
    if w.mode == "budget":
        return w._("{scenario}: budget scenarios", scenario=data["scenario"])
    return w._("{scenario}: coverage-target scenarios", scenario=data["scenario"])


def _facts(w: _Words, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The scenario's figures before any plan."""
    facts = [
        (w._("Currency"), str(data["currency"])),
        (w._("Population"), w.whole(data.get("population_total"))),
        (w._("Coverage before the plans"), w.t.percent(data.get("coverage_before_pct"))),
    ]
    if data.get("villages_total") is not None:
        facts.append(
            (
                w._("Villages with signal before the plans"),
                w._(
                    "{count} of {total}",
                    count=w.whole(data.get("villages_with_signal_before")),
                    total=w.whole(data["villages_total"]),
                ),
            )
        )
    nesting = data["nesting"]
    nested = w._("yes") if nesting.get("plans_nested") else w._("no")
    facts.append((w._("Plans nested (rollout phases)"), nested))
    return facts


@dataclass(frozen=True)
class Table:
    """A table as the template draws it."""

    headers: list[str]
    rows: list[list[Cell]]
    caption: str = ""


def _summary_table(
    w: _Words, entries: Sequence[Mapping[str, Any]], data: Mapping[str, Any]
) -> Table:
    first = w._("Budget") if w.mode == "budget" else w._("Coverage target")
    headers = [
        first,
        w._("Total cost"),
        w._("People newly covered"),
        w._("Coverage after"),
        w._("Villages gaining signal"),
        w._("New towers"),
        w._("Public WiFi points"),
        w._("Cost per newly covered person"),
        w._("Marginal cost per newly covered person"),
        w._("Certified gap"),
        w._("Reproducible"),
    ]
    no_villages = w._("the scenario has no village layer (layers.villages)")
    nobody = w._("nobody is newly covered")
    no_more = w._(
        "no more people are newly covered than in the previous scenario, so there is no cost "
        "per extra person"
    )
    no_bound = w._("the solver proved no bound, so the gap is unknown")
    rows = []
    for e in entries:
        gap = e["solver"].get("gap")
        rows.append(
            [
                Cell(w.scenario(e)),
                Cell(w.money(e["total_cost"])),
                Cell(w.whole(e["population_newly_covered"])),
                Cell(w.t.percent(e["coverage_after_pct"])),
                w.cell(e.get("villages_gaining_signal"), w.whole, no_villages),
                Cell(w.whole(e.get("new_towers"))),
                Cell(w.whole(e.get("new_wifi"))),
                w.cell(e["cost_per_new_person"], w.money, nobody),
                w.cell(e["marginal_cost_per_new_person"], w.money, no_more),
                w.cell(gap, lambda g: w.t.percent(100 * float(g), 2), no_bound),
                _reproducible_cell(w, e),
            ]
        )
    return Table(headers, rows)


def _reproducible_cell(w: _Words, entry: Mapping[str, Any]) -> Cell:
    if entry["reproducible"]:
        return Cell(w._("yes"), numeric=False)
    stops = entry.get("stages_stopped_by_time") or []
    why = (
        w._(
            "the time limit stopped the solver (in {stages}); another run may return another "
            "plan. Work limits (solver.node_limit, search_rounds) stop it reproducibly",
            stages=", ".join(map(str, stops)),
        )
        if stops
        else w._(
            "this plan starts from (or keeps) the plan of a smaller scenario that the time "
            "limit stopped; another run may return another plan"
        )
    )
    return Cell(w._("no"), w.notes.mark(why), numeric=False)


# --- what the certified gap means ---------------------------------------------------------

_UNITS = {
    "people": "people",
    "households": "households",
    "unconnected_households": "households without internet",
}


def _gap_line(w: _Words, entry: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    """The best any plan could do (the solver's bound) against this plan; with ``--nested``,
    past the first phase, that bound only covers plans that keep the previous phase's sites."""
    line = _bound_line(w, entry, data)
    if data["nesting"].get("requested") and entry is not data["scenarios"][0]:
        line += " " + w._(
            "This holds among plans that keep the previous phase's sites; the nesting cost "
            "table compares the free plan."
        )
    return line


def _bound_line(w: _Words, entry: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    """One sentence: the best any plan could do (the solver's bound) against this plan."""
    solver = entry["solver"]
    bound, value, gap = solver.get("bound"), solver.get("objective"), solver.get("gap")
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in (bound, value, gap)):
        return w._("The solver proved no bound: how far this plan is from the best is unknown.")
    optimal = float(gap) <= 1e-9
    if w.mode == "target":
        if optimal:
            return w._("Proven optimal: no plan reaching this target costs less.")
        return w._(
            "No plan reaching this target costs less than {bound}; this one costs {value}.",
            bound=w.money(bound),
            value=w.money(value),
        )
    objective = data["objective"]
    if objective.get("maximise") == "villages":
        # the objective is villages plus a tie-break worth less than one village
        count = {
            "bound": w.whole(math.floor(bound + 1e-6)),
            "value": w.whole(math.floor(value + 1e-6)),
        }
        if optimal:
            return w._("Proven optimal: no plan within this budget brings signal to more villages.")
        return w._(
            "No plan within this budget brings signal to more than {bound} villages; this one "
            "brings it to {value}.",
            **count,
        )
    unit = w._(_UNITS.get(str(objective.get("demand_weight")), "people"))
    weights = _objective_weights(w, objective)
    if optimal:
        return w._(
            "Proven optimal: no plan within this budget newly covers more {unit} in blank spots.",
            unit=unit,
        )
    if not weights:
        return w._(
            "No plan within this budget newly covers more than {bound} {unit} in blank spots; "
            "this one covers {value}.",
            bound=w.whole(bound),
            value=w.whole(value),
            unit=unit,
        )
    return w._(
        "No plan within this budget scores more than {bound}; this one scores {value} ({unit} "
        "newly covered in blank spots; {weights}).",
        bound=w.whole(bound),
        value=w.whole(value),
        unit=unit,
        weights="; ".join(weights),
    )


def _objective_weights(w: _Words, objective: Mapping[str, Any]) -> list[str]:
    """How the score weighs what it counts, beyond one per person (or household)."""
    out = []
    wifi = float(objective.get("wifi_weight") or 0.0)
    if wifi > 0:
        out.append(w._("reached only by public WiFi: counted {weight}", weight=w.t.number(wifi, 2)))
    reports = float(objective.get("reports_weight") or 1.0)
    if reports != 1.0:
        out.append(
            w._(
                "in areas citizen reports confirm dark: counted {weight}",
                weight=w.t.number(reports, 2),
            )
        )
    return out


# --- nesting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NestingView:
    headline: str
    lines: list[str]
    cost: Table | None
    warn: bool  #: the plans are not nested


def _dropped_lines(w: _Words, dropped: Iterable[Mapping[str, Any]]) -> list[str]:
    return [
        w._(
            "{scenario} drops {sites} of the previous plan.",
            scenario=w.scenario(d),
            sites=", ".join(map(str, d["sites"])),
        )
        for d in dropped
    ]


def _nesting_view(w: _Words, data: Mapping[str, Any]) -> NestingView:
    """Whether the plans are rollout phases; with --nested, what that cost."""
    nesting = data["nesting"]
    if nesting.get("requested"):
        return _nested_view(w, data)
    if nesting.get("plans_nested"):
        headline = w._(
            "The plans happen to be nested: each plan contains every site of the previous "
            "(smaller) one, so they can serve as rollout phases."
        )
        advice = w._(
            "Each plan was made for its own budget; run netplan scenarios with --nested to "
            "guarantee nesting."
        )
        return NestingView(headline, [advice], None, warn=False)
    headline = w._(
        "The plans are not nested: a larger budget's plan drops sites of a smaller one, so "
        "they cannot be built one after another as rollout phases."
    )
    advice = w._(
        "Each plan is the best found for its own budget. Run netplan scenarios with --nested "
        "for plans that keep the previous plan's sites."
    )
    lines = [*_dropped_lines(w, nesting.get("dropped") or []), advice]
    return NestingView(headline, lines, None, warn=True)


def _nested_view(w: _Words, data: Mapping[str, Any]) -> NestingView:
    nesting = data["nesting"]
    nested = bool(nesting.get("plans_nested"))
    headline = (
        w._(
            "The plans are nested (--nested): each plan keeps every site of the previous "
            "(smaller) plan, so they can be built as rollout phases."
        )
        if nested
        else w._("The plans were asked to be nested, but some are not:")
    )
    lines = [] if nested else _dropped_lines(w, nesting.get("dropped") or [])
    lines.append(
        w._(
            "The free plans (without --nested) were solved as well, the same solves as a "
            "sweep without --nested, to measure what nesting costs."
        )
    )
    if nesting.get("free_plans_nested"):
        lines.append(w._("The free plans happen to be nested too: nesting costs nothing here."))
    else:
        lines.append(w._("The free plans are not nested:"))
        lines += _dropped_lines(w, nesting.get("free_plans_dropped") or [])
    return NestingView(headline, lines, _nesting_cost_table(w, data), warn=not nested)


def _nesting_cost_table(w: _Words, data: Mapping[str, Any]) -> Table:
    first = w._("Budget") if w.mode == "budget" else w._("Coverage target")
    headers = [
        first,
        w._("People newly covered, free plan"),
        w._("People newly covered, nested plan"),
        w._("People lost to nesting"),
        w._("Total cost, free plan"),
        w._("Total cost, nested plan"),
        w._("Extra cost of nesting"),
    ]
    costs = list(data["nesting"].get("cost") or [])
    rows = []
    for entry, cost in zip(data["scenarios"], costs, strict=False):
        free = entry.get("free_plan") or {}
        rows.append(
            [
                Cell(w.scenario(entry)),
                Cell(w.whole(free.get("population_newly_covered"))),
                Cell(w.whole(entry["population_newly_covered"])),
                Cell(w.whole(cost.get("people_lost"))),
                Cell(w.money(free.get("total_cost"))),
                Cell(w.money(entry["total_cost"])),
                Cell(w.money(cost.get("extra_cost"))),
            ]
        )
    return Table(headers, rows)


def _phases_table(w: _Words, entries: Sequence[Mapping[str, Any]]) -> Table:
    """Per scenario: its sites, and which it adds and drops against the previous one."""
    rows = []
    previous: list[str] = []
    for e in entries:
        sites = [str(site) for site in e.get("sites") or []]
        added = [site for site in sites if site not in previous]
        dropped = [site for site in previous if site not in sites]
        rows.append(
            [
                Cell(w.scenario(e)),
                Cell(w.whole(len(sites))),
                Cell(", ".join(added) or "–", numeric=False),
                Cell(", ".join(dropped) or "–", numeric=False),
            ]
        )
        previous = sites
    headers = [
        w._("Budget") if w.mode == "budget" else w._("Coverage target"),
        w._("Sites"),
        w._("Sites added"),
        w._("Sites dropped"),
    ]
    return Table(headers, rows)


# --- charts -------------------------------------------------------------------------------


def _coverage_chart(
    w: _Words, entries: Sequence[Mapping[str, Any]], data: Mapping[str, Any]
) -> charts.LineChart:
    budget = w.mode == "budget"
    xs = [float(e["budget"] if budget else e["total_cost"]) for e in entries]
    ys = [float(e["coverage_after_pct"]) for e in entries]
    before = data.get("coverage_before_pct")
    return charts.line_chart(
        xs,
        ys,
        labels=[w.t.percent(y) for y in ys],
        titles=[
            w._(
                "{scenario}: coverage {coverage} for {cost}",
                scenario=w.scenario(e),
                coverage=w.t.percent(y),
                cost=w.money(e["total_cost"]),
            )
            for e, y in zip(entries, ys, strict=True)
        ],
        x_format=w.money,
        y_format=lambda v: w.t.percent(v, 0),
        x_label=w._("Budget") if budget else w._("Total cost"),
        y_label=w._("Coverage after"),
        reference=float(before) if isinstance(before, int | float) else None,
        reference_label=w._("before: {coverage}", coverage=w.t.percent(before)),
        description=w._("Coverage against budget")
        if budget
        else w._("Coverage against total cost"),
    )


def _marginal_chart(w: _Words, entries: Sequence[Mapping[str, Any]]) -> charts.BarChart:
    names = []
    previous = w._("no new sites")
    for e in entries:
        names.append([w.scenario(e), w._("from {previous}", previous=previous)])
        previous = w.scenario(e)
    return charts.column_chart(
        [e["marginal_cost_per_new_person"] for e in entries],
        categories=names,
        value_format=w.money,
        value_label=w._("Marginal cost per newly covered person"),
        missing=w.t.missing,
        description=w._("Marginal cost per newly covered person"),
    )


def _ordered_regions(entries: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The regencies of the first scenario, least covered before the plans first."""
    regions = list(entries[0]["regions"])

    def key(r: Mapping[str, Any]) -> tuple[float, str]:
        before = r.get("coverage_before_pct")
        return (float(before) if before is not None else math.inf, str(r.get("name")))

    return sorted(regions, key=key)


def _region_of(entry: Mapping[str, Any], name: Any) -> Mapping[str, Any]:
    return next((r for r in entry["regions"] if r.get("name") == name), {})


def _regions_chart(w: _Words, entries: Sequence[Mapping[str, Any]]) -> charts.BarChart:
    regions = _ordered_regions(entries)
    series = [w._("Before"), *(w.scenario(e) for e in entries)]
    values = [
        [
            r.get("coverage_before_pct"),
            *(_region_of(e, r.get("name")).get("coverage_after_pct") for e in entries),
        ]
        for r in regions
    ]
    return charts.grouped_bar_chart(
        [str(r.get("name")) for r in regions],
        series,
        values,
        value_format=lambda v: w.t.percent(v, 0 if float(v).is_integer() else 1),
        value_label=w._("Coverage"),
        description=w._("Coverage per regency"),
    )


# --- regencies: fairness and the per-regency table ----------------------------------------


@dataclass(frozen=True)
class FairnessView:
    lines: list[str]
    table: Table


def _fairness_view(w: _Words, entries: Sequence[Mapping[str, Any]]) -> FairnessView:
    def lowest(f: Mapping[str, Any], when: str) -> str:
        name = f.get(f"lowest_region_{when}")
        if name is None:
            return w.t.missing
        return w._(
            "{name} ({coverage})",
            name=name,
            coverage=w.t.percent(f.get(f"min_region_coverage_{when}_pct")),
        )

    rows, lines = [], []
    for e in entries:
        f = e["fairness"]
        rows.append(
            [
                Cell(w.scenario(e)),
                Cell(lowest(f, "before"), numeric=False),
                Cell(lowest(f, "after"), numeric=False),
                Cell(w.t.number(f.get("gini_before"), 2)),
                Cell(w.t.number(f.get("gini_after"), 2)),
            ]
        )
        lines.append(_fairness_line(w, e))
    table = Table(
        [
            w._("Budget") if w.mode == "budget" else w._("Coverage target"),
            w._("Least-covered regency before"),
            w._("Least-covered regency after"),
            w._("Gini before"),
            w._("Gini after"),
        ],
        rows,
    )
    return FairnessView(lines, table)


def _fairness_line(w: _Words, entry: Mapping[str, Any]) -> str:
    f = entry["fairness"]
    before, after = f.get("gini_before"), f.get("gini_after")
    if before is None or after is None or f.get("lowest_region_after") is None:
        return w._(
            "{scenario}: no regency has people, so fairness is not measured.",
            scenario=w.scenario(entry),
        )
    trend = (
        w._("less unequal")
        if after < before - 5e-5
        else w._("more unequal")
        if after > before + 5e-5
        else w._("as unequal as before")
    )
    return w._(
        "{scenario}: the least-covered regency is {name} at {coverage} (before the plan: "
        "{name_before} at {coverage_before}); coverage across regencies becomes {trend} "
        "(Gini {gini_before} → {gini_after}).",
        scenario=w.scenario(entry),
        name=f["lowest_region_after"],
        coverage=w.t.percent(f.get("min_region_coverage_after_pct")),
        name_before=f.get("lowest_region_before"),
        coverage_before=w.t.percent(f.get("min_region_coverage_before_pct")),
        trend=trend,
        gini_before=w.t.number(before, 2),
        gini_after=w.t.number(after, 2),
    )


@dataclass(frozen=True)
class RegionGroup:
    """A regency's rows: one per scenario."""

    name: str
    population: str
    before: str
    rows: list[list[Cell]]


@dataclass(frozen=True)
class RegionsView:
    headers: list[str]
    groups: list[RegionGroup]


def _regions_view(w: _Words, entries: Sequence[Mapping[str, Any]]) -> RegionsView:
    no_spend = w._("this sweep's record has no spend per regency (netplan too old); run it again")
    no_villages = w._("the scenario has no village layer (layers.villages)")
    no_sites = w._("this sweep's record has no site counts per regency; run it again")
    groups = []
    for region in _ordered_regions(entries):
        rows = []
        for e in entries:
            r = _region_of(e, region.get("name"))
            after, before = r.get("coverage_after_pct"), r.get("coverage_before_pct")
            change = (
                w.t.number(after - before, 1)
                if isinstance(after, int | float) and isinstance(before, int | float)
                else w.t.missing
            )
            rows.append(
                [
                    Cell(w.scenario(e)),
                    Cell(w.t.percent(after)),
                    Cell(change),
                    w.cell(r.get("villages_gaining_signal"), w.whole, no_villages),
                    w.cell(r.get("spend"), w.money, no_spend),
                    w.cell(r.get("new_towers"), w.whole, no_sites),
                    w.cell(r.get("new_wifi"), w.whole, no_sites),
                ]
            )
        groups.append(
            RegionGroup(
                str(region.get("name")),
                w.whole(region.get("population")),
                w.t.percent(region.get("coverage_before_pct")),
                rows,
            )
        )
    headers = [
        w._("Regency"),
        w._("Population"),
        w._("Coverage before"),
        w._("Budget") if w.mode == "budget" else w._("Coverage target"),
        w._("Coverage after"),
        w._("Change (points)"),
        w._("Villages gaining signal"),
        w._("Spend"),
        w._("New towers"),
        w._("Public WiFi points"),
    ]
    return RegionsView(headers, groups)


# --- provinces: a national sweep's rows per province -------------------------------------


def _provinces(entries: Sequence[Mapping[str, Any]]) -> list[str]:
    """The provinces of a national sweep (its first scenario's order); none for a region."""
    return [str(p.get("name")) for p in entries[0].get("provinces") or []] if entries else []


def _province_of(entry: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    return next((p for p in entry.get("provinces") or [] if str(p.get("name")) == name), {})


def _provinces_table(w: _Words, entries: Sequence[Mapping[str, Any]]) -> Table | None:
    """Per province: people, coverage before, and coverage after and spend in each
    scenario (None when the sweep is not national)."""
    names = _provinces(entries)
    if not names:
        return None
    rows = []
    for name in names:
        first = _province_of(entries[0], name)
        row = [
            Cell(name, numeric=False),
            Cell(w.whole(first.get("population_total"))),
            Cell(w.t.percent(first.get("coverage_before_pct"))),
        ]
        for e in entries:
            figures = _province_of(e, name)
            row.append(Cell(w.t.percent(figures.get("coverage_after_pct"))))
            row.append(Cell(w.money(figures.get("total_cost"))))
        rows.append(row)
    headers = [w._("Province"), w._("Population"), w._("Coverage before")]
    for e in entries:
        headers.append(w._("Coverage after: {scenario}", scenario=w.scenario(e)))
        headers.append(w._("Spend: {scenario}", scenario=w.scenario(e)))
    return Table(headers, rows)


# --- files ---------------------------------------------------------------------------------


def write_scenarios_report(
    folder: Path, data: Mapping[str, Any], lang: str | None = None
) -> list[str]:
    """Write ``scenarios.html``, ``scenarios.pdf`` (when a PDF engine is there) and
    ``scenarios.xlsx`` into ``folder`` from the sweep's record; returns the names written.

    Raises
    ------
    InputError
        When ``data`` lacks what the report shows (see :func:`read_scenarios`).
    """
    problem = _record_problem(data)
    if problem is not None:
        raise InputError(f"scenarios record: {problem}")
    folder = Path(folder)
    html = scenarios_html(data, lang)
    (folder / HTML_NAME).write_text(html, encoding="utf-8")
    written = [HTML_NAME]
    engine = write_pdf(html, folder / PDF_NAME)
    if engine is None:
        logger.warning("%s", PDF_HOWTO)
    else:
        logger.info("scenarios.pdf printed by %s", engine)
        written.append(PDF_NAME)
    write_scenarios_xlsx(folder / XLSX_NAME, data, lang)
    written.append(XLSX_NAME)
    return written


def pdf_status(written: Sequence[str]) -> dict[str, Any]:
    """What ``scenarios.json`` records about the PDF: written, or how to get it."""
    done = PDF_NAME in written
    return {"written": done, "how_to_get_it": None if done else PDF_HOWTO}


def write_pdf(html: str, path: Path) -> str | None:
    """Print ``html`` to ``path`` (A4 landscape, from its print stylesheet) with WeasyPrint,
    else headless Chromium; returns the engine used, or None when neither could."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Pango library is missing
        logger.info("WeasyPrint cannot be loaded (%s); trying Chromium", exc)
    else:
        weasyprint.HTML(string=html, base_url=str(path.parent)).write_pdf(path)
        return "WeasyPrint"
    return "Chromium" if _chromium_pdf(html, path) else None


#: Chromium's names on Debian and elsewhere
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _chromium_pdf(html: str, path: Path) -> bool:
    browser = next((p for name in _CHROMIUM_NAMES if (p := shutil.which(name))), None)
    if browser is None:
        return False
    with tempfile.TemporaryDirectory(prefix="netplan-pdf-") as tmp:
        page = Path(tmp) / HTML_NAME
        page.write_text(html, encoding="utf-8")
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={tmp}/profile",
            f"--print-to-pdf={path}",
            page.as_uri(),
        ]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=180)
        except (OSError, subprocess.SubprocessError) as exc:
            logger.info("Chromium could not print the report: %s", exc)
            return False
    return path.is_file() and path.stat().st_size > 0


# --- xlsx ------------------------------------------------------------------------------------

#: Excel's number formats: whole units, one decimal, two decimals
_WHOLE, _ONE, _TWO = "#,##0", "0.0", "0.00"


#: characters an xlsx cell cannot hold (XML 1.0), replaced by U+FFFD
@dataclass(frozen=True)
class _Column:
    label: str
    value: Callable[[Mapping[str, Any]], Any]
    number_format: str | None = None


def write_scenarios_xlsx(path: Path, data: Mapping[str, Any], lang: str | None = None) -> None:
    """The summary and per-regency tables as a workbook of numbers, labels in ``lang``.

    Cells hold numbers with number formats (never numbers as text); a text cell that starts
    like a formula (``=``) is stored as text. The workbook's created and modified dates are
    ``SOURCE_DATE_EPOCH`` or a fixed date, and the zip entries carry a fixed time, so the same
    record gives the same bytes.
    """
    w = _Words(texts(lang), str(data["currency"]), str(data["mode"]))
    entries = list(data["scenarios"])
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = _sheet_title(w._("Summary"))
    _fill(summary, _summary_columns(w, data), entries)
    regions = book.create_sheet(_sheet_title(w._("Regencies")))
    _fill(regions, _region_columns(w), list(_region_rows(entries)))
    if _provinces(entries):
        provinces = book.create_sheet(_sheet_title(w._("Provinces")))
        _fill(provinces, _province_columns(w), list(_province_rows(entries)))
    if data["nesting"].get("requested"):
        nesting = book.create_sheet(_sheet_title(w._("Nesting cost")))
        _fill(nesting, _nesting_columns(w), list(_nesting_rows(data)))
    stamp = datetime.fromisoformat(gpkg_timestamp().replace("Z", "+00:00")).replace(tzinfo=None)
    book.properties.created = book.properties.modified = stamp
    book.properties.creator = "netplan"
    book.properties.title = _title(w, data)
    path.write_bytes(_workbook_bytes(book, stamp))


def _sheet_title(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", text)[:31]


def _summary_columns(w: _Words, data: Mapping[str, Any]) -> list[_Column]:
    c = f"({data['currency']})"
    first = (
        _Column(f"{w._('Budget')} {c}", lambda e: e["budget"], _WHOLE)
        if w.mode == "budget"
        else _Column(f"{w._('Coverage target')} (%)", lambda e: 100 * e["target_coverage"], _ONE)
    )
    return [
        first,
        _Column(f"{w._('Total cost')} {c}", lambda e: e["total_cost"], _WHOLE),
        _Column(w._("People newly covered"), lambda e: e["population_newly_covered"], _WHOLE),
        _Column(f"{w._('Coverage after')} (%)", lambda e: e["coverage_after_pct"], _ONE),
        _Column(w._("Villages gaining signal"), lambda e: e.get("villages_gaining_signal"), _WHOLE),
        _Column(w._("New towers"), lambda e: e.get("new_towers"), _WHOLE),
        _Column(w._("Public WiFi points"), lambda e: e.get("new_wifi"), _WHOLE),
        _Column(
            f"{w._('Cost per newly covered person')} {c}",
            lambda e: e["cost_per_new_person"],
            _WHOLE,
        ),
        _Column(
            f"{w._('Marginal cost per newly covered person')} {c}",
            lambda e: e["marginal_cost_per_new_person"],
            _WHOLE,
        ),
        _Column(f"{w._('Certified gap')} (%)", lambda e: _percent(e["solver"].get("gap")), _TWO),
        _Column(w._("Reproducible"), lambda e: w._("yes") if e["reproducible"] else w._("no")),
        _Column(w._("What the certified gap means"), lambda e: _gap_line(w, e, data)),
    ]


def _percent(share: Any) -> float | None:
    return 100 * float(share) if isinstance(share, int | float) else None


def _region_rows(entries: Sequence[Mapping[str, Any]]) -> Iterable[dict[str, Any]]:
    for region in _ordered_regions(entries):
        for e in entries:
            yield {"scenario": e, "region": _region_of(e, region.get("name"))}


def _scenario_column(w: _Words) -> _Column:
    """The column naming each row's scenario: its budget, or its coverage target."""
    if w.mode == "budget":
        return _Column(f"{w._('Budget')} ({w.currency})", lambda x: x["scenario"]["budget"], _WHOLE)
    return _Column(
        f"{w._('Coverage target')} (%)", lambda x: 100 * x["scenario"]["target_coverage"], _ONE
    )


def _region_columns(w: _Words) -> list[_Column]:
    c = f"({w.currency})"
    first = _scenario_column(w)
    return [
        _Column(w._("Regency"), lambda x: x["region"].get("name")),
        first,
        _Column(w._("Population"), lambda x: x["region"].get("population"), _WHOLE),
        _Column(
            f"{w._('Coverage before')} (%)", lambda x: x["region"].get("coverage_before_pct"), _ONE
        ),
        _Column(
            f"{w._('Coverage after')} (%)", lambda x: x["region"].get("coverage_after_pct"), _ONE
        ),
        _Column(
            w._("Villages gaining signal"),
            lambda x: x["region"].get("villages_gaining_signal"),
            _WHOLE,
        ),
        _Column(f"{w._('Spend')} {c}", lambda x: x["region"].get("spend"), _WHOLE),
        _Column(w._("New towers"), lambda x: x["region"].get("new_towers"), _WHOLE),
        _Column(w._("Public WiFi points"), lambda x: x["region"].get("new_wifi"), _WHOLE),
    ]


def _province_rows(entries: Sequence[Mapping[str, Any]]) -> Iterable[dict[str, Any]]:
    for name in _provinces(entries):
        for e in entries:
            yield {"scenario": e, "province": {"name": name, **_province_of(e, name)}}


def _province_columns(w: _Words) -> list[_Column]:
    c = f"({w.currency})"

    def of(key: str) -> Callable[[Mapping[str, Any]], Any]:
        return lambda x: x["province"].get(key)

    return [
        _Column(w._("Province"), of("name")),
        _scenario_column(w),
        _Column(w._("Population"), of("population_total"), _WHOLE),
        _Column(f"{w._('Coverage before')} (%)", of("coverage_before_pct"), _ONE),
        _Column(f"{w._('Coverage after')} (%)", of("coverage_after_pct"), _ONE),
        _Column(w._("People newly covered"), of("population_newly_covered"), _WHOLE),
        _Column(f"{w._('Spend')} {c}", of("total_cost"), _WHOLE),
        _Column(w._("New towers"), of("new_towers"), _WHOLE),
        _Column(w._("Public WiFi points"), of("new_wifi"), _WHOLE),
    ]


def _nesting_rows(data: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
    for entry, cost in zip(data["scenarios"], data["nesting"].get("cost") or [], strict=False):
        yield {"scenario": entry, "free": entry.get("free_plan") or {}, "cost": cost}


def _nesting_columns(w: _Words) -> list[_Column]:
    c = f"({w.currency})"
    first = _scenario_column(w)
    return [
        first,
        _Column(
            w._("People newly covered, free plan"),
            lambda x: x["free"].get("population_newly_covered"),
            _WHOLE,
        ),
        _Column(
            w._("People newly covered, nested plan"),
            lambda x: x["scenario"]["population_newly_covered"],
            _WHOLE,
        ),
        _Column(w._("People lost to nesting"), lambda x: x["cost"].get("people_lost"), _WHOLE),
        _Column(
            f"{w._('Extra cost of nesting')} {c}", lambda x: x["cost"].get("extra_cost"), _WHOLE
        ),
    ]


def _fill(sheet: Worksheet, columns: Sequence[_Column], records: Sequence[Any]) -> None:
    """A header row (bold, wrapped, frozen) and one row per record; widths from content."""
    widths = [min(max(len(col.label) // 2, 10), 40) for col in columns]
    for j, col in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=j, value=xml_text(col.label))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.data_type = "s"
    for i, record in enumerate(records, start=2):
        for j, col in enumerate(columns, start=1):
            value = col.value(record)
            cell = sheet.cell(row=i, column=j)
            if isinstance(value, bool) or value is None:
                cell.value = None if value is None else str(value)
            elif isinstance(value, int | float):
                cell.value = value
                if col.number_format:
                    cell.number_format = col.number_format
            else:
                cell.value = xml_text(str(value))
                cell.data_type = "s"  # text, even when it starts like a formula
                widths[j - 1] = min(max(widths[j - 1], len(str(value)) + 2), 60)
    for j, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(j)].width = width
    sheet.freeze_panes = "B2"


def _workbook_bytes(book: Workbook, stamp: datetime) -> bytes:
    """The workbook as xlsx bytes with every zip entry dated ``stamp``: openpyxl's own save
    stamps the modified date and each entry with the current time."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()
    out = io.BytesIO()
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
