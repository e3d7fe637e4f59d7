"""A national (tiled) plan as a planner runs it: tiles in their own projection, one
optimisation over them, the national folder, a failed tile named and ``--resume``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from click.testing import CliRunner

from netplan.cli.main import cli
from netplan.config import load_scenario
from netplan.runs import run_plan
from netplan.testing import write_archipelago, write_scenario

TILED = {"region": {"tiles": {"by": "islands"}}, "compute": {"scheduler": "local:1"}}


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The two-island scenario planned whole and as tiles (one island each)."""
    folder = tmp_path_factory.mktemp("islands")
    whole = write_archipelago(folder / "whole")
    tiled = write_archipelago(folder / "tiled", config=TILED)
    out_whole, s_whole, _ = run_plan(load_scenario(whole), out_dir=folder / "whole-run")
    out_tiled, s_tiled, result = run_plan(load_scenario(tiled), out_dir=folder / "tiled-run")
    assert result is None  # a national run has no single grid
    return {"whole": (out_whole, s_whole), "tiled": (out_tiled, s_tiled)}


def test_tiled_plan_has_the_untiled_objective(both: dict[str, Any]) -> None:
    (_, whole), (_, tiled) = both["whole"], both["tiled"]
    # two islands 60 km apart share nothing but the budget: the national model over the two
    # tiles is the untiled model, so its proven optimum is the same
    assert whole["solver"]["status"] == tiled["solver"]["status"] == "optimal"
    assert tiled["solver"]["objective"] == pytest.approx(whole["solver"]["objective"], rel=1e-6)
    assert tiled["population_total"] == pytest.approx(whole["population_total"], rel=1e-6)
    assert tiled["population_covered_before"] == pytest.approx(
        whole["population_covered_before"], rel=1e-6
    )
    assert tiled["new_towers"] == whole["new_towers"]
    assert tiled["total_cost"] == pytest.approx(whole["total_cost"], rel=1e-6)


def test_manifest_lists_tiles_with_their_projection_and_times(both: dict[str, Any]) -> None:
    out, summary = both["tiled"]
    manifest = json.loads((out / "manifest.json").read_text())
    tiles = manifest["tiles"]
    assert [t["name"] for t in tiles] == ["Alpha island", "Beta island"]
    for tile in tiles:
        assert tile["crs"] == "EPSG:32754"  # UTM 54S holds both islands within 0.1%
        assert 0 <= tile["scale_error_pct"] <= 0.1
        assert tile["halo_m"] >= 40_000  # the microwave hop reach
        assert tile["timings_s"]["load layers"] > 0
        assert (out / tile["folder"] / "map.html").is_file()
        assert (out / tile["folder"] / "summary.json").is_file()
    assert manifest["solution"]["reproducible"] is True
    assert [t["name"] for t in summary["tiles"]] == ["Alpha island", "Beta island"]
    assert {r["tile"] for r in summary["regions"]} == {"Alpha island", "Beta island"}
    provinces = summary["provinces"]
    assert sum(p["population_total"] for p in provinces) == pytest.approx(
        summary["population_total"], rel=1e-6
    )
    assert sum(p["new_towers"] for p in provinces) == summary["new_towers"]


def test_national_files_hold_every_tile(both: dict[str, Any]) -> None:
    out, summary = both["tiled"]
    sites = gpd.read_parquet(out / "sites.parquet")
    assert len(sites) == summary["new_towers"] + summary["new_wifi"]
    assert sites.crs.to_epsg() == 4326
    regions = gpd.read_file(out / "plan.gpkg", layer="regions")
    assert sorted(regions["name"]) == ["Alpha", "Beta"]
    page = (out / "map.html").read_text()
    for tile in summary["tiles"]:
        assert f'href="{tile["folder"]}/map.html"' in page
    assert "<script" not in page  # opens offline, nothing to download


def test_a_failed_tile_is_named_and_resume_reuses_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dask.distributed import Client

    import netplan.national as national

    scenario = load_scenario(write_archipelago(tmp_path / "s", config=TILED))
    real = national.analyze
    calls: list[str] = []

    def broken(scenario: Any, *, timings: Any = None, tile: Any = None) -> Any:
        calls.append(tile.name)
        if tile.name.startswith("Beta"):
            raise OSError("disk on fire")
        return real(scenario, timings=timings, tile=tile)

    out = tmp_path / "run"
    monkeypatch.setattr(national, "analyze", broken)
    with Client(processes=False, n_workers=1, threads_per_worker=1) as client:
        with pytest.raises(national.TilesFailedError, match=r"Beta island: disk on fire"):
            run_plan(scenario, out_dir=out, client=client)
        assert calls.count("Beta island") == 2  # tried again once before giving up
        assert not out.exists()  # nothing half-written
        calls.clear()
        monkeypatch.setattr(
            national, "analyze", lambda *a, **k: calls.append(k["tile"].name) or real(*a, **k)
        )
        run_plan(scenario, out_dir=out, resume=True, client=client)
    assert calls == ["Beta island"]  # Alpha's finished work was reused
    tiles = json.loads((out / "manifest.json").read_text())["tiles"]
    assert [t["resumed"] for t in tiles] == [True, False]
    assert not (tmp_path / ".run.tiles").exists()  # the work folder goes with success


def test_resume_needs_a_tiled_scenario(tmp_path: Path) -> None:
    config = write_scenario(tmp_path / "s")
    result = CliRunner().invoke(cli, ["plan", "--config", str(config), "--resume"])
    assert result.exit_code == 2
    assert "region.tiles" in result.output


