"""The files of a run, each in its format (the folder itself: :mod:`netplan.io.run_folder`).

Every file a GIS user opens (GeoJSON, GeoPackage, KML, GeoParquet, CSV) is written from the
same table preparation, :func:`lonlat_table`: EPSG:4326, no projected-coordinate columns,
numbers rounded by one rule (:func:`decimals_for`), valid geometries with 6-decimal
coordinates.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import math
import os
import sqlite3
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from netplan.errors import ConfigError
from netplan.io.gis_styles import LayerStyle, layer_style, qml, sld
from netplan.io.kml import kml_document

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


WGS84 = "EPSG:4326"
#: decimals of a coordinate in a lon/lat file: about 0.1 m on the ground (RFC 7946's advice)
COORDINATE_DECIMALS = 6

#: Decimals every file for people keeps of a number column (GeoJSON, GeoPackage, GeoParquet,
#: CSV): by the column's exact name first, then by how the name ends, then by how it starts.
#: People to 0.1, money to whole units, km and percentages to 0.01. Money columns become
#: whole numbers (nullable integers), so no file shows fractional rupiah.
ROUND_NAMES: dict[str, int] = {"lon": COORDINATE_DECIMALS, "lat": COORDINATE_DECIMALS}
ROUND_SUFFIXES: dict[str, int] = {
    "_km": 2,
    "_pct": 2,
    "_share": 3,
    "_cost": 0,
    "_capex": 0,
    "_opex": 0,
    "_spend": 0,
    "_per_person": 0,
    "_mbps": 0,
    "_dbm": 1,
    "_m": 1,
}
ROUND_PREFIXES: dict[str, int] = {
    "people": 1,
    "population": 1,
    "cost": 0,
    "capex": 0,
    "opex": 0,
    "spend": 0,
    "budget": 0,
}
#: names of columns holding projected coordinates (the analysis grid's metres), which have no
#: place in a lon/lat file: dropped from every file written here
PROJECTED_NAMES = ("x", "y", "easting", "northing")
PROJECTED_SUFFIXES = ("_x", "_y", "_easting", "_northing")


def decimals_for(column: str) -> int | None:
    """How many decimals files keep of the number column ``column`` (None: all of them).

    Examples
    --------
    >>> [decimals_for(c) for c in ("people_newly_covered", "total_cost", "length_km", "gini")]
    [1, 0, 2, None]
    """
    name = column.lower()
    if name in ROUND_NAMES:
        return ROUND_NAMES[name]
    for suffix, decimals in ROUND_SUFFIXES.items():
        if name.endswith(suffix):
            return decimals
    for prefix, decimals in ROUND_PREFIXES.items():
        if name.startswith(prefix):
            return decimals
    return None


def rounded(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with each float column rounded as :func:`decimals_for` says; columns rounded
    to whole units become nullable integers (NaN and infinities become missing)."""
    out = table.copy()
    for column in out.columns:
        values = out[column]
        decimals = decimals_for(str(column))
        if decimals is None or not pd.api.types.is_float_dtype(values):
            continue
        finite = values.where(np.isfinite(values.astype("float64")))
        if decimals == 0:
            out[column] = finite.round(0).astype("Int64")
        else:
            out[column] = finite.round(decimals)
    return out


def _is_projected_column(column: str) -> bool:
    name = column.lower()
    return name in PROJECTED_NAMES or name.endswith(PROJECTED_SUFFIXES)


def _polygonal(geometry: Any) -> Any:
    """The polygons of a repaired geometry (``make_valid`` may add lines or points)."""
    if geometry is None or geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = shapely.get_parts(shapely.get_parts(geometry))
    polygons = [p for p in parts if p.geom_type == "Polygon" and not p.is_empty]
    if len(polygons) == 1:
        return polygons[0]
    return shapely.MultiPolygon(polygons)


