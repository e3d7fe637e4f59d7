"""Nothing injected into what people open: every HTML page shows text from inputs and the
config as text, every CSV cell that a spreadsheet would run as a formula is neutralised, the
map's review.csv template reads back exactly, and reviewer decisions that cannot be planned
are refused with their line (exit 2)."""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from netplan.cli.main import cli
from netplan.testing import pixel_lonlat, write_scenario

SCRIPT = "<script>alert(1)</script>"
#: the scenario's currency: markup, and a template expression the page builder must not run
CURRENCY = SCRIPT + "{{ 7*7 }}"
SHOWN_CURRENCY = "&lt;script&gt;alert(1)&lt;/script&gt;&#123;&#123; 7*7 &#125;&#125;"
FORMULA = '=HYPERLINK("http://x","y")'
#: candidate sites: the id each one gets, and its pixel (row, col) on the tiny region
CANDIDATES = {
    "A&B": (30, 43),
    "<C>": (30, 47),
    "D,E": (50, 15),
    'F"G': (52, 18),
    "@SUM(1+1)": (10, 10),
}
REGION_NAMES = ("-2+3 West", "=1+1 East </script><b>")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["-q", *args])


def _write_csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _hostile_scenario(folder: Path) -> Path:
    """The tiny scenario with ids, region names and a currency that look like markup or
    formulas, and a household-access table (for access_calibration.csv)."""
    folder.mkdir(parents=True)
    features = [
        {
            "type": "Feature",
            "properties": {"id": site},
            "geometry": {"type": "Point", "coordinates": list(pixel_lonlat(*rc))},
        }
        for site, rc in CANDIDATES.items()
    ]
    (folder / "cands.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    _write_csv(
        folder / "access.csv",
        [
            ["region", "code", "pct_urban", "pct_rural", "pct_total", "year"],
            [REGION_NAMES[0], "01", 95.0, 90.0, 92.0, 2022],
            [REGION_NAMES[1], "02", 50.0, 10.0, 20.0, 2022],
        ],
    )
    config = write_scenario(
        folder,
        config={
            "currency": CURRENCY,
            "layers": {"candidates": "cands.geojson", "household_access": "access.csv"},
            "technologies": {"macro_4g": {"radius_m": 500}},
            "objective": {"budget": 2.0e10},
        },
    )
    regions = json.loads((folder / "regions.geojson").read_text())
    for feature, name in zip(regions["features"], REGION_NAMES, strict=True):
        feature["properties"]["name"] = name
    (folder / "regions.geojson").write_text(json.dumps(regions))
    return config


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A plan with a reviewer's added site ``=HYPERLINK(...)`` and a budget sweep, both of
    the hostile scenario."""
    root = tmp_path_factory.mktemp("hostile")
    config = _hostile_scenario(root / "s")
    lon, lat = pixel_lonlat(40, 30)
    decisions = _write_csv(
        root / "review.csv",
        [["id", "decision", "lon", "lat"], [FORMULA, "add", lon, lat], ["A&B", "accept", "", ""]],
    )
    run = root / "run"
    result = _invoke("plan", "-c", str(config), "--decisions", str(decisions), "--out", str(run))
    assert result.exit_code == 0, result.output
    sweep = root / "sweep"
    result = _invoke("scenarios", "-c", str(config), "--budgets", "3e9,2e10", "--out", str(sweep))
    assert result.exit_code == 0, result.output
    return {"config": config, "run": run, "sweep": sweep, "root": root}


def _plan_ids(run: Path) -> list[str]:
    features = json.loads((run / "plan.geojson").read_text())["features"]
    return [f["properties"]["id"] for f in features]


def csv_cells(path: Path) -> list[str]:
    """Every cell of a CSV file, as a spreadsheet reads them."""
    with path.open(newline="", encoding="utf-8") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def live_formulas(cells: list[str]) -> list[str]:
    """Cells a spreadsheet would run: a formula-like start that is not just a number."""
    return [c for c in cells if c.startswith(FORMULA_STARTS) and not _is_number(c)]


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def review_template(map_html: str) -> str:
    """The CSV behind the map's review.csv download link."""
    found = re.search(r'href="data:text/csv;charset=utf-8,([^"]*)"', map_html)
    assert found, "no review.csv template in the map"
    return urllib.parse.unquote(found.group(1))


