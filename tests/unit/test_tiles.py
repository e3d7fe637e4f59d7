"""Tiles of a national scenario: their projection keeps distances true, the grouping and
halo follow the config, and cutting the grid never changes the ground or the routes."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pyproj import CRS, Geod
from rasterio.transform import from_origin

from netplan.backhaul.fiber_routes import CostSurface, _graph, routes_between
from netplan.config import load_scenario
from netplan.errors import InputError
from netplan.grid import Grid, make_grid
from netplan.io.rasters import read_elevation
from netplan.layers import grid_crs, read_boundaries
from netplan.testing import write_scenario
from netplan.tiles import halo_m, make_tiles, scale_error, tile_crs, utm_zone


def _boxes(*boxes: tuple[float, float, float, float], **fields: list[str]) -> gpd.GeoDataFrame:
    names = fields.pop("name", [f"R{i}" for i in range(len(boxes))])
    return gpd.GeoDataFrame(
        {"name": names, **fields}, geometry=[shapely.box(*b) for b in boxes], crs="EPSG:4326"
    )


def test_a_tile_wider_than_its_zone_gets_a_centred_projection_within_0_1_percent() -> None:
    wide = _boxes((134.0, -9.0, 141.0, -1.0))  # old Papua province: 7° of longitude
    crs, error = tile_crs(wide)
    assert error <= 0.001
    utm = CRS.from_user_input(wide.estimate_utm_crs())
    assert scale_error(utm, wide) > 0.001  # its own UTM zone would not do
    # the error is real: 10 km east-west measured in the tile's projection vs the ellipsoid
    pts = gpd.GeoSeries(gpd.points_from_xy([134.2, 134.2], [-5.0, -5.0]), crs="EPSG:4326")
    x, y = pts.to_crs(crs).x.to_numpy(), pts.to_crs(crs).y.to_numpy()
    east = gpd.GeoSeries(gpd.points_from_xy([x[0] + 10_000], [y[0]]), crs=crs).to_crs("EPSG:4326")
    _, _, ground = Geod(ellps="WGS84").inv(134.2, -5.0, east.x.iat[0], east.y.iat[0])
    assert abs(ground / 10_000 - 1) <= 0.001


def test_a_narrow_tile_keeps_its_utm_zone() -> None:
    crs, error = tile_crs(_boxes((138.5, -4.6, 139.4, -3.6)))
    assert crs.to_epsg() == 32754 and error <= 0.001


def test_crs_auto_warns_over_a_country_wide_region(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scenario = load_scenario(write_scenario(tmp_path))
    with caplog.at_level(logging.WARNING):
        grid_crs(scenario, _boxes((95.0, -11.0, 141.0, 6.0)))
    assert "region.tiles" in caplog.text and "distorts distances" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        grid_crs(scenario, _boxes((138.5, -4.6, 139.4, -3.6)))
    assert "distorts" not in caplog.text


def test_tiles_by_field_and_by_islands(tmp_path: Path) -> None:
    config = write_scenario(tmp_path, config={"region": {"tiles": {"by": "islands"}}})
    scenario = load_scenario(config)
    # two touching regions form one island, a third far away another
    islands = _boxes(
        (130.0, -3.0, 130.5, -2.5),
        (130.5, -3.0, 131.0, -2.5),
        (135.0, -3.0, 135.5, -2.5),
        name=["A", "B", "C"],
    )
    tiles = make_tiles(scenario, islands)
    assert [t.regions.tolist() for t in tiles] == [[0, 1], [2]]
    assert [t.name for t in tiles] == ["A and 1 more", "C island"]
    assert tiles[0].halo_m == halo_m(scenario) == 40_000  # the microwave hop
    by_field = load_scenario(config, overrides={"region.tiles.by": "prov"})
    tiles = make_tiles(by_field, islands.assign(tile=["91", "91", "92"]))
    assert [(t.name, t.regions.tolist()) for t in tiles] == [("91", [0, 1]), ("92", [2])]


def test_a_missing_tile_field_is_refused_by_name(tmp_path: Path) -> None:
    config = write_scenario(tmp_path, config={"region": {"tiles": {"by": "kode_prov"}}})
    with pytest.raises(InputError, match="kode_prov"):
        read_boundaries(load_scenario(config))


def test_tiles_whose_folders_would_clash_are_refused(tmp_path: Path) -> None:
    scenario = load_scenario(write_scenario(tmp_path, config={"region": {"tiles": {"by": "prov"}}}))
    regions = _boxes((130.0, -3.0, 130.5, -2.5), (135.0, -3.0, 135.5, -2.5))
    with pytest.raises(InputError, match="share one output folder"):
        make_tiles(scenario, regions.assign(tile=["Papua Barat", "papua-barat"]))


def test_elevation_on_a_larger_grid_is_the_same_ground(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    dem = (rng.random((200, 300)) * 2000).astype(np.float32)
    path = tmp_path / "dem.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=300,
        height=200,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(139.0, -4.0, 0.00083333, 0.00083333),
    ) as dst:
        dst.write(dem, 1)
    crs = CRS.from_epsg(32754)
    small = make_grid((290_000, 9_545_000, 296_000, 9_551_000), crs=crs, resolution=100)
    big = make_grid((282_000, 9_542_000, 302_000, 9_555_000), crs=crs, resolution=100)
    a, b = read_elevation(path, small), read_elevation(path, big)
    r0 = round((big.y0 - small.y0) / 100)
    c0 = round((small.x0 - big.x0) / 100)
    overlap = b[r0 : r0 + small.height, c0 : c0 + small.width]
    assert np.isfinite(a).all()
    np.testing.assert_array_equal(overlap, a)


def _surface(mult: np.ndarray) -> CostSurface:
    grid = Grid(CRS.from_epsg(32754), 0.0, 100_000.0, 500.0, mult.shape[1], mult.shape[0])
    terrain = np.zeros(mult.shape, dtype=np.int64)
    return CostSurface(grid, mult, terrain, _graph(mult, 0.5, 1.0, 0.1), 1.0, 0.1)


def test_windowed_routes_are_the_routes_of_the_whole_grid() -> None:
    from scipy.sparse.csgraph import dijkstra

    rng = np.random.default_rng(7)
    mult = rng.choice([1.0, 1.6, 2.5], size=(160, 220))
    mult[rng.random(mult.shape) < 0.08] = np.inf  # lakes and cliffs
    surface = _surface(mult)
    xs = rng.uniform(1_000, 109_000, 60)
    ys = rng.uniform(21_000, 99_000, 60)
    points = list(zip(xs.tolist(), ys.tolist(), strict=True))
    routes = routes_between(surface, points, max_km=12.0, neighbours=3)
    assert routes  # the windows found routes
    nodes = surface.node(xs, ys)
    whole = dijkstra(surface.graph, directed=False, indices=nodes)
    for (i, j), route in routes.items():
        # each windowed route costs what the cheapest path over the whole grid costs
        ends = route.cost - whole[i, nodes[j]]
        assert ends >= -1e-6 * route.cost
        assert route.length_km <= 12.0
    # and no pair within reach on the whole grid is missed for lack of a window
    near = [
        (i, j)
        for i in range(60)
        for j in range(i + 1, 60)
        if np.hypot(xs[i] - xs[j], ys[i] - ys[j]) < 3_000 and np.isfinite(whole[i, nodes[j]])
    ]
    assert all((i, j) in routes for i, j in near)


def test_a_province_of_far_apart_islands_is_cut_so_no_grid_spans_the_sea(tmp_path: Path) -> None:
    scenario = load_scenario(write_scenario(tmp_path, config={"region": {"tiles": {"by": "prov"}}}))
    # province 91: two islands 300 km apart (one grid would be mostly sea); 92: one island
    regions = _boxes(
        (130.0, -3.0, 130.3, -2.7), (132.7, -3.0, 133.0, -2.7), (135.0, -3.0, 135.3, -2.7)
    ).assign(tile=["91", "91", "92"])
    tiles = make_tiles(scenario, regions)
    assert [(t.name, t.regions.tolist()) for t in tiles] == [
        ("91 (part 1 of 2)", [0]),
        ("91 (part 2 of 2)", [1]),
        ("92", [2]),
    ]
    assert tiles[0].slug == "91-part-1-of-2"


def test_a_tile_too_wide_for_one_projection_is_halved(tmp_path: Path) -> None:
    scenario = load_scenario(
        write_scenario(tmp_path, config={"region": {"tiles": {"by": "prov", "halo_m": 0}}})
    )
    # one province of ten touching regencies over 10° of longitude
    regions = _boxes(*[(128.0 + i, -3.0, 129.0 + i, -2.0) for i in range(10)]).assign(
        tile=["99"] * 10
    )
    tiles = make_tiles(scenario, regions)
    assert len(tiles) >= 2 and all(t.scale_error <= 0.001 for t in tiles)
    assert sorted(r for t in tiles for r in t.regions.tolist()) == list(range(10))
    assert tiles[0].name.startswith("99 ")


def test_a_tile_reads_only_the_features_near_it(tmp_path: Path) -> None:
    from netplan.io.vectors import read_vector

    points = gpd.GeoDataFrame(
        {"id": ["near", "far"]},
        geometry=gpd.points_from_xy([139.1, 135.0], [-4.05, -2.0]),
        crs="EPSG:4326",
    )
    path = tmp_path / "pois.geojson"
    points.to_file(path)
    box = gpd.GeoSeries([shapely.box(280_000, 9_540_000, 300_000, 9_560_000)], crs="EPSG:32754")
    assert read_vector(path, "pois", within=box)["id"].tolist() == ["near"]
    empty = gpd.GeoSeries([shapely.box(500_000, 9_000_000, 510_000, 9_010_000)], crs="EPSG:32754")
    assert read_vector(path, "pois", within=empty).empty  # nothing here: no error on a tile
    with pytest.raises(InputError, match="no features"):
        read_vector(_empty_layer(tmp_path), "pois")


def _empty_layer(folder: Path) -> Path:
    path = folder / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    return path


def test_a_nodata_pixel_does_not_blank_its_neighbours(tmp_path: Path) -> None:
    dem = np.full((40, 40), 500.0, dtype=np.float32)
    dem[20, 20] = -32768.0  # one pixel without data
    path = tmp_path / "dem.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=40,
        height=40,
        count=1,
        dtype="float32",
        crs="EPSG:32754",
        transform=from_origin(290_000, 9_550_000, 100, 100),
        nodata=-32768.0,
    ) as dst:
        dst.write(dem, 1)
    grid = Grid(CRS.from_epsg(32754), 290_000, 9_550_000, 100.0, 40, 40)
    heights = read_elevation(path, grid)
    assert np.isnan(heights[20, 20])  # its own cell has no ground
    assert heights[20, 21] == 500.0 and heights[19, 20] == 500.0  # the neighbours keep theirs
    assert np.isfinite(heights).sum() == 40 * 40 - 1


@settings(max_examples=200, deadline=None)
@given(
    west=st.floats(-179.0, 170.0),
    south=st.floats(-79.0, 75.0),
    width=st.floats(0.01, 8.0),
    height=st.floats(0.01, 8.0),
)
@example(west=4.0, south=-1.0, width=4.0, height=2.0)  # on zones' edges: west, north
def test_a_tiles_utm_zone_is_the_one_geopandas_estimates(
    west: float, south: float, width: float, height: float
) -> None:
    frame = _boxes((west, south, west + width, south + height))
    assert utm_zone(frame) == CRS.from_user_input(frame.estimate_utm_crs())


def test_a_tile_reads_a_changed_layer_anew(tmp_path: Path) -> None:
    """A national run keeps each layer it parsed; a file changed since is read again."""
    from netplan.io.vectors import read_vector

    path = tmp_path / "pois.geojson"
    box = gpd.GeoSeries([shapely.box(280_000, 9_540_000, 300_000, 9_560_000)], crs="EPSG:32754")
    for ids in (["a", "b", "c"], ["later", "c"]):
        gpd.GeoDataFrame(
            {"id": ids},
            geometry=gpd.points_from_xy(np.linspace(139.05, 139.15, len(ids)), [-4.05] * len(ids)),
            crs="EPSG:4326",
        ).to_file(path)
        assert read_vector(path, "pois", within=box)["id"].tolist() == ids  # in file order


def test_heights_are_bilinear_over_the_pixels_that_have_data() -> None:
    """The compiled sampler against the same interpolation written with scipy: values and
    data weights interpolated at each point (edge pixels beyond the edge), then divided."""
    from scipy.ndimage import map_coordinates

    from netplan.io.rasters import _bilinear

    rng = np.random.default_rng(7)
    for shape in ((1, 1), (1, 5), (6, 1), (30, 40)):
        values = rng.integers(-50, 3000, size=shape).astype(np.int16)
        has_data = rng.random(shape) > 0.3
        rows = rng.uniform(-2, shape[0] + 1, 500)
        cols = rng.uniform(-2, shape[1] + 1, 500)
        ground = np.where(has_data, values, 0).astype(np.float64)
        total = map_coordinates(ground, [rows, cols], order=1, mode="nearest")
        weight = map_coordinates(has_data.astype(np.float64), [rows, cols], order=1, mode="nearest")
        with np.errstate(invalid="ignore", divide="ignore"):
            expected = np.where(weight > 1e-6, total / weight, np.nan).astype(np.float32)
        np.testing.assert_allclose(_bilinear(values, has_data, rows, cols), expected, rtol=1e-6)


@pytest.mark.parametrize("shape", [(7, 9), (321, 517), (640, 33)])
def test_the_routing_surface_is_reduced_in_strips_as_if_whole(shape: tuple[int, int]) -> None:
    """Block means (NaN ignored) and maxima, strip by strip, equal the whole-grid ones."""
    from netplan.backhaul.fiber_routes import _block_reduce

    rng = np.random.default_rng(3)
    heights = (rng.random(shape) * 3000).astype(np.float32)
    heights[rng.random(shape) < 0.2] = np.nan
    heights[: shape[0] // 3, : shape[1] // 4] = np.nan  # whole blocks without data
    wet = rng.random(shape) < 0.3
    factor = 5
    h, w = -(-shape[0] // factor), -(-shape[1] // factor)
    for values, reduce in ((heights, "mean"), (wet, "max"), (wet, "mean")):
        padded = np.full((h * factor, w * factor), np.nan)
        padded[: shape[0], : shape[1]] = values
        blocks = padded.reshape(h, factor, w, factor)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN blocks: NaN
            whole = (np.nanmax if reduce == "max" else np.nanmean)(blocks, axis=(1, 3))
        strips = _block_reduce(values, factor, (h, w), reduce)
        np.testing.assert_array_equal(strips, whole)


def test_people_per_village_are_summed_as_bincount_sums_them() -> None:
    from netplan.villages import _people_per_village

    rng = np.random.default_rng(5)
    village = rng.integers(-1, 300, size=(200, 300)).astype(np.int32)
    people = (rng.random((200, 300)) * 40).astype(np.float32)
    covered = rng.random((200, 300)) < 0.5
    for mask in (None, covered):
        mine = village.ravel() >= 0
        if mask is not None:
            mine &= mask.ravel()
        expected = np.bincount(
            village.ravel()[mine], weights=people.ravel()[mine].astype(np.float64), minlength=300
        )
        np.testing.assert_array_equal(_people_per_village(village, people, mask, 300), expected)
