"""Vector and table readers: boundaries, points, lines and OpenCelliD cell exports.

Every reader returns a GeoDataFrame with a CRS, or raises :class:`InputError` naming the
file, the row or column, and the fix.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyogrio.errors import DataSourceError

from netplan.errors import InputError

logger = logging.getLogger(__name__)

OPENCELLID_COLUMNS = [
    "radio",
    "mcc",
    "net",
    "area",
    "cell",
    "unit",
    "lon",
    "lat",
    "range",
    "samples",
    "changeable",
    "created",
    "updated",
    "averageSignal",
]

_LON_NAMES = ("lon", "lng", "longitude", "x")
_LAT_NAMES = ("lat", "latitude", "y")


def read_table(path: Path, what: str) -> pd.DataFrame:
    """A UTF-8, comma-separated table, with a clear error for anything else."""
    if not path.is_file():
        raise InputError(f"{path}: {what} file not found; check layers.{what} in the scenario")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}: {what} is not UTF-8 (byte 0x{raw[exc.start]:02x} on line {line}); "
            "save it as UTF-8 CSV"
        ) from exc
    header = text.splitlines()[0] if text.strip() else ""
    if header.count(",") == 0 and any(sep in header for sep in (";", "\t", "|")):
        sep = next(sep for sep in (";", "\t", "|") if sep in header)
        raise InputError(
            f"{path}: {what} uses {sep!r} between columns; save it comma-separated "
            "(in a spreadsheet: CSV UTF-8, comma delimited)"
        )
    try:
        return pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path}: cannot read {what} as CSV: {_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def require_unique(values: pd.Series, path: Path, what: str, column: str) -> None:
    """Raise when a column that names things (ids) repeats a value."""
    dup = values[values.duplicated()]
    if not dup.empty:
        shown = ", ".join(map(str, sorted(set(dup.astype(str)))[:5]))
        raise InputError(f"{path}: duplicate {what} {column}(s) {shown}; ids must be unique")


def read_vector(path: Path, what: str) -> gpd.GeoDataFrame:
    """A GeoJSON / GeoPackage / Shapefile layer, or a CSV of lon/lat points (EPSG:4326)."""
    if not path.is_file():
        raise InputError(f"{path}: {what} file not found; check the scenario's path for {what}")
    if path.suffix.lower() == ".csv":
        return _points_from_csv(read_table(path, what), path, what)
    try:
        gdf = gpd.read_file(path)
    except (DataSourceError, ValueError, OSError) as exc:
        raise InputError(f"{path}: cannot read {what} ({exc}); expected GeoJSON or GPKG") from exc
    if gdf.crs is None:
        raise InputError(
            f"{path}: {what} layer has no CRS; assign one "
            f"(e.g. ogr2ogr -a_srs EPSG:4326 out.gpkg {path.name})"
        )
    if len(gdf) == 0:
        raise InputError(f"{path}: {what} layer has no features")
    missing = gdf.geometry.isna() | gdf.geometry.is_empty
    if missing.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(missing.to_numpy())[:5])
        raise InputError(f"{path}: {what} feature(s) {rows} have no geometry; remove or fix them")
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        logger.warning("%s: repaired %d invalid %s geometries", path, int(invalid.sum()), what)
        gdf.loc[invalid, "geometry"] = gdf.geometry[invalid].make_valid()
    return gdf


def _points_from_csv(df: pd.DataFrame, path: Path, what: str) -> gpd.GeoDataFrame:
    cols = {c.lower(): c for c in df.columns}
    lon = next((cols[n] for n in _LON_NAMES if n in cols), None)
    lat = next((cols[n] for n in _LAT_NAMES if n in cols), None)
    if lon is None or lat is None:
        raise InputError(
            f"{path}: {what} CSV needs longitude and latitude columns "
            f"(one of {_LON_NAMES} and one of {_LAT_NAMES}); found {list(df.columns)}"
        )
    for name in (lon, lat):
        bad = pd.to_numeric(df[name], errors="coerce").isna()
        if bad.any():
            rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad.to_numpy())[:5])
            raise InputError(f"{path}: column {name!r} is not a number on line(s) {rows}")
    x = df[lon].astype(float).to_numpy()
    y = df[lat].astype(float).to_numpy()
    bad = (np.abs(x) > 180) | (np.abs(y) > 90)
    if bad.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad)[:5])
        raise InputError(
            f"{path}: line(s) {rows} have coordinates outside lon -180..180 / lat -90..90; "
            f"are {lon!r} and {lat!r} swapped?"
        )
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")


def require_columns(gdf: pd.DataFrame, columns: Sequence[str], path: Path, what: str) -> None:
    """Raise when any of ``columns`` is missing, listing what the file has."""
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        have = [c for c in gdf.columns if c != "geometry"]
        raise InputError(f"{path}: {what} is missing column(s) {missing}; it has {have}")


def check_not_swapped(
    gdf: gpd.GeoDataFrame, region_lonlat: tuple[float, float, float, float], path: Path, what: str
) -> None:
    """Refuse a lon/lat layer whose features fall in the region only with x and y swapped."""
    if gdf.crs is None or not gdf.crs.is_geographic or gdf.empty:
        return
    pts = gdf.geometry.representative_point()
    x, y = pts.x.to_numpy(), pts.y.to_numpy()
    w, s, e, n = region_lonlat

    def inside(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.mean((a >= w) & (a <= e) & (b >= s) & (b <= n)))

    if inside(x, y) < 0.5 and inside(y, x) > 0.5:
        raise InputError(
            f"{path}: {what} coordinates look swapped: {inside(y, x):.0%} of features fall in "
            "the region only when longitude and latitude are exchanged; swap the columns"
        )


def read_household_access(path: Path) -> pd.DataFrame:
    """A BPS-shaped table of household internet access: a region column and percentages."""
    df = read_table(path, "household_access")
    names = [
        c for c in df.columns if c.lower() in ("region", "provinsi", "kabupaten", "name", "nama")
    ]
    pct = [c for c in df.columns if c.lower().startswith("pct")]
    if not names or not pct:
        raise InputError(
            f"{path}: household_access needs a region column (region, provinsi, kabupaten, "
            f"name or nama) and percentage columns starting with 'pct'; found {list(df.columns)}"
        )
    for col in pct:
        values = pd.to_numeric(df[col], errors="coerce")
        bad = (values < 0) | (values > 100) | (values.isna() & df[col].notna())
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{path}: line {i + 2}, column {col!r} = {df[col].iat[i]!r}: percentages must be "
                "numbers from 0 to 100"
            )
    return df


def is_opencellid(path: Path) -> bool:
    """True when a CSV file carries OpenCelliD's header."""
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    with path.open(encoding="utf-8", errors="replace") as fh:
        header = fh.readline().strip().split(",")
    return header[: len(OPENCELLID_COLUMNS)] == OPENCELLID_COLUMNS


