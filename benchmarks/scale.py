"""The scale suite: ``netplan plan`` on synthetic regions S, M and L, and the national
archipelago XL (``regions.py``), each in a fresh process: per-stage wall time, peak memory,
problem sizes and the solver's gap; plus one pass over a 190-million-cell float32 raster
against a plain numpy sum.

Run: ``python benchmarks/scale.py S M L`` (prints JSON; ``run.py --scale S,M,L`` calls it).
``XL`` plans the archipelago at 100 m (terrain model), ``XL-1km`` the same folder's
``scenario_1km.yaml`` (1 km, radius model). ``--workers N`` runs each plan on a local
``dask.distributed`` cluster of N workers: the child reads a copy of the scenario with
``compute.scheduler: "local:N"`` (written beside it, so its relative paths still hold) and
writes to its own output folder. Regions are generated once into ``benchmarks/.regions/``
(git-ignored) and reused; XL takes several minutes to generate.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".regions"

_CHILD = """
import json, logging, resource, sys, threading, time
from pathlib import Path
import psutil
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
for noisy in ("distributed", "numba", "pyogrio", "fontTools"):
    logging.getLogger(noisy).setLevel(logging.WARNING)
from netplan.config import load_scenario
from netplan.runs import run_plan
peak = [0]
def sample():  # this process and every worker it starts (a national run's Dask workers)
    me = psutil.Process()
    while True:
        total = 0
        for proc in [me, *me.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass
        peak[0] = max(peak[0], total)
        time.sleep(0.2)
threading.Thread(target=sample, daemon=True).start()
start = time.perf_counter()
out, summary, result = run_plan(load_scenario(sys.argv[1]), out_dir=Path(sys.argv[2]))
wall = time.perf_counter() - start
manifest = json.loads((out / "manifest.json").read_text())
print(json.dumps({
    "wall_s": round(wall, 2),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "peak_all_processes_mb": round(peak[0] / 2**20),
    "tiles": manifest.get("tiles"),
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


#: sizes planned from another size's folder, and the scenario file they read there
VARIANTS = {"XL-1km": ("XL", "scenario_1km.yaml")}


def region(size: str) -> Path:
    folder = CACHE / size
    if not (folder / "scenario.yaml").is_file():
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "regions.py"), size, str(folder)],
            check=True,
            capture_output=True,
        )
    return folder


def scenario_for(size: str, workers: int | None) -> tuple[Path, Path]:
    """The scenario file ``size`` plans and the folder its run writes to; with ``workers``,
    a copy of the scenario set to run on a local cluster of that many workers."""
    base, name = VARIANTS.get(size, (size, "scenario.yaml"))
    folder = region(base)
    scenario = folder / name
    out = folder / ("out" if size == base else f"out-{size}")
    if workers is None:
        return scenario, out
    data = yaml.safe_load(scenario.read_text())
    data.setdefault("compute", {})["scheduler"] = f"local:{workers}"
    copy = folder / f"{scenario.stem}.workers-{workers}.yaml"
    copy.write_text(yaml.safe_dump(data, sort_keys=False))
    return copy, out.with_name(f"{out.name}-workers-{workers}")


def plan(size: str, workers: int | None = None) -> dict[str, Any]:
    scenario, out = scenario_for(size, workers)
    start = time.perf_counter()
    # the run's log goes to this process's stderr as it happens (a national run takes minutes)
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(scenario), str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    if proc.returncode != 0:
        return {
            "failed": f"exit code {proc.returncode}; its log is on stderr above",
            "seconds": time.perf_counter() - start,
        }
    record: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    record["process_s"] = round(time.perf_counter() - start, 2)
    if workers is not None:
        record["workers"] = workers
    return record


def raster_pass(cells: int = 190_000_000) -> dict[str, Any]:
    """One pass over a 190-million-cell float32 raster (per-region sums, the calibration's
    kernel) against numpy's sum of the same array."""
    from netplan.population import _region_sums

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", default=["S"], help="S, M, L, XL or XL-1km")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="run each plan on a local dask.distributed cluster of this many workers",
    )
    args = parser.parse_args(argv)
    known = {"S", "M", "L", "XL", *VARIANTS}
    unknown = [size for size in args.sizes if size not in known]
    if unknown:
        parser.error(f"unknown size {', '.join(unknown)}: choose from {', '.join(sorted(known))}")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    plans = {size: plan(size, args.workers) for size in args.sizes}
    result: dict[str, Any] = {"plans": plans}
    result["raster_pass"] = raster_pass()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
