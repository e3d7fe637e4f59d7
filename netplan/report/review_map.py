"""Interactive review map of a coverage plan, rendered as one HTML document.

The map lets a reviewer check a plan at a glance: regions coloured by coverage, the
blank spots, existing and new coverage, new towers, WiFi hotspots and backhaul links.
It works offline: Leaflet is inlined, and a hillshade (or a plain background) is the
default base layer; OpenStreetMap tiles are an optional base layer for when a network is
available.
"""

from __future__ import annotations

import logging
import math
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure
from jinja2 import Template
from shapely.geometry import mapping

from netplan.io.assets import read_asset
from netplan.io.outputs import csv_text
from netplan.report.templating import inert, render
from netplan.units import money

logger = logging.getLogger(__name__)

#: Fallback view (all of Indonesia) when the regions have no usable bounds.
_INDONESIA_BOUNDS = ((-11.0, 95.0), (6.0, 141.0))
SIMPLIFY_DEG = 0.0002
_DECIMALS = 5
_BACKHAUL_COLOURS = {"fiber": "#e67e22", "microwave": "#1f78b4", "satellite": "#8c564b"}
_OTHER_COLOUR = "#7f7f7f"
_LINK_DASH = {"fiber": None, "microwave": "6 4", "satellite": "2 4"}
_COVERAGE_CLASSES = (
    (95.0, "#1a9641", "≥ 95 %"),
    (80.0, "#a6d96a", "80–95 %"),
    (50.0, "#fdae61", "50–80 %"),
    (-math.inf, "#d7191c", "< 50 %"),
)
_ID_RE = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")


class _Fragment(Element):
    """Finished HTML added to the page as it is.

    ``folium.Element(text)`` compiles its text as a jinja2 template, so a name holding
    ``{{ ... }}`` would run on the server while the page is built; here the text is a value.
    """

    _template = Template("{{ this.markup }}")

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.markup = markup


def _missing(value: Any) -> bool:
    """Return True for None, NaN, NaT and pd.NA (tolerant of non-scalar input)."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _num(value: Any) -> float | None:
    """Value as a finite float, None when missing, infinite or not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _esc(value: Any) -> str:
    """Text from an input as inert HTML (see :func:`~netplan.report.templating.inert`), for
    GeoJSON properties and tooltips that folium shows as HTML; empty when missing."""
    return "" if _missing(value) else str(inert(value))


def _fmt_int(value: Any) -> str:
    """Format a count with thousands separators, ``n/a`` when missing."""
    number = _num(value)
    return "n/a" if number is None else f"{round(number):,}"


def _fmt_pct(value: Any) -> str:
    """Format a percentage with one decimal, ``n/a`` when missing."""
    number = _num(value)
    return "n/a" if number is None else f"{number:.1f} %"


def _coverage_colour(pct: Any) -> str:
    """Colour class of a coverage percentage (grey when unknown)."""
    number = _num(pct)
    if number is None:
        return _OTHER_COLOUR
    return next(colour for low, colour, _ in _COVERAGE_CLASSES if number >= low)


def _compact_geom(geom: Any, simplify: bool) -> Any:
    """Simplify polygons slightly and round coordinates so the HTML stays small."""
    if simplify:
        geom = geom.simplify(SIMPLIFY_DEG, preserve_topology=True)
    return shapely.transform(geom, lambda xy: np.round(xy, _DECIMALS))


def _records(gdf: gpd.GeoDataFrame) -> list[tuple[Any, dict[str, Any]]]:
    """Pairs of (geometry, attribute dict); dicts because columns like ``from`` are keywords."""
    attrs = gdf.drop(columns=gdf.geometry.name).to_dict("records")
    return list(zip(gdf.geometry, attrs, strict=True))