# --- CSV: nothing a spreadsheet would run --------------------------------------------


@pytest.mark.parametrize(
    ("folder", "name", "neutralised"),
    [
        ("run", "sites.csv", ["'" + FORMULA, "'@SUM(1+1)", "'-2+3 West"]),
        ("run", "access_calibration.csv", ["'-2+3 West", "'=1+1 East"]),
        ("run", "budget_curve.csv", []),
        ("sweep", "scenarios.csv", []),
    ],
)
def test_no_csv_cell_is_a_live_formula(
    hostile: dict[str, Path], folder: str, name: str, neutralised: list[str]
) -> None:
    cells = csv_cells(hostile[folder] / name)
    assert cells and live_formulas(cells) == []
    for text in neutralised:  # the hostile values are there, as text
        assert any(cell.startswith(text) for cell in cells), text


def test_negative_numbers_stay_numbers(hostile: dict[str, Path]) -> None:
    with (hostile["run"] / "sites.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(float(r["lat"]) < 0 for r in rows)  # south of the equator, unquoted


def test_every_csv_in_the_run_folder_is_formula_safe(hostile: dict[str, Path]) -> None:
    names = sorted(p.name for p in hostile["run"].glob("*.csv"))
    assert names == ["access_calibration.csv", "budget_curve.csv", "sites.csv"]
    for name in names:
        assert live_formulas(csv_cells(hostile["run"] / name)) == [], name
    template = review_template((hostile["run"] / "map.html").read_text())
    assert live_formulas([c for row in _rows(template) for c in row]) == []


# --- HTML: values from inputs are text, never markup ---------------------------------


@pytest.mark.parametrize(
    ("folder", "page", "raw", "shown"),
    [
        ("sweep", "scenarios.html", [SCRIPT, "{{"], [f"{SHOWN_CURRENCY} "]),
        ("sweep", "scenarios.html", ["<C>"], ["&lt;C&gt;"]),
        ("run", "map.html", [SCRIPT, "{{", "<b>49"], [f"Total cost: <b>{SHOWN_CURRENCY} "]),
        ("run", "map.html", ["<C>", 'F"G', "</script><b>"], ["&lt;C&gt;", "F&#34;G"]),
    ],
)
def test_html_shows_input_text_as_text(
    hostile: dict[str, Path], folder: str, page: str, raw: list[str], shown: list[str]
) -> None:
    html = (hostile[folder] / page).read_text(encoding="utf-8")
    for text in raw:
        assert text not in html, text
    for text in shown:
        assert text in html, text


# --- the review template round-trips -------------------------------------------------


def test_review_template_holds_the_plan_ids_as_raw_csv(hostile: dict[str, Path]) -> None:
    template = review_template((hostile["run"] / "map.html").read_text(encoding="utf-8"))
    rows = list(csv.DictReader(io.StringIO(template, newline="")))
    assert list(rows[0]) == ["id", "decision", "lon", "lat", "technology"]
    ids = [r["id"] for r in rows]
    plan = _plan_ids(hostile["run"])
    assert ids == ["'" + i if i.startswith(FORMULA_STARTS) else i for i in plan]
    assert {"A&B", "<C>", "D,E", 'F"G', "'" + FORMULA} <= set(ids)
    assert all(r["decision"] == "" for r in rows)


def _filled_template(hostile: dict[str, Path], path: Path) -> Path:
    """The downloaded template with two decisions filled in, the rest left blank."""
    template = review_template((hostile["run"] / "map.html").read_text(encoding="utf-8"))
    rows = _rows(template)
    for row in rows[1:]:
        row[1] = {"<C>": "reject", "D,E": "accept", "'@SUM(1+1)": "accept"}.get(row[0], "")
    return _write_csv(path, rows)


def _only_id_and_decision(hostile: dict[str, Path], path: Path) -> Path:
    return _write_csv(path, [["id", "decision"], ["<C>", "reject"], ["D,E", "accept"], ["A&B", ""]])


@pytest.mark.parametrize(
    ("write", "accepted"),
    [(_filled_template, ["D,E", "@SUM(1+1)"]), (_only_id_and_decision, ["D,E"])],
    ids=["downloaded", "two-columns"],
)
def test_review_files_are_read_back(
    hostile: dict[str, Path], write: Any, accepted: list[str], tmp_path: Path
) -> None:
    review = write(hostile, tmp_path / "review.csv")
    out = tmp_path / "out"
    result = _invoke(
        "plan", "-c", str(hostile["config"]), "--decisions", str(review), "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    ids = _plan_ids(out)
    assert "<C>" not in ids and set(accepted) <= set(ids)
    assert json.loads((out / "manifest.json").read_text())["decisions"]


# --- decisions that cannot be planned ------------------------------------------------

ROW = ["NEW1", "add"]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([[*ROW, 100.0, 0.0]], ["line 2", "NEW1", "outside the region", "lon 100"]),
        ([[*ROW, 139.07, -4.03]], ["line 2", "outside the region", "139.0"]),
        ([[*ROW, "inf", -4.03]], ["line 2", "lon 'inf'", "-180..180"]),
        ([[*ROW, 139.03, "nan"]], ["line 2", "lat 'nan'", "-90..90"]),
        ([[*ROW, 200, -4.03]], ["line 2", "lon '200'", "-180..180"]),
        ([[*ROW, 139.03, -95]], ["line 2", "lat '-95'", "-90..90"]),
        ([["NA", "add", 139.03, -4.03]], ["line 2", "'NA'", "missing value"]),
        ([["null", "accept", "", ""]], ["line 2", "'null'", "missing value"]),
        ([["<C>", "reject", "", ""], ["None", "reject", "", ""]], ["line 3", "'None'"]),
        ([["", "accept", "", ""]], ["line 2", "id is empty"]),
        ([["<C>", "reject", "", ""], ["<C>", "accept", "", ""]], ["line 3", "line 2"]),
        ([["<C>", "maybe", "", ""]], ["line 2", "'maybe'", "accept, reject, add"]),
        ([["<C>", "reject", "", "", "x", "y"]], ["line 2", "6 values", "4 columns"]),
    ],
    ids=[
        "outside-region",
        "just-east-of-region",
        "infinite-lon",
        "nan-lat",
        "lon-out-of-range",
        "lat-out-of-range",
        "id-NA",
        "id-null",
        "id-None",
        "id-empty",
        "duplicate",
        "unknown-decision",
        "too-many-values",
    ],
)
def test_unplannable_decisions_exit_2_naming_the_line(
    hostile: dict[str, Path], tmp_path: Path, lines: list[list[Any]], expected: list[str]
) -> None:
    review = _write_csv(tmp_path / "review.csv", [["id", "decision", "lon", "lat"], *lines])
    message = _refused_decisions(hostile["config"], review, tmp_path / "o")
    assert str(review) in message
    for text in expected:
        assert text in message, (text, message)


def _refused_decisions(config: Path, review: Path, out: Path) -> str:
    """Plan with ``review`` as the decisions; it must exit 2 with one line and write nothing.
    Returns that line."""
    result = _invoke("plan", "-c", str(config), "--decisions", str(review), "--out", str(out))
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message, message
    assert not out.exists()
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('id,decision\n"<C>,reject\nD,accept\n', ["line 2", "quote"]),
        ('id,decision\n"<C>"x,reject\n', ["line 2", "quote"]),
    ],
    ids=["unbalanced-quote", "text-after-quote"],
)
def test_malformed_review_csv_gives_one_line(
    hostile: dict[str, Path], tmp_path: Path, text: str, expected: list[str]
) -> None:
    review = tmp_path / "review.csv"
    review.write_text(text, encoding="utf-8")
    message = _refused_decisions(hostile["config"], review, tmp_path / "o")
    assert "tokeniz" not in message.lower()
    for text_ in expected:
        assert text_ in message, (text_, message)
