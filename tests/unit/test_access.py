"""Household internet access joined to planning regions: names, codes, blanks and fallbacks."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netplan.access import AccessRates, join_access, normalise_name
from netplan.errors import InputError
from netplan.io.vectors import read_household_access
from tests.conftest import ROOT, SHARED_DATA

DEMO = ROOT / "datasets" / "papua-highlands"
HEADER = "pct_households_internet_urban,pct_households_internet_rural,pct_households_internet_total"


def _regions(geojson: Path, name: str, code: str) -> tuple[pd.DataFrame, list[dict]]:
    props = [f["properties"] for f in json.loads(geojson.read_text("utf-8"))["features"]]
    regions = pd.DataFrame({"name": [p[name] for p in props], "code": [p[code] for p in props]})
    return regions, props


def _csv(tmp_path: Path, text: str) -> tuple[pd.DataFrame, Path]:
    path = tmp_path / "access.csv"
    path.write_text(text, encoding="utf-8")
    return read_household_access(path), path


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("KEP. RIAU", "Kepulauan Riau"),
        ("Kabupaten Jayawijaya", "JAYAWIJAYA"),
        ("Kab. Jayawijaya", "jayawijaya"),
        ("DI YOGYAKARTA", "Daerah Istimewa Yogyakarta"),
        ("Prov. Papua  Barat", "PAPUA BARAT"),
        ("Lanny-Jaya", "LANNY JAYA"),
    ],
)
def test_spellings_of_one_region_normalise_equal(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


def test_kota_is_not_the_regency_of_the_same_name() -> None:
    assert normalise_name("Kota Jayapura") != normalise_name("Jayapura")
    assert normalise_name("Kota Jayapura") == normalise_name("KOTA JAYAPURA")


def test_demo_table_joins_every_demo_regency() -> None:
    path = DEMO / "household_access.csv"
    regions, _ = _regions(DEMO / "regencies.geojson", "name", "code")
    rates = join_access(read_household_access(path), regions, path)

    assert len(regions) == 4
    assert rates.source == ["JAYAWIJAYA", "TOLIKARA", "LANNY JAYA", "NDUGA"]
    assert rates.rural == pytest.approx([0.1873] * 4)
    assert rates.urban == pytest.approx([0.8731] * 4)
    assert rates.total[0] == pytest.approx(0.5484)  # Jayawijaya
    assert rates.note == [""] * 4
    assert rates.year == ["2023"] * 4


def test_region_matched_by_name_when_the_table_has_no_code(tmp_path: Path) -> None:
    table, path = _csv(tmp_path, f"kabupaten,{HEADER}\nKAB. JAYAWIJAYA,87.31,18.73,54.92\n")
    regions = pd.DataFrame({"name": ["Jayawijaya"], "code": ["95.02"]})

    rates = join_access(table, regions, path)

    assert rates.rural == pytest.approx([0.1873])
    assert rates.source == ["KAB. JAYAWIJAYA"]


def test_misspelled_name_is_reported_with_the_closest_correct_one(tmp_path: Path) -> None:
    table, path = _csv(
        tmp_path,
        f"region,{HEADER}\nJAYAWIJAYA,87.31,18.73,54.92\nTOLIKARA,87.31,18.73,18.73\n"
        "LANNY JAYA,87.31,18.73,18.73\n",
    )
    regions = pd.DataFrame({"name": ["Jayawijaya", "Tolikkara"], "code": ["95.02", "95.04"]})

    with pytest.raises(InputError, match="Tolikkara") as err:
        join_access(table, regions, path)

    message = str(err.value)
    assert str(path) in message
    assert "closest names in the table: TOLIKARA" in message


def test_code_matching_a_row_of_another_name_is_refused(tmp_path: Path) -> None:
    table, path = _csv(
        tmp_path,
        f"region,code,{HEADER}\nJAYAWIJAYA,95.02,87.31,18.73,54.92\n"
        "NDUGA,95.07,87.31,18.73,18.73\n",
    )
    regions = pd.DataFrame({"name": ["Nduga"], "code": ["95.02"]})

    with pytest.raises(InputError, match="line 2") as err:
        join_access(table, regions, path)

    assert "JAYAWIJAYA" in str(err.value)
    assert "Nduga" in str(err.value)


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared Papua data not available")
def test_bps_province_table_covers_every_papua_west_regency(
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = SHARED_DATA / "household_internet_access_bps_2022.csv"
    regions, props = _regions(SHARED_DATA / "regencies.geojson", "nama", "kode")
    province = np.array([p["kode_prov"] for p in props])

    with caplog.at_level(logging.WARNING, logger="netplan.access"):
        rates = join_access(read_household_access(path), regions, path, keys=list(province))

    assert len(regions) == 17
    assert np.isfinite(rates.urban).all()
    assert np.isfinite(rates.rural).all()
    # Papua Selatan (93) was split from Papua in 2022 and is blank in the 2022 table
    selatan = province == "93"
    assert selatan.any()
    assert rates.rural[selatan] == pytest.approx(0.1725)
    assert all("PAPUA" in rates.note[i] for i in np.flatnonzero(selatan))
    assert {rates.source[i] for i in np.flatnonzero(selatan)} == {"PAPUA"}
    # Papua Barat Daya (96) was split from Papua Barat
    barat_daya = province == "96"
    assert rates.rural[barat_daya] == pytest.approx(0.6876)
    assert rates.urban[barat_daya] == pytest.approx(0.9152)
    assert all("PAPUA BARAT" in rates.note[i] for i in np.flatnonzero(barat_daya))
    # Papua Barat (92) has its own figures
    barat = province == "92"
    assert rates.rural[barat] == pytest.approx(0.6876)
    assert all(rates.note[i] == "" for i in np.flatnonzero(barat))
    # one warning per blank province, not one per regency
    warnings = [r.getMessage() for r in caplog.records]
    assert sum("PAPUA SELATAN" in m for m in warnings) == 1
    assert sum("PAPUA BARAT DAYA" in m for m in warnings) == 1


def test_province_code_key_finds_the_province_by_name(tmp_path: Path) -> None:
    table, path = _csv(tmp_path, f"provinsi,{HEADER}\nPAPUA,84.93,17.25,35.14\nPAPUA TENGAH,,,\n")
    regions = pd.DataFrame({"name": ["Kabupaten Nabire"], "code": ["94.04"]})

    rates = join_access(table, regions, path, keys=["94"])

    assert rates.rural == pytest.approx([0.1725])
    assert "PAPUA TENGAH" in rates.note[0]
    assert rates.source == ["PAPUA"]


def test_blank_row_without_any_parent_data_is_an_error(tmp_path: Path) -> None:
    table, path = _csv(tmp_path, f"provinsi,{HEADER}\nPAPUA,,,\nPAPUA TENGAH,,,\n")
    regions = pd.DataFrame({"name": ["Kabupaten Nabire"], "code": ["94.04"]})

    with pytest.raises(InputError, match=r"PAPUA TENGAH.*no parent row has data"):
        join_access(table, regions, path, keys=["94"])


def test_blank_rural_rate_uses_the_total_with_a_note(tmp_path: Path) -> None:
    table, path = _csv(
        tmp_path,
        f"provinsi,{HEADER},year\nDKI JAKARTA,95.39,,95.39,2022\n"
        "JAWA BARAT,90.23,78.33,87.57,2022\n",
    )
    regions = pd.DataFrame(
        {"name": ["Kota Jakarta Pusat", "Kabupaten Bogor"], "code": ["31.71", "32.01"]}
    )

    rates = join_access(table, regions, path, keys=["31", "32"])

    assert rates.rural == pytest.approx([0.9539, 0.7833])
    assert "rural" in rates.note[0]
    assert "total" in rates.note[0]
    assert rates.note[1] == ""


def test_rate_per_cell_follows_region_and_urban_class() -> None:
    rates = AccessRates(
        urban=np.array([0.9, 0.8]),
        rural=np.array([0.2, 0.1]),
        total=np.array([0.5, 0.4]),
        source=["A", "B"],
        note=["", ""],
        year=[None, None],
    )
    region = np.array([[0, 0, -1], [1, 1, -1]])
    urban = np.array([[True, False, True], [False, True, False]])

    got = rates.rate(region, urban)

    assert got.shape == region.shape
    assert np.isnan(got[:, 2]).all()  # outside every region
    np.testing.assert_allclose(got[:, :2], [[0.9, 0.2], [0.1, 0.8]])