def _features(
    gdf: gpd.GeoDataFrame | None,
    props: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    simplify: bool = True,
) -> list[dict[str, Any]]:
    """GeoJSON features of the non-empty geometries of ``gdf`` with compact coordinates."""
    if gdf is None or gdf.empty:
        return []
    feats: list[dict[str, Any]] = []
    for geom, rec in _records(gdf):
        if geom is None or geom.is_empty:
            continue
        geom = _compact_geom(geom, simplify)
        if geom.is_empty:
            continue
        feats.append(
            {
                "type": "Feature",
                "id": str(len(feats)),
                "geometry": mapping(geom),
                "properties": props(rec) if props else {},
            }
        )
    return feats


def _add_geojson(
    group: folium.FeatureGroup,
    feats: list[dict[str, Any]],
    style: Callable[[dict[str, Any]], dict[str, Any]],
    tooltip: tuple[list[str], list[str]] | None = None,
    **kwargs: Any,
) -> None:
    """Add one GeoJson layer (skipped when there are no features) to ``group``."""
    if not feats:
        return
    tip = folium.GeoJsonTooltip(fields=tooltip[0], aliases=tooltip[1]) if tooltip else None
    folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        style_function=style,
        tooltip=tip,
        control=False,
        **kwargs,
    ).add_to(group)


def _point(geom: Any) -> tuple[float, float] | None:
    """(lat, lon) of a point geometry rounded to 5 decimals, None if unusable."""
    if geom is None or geom.is_empty:
        return None
    pt = geom if geom.geom_type == "Point" else geom.representative_point()
    return round(pt.y, _DECIMALS), round(pt.x, _DECIMALS)


def _text(value: Any) -> str:
    """A value for a template: the empty string when missing."""
    return "" if _missing(value) else str(value)


def _site_popup(row: Mapping[str, Any], currency: str) -> folium.Popup:
    """Popup table of a new tower or hotspot with its costs and the reason it was chosen."""
    cells = [
        ("ID", _text(row.get("id"))),
        ("Technology", _text(row.get("technology"))),
        ("Backhaul", _text(row.get("backhaul"))),
        ("Capex", money(row.get("capex"), currency)),
        ("Opex per year", money(row.get("opex_per_year"), currency)),
        ("Total cost", money(row.get("total_cost"), currency)),
        ("People newly covered", _fmt_int(row.get("people_newly_covered"))),
        ("Cost per person", money(row.get("cost_per_person"), currency)),
    ]
    body = render("site_popup.html", cells=cells, reason=_text(row.get("reason")))
    return folium.Popup(str(body), max_width=320)


def _add_sites(
    group: folium.FeatureGroup,
    gdf: gpd.GeoDataFrame,
    currency: str,
    radius: int,
    colour_of: Callable[[dict[str, Any]], str],
) -> None:
    """Add one circle marker with a popup table per new tower or hotspot."""
    for geom, row in _records(gdf):
        loc = _point(geom)
        if loc is None:
            continue
        folium.CircleMarker(
            loc,
            radius=radius,
            color="#222",
            weight=1.5,
            fill=True,
            fill_color=colour_of(row),
            fill_opacity=0.95,
            popup=_site_popup(row, currency),
            tooltip=_esc(row.get("id")),
        ).add_to(group)


def review_csv(ids: list[str]) -> str:
    """The review template: one row per planned site, decisions left blank for the reviewer
    (``netplan plan --decisions`` reads it back exactly, ids included)."""
    blank = [""] * len(ids)
    template = pd.DataFrame(
        {"id": ids, "decision": blank, "lon": blank, "lat": blank, "technology": blank}
    )
    return csv_text(template)


def _title_html(
    title: str, currency: str, summary: Mapping[str, Any] | None, review_ids: list[str]
) -> str:
    """Fixed title box with the scenario title, the key figures when given, and the review
    template as a download (the raw CSV, percent-encoded into a data: URI)."""
    figures: list[tuple[str, str]] = []
    if summary:
        formats: list[tuple[str, str, Callable[[Any], str]]] = [
            ("Population", "population_total", _fmt_int),
            ("Coverage before", "coverage_before_pct", _fmt_pct),
            ("Coverage after", "coverage_after_pct", _fmt_pct),
            ("Newly covered", "population_newly_covered", _fmt_int),
            ("Total cost", "total_cost", lambda v: money(v, currency)),
            ("New towers", "new_towers", _fmt_int),
            ("New WiFi hotspots", "new_wifi", _fmt_int),
        ]
        figures = [(label, fmt(summary[key])) for label, key, fmt in formats if key in summary]
    review = ""
    if review_ids:
        review = "data:text/csv;charset=utf-8," + urllib.parse.quote(
            review_csv(review_ids), safe=""
        )
    return str(render("map_title.html", title=title, figures=figures, review_csv=review))


