"""The files people open, rendered from a run folder's data files in one language.

:func:`render_deliverables` is called by every run (into its temporary folder, before it
replaces the old one) and by ``netplan map RUN_DIR`` (re-render, no solve): both read the
same data files through :func:`~netplan.io.run_files.read_run`, so a re-render in the run's
language gives the same bytes.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd

from netplan.io.outputs import write_csv, write_gpkg, write_kml, write_parquet
from netplan.io.run_files import RunFiles, read_run
from netplan.reasons import runner_up_text, site_reason
from netplan.report.run_map import review_map_html

logger = logging.getLogger(__name__)

#: what :func:`render_deliverables` writes; every other file of a run folder is data
DELIVERABLES = (
    "map.html",
    "plan.kml",
    "plan.gpkg",
    "sites.csv",
    "sites.parquet",
    "villages.parquet",
)


def placed_sites(run: RunFiles) -> gpd.GeoDataFrame:
    """New towers then hotspots, as one table (as in ``plan.geojson``)."""
    assert run.sites is not None and run.hotspots is not None
    frames = [f for f in (run.sites, run.hotspots) if not f.empty]
    if not frames:
        return run.sites
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=run.sites.crs)


def in_language(run: RunFiles, lang: str) -> RunFiles:
    """``run`` with each site's ``reason`` and ``alternative`` written in ``lang`` (from the
    site's own properties, as the plan wrote them in its language)."""

    def reasons(table: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        if table is None or table.empty:
            return table
        records = table.drop(columns=table.geometry.name).to_dict("records")
        return table.assign(
            alternative=[runner_up_text(r, currency=run.currency, lang=lang) for r in records],
            reason=[site_reason(r, currency=run.currency, lang=lang) for r in records],
        )

    return replace(run, sites=reasons(run.sites), hotspots=reasons(run.hotspots))


def render_deliverables(folder: Path, *, lang: str) -> list[str]:
    """Render the map, and for a plan the KML, GeoPackage, CSV and GeoParquet files, from
    ``folder``'s data files into ``folder``, in ``lang``; return the names written."""
    run = in_language(read_run(folder), lang)
    written = ["map.html"]
    (folder / "map.html").write_text(review_map_html(run, lang=lang), encoding="utf-8")
    if run.is_plan:
        assert run.links is not None and run.hotspots is not None and run.sites is not None
        placed = placed_sites(run)
        optional = {"villages": run.villages} if run.villages is not None else {}
        write_kml(
            folder / "plan.kml",
            {"sites": placed, "links": run.links, "blank_spots": run.blank_spots, **optional},
            lang=lang,
            currency=run.currency,
            horizon_years=run.horizon_years,
        )
        write_csv(folder / "sites.csv", placed)
        write_gpkg(
            folder / "plan.gpkg",
            {
                "sites": run.sites,
                "hotspots": run.hotspots,
                "links": run.links,
                "blank_spots": run.blank_spots,
                "regions": run.regions,
                **optional,
                "existing_sites": run.existing_sites,
            },
            lang=lang,
        )
        write_parquet(folder / "sites.parquet", placed, layer="sites")
        written += ["plan.kml", "sites.csv", "plan.gpkg", "sites.parquet"]
        if run.villages is not None:
            write_parquet(folder / "villages.parquet", run.villages, layer="villages")
            written.append("villages.parquet")
    logger.debug("rendered %s in %s", ", ".join(written), lang)
    return written