def tidy_geometries(geometries: gpd.GeoSeries, *, name: str) -> gpd.GeoSeries:
    """Valid geometries with coordinates to :data:`COORDINATE_DECIMALS` decimals.

    Invalid ones (a self-touching blank-spot outline, a bow tie) are repaired with shapely's
    ``make_valid``; in a layer of polygons only their polygonal parts are kept, so the layer
    stays one geometry kind. Rounding snaps to a grid that keeps every geometry valid.
    """
    shapes = np.asarray(geometries.array, dtype=object)
    present = ~shapely.is_missing(shapes)
    kinds = set(shapely.get_type_id(shapes[present]).tolist())
    polygon_layer = bool(kinds) and kinds <= {3, 6}  # Polygon, MultiPolygon
    invalid = present & ~shapely.is_valid(shapes)
    if invalid.any():
        repaired = shapely.make_valid(shapes[invalid])
        if polygon_layer:
            repaired = np.array([_polygonal(g) for g in repaired], dtype=object)
        shapes[invalid] = repaired
        logger.info("%s: repaired %d invalid geometries", name, int(invalid.sum()))
    # a valid geometry already on the grid (a layer read back from a file netplan wrote) is
    # kept: snapping it again would cost the most of writing a run's files and change nothing
    snap = present & (invalid | _off_grid(shapes))
    shapes[snap] = shapely.set_precision(shapes[snap], 10.0**-COORDINATE_DECIMALS)
    exact = shapely.transform(shapes, lambda xy: np.round(xy, COORDINATE_DECIMALS))
    return gpd.GeoSeries(exact, index=geometries.index, crs=geometries.crs)


def _off_grid(shapes: np.ndarray) -> np.ndarray:
    """Which geometries have a coordinate not on the :data:`COORDINATE_DECIMALS` grid."""
    coords, owner = shapely.get_coordinates(shapes, return_index=True)
    off = np.any(coords != np.round(coords, COORDINATE_DECIMALS), axis=1)
    return np.bincount(owner[off], minlength=len(shapes)) > 0


def lonlat_table(gdf: gpd.GeoDataFrame, *, name: str) -> gpd.GeoDataFrame:
    """A layer as every lon/lat file holds it: EPSG:4326 (a layer without CRS is taken to be
    in lon/lat already, and says so), no projected-coordinate columns, numbers rounded
    (:func:`rounded`), valid geometries with 6-decimal coordinates (:func:`tidy_geometries`)."""
    table = gdf.to_crs(WGS84) if gdf.crs is not None else gdf.set_crs(WGS84)
    projected = [c for c in table.columns if _is_projected_column(str(c))]
    if projected:
        logger.debug("%s: dropped projected-coordinate columns %s", name, projected)
        table = table.drop(columns=projected)
    geometry = table.geometry.name
    table = gpd.GeoDataFrame(rounded(table), geometry=geometry, crs=table.crs)
    table[geometry] = tidy_geometries(table.geometry, name=name)
    return table


def write_geojson(path: Path, gdf: gpd.GeoDataFrame) -> None:
    """RFC 7946 GeoJSON (EPSG:4326), as :func:`lonlat_table` prepares it; deterministic for
    the same data."""
    table = lonlat_table(gdf, name=path.name)
    text = table.to_json(drop_id=True, na="null", show_bbox=False)
    path.write_text(text + "\n", encoding="utf-8")


def write_parquet(path: Path, gdf: gpd.GeoDataFrame, *, layer: str | None = None) -> None:
    """A GeoParquet file (geometry as WKB, CRS as PROJJSON) for analysts, prepared as
    :func:`lonlat_table` says; with ``layer`` (a key of :data:`GPKG_LAYERS`) its fields are
    typed as in the GeoPackage, even when empty. The same data gives the same bytes (the
    file records the writing library versions, not a time)."""
    table = lonlat_table(gdf, name=path.name)
    if layer in GPKG_LAYERS:
        table = _conformed(table, GPKG_LAYERS[layer])
    table.to_parquet(path, index=False, compression="zstd")


