"""Driving the review map in headless Chromium as a reviewer does: real mouse clicks at a
feature's pixel, the layer switch, the search box. Shared by the browser tests.

Playwright drives the system Chromium (no browser download); tests skip where either is
missing. Every request the page makes to anything but its own file is refused and recorded:
the map must work offline.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (skips the test where there is none)."""
    if CHROMIUM is None:
        pytest.skip("chromium not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


class MapPage:
    """One review map open in a browser tab."""

    def __init__(self, browser: Any, html: Path, *, width: int = 1200, height: int = 800):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._offline)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(html.as_uri())
        self.page.wait_for_function("window.netplan !== undefined")

    def _offline(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def js(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)

    def view(self, lat: float, lon: float, zoom: int = 16) -> None:
        self.js(
            "([lat, lon, zoom]) => { netplan.map.closePopup();"
            " netplan.map.setView([lat, lon], zoom, {animate: false}); }",
            [lat, lon, zoom],
        )

    def pixel(self, lat: float, lon: float) -> tuple[float, float]:
        """The page pixel of a place (from Leaflet's own projection)."""
        x, y = self.js(
            "([lat, lon]) => { const p = netplan.map.latLngToContainerPoint([lat, lon]);"
            " const box = netplan.map.getContainer().getBoundingClientRect();"
            " return [p.x + box.left, p.y + box.top]; }",
            [lat, lon],
        )
        return float(x), float(y)

    def click_at(self, lat: float, lon: float, *, zoom: int = 16) -> str:
        """Centre the map on a place, click it with the mouse, return the popup's text."""
        self.view(lat, lon, zoom)
        x, y = self.pixel(lat, lon)
        self.page.mouse.click(x, y)
        return self.popup_text()

    def popup_text(self) -> str:
        """The text of the popup last opened (a closed one fades out for a moment)."""
        popup = self.page.locator(".leaflet-popup-content").last
        popup.wait_for(state="visible", timeout=3000)
        return str(popup.inner_text())

    def layer_names(self) -> dict[str, str]:
        """Layer key → its name in the layer switch (as text)."""
        names = self.js(
            "() => Object.fromEntries(JSON.parse(document.getElementById('netplan-data')"
            ".textContent).layers.map(s => [s.key, s.name]))"
        )
        return {
            key: self.js(
                "(h) => { const t = document.createElement('textarea');"
                " t.innerHTML = h; return t.value; }",
                name,
            )
            for key, name in names.items()
        }

    def toggle(self, name: str) -> None:
        """Click a layer's box in the layer switch."""
        label = self.page.locator(".leaflet-control-layers-overlays label").filter(has_text=name)
        label.first.locator("input").click()

    def shown(self, key: str) -> bool:
        return bool(self.js("(key) => netplan.map.hasLayer(netplan.groups[key])", key))

    def legend_shows(self, key: str) -> bool:
        return bool(self.page.locator(f'#netplan-legend section[data-layer="{key}"]').is_visible())


def features(run: Path, name: str) -> list[dict[str, Any]]:
    """The features of a run's GeoJSON file."""
    data = json.loads((run / name).read_text(encoding="utf-8"))
    return list(data["features"])