def test_validate_reports_each_tile(tmp_path: Path) -> None:
    config = write_archipelago(tmp_path / "s", config=TILED)
    result = CliRunner().invoke(cli, ["validate", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "2 tiles by islands" in result.output
    assert "tile Alpha island: 1 regions" in result.output
    assert "EPSG:32754" in result.output


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``netplan scenarios`` on the two-island scenario, whole and as tiles, from the
    command line."""
    folder = tmp_path_factory.mktemp("sweeps")
    out = {}
    for name, config in (("whole", {}), ("tiled", TILED)):
        path = write_archipelago(folder / name, config=config)
        target = folder / f"{name}-scenarios"
        result = CliRunner().invoke(
            cli,
            ["scenarios", "--config", str(path), "--budgets", "2e9,6e9,2e10", "--out", str(target)],
        )
        assert result.exit_code == 0, result.output
        out[name] = (target, json.loads((target / "scenarios.json").read_text()))
    return out


def test_a_tiled_sweep_has_the_untiled_plans(sweeps: dict[str, Any]) -> None:
    (_, whole), (folder, tiled) = sweeps["whole"], sweeps["tiled"]
    assert [e["budget"] for e in tiled["scenarios"]] == [2e9, 6e9, 2e10]
    for w, t in zip(whole["scenarios"], tiled["scenarios"], strict=True):
        assert t["solver"]["objective"] == pytest.approx(w["solver"]["objective"], rel=1e-6)
        assert t["population_newly_covered"] == pytest.approx(w["population_newly_covered"])
        assert t["total_cost"] == pytest.approx(w["total_cost"], rel=1e-6)
        assert t["new_towers"] == w["new_towers"]
        assert t["fairness"]["gini_after"] == pytest.approx(w["fairness"]["gini_after"], abs=1e-3)
        assert t["fairness"]["lowest_region_after"] == w["fairness"]["lowest_region_after"]
    # coverage rises with the budget, and more money covers more people
    covered = [e["population_newly_covered"] for e in tiled["scenarios"]]
    assert covered == sorted(covered) and covered[-1] > covered[0]
    for name in ("scenarios.csv", "scenarios.html", "scenarios.xlsx"):
        assert (folder / name).is_file()
    assert not (folder.parent / f".{folder.name}.tiles").exists()  # the work is cleared


def test_a_tiled_sweep_has_a_row_per_province_and_regency(sweeps: dict[str, Any]) -> None:
    folder, record = sweeps["tiled"]
    for entry in record["scenarios"]:
        provinces = {p["name"]: p for p in entry["provinces"]}
        assert set(provinces) == {"Alpha island", "Beta island"}  # tiles by island
        regencies = {r["province"]: r for r in entry["regions"]}  # one regency per island
        assert {r["name"] for r in regencies.values()} == {"Alpha", "Beta"}
        for name, province in provinces.items():
            regency = regencies[name]
            assert province["coverage_after_pct"] == pytest.approx(
                regency["coverage_after_pct"], abs=0.02
            )
            assert province["new_towers"] == regency["new_towers"]
        assert sum(p["total_cost"] for p in provinces.values()) == pytest.approx(
            entry["total_cost"], rel=1e-6
        )
    page = (folder / "scenarios.html").read_text()
    assert "Provinces" in page and "Alpha island" in page and "Beta island" in page


def test_a_national_coverage_target_is_the_countrys(tmp_path: Path) -> None:
    # one island already well covered, the other not: the country's target lets the first
    # island's surplus count, as the untiled plan does
    target = {"objective": {"budget": None, "target_coverage": 0.5}}
    whole = write_archipelago(tmp_path / "whole", config=target)
    tiled = write_archipelago(tmp_path / "tiled", config={**target, **TILED})
    _, s_whole, _ = run_plan(load_scenario(whole), out_dir=tmp_path / "w")
    _, s_tiled, _ = run_plan(load_scenario(tiled), out_dir=tmp_path / "t")
    assert s_tiled["coverage_after_pct"] >= 50.0
    assert s_tiled["total_cost"] == pytest.approx(s_whole["total_cost"], rel=1e-6)


def test_plan_on_the_command_line_prints_the_national_line(tmp_path: Path) -> None:
    config = write_archipelago(tmp_path / "s", config=TILED)
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["plan", "--config", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert isinstance(summary["new_towers"], int)
    assert f"{summary['new_towers']} new tower" in result.output
    assert "gap" in result.output and str(out) in result.output


def test_a_hostile_tile_name_stays_text_on_the_overview_page() -> None:
    import shapely

    from netplan.national_outputs import overview_html

    name = '<script>alert("x")</script> & "Papua"'
    row = {
        "name": name,
        "folder": "tiles/script-alert-x-script-papua",
        "population_total": 1000.0,
        "coverage_before_pct": 10.0,
        "coverage_after_pct": 55.0,
        "new_towers": 1,
        "new_wifi": 0,
        "total_cost": 1.5e9,
    }
    shapes = gpd.GeoDataFrame([{**row, "geometry": shapely.box(130, -3, 131, -2)}], crs=4326)
    summary = {
        "scenario": name,
        "currency": "IDR",
        "population_newly_covered": 450.0,
        "total_cost": 1.5e9,
        "coverage_before_pct": 10.0,
        "coverage_after_pct": 55.0,
        "solver": {"status": "optimal", "gap": 0.0},
        "tiles": [row],
    }
    for lang in ("en", "id"):
        page = overview_html(shapes, summary, lang)
        assert "<script" not in page and "&lt;script&gt;" in page
        assert 'href="tiles/script-alert-x-script-papua/map.html"' in page
