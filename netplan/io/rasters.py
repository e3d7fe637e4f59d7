"""Raster readers and writers (GeoTIFF / COG), the only place rasters touch the disk."""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import rasterio
from affine import Affine
from numba import njit
from pyproj import CRS, Transformer
from rasterio.errors import NotGeoreferencedWarning, RasterioError, RasterioIOError, WindowError
from rasterio.io import MemoryFile
from rasterio.shutil import copy as rio_copy
from rasterio.warp import transform_bounds
from rasterio.windows import Window, from_bounds

from netplan import memory
from netplan.errors import InputError
from netplan.grid import Grid, SumResampler
from netplan.io.paths import file_problem
from netplan.parallel import map_sites

logger = logging.getLogger(__name__)

#: Rows read per block, so a country-scale raster never sits in memory whole.
BLOCK_ROWS = 1024
#: Cells whose heights are sampled at once (their coordinates take ~64 bytes each)
_SAMPLED_AT_ONCE = 1 << 20
#: No place on earth is denser than this (Manila's densest districts reach ~70,000); above
#: it, a raster is almost surely in other units (per km², scaled) or corrupt.
MAX_PEOPLE_PER_KM2 = 100_000.0


def _open(path: Path, what: str) -> rasterio.DatasetReader:
    problem = file_problem(path)
    if problem is not None:
        raise InputError(f"{path}: {what} raster {problem}; check layers.{what} in the scenario")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            return rasterio.open(path)
    except RasterioIOError as exc:
        raise InputError(
            f"{path}: cannot read {what} raster (layers.{what}: {exc}); expected a GeoTIFF"
        ) from exc


@contextmanager
def _pixels_of(path: Path, what: str) -> Iterator[None]:
    """Turn a failure while reading pixels (a truncated or corrupt file: GDAL only finds out
    at the damaged block, possibly on a Dask worker) into one line naming file and key."""
    try:
        yield
    except RasterioError as exc:
        detail = str(exc.__cause__ or exc).strip().splitlines()[0]
        raise InputError(
            f"{path}: cannot read the pixels of layers.{what} ({detail}); the file is "
            "truncated or corrupt: copy or export it again"
        ) from exc


def _check_georeferenced(src: rasterio.DatasetReader, path: Path, what: str) -> None:
    if src.crs is None:
        raise InputError(
            f"{path}: {what} raster has no CRS; assign one "
            f"(e.g. gdal_edit.py -a_srs EPSG:4326 {path.name})"
        )


def _window_over_grid(src: rasterio.DatasetReader, grid: Grid, path: Path, what: str) -> Window:
    """The source window that covers the grid, or an error when they do not overlap."""
    left, bottom, right, top = transform_bounds(grid.crs, src.crs, *grid.bounds, densify_pts=21)
    sl, sb, sr, st = src.bounds
    if right <= sl or left >= sr or top <= sb or bottom >= st:
        raise InputError(
            f"{path}: {what} raster (bounds {sl:.4f},{sb:.4f},{sr:.4f},{st:.4f} in {src.crs}) "
            "does not overlap the region; check the file or region.boundaries"
        )
    win = from_bounds(left, bottom, right, top, transform=src.transform)
    win = win.round_offsets(op="floor").round_lengths(op="ceil")
    try:
        win = win.intersection(Window(0, 0, src.width, src.height))
    except WindowError as exc:
        raise InputError(
            f"{path}: {what} raster does not overlap the region; check the file or "
            "region.boundaries"
        ) from exc
    _refuse_oversized_window(src, win, grid, path, what)
    return win


def _refuse_oversized_window(
    src: rasterio.DatasetReader, win: Window, grid: Grid, path: Path, what: str
) -> None:
    """Refuse, before reading a pixel, a raster whose part over the region (as its header
    declares it) is too large to read on this machine: the estimate, and the fix."""
    width, height = int(win.width), int(win.height)
    needed = width * height * memory.RASTER_BYTES_PER_PIXEL
    machine = memory.machine_bytes()
    if memory.fits(needed, machine):
        return
    how = "-r sum" if what == "population" else "-r average"
    raise InputError(
        f"{path}: layers.{what}: the part of the raster over the region is {width:,} x "
        f"{height:,} pixels (the file declares {src.width:,} x {src.height:,}), about "
        f"{memory.readable_bytes(needed)} to read, more than this machine can give the run "
        f"(it has {memory.readable_bytes(machine)}); resample it to about the "
        f"{grid.resolution:g} m analysis cells (gdalwarp -tr ... {how}) or clip it to the region"
    )


