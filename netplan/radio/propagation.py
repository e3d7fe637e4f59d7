"""Path loss: the extended Hata model and ITU-R P.526 knife-edge diffraction.

**Median loss over smooth ground: Okumura-Hata** (Hata 1980), its COST-231 extension for
1500-2000 MHz, and the ERC Report 68 (SEAMCAT "extended Hata") distance term beyond 20 km.
Environments: ``urban`` (small/medium city), ``suburban`` and ``open`` (rural, open land).
Validity: 150-2000 MHz, base antenna 30-200 m, mobile 1-10 m, 1-100 km. Below 1 km the loss
is never taken below free space. :func:`validity_warnings` says when a technology leaves the
range.

**Terrain**: the extra loss of obstructions above smooth ground, from ITU-R P.526-15 §4.5
(Bullington) applied as in ITU-R P.1812/P.452's "delta-Bullington": the Bullington loss of
the real profile minus that of a smooth profile, so the empirical model's own ground losses
are not counted twice. The profile kernel lives in :mod:`netplan.radio.terrain`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

SPEED_OF_LIGHT_M_PER_US = 299.792458  #: so that wavelength (m) = this / frequency (MHz)
EARTH_RADIUS_KM = 6371.0
ENVIRONMENTS = ("urban", "suburban", "open")
_ENV_CODE = {name: i for i, name in enumerate(ENVIRONMENTS)}

#: validity of the Hata family as implemented (frequency MHz, base and mobile height m, km)
HATA_VALIDITY = {
    "frequency_mhz": (150.0, 2000.0),
    "height_m": (30.0, 200.0),
    "receiver_height_m": (1.0, 10.0),
    "max_range_km": (0.0, 100.0),
}


def wavelength_m(frequency_mhz: float) -> float:
    return SPEED_OF_LIGHT_M_PER_US / frequency_mhz


def environment_code(environment: str) -> int:
    return _ENV_CODE[environment]


@njit(cache=True)
def _mobile_correction(log_f: float, hm: float) -> float:
    """a(hm) for a small or medium city (Hata)."""
    return (1.1 * log_f - 0.7) * hm - (1.56 * log_f - 0.8)


@njit(cache=True)
def hata_loss_db(d_km: float, f_mhz: float, hb: float, hm: float, env: int) -> float:
    """Median path loss (dB) at ``d_km``; ``env`` is 0 urban, 1 suburban, 2 open."""
    d = max(d_km, 1e-3)
    log_f = math.log10(f_mhz)
    log_hb = math.log10(max(hb, 1.0))
    a_hm = _mobile_correction(log_f, hm)
    if f_mhz <= 1500.0:
        base = 69.55 + 26.16 * log_f - 13.82 * log_hb - a_hm
    else:  # COST-231 Hata (C_m = 0: medium city and suburban centres)
        base = 46.3 + 33.9 * log_f - 13.82 * log_hb - a_hm
    slope = 44.9 - 6.55 * log_hb
    log_d = math.log10(d)
    if d > 20.0:  # ERC Report 68 extension of the distance exponent beyond 20 km
        hb_eff = hb / math.sqrt(1.0 + 7e-6 * hb * hb)
        alpha = 1.0 + (0.14 + 1.87e-4 * f_mhz + 1.07e-3 * hb_eff) * math.log10(d / 20.0) ** 0.8
        log_d = log_d**alpha
    loss = base + slope * log_d
    if env == 1:
        loss -= 2.0 * math.log10(min(max(f_mhz, 150.0), 1500.0) / 28.0) ** 2 + 5.4
    elif env == 2:
        lf = math.log10(min(max(f_mhz, 150.0), 1500.0))
        loss -= 4.78 * lf * lf - 18.33 * lf + 40.94
    free_space = 32.44 + 20.0 * math.log10(f_mhz) + 20.0 * math.log10(d)
    return max(loss, free_space)


@njit(cache=True)
def knife_edge_db(v: float) -> float:
    """ITU-R P.526-15 eq. (31): J(v) for a single knife edge; 0 for v <= -0.78."""
    if v <= -0.78:
        return 0.0
    w = v - 0.1
    return 6.9 + 20.0 * math.log10(math.sqrt(w * w + 1.0) + w)


def knife_edge_loss(v: np.ndarray | float) -> np.ndarray:
    """Vectorised :func:`knife_edge_db`."""
    arr = np.atleast_1d(np.asarray(v, dtype=np.float64))
    return np.array([knife_edge_db(float(x)) for x in arr])


@njit(cache=True)
def bullington_correction_db(j_db: float, d_km: float) -> float:
    """P.526-15 eq. (49): L = L_uc + (1 − exp(−L_uc/6)) (10 + 0.02 d)."""
    return j_db + (1.0 - math.exp(-j_db / 6.0)) * (10.0 + 0.02 * d_km)


def radio_horizon_km(h1_m: float, h2_m: float, *, k: float = 4.0 / 3.0) -> float:
    """Smooth-earth radio horizon: √(2 k R) (√h1 + √h2), ≈ 4.12 (√h1 + √h2) km for k = 4/3."""
    return math.sqrt(2.0 * k * EARTH_RADIUS_KM / 1000.0) * (math.sqrt(h1_m) + math.sqrt(h2_m))


def max_range_km(
    *, eirp_dbm: float, min_signal_dbm: float, f_mhz: float, hb: float, hm: float, env: int
) -> float:
    """Distance at which the smooth-ground signal falls to ``min_signal_dbm`` (bisection)."""
    budget = eirp_dbm - min_signal_dbm
    lo, hi = 1e-3, 1000.0
    if hata_loss_db(lo, f_mhz, hb, hm, env) > budget:
        return 0.0
    for _ in range(100):
        mid = math.sqrt(lo * hi)
        if hata_loss_db(mid, f_mhz, hb, hm, env) <= budget:
            lo = mid
        else:
            hi = mid
    return lo


def validity_warnings(
    name: str,
    *,
    frequency_mhz: float,
    height_m: float,
    receiver_height_m: float,
    max_range_km: float,
) -> list[str]:
    """Where a technology's parameters leave the Hata model's validity range."""
    values = {
        "frequency_mhz": frequency_mhz,
        "height_m": height_m,
        "receiver_height_m": receiver_height_m,
        "max_range_km": max_range_km,
    }
    out = []
    for key, value in values.items():
        lo, hi = HATA_VALIDITY[key]
        if not lo <= value <= hi:
            out.append(
                f"technologies.{name}.{key} = {value:g} is outside the extended Hata model's "
                f"range {lo:g}-{hi:g}; path loss there is an extrapolation"
            )
    return out