def read_opencellid(path: Path) -> gpd.GeoDataFrame:
    """OpenCelliD rows (one per cell) as points in EPSG:4326."""
    df = read_table(path, "towers")
    gdf = _points_from_csv(df, path, "towers")
    for col in ("mcc", "net", "area", "cell"):
        if not pd.api.types.is_integer_dtype(gdf[col]):
            raise InputError(f"{path}: OpenCelliD column {col!r} must hold whole numbers")
    return gdf


DECISIONS = ("accept", "reject", "add")


def read_decisions(path: Path) -> pd.DataFrame:
    """A reviewer's decisions: ``id``, ``decision`` (accept | reject | add) and, to add a
    site, ``lon``, ``lat`` and optionally ``technology``."""
    df = read_table(path, "decisions")
    require_columns(df, ["id", "decision"], path, "decisions")
    df["id"] = df["id"].astype(str).str.strip()
    df["decision"] = df["decision"].astype(str).str.strip().str.lower()
    bad = ~df["decision"].isin(DECISIONS)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{path}: line {i + 2}: decision {df['decision'].iat[i]!r} must be one of "
            f"{', '.join(DECISIONS)}"
        )
    require_unique(df["id"], path, "decisions", "id")
    adds = df["decision"] == "add"
    if adds.any():
        require_columns(df, ["lon", "lat"], path, "decisions (to add a site)")
        for col in ("lon", "lat"):
            values = pd.to_numeric(df.loc[adds, col], errors="coerce")
            if values.isna().any():
                i = int(values.index[values.isna()][0])
                raise InputError(f"{path}: line {i + 2}: an added site needs a numeric {col}")
    return df
