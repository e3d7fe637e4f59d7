"""The review loop: accepted sites are built, rejected ones never, added ones are planned,
and the reported cost of the decisions is the difference of the two objectives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from netplan.cli.main import cli
from netplan.testing import pixel_lonlat, write_scenario


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    folder = tmp_path / "s"
    folder.mkdir()
    points = {"A": (30, 43), "B": (30, 47), "C": (50, 15), "D": (52, 18), "E": (40, 30)}
    features = [
        {
            "type": "Feature",
            "properties": {"id": k},
            "geometry": {"type": "Point", "coordinates": list(pixel_lonlat(*rc))},
        }
        for k, rc in points.items()
    ]
    (folder / "cands.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    return write_scenario(
        folder,
        config={
            "layers": {"candidates": "cands.geojson"},
            "technologies": {"macro_4g": {"radius_m": 500}},
            "objective": {"budget": 6.0e9},
        },
    )


def _run(config: Path, out: Path, *extra: str) -> tuple[dict, list[str], dict]:
    result = CliRunner().invoke(cli, ["-q", "plan", "-c", str(config), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    ids = [
        f["properties"]["id"] for f in json.loads((out / "plan.geojson").read_text())["features"]
    ]
    return (
        json.loads((out / "summary.json").read_text()),
        ids,
        json.loads((out / "manifest.json").read_text()),
    )


def test_decisions_are_respected_and_costed(scenario: Path, tmp_path: Path) -> None:
    free_summary, free_ids, _ = _run(scenario, tmp_path / "free")
    assert free_ids  # the free optimum builds something
    rejected = free_ids[0]
    accepted = next(c for c in "ABCDE" if c not in free_ids)
    lon, lat = pixel_lonlat(10, 30)
    review = tmp_path / "review.csv"
    review.write_text(
        f"id,decision,lon,lat\n{rejected},reject,,\n{accepted},accept,,\nNEW1,add,{lon},{lat}\n"
    )
    summary, ids, manifest = _run(scenario, tmp_path / "reviewed", "--decisions", str(review))
    assert rejected not in ids
    assert accepted in ids and "NEW1" in ids
    d = manifest["decisions"]
    assert d["free_objective"] == pytest.approx(free_summary["solver"]["objective"], abs=1e-3)
    assert d["cost_of_decisions"] == pytest.approx(d["free_objective"] - d["objective"], abs=1e-6)
    assert d["cost_of_decisions"] >= -1e-6  # decisions never beat the free optimum
    assert summary["total_cost"] <= summary["budget"]
    assert manifest["inputs"]["layers.decisions"]["sha256"]


def test_bad_decisions_are_refused_clearly(scenario: Path, tmp_path: Path) -> None:
    review = tmp_path / "review.csv"
    review.write_text("id,decision\nZZZ,accept\n")
    result = CliRunner().invoke(
        cli, ["plan", "-c", str(scenario), "--decisions", str(review), "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 2 and "ZZZ" in result.stderr and "not a candidate" in result.stderr
    review.write_text("id,decision\nA,maybe\n")
    result = CliRunner().invoke(
        cli, ["plan", "-c", str(scenario), "--decisions", str(review), "--out", str(tmp_path / "y")]
    )
    assert result.exit_code == 2 and "maybe" in result.stderr
    review.write_text("id,decision\nA,accept\nB,accept\nC,accept\nD,accept\nE,accept\n")
    result = CliRunner().invoke(
        cli,
        [
            "plan",
            "-c",
            str(scenario),
            "--decisions",
            str(review),
            "--budget",
            "1e9",
            "--out",
            str(tmp_path / "z"),
        ],
    )
    assert result.exit_code == 3 and "accepted sites" in result.stderr
