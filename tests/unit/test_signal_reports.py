"""Citizen signal reports: personal fields never survive loading, and evidence is published
only for blocks with at least k reports (so no single reporter can be located)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS

from netplan.errors import InputError
from netplan.grid import Grid, make_grid
from netplan.io.vectors import read_signal_reports
from netplan.signal_reports import ReportEvidence, is_dark, report_evidence

K = 5
CELL_M = 1000.0


@pytest.fixture
def grid() -> Grid:
    # 50 × 50 cells of 100 m; blocks of 1000 m are 10 × 10 cells, 5 × 5 blocks
    return make_grid((0, 0, 5000, 5000), crs=CRS.from_epsg(32754), resolution=100)


def _points(grid: Grid, block: tuple[int, int], n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` report positions inside block (row, col), never on a grid or block line."""
    br, bc = block
    i = np.arange(n)
    x = grid.x0 + bc * CELL_M + 137.3 + 83.1 * i
    y = grid.y0 - br * CELL_M - 211.7 - 71.3 * i
    return x, y


def _layers(grid: Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    population = np.full(grid.shape, 10.0, dtype=np.float32)
    covered = np.zeros(grid.shape, dtype=bool)
    region = np.zeros(grid.shape, dtype=np.int64)
    return population, covered, region


def _evidence(
    grid: Grid,
    blocks: list[tuple[tuple[int, int], int, bool]],
    population: np.ndarray,
    covered: np.ndarray,
    region: np.ndarray,
) -> ReportEvidence:
    xs, ys, darks = [], [], []
    for block, n, dark in blocks:
        x, y = _points(grid, block, n)
        xs.append(x)
        ys.append(y)
        darks.append(np.full(n, dark))
    return report_evidence(
        np.concatenate(xs),
        np.concatenate(ys),
        np.concatenate(darks),
        grid,
        population,
        covered,
        region,
        k=K,
        cell_m=CELL_M,
    )


def _block_cells(grid: Grid, block: tuple[int, int]) -> np.ndarray:
    br, bc = block
    rows, cols = np.mgrid[br * 10 : br * 10 + 10, bc * 10 : bc * 10 + 10]
    return np.sort((rows * grid.width + cols).ravel())


# --- reading ---------------------------------------------------------------------------

PERSONAL = [
    "Budi Santoso",
    "+6281234567890",
    "3201010101010001",
    "budi.s@example.com",
    "rumah saya dekat masjid",
    "Siti Aminah",
    "081398765432",
    "3201010101010002",
    "siti@example.co.id",
]


def _write(tmp_path: Path, text: str, name: str = "reports.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reader_drops_every_personal_field(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    path = _write(
        tmp_path,
        "name,phone,nik,email,comment,lat,lon,time,status\n"
        "Budi Santoso,+6281234567890,3201010101010001,budi.s@example.com,"
        "rumah saya dekat masjid,-2.51,140.71,2024-03-01T10:00:00+09:00,no signal\n"
        'Siti Aminah,081398765432,3201010101010002,siti@example.co.id,"ada, tapi lemah",'
        "-2.52,140.72,2024-03-02 08:30,OK\n",
    )
    with caplog.at_level(logging.INFO, logger="netplan.io.vectors"):
        df = read_signal_reports(path)

    assert list(df.columns) == ["lon", "lat", "time", "signal_dbm", "no_signal"]
    assert str(df["time"].dtype) == "datetime64[ns, UTC]"
    assert df["no_signal"].tolist() == [True, False]
    assert df["lon"].tolist() == [140.71, 140.72]
    assert df["time"].iat[0] == pd.Timestamp("2024-03-01T01:00:00Z")
    assert df["signal_dbm"].isna().all()
    dump = df.to_csv() + caplog.text
    for value in [*PERSONAL, "lemah"]:
        assert value not in dump
    # the log names the dropped columns, never their values
    assert "dropped 5 other columns (name, phone, nik, email, comment)" in caplog.text


def test_reader_without_status_or_signal_treats_rows_as_complaints(tmp_path: Path):
    df = read_signal_reports(_write(tmp_path, "longitude,latitude\n140.7,-2.5\n140.8,-2.6\n"))
    assert df["no_signal"].tolist() == [True, True]
    assert df["time"].isna().all()


def test_measured_signal_uses_the_threshold(tmp_path: Path):
    path = _write(tmp_path, "lon,lat,rsrp\n140.7,-2.5,-115\n140.7,-2.5,-90\n")
    df = read_signal_reports(path)
    assert df["no_signal"].tolist() == [False, False]  # threshold applied later
    assert df["signal_dbm"].tolist() == [-115.0, -90.0]
    assert is_dark(df, -110.0).tolist() == [True, False]


def test_status_wins_and_weak_counts_dark(tmp_path: Path):
    path = _write(
        tmp_path,
        "lon,lat,signal_dbm,kondisi\n"
        "140.7,-2.5,,tidak ada sinyal\n"
        "140.7,-2.5,-80,weak\n"
        "140.7,-2.5,-95,\n"
        "140.7,-2.5,,ada\n",
    )
    assert is_dark(read_signal_reports(path), -110.0).tolist() == [True, True, False, False]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lon,lat,time\n140.7,-2.5,2024-03-01\n140.7,-2.5,kemarin sore\n", "line 3"),
        ("lon,lat,status\n140.7,-2.5,no signal\n140.7,-2.5,maybe\n", "no_signal"),
        ("lon;lat;status\n140.7;-2.5;no signal\n", "comma"),
        ("lon,lat,dbm\n140.7,-2.5,strong\n", "line 2"),
        ("lon,lat\n140.7,abc\n", "line(s) 2"),
        ("name,status\nBudi,no signal\n", "longitude and latitude"),
    ],
    ids=["time", "status", "semicolon", "dbm", "coordinate", "no-coordinates"],
)
def test_bad_input_names_the_file(tmp_path: Path, text: str, message: str):
    path = _write(tmp_path, text, "laporan_warga.csv")
    with pytest.raises(InputError) as err:
        read_signal_reports(path)
    assert "laporan_warga.csv" in str(err.value)
    assert message in str(err.value)
    assert "Budi" not in str(err.value)


