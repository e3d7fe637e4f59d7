"""Existing sites: OpenCelliD cells grouped into physical sites.

OpenCelliD publishes *cells* (one row per sector and radio), at estimated positions that
scatter by tens to hundreds of metres around the mast. Coverage is a property of the site,
so cells are grouped: LTE cells by eNodeB (``cell // 256`` within an operator), then any
groups closer than ``merge_m`` are joined.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

#: preference when a site carries several radios: its best one decides its technology
_RADIO_RANK = {"NR": 0, "LTE": 1, "UMTS": 2, "CDMA": 3, "GSM": 4}


def group_cells_into_sites(
    cells: gpd.GeoDataFrame,
    *,
    radios: tuple[str, ...],
    merge_m: float,
    technology: str,
    radio_technologies: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Sites from OpenCelliD cells, in the cells' (metric) CRS.

    Parameters
    ----------
    cells
        OpenCelliD rows as points in a metric CRS.
    radios
        Radio types that give usable mobile internet (others, such as GSM, are dropped).
    merge_m
        Cell groups closer than this are one site.
    technology
        The configured technology that models these sites' coverage ...
    radio_technologies
        ... unless the site's best radio (NR, LTE, UMTS, ...) maps to another one here.

    Returns
    -------
    GeoDataFrame with ``id``, ``technology``, ``radio``, ``cells``, ``range_m``, ``height_m``.
    """
    wanted = {r.upper() for r in radios}
    usable = cells[cells["radio"].astype(str).str.upper().isin(wanted)].reset_index(drop=True)
    if usable.empty:
        return empty_sites(cells.crs)
    radio = usable["radio"].astype(str).str.upper().to_numpy()
    enb = np.where(radio == "LTE", usable["cell"].to_numpy() // 256, usable["cell"].to_numpy())
    key = pd.MultiIndex.from_arrays([usable["mcc"], usable["net"], radio, enb])
    base = pd.factorize(key)[0]
    # join groups whose cells lie within merge_m of each other
    xy = np.column_stack([usable.geometry.x, usable.geometry.y])
    pairs = cKDTree(xy).query_pairs(merge_m, output_type="ndarray")
    n = int(base.max()) + 1
    if len(pairs):
        graph = coo_matrix(
            (np.ones(len(pairs)), (base[pairs[:, 0]], base[pairs[:, 1]])), shape=(n, n)
        )
        _, label = connected_components(graph, directed=False)
        group = label[base]
    else:
        group = base
    usable = usable.assign(_group=group, _x=xy[:, 0], _y=xy[:, 1])
    rows = []
    for _, g in usable.groupby("_group", sort=True):
        first = g.iloc[0]
        site_id = f"BTS-{int(first['mcc'])}-{int(first['net'])}-{int(enb[g.index[0]])}"
        site_radios = sorted(set(g["radio"].astype(str).str.upper()), key=_rank)
        rows.append(
            {
                "id": site_id,
                "technology": (radio_technologies or {}).get(site_radios[0], technology),
                "radio": "/".join(site_radios),
                "cells": len(g),
                "range_m": float(g["range"].max()) if "range" in g else np.nan,
                "height_m": np.nan,
                "x": float(g["_x"].mean()),
                "y": float(g["_y"].mean()),
            }
        )
    df = pd.DataFrame(rows).sort_values("id", kind="stable").reset_index(drop=True)
    df["id"] = _deduplicate(df["id"])
    return gpd.GeoDataFrame(
        df.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(df["x"], df["y"]), crs=cells.crs
    )


def _rank(radio: str) -> tuple[int, str]:
    return (_RADIO_RANK.get(radio, 9), radio)


def _deduplicate(ids: pd.Series) -> pd.Series:
    counts = ids.groupby(ids).cumcount()
    return ids.where(counts == 0, ids + "-" + (counts + 1).astype(str))


def empty_sites(crs: object) -> gpd.GeoDataFrame:
    """An existing-sites table with no rows (no towers layer, or none usable)."""
    return gpd.GeoDataFrame(
        {
            "id": pd.Series(dtype=str),
            "technology": pd.Series(dtype=str),
            "radio": pd.Series(dtype=str),
            "cells": pd.Series(dtype=int),
            "range_m": pd.Series(dtype=float),
            "height_m": pd.Series(dtype=float),
        },
        geometry=gpd.GeoSeries([], crs=crs),
        crs=crs,
    )
