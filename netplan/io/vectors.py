"""Vector and table readers: boundaries, points, lines and OpenCelliD cell exports.

Every reader returns a GeoDataFrame with a CRS, or raises :class:`InputError` naming the
file, the row or column, and the fix.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import logging
import math
import re
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyogrio.errors import DataSourceError

from netplan.errors import InputError
from netplan.io.outputs import FORMULA_STARTS, TEXT_MARK
from netplan.io.paths import file_problem

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
    text = _table_text(path, what)
    try:
        return pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path}: cannot read {what} as CSV: {_first_line(exc)}") from exc


def _table_text(path: Path, what: str) -> str:
    """The text of a UTF-8, comma-separated file; a clear error for anything else."""
    problem = file_problem(path)
    if problem is not None:
        raise InputError(f"{path}: {what} file {problem}; check layers.{what} in the scenario")
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
    return text


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def require_unique(values: pd.Series, path: Path, what: str, column: str) -> None:
    """Raise when a column that names things (ids) repeats a value."""
    dup = values[values.duplicated()]
    if not dup.empty:
        shown = ", ".join(map(str, sorted(set(dup.astype(str)))[:5]))
        raise InputError(f"{path}: duplicate {what} {column}(s) {shown}; ids must be unique")


#: a JSON escape of half a surrogate pair: how JSON writers (Python's json by default) write a
#: character beyond U+FFFF, such as an emoji or a rare CJK ideograph in a name
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}")


def _readable_source(path: Path) -> Path | io.BytesIO:
    """``path``, or for a GeoJSON that escapes characters beyond U+FFFF as surrogate pairs
    (which GDAL's reader turns into U+FFFD), the same document with those characters as
    UTF-8, so that a name reads as it was written."""
    if path.suffix.lower() not in (".geojson", ".json"):
        return path
    data = path.read_bytes()
    if not _SURROGATE_ESCAPE.search(data):
        return path
    try:
        document = json.loads(data)
    except ValueError:
        return path  # GDAL names the problem
    return io.BytesIO(json.dumps(document, ensure_ascii=False).encode("utf-8"))


def read_vector(path: Path, what: str, *, within: gpd.GeoSeries | None = None) -> gpd.GeoDataFrame:
    """A GeoJSON / GeoPackage / Shapefile layer, or a CSV of lon/lat points (EPSG:4326).

    ``within`` (a box with its CRS; a tile of a national run) keeps only the features whose
    extent meets it; none is no error. The layer is then parsed and checked once per process
    and kept (until the file changes): a GeoJSON has no index, so a worker planning many
    tiles would otherwise parse the country's layer once per tile.
    """
    problem = file_problem(path)
    if problem is not None:
        raise InputError(f"{path}: {what} file {problem}; check the scenario's path for {what}")
    if path.suffix.lower() == ".csv":
        return _points_from_csv(read_table(path, what), path, what)
    if within is None:
        return _checked_layer(path, what)
    stat = path.stat()
    whole = _kept_layer(path.resolve(), what, stat.st_mtime_ns, stat.st_size, stat.st_ino)
    box = shapely.box(*within.to_crs(whole.crs).total_bounds)
    rows = np.sort(whole.sindex.query(box, predicate="intersects"))
    return whole.iloc[rows].reset_index(drop=True)


#: layers kept per process: more than a scenario has (boundaries, towers, fiber, fiber nodes,
#: villages, points of interest)
_KEPT_LAYERS = 12


@functools.lru_cache(maxsize=_KEPT_LAYERS)
def _kept_layer(path: Path, what: str, *stamp: int) -> gpd.GeoDataFrame:
    """:func:`_checked_layer`, kept per process; ``stamp`` (the file's modification time,
    size and inode) makes a changed file read anew."""
    return _checked_layer(path, what)


def _checked_layer(path: Path, what: str) -> gpd.GeoDataFrame:
    """The layer read whole, with a CRS, features, and a valid geometry on each."""
    try:
        gdf = gpd.read_file(_readable_source(path))
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


def _lonlat_columns(df: pd.DataFrame, path: Path, what: str) -> tuple[str, str]:
    """The names of a table's longitude and latitude columns (any usual spelling)."""
    cols = {c.lower(): c for c in df.columns}
    lon = next((cols[n] for n in _LON_NAMES if n in cols), None)
    lat = next((cols[n] for n in _LAT_NAMES if n in cols), None)
    if lon is None or lat is None:
        raise InputError(
            f"{path}: {what} CSV needs longitude and latitude columns "
            f"(one of {_LON_NAMES} and one of {_LAT_NAMES}); found {list(df.columns)}"
        )
    return lon, lat


def _points_from_csv(df: pd.DataFrame, path: Path, what: str) -> gpd.GeoDataFrame:
    lon, lat = _lonlat_columns(df, path, what)
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
    if gdf.empty:  # a header and no rows: no known cell in the region (yet)
        return gdf
    for col in ("mcc", "net", "area", "cell"):
        if not pd.api.types.is_integer_dtype(gdf[col]):
            raise InputError(f"{path}: OpenCelliD column {col!r} must hold whole numbers")
    return gdf


DECISIONS = ("accept", "reject", "add")
#: Cell texts that spreadsheets and pandas read as a missing value (compared case-blind): an
#: id spelled like one would silently turn into "no id" in the next tool that opens the file.
MISSING_TEXTS = frozenset(
    {
        "",
        "na",
        "n/a",
        "nan",
        "-nan",
        "null",
        "none",
        "nil",
        "nat",
        "<na>",
        "#n/a",
        "#na",
        "#n/a n/a",
        "#null!",
        "-1.#ind",
        "1.#ind",
        "-1.#qnan",
        "1.#qnan",
    }
)


def read_decisions(path: Path) -> pd.DataFrame:
    """A reviewer's decisions: ``id``, ``decision`` (accept | reject | add) and, to add a
    site, ``lon``, ``lat`` and optionally ``technology``.

    Reads back exactly what the map's ``review.csv`` template holds: every cell is text, the
    ``'`` that keeps a spreadsheet from running an id as a formula is removed again, a blank
    decision means "no decision" (the row is skipped), and ``lon``/``lat`` are only needed
    when a site is added. Each row keeps the ``line`` it came from, for later messages.
    """
    header, rows = _csv_rows(path, "decisions")
    missing = [c for c in ("id", "decision") if c not in header]
    if missing:
        raise InputError(f"{path}: decisions is missing column(s) {missing}; it has {header}")
    records: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        row = dict(zip(header, cells, strict=True))
        decision = row["decision"].strip().lower()
        if not decision:
            continue  # the template's rows the reviewer left alone
        if decision not in DECISIONS:
            raise InputError(
                f"{path}: line {line}: decision {row['decision']!r} must be one of "
                f"{', '.join(DECISIONS)} (or blank for no decision)"
            )
        site = _decision_id(row["id"], path, line)
        if site in seen:
            raise InputError(
                f"{path}: line {line}: site {site!r} already has a decision on line "
                f"{seen[site]}; give each site one decision"
            )
        seen[site] = line
        lon = lat = float("nan")
        if decision == "add":
            lon = _added_coordinate(row, "lon", 180.0, path, line)
            lat = _added_coordinate(row, "lat", 90.0, path, line)
        record: dict[str, object] = {
            "id": site,
            "decision": decision,
            "lon": lon,
            "lat": lat,
            "line": line,
        }
        if "technology" in header:
            record["technology"] = unmark_text(row["technology"].strip())
        records.append(record)
    columns = ["id", "decision", "lon", "lat", "line"] + (
        ["technology"] if "technology" in header else []
    )
    return pd.DataFrame(records, columns=columns).astype({"lon": float, "lat": float, "line": int})


def unmark_text(text: str) -> str:
    """Undo :func:`netplan.io.outputs.spreadsheet_text`: drop the ``'`` before a formula-like
    start (or before a second ``'``), so an id comes back exactly as netplan wrote it."""
    marked = text.startswith(TEXT_MARK) and text[1:].startswith((*FORMULA_STARTS, TEXT_MARK))
    return text[1:] if marked else text


def _csv_rows(path: Path, what: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header (stripped, lower case) and the non-blank rows of a CSV with their line numbers;
    short rows are padded, and a malformed file is refused naming the line."""
    reader = csv.reader(io.StringIO(_table_text(path, what), newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(
            f"{path}: line {start}: cannot read {what} as CSV ({exc}); check the quotes "
            'on that line: a value with a comma or a quote is written "a, ""b"""'
        ) from exc
    if not records:
        raise InputError(f"{path}: {what} file is empty; it needs a header line")
    header = [name.strip().lower() for name in records[0][1]]
    rows = []
    for line, cells in records[1:]:
        if not any(cell.strip() for cell in cells):
            continue
        extra = cells[len(header) :]
        if any(cell.strip() for cell in extra):
            raise InputError(
                f"{path}: line {line} has {len(cells)} values but the header has "
                f"{len(header)} columns; quote values that contain a comma"
            )
        rows.append((line, cells[: len(header)] + [""] * (len(header) - len(cells))))
    return header, rows


def _decision_id(cell: str, path: Path, line: int) -> str:
    """The site id of a decision; ids that tools read as missing (``NA``, ``null``, ...)
    are refused."""
    site = unmark_text(cell.strip())
    if not site.strip():
        raise InputError(f"{path}: line {line}: the site id is empty; say which site is decided")
    if site.strip().lower() in MISSING_TEXTS:
        raise InputError(
            f"{path}: line {line}: site id {site!r} reads as a missing value in spreadsheets "
            "and pandas; give the site another id (e.g. NEW1)"
        )
    return site


def _added_coordinate(
    row: dict[str, str], column: str, limit: float, path: Path, line: int
) -> float:
    """A finite lon or lat within ±``limit`` degrees, for a site the reviewer adds."""
    if column not in row:
        raise InputError(
            f"{path}: line {line}: an added site needs lon and lat columns; "
            "add them to the header (id,decision,lon,lat)"
        )
    text = unmark_text(row[column].strip())
    try:
        value = float(text)
    except ValueError:
        raise InputError(
            f"{path}: line {line}: an added site needs a numeric {column} in decimal degrees "
            f"(got {text!r})"
        ) from None
    if not math.isfinite(value) or abs(value) > limit:
        site = unmark_text(row["id"].strip())
        raise InputError(
            f"{path}: line {line}: {column} {text!r} of added site {site!r} is not a "
            f"number within -{limit:g}..{limit:g}; give decimal degrees (lon, lat: swapped?)"
        )
    return value


_TIME_NAMES = (
    "time",
    "timestamp",
    "datetime",
    "date",
    "waktu",
    "tanggal",
    "reported_at",
    "created",
)
_DBM_NAMES = ("signal_dbm", "rsrp", "rsrp_dbm", "dbm", "rssi")
_STATUS_NAMES = ("status", "report", "signal", "type", "kind", "kondisi")
#: status values (lower-case, stripped) meaning the reporter had no usable signal; "weak"
#: counts as dark because the planner cares about usable signal, not any bar at all
_STATUS_DARK = (
    "no_signal",
    "no signal",
    "nosignal",
    "none",
    "dark",
    "no service",
    "no_service",
    "weak",
    "weak signal",
    "weak_signal",
    "lemah",
    "sinyal lemah",
    "tidak ada sinyal",
    "tidak ada",
    "blank",
    "0",
    "false",
)
_STATUS_SIGNAL = ("signal", "ok", "good", "1", "true", "ada sinyal", "ada")


def _given(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Values as stripped text, and which of them are filled in (not NaN, not blank)."""
    text = values.astype("string").str.strip()
    return text, (text.notna() & (text != "")).to_numpy(dtype=bool)


def read_signal_reports(path: Path) -> pd.DataFrame:
    """Citizen signal reports: ``lon``, ``lat``, ``time`` (UTC), ``signal_dbm``, ``no_signal``.

    Only these five columns leave the reader: names, phone numbers, NIK, e-mail, free text
    and every other column are dropped here and never kept, and only the dropped column
    *names* are logged. A row is a "no signal" complaint unless a status column (status,
    report, signal, type, kind, kondisi) says otherwise; a measured-signal column (signal_dbm,
    rsrp, rsrp_dbm, dbm, rssi) is kept as ``signal_dbm`` and the dark threshold is applied
    later. Times without a zone are taken as UTC.
    """
    what = "signal_reports"
    df = read_table(path, what)
    cols = {c.lower(): c for c in df.columns}
    lon, lat = _lonlat_columns(df, path, what)
    points = _points_from_csv(df[[lon, lat]], path, what)
    time_col = next((cols[n] for n in _TIME_NAMES if n in cols), None)
    dbm_col = next((cols[n] for n in _DBM_NAMES if n in cols), None)
    status_col = next((cols[n] for n in _STATUS_NAMES if n in cols), None)
    n = len(df)
    out = pd.DataFrame(
        {
            "lon": points.geometry.x.to_numpy(dtype=float),
            "lat": points.geometry.y.to_numpy(dtype=float),
            "time": pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns, UTC]"),
            "signal_dbm": np.full(n, np.nan),
            "no_signal": np.ones(n, dtype=bool),
        }
    )
    if time_col is not None:
        out["time"] = _report_times(df[time_col], time_col, path).to_numpy()
    measured = np.zeros(n, dtype=bool)
    if dbm_col is not None:
        values = _report_dbm(df[dbm_col], dbm_col, path)
        out["signal_dbm"] = values
        measured = ~np.isnan(values)
        out["no_signal"] = False
    if status_col is not None:
        out["no_signal"] = _report_status(df[status_col], status_col, dbm_col, measured, path)
    elif dbm_col is not None and not measured.all():
        i = int(np.flatnonzero(~measured)[0])
        raise InputError(
            f"{path}: line {i + 2}: {dbm_col!r} is empty and there is no status column; "
            "fill in the measurement or remove the row"
        )
    kept = [c for c in (lon, lat, time_col, dbm_col, status_col) if c is not None]
    _log_dropped_columns(what, [str(c) for c in df.columns if c not in kept])
    return out


def _report_times(column: pd.Series, name: str, path: Path) -> pd.Series:
    """The reports' times in UTC (NaT where not given); a time that is not ISO 8601 is
    refused."""
    text, present = _given(column)
    parsed = pd.to_datetime(
        text.where(present), errors="coerce", utc=True, format="ISO8601"
    ).astype("datetime64[ns, UTC]")
    bad = present & parsed.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{path}: line {i + 2}, column {name!r} = {text.iat[i]!r} is not a date/time; "
            "write it as ISO 8601, e.g. 2024-03-01 or 2024-03-01T14:30:00+07:00"
        )
    return parsed


def _report_dbm(column: pd.Series, name: str, path: Path) -> np.ndarray:
    """The reports' measured signal in dBm (NaN where not measured); a value that is not a
    number from -200 to 0 is refused."""
    text, present = _given(column)
    values = pd.to_numeric(text.where(present), errors="coerce").to_numpy(dtype=float)
    bad = present & (np.isnan(values) | (values > 0) | (values < -200))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{path}: line {i + 2}, column {name!r} = {text.iat[i]!r}: signal must be a "
            "number in dBm from -200 to 0 (e.g. -105); leave it empty when not measured"
        )
    return values


def _report_status(
    column: pd.Series, name: str, dbm_col: str | None, measured: np.ndarray, path: Path
) -> np.ndarray:
    """Which reports say "no signal" by their status; an unknown status, or a row with
    neither status nor measurement, is refused."""
    text, present = _given(column)
    norm = (
        text.str.lower().str.replace(r"\.0$", "", regex=True).str.replace(r"\s+", " ", regex=True)
    )
    dark = norm.isin(_STATUS_DARK).to_numpy(dtype=bool)
    ok = norm.isin(_STATUS_SIGNAL).to_numpy(dtype=bool)
    bad = present & ~dark & ~ok
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{path}: line {i + 2}, column {name!r} = {text.iat[i]!r} is not a known "
            f"status; use one of {', '.join(_STATUS_DARK)} (no signal) or "
            f"{', '.join(_STATUS_SIGNAL)} (signal)"
        )
    empty = ~present & ~measured
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise InputError(
            f"{path}: line {i + 2}: {name!r} is empty"
            + (f" and so is {dbm_col!r}" if dbm_col is not None else "")
            + "; say whether there was signal or remove the row"
        )
    return dark


def _log_dropped_columns(what: str, dropped: list[str]) -> None:
    """Log the names (only) of the columns a reader dropped."""
    if dropped:
        logger.info(
            "%s: kept coordinates, time and signal; dropped %d other column%s (%s)",
            what,
            len(dropped),
            "" if len(dropped) == 1 else "s",
            ", ".join(dropped),
        )
