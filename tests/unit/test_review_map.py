"""Tests of the HTML review map drawn from a run's files: layers, popups, legend, title box,
languages, escaping, images, robustness and size."""

from __future__ import annotations

import base64
import json
import math
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from pyproj import CRS, Transformer
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile
from shapely.geometry import LineString, Point, box

from netplan import palette
from netplan.grid import Grid
from netplan.io.run_files import CoverageRaster, Overview, RunFiles
from netplan.report.run_map import (
    coverage_image,
    map_factor,
    mask_polygons,
    new_signal,
    review_map_html,
)
from netplan.site_facts import site_facts

WGS84 = "EPSG:4326"
UTM = CRS.from_epsg(32754)
#: the test grid: 300 × 200 cells of 100 m in UTM 54S, around 138.9 E, 4.1 S
N_ROWS, N_COLS, RES = 200, 300, 100.0
X0, Y0 = 270_000.0, 9_560_000.0
HOSTILE = "<script>alert(1)</script>{{ 7*7 }}`${x}`"


def lonlat(x: float, y: float) -> tuple[float, float]:
    return Transformer.from_crs(UTM, WGS84, always_xy=True).transform(x, y)


def cell_lonlat(row: int, col: int) -> tuple[float, float]:
    return lonlat(X0 + (col + 0.5) * RES, Y0 - (row + 0.5) * RES)


