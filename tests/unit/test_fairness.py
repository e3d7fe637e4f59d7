"""Fairness across regions and the village objective, checked the way a ministry would.

Every region must reach its coverage floor, no region may take more than its share of the
budget, and a plan that counts villages must light up as many villages as any plan can.
The exact optimiser is compared with brute force over every subset of a few options; the
brute force re-computes coverage, shares, spend and villages by hand from the dense
instance, so it does not lean on ``CoverageProblem``'s own helpers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np
import pytest
from scipy import sparse

from netplan.errors import InfeasibleError
from netplan.evaluate import fairness_figures, gini
from netplan.optimize.problem import CoverageProblem, RegionRules, VillageGoal, merge_rows
from netplan.optimize.solver import SolverSettings, best_floor, solve

EXACT = SolverSettings(time_limit_s=20, relative_gap=0.0, seed=0)
NAMES = ("Kab. Jayawijaya", "Kab. Yahukimo", "Kab. Asmat")


# ---------------------------------------------------------------------------------------
# small random instances and a brute force that evaluates them by hand


@dataclass
class Instance:
    """A dense instance: everything needed to evaluate a selection without the package."""

    cover: np.ndarray  #: (m, n) bool
    demand: np.ndarray  #: (m,) objective weight
    people: np.ndarray  #: (m,) people
    cost: np.ndarray  #: (n,)
    is_wifi: np.ndarray  #: (n,) bool
    group: np.ndarray  #: (n,) site of each option
    row_region: np.ndarray  #: (m,)
    site_region: np.ndarray  #: (g,)
    population: np.ndarray  #: (r,)
    before: np.ndarray  #: (r,)
    budget: float
    wifi_weight: float = 0.25


def random_instance(seed: int, *, n: int = 8, m: int = 14, n_regions: int = 3) -> Instance:
    rng = np.random.default_rng(seed)
    cover = rng.random((m, n)) < 0.3
    is_wifi = np.zeros(n, dtype=bool)
    is_wifi[rng.choice(np.arange(2, n))] = True
    group = np.arange(n)
    group[1] = group[0]  # options 0 and 1 are two technologies at one site
    n_groups = int(group.max()) + 1
    cost = rng.integers(1, 10, size=n).astype(float)
    people = rng.integers(10, 500, size=m).astype(float)
    # the objective weighs something other than people (e.g. households without internet):
    # floors and villages must still count people
    demand = rng.integers(1, 100, size=m).astype(float)
    row_region = rng.integers(0, n_regions, size=m)
    row_region[0] = -1  # a row outside every region
    site_region = rng.integers(0, n_regions, size=n_groups)
    before = rng.integers(0, 400, size=n_regions).astype(float)
    outside_rows = rng.integers(0, 300, size=n_regions).astype(float)  # no candidate reaches
    inside = row_region >= 0
    population = (
        before
        + np.bincount(row_region[inside], weights=people[inside], minlength=n_regions)
        + outside_rows
    )
    return Instance(
        cover=cover,
        demand=demand,
        people=people,
        cost=cost,
        is_wifi=is_wifi,
        group=group,
        row_region=row_region,
        site_region=site_region,
        population=population,
        before=before,
        budget=float(cost.sum() * 0.45),
    )


def to_problem(
    inst: Instance,
    *,
    min_share: float | None = None,
    budget_share: float | None = None,
    villages: VillageGoal | None = None,
    rules: bool = True,
    budget: float | None = None,
) -> CoverageProblem:
    return CoverageProblem(
        demand=inst.demand,
        cover=sparse.csr_matrix(inst.cover.astype(np.int8)),
        cost=inst.cost,
        is_wifi=inst.is_wifi,
        group=inst.group,
        wifi_weight=inst.wifi_weight,
        budget=inst.budget if budget is None else budget,
        people=inst.people,
        rules=RegionRules(
            row_region=inst.row_region,
            site_region=inst.site_region,
            population=inst.population,
            before=inst.before,
            min_share=min_share,
            budget_share=budget_share,
            names=NAMES,
        )
        if rules
        else None,
        villages=villages,
    )


@dataclass
class Evaluation:
    """A selection evaluated by hand."""

    valid: bool  #: at most one option per site and within the budget
    value: float  #: demand covered + wifi_weight × demand reached only by WiFi
    covered_rows: np.ndarray  #: (m,) bool, served by a chosen tower
    shares: np.ndarray  #: (r,) share of people covered per region
    spend: np.ndarray  #: (r,) money per region


def evaluate_by_hand(inst: Instance, selected: np.ndarray, budget: float) -> Evaluation:
    selected = np.asarray(selected, dtype=bool)
    towers = selected & ~inst.is_wifi
    hotspots = selected & inst.is_wifi
    covered = inst.cover[:, towers].any(axis=1)
    wifi = inst.cover[:, hotspots].any(axis=1) & ~covered
    value = float(inst.demand[covered].sum() + inst.wifi_weight * inst.demand[wifi].sum())
    n_regions = inst.population.size
    gain = np.zeros(n_regions)
    spend = np.zeros(n_regions)
    for i in np.flatnonzero(covered):
        if inst.row_region[i] >= 0:
            gain[inst.row_region[i]] += inst.people[i]
    for j in np.flatnonzero(selected):
        r = inst.site_region[inst.group[j]]
        if r >= 0:
            spend[r] += inst.cost[j]
    sites = inst.group[selected]
    one_per_site = len(set(sites.tolist())) == sites.size
    within_budget = inst.cost[selected].sum() <= budget + 1e-9
    return Evaluation(
        valid=bool(one_per_site and within_budget),
        value=value,
        covered_rows=covered,
        shares=(inst.before + gain) / inst.population,
        spend=spend,
    )


def all_selections(n: int):
    for bits in itertools.product([False, True], repeat=n):
        yield np.array(bits, dtype=bool)


def admissible(inst: Instance, budget: float, budget_share: float | None):
    """Hand evaluations of every selection within the budget and the spend cap."""
    for sel in all_selections(inst.cost.size):
        ev = evaluate_by_hand(inst, sel, budget)
        if not ev.valid:
            continue
        if budget_share is not None and np.any(ev.spend > budget_share * budget + 1e-9):
            continue
        yield ev


def brute_force(
    inst: Instance,
    *,
    min_share: float | None = None,
    budget_share: float | None = None,
    budget: float | None = None,
) -> float:
    """Best value among selections meeting every rule (-inf when none does)."""
    budget = inst.budget if budget is None else budget
    values = (
        ev.value
        for ev in admissible(inst, budget, budget_share)
        if min_share is None or not np.any(ev.shares < min_share - 1e-9)
    )
    return max(values, default=-np.inf)


def best_min_share(
    inst: Instance, *, budget: float | None = None, budget_share: float | None = None
) -> float:
    """Brute force: the highest share every region reaches together, within the budget."""
    budget = inst.budget if budget is None else budget
    shares = (float(ev.shares.min()) for ev in admissible(inst, budget, budget_share))
    return max(shares, default=-np.inf)


def floor_for(inst: Instance) -> float:
    """A floor 80% of the way from today's worst region to the best reachable min share."""
    worst_now = float((inst.before / inst.population).min())
    return worst_now + 0.8 * (best_min_share(inst) - worst_now)


