"""A national run folder from its tiles' run folders.

Each tile's folder (``tiles/<name>/``) is a complete run: map, reports, rasters in the tile's
own projection. The national folder adds what a ministry and a GIS user open for the whole
country, with the file names of a single-region run: ``plan.gpkg``, ``sites.parquet``,
``sites.csv``, ``villages.parquet``, ``plan.kml`` (towers, hotspots and links; each
tile's own KML also has its villages and blank spots), ``summary.json`` with a row per tile and
per region, ``manifest.json`` listing the tiles with their CRS and timings, and ``map.html``:
an overview of the tiles coloured by coverage after the plan, each a link to its own map.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from netplan.config import Scenario
from netplan.evaluate import fairness_figures
from netplan.i18n import Texts, texts
from netplan.io.outputs import WGS84, write_csv, write_gpkg, write_json, write_kml, write_parquet
from netplan.manifest import build_manifest
from netplan.optimize.solver import Solution

logger = logging.getLogger(__name__)

#: the summary's figures that add up over tiles
_ADDITIVE = (
    "total_cost",
    "capex",
    "opex_per_year",
    "population_total",
    "population_covered_before",
    "population_covered_after",
    "population_newly_covered",
    "population_wifi_reach",
    "new_towers",
    "new_wifi",
    "fiber_km",
    "microwave_links",
    "satellite_links",
    "households_total",
    "households_newly_covered",
    "unconnected_households_total",
    "unconnected_households_newly_covered",
    "villages_total",
    "villages_with_signal_before",
    "villages_with_signal_after",
)
#: what a province's row adds up over its tiles
_GROUP_SUMS = (
    "population_total",
    "population_covered_before",
    "population_covered_after",
    "population_newly_covered",
    "new_towers",
    "new_wifi",
    "total_cost",
)
_LAYERS = {
    "plan.geojson": "placed",
    "links.geojson": "links",
    "blank_spots.geojson": "blank_spots",
    "regions.geojson": "regions",
    "villages.geojson": "villages",
    "existing_sites.geojson": "existing_sites",
}


def write_national_folder(
    folder: Path,
    scenario: Scenario,
    boundaries: gpd.GeoDataFrame,
    *,
    tiles: list[tuple[Any, dict[str, Any]]],
    solution: Solution,
    inputs: dict[str, dict[str, str]],
    seconds: float,
) -> dict[str, Any]:
    """Write the national files into ``folder`` (holding ``tiles/<slug>/``); returns the
    national summary. ``tiles`` pairs each tile's work record with what finishing it
    returned (its summary and stage times)."""
    summary = national_summary(scenario, tiles, solution)
    layers = _national_layers(folder, [work.tile for work, _ in tiles])
    _write_exports(folder, layers, scenario)
    write_json(folder / "summary.json", summary)
    manifest = build_manifest(
        scenario,
        command="plan",
        input_hashes=inputs,
        timings={"total": seconds},
        sizes=_sizes(tiles),
    )
    manifest["tiles"] = [_tile_record(work, done) for work, done in tiles]
    manifest["solution"] = _solution_record(solution)
    write_json(folder / "manifest.json", manifest)
    overview = _tile_shapes(boundaries, tiles, summary)
    (folder / "map.html").write_text(
        overview_html(overview, summary, scenario.output.lang), encoding="utf-8"
    )
    return summary


def national_summary(
    scenario: Scenario, tiles: list[tuple[Any, dict[str, Any]]], solution: Solution
) -> dict[str, Any]:
    """The country's figures (sums over tiles), the solver's national certificate, a row
    per tile and a row per region (each naming its tile)."""
    parts = [done["summary"] for _, done in tiles]
    out: dict[str, Any] = {
        "scenario": scenario.name,
        "currency": scenario.currency,
        "budget": scenario.objective.budget,
        "horizon_years": scenario.planning.horizon_years,
    }
    for key in _ADDITIVE:
        values = [p[key] for p in parts if p.get(key) is not None]
        if values:
            whole = all(isinstance(v, int) for v in values)  # counts stay whole numbers
            out[key] = int(sum(values)) if whole else round(float(sum(values)), 2)
    total, newly = out.get("population_total", 0.0), out.get("population_newly_covered", 0.0)
    if total:
        out["coverage_before_pct"] = round(100 * out["population_covered_before"] / total, 2)
        out["coverage_after_pct"] = round(100 * out["population_covered_after"] / total, 2)
    out["cost_per_new_person"] = round(out["total_cost"] / newly) if newly > 0 else None
    out["solver"] = _solution_record(solution)
    out["tiles"] = [_tile_row(work, done["summary"]) for work, done in tiles]
    out["provinces"] = _group_rows(tiles)
    out["regions"] = [
        {**region, "province": work.tile.group or work.tile.name, "tile": work.tile.name}
        for work, done in tiles
        for region in done["summary"].get("regions", [])
    ]
    out["fairness"] = {**_fairness(out["regions"]), "rules": scenario.fairness.model_dump()}
    return out


def _fairness(regions: list[dict[str, Any]]) -> dict[str, Any]:
    """The lowest coverage and the Gini of coverage across the country's regencies (from
    their rows: people and coverage before and after)."""
    people = np.array([float(r.get("population") or 0.0) for r in regions])

    def covered(key: str) -> np.ndarray | None:
        shares = [r.get(key) for r in regions]
        if any(v is None for v in shares):
            return None
        return people * np.array(shares, dtype=np.float64) / 100.0

    before = covered("coverage_before_pct")
    if before is None:
        return {}
    names = [str(r.get("name")) for r in regions]
    return fairness_figures(people, before, covered("coverage_after_pct"), names)


def _group_rows(tiles: list[tuple[Any, dict[str, Any]]]) -> list[dict[str, Any]]:
    """One row per value of the tiling field (a province for ``kode_prov``): its tiles'
    figures added up, coverage from the sums."""
    rows: dict[str, dict[str, Any]] = {}
    for work, done in tiles:
        part = done["summary"]
        row = rows.setdefault(work.tile.group or work.tile.name, {"tiles": 0})
        row["tiles"] += 1
        for key in _GROUP_SUMS:
            row[key] = row.get(key, 0.0) + float(part.get(key) or 0.0)
    out = []
    for name, row in rows.items():
        total = row["population_total"]
        before, after = row["population_covered_before"], row["population_covered_after"]
        out.append(
            {
                "name": name,
                **{k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()},
                "coverage_before_pct": round(100 * before / total, 2) if total else None,
                "coverage_after_pct": round(100 * after / total, 2) if total else None,
            }
        )
    return out


def _solution_record(solution: Solution) -> dict[str, Any]:
    return {
        "status": solution.status,
        "objective": round(solution.objective, 3),
        "bound": round(solution.bound, 3),
        "gap": round(solution.gap, 6),
        "seconds": round(solution.seconds, 3),
        "reproducible": not solution.stopped_by_time,
        "stages_stopped_by_time": list(solution.time_stops),
        # what the bound is a bound of: the tiles' plans sharing the budget
        "certifies": "the tiled model: each site serves the people of its own tile",
    }


def _tile_row(work: Any, summary: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "population_total",
        "population_newly_covered",
        "coverage_before_pct",
        "coverage_after_pct",
        "new_towers",
        "new_wifi",
        "total_cost",
        "cost_per_new_person",
    )
    return {
        "name": work.tile.name,
        "folder": f"tiles/{work.tile.slug}",
        **{k: summary.get(k) for k in keys},
    }


def _tile_record(work: Any, done: dict[str, Any]) -> dict[str, Any]:
    tile = work.tile
    return {
        "name": tile.name,
        "group": tile.group,
        "folder": f"tiles/{tile.slug}",
        "crs": tile.crs.to_string(),
        "scale_error_pct": round(100 * tile.scale_error, 4),
        "halo_m": tile.halo_m,
        "regions": int(tile.regions.size),
        "resumed": work.resumed,
        "timings_s": done["seconds"],
        "sizes": work.sizes,
    }


def _sizes(tiles: list[tuple[Any, dict[str, Any]]]) -> dict[str, int]:
    out: dict[str, int] = {"tiles": len(tiles)}
    for work, _ in tiles:
        for key, value in work.sizes.items():
            out[key] = out.get(key, 0) + int(value)
    out["largest_tile_grid_cells"] = max(int(w.sizes.get("grid_cells", 0)) for w, _ in tiles)
    return out


def _national_layers(folder: Path, tiles: list[Any]) -> dict[str, gpd.GeoDataFrame]:
    """Each GeoJSON layer of the tiles' folders, concatenated with a ``tile`` column."""
    out: dict[str, gpd.GeoDataFrame] = {}
    for name, layer in _LAYERS.items():
        frames = []
        for tile in tiles:
            path = folder / "tiles" / tile.slug / name
            if path.is_file():
                frame = pyogrio.read_dataframe(path)
                frames.append(frame.assign(tile=tile.name))
        if frames:
            table = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WGS84)
            if layer == "existing_sites" and "id" in table:
                # a site near a tile's edge serves both tiles: the country has it once
                table = table.drop_duplicates("id").reset_index(drop=True)
            out[layer] = table
    return out


