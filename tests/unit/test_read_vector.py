"""Names in a GeoJSON read as they were written, whatever the writer's escaping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netplan.io.vectors import read_vector

#: beyond U+FFFF: an emoji, a CJK Extension B ideograph, a private-use plane character
NAMES = ["Kampung 🌴", "Desa 𠀋", "=<i>\U0009dae6>"]


@pytest.mark.parametrize("ascii_only", [True, False], ids=["escaped", "utf-8"])
def test_names_beyond_the_basic_plane_read_back_exactly(tmp_path: Path, ascii_only: bool) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {"name": n},
            "geometry": {"type": "Point", "coordinates": [138.9, -4.1 + i / 10]},
        }
        for i, n in enumerate(NAMES)
    ]
    path = tmp_path / "places.geojson"
    text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=ascii_only)
    path.write_text(text, encoding="utf-8")
    if ascii_only:
        assert "\\ud83c" in text  # Python's json writes a surrogate pair, which GDAL mangles
    layer = read_vector(path, "villages")
    assert layer["name"].tolist() == NAMES
    assert layer.crs is not None and layer.crs.to_epsg() == 4326
