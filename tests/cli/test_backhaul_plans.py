"""Backhaul designs end to end on tiny scenarios: shared trenches, ridges, satellite caps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from netplan.config import load_scenario
from netplan.runs import run_plan
from netplan.testing import pixel_lonlat, write_elevation, write_scenario


def _points(path: Path, points: dict[str, tuple[float, float]]) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {"id": name},
            "geometry": {"type": "Point", "coordinates": list(lonlat)},
        }
        for name, lonlat in points.items()
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def _plan(folder: Path, config: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    path = write_scenario(folder, config=config)
    out, summary, _ = run_plan(load_scenario(path), out_dir=folder / "run")
    links = [f["properties"] for f in json.loads((out / "links.geojson").read_text())["features"]]
    return summary, links


def test_two_nearby_sites_far_from_the_backbone_share_one_trench(tmp_path: Path) -> None:
    folder = tmp_path / "trench"
    folder.mkdir()
    # two sites 300 m apart on the far village, ~5 km from the point of presence
    _points(
        folder / "candidates.geojson", {"A": pixel_lonlat(30, 43.6), "B": pixel_lonlat(30, 46.4)}
    )
    summary, links = _plan(
        folder,
        {
            "layers": {"candidates": "candidates.geojson"},
            "technologies": {"macro_4g": {"radius_m": 250}},
            "backhaul": {
                "fiber": {"routing_resolution_m": 100},
                "microwave": None,
                "satellite": None,
            },
            "objective": {"budget": 1e11},
        },
    )
    assert summary["new_towers"] == 2
    fiber = [link for link in links if link["type"] == "fiber"]
    from_pop = [link for link in fiber if link["from"] == "POP-1"]
    shared = [link for link in fiber if link["from"] in {"A", "B"}]
    assert len(from_pop) == 1 and len(shared) == 1  # one spur, then site to site
    spur = from_pop[0]["length_km"]
    assert spur > 4.0 and shared[0]["length_km"] < 1.0
    # total trench well below two separate spurs
    assert summary["fiber_km"] < 1.5 * spur < 2 * spur


def test_microwave_across_a_ridge_is_never_chosen_but_over_flat_ground_is(
    tmp_path: Path,
) -> None:
    results = {}
    for name, ridge in (("flat", None), ("ridge", 25)):
        folder = tmp_path / name
        folder.mkdir()
        write_elevation(folder / "elevation.tif", ridge_col=ridge, ridge_m=250.0)
        _points(folder / "candidates.geojson", {"V": pixel_lonlat(30, 45)})
        results[name] = _plan(
            folder,
            {
                "layers": {"elevation": "elevation.tif", "candidates": "candidates.geojson"},
                "technologies": {"macro_4g": {"radius_m": 600, "height_m": 30}},
                "backhaul": {"fiber": None, "satellite": None},
                "objective": {"budget": 1e11},
            },
        )
    flat, flat_links = results["flat"]
    assert flat["new_towers"] == 1 and [link["type"] for link in flat_links] == ["microwave"]
    ridge, ridge_links = results["ridge"]
    assert ridge["new_towers"] == 0 and ridge_links == []


def test_with_no_satellite_capacity_no_site_uses_satellite(tmp_path: Path) -> None:
    folder = tmp_path / "nosat"
    folder.mkdir()
    summary, links = _plan(
        folder,
        {
            "backhaul": {"satellite": {"capacity_mbps_total": 0}},
            "objective": {"budget": 1e11},
        },
    )
    assert summary["new_towers"] >= 1
    assert summary["satellite_links"] == 0
    assert all(link["type"] != "satellite" for link in links)
