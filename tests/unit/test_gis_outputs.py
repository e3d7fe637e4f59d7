"""The GIS files a partner opens: GeoPackage (typed, lon/lat, rounded, styled for QGIS), KML
(styled placemarks with balloons for Google Earth), GeoJSON (6 decimals, valid polygons),
GeoParquet, and the coverage rasters."""

from __future__ import annotations

import csv
import json
import logging
import re
import sqlite3
import xml.etree.ElementTree as ET
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
from affine import Affine
from babel.messages.pofile import read_po
from pyproj import CRS
from shapely.geometry import LineString, Point, Polygon

from netplan import palette
from netplan.grid import Grid
from netplan.io import gis_styles, kml
from netplan.io.gis_styles import kml_colour
from netplan.io.outputs import (
    GPKG_LAYERS,
    decimals_for,
    read_layer_styles,
    rounded,
    write_csv,
    write_geojson,
    write_gpkg,
    write_kml,
    write_parquet,
)
from netplan.io.rasters import (
    MASK_NODATA,
    SIGNAL_OUTSIDE,
    coverage_raster,
    read_coverage,
    write_coverage,
)

UTM = "EPSG:32754"  # the demo's analysis CRS (metres)
KML = "{http://www.opengis.net/kml/2.2}"
HOSTILE = "<script>alert(1)</script> & Co"
#: a bow tie: one ring crossing itself (invalid)
BOW_TIE = Polygon([(300000, 9550000), (301000, 9551000), (301000, 9550000), (300000, 9551000)])


def _square(x: float, y: float, size: float = 1000.0) -> Polygon:
    return Polygon([(x, y), (x + size, y), (x + size, y + size), (x, y + size)])


def _placed() -> gpd.GeoDataFrame:
    """Two new towers and a hotspot, as the plan's tables hold them (UTM, raw numbers)."""
    return gpd.GeoDataFrame(
        {
            "id": ["T1", "T2", "W1"],
            "kind": ["tower", "tower", "wifi"],
            "name": [HOSTILE, "Wamena", "Kampung"],
            "technology": ["macro_4g", "macro_4g", "wifi"],
            "backhaul": ["fiber", "satellite", "satellite"],
            "backhaul_km": [11.98712, 0.0, 0.0],
            "backhaul_to": ["POP-1", None, None],
            "backhaul_capacity_mbps": [100000.0, 50.0, 10.0],
            "capex": [1.5e9, 1.5e9, 5e7],
            "opex_per_year": [1.5e8, 1.5e8, 1e7],
            "total_cost": [2_250_000_000.4, 2.25e9, 1e8],
            "backhaul_cost": [3_417_563_995.330437, 1.02e9, 1.02e8],
            "all_in_cost": [5_667_563_995.330437, 3.27e9, 2.02e8],
            "cost_per_person": [4_590_836.9, 995_889.2, 1_682_772.4],
            "people_newly_covered": [1234.5678, 3283.5, 120.04],
            "people_only_here": [1000.04, 3283.5, 120.04],
            "region": ["Jayawijaya", "Nduga", "Nduga"],
            "reason": ["Newly covers 1,235 people", "Newly covers 3,284 people", "WiFi"],
            "alternative": ["Best alternative: C0003", None, None],
            "centre_x": [259117.877836, 272224.8, 280000.0],
            "centre_y": [9568188.27, 9572486.6, 9580000.0],
        },
        geometry=[Point(259117.9, 9568188.3), Point(272224.8, 9572486.6), Point(280000, 9580000)],
        crs=UTM,
    )


