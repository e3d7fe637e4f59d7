"""The README's "Bring your own data" walk-through works as written.

Each code block of the walk-through follows an HTML comment ``<!-- readme-example: NAME -->``
in README.md. These tests read the blocks from there and run them, as a newcomer would, on
small synthetic "downloads" made in a temporary folder (regencies, an OpenCelliD country
file, rasters, fiber, a BPS table), so the README cannot drift from the code: a renamed key,
a changed summary figure or a broken snippet fails here.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import yaml
from click.testing import CliRunner
from shapely.geometry import LineString, Point, box

from netplan.cli.main import cli
from netplan.config import load_scenario
from netplan.io.vectors import OPENCELLID_COLUMNS, is_opencellid, read_opencellid
from netplan.testing import (
    NORTH,
    SIZE_DEG,
    WEST,
    write_elevation,
    write_population,
    write_scenario,
)

README = Path(__file__).resolve().parents[2] / "README.md"
#: the province whose regencies the README's prepare.py keeps (Kemendagri code)
PROVINCE_CODE = "93"
#: an OpenCelliD cell far outside the region (Jakarta), which prepare.py must drop
FAR_CELL = ["LTE", 510, 10, 1, 25601, 0, 106.8, -6.2, 1000, 3, 1, 1600000000, 1600000000, 0]


def readme_block(name: str) -> str:
    """The fenced code block that follows ``<!-- readme-example: name -->`` in README.md."""
    marker = f"<!-- readme-example: {name} -->"
    text = README.read_text(encoding="utf-8")
    assert text.count(marker) == 1, f"README.md needs exactly one {marker} before its block"
    found = re.match(r"\s*```[a-z]*\n(.*?)\n```", text.split(marker, 1)[1], re.DOTALL)
    assert found is not None, f"README.md: {marker} must be followed by a fenced code block"
    return found.group(1)


def readme_commands() -> list[list[str]]:
    """The walk-through's ``netplan ...`` command lines, split as a shell would."""
    lines = [shlex.split(line) for line in readme_block("commands").splitlines() if line.strip()]
    assert lines and all(args[0] == "netplan" for args in lines), lines
    return lines


def readme_config() -> str:
    """The scenario file the walk-through's commands name with ``-c``."""
    configs = {args[args.index("-c") + 1] for args in readme_commands() if "-c" in args}
    assert len(configs) == 1, f"the README's commands should all use one scenario: {configs}"
    return configs.pop()


