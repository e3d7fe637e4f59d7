"""`netplan scenarios`: coverage never falls as the budget rises, and every scenario is the
plan `netplan plan` would make at that budget."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from netplan.cli.main import cli
from netplan.evaluate import gini
from tests.cli.test_scenarios_report import write_two_site_scenario


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def test_budget_sweep_is_monotone_and_matches_single_plans(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    budgets = [5e8, 2.5e9, 5e9, 1e10]
    result = CliRunner().invoke(
        cli,
        [
            "-q",
            "scenarios",
            "-c",
            str(tiny),
            "--budgets",
            ",".join(map(str, budgets)),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = _rows(out / "scenarios.csv")
    assert [float(r["budget"]) for r in rows] == budgets
    covered = [float(r["population_newly_covered"]) for r in rows]
    assert all(b >= a for a, b in itertools.pairwise(covered)) and covered[-1] > 0
    html = (out / "scenarios.html").read_text()
    assert "<svg" in html and "<table" in html
    for budget, row in zip(budgets, rows, strict=True):
        single = tmp_path / f"plan-{budget:g}"
        done = CliRunner().invoke(
            cli, ["-q", "plan", "-c", str(tiny), "--budget", str(budget), "--out", str(single)]
        )
        assert done.exit_code == 0, done.output
        s = json.loads((single / "summary.json").read_text())
        assert float(row["population_newly_covered"]) == pytest.approx(
            s["population_newly_covered"], abs=0.05
        )
        assert float(row["total_cost"]) == pytest.approx(s["total_cost"], rel=1e-9)
        assert int(row["new_towers"]) == s["new_towers"]
    # what changes between budgets is listed
    assert rows[1]["sites_added"] and not rows[0]["sites_added"]
    # scenarios.json holds the same plans, and says whether they are nested
    record = json.loads((out / "scenarios.json").read_text())
    assert [e["population_newly_covered"] for e in record["scenarios"]] == covered
    assert record["nesting"]["requested"] is False
    assert record["nesting"]["plans_nested"] == (not any(r["sites_dropped"] for r in rows))


def test_sweep_and_targets_forms(tiny: Path, tmp_path: Path) -> None:
    swept = CliRunner().invoke(
        cli,
        ["-q", "scenarios", "-c", str(tiny), "--sweep", "0:6e9:3", "--out", str(tmp_path / "a")],
    )
    assert swept.exit_code == 0, swept.output
    assert len(_rows(tmp_path / "a" / "scenarios.csv")) == 3
    targets = CliRunner().invoke(
        cli,
        ["-q", "scenarios", "-c", str(tiny), "--targets", "0.5,0.8", "--out", str(tmp_path / "b")],
    )
    assert targets.exit_code == 0, targets.output
    rows = _rows(tmp_path / "b" / "scenarios.csv")
    assert [
        float(r["coverage_after_pct"]) >= 100 * t for r, t in zip(rows, [0.5, 0.8], strict=True)
    ] == [True, True]
    bad = CliRunner().invoke(cli, ["scenarios", "-c", str(tiny), "--sweep", "1:2"])
    assert bad.exit_code == 2 and "FROM:TO:STEPS" in bad.output


def test_nested_targets_keep_the_previous_sites_and_cost_more(tmp_path: Path) -> None:
    """Coverage targets: the cheapest plan for 80% is a small cell on the far village (P),
    for 95% a macro tower between the dark villages (Q) alone; nested, 95% keeps P."""
    config = write_two_site_scenario(tmp_path / "inputs")
    runs = {}
    for name, extra in (("free", []), ("nested", ["--nested"])):
        out = tmp_path / name
        args = ["-q", "scenarios", "-c", str(config), "--targets", "0.8,0.95", "--out", str(out)]
        result = CliRunner().invoke(cli, [*args, *extra])
        assert result.exit_code == 0, result.output
        runs[name] = json.loads((out / "scenarios.json").read_text())
    free, nested = (runs[k]["scenarios"] for k in ("free", "nested"))
    assert [e["sites"] for e in free] == [["P"], ["Q"]]
    assert [e["sites"] for e in nested] == [["P"], ["P", "Q"]]
    cost = runs["nested"]["nesting"]["cost"]
    assert cost[1]["extra_cost"] == pytest.approx(nested[1]["total_cost"] - free[1]["total_cost"])
    assert cost[1]["extra_cost"] > 0 and cost[0]["extra_cost"] == 0
    assert all(e["coverage_after_pct"] >= 100 * t for e, t in zip(nested, [0.8, 0.95], strict=True))


def test_gini_and_minimum_match_a_hand_computation() -> None:
    # three regions at 10%, 20% and 60% coverage: mean absolute difference / (2 × mean)
    # pairs |10-20|=10, |10-60|=50, |20-60|=40 → sum over ordered pairs 200, n² × mean = 9 × 30
    assert gini([10, 20, 60]) == pytest.approx(200 / (2 * 9 * 30))
    assert gini([50, 50, 50]) == 0.0