def test_bad_time_says_the_expected_form(tmp_path: Path):
    path = _write(tmp_path, "lon,lat,tanggal\n140.7,-2.5,kemarin sore\n")
    with pytest.raises(InputError, match="ISO 8601"):
        read_signal_reports(path)


# --- evidence --------------------------------------------------------------------------


def test_blocks_below_k_are_withheld_everywhere(grid: Grid):
    population, covered, region = _layers(grid)
    ev = _evidence(grid, [((0, 0), 4, True), ((2, 3), 6, True)], population, covered, region)

    assert len(ev.blocks) == 1
    row = ev.blocks.iloc[0]
    assert (row["id"], row["reports"], row["dark"]) == ("R0001", 6, 6)
    assert row["status"] == "confirmed_blank"
    assert ev.summary["reports_read"] == 10
    assert ev.summary["reports_in_published_blocks"] == 6
    assert ev.summary["dark_reports_in_published_blocks"] == 6
    assert ev.summary["blocks_published"] == 1
    assert ev.summary["min_reports"] == K
    # the withheld block leaks nothing through the demand weights either
    assert np.array_equal(ev.dark_cells, _block_cells(grid, (2, 3)))


def test_published_geometry_is_the_block_square_not_a_report(grid: Grid):
    population, covered, region = _layers(grid)
    ev = _evidence(grid, [((1, 2), 7, True), ((4, 4), 5, False)], population, covered, region)

    assert ev.blocks.crs == grid.crs
    assert set(ev.blocks.columns) == {
        "id",
        "reports",
        "dark",
        "dark_share",
        "population",
        "covered_share",
        "status",
        "geometry",
    }
    assert ev.blocks["id"].tolist() == ["R0001", "R0002"]  # block order
    assert np.allclose(ev.blocks.geometry.area, CELL_M**2)
    expected = shapely.box(2000, 3000, 3000, 4000)  # block (1, 2): top edge y = 5000 - 1000
    assert ev.blocks.geometry.iloc[0].equals(expected)
    vertices = {
        (round(vx, 6), round(vy, 6))
        for geom in ev.blocks.geometry
        for vx, vy in shapely.get_coordinates(geom)
    }
    for block, n in (((1, 2), 7), ((4, 4), 5)):
        x, y = _points(grid, block, n)
        assert not vertices & {(round(a, 6), round(b, 6)) for a, b in zip(x, y, strict=True)}