def gdf(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def tower(sid: str, row: int, col: int, backhaul: str, **extra: Any) -> dict[str, Any]:
    lon, lat = cell_lonlat(row, col)
    site = {
        "id": sid,
        "kind": "tower",
        "technology": "macro_4g",
        "backhaul": backhaul,
        "capex": 1.5e9,
        "opex_per_year": 1.5e8,
        "total_cost": 2.25e9,
        "people_newly_covered": 3283.5,
        "cost_per_person": 995_889.0,
        "reason": "stored reason",
        "name": "Nawepu",
        "source": "settlement",
        "backhaul_to": "POP-1" if backhaul == "fiber" else "satellite",
        "backhaul_km": 11.987 if backhaul == "fiber" else 0.0,
        "backhaul_cost": 1.02e9,
        "all_in_cost": 3.27e9,
        "people_only_here": 3283.5,
        "relays_to": "",
        "region": "Jayawijaya",
        "blank_spot": "B0001",
        "alternative": "",
        "reach_m": None,
        "lon": round(lon, 6),
        "lat": round(lat, 6),
        "band_mhz": 900.0,
        "mast_height_m": 35.0,
        "eirp_dbm": 61.0,
        "ground_elevation_m": 1650.4,
        "backhaul_capacity_mbps": 100_000.0 if backhaul == "fiber" else None,
        "relayed_via": None,
        "horizon_years": 5,
        "blank_spot_people": 1092.0,
        "blank_spot_village": "Yowa",
        "plan_cost_per_person": 1_073_194.0,
        "runner_up": "C0003",
        "runner_up_km": 1.8,
        "runner_up_people": 3259.0,
        "runner_up_cost": 3.27e9,
        "runner_up_cost_per_person": 1_003_375.0,
        "geometry": Point(lon, lat),
    }
    site.update(extra)
    return site


def coverage(covered: np.ndarray, signal: np.ndarray | None) -> CoverageRaster:
    transform = Grid(crs=UTM, x0=X0, y0=Y0, resolution=RES, width=N_COLS, height=N_ROWS).transform
    return CoverageRaster(covered, np.ones_like(covered), signal, transform, UTM)


def make_run(*, plan: bool = True, **overrides: Any) -> RunFiles:
    """A small plan run: 2 regencies, 3 blank spots (closed, partly closed, dark) and a tiny
    one, 2 towers (fiber, satellite), 1 hotspot, 2 links (one satellite without a line),
    3 villages, an existing site, a citizen-report block, terrain and population."""
    (w, s), (e, n) = cell_lonlat(N_ROWS - 1, 0), cell_lonlat(0, N_COLS - 1)
    mid = (w + e) / 2
    regions = gdf(
        [
            {
                "name": "Jayawijaya",
                "code": "95.02",
                "population": 113_711.6,
                "coverage_before_pct": 81.97,
                "coverage_after_pct": 94.33,
                "new_towers": 2,
                "new_wifi": 1,
                "spend": 7.5e9,
                "villages_gaining_signal": 2,
                "geometry": box(w, s, mid, n),
            },
            {
                "name": "Nduga",
                "code": "95.08",
                "population": 14_329.0,
                "coverage_before_pct": 0.0,
                "coverage_after_pct": 40.0,
                "new_towers": 0,
                "new_wifi": 0,
                "spend": 0.0,
                "villages_gaining_signal": 0,
                "geometry": box(mid, s, e, n),
            },
        ]
    )
    spot = lambda r, c, k, status: {  # noqa: E731
        "id": f"B{r:03d}{c:03d}",
        "population": 812.37,
        "nearest_village": "Yowa",
        "people_covered_after": 400.0,
        "people_still_dark": 412.4,
        "status": status,
        "geometry": box(*cell_lonlat(r + k, c), *cell_lonlat(r, c + k)),
    }
    blank = gdf(
        [
            spot(20, 20, 25, "closed"),
            spot(60, 150, 30, "partly_closed"),
            spot(120, 200, 40, "dark"),
            spot(170, 30, 0.5, "dark"),  # half a cell: a dot
        ]
    )
    lon, lat = cell_lonlat(100, 100)
    sites = gdf(
        [
            tower("C0045", 40, 40, "fiber"),
            tower("C0009", 130, 210, "satellite", runner_up=None, backhaul_capacity_mbps=None),
        ]
    )
    hot_lon, hot_lat = cell_lonlat(80, 170)
    hotspots = gdf(
        [
            {
                "id": "W-P0101",
                "kind": "wifi",
                "technology": "wifi",
                "backhaul": "satellite",
                "name": "SD Inpres Yowa",
                "total_cost": 2.1e8,
                "backhaul_cost": 1.02e9,
                "all_in_cost": 1.23e9,
                "people_newly_covered": 120.0,
                "cost_per_person": 1.025e7,
                "reach_m": 250.0,
                "horizon_years": 5,
                "region": "Nduga",
                "geometry": Point(hot_lon, hot_lat),
            },
        ]
    )
    pop_lon, pop_lat = cell_lonlat(5, 5)
    links = gdf(
        [
            {
                "id": "L0002",
                "type": "fiber",
                "length_km": 11.987,
                "total_cost": 3.42e9,
                "from": "POP-1",
                "to": "C0045",
                "terrain": "flat",
                "capacity_mbps": 100_000.0,
                "geometry": LineString([(pop_lon, pop_lat), cell_lonlat(40, 40)]),
            },
            {
                "id": "L0001",
                "type": "satellite",
                "length_km": 0.0,
                "total_cost": 1.02e9,
                "from": "satellite",
                "to": "C0009",
                "terrain": "",
                "capacity_mbps": None,
                "geometry": None,
            },
        ]
    )
    villages = gdf(
        [
            {
                "id": "T001",
                "name": "Wamena",
                "people": 55_907.1,
                "covered_before_pct": 100.0,
                "covered_after_pct": 100.0,
                "signal_before": True,
                "signal_after": True,
                "how_to_reach": "",
                "geometry": Point(*cell_lonlat(10, 10)),
            },
            {
                "id": "V001",
                "name": "Hawa",
                "people": 378.1,
                "covered_before_pct": 0.0,
                "covered_after_pct": 100.0,
                "signal_before": False,
                "signal_after": True,
                "how_to_reach": "",
                "geometry": Point(*cell_lonlat(45, 45)),
            },
            {
                "id": "V002",
                "name": "Tapi",
                "people": 646.0,
                "covered_before_pct": 0.0,
                "covered_after_pct": 0.0,
                "signal_before": False,
                "signal_after": False,
                "how_to_reach": "2 days on foot",
                "geometry": Point(*cell_lonlat(150, 250)),
            },
        ]
    )
    before = np.zeros((N_ROWS, N_COLS), bool)
    before[:100, :120] = True
    after = before.copy()
    after[100:180, 150:280] = True
    before_dbm = np.where(before, -80.0, np.nan)
    after_dbm = np.where(after, -90.0, np.nan)
    after_dbm[:100, :120] = -70.0  # stronger than before: the new sites' signal
    elevation = np.add.outer(np.linspace(1500, 2500, 100), np.linspace(0, 300, 150))
    density = np.where(elevation > 2000, 30.0, np.nan)
    run = {
        "folder": Path("."),
        "summary": {
            "scenario": "papua-highlands-demo",
            "currency": "IDR",
            "budget": 2.5e10,
            "total_cost": 24_340_907_194.6,
            "horizon_years": 5,
            "population_total": 128_041.0,
            "coverage_before_pct": 72.79,
            "coverage_after_pct": 90.51,
            "population_newly_covered": 22_680.8,
            "new_towers": 2,
            "new_wifi": 1,
            "fiber_km": 21.61,
            "satellite_links": 4,
            "villages_gaining_signal": 56,
            "solver": {"status": "limit", "gap": 0.170192},
        },
        "manifest": {
            "netplan_version": "0.1.0",
            "created": "2025-12-01T00:10:00+00:00",
            "config": {"technologies": {"macro_4g": {"min_signal_dbm": -105.0}}},
        },
        "regions": regions,
        "blank_spots": blank,
        "existing_sites": gdf(
            [{"id": "X-17", "technology": "LTE", "cells": 3, "geometry": Point(lon, lat)}]
        ),
        "coverage_before": coverage(before, before_dbm),
        "overview": Overview(elevation, density, (s, w), (n, e)),
        "report_blocks": gdf(
            [
                {
                    "id": "R0001",
                    "reports": 8,
                    "dark_share": 1.0,
                    "covered_share": 0.0,
                    "status": "confirmed_blank",
                    "geometry": box(*cell_lonlat(130, 60), *cell_lonlat(120, 70)),
                }
            ]
        ),
    }
    if plan:
        run.update(
            sites=sites,
            hotspots=hotspots,
            links=links,
            villages=villages,
            coverage_after=coverage(after, after_dbm),
        )
    else:
        run["blank_spots"] = blank.drop(
            columns=["status", "people_covered_after", "people_still_dark"]
        )
    run.update(overrides)
    return RunFiles(**run)


@pytest.fixture(scope="module")
def page() -> str:
    return review_map_html(make_run(), lang="en")


def page_data(html: str) -> dict[str, Any]:
    """The JSON document the page's script draws from."""
    found = re.search(
        r'<script type="application/json" id="netplan-data">(.*?)</script>', html, re.S
    )
    assert found, "no data in the page"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def layer(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(spec for spec in data["layers"] if spec["key"] == key)


def test_page_is_one_offline_file_with_every_layer(page: str) -> None:
    assert page.lstrip().startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert "<script src=" not in page and "<link " not in page  # nothing fetched
    assert "L.Control.FullScreen" in page  # the vendored fullscreen control is inlined
    data = page_data(page)
    keys = [spec["key"] for spec in data["layers"]]
    assert keys == [
        "regions",
        "population",
        "coverage_before",
        "coverage_new",
        "signal",
        "reports",
        "blank_spots",
        "links",
        "existing_sites",
        "villages",
        "hotspots",
        "sites",
    ]  # bottom to top: sites are drawn last, above links and areas
    panes = {spec["key"]: spec["pane"] for spec in data["layers"]}
    assert panes["sites"] == panes["hotspots"] == "sites"  # SVG, above the canvas
    assert panes["links"] == panes["villages"] == panes["blank_spots"] == "areas"
    assert data["base"]["image"].startswith("data:image/png;base64,")
    assert len(layer(data, "sites")["features"]) == 2
    assert len(layer(data, "links")["features"]) == 1  # the satellite link has no line


def test_title_box_has_the_key_figures(page: str) -> None:
    title = page[page.index('id="netplan-title"') : page.index('id="netplan-legend"')]
    for figure in (
        "Budget: <b>IDR 25 billion</b>",
        "Total cost: <b>IDR 24.34 billion</b>",
        "Certified gap: <b>17.02%</b>",
        "Fiber: <b>21.6 km</b>",
        "Satellite terminals: <b>4</b>",
        "Villages gaining signal: <b>56</b>",
        "New towers: <b>2</b>",
    ):
        assert figure in title, figure
    assert "December 1, 2025" in title and "netplan 0.1.0" in title
    assert 'download="review.csv"' in title


def popup_of(data: dict[str, Any], key: str, index: int) -> str:
    return str(layer(data, key)["popups"][index])


def test_site_popup_has_what_an_engineer_needs(page: str) -> None:
    popup = popup_of(page_data(page), "sites", 0)
    lon, lat = cell_lonlat(40, 40)
    for text in (
        "New tower C0045",
        f"{lat:.5f}, {lon:.5f}",
        "Jayawijaya",
        "900 MHz",
        "35 m",
        "1,650 m",
        "61.0 dBm",
        "fiber from POP-1",
        "11.99 km",
        "100,000 Mbit/s",
        "3,284 people",  # newly covered, and only here
        "Site cost over 5 years</th><td>IDR 2.25 billion",
        "Backhaul cost over 5 years</th><td>IDR 1.02 billion",
        "All-in cost over 5 years</th><td>IDR 3.27 billion",
        "All-in cost per person</th><td>IDR 995,889",
        "Why this site",
        "Best alternative: C0003",
    ):
        assert text in popup, text
    assert popup.count("Best alternative") == 1  # the runner-up once, after the reason
    assert "IDR 3.27 billion" in popup.split("Why this site")[1]  # the reason quotes the same
    for bad in ("None", "nan", "NaN"):
        assert bad not in popup


def test_missing_values_read_n_a(page: str) -> None:
    satellite = popup_of(page_data(page), "sites", 1)
    assert "Backhaul capacity</th><td>n/a" in satellite
    assert "Backhaul route" not in satellite  # a satellite terminal has no route
    hotspot = popup_of(page_data(page), "hotspots", 0)
    assert "Public WiFi hotspot W-P0101" in hotspot and "250 m" in hotspot
    assert "EIRP" not in hotspot  # a hotspot has no tower radio
    for bad in ("None", "nan"):
        assert bad not in satellite + hotspot


def test_site_facts_in_both_languages() -> None:
    site = tower("C0045", 40, 40, "fiber")
    english = dict(site_facts(site, currency="IDR", lang="en"))
    indonesian = dict(site_facts(site, currency="IDR", lang="id"))
    assert english["People newly covered"] == "3,284 people"
    assert indonesian["Jiwa yang baru tercakup"] == "3.284 jiwa"
    assert indonesian["Biaya menyeluruh selama 5 tahun"] == "Rp 3,27 miliar"
    assert english["Backhaul"] == "fiber from POP-1"
    assert indonesian["Backhaul"] == "serat optik dari POP-1"
    relayed = dict(
        site_facts(
            {**site, "relayed_via": "C0007", "relays_to": "C0010, C0011"}, currency="IDR", lang="en"
        )
    )
    assert relayed["Backhaul"] == "fiber relayed via new site C0007"
    assert relayed["Relays the backhaul of"] == "C0010, C0011"
    bare = site_facts({"id": "X", "geometry": Point(138.123456, -4.5)}, currency="IDR", lang="id")
    values = dict(bare)
    assert values["Koordinat (lintang, bujur)"] == "-4.50000, 138.12346"
    assert values["Pita frekuensi"] == "t/a" and values["Kabupaten"] == "t/a"
    assert all(v and "None" not in v and "nan" not in v for _, v in bare)


def test_blank_spots_after_the_plan_by_status(page: str) -> None:
    spots = layer(page_data(page), "blank_spots")
    assert spots["name"] == "Blank spots after the plan"
    labels = [c["label"] for c in spots["classes"]]
    assert labels == [
        "Still dark after the plan",
        "Partly closed by the plan",
        "Closed by the plan",
    ]
    colours = [c["style"]["fillColor"] for c in spots["classes"]]
    assert len(set(colours)) == 3
    classes = [feature[1] for feature in spots["features"]]
    assert classes == [2, 1, 0, 0]
    shapes = [feature[0] for feature in spots["features"]]
    assert all(isinstance(s[0], list) for s in shapes[:3])  # polygons
    assert isinstance(shapes[3][0], float)  # a one-cell spot is a dot


def test_analysis_run_has_no_plan_layers() -> None:
    html = review_map_html(make_run(plan=False), lang="en")
    data = page_data(html)
    keys = {spec["key"] for spec in data["layers"]}
    assert not keys & {"sites", "hotspots", "links", "coverage_new", "signal"}
    assert layer(data, "regions")["name"] == "Regencies: coverage today"
    assert layer(data, "blank_spots")["name"] == "Blank spots"
    assert "review.csv" not in html and "Population: <b>128,041 people</b>" in html


def test_regions_say_before_or_after_and_use_their_own_colours(page: str) -> None:
    regions = layer(page_data(page), "regions")
    assert regions["name"] == "Regencies: coverage after the plan"
    assert 'data-layer="regions"' in page and "Regencies: coverage after the plan</h3>" in page
    assert [f[1] for f in regions["features"]] == [1, 3]  # 94 % and 40 % after the plan
    region_colours = {colour for _, colour, _ in palette.COVERAGE_CLASSES}
    meaning = {
        palette.HAD_SIGNAL_COLOUR,
        palette.GAINS_SIGNAL_COLOUR,
        palette.DARK_COLOUR,
        palette.PARTLY_DARK_COLOUR,
        palette.HOTSPOT_COLOUR,
        palette.EXISTING_SITE_COLOUR,
        *palette.BACKHAUL_COLOURS.values(),
    }
    assert not region_colours & meaning  # no colour means two things
    assert len(meaning) == 9


def test_legend_has_a_section_per_layer(page: str) -> None:
    legend = page[page.index('id="netplan-legend"') :]
    sections = re.findall(r'<section data-layer="([a-z_]+)">', legend)
    keys = [spec["key"] for spec in page_data(page)["layers"]]
    assert sorted(sections) == sorted(keys)
    assert sections[0] == "sites" and sections[-1] == "regions"  # top layer first
    assert "-105 … -60 dBm" in legend


def test_indonesian_map(page: str) -> None:
    html = review_map_html(make_run(), lang="id")
    assert '<html lang="id">' in html
    data = page_data(html)
    assert layer(data, "sites")["name"] == "Menara baru"
    assert layer(data, "villages")["name"] == "Desa"
    assert "Total biaya: <b>Rp 24,34 miliar</b>" in html
    assert "Celah (gap) terjamin: <b>17,02%</b>" in html
    assert "Keterangan" in html and "1 Desember 2025" in html
    popup = popup_of(data, "sites", 0)
    assert "Menara baru C0045" in popup and "3.284 jiwa" in popup and "Rp 3,27 miliar" in popup
    assert data["labels"]["search"] == "Cari desa atau situs menurut nama atau ID"
    english = page_data(page)
    for spec, theirs in zip(data["layers"], english["layers"], strict=True):
        assert spec["name"] != theirs["name"], spec["name"]  # every layer name translated
        if spec.get("fields"):
            assert spec["fields"] != theirs["fields"], spec["key"]


def test_names_from_inputs_stay_text() -> None:
    sites = gpd.GeoDataFrame(
        [tower(HOSTILE, 40, 40, "fiber", name=HOSTILE, region=HOSTILE)], crs=WGS84
    )
    regions = make_run().regions.assign(name=HOSTILE)
    run = make_run(
        sites=sites, regions=regions, summary={**make_run().summary, "scenario": HOSTILE}
    )
    html = review_map_html(run, lang="en")
    assert "<script>alert" not in html and "{{" not in html and "${x}" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#123;&#123; 7*7 &#125;&#125;" in html
    assert html.count("</script>") == html.count("<script")  # nothing closed a script early


def test_output_is_reproducible() -> None:
    assert review_map_html(make_run(), lang="en") == review_map_html(make_run(), lang="en")


def test_empty_layers_do_not_break_the_map() -> None:
    empty = gpd.GeoDataFrame({"id": []}, geometry=[], crs=WGS84)
    run = make_run(
        sites=empty,
        hotspots=empty,
        links=empty,
        villages=None,
        existing_sites=empty,
        report_blocks=None,
        overview=None,
    )
    html = review_map_html(run, lang="en")
    data = page_data(html)
    keys = [spec["key"] for spec in data["layers"]]
    assert "regions" in keys and "blank_spots" in keys and data["base"] is None
    assert not {"sites", "hotspots", "links", "villages", "existing_sites"} & set(keys)
    assert 'data-layer="sites"' not in html  # no switch and no legend for nothing


def decode_png(url: str) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with MemoryFile(base64.b64decode(url.split(",", 1)[1])) as memory, memory.open() as png:
            indices = png.read(1)
            colours = png.colormap(1)
    return np.array([[colours[i][3] for i in row] for row in indices])


def test_coverage_image_lies_where_the_raster_does() -> None:
    run = make_run()
    mask = run.coverage_before.covered
    image = coverage_image(mask, run.coverage_before, "#33a02c")
    assert image is not None
    (s, w), (n, e) = image.south_west, image.north_east
    (w0, s0), (e0, n0) = lonlat(X0, Y0 - N_ROWS * RES), lonlat(X0 + N_COLS * RES, Y0)
    assert (w, s, e, n) == pytest.approx((w0, s0, e0, n0), abs=2e-3)
    alpha = decode_png(image.url)
    # covered: the north-west block (half the rows, 40 % of the columns)
    assert (alpha > 0).mean() == pytest.approx(mask.mean(), abs=0.03)


def test_new_signal_is_where_the_plan_is_stronger() -> None:
    run = make_run()
    assert run.coverage_after is not None
    dbm = new_signal(run.coverage_before, run.coverage_after)
    assert dbm is not None
    assert np.nanmax(dbm) == -70.0  # stronger than the -80 before
    assert np.isfinite(dbm[150, 200]) and np.isnan(dbm[150, 10])


def test_large_grids_draw_coverage_from_blocks_with_the_same_area() -> None:
    """A coverage disc drawn from 4 × 4 blocks keeps its area (majority rule) with far fewer
    vertices; a Papua-sized grid is drawn from blocks, the demo's at full detail."""
    n, res = 400, 100.0
    grid = Grid(crs=UTM, x0=500_000.0, y0=9_000_000.0, resolution=res, width=n, height=n)
    yy, xx = np.mgrid[0:n, 0:n]
    disc = (yy - 200) ** 2 + (xx - 180) ** 2 <= 120**2
    fine = mask_polygons(disc, grid).to_crs(grid.crs)
    coarse = mask_polygons(disc, grid, factor=4).to_crs(grid.crs)
    assert fine.area.sum() == pytest.approx(disc.sum() * res**2, rel=1e-6)
    assert coarse.area.sum() == pytest.approx(fine.area.sum(), rel=0.02)
    vertices: Callable[[gpd.GeoDataFrame], int] = lambda g: len(g.geometry.iloc[0].exterior.coords)  # noqa: E731
    assert vertices(coarse) < vertices(fine) / 3
    assert map_factor(grid) == 1
    papua = Grid(crs=grid.crs, x0=0.0, y0=0.0, resolution=100.0, width=6480, height=6480)
    assert map_factor(papua) == 4


def test_many_small_blank_spots_and_villages_stay_small() -> None:
    """Thousands of blank spots and villages: small spots become dots, nothing repeats its
    style, coordinates have 5 decimals; well under a megabyte per 2,000 features."""
    rng = np.random.default_rng(0)
    rows, cols = rng.integers(0, N_ROWS - 3, 3000), rng.integers(0, N_COLS - 3, 3000)
    spots = gdf(
        [
            {
                "id": f"B{i:04d}",
                "population": 10.0,
                "nearest_village": "Yowa",
                "status": "dark",
                "people_covered_after": 0.0,
                "people_still_dark": 10.0,
                "geometry": box(*cell_lonlat(r + 0.5, c), *cell_lonlat(r, c + 0.5)),
            }
            for i, (r, c) in enumerate(zip(rows, cols, strict=True))
        ]
    )
    villages = gdf(
        [
            {
                "id": f"V{i:04d}",
                "name": f"Desa {i}",
                "people": 321.4,
                "covered_before_pct": 0.0,
                "covered_after_pct": 55.5,
                "signal_before": False,
                "signal_after": True,
                "how_to_reach": "",
                "geometry": Point(*cell_lonlat(r, c)),
            }
            for i, (r, c) in enumerate(zip(rows, cols, strict=True))
        ]
    )
    base = len(review_map_html(make_run(), lang="en").encode())
    html = review_map_html(make_run(blank_spots=spots, villages=villages), lang="en")
    extra = len(html.encode()) - base
    assert extra < 600_000, extra  # 6,000 features: ~100 bytes each
    data = page_data(html)
    assert all(isinstance(f[0][0], float) for f in layer(data, "blank_spots")["features"])
    assert html.count('"fillColor"') < 40  # styles per class, not per feature
    assert not re.search(
        r"\d\.\d{6,}", html[html.index('id="netplan-data"') :].split("data:image")[0]
    )


@pytest.mark.parametrize("lang", ["en", "id"])
def test_whole_numbers_read_as_the_catalogue_writes_them(lang: str) -> None:
    from netplan.i18n import texts
    from netplan.report.review_map import _number_text

    t = texts(lang)
    for value in (0, 7, 999, 1000, 1234.5, -98_765.4, 12_345_678, math.nan, None, "x"):
        assert _number_text(t, value) == t.number(value), value


def test_regencies_take_the_plan_figures_from_the_summary() -> None:
    run = make_run()
    bare = run.regions.drop(columns=["new_towers", "new_wifi", "spend", "villages_gaining_signal"])
    figures = [
        {
            "name": "Jayawijaya",
            "new_towers": 3,
            "new_wifi": 0,
            "spend": 12_207_563_994,
            "villages_gaining_signal": 31,
        },
    ]
    html = review_map_html(
        make_run(regions=bare, summary={**run.summary, "regions": figures}), lang="en"
    )
    jayawijaya, nduga = layer(page_data(html), "regions")["features"]
    assert "IDR 12.21 billion" in jayawijaya[2] and "31" in jayawijaya[2]
    assert nduga[2][7] == ""  # no figure for it: the row is left out, not "n/a"