# --- GeoPackage ----------------------------------------------------------------------------

#: a field's kind in a declared layer schema
FieldKind = Literal["str", "float", "int", "bool"]


@dataclass(frozen=True)
class LayerSchema:
    """What a GeoPackage layer holds even when empty: its geometry type and typed fields
    (a frame may carry more fields: they are written as they are)."""

    geometry: str
    fields: Mapping[str, FieldKind]


_PLACED_FIELDS: dict[str, FieldKind] = {
    "id": "str",
    "kind": "str",
    "name": "str",
    "source": "str",
    "technology": "str",
    "backhaul": "str",
    "backhaul_to": "str",
    "backhaul_km": "float",
    "relays_to": "str",
    "capex": "int",
    "opex_per_year": "int",
    "total_cost": "int",
    "backhaul_cost": "int",
    "all_in_cost": "int",
    "people_newly_covered": "float",
    "people_only_here": "float",
    "cost_per_person": "int",
    "region": "str",
    "blank_spot": "str",
    "reach_m": "float",
    "reason": "str",
    "alternative": "str",
}

#: the GeoPackage's layers (DESIGN.md §4), each typed even when it has no feature
GPKG_LAYERS: dict[str, LayerSchema] = {
    "sites": LayerSchema("Point", _PLACED_FIELDS),
    "hotspots": LayerSchema("Point", _PLACED_FIELDS),
    "links": LayerSchema(
        "LineString",
        {
            "id": "str",
            "type": "str",
            "from": "str",
            "to": "str",
            "length_km": "float",
            "capacity_mbps": "int",
            "terrain": "str",
            "capex": "int",
            "opex_per_year": "int",
            "total_cost": "int",
        },
    ),
    "blank_spots": LayerSchema(
        "MultiPolygon",
        {
            "id": "str",
            "population": "float",
            "cells": "int",
            "nearest_village": "str",
            "status": "str",
            "people_covered_after": "float",
            "people_still_dark": "float",
        },
    ),
    "regions": LayerSchema(
        "MultiPolygon",
        {
            "name": "str",
            "code": "str",
            "population": "float",
            "coverage_before_pct": "float",
            "coverage_after_pct": "float",
        },
    ),
    "villages": LayerSchema(
        "Point",
        {
            "id": "str",
            "name": "str",
            "people": "float",
            "covered_before_pct": "float",
            "covered_after_pct": "float",
            "signal_before": "bool",
            "signal_after": "bool",
            "cheapest_cost": "int",
            "how_to_reach": "str",
        },
    ),
    "existing_sites": LayerSchema(
        "Point",
        {
            "id": "str",
            "technology": "str",
            "radio": "str",
            "cells": "int",
            "range_m": "float",
            "height_m": "float",
        },
    ),
}


def _as_kind(values: pd.Series, kind: FieldKind) -> pd.Series:
    """``values`` as a column of ``kind`` (missing values stay missing)."""
    if kind == "str":
        return values.astype(object).map(lambda v: None if pd.isna(v) else str(v))
    if kind == "bool":
        return values.astype(object).where(values.notna(), None).astype("boolean")
    numbers = pd.to_numeric(values, errors="coerce").astype("float64")
    if kind == "int":
        return numbers.where(np.isfinite(numbers)).round(0).astype("Int64")
    return numbers


def _conformed(table: gpd.GeoDataFrame, schema: LayerSchema) -> gpd.GeoDataFrame:
    """``table`` with every declared field, typed, in the declared order (missing where the
    data has none), then its other fields: every file of a layer has the same fields, an
    empty one too."""
    geometry = table.geometry.name
    declared = {
        column: _as_kind(
            table[column] if column in table else pd.Series(None, index=table.index, dtype=object),
            kind,
        )
        for column, kind in schema.fields.items()
    }
    others = [c for c in table.columns if c not in schema.fields and c != geometry]
    out = pd.concat([pd.DataFrame(declared, index=table.index), table[[*others, geometry]]], axis=1)
    return gpd.GeoDataFrame(out, geometry=geometry, crs=table.crs)