# ---------------------------------------------------------------------------------------
# 1. coverage floors


@pytest.mark.parametrize("seed", range(6))
def test_floor_matches_brute_force_and_every_region_reaches_it(seed: int) -> None:
    inst = random_instance(seed)
    min_share = floor_for(inst)
    problem = to_problem(inst, min_share=min_share)
    sol = solve(problem, EXACT)

    assert sol.objective == pytest.approx(brute_force(inst, min_share=min_share), rel=1e-9)
    assert sol.gap == pytest.approx(0.0, abs=1e-9)
    ev = evaluate_by_hand(inst, sol.selected, inst.budget)
    assert ev.valid, "two options at one site, or over budget"
    assert ev.value == pytest.approx(sol.objective, rel=1e-9)
    for r, share in enumerate(ev.shares):
        assert share >= min_share - 1e-9, f"{NAMES[r]} at {share:.4f} < floor {min_share:.4f}"
    assert problem.feasible(sol.design)


def test_floors_bind_on_the_random_instances() -> None:
    """The floor test above is only worth something if the floor changes the answer."""
    changed = 0
    for seed in range(6):
        inst = random_instance(seed)
        if brute_force(inst, min_share=floor_for(inst)) < brute_force(inst) - 1e-9:
            changed += 1
    assert changed >= 2