def _layers() -> dict[str, gpd.GeoDataFrame]:
    placed = _placed()
    links = gpd.GeoDataFrame(
        {
            "id": ["L1", "L2", "L3"],
            "type": ["fiber", "microwave", "satellite"],
            "from": ["POP-1", "T1", "satellite"],
            "to": ["T1", "T9", "T2"],
            "length_km": [11.98712, 4.5, 0.0],
            "capacity_mbps": [100000.0, 400.0, np.nan],
            "total_cost": [3_417_563_995.33, 5e8, 1.02e9],
        },
        geometry=[
            LineString([(250000, 9560000), (259117.9, 9568188.3)]),
            LineString([(259117.9, 9568188.3), (262000, 9570000)]),
            None,
        ],
        crs=UTM,
    )
    blank = gpd.GeoDataFrame(
        {
            "id": ["B1", "B2", "B3"],
            "population": [1858.405439, 44.123, 10.0],
            "cells": [110, 4, 1],
            "status": ["dark", "partly_closed", "closed"],
            "centre_x": [300500.0, 310500.0, 320500.0],
        },
        geometry=[BOW_TIE, _square(310000, 9550000), _square(320000, 9550000)],
        crs=UTM,
    )
    regions = gpd.GeoDataFrame(
        {"name": ["Nduga"], "population": [12345.678], "coverage_before_pct": [72.84512]},
        geometry=[_square(240000, 9540000, 100000)],
        crs=UTM,
    ).assign(coverage_after_pct=90.51234)
    villages = gpd.GeoDataFrame(
        {
            "id": ["V1", "V2", "V3"],
            "name": ["Hawa", "Tapi", HOSTILE],
            "people": [378.14, 646.0, 10.0],
            "signal_before": [True, False, False],
            "signal_after": [True, True, False],
        },
        geometry=[Point(259000, 9568000), Point(272000, 9572000), Point(300500, 9550500)],
        crs=UTM,
    )
    existing = gpd.GeoDataFrame(
        {"id": ["BTS-1"], "technology": ["macro_4g"], "height_m": [30.0]},
        geometry=[Point(265000, 9569000)],
        crs=UTM,
    )
    return {
        "sites": placed[placed["kind"] == "tower"],
        "hotspots": placed.iloc[:0],  # a plan without hotspots: the layer is still typed
        "links": links,
        "blank_spots": blank,
        "regions": regions,
        "villages": villages,
        "existing_sites": existing,
    }


# --- rounding ----------------------------------------------------------------------------


def test_one_rounding_rule_for_every_file() -> None:
    assert decimals_for("people_newly_covered") == decimals_for("population") == 1
    assert decimals_for("total_cost") == decimals_for("capex") == decimals_for("spend") == 0
    assert decimals_for("cost_per_person") == decimals_for("opex_per_year") == 0
    assert decimals_for("length_km") == decimals_for("coverage_after_pct") == 2
    assert decimals_for("gini") is None
    table = rounded(pd.DataFrame({"total_cost": [2.4e9 + 0.6, np.nan], "people": [1.26, 2.0]}))
    assert table["total_cost"].dtype == "Int64" and table["total_cost"].isna().tolist() == [
        False,
        True,
    ]
    assert table["total_cost"][0] == 2_400_000_001 and table["people"].tolist() == [1.3, 2.0]


# --- GeoJSON -------------------------------------------------------------------------------


def _coordinate_numbers(text: str) -> list[str]:
    collection = json.loads(text)
    numbers: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, float | int):
            numbers.append(repr(value))

    for feature in collection["features"]:
        if feature["geometry"] is not None:
            walk(feature["geometry"]["coordinates"])
    return numbers