def _add_image(group: folium.FeatureGroup, image: SignalImage, *, opacity: float) -> None:
    """An RGBA raster in lon/lat as an image overlay of ``group``."""
    folium.raster_layers.ImageOverlay(
        image=image.rgba,
        bounds=[list(image.south_west), list(image.north_east)],
        opacity=opacity,
        mercator_project=True,
    ).add_to(group)


def hillshade_image(
    elevation: np.ndarray,
    *,
    south_west: tuple[float, float],
    north_east: tuple[float, float],
    cell_m: float,
) -> SignalImage:
    """A grey hillshade (sun from the north-west) of a lon/lat elevation raster."""
    dem = np.where(np.isfinite(elevation), elevation, np.nanmin(elevation))
    gy, gx = np.gradient(dem, cell_m)
    slope = np.arctan(np.hypot(gx, gy))
    aspect = np.arctan2(-gx, gy)
    sun_alt, sun_az = np.radians(45.0), np.radians(315.0)
    shade = np.sin(sun_alt) * np.cos(slope) + np.cos(sun_alt) * np.sin(slope) * np.cos(
        sun_az - aspect
    )
    grey = (200 + 55 * np.clip(shade, 0, 1)).astype(np.uint8)
    alpha = np.where(np.isfinite(elevation), 255, 0).astype(np.uint8)
    rgba = np.stack([grey, grey, grey, alpha], axis=-1)
    lo, hi = float(np.nanmin(elevation)), float(np.nanmax(elevation))
    return SignalImage(rgba, south_west, north_east, lo, hi)


def _legend_html(
    with_plan: bool,
    signal: SignalImage | None = None,
    *,
    villages: bool = False,
    reports: bool = False,
) -> str:
    """Fixed legend box explaining colours and symbols."""
    ramp = None
    if signal is not None:
        ramp = {
            "ramp": ",".join(_SIGNAL_STOPS),
            "weakest": f"{signal.weakest_dbm:.0f}",
            "strongest": f"{signal.strongest_dbm:.0f}",
        }
    return str(
        render(
            "map_legend.html",
            coverage_classes=[(colour, label) for _, colour, label in _COVERAGE_CLASSES],
            backhaul_colours=list(_BACKHAUL_COLOURS.items()),
            fiber_colour=_BACKHAUL_COLOURS["fiber"],
            microwave_colour=_BACKHAUL_COLOURS["microwave"],
            with_plan=with_plan,
            villages=villages,
            reports=reports,
            signal=ramp,
        )
    )


def _group(m: folium.Map, name: str) -> folium.FeatureGroup:
    """Create a named overlay group listed in the layer control and add it to ``m``."""
    group = folium.FeatureGroup(name=name)
    group.add_to(m)
    return group


def _stable_ids(document: str) -> str:
    """Replace folium's random element ids with sequential ones so output is reproducible."""
    ids: dict[str, str] = {}
    return _ID_RE.sub(lambda m: ids.setdefault(m.group(0), f"{len(ids):x}"), document)


#: signal colour ramp, weak to strong (viridis-like), shared by the overlay and its legend
_SIGNAL_STOPS = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")


@dataclass(frozen=True)
class SignalImage:
    """An RGBA raster (rows north to south) in EPSG:4326 and its corners, for an overlay."""

    rgba: np.ndarray
    south_west: tuple[float, float]  #: (lat, lon)
    north_east: tuple[float, float]  #: (lat, lon)
    weakest_dbm: float
    strongest_dbm: float


