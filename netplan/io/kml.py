"""Google Earth's view of a plan: one KML document, a folder per layer, every placemark
styled (new towers coloured by backhaul, an icon per kind) and carrying a balloon with the
figures of the map's popup.

Written with :mod:`xml.etree.ElementTree` rather than a KML library: the document needs a
few element kinds only, the standard library escapes every name and description, and the
output is the same bytes for the same plan (no dependency to keep in step). KML writes
colours as ``aabbggrr`` (:func:`netplan.io.gis_styles.kml_colour`).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd

from netplan import palette
from netplan.i18n import Texts, texts
from netplan.io.gis_styles import kml_colour
from netplan.io.xml_text import xml_text
from netplan.reasons import reason_parts
from netplan.site_facts import site_facts

KML_NAMESPACE = "http://www.opengis.net/kml/2.2"
#: Google Earth's own icons (white shapes, tinted by the style's colour)
_ICONS = {
    "tower": "http://maps.google.com/mapfiles/kml/shapes/triangle.png",
    "hotspot": "http://maps.google.com/mapfiles/kml/shapes/star.png",
    "village": "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png",
}
#: blank-spot statuses that leave people without signal after the plan
STILL_DARK = ("dark", "partly_closed")
_BACKHAUL_LABELS = palette.BACKHAUL_NAMES
#: a blank spot's status after the plan, for its balloon
_STATUS_LABELS = dict(palette.BLANK_SPOT_STATUSES)
#: what a site's balloon adds to its facts, as the map's popup does: (label, column)
_REASON_LABELS = ("Why this site", "Runner-up")


class SiteFacts(Protocol):
    """What a site's balloon lists: (label, value) pairs, as the map's popup does."""

    def __call__(
        self, site: Mapping[str, Any], *, currency: str, lang: str
    ) -> list[tuple[str, str]]: ...


def _present(value: Any) -> bool:
    if value is None or value is pd.NA:
        return False
    return not (isinstance(value, float) and math.isnan(value))


def _true(value: Any) -> bool:
    return _present(value) and bool(value)


def _text(value: Any) -> str:
    return str(value) if _present(value) else ""


def _capacity(mbps: Any, t: Texts) -> str:
    """A link's capacity, written as the site balloons write it."""
    return f"{t.number(mbps)} Mbit/s" if _present(mbps) else ""


