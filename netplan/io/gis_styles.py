"""How each layer of a plan looks in a GIS: one description per layer, written as a QGIS
style (QML, the ``renderer-v2`` XML of QGIS 3), as an OGC Symbology Encoding style (SLD 1.1)
and as KML colours, so that a layer opens in QGIS or Google Earth coloured as on the map.

The colours come from :mod:`netplan.palette`, the one place where a colour gets its
meaning; the labels are translated through :func:`netplan.i18n.texts`.

>>> import geopandas as gpd
>>> style = layer_style("links", gpd.GeoDataFrame({"type": []}), lang="en")
>>> style.renderer, [c.value for c in style.classes], [c.symbol.dashed for c in style.classes]
('categorized', ['fiber', 'microwave', 'satellite', None], [False, True, True, False])
>>> kml_colour("#e67e22")
'ff227ee6'
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from netplan import palette
from netplan.i18n import Texts, texts

#: what a symbol draws: a point marker, a line, or a filled area
SymbolKind = Literal["marker", "line", "fill"]
#: how a layer chooses a symbol per feature (names as in QGIS)
RendererKind = Literal["single", "categorized", "graduated", "rules"]
#: a condition on one field: (field, operator, value); operators ``=``, ``>=``, ``<``
Condition = tuple[str, str, Any]

#: QGIS draws markers and line widths in millimetres; SLD in pixels (at 0.28 mm a pixel)
_PIXELS_PER_MM = 1 / 0.28
#: the QGIS version whose QML this module writes (any QGIS 3 reads it)
QGIS_VERSION = "3.28.0"
#: the namespaces of an SLD document, declared on its root; elements are written with these
#: prefixes (no process-wide prefix registration, which would change other XML writers)
_SLD_NAMESPACES = {
    "xmlns": "http://www.opengis.net/sld",
    "xmlns:se": "http://www.opengis.net/se",
    "xmlns:ogc": "http://www.opengis.net/ogc",
    "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
}


@dataclass(frozen=True)
class Symbol:
    """One way of drawing a feature: colour (``#rrggbb``), marker shape, size in mm (the
    marker's size, or a line's width), a dashed line, fill opacity (0-1)."""

    kind: SymbolKind
    colour: str
    shape: str = "circle"
    size: float = 3.0
    dashed: bool = False
    opacity: float = 1.0
    outline: str = palette.MARKER_OUTLINE


@dataclass(frozen=True)
class StyleClass:
    """One entry of a legend: a label, its symbol, and which features it draws: a category
    ``value`` (None: every other value), a range [``low``, ``high``) or ``conditions`` (all
    must hold)."""

    label: str
    symbol: Symbol
    value: str | None = None
    low: float | None = None
    high: float | None = None
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class LayerStyle:
    """The style of one layer: how features pick a class (``renderer``, on ``field``)."""

    layer: str
    title: str
    renderer: RendererKind
    classes: tuple[StyleClass, ...]
    field: str | None = None


def kml_colour(colour: str, opacity: float = 1.0) -> str:
    """``#rrggbb`` as KML writes colours: ``aabbggrr`` (alpha, blue, green, red)."""
    red, green, blue = colour[1:3], colour[3:5], colour[5:7]
    return f"{round(opacity * 255):02x}{blue}{green}{red}".lower()