def _gpkg_geometry_type(name: str, table: gpd.GeoDataFrame) -> str:
    if name in GPKG_LAYERS:
        return GPKG_LAYERS[name].geometry
    present = table.geometry.dropna()
    return str(present.geom_type.iloc[0]) if len(present) else "Unknown"


def write_gpkg(path: Path, layers: Mapping[str, gpd.GeoDataFrame], *, lang: str = "en") -> None:
    """One GeoPackage with a layer per entry (EPSG:4326, prepared as :func:`lonlat_table`
    says), each opening in QGIS with its netplan style (:func:`write_layer_styles`).

    Layers named in :data:`GPKG_LAYERS` are typed as declared there, even when empty;
    polygon layers are multi-polygons, so a repaired outline fits the layer type. The file is
    written anew (a re-render leaves nothing of an earlier one).

    GDAL stamps every layer with the current time unless ``OGR_CURRENT_DATE`` says
    otherwise: it is set, for this write only, to ``SOURCE_DATE_EPOCH`` (the reproducible-builds
    convention) or to :data:`GPKG_DATE`, so two runs of the same plan give the same bytes.
    """
    stamp = gpkg_timestamp()
    path.unlink(missing_ok=True)
    styles = []
    with _gdal_config(OGR_CURRENT_DATE=stamp):
        for name, gdf in layers.items():
            table = lonlat_table(gdf, name=f"{path.name}:{name}")
            if name in GPKG_LAYERS:
                table = _conformed(table, GPKG_LAYERS[name])
            geometry_type = _gpkg_geometry_type(name, table)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                table.to_file(
                    path,
                    layer=name,
                    driver="GPKG",
                    engine="pyogrio",
                    geometry_type=geometry_type,
                    promote_to_multi=geometry_type.startswith("Multi"),
                )
            style = layer_style(name, gdf, lang=lang)
            if style is not None:
                styles.append(style)
    write_layer_styles(path, styles, stamp=stamp)


#: the ``layer_styles`` table as QGIS creates it in a GeoPackage (through GDAL: an attributes
#: table with these field widths, booleans and a time stamp defaulting to now)
_LAYER_STYLES_TABLE = (
    'CREATE TABLE "layer_styles" ( "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
    '"f_table_catalog" TEXT(256), "f_table_schema" TEXT(256), "f_table_name" TEXT(256), '
    '"f_geometry_column" TEXT(256), "styleName" TEXT(30), "styleQML" TEXT, "styleSLD" TEXT, '
    '"useAsDefault" BOOLEAN, "description" TEXT, "owner" TEXT(30), "ui" TEXT(30), '
    "\"update_time\" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
)
#: GDAL keeps each table's feature count in ``gpkg_ogr_contents`` with these triggers
_COUNT_TRIGGERS = tuple(
    f'CREATE TRIGGER "trigger_{event}_feature_count_layer_styles" AFTER {event.upper()} ON '
    f'"layer_styles" BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count {sign} 1 '
    "WHERE lower(table_name) = lower('layer_styles'); END"
    for event, sign in (("insert", "+"), ("delete", "-"))
)
#: the geometry column of every layer netplan writes (GDAL's GeoPackage default)
GPKG_GEOMETRY_COLUMN = "geom"


