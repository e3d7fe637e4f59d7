"""Brute force against the optimiser on small random joint site + backhaul instances.

For every limit setting users run (exact, a node limit of 1, a 5% gap, a short time limit),
in budget and target modes, over seeded instances with floors, budget shares, reviewer
decisions, relay-only sites, satellite caps and islands (see :mod:`tests.properties.brute`):
the plan is feasible, never better than the true optimum, its bound never on the wrong side
of it, optimal at exact settings and within the gap asked for; and the solver says
"infeasible" exactly when no plan exists.

Each test runs one setting in one mode over all its seeds and fails with every broken
promise, grouped by symptom, each naming the seed: rerun one with
``check_seed(seed, mode, "<setting>")``.
"""

from __future__ import annotations

import functools
import traceback
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from netplan.errors import InfeasibleError
from netplan.optimize.clusters import split
from netplan.optimize.problem import CoverageProblem, Design
from netplan.optimize.solver import Solution, SolverSettings, solve
from tests.properties.brute import (
    BUDGET,
    TARGET,
    Best,
    Case,
    audit,
    brute_force,
    design_count,
    random_case,
)

#: the limit settings users run, by name
SETTINGS = {
    "exact": SolverSettings(time_limit_s=20, relative_gap=0.0),
    "node limit 1": SolverSettings(time_limit_s=20, relative_gap=0.0, node_limit=1),
    "gap 5%": SolverSettings(time_limit_s=20, relative_gap=0.05),
    "time limit 0.05 s": SolverSettings(time_limit_s=0.05),
}
#: seeds per mode (budget-mode solves cost several times more: pricing, cheapest design)
SEEDS = {BUDGET: range(36), TARGET: range(100)}
#: slack of every comparison with the optimum, relative to it
TOL = 1e-6


@functools.cache
def instance(seed: int, mode: str) -> tuple[Case, Best | None]:
    """A random instance and its brute-force optimum (computed once per run)."""
    case = random_case(seed, mode)
    return case, brute_force(case.problem)


def check_seed(seed: int, mode: str, setting: str) -> list[tuple[str, str]]:
    """Every promise ``solve`` breaks on one seed (to rerun a failure on its own)."""
    return check(*instance(seed, mode), setting)


def check(case: Case, best: Best | None, setting: str) -> list[tuple[str, str]]:
    """Every promise ``solve`` breaks on ``case`` (whose true optimum is ``best``, None when
    no plan exists) at ``setting``: (symptom, details)."""
    problem = case.problem
    try:
        sol = solve(problem, SETTINGS[setting])
    except InfeasibleError as exc:
        if best is None:
            return []
        symptom = f"false infeasible (raised via {_raised_via(exc)})"
        return [(symptom, f"{_optimum(problem, best)}; solve raised: {exc}")]
    except Exception as exc:  # any other exception is a failure to report too
        symptom = f"crash: {type(exc).__name__} (raised via {_raised_via(exc)})"
        return [(symptom, f"{exc}; {_optimum(problem, best)}")]
    if best is None:
        broken = problem.violations(sol.design)
        return [
            (
                "plan where none exists",
                f"brute force finds none; solver: {_said(sol)}, breaking {broken or 'nothing?'}",
            )
        ]
    return _promises(problem, sol, best, SETTINGS[setting])


def _promises(
    problem: CoverageProblem, sol: Solution, best: Best, settings: SolverSettings
) -> list[tuple[str, str]]:
    """The broken promises of a solution, given the true optimum."""
    maximise = problem.target is None
    opt, scale = best.objective, TOL * max(1.0, abs(best.objective))
    said = f"{_optimum(problem, best)}; solver: {_said(sol)}"
    out = []
    broken = problem.violations(sol.design)
    if broken:
        out.append((_symptom(broken), f"{said}, breaking {broken}"))
    elif (sol.objective > opt + scale) if maximise else (sol.objective < opt - scale):
        out.append(("plan better than brute force (enumerator?)", said))
    if (sol.bound < opt - scale) if maximise else (sol.bound > opt + scale):
        out.append(("bound on the wrong side of the optimum", said))
    loss = (opt - sol.objective) if maximise else (sol.objective - opt)
    allowed = settings.relative_gap * abs(sol.objective)
    unlimited = settings.node_limit is None and settings.time_limit_s >= 1
    if unlimited and loss > allowed + scale:
        what = "not optimal at exact settings" if settings.relative_gap == 0 else "outside the gap"
        out.append((what, said))
    elif sol.status == "optimal" and loss > scale:
        out.append(("labelled optimal, is not", said))
    return out


def _raised_via(exc: BaseException) -> str:
    """Where in netplan an exception came from: function:line of each netplan frame."""
    frames = [
        f"{Path(f.filename).stem}.{f.name}:{f.lineno}"
        for f in traceback.extract_tb(exc.__traceback__)
        if "/netplan/" in f.filename
    ]
    return " > ".join(frames) or "outside netplan"