def _write_exports(folder: Path, layers: dict[str, gpd.GeoDataFrame], scenario: Scenario) -> None:
    placed = layers["placed"]
    kind = placed["kind"] if "kind" in placed else pd.Series("tower", index=placed.index)
    sites = placed[kind != "wifi"].reset_index(drop=True)
    hotspots = placed[kind == "wifi"].reset_index(drop=True)
    lang = scenario.output.lang
    optional = {"villages": layers["villages"]} if "villages" in layers else {}
    write_gpkg(
        folder / "plan.gpkg",
        {
            "sites": sites,
            "hotspots": hotspots,
            "links": layers["links"],
            "blank_spots": layers["blank_spots"],
            "regions": layers["regions"],
            **optional,
            "existing_sites": layers["existing_sites"],
        },
        lang=lang,
    )
    write_parquet(folder / "sites.parquet", placed, layer="sites")
    write_csv(folder / "sites.csv", placed)
    if "villages" in layers:
        write_parquet(folder / "villages.parquet", layers["villages"], layer="villages")
    write_kml(  # villages and blank spots are in each tile's own KML: the country's stays light
        folder / "plan.kml",
        {"sites": placed, "links": layers["links"]},
        lang=lang,
        currency=scenario.currency,
        horizon_years=scenario.planning.horizon_years,
    )


