"""Terrain kernels: a radial sweep from a site over the DEM, compiled with numba.

From the antenna, rays leave at ``n_rays`` azimuths (enough that neighbouring rays are one
cell apart at the maximum range) and are sampled every cell. Along each ray, for every sample
as a receiver, the kernel evaluates:

- geometric line of sight (receiver above the highest elevation angle seen so far);
- ITU-R P.526-15 §4.5 Bullington diffraction with earth curvature (effective radius k·R).
  Heights are taken in the antenna's tangent frame (terrain lowered by d²/2kR), where the
  earth is flat and the Bullington slopes are plain geometry. The transmitter-side slope is
  a running maximum; the receiver-side slope is the tangent to the upper convex hull of the
  profile, kept incrementally and queried by binary search, so a ray costs O(n log n)
  instead of O(n²). For line-of-sight paths the sub-path obstruction ``v`` is evaluated at
  the two dominant points (the transmitter's and the receiver's horizon points), not at
  every profile point.
- the terrain loss is the real profile's Bullington loss minus a smooth profile's (ITU-R
  P.1812 delta-Bullington), added to the extended-Hata median loss.

Each grid cell then takes the value of the nearest ray sample.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from netplan.radio.propagation import (
    EARTH_RADIUS_KM,
    bullington_correction_db,
    hata_loss_db,
    knife_edge_db,
)


@njit(cache=True)
def _sample(dem: np.ndarray, u: float, v: float) -> float:
    """Bilinear DEM value at continuous pixel coordinates (u right, v down; centres at +0.5)."""
    h, w = dem.shape
    x = min(max(u - 0.5, 0.0), w - 1.0)
    y = min(max(v - 0.5, 0.0), h - 1.0)
    c0 = min(int(x), w - 2) if w > 1 else 0
    r0 = min(int(y), h - 2) if h > 1 else 0
    fx = x - c0 if w > 1 else 0.0
    fy = y - r0 if h > 1 else 0.0
    c1 = c0 + 1 if w > 1 else c0
    r1 = r0 + 1 if h > 1 else r0
    top = dem[r0, c0] * (1 - fx) + dem[r0, c1] * fx
    bottom = dem[r1, c0] * (1 - fx) + dem[r1, c1] * fx
    return top * (1 - fy) + bottom * fy


@njit(cache=True)
def _v(h_i: float, d_i: float, d: float, h_ts: float, h_rs: float, lam: float) -> float:
    """Fresnel-Kirchhoff v of a point (tangent-frame height h_i at d_i km) on the Tx-Rx path."""
    line = (h_ts * (d - d_i) + h_rs * d_i) / d
    return (h_i - line) * math.sqrt(0.002 * d / (lam * d_i * (d - d_i)))


@njit(cache=True)
def smooth_bullington_db(
    n_steps: int, step_km: float, hb: float, hm: float, lam: float, ce: float
) -> np.ndarray:
    """Bullington loss over smooth (curved) ground for receivers at each step (O(n²), once)."""
    out = np.zeros(n_steps + 1)
    for j in range(2, n_steps + 1):
        d = j * step_km
        h_ts, h_rs = hb, hm - 500.0 * ce * d * d
        s_tim, s_rim = -1e30, -1e30
        v_max = -1e30
        for i in range(1, j):
            di = i * step_km
            hi = -500.0 * ce * di * di
            s_tim = max(s_tim, (hi - h_ts) / di)
            s_rim = max(s_rim, (hi - h_rs) / (d - di))
            v_max = max(v_max, _v(hi, di, d, h_ts, h_rs, lam))
        if s_tim < (h_rs - h_ts) / d:
            j_db = knife_edge_db(v_max)
        else:
            db = (h_rs - h_ts + s_rim * d) / (s_tim + s_rim)
            db = min(max(db, 1e-6), d - 1e-6)
            j_db = knife_edge_db(_v(h_ts + s_tim * db, db, d, h_ts, h_rs, lam))
        out[j] = bullington_correction_db(j_db, d)
    return out


@njit(cache=True)
def _tangent(hull_d: np.ndarray, hull_h: np.ndarray, m: int, d: float, h: float) -> int:
    """Index of the hull vertex seen highest from (d, h), a point right of the whole hull."""
    lo, hi = 0, m - 1
    while lo < hi:
        mid = (lo + hi) // 2
        r_mid = (hull_h[mid] - h) / (d - hull_d[mid])
        r_next = (hull_h[mid + 1] - h) / (d - hull_d[mid + 1])
        if r_next > r_mid:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(parallel=True, cache=True)
def radial_sweep(
    dem: np.ndarray,
    u0: float,
    v0: float,
    antenna_m: float,
    receiver_m: float,
    n_steps: int,
    n_rays: int,
    res_m: float,
    f_mhz: float,
    env: int,
    eirp_dbm: float,
    k_factor: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Signal (dBm) and line of sight (bool) at every ray sample, shape (n_rays, n_steps + 1).

    ``u0, v0`` is the site in continuous pixel coordinates of ``dem`` (cell size ``res_m``);
    index 0 along a ray is the site itself.
    """
    lam = 299.792458 / f_mhz
    ce = 1.0 / (k_factor * EARTH_RADIUS_KM)
    step_km = res_m / 1000.0
    g0 = _sample(dem, u0, v0)
    h_ts = g0 + antenna_m
    smooth = smooth_bullington_db(n_steps, step_km, antenna_m, receiver_m, lam, ce)
    hata = np.empty(n_steps + 1)
    for j in range(n_steps + 1):
        hata[j] = hata_loss_db(max(j, 1) * step_km, f_mhz, antenna_m, receiver_m, env)
    signal = np.empty((n_rays, n_steps + 1), dtype=np.float32)
    los = np.zeros((n_rays, n_steps + 1), dtype=np.bool_)
    for r in prange(n_rays):
        theta = 2.0 * math.pi * r / n_rays
        du, dv = math.cos(theta), -math.sin(theta)
        hull_d = np.empty(n_steps + 1)
        hull_h = np.empty(n_steps + 1)
        m = 0
        s_best, i_best_d, i_best_h = -1e30, 0.0, 0.0
        signal[r, 0] = eirp_dbm - hata[0]
        los[r, 0] = True
        for j in range(1, n_steps + 1):
            d = j * step_km
            g = _sample(dem, u0 + du * j, v0 + dv * j)
            drop = 500.0 * ce * d * d
            h_rs = g + receiver_m - drop  # receiver, tangent frame
            s_tr = (h_rs - h_ts) / d
            terrain_db = 0.0
            if m > 0:
                k = _tangent(hull_d, hull_h, m, d, h_rs)
                if s_best < s_tr:  # line of sight: sub-path obstruction at the two horizons
                    v_a = _v(i_best_h, i_best_d, d, h_ts, h_rs, lam)
                    v_b = _v(hull_h[k], hull_d[k], d, h_ts, h_rs, lam)
                    j_db = knife_edge_db(max(v_a, v_b))
                    los[r, j] = True
                else:  # beyond an obstruction: Bullington's equivalent knife edge
                    s_rim = (hull_h[k] - h_rs) / (d - hull_d[k])
                    db = (h_rs - h_ts + s_rim * d) / (s_best + s_rim)
                    db = min(max(db, 1e-6), d - 1e-6)
                    j_db = knife_edge_db(_v(h_ts + s_best * db, db, d, h_ts, h_rs, lam))
                terrain_db = max(bullington_correction_db(j_db, d) - smooth[j], 0.0)
            else:
                los[r, j] = True
            signal[r, j] = eirp_dbm - hata[j] - terrain_db
            # this sample becomes an intermediate point for the receivers beyond it
            h_here = g - drop
            slope = (h_here - h_ts) / d
            if slope > s_best:
                s_best, i_best_d, i_best_h = slope, d, h_here
            while m >= 2 and (
                (hull_d[m - 1] - hull_d[m - 2]) * (h_here - hull_h[m - 2])
                - (hull_h[m - 1] - hull_h[m - 2]) * (d - hull_d[m - 2])
                >= 0.0
            ):
                m -= 1
            hull_d[m] = d
            hull_h[m] = h_here
            m += 1
    return signal, los