def test_floor_counts_people_not_the_objective_weight() -> None:
    # one region of 1000 people (none covered); option 0 covers the 400-person row with a
    # small objective weight, option 1 the 100-person row with a big one. Budget for one.
    # Maximising weight picks option 1 (10% of people); a 30% floor needs option 0.
    inst = Instance(
        cover=np.array([[True, False], [False, True]]),
        demand=np.array([5.0, 50.0]),
        people=np.array([400.0, 100.0]),
        cost=np.array([1.0, 1.0]),
        is_wifi=np.zeros(2, dtype=bool),
        group=np.arange(2),
        row_region=np.array([0, 0]),
        site_region=np.array([0, 0]),
        population=np.array([1000.0]),
        before=np.array([0.0]),
        budget=1.0,
    )
    assert solve(to_problem(inst), EXACT).selected.tolist() == [False, True]
    sol = solve(to_problem(inst, min_share=0.3), EXACT)
    assert sol.selected.tolist() == [True, False]
    assert sol.objective == 5.0


# ---------------------------------------------------------------------------------------
# 2. spend caps per region


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("budget_share", [0.5, 0.3])
def test_budget_share_matches_brute_force_and_caps_every_region(
    seed: int, budget_share: float
) -> None:
    inst = random_instance(seed)
    problem = to_problem(inst, budget_share=budget_share)
    sol = solve(problem, EXACT)

    expected = brute_force(inst, budget_share=budget_share)
    assert sol.objective == pytest.approx(expected, rel=1e-9)
    ev = evaluate_by_hand(inst, sol.selected, inst.budget)
    assert ev.valid
    cap = budget_share * inst.budget
    for r, spent in enumerate(ev.spend):
        assert spent <= cap + 1e-9, f"{NAMES[r]} spends {spent} > {cap}"
    assert problem.feasible(sol.design)


def test_budget_share_binds_on_the_random_instances() -> None:
    changed = sum(
        brute_force(random_instance(seed), budget_share=0.3)
        < brute_force(random_instance(seed)) - 1e-9
        for seed in range(6)
    )
    assert changed >= 2


@pytest.mark.parametrize("seed", range(4))
def test_floor_and_budget_share_together_match_brute_force(seed: int) -> None:
    inst = random_instance(seed)
    share = 0.4
    worst_now = float((inst.before / inst.population).min())
    best = best_min_share(inst, budget_share=share)
    min_share = worst_now + 0.8 * (best - worst_now)
    sol = solve(to_problem(inst, min_share=min_share, budget_share=share), EXACT)
    expected = brute_force(inst, min_share=min_share, budget_share=share)
    assert sol.objective == pytest.approx(expected, rel=1e-9)
    ev = evaluate_by_hand(inst, sol.selected, inst.budget)
    assert ev.valid
    assert np.all(ev.shares >= min_share - 1e-9)
    assert np.all(ev.spend <= share * inst.budget + 1e-9)


# ---------------------------------------------------------------------------------------
# 3. a hand case: the floor forces a worse-in-total but fairer plan


def three_regions(budget: float = 10.0) -> Instance:
    """Regions A (1000 people, 400 covered today), B (1000, 500) and C (200, 0).

    Option a covers 600 people in A, b 500 in B, c 100 in C (and a hotspot-free world);
    each costs 5. Budget 10 buys two of them.
    """
    return Instance(
        cover=np.eye(3, dtype=bool),
        demand=np.array([600.0, 500.0, 100.0]),
        people=np.array([600.0, 500.0, 100.0]),
        cost=np.array([5.0, 5.0, 5.0]),
        is_wifi=np.zeros(3, dtype=bool),
        group=np.arange(3),
        row_region=np.array([0, 1, 2]),
        site_region=np.array([0, 1, 2]),
        population=np.array([1000.0, 1000.0, 200.0]),
        before=np.array([400.0, 500.0, 0.0]),
        budget=budget,
    )