def signal_image(
    dbm: np.ndarray,
    *,
    south_west: tuple[float, float],
    north_east: tuple[float, float],
    weakest_dbm: float,
    strongest_dbm: float,
) -> SignalImage:
    """Colour a signal raster (NaN = no signal, transparent) along the shared ramp."""
    stops = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in _SIGNAL_STOPS], float)
    t = np.clip((dbm - weakest_dbm) / max(strongest_dbm - weakest_dbm, 1e-9), 0.0, 1.0)
    pos = np.nan_to_num(t, nan=0.0) * (len(stops) - 1)
    lo = np.minimum(pos.astype(int), len(stops) - 2)
    frac = (pos - lo)[..., None]
    rgb = stops[lo] * (1 - frac) + stops[lo + 1] * frac
    alpha = np.where(np.isfinite(dbm), 255, 0)[..., None]
    rgba = np.concatenate([rgb, alpha], axis=-1).astype(np.uint8)
    return SignalImage(rgba, south_west, north_east, weakest_dbm, strongest_dbm)


def render_review_map(
    *,
    title: str,
    currency: str,
    regions: gpd.GeoDataFrame,
    blank_spots: gpd.GeoDataFrame,
    coverage_before: gpd.GeoDataFrame,
    coverage_new: gpd.GeoDataFrame | None,
    existing_sites: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame | None,
    hotspots: gpd.GeoDataFrame | None,
    links: gpd.GeoDataFrame | None,
    summary: Mapping[str, Any] | None = None,
    signal_image: SignalImage | None = None,
    base_image: SignalImage | None = None,
    population_image: SignalImage | None = None,
    villages: gpd.GeoDataFrame | None = None,
    report_blocks: gpd.GeoDataFrame | None = None,
) -> str:
    """Return the review map as one self-contained HTML document (string).

    Parameters
    ----------
    title, currency
        Scenario title for the title box and currency code used to format money.
    regions, blank_spots, coverage_before, coverage_new
        Polygon layers in EPSG:4326; ``coverage_new`` is None for analysis-only runs.
    existing_sites, sites, hotspots, links
        Point and line layers in EPSG:4326; the plan layers are None without a plan.
        Links without geometry (satellite) are skipped.
    summary
        Optional key figures shown under the title.
    signal_image
        Optional RGBA image of the new sites' signal with its lon/lat bounds.
    base_image
        Optional RGBA base image (e.g. hillshade) shown as the default, offline base layer.
    population_image
        Optional RGBA image of population density (an overlay, off by default).
    villages
        Optional village points (EPSG:4326) with ``signal_before``/``signal_after``, coloured
        by whether they had signal, gain it, or stay dark.
    report_blocks
        Optional published citizen-report blocks (EPSG:4326; only blocks with enough reports
        to protect reporters), coloured by what they say about the model.

    Returns
    -------
    str
        The HTML document; nothing is written to disk.
    """
    currency = str(currency)
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=True)
    # offline: Leaflet inlined, and none of folium's CDN assets (jQuery, Bootstrap, fonts)
    m.default_js = []
    m.default_css = []
    root = cast(Figure, m.get_root())
    root.header.add_child(_Fragment(f"<style>{read_asset('leaflet.css')}</style>"))
    root.header.add_child(_Fragment(f"<script>{read_asset('leaflet.js')}</script>"))
    # folium builds popups with jQuery's $(html)[0]; this one-line stand-in makes the elements
    # (a list, as jQuery returns, so that [0] is the popup's element)
    root.header.add_child(
        _Fragment(
            "<script>window.$=window.$||function(h){var t=document.createElement('template');"
            "t.innerHTML=String(h).trim();return Array.from(t.content.children);};</script>"
        )
    )
    root.header.add_child(_Fragment(render("map_style.html")))
    if base_image is not None:
        base = folium.FeatureGroup(name="Terrain (offline)", overlay=False)
        _add_image(base, base_image, opacity=1.0)
        base.add_to(m)
    folium.FeatureGroup(name="No basemap", overlay=False, show=base_image is None).add_to(m)
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap (online)", show=False).add_to(m)

    bounds = regions.total_bounds if not regions.empty else [np.nan] * 4
    if np.all(np.isfinite(bounds)):
        m.fit_bounds([[float(bounds[1]), float(bounds[0])], [float(bounds[3]), float(bounds[2])]])
    else:
        logger.warning("Regions have no usable bounds; showing all of Indonesia")
        m.fit_bounds([list(_INDONESIA_BOUNDS[0]), list(_INDONESIA_BOUNDS[1])])

    def region_props(row: dict[str, Any]) -> dict[str, Any]:
        after = row.get("coverage_after_pct")
        metric = row.get("coverage_before_pct") if _missing(after) else after
        return {
            "name": _esc(row.get("name")),
            "code": _esc(row.get("code", "")),
            "population": _fmt_int(row.get("population")),
            "before": _fmt_pct(row.get("coverage_before_pct")),
            "after": _fmt_pct(after),
            "colour": _coverage_colour(metric),
        }

    group = _group(m, "Regions")
    _add_geojson(
        group,
        _features(regions, region_props),
        lambda f: {
            "color": f["properties"]["colour"],
            "weight": 2,
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.06,
        },
        (
            ["name", "code", "population", "before", "after"],
            ["Region", "Code", "Population", "Coverage before", "Coverage after"],
        ),
    )

    group = _group(m, "Existing coverage")
    _add_geojson(
        group,
        _features(coverage_before),
        lambda _: {"stroke": False, "fillColor": "#2ca02c", "fillOpacity": 0.3},
    )
    if coverage_new is not None:
        group = _group(m, "New coverage")
        _add_geojson(
            group,
            _features(coverage_new),
            lambda _: {"stroke": False, "fillColor": "#1f77b4", "fillOpacity": 0.35},
        )

    if population_image is not None:
        group = folium.FeatureGroup(name="Population", show=False)
        _add_image(group, population_image, opacity=0.75)
        group.add_to(m)

    if signal_image is not None:
        group = _group(m, "New sites signal (dBm)")
        _add_image(group, signal_image, opacity=0.7)

    group = _group(m, "Blank spots")
    _add_geojson(
        group,
        _features(
            blank_spots,
            lambda r: {"id": _esc(r.get("id", "")), "population": _fmt_int(r.get("population"))},
        ),
        lambda _: {"color": "#d7191c", "weight": 1, "fillColor": "#d7191c", "fillOpacity": 0.45},
        (["id", "population"], ["Blank spot", "Population"]),
    )

    if report_blocks is not None and not report_blocks.empty:
        colours = {"disputed": "#ff7f00", "confirmed_blank": "#b2182b"}
        group = _group(m, "Citizen reports (blocks)")
        _add_geojson(
            group,
            _features(
                report_blocks,
                lambda r: {
                    "reports": _fmt_int(r.get("reports")),
                    "dark": _fmt_pct(100 * float(r.get("dark_share") or 0.0)),
                    "modelled": _fmt_pct(100 * float(r.get("covered_share") or 0.0)),
                    "status": _esc(str(r.get("status", "")).replace("_", " ")),
                    "colour": colours.get(str(r.get("status")), "#777777"),
                },
                simplify=False,
            ),
            lambda f: {
                "color": f["properties"]["colour"],
                "weight": 2,
                "dashArray": "4",
                "fillColor": f["properties"]["colour"],
                "fillOpacity": 0.15,
            },
            (
                ["status", "reports", "dark", "modelled"],
                ["Reports say", "Reports", "Say no signal", "Modelled covered"],
            ),
        )

    if villages is not None and not villages.empty:
        group = _group(m, "Villages")
        for row in villages.to_dict("records"):
            point = _point(row["geometry"])
            if point is None:
                continue
            before, after = bool(row.get("signal_before")), bool(row.get("signal_after", False))
            colour = "#1a9641" if before else ("#2b83ba" if after else "#d7191c")
            state = "had signal" if before else ("gains signal" if after else "stays dark")
            popup = render(
                "village_popup.html",
                name=_text(row.get("name")),
                id=_text(row.get("id")),
                state=state,
                people=_fmt_int(row.get("people")),
                before=_fmt_pct(row.get("covered_before_pct")),
                after=_fmt_pct(row.get("covered_after_pct")),
                how_to_reach=_text(row.get("how_to_reach")),
            )
            folium.CircleMarker(
                location=point,
                radius=3,
                color=colour,
                weight=1,
                fill=True,
                fill_color=colour,
                fill_opacity=0.9,
                popup=folium.Popup(str(popup), max_width=320),
            ).add_to(group)

    group = _group(m, "Existing sites")
    existing = _features(
        existing_sites,
        lambda r: {
            "id": _esc(r.get("id", "")),
            "technology": _esc(r.get("technology", "")),
            "cells": _fmt_int(r.get("cells")),
        },
        simplify=False,
    )
    if existing:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": existing},
            control=False,
            marker=folium.CircleMarker(
                radius=3, color="#666", weight=1, fill=True, fill_color="#999", fill_opacity=0.9
            ),
            popup=folium.GeoJsonPopup(
                fields=["id", "technology", "cells"], aliases=["Site", "Technology", "Cells"]
            ),
        ).add_to(group)

    if sites is not None:
        group = _group(m, "New towers")
        _add_sites(
            group,
            sites,
            currency,
            7,
            lambda r: _BACKHAUL_COLOURS.get(str(r.get("backhaul", "")).lower(), _OTHER_COLOUR),
        )
    if hotspots is not None:
        group = _group(m, "WiFi hotspots")
        for geom, reach in zip(
            hotspots.geometry,
            hotspots["reach_m"] if "reach_m" in hotspots else [None] * len(hotspots),
            strict=True,
        ):
            point = _point(geom)
            if point is not None and _num(reach):
                folium.Circle(
                    location=point,
                    radius=float(reach),
                    color="#9b59b6",
                    weight=1,
                    fill=True,
                    fill_opacity=0.15,
                ).add_to(group)
        _add_sites(group, hotspots, currency, 4, lambda _: "#9b59b6")
    if links is not None:

        def link_props(row: dict[str, Any]) -> dict[str, Any]:
            kind = str(row.get("type", "")).lower()
            km = _num(row.get("length_km"))
            return {
                "type": _esc(kind),
                "length": "n/a" if km is None else f"{km:.1f} km",
                "cost": _esc(money(row.get("total_cost"), currency)),
                "ends": f"{_esc(row.get('from', ''))} → {_esc(row.get('to', ''))}",
                "colour": _BACKHAUL_COLOURS.get(kind, _OTHER_COLOUR),
                "dash": _LINK_DASH.get(kind, "2 4"),
            }

        group = _group(m, "Backhaul links")
        _add_geojson(
            group,
            _features(links, link_props, simplify=False),
            lambda f: {
                "color": f["properties"]["colour"],
                "weight": 3,
                "dashArray": f["properties"]["dash"],
                "opacity": 0.9,
            },
            (["type", "ends", "length", "cost"], ["Link", "From → to", "Length", "Cost"]),
        )

    folium.LayerControl(collapsed=False).add_to(m)
    review_ids = [
        str(i)
        for gdf in (sites, hotspots)
        if gdf is not None and "id" in gdf
        for i in gdf["id"].astype(str)
    ]
    root.html.add_child(_Fragment(_title_html(title, currency, summary, review_ids)))
    root.html.add_child(
        _Fragment(
            _legend_html(
                with_plan=sites is not None,
                signal=signal_image,
                villages=villages is not None and not villages.empty,
                reports=report_blocks is not None and not report_blocks.empty,
            )
        )
    )
    document = _stable_ids(root.render())
    logger.debug("Review map rendered: %d characters", len(document))
    return document