def _tile_shapes(
    boundaries: gpd.GeoDataFrame,
    tiles: list[tuple[Any, dict[str, Any]]],
    summary: dict[str, Any],
) -> gpd.GeoDataFrame:
    """One simplified lon/lat shape per tile with its summary row."""
    lonlat = boundaries.to_crs(WGS84)
    rows = []
    for (work, _), row in zip(tiles, summary["tiles"], strict=True):
        shape = lonlat.geometry.iloc[work.tile.regions].union_all()
        rows.append({**row, "geometry": shape.simplify(0.02, preserve_topology=True)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def _colour(pct: float | None) -> str:
    """Coverage after the plan, red (0%) to green (100%)."""
    if pct is None or not np.isfinite(pct):
        return "#bbbbbb"
    t = min(max(pct / 100.0, 0.0), 1.0)
    red, green = round(215 * (1 - t) + 26 * t), round(48 * (1 - t) + 150 * t)
    return f"#{red:02x}{green:02x}{round(39 * (1 - t) + 65 * t):02x}"


def _svg_paths(shapes: gpd.GeoDataFrame, t: Texts, width: int = 1000) -> tuple[str, int]:
    """The tiles as SVG links (equirectangular, north up), and the drawing's height."""
    west, south, east, north = shapes.total_bounds
    scale = width / max(east - west, 1e-9)
    height = max(1, round((north - south) * scale))

    def ring(coords: Any) -> str:
        pts = " ".join(f"{(x - west) * scale:.1f},{(north - y) * scale:.1f}" for x, y in coords)
        return f"M{pts}Z"

    out = []
    for row in shapes.itertuples():
        geoms = getattr(row.geometry, "geoms", [row.geometry])
        d = " ".join(
            ring(p.exterior.coords) + " ".join(ring(h.coords) for h in p.interiors)
            for p in geoms
            if not p.is_empty
        )
        title = t.format(
            "{tile}: {share} covered after the plan",
            tile=row.name,
            share=t.percent(row.coverage_after_pct, 2),
        )
        out.append(
            f'<a href="{html.escape(row.folder)}/map.html"><path d="{d}" '
            f'fill="{_colour(row.coverage_after_pct)}" stroke="#333" stroke-width="0.5" '
            f'fill-rule="evenodd"><title>{html.escape(title)}</title></path></a>'
        )
    return "\n".join(out), height


def overview_html(shapes: gpd.GeoDataFrame, summary: dict[str, Any], lang: str) -> str:
    """A self-contained page: the tiles coloured by coverage after the plan (each a link to
    its own map) and a table of their figures, in ``lang``. No script and nothing to
    download: it opens offline and prints."""
    t = texts(lang)
    esc = html.escape
    paths, height = _svg_paths(shapes, t)
    currency = str(summary["currency"])
    head = "".join(
        f"<th>{esc(t.gettext(label))}</th>"
        for label in (
            "Tile",
            "People",
            "Coverage before",
            "Coverage after",
            "New towers",
            "Hotspots",
            "Cost",
        )
    )
    rows = "\n".join(
        "<tr>"
        f'<td><a href="{esc(row["folder"])}/map.html">{esc(str(row["name"]))}</a></td>'
        f"<td>{esc(t.people(row['population_total']))}</td>"
        f"<td>{esc(t.percent(row['coverage_before_pct'], 2))}</td>"
        f"<td>{esc(t.percent(row['coverage_after_pct'], 2))}</td>"
        f"<td>{esc(t.number(row['new_towers']))}</td><td>{esc(t.number(row['new_wifi']))}</td>"
        f"<td>{esc(t.money(row['total_cost'], currency))}</td></tr>"
        for row in summary["tiles"]
    )
    solver = summary["solver"]
    title = t.format("{scenario}: national plan", scenario=summary["scenario"])
    lead = t.format(
        "{people} newly covered for {cost}; coverage {before} -> {after}. Solver: {status}, "
        "certified gap {gap}. Click a tile for its own map.",
        people=t.people(summary.get("population_newly_covered")),
        cost=t.money(summary.get("total_cost"), currency),
        before=t.percent(summary.get("coverage_before_pct"), 2),
        after=t.percent(summary.get("coverage_after_pct"), 2),
        status=t.gettext(str(solver["status"])),
        gap=t.percent(100 * solver["gap"], 2),
    )
    return f"""<!DOCTYPE html>
<html lang="{esc(lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>body{{font-family:sans-serif;margin:1em}}svg{{width:100%;height:auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}
td:first-child{{text-align:left}}a path:hover{{stroke-width:2}}</style></head>
<body><h1>{esc(title)}</h1>
<p>{esc(lead)}</p>
<svg viewBox="0 0 1000 {height}" role="img"><title>{esc(t.gettext("Tiles"))}</title>
{paths}
</svg>
<table><tr>{head}</tr>
{rows}
</table></body></html>
"""