def _filled(facts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The facts that have a value."""
    return [(label, value) for label, value in facts if value]


# --- geometry --------------------------------------------------------------------------------


def _coordinates(coords: Iterable[tuple[float, ...]]) -> str:
    return " ".join(f"{round(x, 6)!r},{round(y, 6)!r}" for x, y, *_ in coords)


def _ring(parent: ET.Element, tag: str, ring: Any) -> None:
    linear = ET.SubElement(ET.SubElement(parent, tag), "LinearRing")
    ET.SubElement(linear, "coordinates").text = _coordinates(ring.coords)


def _geometry(parent: ET.Element, geometry: Any) -> None:
    """``geometry`` (lon/lat) as KML; multi-part geometries as a ``MultiGeometry``."""
    kind = geometry.geom_type
    if kind == "Point":
        point = ET.SubElement(parent, "Point")
        ET.SubElement(point, "coordinates").text = _coordinates(geometry.coords)
    elif kind == "LineString":
        line = ET.SubElement(parent, "LineString")
        ET.SubElement(line, "tessellate").text = "1"
        ET.SubElement(line, "coordinates").text = _coordinates(geometry.coords)
    elif kind == "Polygon":
        polygon = ET.SubElement(parent, "Polygon")
        _ring(polygon, "outerBoundaryIs", geometry.exterior)
        for interior in geometry.interiors:
            _ring(polygon, "innerBoundaryIs", interior)
    else:
        multi = ET.SubElement(parent, "MultiGeometry")
        for part in geometry.geoms:
            _geometry(multi, part)


# --- styles ----------------------------------------------------------------------------------


def _icon_style(document: ET.Element, style_id: str, colour: str, icon: str, scale: float) -> None:
    style = ET.SubElement(document, "Style", {"id": style_id})
    icon_style = ET.SubElement(style, "IconStyle")
    ET.SubElement(icon_style, "color").text = kml_colour(colour)
    ET.SubElement(icon_style, "scale").text = f"{scale:g}"
    ET.SubElement(ET.SubElement(icon_style, "Icon"), "href").text = _ICONS[icon]
    label = ET.SubElement(style, "LabelStyle")
    ET.SubElement(label, "scale").text = "0.8" if icon != "village" else "0"


def _line_style(document: ET.Element, style_id: str, colour: str, width: float) -> None:
    line = ET.SubElement(ET.SubElement(document, "Style", {"id": style_id}), "LineStyle")
    ET.SubElement(line, "color").text = kml_colour(colour)
    ET.SubElement(line, "width").text = f"{width:g}"


def _area_style(document: ET.Element, style_id: str, colour: str) -> None:
    style = ET.SubElement(document, "Style", {"id": style_id})
    line = ET.SubElement(style, "LineStyle")
    ET.SubElement(line, "color").text = kml_colour(colour)
    ET.SubElement(line, "width").text = "1"
    ET.SubElement(ET.SubElement(style, "PolyStyle"), "color").text = kml_colour(colour, 0.45)


def _styles(document: ET.Element) -> None:
    """Every shared style of the document; placemarks point at them by ``#id``."""
    backhaul = {**palette.BACKHAUL_COLOURS, "other": palette.OTHER_COLOUR}
    for kind, colour in backhaul.items():
        _icon_style(document, f"tower-{kind}", colour, "tower", 1.1)
    _icon_style(document, "hotspot", palette.HOTSPOT_COLOUR, "hotspot", 1.0)
    for state, colour in palette.VILLAGE_COLOURS.items():
        _icon_style(document, f"village-{state}", colour, "village", 0.7)
    for kind, colour in backhaul.items():
        _line_style(document, f"link-{kind}", colour, 4 if kind == "fiber" else 2.5)
    for status, colour in palette.BLANK_SPOT_STATUS_COLOURS.items():
        _area_style(document, f"blank-{status}", colour)


def _backhaul_style(row: Mapping[str, Any], column: str, prefix: str) -> str:
    kind = _text(row.get(column))
    return f"#{prefix}-{kind if kind in palette.BACKHAUL_COLOURS else 'other'}"


def _village_style(row: Mapping[str, Any]) -> str:
    if _true(row.get("signal_before")):
        return "#village-had_signal"
    return "#village-gains_signal" if _true(row.get("signal_after")) else "#village-stays_dark"


def _blank_style(row: Mapping[str, Any]) -> str:
    status = _text(row.get("status"))
    return f"#blank-{status if status in palette.BLANK_SPOT_STATUS_COLOURS else 'dark'}"


# --- placemarks ------------------------------------------------------------------------------


def balloon(facts: Iterable[tuple[str, str]]) -> str:
    """A balloon's HTML: a two-column table of (label, value), labels and values escaped
    (the KML writer escapes the whole again, as text of ``<description>``).

    >>> balloon([("Name", "<b>A&B</b>")])
    '<table><tr><th align="left">Name</th><td>&lt;b&gt;A&amp;B&lt;/b&gt;</td></tr></table>'
    """
    rows = "".join(
        f'<tr><th align="left">{escape(label)}</th><td>{escape(value)}</td></tr>'
        for label, value in facts
    )
    return f"<table>{rows}</table>"


def _extended_data(placemark: ET.Element, row: Mapping[str, Any]) -> None:
    """The row's fields, for tools that read KML attributes (QGIS, GDAL)."""
    data = ET.SubElement(placemark, "ExtendedData")
    for name, value in row.items():
        if name == "geometry" or not _present(value):
            continue
        field = ET.SubElement(data, "Data", {"name": str(name)})
        ET.SubElement(field, "value").text = str(value)


def _placemark(
    folder: ET.Element,
    row: Mapping[str, Any],
    *,
    name: str,
    style: str,
    facts: list[tuple[str, str]],
    data: bool = True,
) -> None:
    """A placemark: its name, balloon, style, the row's fields (unless ``data`` is False:
    blank spots, whose balloon says all and which are many) and geometry."""
    placemark = ET.SubElement(folder, "Placemark")
    ET.SubElement(placemark, "name").text = name
    ET.SubElement(placemark, "description").text = balloon(facts)
    ET.SubElement(placemark, "styleUrl").text = style
    if data:
        _extended_data(placemark, row)
    _geometry(placemark, row["geometry"])


def _rows(table: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """The features that have a geometry (satellite links have none), as records whose
    geometry is under ``geometry``."""
    present = table[table.geometry.notna() & ~table.geometry.is_empty]
    if present.geometry.name != "geometry":
        present = present.rename_geometry("geometry")
    return list(present.to_dict("records"))


def _folder(document: ET.Element, title: str) -> ET.Element:
    folder = ET.SubElement(document, "Folder")
    ET.SubElement(folder, "name").text = title
    return folder


@dataclass(frozen=True)
class _Context:
    """What every folder writer needs: the language's texts, the currency, the site facts."""

    t: Texts
    lang: str
    currency: str
    facts: SiteFacts
    horizon_years: int | None


def _site_name(row: Mapping[str, Any]) -> str:
    name = _text(row.get("name"))
    return f"{_text(row.get('id'))} {name}".strip() if name else _text(row.get("id"))


def _site_placemarks(
    folder: ET.Element, sites: gpd.GeoDataFrame, context: _Context, *, hotspot: bool
) -> None:
    """A placemark per site; its balloon lists the site's facts (as the map's popup), then
    why it was chosen and the runner-up."""
    t = context.t
    for row in _rows(sites):
        point = row["geometry"]
        site = {**row, "lon": point.x, "lat": point.y, "horizon_years": context.horizon_years}
        facts = context.facts(site, currency=context.currency, lang=context.lang)
        why, runner_up = reason_parts(site, currency=context.currency, lang=context.lang)
        facts += [
            (t.gettext(label), text)
            for label, text in zip(_REASON_LABELS, (why, runner_up), strict=True)
            if text
        ]
        style = "#hotspot" if hotspot else _backhaul_style(row, "backhaul", "tower")
        _placemark(folder, row, name=_site_name(row), style=style, facts=facts)


def _towers(folder: ET.Element, tables: Mapping[str, gpd.GeoDataFrame], context: _Context) -> None:
    _site_placemarks(folder, tables["sites"], context, hotspot=False)


def _hotspots(
    folder: ET.Element, tables: Mapping[str, gpd.GeoDataFrame], context: _Context
) -> None:
    _site_placemarks(folder, tables["hotspots"], context, hotspot=True)


def _links(folder: ET.Element, tables: Mapping[str, gpd.GeoDataFrame], context: _Context) -> None:
    t, kinds = context.t, _BACKHAUL_LABELS
    for row in _rows(tables["links"]):
        kind = _text(row.get("type"))
        facts = [
            (t.gettext("Link"), _text(row.get("id"))),
            (t.gettext("Type"), t.gettext(kinds.get(kind, kind))),
            (t.gettext("From"), _text(row.get("from"))),
            (t.gettext("To"), _text(row.get("to"))),
            (t.gettext("Length"), t.km(row.get("length_km"), 2)),
            (t.gettext("Capacity"), _capacity(row.get("capacity_mbps"), t)),
            (t.gettext("Cost"), t.money(row.get("total_cost"), context.currency)),
        ]
        name = f"{_text(row.get('from'))} → {_text(row.get('to'))}"
        style = _backhaul_style(row, "type", "link")
        _placemark(folder, row, name=name, style=style, facts=_filled(facts))


def _still_dark(blank_spots: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The blank spots a plan leaves (all of them when the table has no ``status``)."""
    if "status" not in blank_spots.columns:
        return blank_spots
    return blank_spots[blank_spots["status"].isin(STILL_DARK)]


def _dark_areas(
    folder: ET.Element, tables: Mapping[str, gpd.GeoDataFrame], context: _Context
) -> None:
    t = context.t
    for row in _rows(_still_dark(tables["blank_spots"])):
        status, still = _text(row.get("status")), row.get("people_still_dark")
        facts = [
            (t.gettext("Blank spot"), _text(row.get("id"))),
            (t.gettext("People"), t.people(row.get("population"))),
            (t.gettext("Still without signal"), t.people(still) if _present(still) else ""),
            (
                t.gettext("Status"),
                t.gettext(_STATUS_LABELS[status]) if status in _STATUS_LABELS else "",
            ),
            (t.gettext("Nearest village"), _text(row.get("nearest_village"))),
        ]
        name, style = _text(row.get("id")), _blank_style(row)
        _placemark(folder, row, name=name, style=style, facts=_filled(facts), data=False)


def _villages(
    folder: ET.Element, tables: Mapping[str, gpd.GeoDataFrame], context: _Context
) -> None:
    t = context.t
    yes, no = t.gettext("yes"), t.gettext("no")
    for row in _rows(tables["villages"]):
        facts = [
            (t.gettext("Village"), _text(row.get("name"))),
            (t.gettext("ID"), _text(row.get("id"))),
            (t.gettext("People"), t.people(row.get("people"))),
            (t.gettext("Signal before"), yes if _true(row.get("signal_before")) else no),
            (t.gettext("Signal after"), yes if _true(row.get("signal_after")) else no),
            (t.gettext("How to reach it"), _text(row.get("how_to_reach"))),
        ]
        name, style = _text(row.get("name")), _village_style(row)
        _placemark(folder, row, name=name, style=style, facts=_filled(facts))


#: the folders of the document, in order: (layer, folder title, writer)
_FOLDERS: tuple[tuple[str, str, Callable[..., None]], ...] = (
    ("sites", "New towers", _towers),
    ("hotspots", "Public WiFi hotspots", _hotspots),
    ("links", "Backhaul links", _links),
    ("blank_spots", "Still-dark areas", _dark_areas),
    ("villages", "Villages", _villages),
)


def _split_hotspots(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """New towers and hotspots apart, also when given as one table (``kind`` ``wifi``)."""
    out = dict(layers)
    sites = out.get("sites")
    if sites is not None and "kind" in sites.columns and "hotspots" not in out:
        wifi = sites["kind"] == "wifi"
        out["sites"], out["hotspots"] = sites[~wifi], sites[wifi]
    return out


def kml_document(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    lang: str,
    currency: str,
    horizon_years: int | None = None,
    facts: SiteFacts = site_facts,
) -> bytes:
    """The KML document of a plan's layers (EPSG:4326, prepared for files).

    Folders, in this order, for each layer given: new towers (``sites``; hotspots among them,
    ``kind`` ``wifi``, go to their own folder), ``hotspots``, backhaul ``links``, still-dark
    areas (the ``blank_spots`` a plan leaves dark or partly closed, all of them without a
    ``status``) and ``villages``. A site's balloon holds ``facts`` (default: the map popup's,
    :func:`netplan.site_facts.site_facts`, costs over ``horizon_years``)."""
    t = texts(lang)
    context = _Context(t, lang, currency, facts, horizon_years)
    tables = _split_hotspots(layers)
    root = ET.Element("kml", {"xmlns": KML_NAMESPACE})
    document = ET.SubElement(root, "Document")
    ET.SubElement(document, "name").text = t.gettext("Network plan")
    _styles(document)
    for layer, title, write in _FOLDERS:
        if layer in tables:
            write(_folder(document, t.gettext(title)), tables, context)
    ET.indent(root)
    for element in root.iter():  # XML 1.0 has no place for control characters from inputs
        if element.text:
            element.text = xml_text(element.text)
        for key, value in element.attrib.items():
            element.attrib[key] = xml_text(value)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"
