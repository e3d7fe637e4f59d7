"""The review map of a finished run, drawn from its folder's files (:mod:`netplan.io.run_files`).

Rasters become small PNG overlays: each is warped to Web Mercator (Leaflet stretches an image
evenly between its corners in that projection), at most :data:`MAP_MAX_PIXELS` a side, and
written with a palette of a few colours, so even a Papua-sized grid (6,500 cells a side)
gives a map that travels. Coverage masks are drawn from the share of each pixel that is
covered (soft edges, no small patch lost), the new sites' signal from the strongest cell.
"""

from __future__ import annotations

import base64
import math
import warnings

import geopandas as gpd
import numpy as np
from affine import Affine
from pyproj import CRS, Transformer
from rasterio.enums import Resampling
from rasterio.errors import NotGeoreferencedWarning
from rasterio.features import shapes
from rasterio.io import MemoryFile
from rasterio.transform import from_bounds
from rasterio.warp import calculate_default_transform, reproject
from shapely.geometry import shape
from shapely.ops import unary_union

from netplan import palette
from netplan.grid import Grid
from netplan.i18n import texts
from netplan.io.outputs import WGS84
from netplan.io.run_files import CoverageRaster, Overview, RunFiles
from netplan.report.review_map import ImageLayer, MapContent, MapImage, render_review_map

_MERCATOR = "EPSG:3857"

#: Coverage masks wider than this are drawn from coarser blocks: a Papua-sized grid (6,500
#: cells a side) otherwise gives a map of ~100 MB, too much for partners on slow links.
MAP_MAX_CELLS = 2048
#: the longest side of a coverage or signal image, in pixels
MAP_MAX_PIXELS = 1200
#: shades of a coverage image's transparency (a pixel's covered share), and of the signal
COVERAGE_LEVELS = 8
SIGNAL_LEVELS = 16
#: the signal ramp spans this many dB above the weakest usable signal
SIGNAL_SPAN_DB = 45.0


def map_factor(grid: Grid) -> int:
    """Cells per side of the blocks a large grid's polygons are drawn from (1: full detail)."""
    return max(1, math.ceil(max(grid.width, grid.height) / MAP_MAX_CELLS))


