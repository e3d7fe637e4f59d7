"""The scale suite's synthetic regions are deterministic and plannable."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
import shapely.geometry
import yaml
from rasterio.enums import Resampling
from rasterio.features import rasterize

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


# --- the national archipelago (XL), at a tenth of its extent -----------------------------


@pytest.fixture(scope="module")
def archipelago(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """XS-archipelago (4.6° × 1.7°, the XL generator at scale 0.1), written twice."""
    script = ROOT / "benchmarks" / "regions.py"
    folders = []
    for name in ("a", "b"):
        folder = tmp_path_factory.mktemp(f"xs-{name}")
        subprocess.run([sys.executable, str(script), "XS-archipelago", str(folder)], check=True)
        folders.append(folder)
    return folders[0], folders[1]


def _land_from_dem(folder: Path) -> tuple[np.ndarray, Any]:
    """The DEM's land (> 0), read on the population grid (10 × 10 DEM pixels each)."""
    with rasterio.open(folder / "population.tif") as pop:
        shape, transform = pop.shape, pop.transform
    with rasterio.open(folder / "elevation.tif") as dem:
        assert dem.width == shape[1] * 10 and dem.height == shape[0] * 10
        heights = dem.read(1, out_shape=shape, resampling=Resampling.nearest)
    return heights > 0, transform


def test_archipelago_is_the_same_every_time(archipelago: tuple[Path, Path]) -> None:
    first, second = archipelago
    assert _digest(first) == _digest(second)
    assert {"regencies.geojson", "elevation.tif", "scenario_1km.yaml"} <= set(_digest(first))


def test_regencies_are_valid_land_only_and_grouped_in_provinces(
    archipelago: tuple[Path, Path],
) -> None:
    folder = archipelago[0]
    regencies = json.loads((folder / "regencies.geojson").read_text())["features"]
    props = [feature["properties"] for feature in regencies]
    shapes = [shapely.geometry.shape(feature["geometry"]) for feature in regencies]
    assert all(shape.is_valid and not shape.is_empty for shape in shapes)
    assert len({p["name"] for p in props}) == len(props) == len({p["code"] for p in props})
    assert all(p["code"].startswith(p["kode_prov"] + ".") for p in props)
    provinces = {p["kode_prov"]: p["provinsi"] for p in props}
    assert len(provinces) >= 10 and len(set(provinces.values())) == len(provinces)
    assert len(props) > len(provinces)  # some provinces have several regencies
    land, transform = _land_from_dem(folder)
    covered = rasterize(
        [(shape, 1) for shape in shapes], out_shape=land.shape, transform=transform
    ).astype(bool)
    assert (covered == land).all()  # regencies are exactly the land: no sea, no land left out
    with rasterio.open(folder / "population.tif") as src:
        people = src.read(1)
    assert not people[~covered].any()


def test_population_is_on_land_with_towns_villages_and_hamlets(
    archipelago: tuple[Path, Path],
) -> None:
    with rasterio.open(archipelago[0] / "population.tif") as src:
        assert src.crs.to_epsg() == 4326
        assert src.res == pytest.approx((1 / 120, 1 / 120))
        people = src.read(1).astype(np.float64)
    # 210 M × 0.1² asked for
    assert people.sum() == pytest.approx(2.1e6, rel=0.01)
    assert people.max() > 5_000  # a town's centre
    populated = people[people > 0]
    assert (populated < 100).sum() > 100  # hamlets


def test_dem_joins_across_strips_without_a_seam(archipelago: tuple[Path, Path]) -> None:
    with rasterio.open(archipelago[0] / "elevation.tif") as src:
        assert src.dtypes[0] == "int16" and src.profile["tiled"]
        dem = src.read(1).astype(np.float64)
    assert dem.max() > 300 and (dem == 0).mean() > 0.5  # hills, mostly sea
    strip, chunk = 256, 256 * 8  # XS-archipelago's strip rows and window columns
    for axis, step in ((0, strip), (1, chunk)):
        step_diff = np.abs(np.diff(dem, axis=axis))
        both_land = (np.delete(dem, -1, axis=axis) > 0) & (np.delete(dem, 0, axis=axis) > 0)
        edges = np.arange(step - 1, dem.shape[axis] - 1, step)
        at_edges = np.take(step_diff, edges, axis=axis)[np.take(both_land, edges, axis=axis)]
        inside = np.delete(step_diff, edges, axis=axis)[np.delete(both_land, edges, axis=axis)]
        assert at_edges.size > 100
        assert at_edges.mean() < 1.5 * inside.mean() + 1
        assert at_edges.max() <= inside.max()


def test_archipelago_scenarios_tile_by_province(archipelago: tuple[Path, Path]) -> None:
    fine = load_scenario(archipelago[0] / "scenario.yaml")
    coarse = load_scenario(archipelago[0] / "scenario_1km.yaml")
    assert (fine.region.resolution_m, fine.coverage.model) == (100, "terrain")
    assert (coarse.region.resolution_m, coarse.coverage.model) == (1000, "radius")
    for scenario in (fine, coarse):
        assert scenario.region.tiles is not None and scenario.region.tiles.by == "kode_prov"
        assert scenario.backhaul.satellite is not None
        assert scenario.backhaul.satellite.capacity_mbps_total is None
    fiber = json.loads((archipelago[0] / "fiber.geojson").read_text())["features"]
    towers = json.loads((archipelago[0] / "towers.geojson").read_text())["features"]
    assert towers and all(t["properties"]["technology"] == "macro_4g" for t in towers)
    assert all(f["geometry"]["type"] == "LineString" for f in fiber)


def test_scale_runs_xl_1km_on_a_local_cluster_copy(
    archipelago: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = importlib.util.spec_from_file_location("scale", ROOT / "benchmarks" / "scale.py")
    assert spec is not None and spec.loader is not None
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)
    shutil.copytree(archipelago[0], tmp_path / "XL")
    monkeypatch.setattr(scale, "CACHE", tmp_path)
    path, out = scale.scenario_for("XL-1km", 2)
    assert path.parent == tmp_path / "XL" and out == tmp_path / "XL" / "out-XL-1km-workers-2"
    data = yaml.safe_load(path.read_text())
    assert data["compute"]["scheduler"] == "local:2"
    assert data["region"]["resolution_m"] == 1000
    assert scale.scenario_for("XL", None) == (
        tmp_path / "XL" / "scenario.yaml",
        tmp_path / "XL" / "out",
    )
    with pytest.raises(SystemExit) as stop:
        scale.main(["XXL"])
    assert stop.value.code == 2
