"""A review map whose every name is an attack stays inert in headless Chromium.

Each text field of every layer (titles, ids, names, reasons, link ends, the currency) holds
payloads that would run if they reached the page as markup or as JavaScript: closing the
script folium embeds them in, breaking out of a template literal, or adding elements. After
loading, a small harness puts every popup's and tooltip's content into the page (as a
reviewer's clicks would), and the DOM is read back: no payload ran, the text is shown.
Skipped where Chromium is absent (it is installed by .ci/run).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from netplan.report.review_map import render_review_map

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

#: after load: every popup and tooltip content goes into #harness; a control image whose
#: onerror must run proves that handlers do run in this browser set-up
HARNESS = """
window.addEventListener('load', function () {
  var out = document.createElement('div'); out.id = 'harness'; document.body.appendChild(out);
  var control = document.createElement('div');
  control.innerHTML =
    '<img src="x" onerror="document.body.setAttribute(\\'data-control\\', \\'ran\\')">';
  out.appendChild(control);
  var shown = 0;
  function show(content, layer) {
    try {
      if (typeof content === 'function') content = content(layer);
      if (content === undefined || content === null) return;
      var box = document.createElement('div');
      if (content instanceof Node) box.appendChild(content.cloneNode(true));
      else box.innerHTML = String(content);
      out.appendChild(box); shown += 1;
    } catch (e) {}
  }
  MAP.eachLayer(function (layer) {
    [layer.getPopup && layer.getPopup(), layer.getTooltip && layer.getTooltip()].forEach(
      function (overlay) {
        if (!overlay) return;
        var content = overlay._content;
        if (typeof content === 'function' && layer.eachLayer) {
          layer.eachLayer(function (part) { show(content, part); });
        } else { show(content, layer); }
      });
  });
  document.body.setAttribute('data-shown', String(shown));
});
"""


def _site(i: int, kind: str) -> dict:
    return {
        "id": f"{PAYLOADS[i]}#{kind}",
        "kind": kind,
        "technology": PAYLOADS[3],
        "backhaul": PAYLOADS[6],
        "capex": 1e9,
        "opex_per_year": 1e8,
        "total_cost": 1.5e9,
        "people_newly_covered": 420,
        "cost_per_person": 3.5e6,
        "reason": ALL,
        "geometry": Point(124.1 + 0.1 * i, -8.5),
    }


def _hostile_map() -> str:
    def gdf(rows: list[dict]) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)

    regions = gdf(
        [
            {
                "name": ALL,
                "code": PAYLOADS[2],
                "population": 1000,
                "coverage_before_pct": 40.0,
                "geometry": box(124, -9, 125, -8),
            }
        ]
    )
    links = gdf(
        [
            {
                "type": "microwave",
                "length_km": 3.0,
                "total_cost": 1e8,
                "from": PAYLOADS[0],
                "to": PAYLOADS[4],
                "geometry": LineString([(124.1, -8.5), (124.2, -8.5)]),
            }
        ]
    )
    villages = gdf(
        [
            {
                "id": PAYLOADS[5],
                "name": PAYLOADS[1],
                "people": 10,
                "signal_before": False,
                "signal_after": False,
                "how_to_reach": ALL,
                "geometry": Point(124.3, -8.4),
            }
        ]
    )
    return render_review_map(
        title=ALL,
        currency=PAYLOADS[2],
        regions=regions,
        blank_spots=gdf(
            [{"id": PAYLOADS[1], "population": 5, "geometry": box(124.1, -8.6, 124.2, -8.5)}]
        ),
        coverage_before=gdf([{"geometry": box(124.5, -8.9, 124.9, -8.2)}]),
        coverage_new=gdf([{"geometry": box(124.05, -8.65, 124.25, -8.45)}]),
        existing_sites=gdf(
            [
                {
                    "id": PAYLOADS[0],
                    "technology": PAYLOADS[6],
                    "cells": 3,
                    "geometry": Point(124.6, -8.6),
                }
            ]
        ),
        sites=gdf([_site(0, "tower"), _site(4, "tower")]),
        hotspots=gdf([_site(5, "wifi")]),
        links=links,
        summary={"total_cost": 1.5e9, "new_towers": 2},
        villages=villages,
    )


def test_hostile_names_stay_text_in_a_browser(tmp_path: Path) -> None:
    html = _hostile_map()
    name = re.search(r"var (map_[0-9a-f]+) = L\.map", html)
    assert name is not None
    page = tmp_path / "map.html"
    page.write_text(
        html.replace("</html>", f"<script>{HARNESS.replace('MAP', name.group(1))}</script></html>"),
        encoding="utf-8",
    )
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
    assert "Opex per year" in harness and "&lt;svg id=" in harness