@dataclass(frozen=True)
class _PopulationSource:
    """What a population block task needs (sent once to each Dask worker)."""

    path: Path
    grid: Grid
    col_off: int
    width: int
    pixel_km2: float


@dataclass(frozen=True)
class _BlockResult:
    cells: np.ndarray
    sums: np.ndarray
    inside: float
    outside: float
    negative: int
    dense: int
    densest: float


def _population_block(source: _PopulationSource, rows: tuple[int, int]) -> _BlockResult:
    """Read ``rows`` (first row, count) of the population raster and sum them onto the grid
    (runs here or on a Dask worker, which opens the file itself)."""
    row, h = rows
    with _open(source.path, "population") as src, _pixels_of(source.path, "population"):
        block = src.read(1, window=Window(source.col_off, row, source.width, h), masked=False)
        block = block.astype(np.float64)
        if src.nodata is not None:
            block[block == src.nodata] = np.nan
        acc = SumResampler(source.grid, src_crs=src.crs, src_transform=src.transform)
    too_many = block > MAX_PEOPLE_PER_KM2 * source.pixel_km2
    densest = float(np.nanmax(block)) / source.pixel_km2 if too_many.any() else 0.0
    cells, sums, inside, outside = acc.block_sums(block, row_off=row, col_off=source.col_off)
    return _BlockResult(
        cells,
        sums,
        inside,
        outside,
        negative=int(np.count_nonzero(block < 0)),
        dense=int(np.count_nonzero(too_many)),
        densest=densest,
    )


def read_population(
    path: Path, grid: Grid, *, client: Any = None
) -> tuple[np.ndarray, dict[str, float]]:
    """Population (people per cell) on the grid, summed from any CRS and resolution.

    The raster is read in blocks of ``BLOCK_ROWS`` rows, each summed onto the grid on its
    own: on the Dask cluster when ``client`` is given (workers must be able to read
    ``path``), else here, one after another; the result is the same either way. Returns the
    array and a record of the totals (source inside the window, landed in the grid) so
    callers can check that nothing was lost.
    """
    with _open(path, "population") as src:
        _check_georeferenced(src, path, "population")
        win = _window_over_grid(src, grid, path, "population")
        acc = SumResampler(grid, src_crs=src.crs, src_transform=src.transform)
        nodata = src.nodata
        source = _PopulationSource(
            path, grid, int(win.col_off), int(win.width), _pixel_area_km2(src, win)
        )
    end = int(win.row_off + win.height)
    blocks = [(row, min(BLOCK_ROWS, end - row)) for row in range(int(win.row_off), end, BLOCK_ROWS)]
    negative = dense = 0
    densest = 0.0
    for part in map_sites(_population_block, source, blocks, client=client, batch_size=1):
        acc.merge(part.cells, part.sums, part.inside, part.outside)
        negative += part.negative
        dense += part.dense
        densest = max(densest, part.densest)
    if dense:
        raise InputError(
            f"{path}: {dense} population cells hold more than {MAX_PEOPLE_PER_KM2:,.0f} "
            f"people per km² (up to {densest:,.0f}); the raster must hold people per cell "
            "(not per km², nor scaled)"
        )
    if negative:
        raise InputError(
            f"{path}: {negative} population cells are negative (and not nodata "
            f"{nodata}); set the raster's nodata value or fix the cells"
        )
    stats = {"source_in_window": acc.inside + acc.outside, "on_grid": acc.inside}
    return acc.result(), stats


def _pixel_area_km2(src: rasterio.DatasetReader, win: Window) -> float:
    """Area of one source pixel near the window's centre, in km²."""
    t = src.transform
    if src.crs.is_geographic:
        lat = t.f + (win.row_off + win.height / 2) * t.e
        km_per_deg = 111.32
        return abs(t.a * t.e) * km_per_deg**2 * max(math.cos(math.radians(lat)), 1e-6)
    return abs(t.a * t.e) / 1e6


