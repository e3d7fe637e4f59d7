"""The review map used as a reviewer in the field uses it, in headless Chromium: every new
site, a village, a link and the clicked place answer a real mouse click with their popup;
each layer switch shows and hides its layer and its legend section; search finds a village
by name and a site by id; fullscreen; one screenshot per language, not blank.

The plan is the tiny scenario with three named villages, a school and WiFi cheap enough to be
chosen, fiber cheap and satellite dear: one tower fed by fiber (it sits on its link) and one
hotspot, planned once for the module (a few seconds).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from rasterio.errors import NotGeoreferencedWarning
from shapely.geometry import shape

from netplan.config import load_scenario
from netplan.io.run_files import read_run
from netplan.report.run_map import review_map_html
from netplan.runs import run_plan
from netplan.testing import pixel_lonlat, write_elevation, write_scenario
from tests.browser.map_page import MapPage, chromium, features

VILLAGES = {
    "V001": ("Wamena Kota", (10, 10)),
    "V002": ("Hawa", (30, 45)),
    "V003": ("Tapi", (50, 15)),
}


def _point(properties: dict[str, Any], row: int, col: int) -> dict[str, Any]:
    lon, lat = pixel_lonlat(row, col)
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def _collection(features: list[dict[str, Any]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


@pytest.fixture(scope="module")
def field_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("field")
    villages = [_point({"id": k, "name": n}, *rc) for k, (n, rc) in VILLAGES.items()]
    (folder / "villages.geojson").write_text(_collection(villages))
    school = _point({"id": "P1", "type": "school", "name": "SD Tapi"}, 50, 15)
    (folder / "pois.geojson").write_text(_collection([school]))
    write_elevation(folder / "dem.tif", ridge_col=30)
    config = write_scenario(
        folder,
        config={
            "layers": {
                "villages": "villages.geojson",
                "pois": "pois.geojson",
                "elevation": "dem.tif",
            },
            "technologies": {
                "macro_4g": {"radius_m": 900},
                "wifi": {"kind": "wifi", "radius_m": 300, "capex": 1.0e6, "opex_per_year": 1e5},
            },
            "backhaul": {
                "microwave": {"capex_per_link": 9.0e9},
                "fiber": {"capex_per_km": 2.0e7},
                "satellite": {"capex": 3.0e9},
            },
            "objective": {"budget": 2.5e9},
        },
    )
    out, summary, _ = run_plan(load_scenario(config), out_dir=folder / "run")
    assert summary["new_towers"] >= 1 and summary["new_wifi"] >= 1, summary
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as found:
        yield found


@pytest.fixture
def english(browser: Any, field_run: Path) -> Iterator[MapPage]:
    page = MapPage(browser, field_run / "map.html")
    yield page
    assert page.requests == [] and page.errors == []  # offline, and the script ran clean
    page.page.close()


def _lat_lon(feature: dict[str, Any]) -> tuple[float, float]:
    lon, lat = feature["geometry"]["coordinates"]
    return float(lat), float(lon)


def test_every_new_site_opens_its_popup_on_a_click(english: MapPage, field_run: Path) -> None:
    sites = features(field_run, "plan.geojson")
    links = {f["properties"]["to"]: f for f in features(field_run, "links.geojson")}
    assert any(links.get(s["properties"]["id"], {}).get("geometry") for s in sites)
    for site in sites:
        props = site["properties"]
        text = english.click_at(*_lat_lon(site))
        assert props["id"] in text, text  # the site's own popup, not its link's
        people = f"{round(props['people_newly_covered']):,} people"
        assert people in text, (people, text)
        assert "All-in cost per person" in text and "Why this site" in text


def test_a_village_and_a_link_open_their_popups(english: MapPage, field_run: Path) -> None:
    english.toggle(english.layer_names()["sites"])  # a site may stand on the village
    english.toggle(english.layer_names()["hotspots"])
    for village in features(field_run, "villages.geojson"):
        text = english.click_at(*_lat_lon(village))
        name = village["properties"]["name"]
        assert name in text and "Coordinates (lat, lon)" in text, text
    link = next(f for f in features(field_run, "links.geojson") if f["geometry"])
    middle = shape(link["geometry"]).interpolate(0.5, normalized=True)
    text = english.click_at(middle.y, middle.x)
    assert link["properties"]["id"] in text and "fiber" in text and "POP-1" in text, text


def test_a_click_on_the_map_shows_its_coordinates_and_regency(english: MapPage) -> None:
    lon, lat = pixel_lonlat(58, 58)  # the south-east corner: no feature there
    text = english.click_at(lat, lon, zoom=15)
    assert f"{lat:.5f}, {lon:.5f}" in text and "East" in text and "Regency" in text, text


def test_each_layer_switch_shows_and_hides_its_layer_and_legend(english: MapPage) -> None:
    names = english.layer_names()
    assert len(names) >= 8
    for key, name in names.items():
        was = english.shown(key)
        assert english.legend_shows(key) == was, key
        english.toggle(name)
        assert english.shown(key) != was, key
        assert english.legend_shows(key) != was, key
        english.toggle(name)
        assert english.shown(key) == was and english.legend_shows(key) == was, key
    sites_pane = ".leaflet-np-sites-pane path.leaflet-interactive"
    before = english.page.locator(sites_pane).count()
    english.toggle(names["sites"])
    assert english.page.locator(sites_pane).count() < before  # the towers are gone


def test_search_finds_a_village_by_name_and_a_site_by_id(english: MapPage, field_run: Path) -> None:
    search = english.page.locator(".netplan-search input")
    search.fill("hawa")
    english.page.locator(".netplan-results button").first.click()
    assert "Hawa" in english.popup_text()
    site = features(field_run, "plan.geojson")[0]["properties"]["id"]
    search.fill(site.lower())
    search.press("Enter")
    english.page.wait_for_timeout(300)  # the village's popup fades out
    assert f"New tower {site}" in english.popup_text()
    search.fill("no such place")
    assert "No match" in english.page.locator(".netplan-results").inner_text()


def test_fullscreen_button(english: MapPage) -> None:
    button = english.page.locator(".leaflet-control-zoom-fullscreen")
    button.click()
    english.page.wait_for_function("netplan.map._isFullscreen === true")
    assert "leaflet-fullscreen-on" in (button.get_attribute("class") or "")


def _not_blank(png: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(png) as image:
            pixels = image.read()
    assert pixels.std() > 20
    assert len(np.unique(pixels.reshape(pixels.shape[0], -1).T, axis=0)) > 300


def test_one_screenshot_per_language(browser: Any, field_run: Path, tmp_path: Path) -> None:
    indonesian = tmp_path / "map-id.html"
    indonesian.write_text(review_map_html(read_run(field_run), lang="id"), encoding="utf-8")
    for lang, html in (("en", field_run / "map.html"), ("id", indonesian)):
        page = MapPage(browser, html)
        shot = tmp_path / f"map-{lang}.png"
        page.page.screenshot(path=str(shot))
        _not_blank(shot)
        text = page.page.locator("body").inner_text()
        if lang == "id":
            assert page.page.locator("html").get_attribute("lang") == "id"
            for label in ("Menara baru", "Keterangan", "Total biaya", "Desa", "Medan (luring)"):
                assert label in text, label
            assert "Total cost" not in text and "Legend" not in text
        else:
            assert "New towers" in text and "Legend" in text
        assert page.requests == [] and page.errors == []
        page.page.close()


def test_a_phone_gets_the_boxes_folded(browser: Any, field_run: Path) -> None:
    page = MapPage(browser, field_run / "map.html", width=390, height=800)
    for box in ("#netplan-title", "#netplan-legend"):
        assert page.page.locator(f"{box} .netplan-body").is_hidden()
        page.page.locator(f"{box} .netplan-toggle").click()
        assert page.page.locator(f"{box} .netplan-body").is_visible()
    assert page.page.locator(".leaflet-control-layers-expanded").count() == 0
    page.page.close()