def test_dark_reports_over_modelled_coverage_are_disputed(grid: Grid):
    population, covered, region = _layers(grid)
    disputed = _block_cells(grid, (0, 1))
    rows, cols = np.divmod(disputed, grid.width)
    covered[rows, cols] = True
    population[rows[:20], cols[:20]] = 0.0  # empty cells are never "people wrongly covered"
    agrees = _block_cells(grid, (3, 3))
    covered.ravel()[agrees] = True

    ev = _evidence(
        grid,
        [((0, 1), 5, True), ((2, 2), 6, True), ((3, 3), 5, False)],
        population,
        covered,
        region,
    )
    status = dict(zip(ev.blocks["id"], ev.blocks["status"], strict=True))
    assert status == {"R0001": "disputed", "R0002": "confirmed_blank", "R0003": "agrees_covered"}
    assert np.array_equal(ev.disputed_cells, np.sort(disputed[20:]))
    assert np.array_equal(
        ev.dark_cells, np.sort(np.concatenate([disputed, _block_cells(grid, (2, 2))]))
    )
    assert ev.summary["disputed_blocks"] == 1
    assert ev.summary["confirmed_blank_blocks"] == 1
    assert ev.summary["people_in_disputed_blocks"] == pytest.approx(800.0)
    assert ev.blocks["covered_share"].tolist() == [1.0, 0.0, 1.0]


def test_mixed_reports_are_not_evidence(grid: Grid):
    population, covered, region = _layers(grid)
    x, y = _points(grid, (1, 1), 6)
    dark = np.array([True, True, False, False, False, False])
    ev = report_evidence(x, y, dark, grid, population, covered, region, k=K, cell_m=CELL_M)
    assert ev.blocks["status"].tolist() == ["mixed"]
    assert ev.blocks["dark_share"].iat[0] == pytest.approx(2 / 6, abs=5e-4)  # rounded
    assert ev.dark_cells.size == 0
    assert ev.disputed_cells.size == 0


def test_reports_outside_the_region_or_grid_do_not_count(grid: Grid):
    population, covered, region = _layers(grid)
    region[:10, :10] = -1  # block (0, 0) is outside the region
    x, y = _points(grid, (0, 0), 6)
    x = np.append(x, [-50.0, 9000.0, np.nan])
    y = np.append(y, [100.0, 100.0, 100.0])
    ev = report_evidence(
        x, y, np.ones(x.size, bool), grid, population, covered, region, k=K, cell_m=CELL_M
    )
    assert len(ev.blocks) == 0
    assert ev.summary["reports_read"] == 9
    assert ev.summary["reports_in_published_blocks"] == 0
    assert ev.dark_cells.size == 0


def test_block_size_rounds_to_whole_cells(grid: Grid):
    population, covered, region = _layers(grid)
    x, y = np.full(5, 120.0), np.full(5, 4880.0)
    ev = report_evidence(
        x, y, np.ones(5, bool), grid, population, covered, region, k=K, cell_m=740.0
    )
    assert ev.summary["block_m"] == 700.0
    assert np.allclose(ev.blocks.geometry.area, 700.0**2)
    assert ev.dark_cells.size == 49
