"""What produced a run: input hashes, resolved config, versions, seed and timings."""

from __future__ import annotations

import platform
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from netplan import __version__
from netplan.config import Scenario
from netplan.io.outputs import iso_time, source_date

_PACKAGES = (
    "numpy",
    "scipy",
    "shapely",
    "pyproj",
    "rasterio",
    "geopandas",
    "pyogrio",
    "pandas",
    "xarray",
    "ortools",
    "pydantic",
    "click",
)


def package_versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "netplan": __version__}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover
            out[name] = "not installed"
    try:
        import rasterio

        out["gdal"] = rasterio.__gdal_version__
    except ImportError:  # pragma: no cover
        pass
    return out


def build_manifest(
    scenario: Scenario,
    *,
    command: str,
    input_hashes: dict[str, dict[str, str]],
    timings: dict[str, float],
    sizes: dict[str, int],
) -> dict[str, Any]:
    """The manifest record for a run (pure: hashes are computed by the caller)."""
    return {
        "netplan_version": __version__,
        # the run date the map shows: SOURCE_DATE_EPOCH when set (a reproducible build), else now
        "created": iso_time(source_date() or datetime.now(UTC)),
        "command": command,
        "scenario_file": str(scenario.source) if scenario.source else None,
        "inputs": input_hashes,
        "config": scenario.resolved(),
        "solver": {
            "backend": scenario.solver.backend,
            "seed": scenario.solver.seed,
            "time_limit_s": scenario.solver.time_limit_s,
            "relative_gap": scenario.solver.relative_gap,
            "workers": scenario.solver.workers,
            "note": "SCIP runs single-threaded; workers is recorded for other backends",
        },
        "sizes": sizes,
        "timings_s": timings,
        "packages": package_versions(),
        "platform": platform.platform(),
    }


def describe_inputs(paths: dict[str, Path], digest: Any) -> dict[str, dict[str, str]]:
    """{key: {path, sha256}} using ``digest(path) -> str``."""
    return {key: {"path": str(p), "sha256": digest(p)} for key, p in sorted(paths.items())}
