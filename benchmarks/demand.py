"""Demand-stage kernels at country-like sizes, and the real western Papua data end to end.

Run by ``benchmarks/run.py`` (or alone: ``python benchmarks/demand.py``); prints JSON.

- ``urban_class``, ``calibrate_population``: one pass over an N-cell float32 grid, against
  a plain numpy sum over the same array;
- ``village_cells``: nearest-village assignment of populated cells (KD-tree);
- ``report_evidence``: citizen reports counted into 1 km blocks;
- ``papua_west``: ``netplan analyze`` on the shared real data with calibration, the BPS
  join and 2,523 villages at 1 km (skipped when ../shared is absent).
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pyproj import CRS

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "papua-west"


def _median_s(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def kernels(side: int) -> dict[str, Any]:
    from netplan.grid import make_grid
    from netplan.population import calibrate_population, urban_class, village_cells
    from netplan.signal_reports import report_evidence

    rng = np.random.default_rng(0)
    cells = side * side
    # settlement-like population: mostly empty, clustered people
    pop = np.zeros((side, side), dtype=np.float32)
    settled = rng.random((side, side)) < 0.03
    pop[settled] = rng.gamma(0.6, 8.0, size=int(settled.sum())).astype(np.float32)
    region = (np.arange(side)[None, :] * 4 // side).astype(np.int16).repeat(side, axis=0)
    extent = (0.0, 0.0, side * 100.0, side * 100.0)
    grid = make_grid(extent, crs=CRS.from_epsg(32754), resolution=100)
    out: dict[str, Any] = {"cells": cells, "populated_cells": int(settled.sum())}
    out["numpy_sum_s"] = _median_s(lambda: pop.sum(dtype=np.float64))
    out["urban_class_s"] = _median_s(
        lambda: urban_class(pop, 100.0, density_per_km2=300.0, min_population=5000.0)
    )
    registry = np.array([1e5, 2e5, 3e5, 4e5])

    def calibrate() -> None:
        calibrate_population(pop.copy(), region, registry, ["a", "b", "c", "d"])

    copy_s = _median_s(lambda: pop.copy())
    out["calibrate_s"] = max(_median_s(calibrate) - copy_s, 0.0)
    out["urban_class_vs_sum"] = round(out["urban_class_s"] / out["numpy_sum_s"], 1)
    out["calibrate_vs_sum"] = round(out["calibrate_s"] / out["numpy_sum_s"], 1)

    import geopandas as gpd

    flat = np.flatnonzero(settled.ravel())
    cx, cy = grid.cell_centres(flat)
    n_villages = max(10, cells // 20_000)
    vx = rng.uniform(0, side * 100.0, n_villages)
    vy = rng.uniform(0, side * 100.0, n_villages)
    villages = gpd.GeoDataFrame(geometry=gpd.points_from_xy(vx, vy), crs=grid.crs)
    out["villages"] = n_villages
    out["village_cells_s"] = _median_s(
        lambda: village_cells(villages, grid.shape, grid.transform, cx, cy, flat, radius_m=2000.0)
    )
    n_reports = 1_000_000
    rx = rng.uniform(0, side * 100.0, n_reports)
    ry = rng.uniform(0, side * 100.0, n_reports)
    dark = rng.random(n_reports) < 0.6
    covered = rng.random((side, side)) < 0.5
    out["reports"] = n_reports
    out["report_evidence_s"] = _median_s(
        lambda: report_evidence(
            rx, ry, dark, grid, pop, covered, region.astype(np.int32), k=5, cell_m=1000.0
        ),
        repeat=1,
    )
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def papua_west() -> dict[str, Any]:
    if not SHARED.is_dir():
        return {"skipped": "shared data not present"}
    from netplan.config import load_scenario
    from netplan.runs import run_analysis
    from netplan.testing import papua_west_scenario

    scenario = papua_west_scenario(SHARED, with_demand=True)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "real.yaml"
        config.write_text(yaml.safe_dump(scenario))
        start = time.perf_counter()
        _, summary = run_analysis(load_scenario(config), out_dir=Path(tmp) / "run")
        wall = time.perf_counter() - start
    factors = {c["name"]: c["factor"] for c in summary["population_calibration"]}
    return {
        "wall_s": round(wall, 2),
        "population_total": summary["population_total"],
        "households_total": summary["households_total"],
        "unconnected_households_total": summary["unconnected_households_total"],
        "villages_total": summary["villages_total"],
        "calibration_factor_min": min(factors.values()),
        "calibration_factor_max": max(factors.values()),
        "calibration_factors": factors,
        "access_calibration": summary["access_calibration"],
    }


def main() -> None:
    side = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    result = {"kernels": kernels(side), "papua_west": papua_west()}
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
