"""Terrain footprints: speed for 1, 100 and 1,000 sites, and line of sight against GDAL.

``python benchmarks/footprints.py`` (part of ``benchmarks/run.py``). Sites are placed at
seeded random points of the demo region's DEM (100 m cells) with a 30 km maximum range.
When ``gdal_viewshed`` (Debian package gdal-bin) is on the PATH, the same observers are run
through it on the same DEM, and the two line-of-sight masks are compared cell by cell.
"""

from __future__ import annotations

import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import rasterio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netplan.config import load_scenario  # noqa: E402
from netplan.layers import load_layers  # noqa: E402
from netplan.radio.coverage import TerrainModel  # noqa: E402

RANGE_M = 30_000.0
OBSERVER_M, TARGET_M = 35.0, 1.5
K_FACTOR = 4.0 / 3.0


def _sites(model: TerrainModel, n: int, seed: int) -> list[tuple[float, float]]:
    """Cell centres at least ``RANGE_M`` / 3 inside the grid, seeded."""
    g = model.grid
    rng = np.random.default_rng(seed)
    margin = int(RANGE_M / 3 / g.resolution)
    rows = rng.integers(margin, g.height - margin, n)
    cols = rng.integers(margin, g.width - margin, n)
    x, y = g.cell_centres(rows * g.width + cols)
    return list(zip(x.tolist(), y.tolist(), strict=True))


def footprint_speed(model: TerrainModel, tech: Any, counts: tuple[int, ...]) -> dict[str, Any]:
    model.footprint(*_sites(model, 1, 99)[0], tech)  # compile outside the timing
    out = {}
    for n in counts:
        sites = _sites(model, n, seed=n)
        start = time.perf_counter()
        cells = 0
        for x, y in sites:
            cells += model.footprint(x, y, tech).cells.size
        wall = time.perf_counter() - start
        out[str(n)] = {
            "sites": n,
            "seconds": round(wall, 3),
            "footprints_per_s": round(n / wall, 2),
            "ms_per_site": round(1000 * wall / n, 2),
            "mean_cells_covered": round(cells / n),
        }
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def versus_gdal(model: TerrainModel, n: int) -> dict[str, Any]:
    exe = shutil.which("gdal_viewshed")
    if exe is None:
        return {"skipped": "gdal_viewshed not found (apt-get install gdal-bin)"}
    g = model.grid
    sites = _sites(model, n, seed=7)
    agreement, ours_ms, gdal_ms = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        dem_path = Path(tmp) / "dem.tif"
        with rasterio.open(
            dem_path,
            "w",
            driver="GTiff",
            width=g.width,
            height=g.height,
            count=1,
            dtype="float32",
            crs=g.crs.to_wkt(),
            transform=g.transform,
        ) as dst:
            dst.write(model.dem.astype(np.float32), 1)
        rows, cols = np.indices(g.shape)
        for i, (x, y) in enumerate(sites):
            start = time.perf_counter()
            ours = model.viewshed(
                x, y, observer_m=OBSERVER_M, target_m=TARGET_M, max_range_m=RANGE_M
            )
            ours_ms.append(1000 * (time.perf_counter() - start))
            out_path = Path(tmp) / f"vs{i}.tif"
            cmd = [
                exe,
                "-q",
                "-ox",
                str(x),
                "-oy",
                str(y),
                "-oz",
                str(OBSERVER_M),
                "-tz",
                str(TARGET_M),
                "-md",
                str(RANGE_M),
                "-cc",
                str(1.0 / K_FACTOR),
                str(dem_path),
                str(out_path),
            ]
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            gdal_ms.append(1000 * (time.perf_counter() - start))
            theirs = np.zeros(g.shape, dtype=bool)
            with rasterio.open(out_path) as src:  # gdal crops its output to the range
                r0 = round((g.y0 - src.transform.f) / g.resolution)
                c0 = round((src.transform.c - g.x0) / g.resolution)
                theirs[r0 : r0 + src.height, c0 : c0 + src.width] = src.read(1) == 255
            u, v = (x - g.x0) / g.resolution, (g.y0 - y) / g.resolution
            within = (
                np.hypot(cols + 0.5 - u, rows + 0.5 - v) * g.resolution <= RANGE_M - g.resolution
            )
            agreement.append(float((ours[within] == theirs[within]).mean()))
    return {
        "observers": n,
        "agreement_median": round(statistics.median(agreement), 4),
        "agreement_min": round(min(agreement), 4),
        "ours_ms_median": round(statistics.median(ours_ms), 1),
        "gdal_viewshed_ms_median": round(statistics.median(gdal_ms), 1),
        "ratio_ours_to_gdal": round(statistics.median(ours_ms) / statistics.median(gdal_ms), 3),
        "note": "gdal_viewshed time includes starting its process; -cc = 1/k",
    }


def line_of_sight_ms(model: TerrainModel, n: int, range_m: float) -> dict[str, Any]:
    """Median milliseconds for one site's line-of-sight mask (viewshed) out to ``range_m``."""
    sites = _sites(model, n, 7)
    model.viewshed(*sites[0], observer_m=OBSERVER_M, target_m=TARGET_M, max_range_m=range_m)
    times = []
    for x, y in sites:
        start = time.perf_counter()
        model.viewshed(x, y, observer_m=OBSERVER_M, target_m=TARGET_M, max_range_m=range_m)
        times.append(1000 * (time.perf_counter() - start))
    return {"sites": n, "range_m": range_m, "median_ms": round(statistics.median(times), 2)}


def main() -> dict[str, Any]:
    scenario = load_scenario(ROOT / "configs" / "demo.yaml")
    layers = load_layers(scenario)
    model = TerrainModel(layers.grid, layers.elevation, k_factor=K_FACTOR)
    tech = scenario.technologies["macro_4g"].model_copy(update={"max_range_m": RANGE_M})
    results = {
        "grid": {
            "width": layers.grid.width,
            "height": layers.grid.height,
            "resolution_m": layers.grid.resolution,
        },
        "range_m": RANGE_M,
        "footprints": footprint_speed(model, tech, (1, 100, 1000)),
        "line_of_sight_vs_gdal": versus_gdal(model, 20),
        "line_of_sight_15km": line_of_sight_ms(model, 50, 15_000.0),
    }
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
