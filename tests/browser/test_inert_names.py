"""A review map whose every name is an attack stays inert in headless Chromium.

Each text field of every layer (titles, ids, names, reasons, link ends, the currency) holds
payloads that would run if they reached the page as markup or as JavaScript: closing the
script that holds the map's data, breaking out of a template literal, or adding elements.
After loading, a small harness opens every feature's popup (as a reviewer's clicks would),
its tooltip, the popup of a click on the map and the search results, and puts their content
into the page again; the DOM is read back: no payload ran, the text is shown. Skipped where
Chromium is absent (it is installed by .ci/run).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from netplan.report.run_map import review_map_html
from tests.unit.test_review_map import cell_lonlat, make_run, tower

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")

RAN = "document.title='PWNED'"
PAYLOADS = (
    f'</script><img id="pwned1" src=x onerror="{RAN}">',
    f'<img id="pwned2" src=x onerror="{RAN}">',
    f"${{{RAN}}}",
    f"`+({RAN})+`",
    f"\\`;{RAN};//",
    f"'-({RAN})-'",
    f'"><svg id="pwned3" onload="{RAN}">',
)
ALL = " | ".join(PAYLOADS)
CRS = "EPSG:4326"

#: after load: every popup, tooltip, the clicked place's popup and the search results go into
#: #harness; a control image whose onerror must run proves that handlers do run here
HARNESS = """
window.addEventListener('load', function () {
  var out = document.createElement('div'); out.id = 'harness'; document.body.appendChild(out);
  var control = document.createElement('div');
  control.innerHTML =
    '<img src="x" onerror="document.body.setAttribute(\\'data-control\\', \\'ran\\')">';
  out.appendChild(control);
  var shown = 0;
  function keep(html) {
    var box = document.createElement('div'); box.innerHTML = String(html);
    out.appendChild(box); shown += 1;
  }
  function popup() {
    var all = document.querySelectorAll('.leaflet-popup-content');
    if (all.length) keep(all[all.length - 1].innerHTML);
  }
  Object.keys(netplan.features).forEach(function (key) {
    netplan.features[key].forEach(function (layer, i) {
      if (key !== 'regions') { netplan.open(key, i); popup(); }
      var tip = layer.getTooltip && layer.getTooltip();
      if (tip) keep(tip._content);
    });
  });
  netplan.map.fire('click', {latlng: netplan.map.getCenter()});
  popup();
  var input = document.querySelector('.netplan-search input');
  input.value = 'pwned'; input.dispatchEvent(new Event('input'));
  keep(document.querySelector('.netplan-results').innerHTML);
  document.body.setAttribute('data-shown', String(shown));
});
"""


def _hostile_map() -> str:
    """A plan run whose every text field from an input holds the payloads."""
    crs = "EPSG:4326"
    site = tower(
        f"{PAYLOADS[0]}#tower",
        40,
        40,
        "fiber",
        name=ALL,
        technology=PAYLOADS[3],
        reason=ALL,
        region=ALL,
        blank_spot=PAYLOADS[1],
        blank_spot_village=PAYLOADS[2],
        backhaul_to=PAYLOADS[4],
        relays_to=PAYLOADS[5],
        runner_up=PAYLOADS[6],
    )
    hotspot = tower(
        f"{PAYLOADS[5]}#wifi",
        80,
        170,
        "satellite",
        kind="wifi",
        name=ALL,
        reach_m=250.0,
        runner_up=None,
    )
    run = make_run()
    summary = {**run.summary, "scenario": ALL, "currency": PAYLOADS[2]}
    return review_map_html(
        make_run(
            summary=summary,
            sites=gpd.GeoDataFrame([site], crs=crs),
            hotspots=gpd.GeoDataFrame([hotspot], crs=crs),
            links=gpd.GeoDataFrame(
                [
                    {
                        "id": PAYLOADS[1],
                        "type": "microwave",
                        "length_km": 3.0,
                        "total_cost": 1e8,
                        "from": PAYLOADS[0],
                        "to": PAYLOADS[4],
                        "terrain": ALL,
                        "geometry": LineString([cell_lonlat(5, 5), cell_lonlat(40, 40)]),
                    }
                ],
                crs=crs,
            ),
            villages=gpd.GeoDataFrame(
                [
                    {
                        "id": PAYLOADS[5],
                        "name": PAYLOADS[1],
                        "people": 10,
                        "signal_before": False,
                        "signal_after": False,
                        "how_to_reach": ALL,
                        "geometry": Point(*cell_lonlat(150, 250)),
                    }
                ],
                crs=crs,
            ),
            regions=run.regions.assign(name=ALL, code=PAYLOADS[2]),
            blank_spots=run.blank_spots.assign(id=PAYLOADS[1], nearest_village=ALL),
            existing_sites=gpd.GeoDataFrame(
                [
                    {
                        "id": PAYLOADS[0],
                        "technology": PAYLOADS[6],
                        "cells": 3,
                        "geometry": Point(*cell_lonlat(100, 100)),
                    }
                ],
                crs=crs,
            ),
            report_blocks=run.report_blocks.assign(id=ALL)
            if run.report_blocks is not None
            else None,
        ),
        lang="en",
    )


def test_hostile_names_stay_text_in_a_browser(tmp_path: Path) -> None:
    html = _hostile_map()
    page = tmp_path / "map.html"
    page.write_text(html.replace("</html>", f"<script>{HARNESS}</script></html>"), encoding="utf-8")
    assert CHROMIUM is not None
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    assert 'data-control="ran"' in dom  # event handlers do run here: the test can see one
    assert "leaflet-pane" in dom  # the map's script was not broken by a name
    shown = re.search(r'data-shown="(\d+)"', dom)
    assert shown is not None and int(shown.group(1)) >= 8  # popups and tooltips were opened
    assert "PWNED</title>" not in dom  # no payload ran
    for element in ('<img id="pwned', '<svg id="pwned'):
        assert element not in dom  # no payload became an element
    harness = dom[dom.index('id="harness"') :]
    # the names are shown, as text: in the title box, the site popups and the tooltips
    assert dom.count("&lt;/script&gt;&lt;img id=") >= 3
    assert "All-in cost per person" in harness and "&lt;svg id=" in harness
    assert "Coordinates (lat, lon)" in harness  # the clicked place's popup, with its regency