def read_elevation(path: Path, grid: Grid) -> np.ndarray:
    """Elevation (m) on the grid: the DEM sampled bilinearly at each cell's centre; NaN where
    the DEM has no data. Only the DEM's window over the grid is read, kept in its own type
    (a 100 m DEM under a 1 km grid is read once, not copied to floats), and each cell's
    value depends on that cell alone (not on the grid's extent, as a warp's would), so a
    tile of a national run sees the same ground as the whole country in one grid."""
    with _open(path, "elevation") as src:
        _check_georeferenced(src, path, "elevation")
        window = _padded(_window_over_grid(src, grid, path, "elevation"), src, pixels=2)
        with _pixels_of(path, "elevation"):
            dem = src.read(1, window=window, masked=True)
        to_pixel = ~src.transform  # whole-raster pixels: the same numbers for any window
        to_src = Transformer.from_crs(grid.crs, src.crs, always_xy=True)
        height, width = src.height, src.width
    values = np.ma.getdata(dem)
    has_data = ~np.ma.getmaskarray(dem)
    if np.issubdtype(values.dtype, np.floating):
        has_data &= np.isfinite(values)
    out = np.empty(grid.shape, dtype=np.float32)
    xs, ys = grid.coords()
    step = max(1, min(BLOCK_ROWS, _SAMPLED_AT_ONCE // max(grid.width, 1)))
    for start in range(0, grid.height, step):
        rows = ys[start : start + step]
        gx, gy = np.meshgrid(xs, rows)
        sx, sy = to_src.transform(gx.ravel(), gy.ravel())
        col, row = to_pixel * (np.asarray(sx), np.asarray(sy))
        row, col = np.asarray(row), np.asarray(col)
        block = _bilinear(
            values, has_data, row - (window.row_off + 0.5), col - (window.col_off + 0.5)
        )
        # the DEM's edge pixels reach to its edge; beyond it there is no ground
        block[(row < 0) | (row > height) | (col < 0) | (col > width)] = np.nan
        out[start : start + rows.size] = block.reshape(rows.size, xs.size)
    return out


@njit(cache=True)
def _bilinear(
    values: np.ndarray, has_data: np.ndarray, row: np.ndarray, col: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """``values`` interpolated bilinearly at fractional pixel positions (pixel centres at
    whole numbers; outside the array, its edge pixels), over the pixels that have data only:
    a nodata pixel must not blank its neighbours, so the weights of the pixels with data are
    summed and divided out. NaN where no neighbour has data."""
    height, width = values.shape
    out = np.full(row.size, np.nan, dtype=np.float32)
    for i in range(row.size):
        if not (np.isfinite(row[i]) and np.isfinite(col[i])):
            continue
        r = min(max(row[i], 0.0), height - 1.0)
        c = min(max(col[i], 0.0), width - 1.0)
        r0 = min(int(r), max(height - 2, 0))
        c0 = min(int(c), max(width - 2, 0))
        fr, fc = r - r0, c - c0
        total = weight = 0.0
        for dr in range(2):
            for dc in range(2):
                rr, cc = min(r0 + dr, height - 1), min(c0 + dc, width - 1)
                w = (fr if dr else 1.0 - fr) * (fc if dc else 1.0 - fc)
                if w > 0.0 and has_data[rr, cc]:
                    total += w * values[rr, cc]
                    weight += w
        if weight > 1e-6:
            out[i] = total / weight
    return out


def _padded(win: Window, src: rasterio.DatasetReader, *, pixels: int) -> Window:
    """``win`` grown by ``pixels`` on every side, within the raster."""
    grown = Window(
        win.col_off - pixels, win.row_off - pixels, win.width + 2 * pixels, win.height + 2 * pixels
    )
    return grown.intersection(Window(0, 0, src.width, src.height))


def write_cog(
    path: Path,
    data: np.ndarray,
    grid: Grid,
    *,
    nodata: float | int | None,
    description: str | None = None,
    units: str | None = None,
    tags: dict[str, str] | None = None,
    colormap: dict[int, tuple[int, int, int, int]] | None = None,
) -> None:
    """Write a single-band Cloud-Optimised GeoTIFF on the grid, with the band's description,
    units and tags (what QGIS and ``gdalinfo`` show) and, for a class raster, a colour table.
    Overviews take the nearest cell, so a class or a nodata value is never blended."""
    profile = {
        "driver": "GTiff",
        "width": grid.width,
        "height": grid.height,
        "count": 1,
        "dtype": data.dtype.name,
        "crs": grid.crs.to_wkt(),
        "transform": grid.transform,
        "nodata": nodata,
    }
    with MemoryFile() as mem:
        with mem.open(**profile) as tmp:
            tmp.write(data, 1)
            if description:
                tmp.set_band_description(1, description)
            if units:
                tmp.units = (units,)
            if tags:
                tmp.update_tags(**tags)
            if colormap:
                tmp.write_colormap(1, colormap)
        with mem.open() as tmp:
            rio_copy(
                tmp,
                str(path),
                driver="COG",
                compress="DEFLATE",
                predictor="YES",
                blocksize=512,
                overview_resampling="NEAREST",
            )


# --- coverage rasters ------------------------------------------------------------------------

#: radius model (uint8): 1 covered, 0 inside the region without signal, this value outside
#: the region (the raster's nodata)
MASK_NODATA = 255
#: terrain model (float32): best-server signal in dBm where a site gives usable signal, NaN
#: inside the region without usable signal, this value outside the region (the nodata)
SIGNAL_OUTSIDE = -9999.0
#: the dataset tag that says which of the two a coverage raster is
COVERAGE_TAG = "NETPLAN_COVERAGE"
#: colours of the mask's classes (QGIS opens the mask with them): covered, no signal
MASK_COLOURS = {1: (51, 160, 44, 255), 0: (217, 217, 217, 255)}
_AGAIN = "run netplan plan (or analyze) again to rewrite the run folder"


def coverage_raster(
    covered: np.ndarray, strength: np.ndarray, region: np.ndarray, *, signal: bool
) -> tuple[np.ndarray, float | int]:
    """The coverage raster of a run and its nodata value, outside the region told apart from
    inside it without signal.

    With ``signal`` (terrain model): float32 best-server signal in dBm (to 0.1 dB) where a
    site gives usable signal, NaN inside the region without it, :data:`SIGNAL_OUTSIDE`
    outside the region. Otherwise a uint8 mask: 1 covered, 0 not, :data:`MASK_NODATA`
    outside.
    """
    outside = region < 0
    if signal:
        dbm = np.where(covered, np.round(strength, 1), np.nan).astype(np.float32)
        dbm[outside] = SIGNAL_OUTSIDE
        return dbm, SIGNAL_OUTSIDE
    mask = covered.astype(np.uint8)
    mask[outside] = MASK_NODATA
    return mask, MASK_NODATA


def write_coverage(
    path: Path, raster: tuple[np.ndarray, float | int], grid: Grid, *, when: str
) -> None:
    """Write a coverage raster from :func:`coverage_raster` as a COG that says what its
    values mean (band description, units, tags; the mask with a colour table). ``when``
    names the moment in the description: ``before the plan`` or ``after the plan``."""
    data, nodata = raster
    if np.issubdtype(data.dtype, np.floating):
        description = (
            f"best-server signal {when} (dBm); NaN: no usable signal; "
            f"{SIGNAL_OUTSIDE:g}: outside the region"
        )
        values = {"NO_SIGNAL": "nan", "OUTSIDE": f"{SIGNAL_OUTSIDE:g}"}
        write_cog(
            path,
            data,
            grid,
            nodata=nodata,
            description=description,
            units="dBm",
            tags={COVERAGE_TAG: "signal_dbm", **values},
        )
        return
    description = (
        f"mobile coverage {when}: 1 covered, 0 no signal, {MASK_NODATA}: outside the region"
    )
    write_cog(
        path,
        data,
        grid,
        nodata=nodata,
        description=description,
        tags={COVERAGE_TAG: "mask", "NO_SIGNAL": "0", "OUTSIDE": str(MASK_NODATA)},
        colormap=MASK_COLOURS,
    )


class CoverageGrid(NamedTuple):
    """A coverage raster read back: where there is usable signal, where the region is."""

    covered: np.ndarray  #: bool, True where a site gives usable signal (inside the region)
    in_region: np.ndarray  #: bool, True inside the region
    signal_dbm: np.ndarray | None  #: best-server dBm, NaN without; None for a mask
    transform: Affine
    crs: CRS


def read_coverage(path: Path) -> CoverageGrid:
    """A coverage raster written by :func:`write_coverage` (or by an older netplan, whose
    signal rasters did not mark the region: all of the grid is then taken as inside).

    Raises
    ------
    InputError
        When the file is missing or damaged, naming it.
    """
    problem = file_problem(path)
    if problem is not None:
        raise InputError(f"{path}: coverage raster {problem}; {_AGAIN}")
    try:
        with rasterio.open(path) as src:
            values = src.read(1)
            nodata, transform = src.nodata, src.transform
            crs = CRS.from_user_input(src.crs)
    except RasterioError as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: damaged coverage raster ({detail}); {_AGAIN}") from exc
    if not np.issubdtype(values.dtype, np.floating):
        in_region = values != nodata if nodata is not None else np.ones(values.shape, bool)
        return CoverageGrid(values == 1, in_region, None, transform, crs)
    outside = np.zeros(values.shape, bool)
    if nodata is not None and not math.isnan(nodata):
        outside = values == nodata
    signal = np.where(outside, np.nan, values).astype(np.float32)
    return CoverageGrid(np.isfinite(signal), ~outside, signal, transform, crs)
