"""The demo's review map in headless Chromium with the network unreachable.

Every http(s) request is routed to a local recording proxy: the test fails if any is made.
Chromium (Debian packages chromium and chromium-driver) is installed by .ci/run; the test is
skipped where it is absent.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
import rasterio
from click.testing import CliRunner
from rasterio.errors import NotGeoreferencedWarning

from netplan.cli.main import cli
from tests.conftest import DEMO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed")


CHROMIUM_SERVICES = ("google.com", "googleapis.com", "gvt1.com", "gvt2.com")


def _host(request: bytes) -> str:
    """Host of a proxied request line: ``GET http://host/...`` or ``CONNECT host:443``."""
    parts = request.split(b" ")
    if len(parts) < 2:
        return "?"
    target = parts[1].decode(errors="replace")
    return target.split("://")[-1].split("/")[0].split(":")[0]


class RecordingProxy:
    """A loopback TCP server that records every connection and answers nothing."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(0.5)
                try:
                    self.requests.append(conn.recv(512))
                except OSError:
                    self.requests.append(b"")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture(scope="module")
def demo_map(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("map") / "run"
    result = CliRunner().invoke(cli, ["-q", "plan", "-c", str(DEMO), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "map.html"


def _chromium(args: list[str], proxy: RecordingProxy, profile: Path) -> subprocess.CompletedProcess:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--proxy-server=http://127.0.0.1:{proxy.port}",
            "--proxy-bypass-list=<-loopback>",
            "--window-size=1200,800",
            "--virtual-time-budget=6000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_demo_map_renders_offline_without_external_requests(demo_map: Path, tmp_path: Path) -> None:
    html = demo_map.read_text()
    assert len(html.encode()) < 5 * 1024 * 1024  # one file that travels
    assert "<script src=" not in html and '<link rel="stylesheet" href="http' not in html
    proxy = RecordingProxy()
    try:
        shot = tmp_path / "map.png"
        _chromium([f"--screenshot={shot}", demo_map.as_uri()], proxy, tmp_path / "p1")
        dom = _chromium(["--dump-dom", demo_map.as_uri()], proxy, tmp_path / "p2").stdout
    finally:
        proxy.close()
    # nothing the page asked for left for an external host (Chromium's own update and time
    # checks to Google's service hosts are not the page's)
    hosts = [_host(r) for r in proxy.requests]
    assert [h for h in hosts if not h.endswith(CHROMIUM_SERVICES)] == []
    # Leaflet ran: panes, the layer control with the sites layer, and drawn features
    assert "leaflet-pane" in dom and "leaflet-control-layers" in dom
    assert "New towers" in dom and "Blank spots" in dom
    assert "<canvas" in dom and "leaflet-image-layer" in dom  # vectors on canvas, rasters
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # a PNG has no georeference
        with rasterio.open(shot) as png:
            pixels = png.read()
    # not blank: many distinct colours, not one flat background
    assert pixels.std() > 20
    assert len(np.unique(pixels.reshape(pixels.shape[0], -1).T, axis=0)) > 500


def test_every_demo_tower_answers_a_real_click(demo_map: Path) -> None:
    """Each new tower of the demo, clicked with the mouse at its pixel, shows its own popup
    with its id and the people it newly covers (fiber-fed towers sit on their link)."""
    from tests.browser.map_page import MapPage, chromium, features

    sites = features(demo_map.parent, "plan.geojson")
    assert sites
    with chromium() as browser:
        page = MapPage(browser, demo_map)
        for site in sites:
            lon, lat = site["geometry"]["coordinates"]
            text = page.click_at(lat, lon)
            props = site["properties"]
            assert props["id"] in text, text
            assert f"{round(props['people_newly_covered']):,} people" in text, text
        assert page.requests == [] and page.errors == []
