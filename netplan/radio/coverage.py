"""Coverage models: which grid cells a site serves, and how well.

A model turns a site (position, technology) into a :class:`Footprint`: the flat indices of
the cells it covers and a strength per cell (higher is better) used to attribute each cell
to its best server. The optimiser only sees footprints, so models are interchangeable:
``radius`` (a disc per technology, strength = minus the distance) and ``terrain``
(extended Hata + diffraction over the DEM, strength = signal in dBm).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np
from scipy import ndimage

from netplan.config import Scenario, TechnologyConfig
from netplan.errors import ConfigError
from netplan.grid import Grid
from netplan.radio.propagation import environment_code, max_range_km, validity_warnings
from netplan.radio.terrain import n_rays_for, radial_los, radial_sweep, rays_to_cells

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

    def footprint(
        self,
        x: float,
        y: float,
        tech: TechnologyConfig,
        *,
        height_m: float | None = None,
        max_range_m: float | None = None,
    ) -> Footprint:
        """Cells a site at (x, y) in the grid CRS serves with ``tech``.

        ``height_m`` overrides the technology's antenna height (a site's own mast);
        ``max_range_m`` caps the range (e.g. OpenCelliD's estimate for an existing cell).
        """
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

    def footprint(
        self,
        x: float,
        y: float,
        tech: TechnologyConfig,
        *,
        height_m: float | None = None,
        max_range_m: float | None = None,
    ) -> Footprint:
        if tech.radius_m is None:
            raise ConfigError("the radius coverage model needs radius_m on every technology")
        g = self.grid
        r = min(tech.radius_m, max_range_m or math.inf)
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


class TerrainModel:
    """Extended Hata plus terrain diffraction over the DEM; strength is the signal in dBm.

    A cell is covered when the best signal reaches the technology's ``min_signal_dbm``
    within its ``max_range_m`` (by default the distance at which the signal over smooth
    ground falls to that minimum, capped at 100 km). Public-WiFi hotspots keep their
    radius: their reach is set by the access point, not by terrain.
    """

    name = "terrain"
    strength_unit = "dBm"

    def __init__(self, grid: Grid, elevation: np.ndarray | None, *, k_factor: float) -> None:
        self.grid = grid
        self.k_factor = k_factor
        self.dem = _filled(elevation, grid)
        self._radius = RadiusModel(grid)

    def range_m(self, tech: TechnologyConfig, *, height_m: float | None = None) -> float:
        """How far a technology can reach: its max_range_m, else the smooth-ground distance."""
        if tech.max_range_m is not None:
            return tech.max_range_m
        return 1000.0 * _budget_range_km(
            float(tech.eirp_dbm or 0.0) - tech.signal_offset_db,
            float(tech.min_signal_dbm or 0.0),
            float(tech.frequency_mhz or 900.0),
            float(height_m or tech.height_m or 30.0),
            tech.receiver_height_m,
            environment_code(tech.environment),
        )

    def signal_rays(
        self,
        x: float,
        y: float,
        tech: TechnologyConfig,
        *,
        height_m: float | None = None,
        max_range_m: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray, float, float, int]:
        """Signal and line of sight along the rays, with the site's pixel position and steps."""
        g = self.grid
        antenna = float(height_m if height_m is not None else tech.height_m or 30.0)
        reach = min(self.range_m(tech, height_m=antenna), max_range_m or math.inf)
        n_steps = max(1, math.ceil(reach / g.resolution))
        u0 = (x - g.x0) / g.resolution
        v0 = (g.y0 - y) / g.resolution
        signal, los = radial_sweep(
            self.dem,
            u0,
            v0,
            antenna,
            tech.receiver_height_m,
            n_steps,
            n_rays_for(n_steps),
            g.resolution,
            float(tech.frequency_mhz or 900.0),
            environment_code(tech.environment),
            float(tech.eirp_dbm or 0.0) - tech.signal_offset_db,
            self.k_factor,
        )
        return signal, los, u0, v0, n_steps

    def footprint(
        self,
        x: float,
        y: float,
        tech: TechnologyConfig,
        *,
        height_m: float | None = None,
        max_range_m: float | None = None,
    ) -> Footprint:
        if tech.kind == "wifi":
            return self._radius.footprint(x, y, tech, max_range_m=max_range_m)
        signal, _, u0, v0, n = self.signal_rays(
            x, y, tech, height_m=height_m, max_range_m=max_range_m
        )
        g = self.grid
        cells, values = rays_to_cells(
            signal, u0, v0, n, g.height, g.width, float(tech.min_signal_dbm or -math.inf)
        )
        return Footprint(cells, values)

    def viewshed(
        self, x: float, y: float, *, observer_m: float, target_m: float, max_range_m: float
    ) -> np.ndarray:
        """Cells whose point ``target_m`` above ground is in line of sight (bool, grid-shaped)."""
        g = self.grid
        n = max(1, math.ceil(max_range_m / g.resolution))
        u0 = (x - g.x0) / g.resolution
        v0 = (g.y0 - y) / g.resolution
        los = radial_los(
            self.dem, u0, v0, observer_m, target_m, n, n_rays_for(n), g.resolution, self.k_factor
        )
        cells, _ = rays_to_cells(los.astype(np.float32), u0, v0, n, g.height, g.width, 0.5)
        mask = np.zeros(g.size, dtype=bool)
        mask[cells] = True
        return mask.reshape(g.shape)


@lru_cache(maxsize=256)
def _budget_range_km(
    eirp: float, min_signal: float, f_mhz: float, hb: float, hm: float, env: int
) -> float:
    smooth = max_range_km(
        eirp_dbm=eirp, min_signal_dbm=min_signal, f_mhz=f_mhz, hb=hb, hm=hm, env=env
    )
    return min(smooth, 100.0)


def _filled(elevation: np.ndarray | None, grid: Grid) -> np.ndarray:
    """The DEM as float64 with gaps filled from the nearest valid cell (flat when absent)."""
    if elevation is None:
        return np.zeros(grid.shape, dtype=np.float64)
    dem = np.asarray(elevation, dtype=np.float64)
    bad = ~np.isfinite(dem)
    if bad.all():
        return np.zeros(grid.shape, dtype=np.float64)
    if bad.any():
        idx = ndimage.distance_transform_edt(bad, return_distances=False, return_indices=True)
        dem = dem[tuple(idx)]
    return dem


def coverage_model(
    scenario: Scenario, grid: Grid, elevation: np.ndarray | None = None
) -> CoverageModel:
    """The coverage model the scenario asks for; warns where the radio model is extrapolated."""
    if scenario.coverage.model == "radius":
        return RadiusModel(grid)
    model = TerrainModel(grid, elevation, k_factor=scenario.coverage.k_factor)
    for name, tech in scenario.tower_technologies.items():
        for message in validity_warnings(
            name,
            frequency_mhz=float(tech.frequency_mhz or 0.0),
            height_m=float(tech.height_m or 0.0),
            receiver_height_m=tech.receiver_height_m,
            max_range_km=model.range_m(tech) / 1000.0,
        ):
            logger.warning(message)
    return model


def finite_or_none(value: object) -> float | None:
    """A float when ``value`` is a finite number, else None (NaN heights mean "default")."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class SiteRequest:
    """One footprint to compute: a site, its technology and optional mast and range."""

    x: float
    y: float
    tech: TechnologyConfig
    height_m: float | None = None
    max_range_m: float | None = None


def footprint_of(model: CoverageModel, site: SiteRequest) -> Footprint:
    """The footprint of one requested site (a module-level function, so workers can run it)."""
    return model.footprint(
        site.x, site.y, site.tech, height_m=site.height_m, max_range_m=site.max_range_m
    )


def best_server(grid: Grid, footprints: Iterable[Footprint]) -> np.ndarray:
    """Best strength per cell over footprints (NaN where none covers), on the grid."""
    best = np.full(grid.size, -np.inf, dtype=np.float32)
    for fp in footprints:
        np.maximum.at(best, fp.cells, fp.strength)
    best[~np.isfinite(best)] = np.nan
    return best.reshape(grid.shape)
