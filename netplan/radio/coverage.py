"""Coverage models: which grid cells a site serves, and how well.

A model turns a site (position, technology) into a :class:`Footprint`: the flat indices of
the cells it covers and a strength per cell (higher is better) used to attribute each cell
to its best server. The optimiser only sees footprints, so models are interchangeable:
``radius`` (a disc per technology) is here; the terrain model plugs in the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from netplan.config import Scenario, TechnologyConfig
from netplan.errors import ConfigError
from netplan.grid import Grid

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Footprint:
    """Cells served by one site: flat grid indices and a strength (higher = better server)."""

    cells: np.ndarray
    strength: np.ndarray

    def __len__(self) -> int:
        return int(self.cells.size)


class CoverageModel(Protocol):
    """What the pipeline needs from a coverage model."""

    name: str
    #: what ``strength`` means, for rasters and reports (e.g. "dBm" or "m from site")
    strength_unit: str

    def footprint(self, x: float, y: float, tech: TechnologyConfig) -> Footprint:
        """Cells a site at (x, y) in the grid CRS serves with ``tech``."""
        ...


class RadiusModel:
    """A disc of ``radius_m`` around each site; strength is minus the distance in metres.

    Quick studies, and data that only has ranges. It ignores terrain, so it over-covers
    valleys behind ridges; the terrain model corrects that.
    """

    name = "radius"
    strength_unit = "-m"

    def __init__(self, grid: Grid) -> None:
        self.grid = grid

    def footprint(self, x: float, y: float, tech: TechnologyConfig) -> Footprint:
        if tech.radius_m is None:
            raise ConfigError("the radius coverage model needs radius_m on every technology")
        g = self.grid
        r = tech.radius_m
        (r0, r1), (c0, c1) = g.rowcol(np.array([x - r, x + r]), np.array([y + r, y - r]))
        rows = np.arange(max(r0, 0), min(r1, g.height - 1) + 1)
        cols = np.arange(max(c0, 0), min(c1, g.width - 1) + 1)
        if rows.size == 0 or cols.size == 0:
            return Footprint(np.empty(0, np.int64), np.empty(0, np.float32))
        cy = g.y0 - (rows + 0.5) * g.resolution
        cx = g.x0 + (cols + 0.5) * g.resolution
        d = np.hypot(cx[None, :] - x, cy[:, None] - y)
        inside = d <= r
        rr, cc = np.nonzero(inside)
        flat = rows[rr].astype(np.int64) * g.width + cols[cc]
        return Footprint(flat, (-d[inside]).astype(np.float32))


def coverage_model(scenario: Scenario, grid: Grid) -> CoverageModel:
    """The coverage model the scenario asks for."""
    if scenario.coverage.model == "radius":
        return RadiusModel(grid)
    raise ConfigError(
        f"coverage.model: {scenario.coverage.model!r} is not available in this version; "
        "use coverage.model: radius"
    )


def best_server(grid: Grid, footprints: Iterable[Footprint]) -> np.ndarray:
    """Best strength per cell over footprints (NaN where none covers), on the grid."""
    best = np.full(grid.size, -np.inf, dtype=np.float32)
    for fp in footprints:
        np.maximum.at(best, fp.cells, fp.strength)
    best[~np.isfinite(best)] = np.nan
    return best.reshape(grid.shape)