@njit(parallel=True, cache=True)
def radial_los(
    dem: np.ndarray,
    u0: float,
    v0: float,
    antenna_m: float,
    receiver_m: float,
    n_steps: int,
    n_rays: int,
    res_m: float,
    k_factor: float,
) -> np.ndarray:
    """Line of sight only (bool, shape (n_rays, n_steps + 1)): the same geometry as
    :func:`radial_sweep`'s (tangent frame, earth curvature k·R, a receiver is seen when it
    rises above the steepest terrain slope before it), without the radio losses, for
    viewsheds where only visibility matters."""
    ce = 1.0 / (k_factor * EARTH_RADIUS_KM)
    step_km = res_m / 1000.0
    h_ts = _sample(dem, u0, v0) + antenna_m
    los = np.zeros((n_rays, n_steps + 1), dtype=np.bool_)
    for r in prange(n_rays):
        theta = 2.0 * math.pi * r / n_rays
        du, dv = math.cos(theta), -math.sin(theta)
        s_best = -1e30
        los[r, 0] = True
        for j in range(1, n_steps + 1):
            d = j * step_km
            g = _sample(dem, u0 + du * j, v0 + dv * j)
            drop = 500.0 * ce * d * d
            if j == 1 or s_best < (g + receiver_m - drop - h_ts) / d:
                los[r, j] = True
            slope = (g - drop - h_ts) / d
            if slope > s_best:
                s_best = slope
    return los


@njit(cache=True)
def rays_to_cells(
    values: np.ndarray,
    u0: float,
    v0: float,
    n_steps: int,
    height: int,
    width: int,
    threshold: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Grid cells within ``n_steps`` cells of the site whose nearest ray sample is >= threshold.

    Returns flat cell indices and their values.
    """
    n_rays = values.shape[0]
    r_lo = max(int(np.floor(v0 - n_steps)), 0)
    r_hi = min(int(np.ceil(v0 + n_steps)), height - 1)
    c_lo = max(int(np.floor(u0 - n_steps)), 0)
    c_hi = min(int(np.ceil(u0 + n_steps)), width - 1)
    size = max((r_hi - r_lo + 1) * (c_hi - c_lo + 1), 0)
    cells = np.empty(size, dtype=np.int64)
    out = np.empty(size, dtype=np.float32)
    count = 0
    two_pi = 2.0 * math.pi
    for row in range(r_lo, r_hi + 1):
        dy = v0 - (row + 0.5)
        for col in range(c_lo, c_hi + 1):
            dx = (col + 0.5) - u0
            dist = math.sqrt(dx * dx + dy * dy)
            j = int(dist + 0.5)
            if j > n_steps:
                continue
            theta = math.atan2(dy, dx)
            if theta < 0:
                theta += two_pi
            ray = int(theta / two_pi * n_rays + 0.5) % n_rays
            value = values[ray, j]
            if value >= threshold:
                cells[count] = row * width + col
                out[count] = value
                count += 1
    return cells[:count], out[:count]


def n_rays_for(n_steps: int) -> int:
    """Rays so that neighbours are about one cell apart at the maximum range."""
    return max(8, math.ceil(2.0 * math.pi * n_steps))