def write_layer_styles(path: Path, styles: Sequence[LayerStyle], *, stamp: str) -> None:
    """Store each layer's style in the GeoPackage's ``layer_styles`` table, as the default
    style QGIS applies when it opens the layer (QML, with SLD beside it for other tools).

    The table is registered as GDAL registers an attributes table, and every time stamp is
    ``stamp``, so the file stays byte-reproducible."""
    if not styles:
        return
    rows = [
        {
            "table": style.layer,
            "geometry": GPKG_GEOMETRY_COLUMN,
            "qml": qml(style),
            "sld": sld(style),
            "title": style.title,
            "stamp": stamp,
        }
        for style in styles
    ]
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(_LAYER_STYLES_TABLE)
        db.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
            "last_change, srs_id) VALUES ('layer_styles', 'attributes', 'layer_styles', '', ?, 0)",
            (stamp,),
        )
        db.execute(
            "INSERT INTO gpkg_ogr_contents (table_name, feature_count) VALUES ('layer_styles', 0)"
        )
        for trigger in _COUNT_TRIGGERS:
            db.execute(trigger)
        db.executemany(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui, update_time) VALUES ('', '', :table, :geometry, :table, :qml, :sld, 1, "
            ":title, '', NULL, :stamp)",
            rows,
        )


def read_layer_styles(path: Path) -> dict[str, str]:
    """The default QML style of each layer of a GeoPackage (layer name to QML)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        found = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'layer_styles'"
        ).fetchone()
        if found is None:
            return {}
        rows = db.execute(
            "SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault ORDER BY id"
        ).fetchall()
    return {str(name): str(style) for name, style in rows}


#: The GeoPackage timestamp (``gpkg_contents.last_change``) when ``SOURCE_DATE_EPOCH`` is
#: not set: a fixed date, so the same plan gives a byte-identical file.
GPKG_DATE = "2000-01-01T00:00:00Z"


def source_date() -> datetime | None:
    """``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) as a UTC time, if set.

    Raises
    ------
    ConfigError
        When it is set but is not a whole number of seconds.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return None
    try:
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise ConfigError(
            f"SOURCE_DATE_EPOCH={epoch!r} is not a time in seconds since 1970-01-01 UTC; set it "
            "to a whole number (e.g. the output of `git log -1 --format=%ct`) or unset it"
        ) from exc


def iso_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def gpkg_timestamp() -> str:
    """``SOURCE_DATE_EPOCH`` as an ISO 8601 UTC time, else :data:`GPKG_DATE`."""
    moment = source_date()
    return GPKG_DATE if moment is None else iso_time(moment)


@contextmanager
def _gdal_config(**options: str) -> Iterator[None]:
    """GDAL configuration options set for the body only (GDAL's are process-wide)."""
    before = {key: pyogrio.get_gdal_config_option(key) for key in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(before)


# --- KML -----------------------------------------------------------------------------------


def write_kml(
    path: Path,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    lang: str = "en",
    currency: str = "IDR",
    horizon_years: int | None = None,
) -> None:
    """One KML file for Google Earth: styled placemarks with a balloon each (a site's holds
    the map popup's figures, its costs over ``horizon_years``), a folder per layer (see
    :func:`netplan.io.kml.kml_document` for the layers it knows), the layers prepared as
    :func:`lonlat_table` says."""
    tables = {name: lonlat_table(gdf, name=f"{path.name}:{name}") for name, gdf in layers.items()}
    document = kml_document(tables, lang=lang, currency=currency, horizon_years=horizon_years)
    path.write_bytes(document)


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
    """A table with lon/lat columns instead of geometry (spreadsheets, partners' tools),
    prepared as :func:`lonlat_table` says; a plain table with its numbers rounded
    (:func:`rounded`). Every CSV netplan writes goes through :func:`csv_text`."""
    if isinstance(gdf, gpd.GeoDataFrame):
        ll = lonlat_table(gdf, name=path.name)
        table = pd.DataFrame(ll.drop(columns=ll.geometry.name)).assign(
            lon=ll.geometry.x, lat=ll.geometry.y
        )
    else:
        table = rounded(gdf)
    path.write_text(csv_text(table), encoding="utf-8", newline="")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
