"""The scale suite's synthetic regions are deterministic and plannable."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import rasterio

from netplan.config import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def test_region_s_is_the_same_every_time_and_a_valid_scenario(tmp_path: Path) -> None:
    script = ROOT / "benchmarks" / "regions.py"
    for name in ("a", "b"):
        subprocess.run([sys.executable, str(script), "S", str(tmp_path / name)], check=True)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    scenario = load_scenario(tmp_path / "a" / "scenario.yaml")
    assert scenario.coverage.model == "terrain"
    with rasterio.open(tmp_path / "a" / "population.tif") as src:
        pop = src.read(1)
        # ~10,000 km² of 100 m pixels, with towns, villages and scattered hamlets
        assert 0.95e6 < pop.size < 1.05e6
        assert 2e5 < float(pop.sum(dtype=np.float64)) < 1e6
        assert (pop > 0).mean() < 0.1  # mostly empty land