def _symptom(broken: list[str]) -> str:
    """Group an infeasible plan by its first broken rule, without site numbers."""
    first = broken[0]
    if "share of the budget" in first:
        return "plan over a region's budget share"
    if "coverage floor" in first:
        return "plan below a region's floor"
    return f"infeasible plan: {first}"


def _optimum(problem: CoverageProblem, best: Best | None) -> str:
    if best is None:
        return "brute force finds no plan"
    return f"brute-force optimum {best.objective:.6g} ({_describe(problem, best.design)})"


def _said(sol: Solution) -> str:
    return (
        f"objective {sol.objective:.6g}, bound {sol.bound:.6g}, gap {sol.gap:.3%}, "
        f"status {sol.status}"
    )


def _describe(problem: CoverageProblem, design: Design) -> str:
    """A design in words: each built site, its option and its feed."""
    net = problem.network
    assert net is not None
    parts = []
    for j in np.flatnonzero(design.selected).tolist():
        s = int(problem.group[j])
        if design.satellite[s]:
            feed = "satellite"
        else:
            a = int(np.flatnonzero(design.arcs & (net.head == s))[0])
            tail = int(net.tail[a])
            feed = f"link {a} from " + ("a hub" if tail < 0 else f"site {tail}")
        parts.append(f"site {s} option {j} on {feed}")
    return "; ".join(parts) or "nothing built"


def _report(mode: str, setting: str, failures: list[tuple[Case, str, str]]) -> str:
    """Failures grouped by symptom: seeds first, then one line per failure."""
    lines = [f"{len(failures)} broken promises in {mode} mode at '{setting}':"]
    by_symptom: dict[str, list[tuple[Case, str]]] = {}
    for case, symptom, details in failures:
        by_symptom.setdefault(symptom, []).append((case, details))
    for symptom, cases in sorted(by_symptom.items()):
        seeds = ", ".join(str(case.seed) for case, _ in cases)
        lines.append(f"- {symptom}: seeds {seeds}")
        lines += [f"    {case}: {details}" for case, details in cases]
    return "\n".join(lines)


@pytest.mark.parametrize("mode", [BUDGET, TARGET])
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_solver_keeps_its_promises_against_brute_force(setting: str, mode: str) -> None:
    failures = []
    for seed in SEEDS[mode]:
        case, best = instance(seed, mode)
        failures += [(case, symptom, details) for symptom, details in check(case, best, setting)]
    assert not failures, _report(mode, setting, failures)


def test_the_battery_covers_every_variant() -> None:
    """The seeds exercise every variant, with and without a feasible plan, in both modes."""
    for mode in (BUDGET, TARGET):
        tags: Counter[str] = Counter()
        found = 0
        for seed in SEEDS[mode]:
            case, best = instance(seed, mode)
            tags.update(case.tags)
            found += best is not None
        for tag in ("floors", "budget share", "accepted/rejected", "relay-only sites", "wifi"):
            assert tags[tag] >= 4, (mode, tag, tags)
        assert tags["islands"] >= 4 and tags["satellite capacity"] >= 4, (mode, tags)
        assert 0.6 * len(SEEDS[mode]) <= found < len(SEEDS[mode]), (mode, found)


@pytest.mark.parametrize("mode", [BUDGET, TARGET])
def test_enumerator_agrees_with_violations_on_every_design(mode: str) -> None:
    """The enumerator's own rule checks say 'feasible' exactly when ``violations`` does, on
    every design of the smaller instances (valid trees or not)."""
    audited = 0
    for seed in range(24):
        case = random_case(seed, mode)
        if design_count(case.problem) > 1500:
            continue
        for design, mine, truth in audit(case.problem):
            assert mine == truth, (str(case), case.problem.violations(design))
        audited += 1
    assert audited >= 10


def test_budget_mode_with_nothing_forced_and_no_floor_always_has_a_plan() -> None:
    """The empty plan is feasible there, so brute force must find one."""
    for seed in SEEDS[BUDGET]:
        case, best = instance(seed, BUDGET)
        rules, forced = case.problem.rules, case.problem.forced
        no_floor = rules is None or rules.min_share is None
        if no_floor and (forced is None or not (forced == 1).any()):
            assert best is not None, str(case)


def test_each_island_alone_keeps_its_share_of_the_optimum_feasible() -> None:
    """Budget mode prices islands one by one: cut into its islands, the true optimum stays
    feasible piece by piece (each island keeps its own regions' floors, not the others')."""
    failures, checked = [], 0
    for seed in SEEDS[BUDGET]:
        case, best = instance(seed, BUDGET)
        if "islands" not in case.tags or best is None:
            continue
        checked += 1
        for k, part in enumerate(split(case.problem)):
            piece = Design(
                best.design.selected[part.options],
                best.design.arcs[part.arcs],
                best.design.satellite[part.sites],
            )
            broken = part.problem.violations(piece)
            if broken:
                failures.append(f"{case}: island {k} (sites {part.sites.tolist()}) {broken}")
    assert checked >= 4, checked
    assert not failures, "the optimum cut into islands breaks their rules:\n" + "\n".join(failures)
