"""Interactive review map of a coverage plan, as one self-contained HTML document.

A reviewer checks a plan at a glance, offline, on a laptop or a phone: regencies coloured by
coverage, coverage before and new, the blank spots (still dark, partly or wholly closed by the
plan), villages, existing sites, and the plan's towers, WiFi hotspots and backhaul links,
each with a popup; a legend that follows the layer switches, a title box with the key figures,
search by name or id, the coordinates and regency of a clicked place, a scale bar and a
fullscreen button.

The page is Leaflet and the fullscreen control (both inlined from ``assets/``), netplan's own
script (``assets/review_map.js``) and one JSON document holding every layer: geometry as
integer degree deltas (5 decimals), one style per class instead of per feature, and popups as
label/value tables the script assembles; only the towers' and hotspots' popups (a few hundred
at most) are rendered here from ``site_popup.html``. The script draws the layers in panes:
regencies and images at the bottom (not clickable), then one canvas for the many features
(citizen reports, blank spots, links, existing sites, villages, in that order), then the
hotspots and towers as SVG on top, so a site is always the thing a click hits. (One canvas,
not one per layer: a canvas takes every click over the map, and would hide the layers
beneath it from the mouse.)

Safety: every text from an input is :func:`~netplan.report.templating.inert` HTML before it
enters the JSON (the script shows values as HTML, so they are escaped text), and the JSON is
written with ``<`` and ``>`` as ``\\u`` escapes, so no value can close its ``<script>``.
"""

from __future__ import annotations

import json
import logging
import math
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from babel.dates import format_date
from markupsafe import Markup

from netplan import palette
from netplan.i18n import Texts, texts
from netplan.io.assets import read_asset
from netplan.io.outputs import csv_text
from netplan.reasons import reason_parts
from netplan.report.templating import inert, render
from netplan.site_facts import site_facts

logger = logging.getLogger(__name__)

#: Fallback view (all of Indonesia) when the regions have no usable bounds.
_INDONESIA_BOUNDS = ((-11.0, 95.0), (6.0, 141.0))
#: coordinates are written to 5 decimals (about a metre), as integers of 1e-5 degree
_SCALE = 100_000
#: a blank spot smaller than this share of the map's width is drawn as a dot: at the first
#: view (about 1,000 pixels across) it would be under 3 pixels wide
POINT_SHARE = 1 / 350


@dataclass(frozen=True)
class MapImage:
    """A PNG as a ``data:`` URL whose rows are evenly spaced in Web Mercator (as Leaflet
    stretches an image overlay), with its corners in lon/lat."""

    url: str
    south_west: tuple[float, float]  #: (lat, lon)
    north_east: tuple[float, float]  #: (lat, lon)


@dataclass(frozen=True)
class ImageLayer:
    """An image overlay the layer switch lists (``key`` also names its legend section)."""

    key: str
    name: str
    image: MapImage
    opacity: float
    show: bool = True
    #: the legend: one swatch (colour, label), or a ramp (colours, "low … high unit")
    swatch: tuple[str, str] | None = None
    ramp: tuple[tuple[str, ...], str] | None = None


@dataclass(frozen=True)
class MapContent:
    """Everything the review map shows, layers in EPSG:4326 (plan layers None for an
    analysis run)."""

    lang: str
    currency: str
    title: str
    summary: Mapping[str, Any]
    manifest: Mapping[str, Any]
    regions: gpd.GeoDataFrame
    blank_spots: gpd.GeoDataFrame
    existing_sites: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame | None = None
    hotspots: gpd.GeoDataFrame | None = None
    links: gpd.GeoDataFrame | None = None
    villages: gpd.GeoDataFrame | None = None
    report_blocks: gpd.GeoDataFrame | None = None
    base_image: MapImage | None = None
    images: Sequence[ImageLayer] = ()
    #: polygons are simplified to this many degrees (half a drawn grid block)
    tolerance_deg: float = 0.0005

    @property
    def is_plan(self) -> bool:
        return self.sites is not None


