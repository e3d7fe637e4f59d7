"""netplan's optimiser side by side with PySAL spopt's MCLP (PuLP + CBC) on the S region.

Both solve the same maximal covering problem: the S region's blank-spot demand (merged
rows) and tower candidates, each costing the same, at most ``p`` of them (the budget buys
``p``); no backhaul and no hotspots, since MCLP has neither. spopt gets the dense
demand × candidate cost matrix it needs (0 = covered, 1 = not, service radius 0.5).

Run: ``python benchmarks/peers.py [REGION_DIR]`` (needs ``pip install -e '.[bench]'``);
prints JSON. With no region folder it generates S with ``benchmarks/regions.py``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def mclp_instance(region: Path) -> Any:
    """The S region's covering problem without backhaul, towers only, unit costs."""
    from netplan.config import load_scenario
    from netplan.pipeline import analyze, build_options, build_problem

    scenario = load_scenario(region / "scenario.yaml")
    scenario = scenario.model_copy(
        update={
            "backhaul": scenario.backhaul.model_copy(
                update={"fiber": None, "microwave": None, "satellite": None}
            )
        }
    )
    analysis = analyze(scenario)
    options = build_options(analysis)
    problem = build_problem(analysis, options)
    towers = np.flatnonzero(~problem.is_wifi)
    cover = problem.cover[:, towers].tocsr()
    served = np.asarray(cover.sum(axis=1)).ravel() > 0
    return replace(
        problem,
        cover=cover[served],
        demand=problem.demand[served],
        people=None,
        cost=np.ones(towers.size),
        is_wifi=np.zeros(towers.size, dtype=bool),
        group=np.arange(towers.size),
        network=None,
        bandwidth_mbps=None,
        budget=1.0,
        target=None,
        forced=None,
    )


def main() -> None:
    import pulp
    from regions import write_region
    from spopt.locate import MCLP

    from netplan.optimize.solver import SolverSettings, solve

    p = 25
    with tempfile.TemporaryDirectory() as tmp:
        region = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tmp) / "S"
        if len(sys.argv) <= 1:
            write_region("S", region)
        base = mclp_instance(region)
    problem = replace(base, budget=float(p))
    m, n = problem.cover.shape

    start = time.perf_counter()
    ours = solve(problem, SolverSettings(time_limit_s=600, relative_gap=0.0, seed=0))
    ours_s = time.perf_counter() - start

    start = time.perf_counter()
    cost = 1.0 - problem.cover.toarray().astype(np.float64)  # 0 where covered
    model = MCLP.from_cost_matrix(
        cost, problem.demand, service_radius=0.5, p_facilities=p, name="netplan-S"
    )
    build_s = time.perf_counter() - start
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    spopt_s = time.perf_counter() - start
    spopt_objective = float(pulp.value(model.problem.objective))
    chosen = [j for j, v in enumerate(model.fac_vars) if v.value() > 0.5]
    spopt_covered, _ = problem.value(np.isin(np.arange(n), chosen))
    print(
        json.dumps(
            {
                "demand_rows": m,
                "candidates": n,
                "p_facilities": p,
                "netplan": {
                    "objective": round(ours.objective, 3),
                    "gap": ours.gap,
                    "status": ours.status,
                    "seconds": round(ours_s, 3),
                },
                "spopt_mclp": {
                    "objective": round(spopt_objective, 3),
                    "covered_check": round(spopt_covered, 3),
                    "seconds": round(spopt_s, 3),
                    "model_build_seconds": round(build_s, 3),
                },
                "same_objective": abs(ours.objective - spopt_objective)
                <= 1e-6 * max(1.0, spopt_objective),
                "speedup": round(spopt_s / ours_s, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