def test_floor_forces_a_fairer_plan_covering_fewer_people() -> None:
    inst = three_regions()
    free = solve(to_problem(inst), EXACT)
    # unconstrained: a + b = 1100 people; A 100%, B 100%, C stays at 0%
    assert free.selected.tolist() == [True, True, False]
    assert free.covered == 1100.0
    assert evaluate_by_hand(inst, free.selected, 10.0).shares.tolist() == [1.0, 1.0, 0.0]

    # every region at least 40%: C needs c (100 people = 50%), the rest buys a (600)
    fair = solve(to_problem(inst, min_share=0.4), EXACT)
    assert fair.selected.tolist() == [True, False, True]
    assert fair.covered == 700.0
    assert fair.cost == 10.0
    assert evaluate_by_hand(inst, fair.selected, 10.0).shares.tolist() == [1.0, 0.5, 0.5]

    figures = fairness_figures(
        inst.population, inst.before, inst.before + np.array([600.0, 0.0, 100.0]), list(NAMES)
    )
    assert figures["min_region_coverage_before_pct"] == 0.0
    assert figures["lowest_region_before"] == "Kab. Asmat"
    assert figures["min_region_coverage_after_pct"] == 50.0


def test_budget_share_forces_the_money_to_spread() -> None:
    # same regions and budget; no region may take more than its share of the budget
    inst = three_regions(budget=10.0)
    sol = solve(to_problem(inst, budget_share=0.5), EXACT)
    assert sol.covered == 1100.0  # a and b each spend exactly half: allowed
    sol = solve(to_problem(inst, budget_share=0.4), EXACT)
    # nothing costing 5 fits under a 4 cap
    assert sol.covered == 0.0
    assert not sol.selected.any()


# ---------------------------------------------------------------------------------------
# 4. floors that cannot be met


def test_floor_unreachable_with_every_candidate_names_the_region() -> None:
    inst = three_regions(budget=100.0)
    # C can reach at most 100 / 200 = 50% even with everything built
    with pytest.raises(InfeasibleError) as err:
        solve(to_problem(inst, min_share=0.6), EXACT)
    message = str(err.value)
    assert "Kab. Asmat" in message
    assert "at most 50.0%" in message
    assert "Kab. Jayawijaya" not in message  # A reaches 100%
    assert "Kab. Yahukimo" not in message


def test_floor_beyond_the_budget_says_the_best_achievable_floor() -> None:
    # with everything built: A 100%, B 100%, C 50% → 40% is reachable in principle, but
    # budget 5 buys only one option: the best min share is max(min(1, .5, 0),
    # min(.4, 1, 0), min(.4, .5, .5)) = 40% (build c)
    inst = three_regions(budget=5.0)
    assert best_min_share(inst) == pytest.approx(0.4)
    problem = to_problem(inst, min_share=0.45)
    with pytest.raises(InfeasibleError) as err:
        solve(problem, EXACT)
    message = str(err.value)
    assert "40.0%" in message
    assert "at most 0.400" in message
    reached, bound = best_floor(problem, EXACT)
    assert reached == pytest.approx(0.4, abs=1e-6)
    assert bound >= reached - 1e-9


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("budget_frac", [0.2, 0.45])
def test_best_floor_matches_brute_force(seed: int, budget_frac: float) -> None:
    inst = random_instance(seed)
    budget = budget_frac * float(inst.cost.sum())
    problem = to_problem(inst, min_share=0.99, budget=budget)
    reached, bound = best_floor(problem, EXACT)
    expected = best_min_share(inst, budget=budget)
    assert reached == pytest.approx(expected, abs=1e-6)
    assert bound == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_random_floor_beyond_the_budget_is_refused_with_the_best(seed: int) -> None:
    inst = random_instance(seed)
    budget = 0.2 * float(inst.cost.sum())
    best = best_min_share(inst, budget=budget)
    unlimited = best_min_share(inst, budget=1e9)
    assert unlimited > best + 0.01  # the instances are built so that money is short
    # a floor above what the budget allows, but below what the candidates reach together
    min_share = best + 0.5 * (unlimited - best)
    with pytest.raises(InfeasibleError) as err:
        solve(to_problem(inst, min_share=min_share, budget=budget), EXACT)
    assert f"reach is {100 * best:.1f}%" in str(err.value)
    assert f"at most {best:.3f}" in str(err.value)


# ---------------------------------------------------------------------------------------
# 5. villages