# --- values ------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    """True for None, NaN, NaT and pd.NA (tolerant of non-scalar input)."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _num(value: Any) -> float | None:
    """A finite float, None when missing, infinite or not a number (bools are not numbers)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _flag(value: Any) -> bool:
    """A yes/no property: missing reads as no."""
    return not _missing(value) and bool(value)


def _html(value: Any) -> str:
    """Text from an input as inert HTML for the JSON; "" when missing."""
    return "" if _missing(value) else str(inert(value))


def _records(gdf: gpd.GeoDataFrame | None) -> list[tuple[Any, dict[str, Any]]]:
    """(geometry, attributes) of each row with a usable geometry."""
    if gdf is None or gdf.empty:
        return []
    attrs = gdf.drop(columns=gdf.geometry.name).to_dict("records")
    return [
        (geom, rec)
        for geom, rec in zip(gdf.geometry, attrs, strict=True)
        if geom is not None and not geom.is_empty
    ]


# --- geometry ----------------------------------------------------------------------------


def _ring(coords: Any) -> list[int]:
    """A ring or line as flat (lat, lon) integer deltas of 1e-5 degree, repeated points
    dropped (the script adds them up)."""
    ints = np.round(np.asarray(coords, dtype=float)[:, 1::-1] * _SCALE).astype(np.int64)
    if len(ints) > 1:
        keep = np.concatenate([[True], np.any(ints[1:] != ints[:-1], axis=1)])
        ints = ints[keep]
    return np.diff(ints, axis=0, prepend=np.zeros((1, 2), np.int64)).ravel().tolist()


def _polygons(geom: Any) -> list[list[list[int]]]:
    """Each polygon of ``geom`` as its rings (closing point dropped); degenerate rings out."""
    out = []
    for part in getattr(geom, "geoms", [geom]):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        exterior, *holes = (_ring(r.coords[:-1]) for r in (part.exterior, *part.interiors))
        if len(exterior) >= 6:  # at least three distinct points
            out.append([exterior, *(hole for hole in holes if len(hole) >= 6)])
    return out


def _lines(geom: Any) -> list[list[int]]:
    parts = getattr(geom, "geoms", [geom])
    return [_ring(p.coords) for p in parts if p.geom_type == "LineString" and not p.is_empty]


def _point(geom: Any) -> list[float]:
    """[lat, lon] of a point (a representative point of anything else), 5 decimals."""
    pt = geom if geom.geom_type == "Point" else geom.representative_point()
    return [round(pt.y, 5), round(pt.x, 5)]


def _area_geometry(geom: Any, *, tolerance: float, point_below: float) -> list[Any]:
    """A polygon simplified to ``tolerance`` degrees, or a dot when it is smaller than
    ``point_below`` degrees across (or vanishes when simplified)."""
    west, south, east, north = geom.bounds
    if max(east - west, north - south) < point_below:
        return _point(geom)
    simple = shapely.simplify(geom, tolerance, preserve_topology=True)
    polygons = _polygons(simple)
    return polygons if polygons else _point(geom)


# --- layers ------------------------------------------------------------------------------


@dataclass
class _Layer:
    """One vector layer of the page's JSON: features as ``[geometry, class, values]``."""

    key: str
    name: str
    pane: str
    classes: list[dict[str, Any]]
    fields: list[str] = field(default_factory=list)
    features: list[list[Any]] = field(default_factory=list)
    popups: list[str] | None = None
    #: the label of the row that names the feature's class in its popup ("" for none)
    class_field: str = ""
    search: list[int] = field(default_factory=list)
    tooltip: int = -1
    geometry: str = "area"  #: area, line or point
    interactive: bool = True
    show: bool = True
    reach: dict[str, Any] | None = None  #: the style of hotspots' reach circles

    def as_json(self) -> dict[str, Any]:
        out = {
            "key": self.key,
            "name": self.name,
            "pane": self.pane,
            "classes": self.classes,
            "fields": self.fields,
            "features": self.features,
            "classField": self.class_field,
            "search": self.search,
            "tooltip": self.tooltip,
            "geometry": self.geometry,
            "interactive": self.interactive,
            "show": self.show,
        }
        if self.popups is not None:
            out["popups"] = self.popups
        if self.reach is not None:
            out["reach"] = self.reach
        return out


