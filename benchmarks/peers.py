"""netplan's optimiser side by side with PySAL spopt's MCLP (PuLP + CBC) on a region.

Both solve the same maximal covering problem: the region's blank-spot demand (merged rows)
and tower candidates, each costing the same, at most ``p`` of them (the budget buys ``p``);
no backhaul and no hotspots, since MCLP has neither. netplan presolves the problem
(:mod:`netplan.optimize.presolve`: dominated candidates out, identical rows merged), solves
it exactly (relative gap 0) and lifts the plan back; its time covers all three. spopt gets
the dense demand × candidate cost matrix it needs (0 = covered, 1 = not, service radius
0.5); its time covers building its model and CBC.

spopt builds its model from the dense matrix, one Python term per cell: beyond
``DENSE_CELLS`` cells (the M region has 108 million) that takes hours and gigabytes, so
there the peer is spopt's MCLP formulation (the same variables and rows) built sparsely with
PuLP and solved by the same CBC: a lower bound on what spopt itself would take. The output
says which peer ran.

Run: ``python benchmarks/peers.py [S|M|L|REGION_DIR] [--runs 3] [--p 25]`` (needs
``pip install -e '.[bench]'``); prints JSON with the median of ``--runs`` runs of each. A
size name uses the cached region in ``benchmarks/.regions/`` when there is one, else writes
it with ``benchmarks/regions.py``; no argument means S.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

#: Above this many demand × candidate cells, spopt's dense model build is replaced by the
#: same model built sparsely (see the module notes).
DENSE_CELLS = 5_000_000


def mclp_instance(region: Path) -> Any:
    """The region's covering problem without backhaul, towers only, unit costs."""
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
        rules=None,
        villages=None,
    )


@contextlib.contextmanager
def region_folder(name_or_dir: str) -> Iterator[Path]:
    """The region's folder: a given folder, the cached size, or one written for the run."""
    if name_or_dir in ("S", "M", "L"):
        cached = ROOT / "benchmarks" / ".regions" / name_or_dir
        if (cached / "scenario.yaml").is_file():
            yield cached
            return
        from regions import write_region

        with tempfile.TemporaryDirectory() as tmp:
            yield write_region(name_or_dir, Path(tmp) / name_or_dir)
        return
    yield Path(name_or_dir)


def run_netplan(problem: Any) -> dict[str, Any]:
    """netplan's solve (its presolve included), exact: objective and seconds."""
    from netplan.optimize.solver import SolverSettings, solve

    start = time.perf_counter()
    found = solve(problem, SolverSettings(time_limit_s=600, relative_gap=0.0, seed=0))
    design = found.design
    seconds = time.perf_counter() - start
    assert problem.feasible(design)
    return {
        "objective": problem.objective(design),
        "gap": found.gap,
        "status": found.status,
        "seconds": seconds,
    }


def run_spopt(problem: Any, p: int) -> dict[str, Any]:
    """spopt's MCLP from the dense cost matrix, solved by CBC."""
    import pulp
    from spopt.locate import MCLP

    start = time.perf_counter()
    cost = 1.0 - problem.cover.toarray().astype(np.float64)  # 0 where covered
    model = MCLP.from_cost_matrix(
        cost, problem.demand, service_radius=0.5, p_facilities=p, name="netplan-peer"
    )
    built = time.perf_counter()
    model = model.solve(pulp.PULP_CBC_CMD(msg=False))
    done = time.perf_counter()
    chosen = np.array([v.value() > 0.5 for v in model.fac_vars])
    return {
        "objective": float(pulp.value(model.problem.objective)),
        "covered_check": problem.value(chosen)[0],
        "seconds": done - start,
        "model_build_seconds": built - start,
    }


def run_sparse_mclp(problem: Any, p: int) -> dict[str, Any]:
    """spopt's MCLP formulation (max Σ a_i y_i, y_i ≤ Σ_{j ∋ i} x_j, Σ x_j = p, all
    binary) built sparsely with PuLP, solved by CBC."""
    import pulp

    start = time.perf_counter()
    cover = problem.cover.tocsr()
    m, n = cover.shape
    model = pulp.LpProblem("netplan-peer", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x[{j}]", cat="Binary") for j in range(n)]
    y = [pulp.LpVariable(f"y[{i}]", cat="Binary") for i in range(m)]
    model += pulp.lpSum(float(problem.demand[i]) * y[i] for i in range(m))
    for i in range(m):
        cols = cover.indices[cover.indptr[i] : cover.indptr[i + 1]].tolist()
        model += pulp.lpSum(x[j] for j in cols) >= y[i]
    model += pulp.lpSum(x) == p
    built = time.perf_counter()
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    done = time.perf_counter()
    chosen = np.array([v.value() > 0.5 for v in x])
    return {
        "objective": float(pulp.value(model.objective)),
        "covered_check": problem.value(chosen)[0],
        "seconds": done - start,
        "model_build_seconds": built - start,
    }


def median_run(run: Callable[[], dict[str, Any]], runs: int) -> dict[str, Any]:
    """``run`` ``runs`` times: the last run's figures with the median of each time."""
    results = [run() for _ in range(runs)]
    out = dict(results[-1])
    for key in ("seconds", "model_build_seconds"):
        if key in out:
            out[key] = round(statistics.median(r[key] for r in results), 3)
            out[f"{key}_runs"] = [round(r[key], 3) for r in results]
    out["objective"] = round(out["objective"], 3)
    return out


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "region", nargs="?", default="S", help="S, M, L or a region folder (default S)"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of each solver (median)")
    parser.add_argument("--p", type=int, default=25, help="candidates to build")
    args = parser.parse_args(argv)
    folder = Path(args.region)
    if args.region not in ("S", "M", "L") and not (folder / "scenario.yaml").is_file():
        parser.error(f"{args.region}: not S, M, L or a folder with a scenario.yaml")
    if args.runs < 1 or args.p < 1:
        parser.error("--runs and --p must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    from netplan.optimize.presolve import presolve

    args = parse(sys.argv[1:] if argv is None else argv)
    with region_folder(args.region) as region:
        problem = replace(mclp_instance(region), budget=float(args.p))
    m, n = problem.cover.shape
    reduced = presolve(problem).problem
    ours = median_run(lambda: run_netplan(problem), args.runs)
    dense = m * n <= DENSE_CELLS
    peer_name = "spopt_mclp" if dense else "spopt_mclp_formulation_sparse_pulp_cbc"
    peer = median_run(
        (lambda: run_spopt(problem, args.p))
        if dense
        else (lambda: run_sparse_mclp(problem, args.p)),
        args.runs,
    )
    print(
        json.dumps(
            {
                "region": args.region,
                "p_facilities": args.p,
                "demand_rows": m,
                "candidates": n,
                "cover_nonzeros": int(problem.cover.nnz),
                "presolved": {
                    "demand_rows": reduced.n_rows,
                    "candidates": reduced.n_options,
                    "cover_nonzeros": int(reduced.cover.nnz),
                },
                "runs": args.runs,
                "netplan": ours,
                "peer": peer_name,
                peer_name: peer,
                "same_objective": abs(ours["objective"] - peer["objective"])
                <= 1e-6 * max(1.0, peer["objective"]),
                "speedup": round(peer["seconds"] / ours["seconds"], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