def _three_villages() -> Instance:
    """Village 0: 500 people, served by option 0 (cost 10); villages 1 and 2: 100 each,
    served by options 1 and 2 (cost 5 each). Budget 10."""
    return Instance(
        cover=np.eye(3, dtype=bool),
        demand=np.array([500.0, 100.0, 100.0]),
        people=np.array([500.0, 100.0, 100.0]),
        cost=np.array([10.0, 5.0, 5.0]),
        is_wifi=np.zeros(3, dtype=bool),
        group=np.arange(3),
        row_region=np.zeros(3, dtype=np.int64),
        site_region=np.zeros(3, dtype=np.int64),
        population=np.array([700.0]),
        before=np.array([0.0]),
        budget=10.0,
    )


def test_villages_objective_prefers_two_small_villages_to_one_big() -> None:
    # village 0: 500 people dark, served by option 0 (cost 10); villages 1 and 2: 100 each,
    # served by options 1 and 2 (cost 5 each). Budget 10.
    inst = _three_villages()
    people_first = solve(to_problem(inst, rules=False), EXACT)
    assert people_first.selected.tolist() == [True, False, False]
    assert people_first.covered == 500.0

    goal = VillageGoal(row_village=np.array([0, 1, 2]), need=np.array([250.0, 50.0, 50.0]))
    problem = to_problem(inst, rules=False, villages=goal)
    villages_first = solve(problem, EXACT)
    assert villages_first.selected.tolist() == [False, True, True]
    assert villages_first.covered == 200.0
    assert problem.villages_gained(villages_first.selected) == 2
    assert villages_first.objective == pytest.approx(2 + 200.0 / 701.0, rel=1e-12)


def test_village_that_already_has_signal_is_not_counted() -> None:
    # the same, but village 2 already has signal (need inf): one new village either way, so
    # the tie goes to people and the big village wins
    inst = _three_villages()
    goal = VillageGoal(row_village=np.array([0, 1, 2]), need=np.array([250.0, 50.0, np.inf]))
    sol = solve(to_problem(inst, rules=False, villages=goal), EXACT)
    assert sol.selected.tolist() == [True, False, False]
    assert sol.objective == pytest.approx(1 + 500.0 / 701.0, rel=1e-12)


def random_villages(inst: Instance, seed: int, n_villages: int = 5) -> VillageGoal:
    rng = np.random.default_rng(1000 + seed)
    m = inst.people.size
    row_village = rng.integers(-1, n_villages, size=m)
    reach = np.bincount(row_village[row_village >= 0], inst.people[row_village >= 0], n_villages)
    need = np.round(reach * rng.uniform(0.3, 0.9, size=n_villages))
    need[rng.integers(n_villages)] = np.inf  # already has signal
    need[reach == 0] = np.inf
    return VillageGoal(row_village=row_village, need=need)


def villages_by_hand(inst: Instance, goal: VillageGoal, covered_rows: np.ndarray) -> int:
    got = np.zeros(goal.need.size)
    for i in np.flatnonzero(covered_rows):
        if goal.row_village[i] >= 0:
            got[goal.row_village[i]] += inst.people[i]
    return int(np.sum(np.isfinite(goal.need) & (got >= goal.need - 1e-9)))


@pytest.mark.parametrize("seed", range(6))
def test_villages_match_brute_force(seed: int) -> None:
    inst = random_instance(seed)
    goal = random_villages(inst, seed)
    problem = to_problem(inst, rules=False, villages=goal)
    best = (-1, -np.inf)  # (villages, demand value): villages first, ties by demand
    for sel in all_selections(inst.cost.size):
        ev = evaluate_by_hand(inst, sel, inst.budget)
        if ev.valid:
            best = max(best, (villages_by_hand(inst, goal, ev.covered_rows), ev.value))
    sol = solve(problem, EXACT)
    ev = evaluate_by_hand(inst, sol.selected, inst.budget)
    assert ev.valid
    assert villages_by_hand(inst, goal, ev.covered_rows) == best[0]
    assert ev.value == pytest.approx(best[1], rel=1e-9)
    tie = 1.0 / (inst.demand.sum() + 1.0)
    assert sol.objective == pytest.approx(best[0] + tie * best[1], rel=1e-12)