def _rgba(colour: str, opacity: float = 1.0) -> str:
    """``#rrggbb`` as QGIS writes colours: ``r,g,b,a`` (0-255)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"{red},{green},{blue},{round(opacity * 255)}"


# --- the style of each layer -------------------------------------------------------------

_TOWER_LABELS = {
    "fiber": "New tower, fiber backhaul",
    "microwave": "New tower, microwave backhaul",
    "satellite": "New tower, satellite backhaul",
}
_LINK_LABELS = {"fiber": "Fiber link", "microwave": "Microwave link", "satellite": "Satellite link"}
_BLANK_SPOT_LABELS = dict(palette.BLANK_SPOT_STATUSES)


def _single(layer: str, title: str, label: str, symbol: Symbol) -> LayerStyle:
    return LayerStyle(layer, title, "single", (StyleClass(label, symbol),))


def _sites(frame: pd.DataFrame, t: Texts) -> LayerStyle:
    """New towers by backhaul type (a triangle in the backhaul's colour)."""
    classes = [
        StyleClass(t.gettext(_TOWER_LABELS[kind]), Symbol("marker", colour, "triangle", 4.0), kind)
        for kind, colour in palette.BACKHAUL_COLOURS.items()
    ]
    other = Symbol("marker", palette.OTHER_COLOUR, "triangle", 4.0)
    classes.append(StyleClass(t.gettext("New tower, other backhaul"), other))
    return LayerStyle("sites", t.gettext("New towers"), "categorized", tuple(classes), "backhaul")


def _hotspots(frame: pd.DataFrame, t: Texts) -> LayerStyle:
    symbol = Symbol("marker", palette.HOTSPOT_COLOUR, "star", 4.0)
    label = t.gettext("Public WiFi hotspot")
    return _single("hotspots", t.gettext("Public WiFi hotspots"), label, symbol)


def _links(frame: pd.DataFrame, t: Texts) -> LayerStyle:
    """Backhaul links by type: fiber solid and wider, radio and satellite dashed."""
    classes = [
        StyleClass(
            t.gettext(_LINK_LABELS[kind]),
            Symbol("line", colour, size=0.9 if kind == "fiber" else 0.7, dashed=kind != "fiber"),
            kind,
        )
        for kind, colour in palette.BACKHAUL_COLOURS.items()
    ]
    classes.append(
        StyleClass(t.gettext("Other link"), Symbol("line", palette.OTHER_COLOUR, size=0.6))
    )
    return LayerStyle("links", t.gettext("Backhaul links"), "categorized", tuple(classes), "type")


def _blank_spots(frame: pd.DataFrame, t: Texts) -> LayerStyle:
    """Blank spots by what the plan leaves of them, or all in the blank-spot red."""
    title = t.gettext("Blank spots")
    if "status" not in frame.columns:
        colour = palette.BLANK_SPOT_COLOUR
        symbol = Symbol("fill", colour, opacity=0.45, outline=colour)
        return _single("blank_spots", title, t.gettext("Blank spot"), symbol)
    classes = tuple(
        StyleClass(
            t.gettext(_BLANK_SPOT_LABELS[status]),
            Symbol("fill", colour, opacity=0.45, outline=colour),
            status,
        )
        for status, colour in palette.BLANK_SPOT_STATUS_COLOURS.items()
    )
    return LayerStyle("blank_spots", title, "categorized", classes, "status")


def _regions(frame: pd.DataFrame, t: Texts) -> LayerStyle:
    """Regions graduated by coverage after the plan (before it in an analysis run), in the
    map's coverage classes."""
    after = "coverage_after_pct" in frame.columns
    column = "coverage_after_pct" if after else "coverage_before_pct"
    title = t.gettext("Coverage after the plan") if after else t.gettext("Coverage today")
    classes = []
    upper = math.inf
    for low, colour, label in palette.COVERAGE_CLASSES:
        symbol = Symbol("fill", colour, opacity=0.5, outline=palette.REGION_OUTLINE)
        bounds = (None if math.isinf(low) else low, None if math.isinf(upper) else upper)
        classes.append(StyleClass(label, symbol, low=bounds[0], high=bounds[1]))
        upper = low
    return LayerStyle("regions", title, "graduated", tuple(classes), column)


def _villages(frame: pd.DataFrame, t: Texts) -> LayerStyle:
    """Villages by signal: had it before the plan, gain it, stay without."""
    states = (
        ("Village that had signal", "had_signal", (("signal_before", "=", True),)),
        (
            "Village gaining signal",
            "gains_signal",
            (("signal_before", "=", False), ("signal_after", "=", True)),
        ),
        (
            "Village still without signal",
            "stays_dark",
            (("signal_before", "=", False), ("signal_after", "=", False)),
        ),
    )
    classes = tuple(
        StyleClass(
            t.gettext(label),
            Symbol("marker", palette.VILLAGE_COLOURS[state], size=2.4),
            conditions=conditions,
        )
        for label, state, conditions in states
    )
    return LayerStyle("villages", t.gettext("Villages"), "rules", classes)


def _existing_sites(frame: pd.DataFrame, t: Texts) -> LayerStyle:
    symbol = Symbol("marker", palette.EXISTING_SITE_COLOUR, "square", 2.6)
    return _single(
        "existing_sites", t.gettext("Existing sites"), t.gettext("Existing site"), symbol
    )


_LAYER_STYLES: dict[str, Callable[[pd.DataFrame, Texts], LayerStyle]] = {
    "sites": _sites,
    "hotspots": _hotspots,
    "links": _links,
    "blank_spots": _blank_spots,
    "regions": _regions,
    "villages": _villages,
    "existing_sites": _existing_sites,
}


def layer_style(name: str, frame: pd.DataFrame, *, lang: str) -> LayerStyle | None:
    """The style of the layer ``name`` holding ``frame`` (None: a layer netplan has no
    style for). What the frame holds picks the variant: blank spots with a ``status`` are
    coloured by it, regions by coverage after the plan when the frame has it."""
    build = _LAYER_STYLES.get(name)
    return None if build is None else build(frame, texts(lang))


# --- QGIS (QML) ----------------------------------------------------------------------------


def _symbol_options(symbol: Symbol) -> tuple[str, dict[str, str]]:
    """The QGIS symbol-layer class and its properties."""
    if symbol.kind == "marker":
        return "SimpleMarker", {
            "name": symbol.shape,
            "color": _rgba(symbol.colour, symbol.opacity),
            "outline_color": _rgba(symbol.outline),
            "outline_style": "solid",
            "outline_width": "0.2",
            "outline_width_unit": "MM",
            "size": f"{symbol.size:g}",
            "size_unit": "MM",
            "angle": "0",
            "scale_method": "diameter",
        }
    if symbol.kind == "line":
        return "SimpleLine", {
            "line_color": _rgba(symbol.colour, symbol.opacity),
            "line_style": "dash" if symbol.dashed else "solid",
            "line_width": f"{symbol.size:g}",
            "line_width_unit": "MM",
            "capstyle": "round",
            "joinstyle": "round",
        }
    return "SimpleFill", {
        "color": _rgba(symbol.colour, symbol.opacity),
        "style": "solid",
        "outline_color": _rgba(symbol.outline),
        "outline_style": "solid",
        "outline_width": "0.26",
        "outline_width_unit": "MM",
        "joinstyle": "bevel",
    }


def _qml_symbol(parent: ET.Element, name: str, symbol: Symbol) -> None:
    """A ``<symbol>`` with one simple layer, its properties both as QGIS 3.26+ writes them
    (``<Option type="Map">``) and as earlier QGIS 3 releases read them (``<prop>``)."""
    element = ET.SubElement(
        parent,
        "symbol",
        {"type": symbol.kind, "name": name, "alpha": "1", "clip_to_extent": "1", "force_rhr": "0"},
    )
    layer_class, options = _symbol_options(symbol)
    layer = ET.SubElement(
        element, "layer", {"class": layer_class, "enabled": "1", "locked": "0", "pass": "0"}
    )
    option_map = ET.SubElement(layer, "Option", {"type": "Map"})
    for key, value in options.items():
        ET.SubElement(option_map, "Option", {"type": "QString", "name": key, "value": value})
    for key, value in options.items():
        ET.SubElement(layer, "prop", {"k": key, "v": value})


def _number(value: float) -> str:
    return f"{value:.6f}"


def _qml_literal(value: Any) -> str:
    """A value as a QGIS expression literal."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def qgis_expression(conditions: Sequence[Condition]) -> str:
    """Conditions as a QGIS expression (all must hold).

    >>> qgis_expression([("signal_before", "=", False), ("name", "=", "O'Neil")])
    '"signal_before" = FALSE AND "name" = \\'O\\'\\'Neil\\''
    """
    return " AND ".join(
        f'"{name.replace(chr(34), chr(34) * 2)}" {op} {_qml_literal(value)}'
        for name, op, value in conditions
    )


def _qml_categories(renderer: ET.Element, style: LayerStyle) -> None:
    categories = ET.SubElement(renderer, "categories")
    for i, entry in enumerate(style.classes):
        value = "" if entry.value is None else entry.value
        ET.SubElement(
            categories,
            "category",
            {"value": value, "symbol": str(i), "label": entry.label, "render": "true"},
        )


def _qml_ranges(renderer: ET.Element, style: LayerStyle) -> None:
    """Ranges highest first: QGIS draws a value with the first range holding it (bounds
    included), so a value on a boundary takes the upper class, as on the map."""
    ranges = ET.SubElement(renderer, "ranges")
    for i, entry in enumerate(style.classes):
        low = 0.0 if entry.low is None else entry.low
        high = 100.0 if entry.high is None else entry.high
        attributes = {"lower": _number(low), "upper": _number(high), "symbol": str(i)}
        ET.SubElement(ranges, "range", {**attributes, "label": entry.label, "render": "true"})


def _qml_rules(renderer: ET.Element, style: LayerStyle) -> None:
    root = ET.SubElement(renderer, "rules", {"key": f"{{{style.layer}}}"})
    for i, entry in enumerate(style.classes):
        ET.SubElement(
            root,
            "rule",
            {
                "key": f"{{{style.layer}-{i}}}",
                "symbol": str(i),
                "label": entry.label,
                "filter": qgis_expression(entry.conditions),
            },
        )


_QML_RENDERERS: dict[str, tuple[str, Callable[[ET.Element, LayerStyle], None] | None]] = {
    "single": ("singleSymbol", None),
    "categorized": ("categorizedSymbol", _qml_categories),
    "graduated": ("graduatedSymbol", _qml_ranges),
    "rules": ("RuleRenderer", _qml_rules),
}


def qml(style: LayerStyle) -> str:
    """The layer's QGIS style document (QML): what QGIS reads from ``layer_styles.styleQML``
    or a ``.qml`` file."""
    root = ET.Element(
        "qgis", {"version": QGIS_VERSION, "styleCategories": "Symbology|Legend|Fields"}
    )
    renderer_type, add_classes = _QML_RENDERERS[style.renderer]
    attributes = {"type": renderer_type, "symbollevels": "0", "forceraster": "0"}
    if style.field is not None:
        attributes["attr"] = style.field
    if style.renderer == "graduated":
        attributes["graduatedMethod"] = "GraduatedColor"
    renderer = ET.SubElement(root, "renderer-v2", {**attributes, "enableorderby": "0"})
    if add_classes is not None:
        add_classes(renderer, style)
    symbols = ET.SubElement(renderer, "symbols")
    for i, entry in enumerate(style.classes):
        _qml_symbol(symbols, str(i), entry.symbol)
    ET.SubElement(root, "layerGeometryType").text = _GEOMETRY_CODES[style.classes[0].symbol.kind]
    ET.indent(root)
    doctype = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
    return doctype + "\n" + ET.tostring(root, encoding="unicode") + "\n"


#: QGIS's geometry type codes (``QgsWkbTypes::GeometryType``)
_GEOMETRY_CODES = {"marker": "0", "line": "1", "fill": "2"}


# --- OGC Symbology Encoding (SLD 1.1) -------------------------------------------------------


def _se(tag: str) -> str:
    return f"se:{tag}"


def _ogc(tag: str) -> str:
    return f"ogc:{tag}"


def _svg_parameters(parent: ET.Element, values: dict[str, str]) -> None:
    for name, value in values.items():
        ET.SubElement(parent, _se("SvgParameter"), {"name": name}).text = value


def _sld_symbolizer(rule: ET.Element, symbol: Symbol) -> None:
    width = f"{symbol.size * _PIXELS_PER_MM:.1f}"
    if symbol.kind == "marker":
        graphic = ET.SubElement(ET.SubElement(rule, _se("PointSymbolizer")), _se("Graphic"))
        mark = ET.SubElement(graphic, _se("Mark"))
        ET.SubElement(mark, _se("WellKnownName")).text = symbol.shape
        _svg_parameters(ET.SubElement(mark, _se("Fill")), {"fill": symbol.colour})
        stroke = {"stroke": symbol.outline, "stroke-width": "0.5"}
        _svg_parameters(ET.SubElement(mark, _se("Stroke")), stroke)
        ET.SubElement(graphic, _se("Size")).text = width
        return
    if symbol.kind == "line":
        stroke = {"stroke": symbol.colour, "stroke-width": width, "stroke-linecap": "round"}
        if symbol.dashed:
            stroke["stroke-dasharray"] = "7 3"
        _svg_parameters(
            ET.SubElement(ET.SubElement(rule, _se("LineSymbolizer")), _se("Stroke")), stroke
        )
        return
    polygon = ET.SubElement(rule, _se("PolygonSymbolizer"))
    fill = {"fill": symbol.colour, "fill-opacity": f"{symbol.opacity:g}"}
    _svg_parameters(ET.SubElement(polygon, _se("Fill")), fill)
    _svg_parameters(
        ET.SubElement(polygon, _se("Stroke")), {"stroke": symbol.outline, "stroke-width": "1"}
    )


_SLD_OPERATORS = {
    "=": "PropertyIsEqualTo",
    ">=": "PropertyIsGreaterThanOrEqualTo",
    "<": "PropertyIsLessThan",
}


def _sld_literal(value: Any) -> str:
    if isinstance(value, bool):  # GeoPackage booleans are integers
        return "1" if value else "0"
    return str(value)


def _class_conditions(style: LayerStyle, entry: StyleClass) -> tuple[Condition, ...]:
    """What a class draws, as conditions (empty: every feature no other class draws)."""
    if style.renderer == "categorized":
        assert style.field is not None
        return () if entry.value is None else ((style.field, "=", entry.value),)
    if style.renderer == "graduated":
        assert style.field is not None
        bounds: list[Condition] = []
        if entry.low is not None:
            bounds.append((style.field, ">=", entry.low))
        if entry.high is not None:
            bounds.append((style.field, "<", entry.high))
        return tuple(bounds)
    return entry.conditions


def _sld_filter(rule: ET.Element, conditions: Sequence[Condition]) -> None:
    if not conditions:
        return
    parent = ET.SubElement(rule, _ogc("Filter"))
    if len(conditions) > 1:
        parent = ET.SubElement(parent, _ogc("And"))
    for name, op, value in conditions:
        comparison = ET.SubElement(parent, _ogc(_SLD_OPERATORS[op]))
        ET.SubElement(comparison, _ogc("PropertyName")).text = name
        ET.SubElement(comparison, _ogc("Literal")).text = _sld_literal(value)


def sld(style: LayerStyle) -> str:
    """The layer's style as an OGC Styled Layer Descriptor 1.1 (what QGIS stores beside the
    QML in ``layer_styles.styleSLD``, and what a map server such as GeoServer reads)."""
    root = ET.Element(
        "StyledLayerDescriptor",
        {
            "version": "1.1.0",
            **_SLD_NAMESPACES,
            "xsi:schemaLocation": "http://www.opengis.net/sld "
            "http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd",
        },
    )
    layer = ET.SubElement(root, "NamedLayer")
    ET.SubElement(layer, _se("Name")).text = style.layer
    user_style = ET.SubElement(layer, "UserStyle")
    ET.SubElement(user_style, _se("Name")).text = style.layer
    ET.SubElement(ET.SubElement(user_style, _se("Description")), _se("Title")).text = style.title
    feature_style = ET.SubElement(user_style, _se("FeatureTypeStyle"))
    for entry in style.classes:
        rule = ET.SubElement(feature_style, _se("Rule"))
        ET.SubElement(rule, _se("Name")).text = entry.label
        ET.SubElement(ET.SubElement(rule, _se("Description")), _se("Title")).text = entry.label
        conditions = _class_conditions(style, entry)
        if conditions or style.renderer == "single":
            _sld_filter(rule, conditions)
        else:
            ET.SubElement(rule, _se("ElseFilter"))
        _sld_symbolizer(rule, entry.symbol)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
