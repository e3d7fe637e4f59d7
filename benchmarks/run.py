"""Benchmarks, one command: ``python benchmarks/run.py`` (results in benchmarks/results/).

- ``demo_plan``: ``netplan plan`` on the demo in a fresh subprocess (so peak memory is that
  run's own), ``--repeat`` times: median wall time, per-stage times, peak RSS, problem
  sizes, the solver's gap;
- ``footprints``: terrain footprints for 1, 100 and 1,000 sites at 100 m and 30 km range,
  and line of sight against GDAL's ``gdal_viewshed`` (``benchmarks/footprints.py``);
- ``demand``: urban class, calibration, village membership and citizen-report counting on a
  100-million-cell grid, and the real western Papua data end to end (``benchmarks/demand.py``).

Not timed tests: numbers are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from netplan.config import load_scenario
from netplan.runs import run_plan
start = time.perf_counter()
scenario = load_scenario(sys.argv[1])
out, summary, result = run_plan(scenario, out_dir=Path(sys.argv[2]))
wall = time.perf_counter() - start
manifest = json.loads((out / "manifest.json").read_text())
print(json.dumps({
    "wall_s": wall,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "stages_s": manifest["timings_s"],
    "sizes": manifest["sizes"],
    "solver": summary["solver"],
    "coverage_before_pct": summary["coverage_before_pct"],
    "coverage_after_pct": summary["coverage_after_pct"],
}))
"""


def run_case(config: Path, repeat: int) -> dict[str, Any]:
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-c", _CHILD, str(config), str(Path(tmp) / "run")],
                capture_output=True,
                text=True,
                check=True,
            )
            process_s = time.perf_counter() - start
        record = json.loads(proc.stdout.strip().splitlines()[-1])
        record["process_s"] = process_s  # includes interpreter start and imports
        runs.append(record)
    last = runs[-1]
    return {
        "config": str(config.relative_to(ROOT)),
        "repeat": repeat,
        "median_wall_s": statistics.median(r["wall_s"] for r in runs),
        "median_process_s": statistics.median(r["process_s"] for r in runs),
        "max_peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "stages_s": last["stages_s"],
        "sizes": last["sizes"],
        "solver": last["solver"],
        "coverage_before_pct": last["coverage_before_pct"],
        "coverage_after_pct": last["coverage_after_pct"],
    }


def _script(name: str, *args: str) -> Any:
    """Run a benchmark script in its own process (its own peak memory); its JSON output."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / name), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument(
        "--scale", default="", help="Also run the scale suite on these sizes, e.g. S,M,L."
    )
    args = parser.parse_args()
    cases = {"demo_plan": ROOT / "configs" / "demo.yaml"}
    results: dict[str, Any] = {
        "machine": {"platform": platform.platform(), "python": sys.version.split()[0]},
        "cases": {name: run_case(cfg, args.repeat) for name, cfg in cases.items()},
    }
    results["footprints"] = _script("footprints.py")
    results["demand"] = _script("demand.py")
    if args.scale:
        results["scale"] = _script("scale.py", *args.scale.split(","))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "results.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    for name, case in results["cases"].items():
        print(
            f"{name}: median {case['median_wall_s']:.2f} s in-process "
            f"({case['median_process_s']:.2f} s with start-up), "
            f"peak {case['max_peak_rss_mb']:.0f} MB, gap {100 * case['solver']['gap']:.2f}%"
        )
    fp = results["footprints"]["footprints"]
    print(
        "footprints (30 km, 100 m): "
        + ", ".join(f"{k} sites {v['footprints_per_s']}/s" for k, v in fp.items() if k.isdigit())
        + f", peak {fp['peak_rss_mb']} MB"
    )
    los = results["footprints"]["line_of_sight_vs_gdal"]
    if "agreement_median" in los:
        print(
            f"line of sight vs gdal_viewshed: agreement median {los['agreement_median']:.1%} "
            f"(min {los['agreement_min']:.1%}), time ratio ours/gdal {los['ratio_ours_to_gdal']}"
        )
    k = results["demand"]["kernels"]
    print(
        f"demand on {k['cells']:,} cells: urban class {k['urban_class_s']:.2f} s "
        f"({k['urban_class_vs_sum']}x a numpy sum), calibration {k['calibrate_s']:.2f} s "
        f"({k['calibrate_vs_sum']}x), villages {k['village_cells_s']:.2f} s, "
        f"{k['reports']:,} reports {k['report_evidence_s']:.2f} s; "
        f"peak {results['demand']['peak_rss_mb']} MB"
    )
    for size, case in results.get("scale", {}).get("plans", {}).items():
        if "failed" in case:
            print(f"scale {size}: failed {case['failed']}")
            continue
        print(
            f"scale {size}: {case['wall_s']:.0f} s, peak {case['peak_rss_mb']} MB, "
            f"gap {100 * case['solver']['gap']:.2f}%, stages {case['stages_s']}"
        )
    if "scale" in results:
        rp = results["scale"]["raster_pass"]
        print(f"raster pass over {rp['cells']:,} cells: {rp['ratio']}x a numpy sum")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