def test_villages_bind_on_the_random_instances() -> None:
    """Maximising villages must differ from maximising demand somewhere, or the test above
    would not tell the two objectives apart."""
    differs = 0
    for seed in range(6):
        inst = random_instance(seed)
        goal = random_villages(inst, seed)
        by_demand = max(
            (ev.value, villages_by_hand(inst, goal, ev.covered_rows))
            for ev in (evaluate_by_hand(inst, s, inst.budget) for s in all_selections(8))
            if ev.valid
        )
        most = max(
            villages_by_hand(inst, goal, ev.covered_rows)
            for ev in (evaluate_by_hand(inst, s, inst.budget) for s in all_selections(8))
            if ev.valid
        )
        differs += most > by_demand[1]
    assert differs >= 1


# ---------------------------------------------------------------------------------------
# 6. the fairness figures of the summary


def gini_by_pairs(values: list[float]) -> float:
    """Mean absolute difference over all ordered pairs / (2 × mean)."""
    v = np.asarray(values, dtype=float)
    return float(np.abs(v[:, None] - v[None, :]).mean() / (2 * v.mean()))


def test_gini_by_hand() -> None:
    assert gini([0.5, 0.5, 1.0]) == pytest.approx(1 / 6, abs=1e-12)
    assert gini([1.0, 0.5, 0.5]) == pytest.approx(1 / 6, abs=1e-12)  # order does not matter
    assert gini([0.8, 0.8, 1.0]) == pytest.approx(0.4 / 7.8, abs=1e-12)
    assert gini([0.3, 0.3, 0.3]) == 0.0
    assert gini([0.0, 0.0, 1.0]) == pytest.approx(2 / 3, abs=1e-12)  # (n - 1) / n
    rng = np.random.default_rng(7)
    for _ in range(5):
        v = rng.random(6).tolist()
        assert gini(v) == pytest.approx(gini_by_pairs(v), abs=1e-12)


def test_fairness_figures_before_and_after() -> None:
    population = np.array([100.0, 200.0, 700.0])
    before = np.array([50.0, 100.0, 700.0])  # shares 0.5, 0.5, 1.0
    after = np.array([80.0, 160.0, 700.0])  # shares 0.8, 0.8, 1.0
    fig = fairness_figures(population, before, after, list(NAMES))
    assert fig["min_region_coverage_before_pct"] == 50.0
    assert fig["lowest_region_before"] in NAMES[:2]
    assert fig["gini_before"] == pytest.approx(1 / 6, abs=1e-4)
    assert fig["min_region_coverage_after_pct"] == 80.0
    assert fig["gini_after"] == pytest.approx(0.4 / 7.8, abs=1e-4)
    assert fig["gini_after"] < fig["gini_before"]  # the plan made coverage more equal

    only_before = fairness_figures(population, before, None, list(NAMES))
    assert "gini_after" not in only_before
    assert only_before["gini_before"] == fig["gini_before"]


def test_fairness_figures_ignore_a_region_nobody_lives_in() -> None:
    names = ["A", "Empty", "B", "C"]
    population = np.array([100.0, 0.0, 200.0, 700.0])
    before = np.array([50.0, 0.0, 100.0, 700.0])
    after = np.array([80.0, 0.0, 160.0, 700.0])
    fig = fairness_figures(population, before, after, names)
    assert fig["min_region_coverage_before_pct"] == 50.0  # not 0% for the empty region
    assert fig["lowest_region_before"] in ("A", "B")
    assert fig["gini_before"] == pytest.approx(1 / 6, abs=1e-4)
    assert fig["min_region_coverage_after_pct"] == 80.0
    assert fig["lowest_region_after"] in ("A", "B")
    assert fig["gini_after"] == pytest.approx(0.4 / 7.8, abs=1e-4)


# ---------------------------------------------------------------------------------------
# 7. merging rows keeps regions apart


