"""The files of a run, each in its format (the folder itself: :mod:`netplan.io.run_folder`)."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import math
import os
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from netplan.errors import ConfigError

logger = logging.getLogger(__name__)


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf become null, numpy scalars become Python numbers."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(_clean(data), indent=2, allow_nan=False) + "\n", encoding="utf-8")


def write_geojson(path: Path, gdf: gpd.GeoDataFrame) -> None:
    """RFC 7946 GeoJSON (EPSG:4326), deterministic for the same data."""
    out = gdf.to_crs("EPSG:4326") if gdf.crs is not None else gdf
    text = out.to_json(drop_id=True, na="null", show_bbox=False)
    path.write_text(text + "\n", encoding="utf-8")


#: The GeoPackage timestamp (``gpkg_contents.last_change``) when ``SOURCE_DATE_EPOCH`` is
#: not set: a fixed date, so the same plan gives a byte-identical file.
GPKG_DATE = "2000-01-01T00:00:00Z"


def write_gpkg(path: Path, layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    """One GeoPackage with a layer per entry (EPSG:4326); empty layers keep their columns.

    GDAL stamps every layer with the current time unless ``OGR_CURRENT_DATE`` says
    otherwise: it is set, for this write only, to ``SOURCE_DATE_EPOCH`` (the reproducible-builds
    convention) or to :data:`GPKG_DATE`, so two runs of the same plan give the same bytes.
    """
    with _gdal_config(OGR_CURRENT_DATE=gpkg_timestamp()):
        for name, gdf in layers.items():
            out = gdf.to_crs("EPSG:4326")
            geom_type = "Unknown"
            if len(out) and out.geometry.notna().any():
                geom_type = str(out.geometry.dropna().geom_type.iloc[0])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                out.to_file(
                    path, layer=name, driver="GPKG", engine="pyogrio", geometry_type=geom_type
                )


def gpkg_timestamp() -> str:
    """``SOURCE_DATE_EPOCH`` as an ISO 8601 UTC time, else :data:`GPKG_DATE`."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return GPKG_DATE
    try:
        moment = datetime.fromtimestamp(int(epoch), tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise ConfigError(
            f"SOURCE_DATE_EPOCH={epoch!r} is not a time in seconds since 1970-01-01 UTC; set it "
            "to a whole number (e.g. the output of `git log -1 --format=%ct`) or unset it"
        ) from exc
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def _gdal_config(**options: str) -> Iterator[None]:
    """GDAL configuration options set for the body only (GDAL's are process-wide)."""
    before = {key: pyogrio.get_gdal_config_option(key) for key in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(before)


def write_kml(path: Path, layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    """One KML file (Google Earth) with a folder per non-empty layer; features without
    geometry (satellite links) are left out."""
    mode = "w"
    for name, gdf in layers.items():
        out = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty].to_crs("EPSG:4326")
        if out.empty:
            continue
        if "id" in out.columns:
            out = out.assign(Name=out["id"].astype(str))
        out.to_file(path, layer=name, driver="KML", engine="pyogrio", mode=mode)
        mode = "a"
    if mode == "w":  # nothing to write: still a valid, empty document
        path.write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>\n',
            encoding="utf-8",
        )


#: First characters that make a spreadsheet run a cell as a formula (OWASP, CSV injection);
#: line breaks too, since some spreadsheets trim them away and read what follows.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: The mark that tells a spreadsheet a cell is text. A cell that already starts with it gets
#: a second one, so a reader that removes one mark gets back exactly what was written.
TEXT_MARK = "'"


def spreadsheet_text(text: str) -> str:
    """``text`` as a cell no spreadsheet runs: a formula-like start is prefixed with ``'``.

    Examples
    --------
    >>> print(spreadsheet_text('=HYPERLINK("http://x")'), spreadsheet_text("T-1"))
    '=HYPERLINK("http://x") T-1
    """
    return TEXT_MARK + text if text.startswith((*FORMULA_STARTS, TEXT_MARK)) else text


def csv_text(table: pd.DataFrame) -> str:
    """A table as CSV text for spreadsheets (RFC 4180): text cells formula-safe, numbers as
    they are, and every cell holding a comma, quote or line break quoted.

    Line ends are CRLF so that the csv module also quotes a lone carriage return inside a
    cell, which a spreadsheet would otherwise take for the start of a new row.
    """
    safe = table.copy()
    for column in safe.columns:
        values = safe[column]
        if not pd.api.types.is_numeric_dtype(values):
            safe[column] = values.map(lambda v: spreadsheet_text(v) if isinstance(v, str) else v)
    return safe.to_csv(index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")


def write_csv(path: Path, gdf: gpd.GeoDataFrame | pd.DataFrame) -> None:
    """A table with lon/lat columns instead of geometry (spreadsheets, partners' tools);
    a plain table as it is. Every CSV netplan writes goes through :func:`csv_text`."""
    table = gdf
    if isinstance(gdf, gpd.GeoDataFrame):
        ll = gdf.to_crs("EPSG:4326")
        table = ll.drop(columns="geometry").assign(
            lon=ll.geometry.x.round(6), lat=ll.geometry.y.round(6)
        )
    path.write_text(csv_text(pd.DataFrame(table)), encoding="utf-8", newline="")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
