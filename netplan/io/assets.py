"""Files shipped inside the package and inlined into the review map (Leaflet, the vendored
fullscreen control, netplan's map script), read as text. ``assets/README.md`` lists each with
its version, source and licence."""

from __future__ import annotations

from importlib.resources import files


def read_asset(name: str) -> str:
    """The text of ``netplan/report/assets/<name>``."""
    return files("netplan.report").joinpath("assets", name).read_text(encoding="utf-8")
