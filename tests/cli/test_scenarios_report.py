"""The scenarios report as a ministry gets it: HTML in English and Bahasa Indonesia, the PDF
beside it on A4 landscape, the xlsx of numbers, and nested plans that are rollout phases.

One tiny scenario is built so that the free plans are *not* nested: a cheap small cell on the
far village (site P) is the best plan at IDR 1.5 billion, and a macro tower between the two
dark villages (site Q), which P cannot afford beside it, the best at IDR 3 billion. Its
eastern regency carries a hostile name (a spreadsheet formula and a script tag).
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import re
import shutil
import sys
import unicodedata
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from netplan.cli.main import cli
from netplan.errors import InputError
from netplan.i18n import texts
from netplan.report import scenarios_report
from netplan.report.scenarios_report import (
    read_scenarios,
    write_scenarios_report,
    write_scenarios_xlsx,
)
from netplan.testing import pixel_lonlat, write_scenario

HOSTILE = '=HYPERLINK("http://x.invalid","<b>East</b>")<script>alert(1)</script>'
BUDGETS = (1.5e9, 3e9, 4e9)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: A4 landscape in points
A4_LANDSCAPE = (841.89, 595.28)


def write_two_site_scenario(folder: Path) -> Path:
    """The scenario of this module (see its docstring); returns the YAML path."""
    folder.mkdir(parents=True)
    sites = {"P": (pixel_lonlat(30, 45), "small_4g"), "Q": (pixel_lonlat(40, 30), "macro_4g")}
    _points(
        folder / "candidates.geojson",
        [({"id": k, "technology": tech}, ll) for k, (ll, tech) in sites.items()],
    )
    villages = ((10, 10), (30, 45), (50, 15))
    _points(
        folder / "villages.geojson",
        [
            ({"kode": f"D{i}", "nama": f"Desa {i}"}, pixel_lonlat(*rc))
            for i, rc in enumerate(villages)
        ],
    )
    path = write_scenario(
        folder,
        config={
            "layers": {"candidates": "candidates.geojson", "villages": "villages.geojson"},
            "technologies": {
                "macro_4g": {"radius_m": 2500},
                "small_4g": {"kind": "tower", "radius_m": 600, "capex": 1e8, "opex_per_year": 1e7},
            },
            "backhaul": {"fiber": None, "microwave": None},
        },
    )
    regions = json.loads((folder / "regions.geojson").read_text())
    regions["features"][1]["properties"]["name"] = HOSTILE
    (folder / "regions.geojson").write_text(json.dumps(regions))
    return path


def _points(path: Path, points: list[tuple[dict[str, str], tuple[float, float]]]) -> None:
    features = [
        {
            "type": "Feature",
            "properties": props,
            "geometry": {"type": "Point", "coordinates": list(ll)},
        }
        for props, ll in points
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def _sweep(config: Path, out: Path, *extra: str) -> Path:
    budgets = ",".join(f"{b:g}" for b in BUDGETS)
    args = ["-q", "scenarios", "-c", str(config), "--budgets", budgets, "--out", str(out)]
    result = CliRunner().invoke(cli, [*args, *extra])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_two_site_scenario(tmp_path_factory.mktemp("scenario") / "inputs")


@pytest.fixture(scope="module")
def free(config: Path) -> Path:
    """A sweep without --nested, in English."""
    return _sweep(config, config.parent.parent / "free")


@pytest.fixture(scope="module")
def nested(config: Path) -> Path:
    """A sweep with --nested, in Bahasa Indonesia."""
    return _sweep(config, config.parent.parent / "nested", "--nested", "--lang", "id")


@pytest.fixture(scope="module")
def free_in_indonesian(free: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The free sweep rendered again from its scenarios.json, in Bahasa Indonesia."""
    folder = tmp_path_factory.mktemp("rerendered")
    written = write_scenarios_report(folder, read_scenarios(free), "id")
    assert written == ["scenarios.html", "scenarios.pdf", "scenarios.xlsx"]
    return folder


def _record(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / "scenarios.json").read_text(encoding="utf-8")))


# --- reading the HTML as a browser would -----------------------------------------------------