def test_merge_rows_keeps_keys_apart() -> None:
    cells = np.array(
        [
            [1, 0, 1],  # cells 0 and 1: same options, different regions
            [1, 0, 1],
            [0, 1, 0],  # cells 2 and 3: same options, same region
            [0, 1, 0],
            [0, 0, 0],  # served by nothing
            [1, 0, 1],  # same options and region as cell 0
        ],
        dtype=np.int8,
    )
    weight = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 5.0])
    key = np.array([0, 1, 2, 2, 0, 0])
    cover, demand, row_of_cell = merge_rows(sparse.csr_matrix(cells), weight, key=key)

    assert row_of_cell[4] == -1
    assert row_of_cell[0] != row_of_cell[1]
    assert row_of_cell[2] == row_of_cell[3]
    assert row_of_cell[0] == row_of_cell[5]
    assert cover.shape[0] == 3
    assert demand[row_of_cell[0]] == 15.0
    assert demand[row_of_cell[1]] == 20.0
    assert demand[row_of_cell[2]] == 70.0
    assert demand.sum() == pytest.approx(weight[:4].sum() + weight[5])
    for c in (0, 1, 2, 3, 5):
        assert cover[row_of_cell[c]].toarray().ravel().tolist() == cells[c].tolist()

    # without a key, the two regions' cells merge
    cover, demand, row_of_cell = merge_rows(sparse.csr_matrix(cells), weight)
    assert row_of_cell[0] == row_of_cell[1] == row_of_cell[5]
    assert cover.shape[0] == 2
    assert demand[row_of_cell[0]] == 35.0


def test_merge_rows_with_region_keys_keeps_floors_exact() -> None:
    """Merging with the region as key loses no per-region people on a random grid."""
    rng = np.random.default_rng(3)
    cells = (rng.random((400, 5)) < 0.3).astype(np.int8)
    weight = rng.integers(0, 50, size=400).astype(float)
    region = rng.integers(0, 3, size=400)
    cover, demand, row_of_cell = merge_rows(sparse.csr_matrix(cells), weight, key=region)
    served = row_of_cell >= 0
    row_region = np.full(cover.shape[0], -1)
    row_region[row_of_cell[served]] = region[served]
    # every row holds cells of one region only
    assert np.all(row_region[row_of_cell[served]] == region[served])
    per_region_cells = np.bincount(region[served], weights=weight[served], minlength=3)
    per_region_rows = np.bincount(row_region, weights=demand, minlength=3)
    np.testing.assert_allclose(per_region_rows, per_region_cells)
    assert demand.sum() == pytest.approx(weight[served].sum())
    distinct = {(tuple(c), k) for c, k in zip(cells[served].tolist(), region[served], strict=True)}
    assert cover.shape[0] == len(distinct)


# --- regressions found while writing these tests ----------------------------------------


def test_prune_keeps_sites_whose_people_count_even_at_zero_demand_weight() -> None:
    """A row can weigh 0 (every household already online) yet hold people: pruning must not
    drop the site covering it when a target, floor or village counts those people."""
    cover = sparse.csr_matrix(np.eye(2, dtype=np.int8))
    base = {
        "demand": np.array([10.0, 0.0]),
        "people": np.array([100.0, 100.0]),
        "cover": cover,
        "cost": np.array([1.0, 1.0]),
        "is_wifi": np.zeros(2, bool),
        "group": np.arange(2),
    }
    target = CoverageProblem(**base, target=150.0)
    assert target.feasible(solve(target, EXACT).design)
    rules = RegionRules(
        row_region=np.array([0, 1]),
        site_region=np.array([0, 1]),
        population=np.array([100.0, 100.0]),
        before=np.array([0.0, 0.0]),
        min_share=0.5,
    )
    floor = CoverageProblem(**base, budget=2.0, rules=rules)
    assert floor.feasible(solve(floor, EXACT).design)
    goal = CoverageProblem(
        **base, budget=2.0, villages=VillageGoal(np.array([0, 1]), np.array([50.0, 50.0]))
    )
    assert goal.villages_gained(solve(goal, EXACT).selected) == 2


def test_reviewer_decisions_do_not_turn_a_greedy_shortfall_into_an_error() -> None:
    rules = RegionRules(
        row_region=np.array([0, 0]),
        site_region=np.array([0, 0]),
        population=np.array([1000.0]),
        before=np.array([0.0]),
        min_share=0.3,
    )
    p = CoverageProblem(
        demand=np.array([300.0, 200.0]),
        cover=sparse.csr_matrix(np.eye(2, dtype=np.int8)),
        cost=np.array([3.0, 1.0]),
        is_wifi=np.zeros(2, bool),
        group=np.arange(2),
        budget=3.0,
        rules=rules,
    )
    free = solve(p, EXACT)
    decided = solve(replace(p, forced=np.array([-1, -1])), EXACT)
    assert decided.objective == free.objective
    assert p.feasible(decided.design)