def mask_polygons(mask: np.ndarray, grid: Grid, *, factor: int = 1) -> gpd.GeoDataFrame:
    """The area of a boolean grid mask as one (multi)polygon row, in lon/lat.

    With ``factor`` > 1 the mask is first reduced to blocks of factor × factor cells, a block
    counting when at least half its cells do (the drawn area stays unbiased).
    """
    transform = grid.transform
    if factor > 1:
        h, w = mask.shape
        padded = np.zeros((-(-h // factor) * factor, -(-w // factor) * factor), dtype=np.float32)
        padded[:h, :w] = mask
        share = padded.reshape(padded.shape[0] // factor, factor, -1, factor).mean(axis=(1, 3))
        mask = share >= 0.5
        transform = transform * Affine.scale(factor)
    geoms = [
        shape(g)
        for g, v in shapes(mask.astype(np.uint8), mask=mask, connectivity=8, transform=transform)
        if v == 1
    ]
    geometry = [unary_union(geoms)] if geoms else []
    return gpd.GeoDataFrame(geometry=geometry, crs=grid.crs).to_crs(WGS84)


# --- images ------------------------------------------------------------------------------


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _ramp(colours: tuple[str, ...], levels: int) -> list[tuple[int, int, int]]:
    """``levels`` colours evenly along a ramp of hex colours."""
    stops = np.array([_hex_rgb(c) for c in colours], dtype=float)
    pos = np.linspace(0.0, len(stops) - 1, levels)
    low = np.minimum(pos.astype(int), len(stops) - 2)
    frac = (pos - low)[:, None]
    rgb = np.round(stops[low] * (1 - frac) + stops[low + 1] * frac).astype(int)
    return [(int(r), int(g), int(b)) for r, g, b in rgb]


def png_url(indices: np.ndarray, colours: list[tuple[int, int, int, int]]) -> str:
    """A palette PNG (index 0 transparent unless ``colours`` says otherwise) as a data: URL.

    Parameters
    ----------
    indices
        uint8 palette indices, rows north to south.
    colours
        RGBA of each index.
    """
    height, width = indices.shape
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with MemoryFile() as memory:
            with memory.open(
                driver="PNG", width=width, height=height, count=1, dtype="uint8", zlevel=9
            ) as png:
                png.write(indices.astype(np.uint8), 1)
                png.write_colormap(1, dict(enumerate(colours)))
            data = memory.read()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _to_mercator(
    values: np.ndarray,
    transform: Affine,
    crs: CRS | str,
    *,
    max_pixels: int,
    resampling: Resampling,
) -> tuple[np.ndarray, tuple[float, float], tuple[float, float]]:
    """A raster warped to Web Mercator, at most ``max_pixels`` a side (NaN: no data), with
    its corners as (lat, lon)."""
    height, width = values.shape
    left, top = transform * (0, 0)
    right, bottom = transform * (width, height)
    _, w, h = calculate_default_transform(
        crs, _MERCATOR, width, height, left=left, bottom=bottom, right=right, top=top
    )
    assert w is not None and h is not None
    to_mercator = Transformer.from_crs(crs, _MERCATOR, always_xy=True)
    xs, ys = to_mercator.transform([left, right, left, right], [bottom, bottom, top, top])
    west, east, south, north = min(xs), max(xs), min(ys), max(ys)
    scale = max(1.0, max(w, h) / max_pixels)
    out_w, out_h = max(1, round(w / scale)), max(1, round(h / scale))
    out = np.full((out_h, out_w), np.nan, dtype=np.float32)
    reproject(
        values.astype(np.float32),
        out,
        src_transform=transform,
        src_crs=crs,
        src_nodata=np.nan,
        dst_transform=from_bounds(west, south, east, north, out_w, out_h),
        dst_crs=_MERCATOR,
        dst_nodata=np.nan,
        resampling=resampling,
    )
    to_lonlat = Transformer.from_crs(_MERCATOR, WGS84, always_xy=True)
    (lon0, lon1), (lat0, lat1) = to_lonlat.transform([west, east], [south, north])
    return out, (round(lat0, 6), round(lon0, 6)), (round(lat1, 6), round(lon1, 6))


def _image(
    values: np.ndarray,
    sw: tuple[float, float],
    ne: tuple[float, float],
    *,
    colours: list[tuple[int, int, int, int]],
) -> MapImage:
    return MapImage(png_url(values, colours), sw, ne)


def coverage_image(
    mask: np.ndarray, raster: CoverageRaster, colour: str, *, max_pixels: int = MAP_MAX_PIXELS
) -> MapImage | None:
    """Where ``mask`` holds, in ``colour``; a pixel's opacity is the share of it covered."""
    if not mask.any():
        return None
    share, sw, ne = _to_mercator(
        mask.astype(np.float32),
        raster.transform,
        raster.crs,
        max_pixels=max_pixels,
        resampling=Resampling.average,
    )
    levels = np.round(np.nan_to_num(share, nan=0.0) * (COVERAGE_LEVELS - 1)).astype(np.uint8)
    rgb = _hex_rgb(colour)
    colours = [(*rgb, round(255 * k / (COVERAGE_LEVELS - 1))) for k in range(COVERAGE_LEVELS)]
    return _image(levels, sw, ne, colours=colours)


def new_signal(before: CoverageRaster, after: CoverageRaster) -> np.ndarray | None:
    """The plan's signal (dBm) where it is stronger than before or there was none (NaN
    elsewhere); None for the radius model (no signal values)."""
    if after.signal_dbm is None:
        return None
    signal = np.where(after.covered, after.signal_dbm, np.nan)
    if before.signal_dbm is not None:
        old = before.signal_dbm
        signal = np.where(np.isfinite(old) & (old >= signal), np.nan, signal)
    return signal


def signal_image(
    dbm: np.ndarray, raster: CoverageRaster, *, weakest: float, max_pixels: int = MAP_MAX_PIXELS
) -> MapImage | None:
    """The signal in :data:`SIGNAL_LEVELS` steps of the shared ramp, weakest (``weakest``
    dBm) to strongest (``weakest`` + :data:`SIGNAL_SPAN_DB`); transparent where none."""
    if not np.isfinite(dbm).any():
        return None
    strongest, sw, ne = _to_mercator(
        dbm, raster.transform, raster.crs, max_pixels=max_pixels, resampling=Resampling.max
    )
    step = np.clip((strongest - weakest) / SIGNAL_SPAN_DB, 0.0, 1.0) * (SIGNAL_LEVELS - 1)
    levels = np.where(np.isfinite(strongest), np.round(np.nan_to_num(step)) + 1, 0)
    colours = [(0, 0, 0, 0), *((*c, 255) for c in _ramp(palette.SIGNAL_RAMP, SIGNAL_LEVELS))]
    return _image(levels.astype(np.uint8), sw, ne, colours=colours)


def _overview_transform(overview: Overview, shape: tuple[int, int]) -> Affine:
    (south, west), (north, east) = overview.south_west, overview.north_east
    return from_bounds(west, south, east, north, shape[1], shape[0])


def hillshade_image(overview: Overview) -> MapImage | None:
    """A grey hillshade (sun from the north-west) of the run's elevation, the map's offline
    base layer; None without a DEM."""
    elevation = overview.elevation_m
    if elevation is None or not np.isfinite(elevation).any():
        return None
    rows, cols = elevation.shape
    (south, west), (north, east) = overview.south_west, overview.north_east
    dy = (north - south) * 111_320.0 / rows
    dx = (east - west) * 111_320.0 * math.cos(math.radians((north + south) / 2)) / cols
    dem = np.where(np.isfinite(elevation), elevation, np.nanmin(elevation))
    gy, gx = np.gradient(dem, dy, dx)
    slope = np.arctan(np.hypot(gx, gy))
    aspect = np.arctan2(-gx, gy)
    sun_alt, sun_az = np.radians(45.0), np.radians(315.0)
    shade = np.sin(sun_alt) * np.cos(slope) + np.cos(sun_alt) * np.sin(slope) * np.cos(
        sun_az - aspect
    )
    shade = np.where(np.isfinite(elevation), np.clip(shade, 0.0, 1.0), np.nan)
    warped, sw, ne = _to_mercator(
        shade,
        _overview_transform(overview, elevation.shape),
        WGS84,
        max_pixels=max(elevation.shape),
        resampling=Resampling.bilinear,
    )
    greys = 32
    levels = np.where(np.isfinite(warped), np.round(np.nan_to_num(warped) * (greys - 1)) + 1, 0)
    colours = [(0, 0, 0, 0)] + [(g, g, g, 255) for g in np.linspace(200, 255, greys).astype(int)]
    return _image(levels.astype(np.uint8), sw, ne, colours=colours)


def population_image(overview: Overview) -> MapImage | None:
    """People per km², log scale from 1 to 10,000, in the population ramp."""
    density = overview.people_per_km2
    if not np.isfinite(density).any():
        return None
    warped, sw, ne = _to_mercator(
        density,
        _overview_transform(overview, density.shape),
        WGS84,
        max_pixels=max(density.shape),
        resampling=Resampling.nearest,
    )
    steps = 8
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(np.maximum(warped, 1.0))
    level = np.clip(np.round(logs / 4.0 * (steps - 1)), 0, steps - 1) + 1
    levels = np.where(np.isfinite(warped) & (warped > 0), level, 0)
    colours = [(0, 0, 0, 0), *((*c, 255) for c in _ramp(palette.POPULATION_RAMP, steps))]
    return _image(levels.astype(np.uint8), sw, ne, colours=colours)


# --- the map -----------------------------------------------------------------------------


def weakest_signal_dbm(run: RunFiles) -> float:
    """The weakest usable signal of the run's technologies (its config), -105 dBm if none."""
    technologies = (run.manifest.get("config") or {}).get("technologies") or {}
    values = [
        float(t["min_signal_dbm"])
        for t in technologies.values()
        if isinstance(t, dict) and t.get("min_signal_dbm") is not None
    ]
    return min(values) if values else -105.0


def _image_layers(run: RunFiles, lang: str) -> list[ImageLayer]:
    """Population, coverage today, new coverage and the new sites' signal, bottom to top."""
    t = texts(lang)
    before = run.coverage_before
    layers: list[ImageLayer] = []
    people = population_image(run.overview) if run.overview is not None else None
    if people is not None:
        per_km2 = t.gettext("people per km²")
        layers.append(
            ImageLayer(
                "population",
                t.gettext("Population density"),
                people,
                0.7,
                show=False,
                ramp=(palette.POPULATION_RAMP, f"1 … {t.number(10_000)} {per_km2}"),
            )
        )
    today = coverage_image(
        before.covered & before.in_region, before, palette.EXISTING_COVERAGE_COLOUR
    )
    if today is not None:
        layers.append(
            ImageLayer(
                "coverage_before",
                t.gettext("Coverage today"),
                today,
                0.45,
                swatch=(palette.EXISTING_COVERAGE_COLOUR, t.gettext("Had signal before the plan")),
            )
        )
    after = run.coverage_after
    if after is None:
        return layers
    gained = after.covered & ~before.covered & after.in_region
    new = coverage_image(gained, after, palette.NEW_COVERAGE_COLOUR)
    if new is not None:
        layers.append(
            ImageLayer(
                "coverage_new",
                t.gettext("New coverage from the plan"),
                new,
                0.6,
                swatch=(palette.NEW_COVERAGE_COLOUR, t.gettext("Gains signal from the plan")),
            )
        )
    dbm = new_signal(before, after)
    weakest = weakest_signal_dbm(run)
    signal = None if dbm is None else signal_image(dbm, after, weakest=weakest)
    if signal is None:
        return layers
    span = (weakest, weakest + SIGNAL_SPAN_DB)
    ramp = f"{t.number(span[0])} … {t.number(span[1])} dBm"
    layers.append(
        ImageLayer(
            "signal",
            t.gettext("New sites' signal"),
            signal,
            0.7,
            show=False,
            ramp=(palette.SIGNAL_RAMP, ramp),
        )
    )
    return layers


#: per-region figures of ``summary.json`` the regencies' popups show
REGION_FIGURES = ("new_towers", "new_wifi", "spend", "villages_gaining_signal")


def regions_with_figures(run: RunFiles) -> gpd.GeoDataFrame:
    """The regions with the plan's per-region figures from the summary (matched by name)
    where ``regions.geojson`` lacks them."""
    by_name = {
        str(entry.get("name")): entry
        for entry in run.summary.get("regions") or []
        if isinstance(entry, dict)
    }
    regions = run.regions.copy()
    if "name" not in regions.columns:
        return regions
    for key in REGION_FIGURES:
        if key not in regions.columns:
            regions[key] = [by_name.get(str(n), {}).get(key) for n in regions["name"]]
    return regions


def map_tolerance_deg(grid: Grid) -> float:
    """How far (degrees) polygons may be simplified: half a drawn block of the grid."""
    return 0.5 * grid.resolution * map_factor(grid) / 111_320.0


def review_map_html(run: RunFiles, *, lang: str) -> str:
    """The review map of a finished run (plan or analysis) in ``lang``, from its files.

    Parameters
    ----------
    run
        The run folder read back (:func:`~netplan.io.run_files.read_run`).
    lang
        ``en`` or ``id``: every label, number and the sites' reasons in that language.

    Returns
    -------
    str
        One self-contained HTML document (works offline); nothing is written to disk.
    """
    images = _image_layers(run, lang)
    content = MapContent(
        lang=lang,
        currency=run.currency,
        title=str(run.summary.get("scenario") or ""),
        summary=run.summary,
        manifest=run.manifest,
        regions=regions_with_figures(run),
        blank_spots=run.blank_spots,
        existing_sites=run.existing_sites,
        sites=run.sites,
        hotspots=run.hotspots,
        links=run.links,
        villages=run.villages,
        report_blocks=run.report_blocks,
        base_image=hillshade_image(run.overview) if run.overview is not None else None,
        images=images,
        tolerance_deg=map_tolerance_deg(run.coverage_before.grid),
    )
    return render_review_map(content)