class _Tables(HTMLParser):
    """Every table of a page by class: header texts and body rows of cell texts (footnote
    marks, in <sup>, left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, list[Any]]] = {}
        self.lang = ""
        self._table: dict[str, list[Any]] | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_head = False
        self._sup = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang") or ""
        elif tag == "table":
            self._table = self.tables.setdefault(a.get("class") or "", {"head": [], "rows": []})
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "sup":
            self._sup += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "sup":
            self._sup -= 1
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self._table["head" if self._in_head else "rows"].append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_head = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._sup:
            self._cell.append(data)


def _page(folder: Path) -> _Tables:
    parser = _Tables()
    parser.feed((folder / "scenarios.html").read_text(encoding="utf-8"))
    return parser


def _expected_summary(record: dict[str, Any], lang: str) -> list[list[str]]:
    """The summary table's rows as the record's figures formatted in ``lang``."""
    t = texts(lang)
    cur = record["currency"]
    rows = []
    for e in record["scenarios"]:
        rows.append(
            [
                t.money(e["budget"], cur),
                t.money(e["total_cost"], cur),
                t.number(e["population_newly_covered"]),
                t.percent(e["coverage_after_pct"]),
                t.number(e["villages_gaining_signal"]),
                t.number(e["new_towers"]),
                t.number(e["new_wifi"]),
                t.money(e["cost_per_new_person"], cur),
                t.money(e["marginal_cost_per_new_person"], cur),
                t.percent(100 * e["solver"]["gap"], 2),
                t.gettext("yes") if e["reproducible"] else t.gettext("no"),
            ]
        )
    return rows


SUMMARY_HEADERS = (
    "Budget",
    "Total cost",
    "People newly covered",
    "Coverage after",
    "Villages gaining signal",
    "New towers",
    "Public WiFi points",
    "Cost per newly covered person",
    "Marginal cost per newly covered person",
    "Certified gap",
    "Reproducible",
)


@pytest.mark.parametrize(
    ("which", "lang"), [("free", "en"), ("free_in_indonesian", "id"), ("nested", "id")]
)
def test_summary_table_shows_the_records_figures(
    request: pytest.FixtureRequest, free: Path, which: str, lang: str
) -> None:
    folder = request.getfixturevalue(which)
    record = _record(free if which == "free_in_indonesian" else folder)
    page = _page(folder)
    assert page.lang == lang
    summary = page.tables["summary"]
    t = texts(lang)
    assert summary["head"] == [[t.gettext(h) for h in SUMMARY_HEADERS]]
    assert summary["rows"] == _expected_summary(record, lang)
    html = (folder / "scenarios.html").read_text(encoding="utf-8")
    assert "None" not in html and "nan" not in html.lower().split()
    if lang == "id":
        assert "Rp 1,5 miliar" in html and "Anggaran" in html and "jiwa" in html
        english = [*SUMMARY_HEADERS, "Summary", "Regencies", "Notes", "What the certified gap"]
        assert not [label for label in english if label in html]
    else:
        assert "IDR 1.5 billion" in html


def test_figures_are_whole_people_and_the_gap_is_explained(free: Path) -> None:
    record = _record(free)
    rows = _page(free).tables["summary"]["rows"]
    people = [r[2] for r in rows]
    assert all(re.fullmatch(r"[\d,]+", p) for p in people), people
    html = (free / "scenarios.html").read_text(encoding="utf-8")
    # one line per budget saying what the certified gap means
    for e in record["scenarios"]:
        assert e["solver"]["gap"] <= 1e-6  # tiny: solved to optimality
    assert html.count("Proven optimal: no plan within this budget") == len(BUDGETS)
    # the marginal cost: extra cost over extra people against the previous budget
    a, b = record["scenarios"][0], record["scenarios"][1]
    extra = (b["total_cost"] - a["total_cost"]) / (
        b["population_newly_covered"] - a["population_newly_covered"]
    )
    assert b["marginal_cost_per_new_person"] == pytest.approx(extra, abs=0.5)


def test_per_regency_table_and_fairness(free: Path) -> None:
    record = _record(free)
    page = _page(free)
    regions = page.tables["regions"]
    assert len(regions["rows"]) == 2 * len(BUDGETS)  # one row per regency and budget
    t = texts("en")
    last = record["scenarios"][-1]
    east = next(r for r in last["regions"] if r["name"] == HOSTILE)
    # the spend of the regency holding both sites, and its villages gaining signal
    assert t.money(east["spend"], "IDR") in [row[-3] for row in regions["rows"]]
    assert sum(r["spend"] for r in last["regions"]) == pytest.approx(last["total_cost"], abs=1)
    fairness = page.tables["fairness"]["rows"]
    assert [row[3] for row in fairness] == [
        t.number(e["fairness"]["gini_before"], 2) for e in record["scenarios"]
    ]
    html = (free / "scenarios.html").read_text(encoding="utf-8")
    assert "least-covered regency is" in html


# --- nesting ---------------------------------------------------------------------------------


def test_free_plans_that_drop_sites_say_so(free: Path) -> None:
    record = _record(free)
    nesting = record["nesting"]
    assert nesting["requested"] is False and nesting["plans_nested"] is False
    assert nesting["dropped"] == [{"budget": 3e9, "sites": ["P"]}]
    html = (free / "scenarios.html").read_text(encoding="utf-8")
    assert "The plans are not nested" in html
    assert "IDR 3 billion drops P of the previous plan." in html


def test_nested_plans_contain_the_previous_sites_and_say_what_that_cost(
    nested: Path, free: Path
) -> None:
    record = _record(nested)
    sites = [set(e["sites"]) for e in record["scenarios"]]
    assert all(a <= b for a, b in itertools.pairwise(sites)), sites
    nesting = record["nesting"]
    assert nesting["requested"] and nesting["plans_nested"]
    assert nesting["free_plans_nested"] is False
    assert nesting["free_plans_dropped"] == [{"budget": 3e9, "sites": ["P"]}]
    # the free plans are the plans of a sweep without --nested
    free_record = _record(free)
    for kept, loose in zip(record["scenarios"], free_record["scenarios"], strict=True):
        assert kept["free_plan"]["sites"] == loose["sites"]
        assert kept["free_plan"]["population_newly_covered"] == loose["population_newly_covered"]
    lost = [c["people_lost"] for c in nesting["cost"]]
    assert lost[0] == 0 and lost[1] > 100  # keeping P leaves no room for Q at 3 billion
    t = texts("id")
    table = _page(nested).tables["nesting"]
    assert [row[3] for row in table["rows"]] == [t.number(p) for p in lost]
    html = (nested / "scenarios.html").read_text(encoding="utf-8")
    assert "Rencana-rencana ini berjenjang (--nested)" in html
    assert "Rp 3 miliar menghapus P dari rencana sebelumnya." in html
    # the nested phases' bounds hold only among plans that keep the previous sites
    assert html.count("mempertahankan situs tahap sebelumnya") == len(lost) - 1


# --- PDF -------------------------------------------------------------------------------------


def _flat(text: str) -> str:
    """Text without white space and hyphens (PDF lines wrap and hyphenate headers), and
    ligatures (ﬁ) as their letters."""
    return re.sub(r"[\s\u2010\u00ad-]+", "", unicodedata.normalize("NFKC", text))


def _pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


@pytest.mark.parametrize(("which", "lang"), [("free", "en"), ("nested", "id")])
def test_pdf_is_a4_landscape_with_the_whole_summary_on_page_one(
    request: pytest.FixtureRequest, which: str, lang: str
) -> None:
    folder = request.getfixturevalue(which)
    reader = PdfReader(folder / "scenarios.pdf")
    for page in reader.pages:
        box = page.mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(A4_LANDSCAPE, abs=1)
    first = _flat(reader.pages[0].extract_text())
    t = texts(lang)
    for header in SUMMARY_HEADERS:
        assert _flat(t.gettext(header)) in first, header
    for row in _expected_summary(_record(folder), lang):
        for cell in row:
            assert _flat(cell) in first, cell
    assert _record(folder)["pdf"] == {"written": True, "how_to_get_it": None}


def _weasyprint_loads() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):  # OSError: no Pango library
        return False
    return True


@pytest.mark.skipif(not _weasyprint_loads(), reason="WeasyPrint cannot load (no Pango)")
def test_pdf_is_the_same_bytes_for_the_same_record(free: Path, tmp_path: Path) -> None:
    html = scenarios_report.scenarios_html(read_scenarios(free), "en")
    for name in ("a.pdf", "b.pdf"):
        assert scenarios_report.write_pdf(html, tmp_path / name) == "WeasyPrint"
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_pdf_falls_back_to_chromium_then_says_how_to_get_it(
    free: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    record = read_scenarios(free)
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if WeasyPrint could not load
    if CHROMIUM is not None:
        (tmp_path / "chromium").mkdir()
        assert "scenarios.pdf" in write_scenarios_report(tmp_path / "chromium", record, "en")
        box = PdfReader(tmp_path / "chromium" / "scenarios.pdf").pages[0].mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(A4_LANDSCAPE, abs=1)
    monkeypatch.setattr(scenarios_report.shutil, "which", lambda name: None)
    (tmp_path / "none").mkdir()
    with caplog.at_level(logging.WARNING, logger="netplan"):
        written = write_scenarios_report(tmp_path / "none", record, "en")
    assert written == ["scenarios.html", "scenarios.xlsx"]
    assert any("apt-get install" in r.getMessage() for r in caplog.records)
    status = scenarios_report.pdf_status(written)
    assert status["written"] is False and "netplan map" in status["how_to_get_it"]


# --- xlsx ------------------------------------------------------------------------------------


def test_xlsx_holds_numbers_with_labels_in_the_reports_language(nested: Path) -> None:
    record = _record(nested)
    book = load_workbook(nested / "scenarios.xlsx")
    t = texts("id")
    summary = book[t.gettext("Summary")]
    header = [c.value for c in summary[1]]
    assert header[:3] == [
        f"{t.gettext('Budget')} (IDR)",
        f"{t.gettext('Total cost')} (IDR)",
        t.gettext("People newly covered"),
    ]
    assert summary.freeze_panes == "B2"
    for row, e in zip(summary.iter_rows(min_row=2), record["scenarios"], strict=True):
        values = [c.value for c in row]
        assert values[:4] == [
            e["budget"],
            e["total_cost"],
            e["population_newly_covered"],
            e["coverage_after_pct"],
        ]
        # numbers, never numbers as text; empty where the record has none (the marginal
        # cost of a budget that covers nobody more)
        assert not any(isinstance(v, str) for v in values[:10])
        assert (values[8] is None) == (e["marginal_cost_per_new_person"] is None)
        assert row[1].number_format == "#,##0" and row[3].number_format == "0.0"
    regencies = book[t.gettext("Regencies")]
    rows = list(regencies.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2 * len(BUDGETS)
    spend = {(r[0], r[1]): r[6] for r in rows}
    for e in record["scenarios"]:
        for region in e["regions"]:
            assert spend[(region["name"], e["budget"])] == region["spend"]
    assert t.gettext("Nesting cost") in book.sheetnames


def test_xlsx_is_the_same_bytes_for_the_same_record(free: Path, tmp_path: Path) -> None:
    record = read_scenarios(free)
    write_scenarios_xlsx(tmp_path / "a.xlsx", record, "en")
    write_scenarios_xlsx(tmp_path / "b.xlsx", record, "en")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        assert {info.date_time for info in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert core.count("2000-01-01T00:00:00Z") == 2  # created and modified


# --- hostile text ----------------------------------------------------------------------------


def test_a_hostile_regency_name_stays_text(free: Path) -> None:
    html = (free / "scenarios.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "<b>East" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert HOSTILE in [row[0] for row in _page(free).tables["regions"]["rows"] if row]
    assert _flat(HOSTILE) in _flat("".join(_pdf_pages(free / "scenarios.pdf")))
    book = load_workbook(free / "scenarios.xlsx")
    sheet = book["Regencies"]
    names = [c for c in sheet["A"] if c.value == HOSTILE]
    assert names and all(c.data_type == "s" for c in names)
    with zipfile.ZipFile(free / "scenarios.xlsx") as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in archive.read(n) for n in sheets)


# --- reading the record back -----------------------------------------------------------------


def test_read_scenarios_refuses_a_missing_or_damaged_record(free: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_scenarios(tmp_path)
    (tmp_path / "scenarios.json").write_text("{not json")
    with pytest.raises(InputError, match="cannot be read as JSON"):
        read_scenarios(tmp_path)
    old = {"scenario": "tiny", "rows": []}  # written by netplan before the report's record
    (tmp_path / "scenarios.json").write_text(json.dumps(old))
    with pytest.raises(InputError, match="older netplan or is damaged"):
        read_scenarios(tmp_path)
    damaged = _record(free)
    del damaged["scenarios"][1]["regions"]
    (tmp_path / "scenarios.json").write_text(json.dumps(damaged))
    with pytest.raises(InputError, match="scenario 2 has no regions"):
        read_scenarios(tmp_path)


# --- printed by a browser --------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.mark.parametrize(("which", "lang"), [("free", "en"), ("nested", "id")])
def test_printed_by_chromium_nothing_is_wider_than_a4_landscape(
    browser: Any, request: pytest.FixtureRequest, which: str, lang: str
) -> None:
    folder = request.getfixturevalue(which)
    page = browser.new_page()
    page.goto((folder / "scenarios.html").as_uri())
    page.emulate_media(media="print")
    # A4 landscape less 12 mm margins each side, in CSS pixels (96 per inch)
    width = (297 - 24) / 25.4 * 96
    page.set_viewport_size({"width": int(width), "height": 700})
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('table, svg, th, td')]"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= width + 1
    pdf = page.pdf(format="A4", landscape=True, prefer_css_page_size=True)
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4_LANDSCAPE, abs=1)
    first = _flat(reader.pages[0].extract_text())
    for header in SUMMARY_HEADERS:
        assert _flat(texts(lang).gettext(header)) in first, header
    page.close()
