"""Path loss and diffraction against published values and hand-solvable geometry."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from netplan.radio.propagation import (
    hata_loss_db,
    knife_edge_db,
    knife_edge_loss,
    max_range_km,
    radio_horizon_km,
    validity_warnings,
)

URBAN, SUBURBAN, OPEN = 0, 1, 2


# Reference table: ns-3 propagation module, okumura-hata-test-suite.cc (values generated
# by its Octave reference scripts from Hata 1980 and COST-231): d = 2 km, hb = 30 m,
# hm = 1 m; small/medium-city mobile correction.
@pytest.mark.parametrize(
    ("f_mhz", "env", "expected"),
    [
        (869.0, URBAN, 137.88),  # "original OH Urban small city"
        (869.0, SUBURBAN, 128.03),  # "original OH SubUrban"
        (869.0, OPEN, 109.66),  # "original OH OpenAreas"
        (2114.0, URBAN, 150.64),  # "COST231 OH Urban small city and suburban"
    ],
)
def test_hata_matches_published_reference_values(f_mhz: float, env: int, expected: float) -> None:
    assert hata_loss_db(2.0, f_mhz, 30.0, 1.0, env) == pytest.approx(expected, abs=0.5)


def test_hata_textbook_form_at_900_mhz() -> None:
    # the textbook line for f = 900 MHz, hb = 30 m, hm = 1.5 m: L = 126.42 + 35.22 log10(d)
    for d in (1.0, 5.0, 15.0):
        assert hata_loss_db(d, 900.0, 30.0, 1.5, URBAN) == pytest.approx(
            126.42 + 35.22 * math.log10(d), abs=0.5
        )


def test_hata_never_below_free_space_close_in() -> None:
    free_space = 32.44 + 20 * math.log10(900.0) + 20 * math.log10(0.05)
    assert hata_loss_db(0.05, 900.0, 35.0, 1.5, OPEN) >= free_space - 1e-9


def test_loss_grows_with_distance_including_beyond_20_km() -> None:
    losses = [hata_loss_db(d, 900.0, 35.0, 1.5, SUBURBAN) for d in np.linspace(1, 80, 80)]
    assert all(b > a for a, b in itertools.pairwise(losses))


def test_knife_edge_matches_itu_r_p526() -> None:
    assert knife_edge_db(0.0) == pytest.approx(6.0, abs=0.1)  # grazing: 6 dB
    assert knife_edge_db(-0.78) == pytest.approx(0.0, abs=0.1)  # clear of the edge
    assert knife_edge_db(-2.0) == 0.0
    # deep shadow: the asymptote 13 + 20 log10(v)
    assert knife_edge_db(10.0) == pytest.approx(13.0 + 20.0, abs=0.2)
    v = np.linspace(-0.7, 5, 50)
    assert np.all(np.diff(knife_edge_loss(v)) > 0)


def test_radio_horizon_formula() -> None:
    assert radio_horizon_km(35.0, 1.5) == pytest.approx(4.12 * (35**0.5 + 1.5**0.5), rel=0.01)


def test_range_inverts_the_loss() -> None:
    d = max_range_km(eirp_dbm=61, min_signal_dbm=-90, f_mhz=900, hb=35, hm=1.5, env=SUBURBAN)
    assert hata_loss_db(d, 900.0, 35.0, 1.5, SUBURBAN) == pytest.approx(151.0, abs=0.01)


def test_validity_warnings_name_the_key() -> None:
    found = validity_warnings(
        "small", frequency_mhz=3500, height_m=15, receiver_height_m=1.5, max_range_km=10
    )
    assert len(found) == 2
    assert any("small.frequency_mhz" in m for m in found)
    assert any("small.height_m" in m for m in found)
