"""Tests of the HTML review map: layers, popups, escaping, robustness and size."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from netplan.io.assets import read_asset
from netplan.report.review_map import render_review_map
from netplan.units import money

CRS = "EPSG:4326"
LAYERS = (
    "No basemap",
    "OpenStreetMap",
    "Regions",
    "Existing coverage",
    "New coverage",
    "Blank spots",
    "Existing sites",
    "New towers",
    "WiFi hotspots",
    "Backhaul links",
)
SITE_COLUMNS = [
    "id",
    "kind",
    "technology",
    "backhaul",
    "capex",
    "opex_per_year",
    "total_cost",
    "people_newly_covered",
    "cost_per_person",
    "reason",
]


def _gdf(rows: list[dict[str, Any]], columns: list[str] | None = None) -> gpd.GeoDataFrame:
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in columns or []}, geometry=[], crs=CRS)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def _site(sid: str, kind: str, backhaul: str, total: float, reason: str, x: float) -> dict:
    return {
        "id": sid,
        "kind": kind,
        "technology": "4G" if kind == "tower" else "wifi",
        "backhaul": backhaul,
        "capex": total * 0.8,
        "opex_per_year": total * 0.04,
        "total_cost": total,
        "people_newly_covered": 4_200,
        "cost_per_person": total / 4200,
        "reason": reason,
        "geometry": Point(x, -8.55),
    }


@pytest.fixture
def layers() -> dict[str, gpd.GeoDataFrame]:
    """A tiny plan: 2 regions, 2 blank spots, 2 existing sites, 2 towers, 1 hotspot, 3 links."""
    return {
        "regions": _gdf(
            [
                {
                    "name": "Kab. Alor",
                    "code": "53.05",
                    "population": 210_000,
                    "coverage_before_pct": 71.4,
                    "coverage_after_pct": 88.0,
                    "geometry": box(124, -9, 125, -8),
                },
                {
                    "name": "Kab. Lembata",
                    "code": "53.13",
                    "population": 140_000,
                    "coverage_before_pct": 45.0,
                    "coverage_after_pct": math.nan,
                    "geometry": box(123, -9, 124, -8),
                },
            ]
        ),
        "blank_spots": _gdf(
            [
                {"id": "bs-1", "population": 3_100, "geometry": box(124.1, -8.6, 124.2, -8.5)},
                {
                    "id": "bs-2",
                    "population": 950,
                    "geometry": Polygon([(124.5, -8.5), (124.6, -8.5), (124.55, -8.4)]),
                },
            ]
        ),
        "coverage_before": _gdf([{"geometry": box(124.3, -8.9, 124.9, -8.2)}]),
        "coverage_new": _gdf([{"geometry": box(124.05, -8.65, 124.25, -8.45)}]),
        "existing_sites": _gdf(
            [
                {"id": "ex-1", "technology": "4G", "cells": 3, "geometry": Point(124.5, -8.6)},
                {"id": "ex-2", "technology": "2G", "cells": 1, "geometry": Point(123.5, -8.5)},
            ]
        ),
        "sites": _gdf(
            [
                _site("T-001", "tower", "fiber", 2_350_000_000, "Closes blank spot bs-1", 124.15),
                _site(
                    "T-<script>alert(1)</script>",
                    "tower",
                    "microwave",
                    1_800_000_000,
                    "Reaches bs-2 via microwave hop",
                    124.55,
                ),
            ]
        ),
        "hotspots": _gdf(
            [_site("W-001", "wifi", "satellite", 95_000_000, "School without signal", 124.12)]
        ),
        "links": _gdf(
            [
                {
                    "type": "fiber",
                    "length_km": 12.4,
                    "total_cost": 620_000_000,
                    "from": "POP-1",
                    "to": "T-001",
                    "geometry": LineString([(124.0, -8.7), (124.15, -8.55)]),
                },
                {
                    "type": "microwave",
                    "length_km": 18.0,
                    "total_cost": 150_000_000,
                    "from": "ex-1",
                    "to": "T-002",
                    "geometry": LineString([(124.5, -8.6), (124.55, -8.45)]),
                },
                {
                    "type": "satellite",
                    "length_km": 0.0,
                    "total_cost": 40_000_000,
                    "from": "GEO",
                    "to": "W-001",
                    "geometry": None,
                },
            ]
        ),
    }


def _render(layers: dict[str, gpd.GeoDataFrame], **overrides: Any) -> str:
    kwargs: dict[str, Any] = {"title": "Alor demo", "currency": "IDR", **layers, **overrides}
    return render_review_map(**kwargs)


def test_contains_every_layer_and_the_title_box(layers: dict[str, gpd.GeoDataFrame]) -> None:
    html = _render(
        layers,
        summary={"population_total": 350_000, "total_cost": 4.2e9, "new_towers": 2, "new_wifi": 1},
    )
    assert html.lstrip().lower().startswith("<!doctype html>")
    for name in LAYERS:
        assert name in html, name
    assert "Alor demo" in html
    assert "350,000" in html and "IDR 4.2 bn" in html


def test_tower_popups_show_id_cost_and_reason(layers: dict[str, gpd.GeoDataFrame]) -> None:
    html = _render(layers)
    assert "T-001" in html
    assert "IDR 2.35 bn" in html and "IDR 1.8 bn" in html
    assert "Closes blank spot bs-1" in html and "Reaches bs-2 via microwave hop" in html
    assert "School without signal" in html  # hotspot popup
    assert "IDR 559,524" in html  # cost per person keeps thousands separators
    assert "Kab. Alor" in html and "Kab. Lembata" in html


def test_text_from_input_files_is_escaped(layers: dict[str, gpd.GeoDataFrame]) -> None:
    regions = layers["regions"].copy()
    regions.loc[0, "name"] = "<script>alert('r')</script>"
    regions.loc[1, "name"] = "Kab. `${document.cookie}`"  # folium embeds text in JS templates
    html = _render(layers, regions=regions)
    assert "<script>alert" not in html
    assert "${document" not in html and "`${" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_satellite_link_without_geometry_is_skipped(layers: dict[str, gpd.GeoDataFrame]) -> None:
    html = _render(layers)
    assert "POP-1" in html and "GEO" not in html


def test_analysis_only_run_renders_regions(layers: dict[str, gpd.GeoDataFrame]) -> None:
    html = _render(
        layers,
        sites=None,
        hotspots=None,
        links=None,
        coverage_new=None,
        blank_spots=_gdf([], ["id", "population"]),
        coverage_before=_gdf([], []),
    )
    assert "Kab. Alor" in html and "Regions" in html and "Blank spots" in html
    for name in ("New towers", "WiFi hotspots", "Backhaul links", "New coverage"):
        assert name not in html


def test_empty_plan_layers_do_not_crash(layers: dict[str, gpd.GeoDataFrame]) -> None:
    empty_sites = _gdf([], SITE_COLUMNS)
    html = _render(
        layers,
        hotspots=empty_sites,
        sites=empty_sites,
        existing_sites=_gdf([], ["id", "technology", "cells"]),
        links=_gdf([], ["type", "length_km", "total_cost", "from", "to"]),
    )
    assert "WiFi hotspots" in html and "Kab. Lembata" in html


def test_output_is_reproducible_and_inputs_untouched(
    layers: dict[str, gpd.GeoDataFrame],
) -> None:
    copies = {key: gdf.copy() for key, gdf in layers.items()}
    assert _render(layers) == _render(layers)
    for key, gdf in layers.items():
        assert gdf.equals(copies[key]), key


def test_size_stays_small_for_a_realistic_plan(layers: dict[str, gpd.GeoDataFrame]) -> None:
    # Leaflet itself is inlined (the map works offline); the rest must stay small
    leaflet = len(read_asset("leaflet.js").encode()) + len(read_asset("leaflet.css").encode())
    assert len(_render(layers).encode()) < leaflet + 100_000
    # ~200 detailed blank-spot polygons and ~100 sites must stay well under 2 MB.
    spots = [
        {
            "id": f"bs-{i}",
            "population": 500 + i,
            "geometry": Point(123 + (i % 20) * 0.1, -9 + (i // 20) * 0.1).buffer(0.03, 64),
        }
        for i in range(200)
    ]
    sites = [
        _site(
            f"T-{i:03d}", "tower", "fiber", 2e9, "A fairly long reason text " * 4, 123 + i * 0.019
        )
        for i in range(100)
    ]
    html = _render(layers, blank_spots=_gdf(spots), sites=_gdf(sites))
    assert len(html.encode()) < leaflet + 1_000_000


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (2_350_000_000, "IDR 2.35 bn"),
        (850_000, "IDR 850,000"),
        (12_500_000, "IDR 12.5 mn"),
        (3e12, "IDR 3 tn"),
        (math.nan, "n/a"),
    ],
)
def test_money_format(amount: float, expected: str) -> None:
    assert money(amount, "IDR") == expected


def test_large_grids_draw_coverage_from_blocks_with_the_same_area() -> None:
    """A coverage disc drawn from 4 × 4 blocks keeps its area (majority rule) with far fewer
    vertices; a Papua-sized grid is drawn from blocks, the demo's at full detail."""
    from pyproj import CRS

    from netplan.grid import Grid
    from netplan.report.run_map import map_factor, mask_polygons

    n, res = 400, 100.0
    grid = Grid(
        crs=CRS.from_epsg(32754), x0=500_000.0, y0=9_000_000.0, resolution=res, width=n, height=n
    )
    yy, xx = np.mgrid[0:n, 0:n]
    disc = (yy - 200) ** 2 + (xx - 180) ** 2 <= 120**2
    fine = mask_polygons(disc, grid).to_crs(grid.crs)
    coarse = mask_polygons(disc, grid, factor=4).to_crs(grid.crs)
    assert fine.area.sum() == pytest.approx(disc.sum() * res**2, rel=1e-6)
    assert coarse.area.sum() == pytest.approx(fine.area.sum(), rel=0.02)
    vertices = lambda g: len(g.geometry.iloc[0].exterior.coords)  # noqa: E731
    assert vertices(coarse) < vertices(fine) / 3
    assert map_factor(grid) == 1
    papua = Grid(crs=grid.crs, x0=0.0, y0=0.0, resolution=100.0, width=6480, height=6480)
    assert map_factor(papua) == 4