def run_python(script: Path) -> subprocess.CompletedProcess[str]:
    """Run a script as a user would (``python script.py`` in its folder); fail with its stderr."""
    done = subprocess.run(
        [sys.executable, script.name],
        cwd=script.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{script.name} failed:\n{done.stderr}"
    return done


# --- synthetic downloads -------------------------------------------------------------------


def tiny_cells(scratch: Path) -> list[list[str]]:
    """The OpenCelliD rows of the tiny test region (one LTE site of three cells)."""
    towers = write_scenario(scratch).parent / "towers.csv"
    with towers.open(newline="") as fh:
        return list(csv.reader(fh))[1:]


def write_country_cells(path: Path, cells: list[list[str]], *, header: bool) -> None:
    """An OpenCelliD country file (``510.csv.gz``), with or without its header line."""
    with gzip.open(path, "wt", newline="") as fh:
        writer = csv.writer(fh)
        if header:
            writer.writerow(OPENCELLID_COLUMNS)
        writer.writerows([*cells, FAR_CELL])


def write_regencies(path: Path) -> None:
    """Two regencies of the province over the tiny region, and one of another province."""
    east, south, mid = WEST + SIZE_DEG, NORTH - SIZE_DEG, WEST + SIZE_DEG / 2
    regencies = gpd.GeoDataFrame(
        {
            "kode": [f"{PROVINCE_CODE}.01", f"{PROVINCE_CODE}.02", "94.01"],
            "nama": ["Kabupaten Barat", "Kabupaten Timur", "Kabupaten Lain"],
            "kode_prov": [PROVINCE_CODE, PROVINCE_CODE, "94"],
        },
        geometry=[
            box(WEST, south, mid, NORTH),
            box(mid, south, east, NORTH),
            box(WEST - 1.0, south, WEST - 0.5, NORTH),
        ],
        crs="EPSG:4326",
    )
    regencies.to_file(path)


def write_fiber(path: Path) -> None:
    line = LineString([(WEST, NORTH - 0.005), (WEST + SIZE_DEG, NORTH - 0.005)])
    gpd.GeoDataFrame({"name": ["backbone"]}, geometry=[line], crs="EPSG:4326").to_file(path)


def write_points_of_presence(path: Path) -> None:
    point = Point(WEST + 0.005, NORTH - 0.005)
    gpd.GeoDataFrame({"id": ["POP-1"]}, geometry=[point], crs="EPSG:4326").to_file(path)


def write_household_access(path: Path) -> None:
    """The README's own sample of the BPS table."""
    path.write_text(readme_block("household-access") + "\n", encoding="utf-8")


#: stand-ins for the layers the README's scenario names (those prepare.py does not write):
#: a new layer in the README needs its writer here
LAYER_WRITERS: dict[str, Callable[[Path], Any]] = {
    "population": write_population,
    "elevation": write_elevation,
    "fiber": write_fiber,
    "fiber_nodes": write_points_of_presence,
    "household_access": write_household_access,
}


def prepared_folder(root: Path, *, header: bool) -> Path:
    """The walk-through up to its scenario: folders, downloads, ``python prepare.py``."""
    subprocess.run(["bash", "-c", readme_block("folders")], cwd=root, check=True)
    folder = root / re.findall(r"\bcd (\S+)", readme_block("folders"))[-1]
    write_regencies(folder / "downloads" / "kabupaten.geojson")
    cells = tiny_cells(root / "scratch")
    write_country_cells(folder / "downloads" / "510.csv.gz", cells, header=header)
    (folder / "prepare.py").write_text(readme_block("prepare"), encoding="utf-8")
    run_python(folder / "prepare.py")
    return folder


@pytest.fixture
def walkthrough(tmp_path: Path) -> Path:
    """A folder laid out as the README says, with every input its scenario names."""
    folder = prepared_folder(tmp_path, header=False)
    text = readme_block("scenario")
    config = folder / readme_config()
    for key, name in yaml.safe_load(text)["layers"].items():
        if name is None or (config.parent / name).exists():
            continue
        assert key in LAYER_WRITERS, f"README's scenario names layers.{key}: add a writer here"
        LAYER_WRITERS[key]((config.parent / name).resolve())
    config.write_text(text, encoding="utf-8")
    return folder


# --- the tests ---------------------------------------------------------------------------------


def test_prepare_keeps_the_provinces_regencies_and_their_cells(tmp_path: Path) -> None:
    # a download with its header line (the walk-through below runs one without)
    folder = prepared_folder(tmp_path, header=True)
    regencies = gpd.read_file(folder / "data" / "regencies.geojson")
    assert sorted(regencies["nama"]) == ["Kabupaten Barat", "Kabupaten Timur"]
    cells_path = folder / "data" / "opencellid.csv"
    assert is_opencellid(cells_path), cells_path.read_text()[:200]
    cells = read_opencellid(cells_path)
    assert len(cells) == len(tiny_cells(tmp_path / "again"))  # the region's cells, not Jakarta
    assert cells.geometry.x.between(WEST, WEST + SIZE_DEG).all()


def test_the_walkthroughs_scenario_and_commands_run(
    walkthrough: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = walkthrough / readme_config()
    scenario = load_scenario(config)
    for key, path in scenario.input_paths().items():
        assert path.is_file(), f"{key}: {path}"
    assert scenario.layers.towers == walkthrough / "data" / "opencellid.csv"
    monkeypatch.chdir(walkthrough)
    run_folders = []
    for args in readme_commands():
        result = CliRunner().invoke(cli, args[1:])
        assert result.exit_code == 0, f"{shlex.join(args)}:\n{result.output}"
        if args[1] == "validate":
            assert "no problems found" in result.output
            assert "existing sites: 1" in result.output  # the cells prepare.py kept
            assert "in 2 regions" in result.output  # the province's regencies only
            assert "used its parent PAPUA" in result.output  # as the README says it will
        elif "--out" in args:
            run_folders.append(walkthrough / args[args.index("--out") + 1])
        else:
            run_folders.append(scenario.output_dir())
    for folder in run_folders:
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["scenario"] == scenario.name
        assert summary["population_total"] > 0


def test_python_api_example_prints_the_plans_figures(tiny: Path, tmp_path: Path) -> None:
    code = readme_block("python-api")
    config = readme_config()
    assert f'"{config}"' in code, f"the Python example should load {config}, as the commands do"
    work = tmp_path / "api"
    work.mkdir()
    script = work / "example.py"
    script.write_text(code.replace(f'"{config}"', repr(str(tiny))), encoding="utf-8")
    printed = run_python(script).stdout
    (summary_path,) = work.glob("outputs/*/summary.json")
    s = json.loads(summary_path.read_text())
    assert s["budget"] == 5e10  # the example's override, not the scenario's budget
    assert summary_path.parent.name in printed  # where the plan went
    expected = [
        f"{s['coverage_before_pct']:.1f}%",
        f"{s['coverage_after_pct']:.1f}%",
        f"{s['population_newly_covered']:,.0f} people",
        f"{s['new_towers']} new towers",
        f"{s['total_cost']:,.0f}",
        s["solver"]["status"],
        *(region["name"] for region in s["regions"]),
    ]
    missing = [text for text in expected if text not in printed]
    assert not missing, f"not printed: {missing}\n{printed}"
    assert s["population_newly_covered"] > 0
