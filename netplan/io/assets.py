"""Files shipped inside the package (the review map's Leaflet), read as text."""

from __future__ import annotations

from importlib.resources import files


def read_asset(name: str) -> str:
    """The text of ``netplan/report/assets/<name>``."""
    return files("netplan.report").joinpath("assets", name).read_text(encoding="utf-8")
