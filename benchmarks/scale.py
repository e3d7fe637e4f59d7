"""The scale suite: ``netplan plan`` on synthetic regions S, M and L (``regions.py``), each in
a fresh process: per-stage wall time, peak memory, problem sizes and the solver's gap; plus
one pass over a 190-million-cell float32 raster against a plain numpy sum.

Run: ``python benchmarks/scale.py S M L`` (prints JSON; ``run.py --scale S,M,L`` calls it).
Regions are generated once into ``benchmarks/.regions/`` (git-ignored) and reused.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".regions"

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from netplan.config import load_scenario
from netplan.runs import run_plan
start = time.perf_counter()
out, summary, result = run_plan(load_scenario(sys.argv[1]), out_dir=Path(sys.argv[2]))
wall = time.perf_counter() - start
manifest = json.loads((out / "manifest.json").read_text())
print(json.dumps({
    "wall_s": round(wall, 2),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "stages_s": manifest["timings_s"],
    "sizes": manifest["sizes"],
    "solver": summary["solver"],
    "stages_stopped_by_time": manifest["solution"]["stages_stopped_by_time"],
    "coverage_before_pct": summary["coverage_before_pct"],
    "coverage_after_pct": summary["coverage_after_pct"],
    "new_towers": summary["new_towers"],
    # what a reviewer downloads (the review issue's limit: map.html under 10 MB at L)
    "deliverable_bytes": {
        name: (out / name).stat().st_size
        for name in ("map.html", "plan.kml", "plan.gpkg", "sites.parquet")
        if (out / name).exists()
    },
}))
"""


def region(size: str) -> Path:
    folder = CACHE / size
    if not (folder / "scenario.yaml").is_file():
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "regions.py"), size, str(folder)],
            check=True,
            capture_output=True,
        )
    return folder


def plan(size: str) -> dict[str, Any]:
    folder = region(size)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(folder / "scenario.yaml"), str(folder / "out")],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        return {
            "failed": proc.stderr.strip().splitlines()[-1:],
            "seconds": time.perf_counter() - start,
        }
    record: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    record["process_s"] = round(time.perf_counter() - start, 2)
    return record


def raster_pass(cells: int = 190_000_000) -> dict[str, Any]:
    """One pass over a 190-million-cell float32 raster (per-region sums, the calibration's
    kernel) against numpy's sum of the same array."""
    from netplan.demand import _region_sums

    rng = np.random.default_rng(0)
    values = rng.random(cells, dtype=np.float32)
    region = (np.arange(cells, dtype=np.int64) * 38 // cells).astype(np.int16)
    _region_sums(values[:10], region[:10], 38)  # compile

    def median(fn: Any) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    numpy_s = median(lambda: values.sum(dtype=np.float64))
    ours_s = median(lambda: _region_sums(values, region, 38))
    return {
        "cells": cells,
        "numpy_sum_s": round(numpy_s, 3),
        "region_sums_s": round(ours_s, 3),
        "ratio": round(ours_s / numpy_s, 2),
    }


def main() -> None:
    sizes = sys.argv[1:] or ["S"]
    result: dict[str, Any] = {"plans": {size: plan(size) for size in sizes}}
    result["raster_pass"] = raster_pass()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