def test_geojson_has_six_decimals_and_only_valid_polygons(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "blank_spots.geojson"
    with caplog.at_level(logging.INFO, logger="netplan.io.outputs"):
        write_geojson(path, _layers()["blank_spots"])
    assert "repaired 1 invalid geometries" in caplog.text
    numbers = _coordinate_numbers(path.read_text())
    assert numbers and all(len(n.split(".")[1]) <= 6 for n in numbers if "." in n)
    back = gpd.read_file(path)
    assert back.is_valid.all() and set(back.geom_type) <= {"Polygon", "MultiPolygon"}
    assert back.crs.to_epsg() == 4326
    assert back.to_crs(UTM).area.iloc[0] == pytest.approx(500_000, rel=1e-3)  # both triangles
    assert "centre_x" not in back.columns
    assert back["population"].tolist() == [1858.4, 44.1, 10.0]


# --- GeoPackage ----------------------------------------------------------------------------


def test_geopackage_layers_are_typed_lonlat_and_rounded(tmp_path: Path) -> None:
    path = tmp_path / "plan.gpkg"
    write_gpkg(path, _layers())
    names = [name for name, _ in pyogrio.list_layers(path)]
    assert names[:7] == list(_layers()) and "layer_styles" in names
    infos = {name: pyogrio.read_info(path, layer=name) for name in _layers()}
    for name, info in infos.items():
        assert info["geometry_type"] == GPKG_LAYERS[name].geometry, name
        assert info["crs"] == "EPSG:4326", name
        assert not [f for f in info["fields"] if re.search(r"(^|_)(x|y)$", f)], name
        if info["features"]:
            west, south, east, north = info["total_bounds"]
            assert -180 <= west <= east <= 180 and -90 <= south <= north <= 90, name
    sites, hotspots = infos["sites"], infos["hotspots"]
    assert hotspots["features"] == 0
    assert list(zip(hotspots["fields"], hotspots["ogr_types"], strict=True)) == list(
        zip(sites["fields"], sites["ogr_types"], strict=True)
    )
    back = gpd.read_file(path, layer="sites")
    assert back["people_newly_covered"].tolist() == [1234.6, 3283.5]
    assert back["total_cost"].tolist() == [2_250_000_000, 2_250_000_000]
    assert dict(zip(sites["fields"], sites["ogr_types"], strict=True))["total_cost"] == (
        "OFTInteger64"
    )
    assert back["backhaul_km"].tolist() == [11.99, 0.0]
    assert back.loc[0, "name"] == HOSTILE
    villages = infos["villages"]
    subtypes = dict(zip(villages["fields"], villages["ogr_subtypes"], strict=True))
    assert subtypes["signal_before"] == "OFSTBoolean"


def _qml_colours(root: ET.Element) -> list[str]:
    return [
        option.get("value", "")
        for option in root.iter("Option")
        if option.get("name") in ("color", "line_color")
    ]


def _rgba(colour: str, alpha: int = 255) -> str:
    return ",".join(str(int(colour[i : i + 2], 16)) for i in (1, 3, 5)) + f",{alpha}"


def test_every_layer_opens_styled_in_qgis(tmp_path: Path) -> None:
    path = tmp_path / "plan.gpkg"
    write_gpkg(path, _layers())
    with closing(sqlite3.connect(path)) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(layer_styles)")]
        rows = db.execute(
            "SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
            "useAsDefault, styleSLD, update_time FROM layer_styles"
        ).fetchall()
        registered = db.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchone()
    assert columns == [
        "id",
        "f_table_catalog",
        "f_table_schema",
        "f_table_name",
        "f_geometry_column",
        "styleName",
        "styleQML",
        "styleSLD",
        "useAsDefault",
        "description",
        "owner",
        "ui",
        "update_time",
    ]
    assert registered == ("attributes",)
    geometry_column = pyogrio.read_info(path, layer="sites")["geometry_name"]
    assert sorted(r[2] for r in rows) == sorted(_layers())
    for catalog, schema, _, column, default, style_sld, stamp in rows:
        assert (catalog, schema, column, default) == ("", "", geometry_column, 1)
        assert ET.fromstring(style_sld).tag == "{http://www.opengis.net/sld}StyledLayerDescriptor"
        assert stamp == "2000-01-01T00:00:00Z"
    styles = {name: ET.fromstring(text) for name, text in read_layer_styles(path).items()}
    renderers = {name: root.find("renderer-v2") for name, root in styles.items()}
    types = {name: r.get("type") for name, r in renderers.items() if r is not None}
    assert types == {
        "sites": "categorizedSymbol",
        "hotspots": "singleSymbol",
        "links": "categorizedSymbol",
        "blank_spots": "categorizedSymbol",
        "regions": "graduatedSymbol",
        "villages": "RuleRenderer",
        "existing_sites": "singleSymbol",
    }
    sites = renderers["sites"]
    assert sites is not None and sites.get("attr") == "backhaul"
    values = [c.get("value") for c in sites.iter("category")]
    assert values == [*palette.BACKHAUL_COLOURS, ""]  # "" draws every other value
    assert _qml_colours(styles["sites"])[:3] == [
        _rgba(c) for c in palette.BACKHAUL_COLOURS.values()
    ]
    links = renderers["links"]
    assert links is not None
    line_styles = [o.get("value") for o in links.iter("Option") if o.get("name") == "line_style"]
    assert line_styles[:2] == ["solid", "dash"]  # fiber solid, microwave dashed
    regions = renderers["regions"]
    assert regions is not None and regions.get("attr") == "coverage_after_pct"
    ranges = [(float(r.get("lower", "")), float(r.get("upper", ""))) for r in regions.iter("range")]
    assert ranges == [(95.0, 100.0), (80.0, 95.0), (50.0, 80.0), (0.0, 50.0)]
    villages = renderers["villages"]
    assert villages is not None
    filters = [rule.get("filter") for rule in villages.iter("rule")]
    assert filters[1] == '"signal_before" = FALSE AND "signal_after" = TRUE'
    for name, root in styles.items():
        symbols = root.findall("renderer-v2/symbols/symbol")
        assert symbols and all(s.find("layer") is not None for s in symbols), name


def test_blank_spots_without_status_are_one_red(tmp_path: Path) -> None:
    path = tmp_path / "analysis.gpkg"
    write_gpkg(path, {"blank_spots": _layers()["blank_spots"].drop(columns="status")})
    root = ET.fromstring(read_layer_styles(path)["blank_spots"])
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "singleSymbol"
    assert _qml_colours(root) == [_rgba(palette.BLANK_SPOT_COLOUR, 115)]


def test_geopackage_is_byte_identical_and_rewritten_whole(tmp_path: Path) -> None:
    first, second = tmp_path / "a.gpkg", tmp_path / "b.gpkg"
    write_gpkg(second, {"regions": _layers()["regions"]})  # an older file in the way
    write_gpkg(first, _layers(), lang="id")
    write_gpkg(second, _layers(), lang="id")
    assert first.read_bytes() == second.read_bytes()
    labels = [c.get("label") for c in ET.fromstring(read_layer_styles(first)["links"]).iter()]
    assert "Tautan serat optik" in labels


# --- KML -----------------------------------------------------------------------------------


def _kml(tmp_path: Path, lang: str = "en") -> ET.Element:
    """The test layers as KML, new towers and hotspots in one table as in ``plan.geojson``
    (written twice: the same bytes each time)."""
    layers = {k: v for k, v in _layers().items() if k not in ("sites", "hotspots", "regions")}
    layers["sites"] = _placed()
    paths = [tmp_path / f"plan-{lang}.kml", tmp_path / f"again-{lang}.kml"]
    for path in paths:
        write_kml(path, layers, lang=lang, currency="IDR", horizon_years=5)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    return ET.parse(paths[0]).getroot()


def _folders(root: ET.Element) -> dict[str, list[ET.Element]]:
    return {
        folder.findtext(f"{KML}name", ""): folder.findall(f"{KML}Placemark")
        for folder in root.iter(f"{KML}Folder")
    }


def test_every_placemark_is_styled(tmp_path: Path) -> None:
    root = _kml(tmp_path)
    styles = {s.get("id"): s for s in root.iter(f"{KML}Style")}
    marks = list(root.iter(f"{KML}Placemark"))
    assert marks
    for mark in marks:
        url = mark.findtext(f"{KML}styleUrl", "")
        assert url.startswith("#") and url[1:] in styles, url
    folders = _folders(root)
    assert list(folders) == [
        "New towers",
        "Public WiFi hotspots",
        "Backhaul links",
        "Still-dark areas",
        "Villages",
    ]
    assert [m.findtext(f"{KML}styleUrl") for m in folders["New towers"]] == [
        "#tower-fiber",
        "#tower-satellite",
    ]
    assert len(folders["Public WiFi hotspots"]) == 1
    assert len(folders["Backhaul links"]) == 2  # the satellite link has no line to draw
    assert [m.findtext(f"{KML}name") for m in folders["Still-dark areas"]] == ["B1", "B2"]
    fiber = styles["tower-fiber"].findtext(f"{KML}IconStyle/{KML}color")
    assert fiber == kml_colour(palette.BACKHAUL_COLOURS["fiber"]) == "ff227ee6"  # aabbggrr
    icons = {
        s.get("id"): s.findtext(f"{KML}IconStyle/{KML}Icon/{KML}href") for s in styles.values()
    }
    assert len({icons["tower-fiber"], icons["hotspot"], icons["village-had_signal"]}) == 3


def _balloon(mark: ET.Element) -> dict[str, str]:
    table = ET.fromstring(mark.findtext(f"{KML}description", ""))
    assert not list(table.iter("script"))
    return {row.findtext("th", ""): row.findtext("td", "") for row in table.iter("tr")}


def test_site_balloons_hold_the_popup_figures_and_stay_text(tmp_path: Path) -> None:
    tower = _folders(_kml(tmp_path))["New towers"][0]
    assert tower.findtext(f"{KML}name") == f"T1 {HOSTILE}"  # a name, never markup
    facts = _balloon(tower)
    assert facts["ID"] == "T1" and facts["Place"] == HOSTILE
    assert facts["People newly covered"] == "1,235 people"
    assert facts["Backhaul route"] == "11.99 km"
    assert facts["Backhaul capacity"] == "100,000 Mbit/s"  # the capacity of its feed
    assert facts["Site cost over 5 years"] == "IDR 2.25 billion"
    assert facts["Backhaul cost over 5 years"] == "IDR 3.42 billion"
    assert facts["All-in cost per person"] == "IDR 4.59 million"
    # the reason, in the balloon's language, from the site's own figures; the runner-up once
    assert facts["Why this site"].startswith("Newly covers 1,235 people")
    assert "IDR 5.67 billion" in facts["Why this site"]
    assert "Runner-up" not in facts  # no runner-up figures in these rows
    lat, lon = (float(v) for v in facts["Coordinates (lat, lon)"].split(", "))
    assert -5 < lat < -3 and 138 < lon < 140
    village = _folders(_kml(tmp_path))["Villages"][2]
    assert _balloon(village)["Village"] == HOSTILE


def test_balloons_in_bahasa_indonesia(tmp_path: Path) -> None:
    folders = _folders(_kml(tmp_path, "id"))
    facts = _balloon(folders["Menara baru"][0])
    assert "1.235 jiwa" in facts.values() and "Rp 2,25 miliar" in facts.values()
    assert facts["Alasan pemilihan situs"].startswith("Memberikan sinyal baru kepada 1.235 jiwa")
    assert "Wilayah yang tetap tanpa sinyal" in folders


def test_every_gis_label_has_an_indonesian_translation() -> None:
    folder = Path(str(kml.__file__)).parent.parent / "locale" / "id" / "LC_MESSAGES"
    known = set()
    for po in folder.glob("*.po"):
        with po.open("rb") as fh:
            known |= {m.id for m in read_po(fh) if m.id and m.string}
    used = set()
    for module in (kml, gis_styles):
        used |= set(re.findall(r'gettext\(\s*"([^"]+)"', Path(str(module.__file__)).read_text()))
    for labels in (
        gis_styles._TOWER_LABELS,
        gis_styles._LINK_LABELS,
        gis_styles._BLANK_SPOT_LABELS,
        kml._BACKHAUL_LABELS,
        kml._STATUS_LABELS,
    ):
        used |= set(labels.values())
    used |= {title for _, title, _ in kml._FOLDERS} | set(kml._REASON_LABELS)
    assert used - known == set()


def test_csv_rounds_as_every_other_file(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    write_csv(path, _placed())
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert "centre_x" not in rows[0]
    assert [r["total_cost"] for r in rows] == ["2250000000", "2250000000", "100000000"]
    assert rows[0]["people_newly_covered"] == "1234.6"
    assert all(len(r["lon"].split(".")[1]) <= 6 for r in rows)


# --- GeoParquet ----------------------------------------------------------------------------


def test_geoparquet_round_trips_typed_and_byte_identical(tmp_path: Path) -> None:
    paths = [tmp_path / "a.parquet", tmp_path / "b.parquet"]
    for path in paths:
        write_parquet(path, _placed(), layer="sites")
    assert paths[0].read_bytes() == paths[1].read_bytes()
    back = gpd.read_parquet(paths[0])
    assert back.crs is not None and back.crs.to_epsg() == 4326
    assert back.geom_type.tolist() == ["Point"] * 3 and "centre_x" not in back.columns
    assert str(back["total_cost"].dtype) == "Int64"
    assert back["people_newly_covered"].tolist() == [1234.6, 3283.5, 120.0]
    empty = tmp_path / "none.parquet"
    write_parquet(empty, _placed().iloc[:0], layer="sites")
    assert list(gpd.read_parquet(empty).columns) == list(back.columns)


# --- coverage rasters ----------------------------------------------------------------------


def _grid() -> Grid:
    return Grid(
        crs=CRS.from_user_input(UTM), x0=250000.0, y0=9570000.0, resolution=100.0, width=6, height=4
    )


def _coverage_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    covered = np.zeros((4, 6), bool)
    covered[1:3, 1:4] = True
    strength = np.where(covered, -80.04, np.nan)
    region = np.zeros((4, 6), int)
    region[:, 0] = -1  # the first column lies outside the region
    covered[0, 0] = True  # signal outside the region does not count
    return covered, strength, region


@pytest.mark.parametrize("signal", [True, False])
def test_coverage_raster_tells_outside_from_no_signal(tmp_path: Path, signal: bool) -> None:
    covered, strength, region = _coverage_inputs()
    path = tmp_path / "coverage_after.tif"
    write_coverage(
        path, coverage_raster(covered, strength, region, signal=signal), _grid(), when="after"
    )
    with rasterio.open(path) as src:
        description, units, nodata = src.descriptions[0], src.units[0], src.nodata
        tags = src.tags()
    assert description is not None and "outside the region" in description
    if signal:
        assert (units, nodata, tags["NETPLAN_COVERAGE"]) == ("dBm", SIGNAL_OUTSIDE, "signal_dbm")
    else:
        assert (nodata, tags["NETPLAN_COVERAGE"]) == (MASK_NODATA, "mask")
    back = read_coverage(path)
    assert (back.in_region == (region >= 0)).all()
    assert (back.covered == (covered & (region >= 0))).all()
    assert back.transform == Affine(100.0, 0.0, 250000.0, 0.0, -100.0, 9570000.0)
    assert back.crs.to_epsg() == 32754
    if signal:
        assert back.signal_dbm is not None
        assert np.nanmax(back.signal_dbm) == pytest.approx(-80.0)
        assert np.isnan(back.signal_dbm[~back.covered]).all()
    else:
        assert back.signal_dbm is None


# --- a real run --------------------------------------------------------------------------


def test_a_planned_run_exports_open_right(tiny: Path, tmp_path: Path) -> None:
    from netplan.config import load_scenario
    from netplan.runs import run_plan

    out, _, _ = run_plan(load_scenario(tiny), out_dir=tmp_path / "run")
    for name in ("plan.geojson", "links.geojson", "blank_spots.geojson"):
        text = (out / name).read_text()
        numbers = _coordinate_numbers(text)
        assert all(len(n.split(".")[1]) <= 6 for n in numbers if "." in n), name
        assert gpd.read_file(out / name).geometry.dropna().is_valid.all(), name
    plan = gpd.read_file(out / "plan.geojson")
    layers = {
        "sites": plan[plan["kind"] != "wifi"],
        "hotspots": plan[plan["kind"] == "wifi"],
        "links": gpd.read_file(out / "links.geojson"),
        "blank_spots": gpd.read_file(out / "blank_spots.geojson"),
    }
    path = tmp_path / "plan.gpkg"
    write_gpkg(path, layers)
    for name in layers:
        info = pyogrio.read_info(path, layer=name)
        assert info["crs"] == "EPSG:4326" and info["geometry_type"] == GPKG_LAYERS[name].geometry
    assert set(read_layer_styles(path)) == set(layers)
    write_kml(tmp_path / "plan.kml", layers, lang="id", currency="IDR")
    marks = ET.parse(tmp_path / "plan.kml").getroot().iter(f"{KML}Placemark")
    ids = {m.findtext(f"{KML}name", "").split(" ")[0] for m in marks}
    assert set(plan["id"]) <= ids
    for name in ("coverage_before.tif", "coverage_after.tif"):
        coverage = read_coverage(out / name)
        assert coverage.covered.any() and coverage.in_region.any()
