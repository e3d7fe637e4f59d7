"""Random hostile text in every name a scenario carries never comes out as markup or as a
live spreadsheet formula, and the map's review.csv template gives back the plan's ids.

Each example writes random candidate-site ids, region names and a currency (hypothesis
text around ``<``, ``&``, ``=``, quotes, commas and line breaks, each with a marker element
``<i id="npN">``) into the tiny scenario, runs a plan, and reads every HTML and CSV file of
the run folder.
"""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netplan.cli.main import cli
from netplan.io.vectors import read_decisions
from netplan.testing import pixel_lonlat, write_scenario
from tests.cli.test_no_injection import csv_cells, live_formulas, review_template

SPECIAL = ["<", ">", "&", "=", '"', "'", ",", "\n", "`", "$", "\\", "</script>", "{{", "{%", "@"]
#: candidate sites at the tiny region's villages and between them
PIXELS = [(10, 10), (30, 45), (50, 15), (30, 30)]

fragment = st.lists(
    st.one_of(st.characters(blacklist_categories=("Cs", "Cc")), st.sampled_from(SPECIAL)),
    max_size=8,
).map("".join)


@st.composite
def hostile_names(draw: st.DrawFn) -> dict[str, list[str]]:
    """Ids, region names and a currency: a formula-like start, random text, a marker."""
    counter = iter(range(100))

    def name() -> str:
        start = draw(st.sampled_from(["=", "+", "-", "@", "'", "A"]))
        return f'{start}{draw(fragment)}<i id="np{next(counter)}">{draw(fragment)}>'

    return {
        "ids": [name() for _ in PIXELS],
        "regions": [name(), name()],
        "currency": [name()],
    }


def _scenario(folder: Path, names: dict[str, list[str]]) -> Path:
    features = [
        {
            "type": "Feature",
            "properties": {"id": site},
            "geometry": {"type": "Point", "coordinates": list(pixel_lonlat(*rc))},
        }
        for site, rc in zip(names["ids"], PIXELS, strict=True)
    ]
    folder.mkdir(parents=True)
    (folder / "cands.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    with (folder / "access.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["region", "code", "pct_urban", "pct_rural", "pct_total"])
        for region, code in zip(names["regions"], ("01", "02"), strict=True):
            writer.writerow([region, code, 90.0, 50.0, 60.0])
    config = write_scenario(
        folder,
        config={
            "currency": names["currency"][0],
            "layers": {"candidates": "cands.geojson", "household_access": "access.csv"},
            "technologies": {"macro_4g": {"radius_m": 700}},
            "objective": {"budget": 1.5e10},
        },
    )
    regions = json.loads((folder / "regions.geojson").read_text())
    for feature, region in zip(regions["features"], names["regions"], strict=True):
        feature["properties"]["name"] = region
    (folder / "regions.geojson").write_text(json.dumps(regions))
    return config


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=hostile_names())
def test_hostile_names_come_out_as_text(names: dict[str, list[str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = _scenario(Path(tmp) / "s", names)
        out = Path(tmp) / "run"
        result = CliRunner().invoke(cli, ["-q", "plan", "-c", str(config), "--out", str(out)])
        assert result.exit_code == 0, result.output

        pages = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.html")}
        assert "map.html" in pages
        for name, html in pages.items():
            assert '<i id="np' not in html, name  # no name became an element
        assert "&lt;i id=&#34;np" in pages["map.html"]  # ... but it is shown, as text

        tables = sorted(out.glob("*.csv"))
        assert {"sites.csv", "access_calibration.csv"} <= {p.name for p in tables}
        for path in tables:
            assert live_formulas(csv_cells(path)) == [], path.name

        # the review template, filled in as a spreadsheet would, reads back the plan's ids
        rows = list(csv.reader(review_template(pages["map.html"]).splitlines(keepends=True)))
        for row in rows[1:]:
            row[1] = "reject"
        review = Path(tmp) / "review.csv"
        with review.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
        plan = json.loads((out / "plan.geojson").read_text())["features"]
        assert read_decisions(review)["id"].tolist() == [f["properties"]["id"] for f in plan]