def _class(label: str, **style: Any) -> dict[str, Any]:
    return {"label": _html(label), "style": style}


def _fill(
    colour: str, opacity: float, *, outline: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A path style: ``colour`` fill at ``opacity`` with a thin outline."""
    return {
        "color": outline or colour,
        "weight": 1,
        "fillColor": colour,
        "fillOpacity": opacity,
        "radius": 3,
        **extra,
    }


def _dot(colour: str, radius: float, *, outline: str = palette.MARKER_OUTLINE) -> dict[str, Any]:
    """A point style: a ``colour`` dot of ``radius`` pixels with a dark outline."""
    return {
        "color": outline,
        "weight": 1.2,
        "fillColor": colour,
        "fillOpacity": 0.95,
        "radius": radius,
    }


def _percent(t: Texts, value: Any) -> str:
    return t.percent(_num(value))


@cache
def _group_mark(lang: str) -> str:
    """The thousands mark of ``lang``, as :meth:`~netplan.i18n.Texts.number` writes it."""
    return texts(lang).number(1000)[1]


def _number_text(t: Texts, value: Any) -> str:
    """A whole number as :meth:`~netplan.i18n.Texts.number` writes it (``1,234`` /
    ``1.234``), without its per-call cost: a large map writes a hundred thousand."""
    number = _num(value)
    if number is None:
        return t.missing
    return f"{round(number):,}".replace(",", _group_mark(t.lang))


def region_layer(content: MapContent, t: Texts) -> _Layer:
    """Regencies coloured by coverage after the plan (today's in an analysis run); drawn
    under everything, not clickable: a click on the map names the regency it falls in."""
    after = content.is_plan
    name = "Regencies: coverage after the plan" if after else "Regencies: coverage today"
    classes = [
        _class(label, color=colour, weight=2, opacity=0.9, fillColor=colour, fillOpacity=0.18)
        for _, colour, label in palette.COVERAGE_CLASSES
    ]
    classes.append(_class(t.missing, color=palette.OTHER_COLOUR, weight=2, fillOpacity=0.05))
    layer = _Layer(
        "regions",
        _html(t.gettext(name)),
        "regions",
        classes,
        fields=[
            _html(t.gettext(label))
            for label in (
                "Regency",
                "Code",
                "Population",
                "Coverage today",
                "Coverage after the plan",
                "New towers",
                "Public WiFi hotspots",
                "Spend",
                "Villages gaining signal",
            )
        ],
        interactive=False,
    )
    for geom, row in _records(content.regions):
        polygons = _polygons(shapely.simplify(geom, content.tolerance_deg, preserve_topology=True))
        if not polygons:
            continue
        pct = _num(row.get("coverage_after_pct" if after else "coverage_before_pct"))
        cls = len(classes) - 1 if pct is None else _coverage_class(pct)
        values = [
            _html(row.get("name")),
            _html(row.get("code")),
            t.people(_num(row.get("population"))),
            _percent(t, row.get("coverage_before_pct")),
            _percent(t, row.get("coverage_after_pct")) if after else "",
            _number_text(t, row.get("new_towers")) if after else "",
            _number_text(t, row.get("new_wifi")) if after else "",
            _html(t.money(_num(row.get("spend")), content.currency)) if after else "",
            _number_text(t, row.get("villages_gaining_signal")) if after else "",
        ]
        layer.features.append([polygons, cls, [_blank_if_missing(v, t) for v in values]])
    return layer


def _blank_if_missing(value: str, t: Texts) -> str:
    """A popup row that the run does not have at all is left out (not shown as n/a)."""
    return "" if value == t.missing else value


def _coverage_class(pct: float) -> int:
    return next(i for i, (low, _, _) in enumerate(palette.COVERAGE_CLASSES) if pct >= low)


BLANK_STATUSES = palette.BLANK_SPOT_STATUSES


def blank_spot_layer(content: MapContent, t: Texts, *, point_below: float) -> _Layer:
    """Blank spots; after a plan by status (still dark, partly closed, closed). Spots too
    small to see at the first view are dots."""
    with_status = content.is_plan and "status" in content.blank_spots.columns
    if with_status:
        classes = [
            _class(
                t.gettext(label),
                **_fill(
                    palette.BLANK_SPOT_STATUS_COLOURS[status],
                    {"dark": 0.55, "partly_closed": 0.45, "closed": 0.25}[status],
                    outline=palette.DARK_COLOUR if status != "closed" else None,
                    dashArray="4 3" if status == "partly_closed" else None,
                ),
            )
            for status, label in BLANK_STATUSES
        ]
        name = "Blank spots after the plan"
    else:
        classes = [_class(t.gettext("No signal"), **_fill(palette.BLANK_SPOT_COLOUR, 0.5))]
        name = "Blank spots"
    fields = ["Blank spot", "People", "Nearest village"]
    if with_status:
        fields += ["People covered after the plan", "People still without signal"]
    layer = _Layer(
        "blank_spots",
        _html(t.gettext(name)),
        "areas",
        classes,
        fields=[_html(t.gettext(f)) for f in fields],
        class_field=_html(t.gettext("After the plan")) if with_status else "",
        search=[0],
    )
    statuses = [s for s, _ in BLANK_STATUSES]
    for geom, row in _records(content.blank_spots):
        shape = _area_geometry(geom, tolerance=content.tolerance_deg, point_below=point_below)
        status = str(row.get("status", "dark"))
        cls = statuses.index(status) if with_status and status in statuses else 0
        values = [
            _html(row.get("id")),
            _number_text(t, row.get("population")),
            _html(row.get("nearest_village")),
        ]
        if with_status and status == "partly_closed":  # the others: all or nobody
            values += [
                _number_text(t, row.get("people_covered_after")),
                _number_text(t, row.get("people_still_dark")),
            ]
        layer.features.append([shape, cls, values])
    return layer


def report_layer(content: MapContent, t: Texts) -> _Layer | None:
    """Published citizen-report blocks, by what the reports say against the model."""
    if content.report_blocks is None or content.report_blocks.empty:
        return None
    kinds = (
        ("confirmed_blank", "Reports confirm a blank spot"),
        ("disputed", "Reports say dark where modelled covered"),
    )
    classes = [
        _class(
            t.gettext(label),
            **_fill(palette.REPORT_BLOCK_COLOURS[kind], 0.15, weight=2, dashArray="4 3"),
        )
        for kind, label in kinds
    ]
    classes.append(
        _class(t.gettext("Reports agree with the model"), **_fill(palette.OTHER_COLOUR, 0.1))
    )
    layer = _Layer(
        "reports",
        _html(t.gettext("Citizen reports")),
        "areas",
        classes,
        fields=[
            _html(t.gettext(f)) for f in ("Block", "Reports", "Say no signal", "Modelled covered")
        ],
        class_field=_html(t.gettext("Reports say")),
    )
    keys = [k for k, _ in kinds]
    for geom, row in _records(content.report_blocks):
        status = str(row.get("status"))
        dark, modelled = _num(row.get("dark_share")), _num(row.get("covered_share"))
        layer.features.append(
            [
                _polygons(geom) or _point(geom),
                keys.index(status) if status in keys else len(keys),
                [
                    _html(row.get("id")),
                    _number_text(t, row.get("reports")),
                    t.percent(None if dark is None else 100 * dark),
                    t.percent(None if modelled is None else 100 * modelled),
                ],
            ]
        )
    return layer


def village_layer(content: MapContent, t: Texts) -> _Layer | None:
    """Villages coloured by whether they had signal, gain it, or stay dark."""
    if content.villages is None or content.villages.empty:
        return None
    states = (
        ("had_signal", "Had signal before the plan"),
        ("gains_signal", "Gains signal from the plan"),
        ("stays_dark", "Stays without signal"),
    )
    layer = _Layer(
        "villages",
        _html(t.gettext("Villages")),
        "areas",
        [_class(t.gettext(label), **_dot(palette.VILLAGE_COLOURS[k], 3.5)) for k, label in states],
        fields=[
            _html(t.gettext(f))
            for f in (
                "Village",
                "ID",
                "People",
                "Covered today",
                "Covered after the plan",
                "How to reach it",
            )
        ],
        class_field=_html(t.gettext("Signal")),
        search=[0, 1],
        geometry="point",
    )
    for geom, row in _records(content.villages):
        before, after = _flag(row.get("signal_before")), _flag(row.get("signal_after"))
        layer.features.append(
            [
                _point(geom),
                0 if before else (1 if after else 2),
                [
                    _html(row.get("name")),
                    _html(row.get("id")),
                    _number_text(t, row.get("people")),
                    _percent(t, row.get("covered_before_pct")),
                    _percent(t, row.get("covered_after_pct")),
                    _html(row.get("how_to_reach")),
                ],
            ]
        )
    return layer


def existing_site_layer(content: MapContent, t: Texts) -> _Layer:
    """The operators' existing sites."""
    layer = _Layer(
        "existing_sites",
        _html(t.gettext("Existing sites")),
        "areas",
        [_class(t.gettext("Existing site"), **_dot(palette.EXISTING_SITE_COLOUR, 3.5))],
        fields=[_html(t.gettext(f)) for f in ("Existing site", "Technology", "Cells")],
        search=[0],
        geometry="point",
    )
    for geom, row in _records(content.existing_sites):
        values = [
            _html(row.get("id")),
            _html(row.get("technology")),
            _number_text(t, row.get("cells")),
        ]
        layer.features.append([_point(geom), 0, values])
    return layer


def _backhaul_classes(t: Texts, radius: float) -> list[dict[str, Any]]:
    classes = [
        _class(t.gettext(palette.BACKHAUL_NAMES[kind]), **_dot(colour, radius))
        for kind, colour in palette.BACKHAUL_COLOURS.items()
    ]
    classes.append(_class(t.gettext("other"), **_dot(palette.OTHER_COLOUR, radius)))
    return classes


def _backhaul_class(row: Mapping[str, Any]) -> int:
    kinds = list(palette.BACKHAUL_COLOURS)
    kind = str(row.get("backhaul", "")).lower()
    return kinds.index(kind) if kind in kinds else len(kinds)


def site_popup(site: Mapping[str, Any], *, currency: str, lang: str) -> str:
    """The popup of one new tower or hotspot: its facts, why it is in the plan, and the
    candidate that would have come closest in its place."""
    t = texts(lang)
    wifi = str(site.get("kind")) == "wifi"
    reason, runner_up = reason_parts(site, currency=currency, lang=lang)
    ident = str(site.get("id", ""))
    heading = (
        t.format("Public WiFi hotspot {id}", id=ident)
        if wifi
        else t.format("New tower {id}", id=ident)
    )
    return str(
        render(
            "site_popup.html",
            lang=lang,
            heading=heading,
            facts=site_facts(site, currency=currency, lang=lang),
            reason=reason,
            runner_up=runner_up,
        )
    )


def site_layer(content: MapContent, t: Texts, *, wifi: bool) -> _Layer | None:
    """New towers (coloured by backhaul) or public WiFi hotspots (with their reach)."""
    gdf = content.hotspots if wifi else content.sites
    if gdf is None:
        return None
    if wifi:
        classes = [_class(t.gettext("Public WiFi hotspot"), **_dot(palette.HOTSPOT_COLOUR, 5))]
    else:
        classes = _backhaul_classes(t, 7)
    layer = _Layer(
        "hotspots" if wifi else "sites",
        _html(t.gettext("Public WiFi hotspots") if wifi else t.gettext("New towers")),
        "sites",
        classes,
        popups=[],
        search=[0, 1],
        tooltip=0,
        geometry="point",
        reach=(
            {"color": palette.HOTSPOT_COLOUR, "weight": 1, "fillOpacity": 0.12} if wifi else None
        ),
    )
    assert layer.popups is not None
    for geom, row in _records(gdf):
        point = [*_point(geom)]
        reach = _num(row.get("reach_m"))
        if wifi and reach:
            point.append(round(reach))
        layer.features.append(
            [
                point,
                0 if wifi else _backhaul_class(row),
                [_html(row.get("id")), _html(row.get("name"))],
            ]
        )
        site = {**row, "geometry": geom}  # coordinates of older runs (no lat/lon)
        layer.popups.append(site_popup(site, currency=content.currency, lang=t.lang))
    return layer


#: how each backhaul type's link is drawn
_LINK_DASH = {"fiber": None, "microwave": "8 5", "satellite": "2 4"}


def link_layer(content: MapContent, t: Texts) -> _Layer | None:
    """Backhaul links (satellite links have no line and are left out)."""
    if content.links is None:
        return None
    kinds = list(palette.BACKHAUL_COLOURS)
    classes = [
        _class(
            t.gettext(palette.BACKHAUL_NAMES[kind]),
            color=palette.BACKHAUL_COLOURS[kind],
            weight=3.5,
            opacity=0.9,
            dashArray=_LINK_DASH[kind],
        )
        for kind in kinds
    ]
    classes.append(_class(t.gettext("other"), color=palette.OTHER_COLOUR, weight=3))
    years = _num(content.summary.get("horizon_years"))
    cost = (
        t.format(
            t.ngettext("Cost over {n} year", "Cost over {n} years", round(years)), n=round(years)
        )
        if years
        else t.gettext("Cost")
    )
    layer = _Layer(
        "links",
        _html(t.gettext("Backhaul links")),
        "areas",
        classes,
        fields=[
            _html(t.gettext(f)) for f in ("Link", "From", "To", "Length", "Capacity", "Terrain")
        ]
        + [_html(cost)],
        class_field=_html(t.gettext("Type")),
        search=[0],
        geometry="line",
    )
    for geom, row in _records(content.links):
        lines = _lines(geom)
        if not lines:
            continue
        kind = str(row.get("type", "")).lower()
        capacity = _num(row.get("capacity_mbps"))
        values = [
            _html(row.get("id")),
            _html(row.get("from")),
            _html(row.get("to")),
            t.km(_num(row.get("length_km")), 2),
            "" if capacity is None else f"{t.number(capacity)} Mbit/s",
            _html(row.get("terrain")),
            _html(t.money(_num(row.get("total_cost")), content.currency)),
        ]
        layer.features.append([lines, kinds.index(kind) if kind in kinds else len(kinds), values])
    return layer


# --- title box, legend, page --------------------------------------------------------------


def review_csv(ids: list[str]) -> str:
    """The review template: one row per planned site, decisions left blank for the reviewer
    (``netplan plan --decisions`` reads it back exactly, ids included)."""
    blank = [""] * len(ids)
    template = pd.DataFrame(
        {"id": ids, "decision": blank, "lon": blank, "lat": blank, "technology": blank}
    )
    return csv_text(template)


def run_date(manifest: Mapping[str, Any], t: Texts) -> str:
    """The day the run was made (the manifest's ``created``, ISO 8601), written for the
    reader: ``1 December 2025``, ``1 Desember 2025`` ("" when the manifest has none)."""
    stamp = manifest.get("created")
    if not isinstance(stamp, str) or not stamp:
        return ""
    try:
        day = pd.Timestamp(stamp).date()
    except ValueError:
        return stamp
    return str(format_date(day, format="long", locale=t.locale))


def _figures(content: MapContent, t: Texts) -> list[tuple[str, str]]:
    """The title box's key figures: the plan's (or the analysis') at a glance."""
    s, cur = content.summary, content.currency
    coverage = t.percent(_num(s.get("coverage_before_pct")))
    if not content.is_plan:
        return [
            (t.gettext("Population"), t.people(_num(s.get("population_total")))),
            (t.gettext("Coverage today"), coverage),
            (t.gettext("Blank spots"), t.number(len(content.blank_spots))),
        ]
    gap = _num((s.get("solver") or {}).get("gap"))
    villages = _num(s.get("villages_gaining_signal"))
    if villages is None and _num(s.get("villages_with_signal_after")) is not None:
        villages = (_num(s.get("villages_with_signal_after")) or 0.0) - (
            _num(s.get("villages_with_signal_before")) or 0.0
        )
    return [
        (t.gettext("Budget"), t.money(_num(s.get("budget")), cur)),
        (t.gettext("Total cost"), t.money(_num(s.get("total_cost")), cur)),
        (
            t.gettext("Coverage"),
            f"{coverage} → {t.percent(_num(s.get('coverage_after_pct')))}",
        ),
        (t.gettext("People newly covered"), t.people(_num(s.get("population_newly_covered")))),
        (t.gettext("New towers"), t.number(_num(s.get("new_towers")))),
        (t.gettext("Public WiFi hotspots"), t.number(_num(s.get("new_wifi")))),
        (t.gettext("Fiber"), t.km(_num(s.get("fiber_km")))),
        (t.gettext("Satellite terminals"), t.number(_num(s.get("satellite_links")))),
        (t.gettext("Villages gaining signal"), t.number(villages)),
        (t.gettext("Certified gap"), t.percent(None if gap is None else 100 * gap, 2)),
    ]


def title_html(content: MapContent, t: Texts, review_ids: list[str]) -> Markup:
    """The title box: scenario, key figures, run date and version, and the review template
    as a download (the raw CSV, percent-encoded into a data: URI)."""
    review = ""
    if review_ids:
        review = "data:text/csv;charset=utf-8," + urllib.parse.quote(
            review_csv(review_ids), safe=""
        )
    version = content.manifest.get("netplan_version")
    return render(
        "map_title.html",
        lang=t.lang,
        title=content.title,
        figures=_figures(content, t),
        run_date=run_date(content.manifest, t),
        version="" if _missing(version) else str(version),
        review_csv=review,
    )


def legend_html(content: MapContent, t: Texts, layers: Sequence[_Layer]) -> Markup:
    """The legend: one section per layer, top layer first (regencies last), each named by
    its layer key so that the script hides it with its layer."""
    vector: list[dict[str, Any]] = [
        {
            "key": layer.key,
            "title": Markup(layer.name),
            "classes": [
                _legend_class(c, layer.geometry)
                for i, c in enumerate(layer.classes)
                if i in _shown_classes(layer)
            ],
            "swatch": None,
            "ramp": None,
        }
        for layer in reversed(layers)
    ]
    images: list[dict[str, Any]] = [
        {
            "key": image.key,
            "title": Markup(_html(image.name)),
            "classes": [],
            "swatch": image.swatch,
            "ramp": None if image.ramp is None else (",".join(image.ramp[0]), image.ramp[1]),
        }
        for image in reversed(content.images)
    ]
    regions = [s for s in vector if s["key"] == "regions"]
    others = [s for s in vector if s["key"] != "regions"]
    return render("map_legend.html", lang=t.lang, sections=[*others, *images, *regions])


def _shown_classes(layer: _Layer) -> set[int]:
    """The classes a legend lists: those some feature has (a regency scale: all of it but
    the "unknown" class, unless used; a layer without features: all)."""
    used = {int(feature[1]) for feature in layer.features}
    if layer.key == "regions":
        return set(range(len(layer.classes) - 1)) | used
    return used or set(range(len(layer.classes)))


def _legend_class(cls: Mapping[str, Any], geometry: str) -> dict[str, Any]:
    """A class's swatch: a dot, a line or a filled square in its style."""
    style = cls["style"]
    return {
        "label": Markup(cls["label"]),
        "shape": geometry,
        "fill": style.get("fillColor") or "transparent",
        "fill_opacity": round(min(1.0, max(0.3, float(style.get("fillOpacity") or 0.0) * 1.6)), 2),
        "line": style.get("color", "#000000"),
        "dash": "dashed" if style.get("dashArray") else "solid",
    }


def _labels(t: Texts) -> dict[str, str]:
    """The script's own words (controls, the clicked place's popup)."""
    words = {
        "coordinates": "Coordinates (lat, lon)",
        "search": "Search a village or site by name or id",
        "noMatch": "No match",
        "terrain": "Terrain (offline)",
        "noBasemap": "No basemap",
        "osm": "OpenStreetMap (online)",
        "fullscreen": "Full screen",
        "exitFullscreen": "Exit full screen",
        "zoomIn": "Zoom in",
        "zoomOut": "Zoom out",
        "outside": "Outside the planned regencies",
    }
    return {key: _html(t.gettext(text)) for key, text in words.items()}


def _bounds(regions: gpd.GeoDataFrame) -> list[list[float]]:
    bounds = regions.total_bounds if not regions.empty else [np.nan] * 4
    if np.all(np.isfinite(bounds)):
        west, south, east, north = (float(b) for b in bounds)
        return [[round(south, 5), round(west, 5)], [round(north, 5), round(east, 5)]]
    logger.warning("Regions have no usable bounds; showing all of Indonesia")
    return [list(_INDONESIA_BOUNDS[0]), list(_INDONESIA_BOUNDS[1])]


def _corners(image: MapImage) -> list[list[float]]:
    return [list(image.south_west), list(image.north_east)]


def _image_json(layer: ImageLayer) -> dict[str, Any]:
    return {
        "key": layer.key,
        "name": _html(layer.name),
        "pane": "images",
        "image": layer.image.url,
        "bounds": _corners(layer.image),
        "opacity": layer.opacity,
        "show": layer.show,
    }


def _script_json(data: Any) -> Markup:
    """``data`` as JSON that cannot end the ``<script>`` holding it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e"))


def vector_layers(content: MapContent, t: Texts) -> list[_Layer]:
    """The vector layers, bottom to top."""
    west, _, east, _ = (
        content.regions.total_bounds if not content.regions.empty else (0.0, 0.0, 1.0, 0.0)
    )
    width = float(east - west) if math.isfinite(east - west) and east > west else 1.0
    candidates: list[_Layer | None] = [
        region_layer(content, t),
        report_layer(content, t),
        blank_spot_layer(content, t, point_below=width * POINT_SHARE),
        link_layer(content, t),
        existing_site_layer(content, t),
        village_layer(content, t),
        site_layer(content, t, wifi=True),
        site_layer(content, t, wifi=False),
    ]
    # a layer with nothing to show gets no switch and no legend (the regencies always do)
    return [
        layer
        for layer in candidates
        if layer is not None and (layer.features or layer.key == "regions")
    ]


def render_review_map(content: MapContent) -> str:
    """The review map as one self-contained HTML document (nothing is written to disk)."""
    t = texts(content.lang)
    layers = vector_layers(content, t)
    review_ids = [
        str(i)
        for gdf in (content.sites, content.hotspots)
        if gdf is not None and "id" in gdf
        for i in gdf["id"].astype(str)
    ]
    base = content.base_image
    data = {
        "bounds": _bounds(content.regions),
        "labels": _labels(t),
        "base": None if base is None else {"image": base.url, "bounds": _corners(base)},
        # bottom to top: the regencies, the images, then the features
        "layers": [
            *(layer.as_json() for layer in layers if layer.pane == "regions"),
            *(_image_json(image) for image in content.images),
            *(layer.as_json() for layer in layers if layer.pane != "regions"),
        ],
    }
    document = render(
        "map_page.html",
        lang=t.lang,
        title=content.title,
        styles=[Markup(read_asset(name)) for name in ("leaflet.css", "leaflet.fullscreen.css")],
        scripts=[Markup(read_asset(name)) for name in ("leaflet.js", "leaflet.fullscreen.js")],
        app=Markup(read_asset("review_map.js")),
        title_box=title_html(content, t, review_ids),
        legend=legend_html(content, t, layers),
        data=_script_json(data),
    )
    logger.debug("Review map rendered: %d characters", len(document))
    return str(document)
