"""Point-to-point line of sight with first-Fresnel-zone clearance (microwave links, checks).

A profile is sampled every half cell between two antennas; at each intermediate point the
clearance is the height of the straight ray above the terrain, with the earth bulge
d1·d2 / (2 k R) added to the terrain. A link is clear when every point keeps at least
``clearance`` × the first Fresnel radius √(λ d1 d2 / d) free (60% is the usual design rule).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import map_coordinates

from netplan.grid import Grid
from netplan.radio.propagation import EARTH_RADIUS_KM, wavelength_m


@dataclass(frozen=True)
class LineOfSight:
    """The outcome of a point-to-point check."""

    clear: bool  #: True when every point keeps the required clearance
    distance_km: float
    worst_ratio: float  #: smallest clearance / first Fresnel radius (∞ when no frequency)
    worst_clearance_m: float  #: smallest height of the ray above terrain + bulge
    worst_at_km: float  #: where that is, from the first point


def profile(
    elevation: np.ndarray, grid: Grid, a: tuple[float, float], b: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Distances (m) from ``a`` and bilinear terrain heights along a→b, every half cell."""
    length = math.hypot(b[0] - a[0], b[1] - a[1])
    n = max(2, math.ceil(length / (grid.resolution / 2)) + 1)
    t = np.linspace(0.0, 1.0, n)
    xs = a[0] + (b[0] - a[0]) * t
    ys = a[1] + (b[1] - a[1]) * t
    cols = (xs - grid.x0) / grid.resolution - 0.5
    rows = (grid.y0 - ys) / grid.resolution - 0.5
    heights = map_coordinates(elevation, [rows, cols], order=1, mode="nearest")
    return t * length, heights


def line_of_sight(
    elevation: np.ndarray,
    grid: Grid,
    a: tuple[float, float],
    b: tuple[float, float],
    *,
    height_a_m: float,
    height_b_m: float,
    frequency_mhz: float | None = None,
    clearance: float = 0.6,
    k_factor: float = 4.0 / 3.0,
) -> LineOfSight:
    """Whether antennas ``height_a_m`` above ``a`` and ``height_b_m`` above ``b`` see each other.

    Without ``frequency_mhz`` this is geometric line of sight (the ray clears the terrain);
    with it, the ray must also keep ``clearance`` of the first Fresnel zone free.
    """
    dist, ground = profile(elevation, grid, a, b)
    total = float(dist[-1])
    za = float(ground[0]) + height_a_m
    zb = float(ground[-1]) + height_b_m
    if total <= 0 or len(dist) < 3:
        return LineOfSight(True, total / 1000.0, math.inf, math.inf, 0.0)
    d1 = dist[1:-1]
    d2 = total - d1
    bulge = d1 * d2 / (2.0 * k_factor * EARTH_RADIUS_KM * 1000.0)
    ray = za + (zb - za) * d1 / total
    gap = ray - (ground[1:-1] + bulge)
    worst = int(np.argmin(gap))
    if frequency_mhz is None:
        return LineOfSight(
            bool(gap.min() > 0),
            total / 1000.0,
            math.inf,
            float(gap[worst]),
            float(d1[worst]) / 1000.0,
        )
    fresnel = np.sqrt(wavelength_m(frequency_mhz) * d1 * d2 / total)
    ratio = gap / fresnel
    worst = int(np.argmin(ratio))
    return LineOfSight(
        bool(ratio.min() >= clearance),
        total / 1000.0,
        float(ratio[worst]),
        float(gap[worst]),
        float(d1[worst]) / 1000.0,
    )
