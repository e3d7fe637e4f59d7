"""``netplan map RUN_DIR``: a reviewer gets the map, KML, GeoPackage and tables again (in
Bahasa Indonesia too) from a finished run's files, without solving again."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from netplan.cli.main import cli
from netplan.report.deliverables import DELIVERABLES


def _netplan(*args: str) -> Result:
    return CliRunner().invoke(cli, ["-q", *args])


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from netplan.testing import write_scenario

    root = tmp_path_factory.mktemp("rerender")
    config = write_scenario(root / "tiny")
    result = _netplan("plan", "-c", str(config), "--out", str(root / "run"))
    assert result.exit_code == 0, result.output
    return root / "run"


def test_a_rerender_in_the_runs_language_gives_the_same_bytes(
    planned: Path, tmp_path: Path
) -> None:
    run = shutil.copytree(planned, tmp_path / "run")
    before = _digests(run)
    result = _netplan("map", str(run))
    assert result.exit_code == 0, result.output
    after = _digests(run)
    assert after == before
    written = [name for name in DELIVERABLES if name in after]
    assert {"map.html", "plan.kml", "plan.gpkg", "sites.csv", "sites.parquet"} <= set(written)
    assert not list(tmp_path.glob(".*lock")) and not list(tmp_path.glob(".run*"))


def test_rerender_in_bahasa_changes_only_the_deliverables(planned: Path, tmp_path: Path) -> None:
    run = shutil.copytree(planned, tmp_path / "run")
    before = _digests(run)
    result = CliRunner().invoke(cli, ["map", str(run), "--lang", "id"])
    assert result.exit_code == 0, result.output
    assert "keluaran" in result.output  # the CLI's own lines in Bahasa Indonesia
    after = _digests(run)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed and changed <= set(DELIVERABLES)
    assert "map.html" in changed and "plan.kml" in changed
    html = (run / "map.html").read_text(encoding="utf-8")
    assert '<html lang="id"' in html and "jiwa" in html
    # the reasons too, in every deliverable that carries them
    for name in ("plan.kml", "sites.csv"):
        text = (run / name).read_text(encoding="utf-8")
        assert "Memberikan sinyal baru" in text and "Newly covers" not in text, name
    # data files untouched: the plan is the one that was solved
    assert json.loads((run / "summary.json").read_text()) == json.loads(
        (planned / "summary.json").read_text()
    )
    # and back to English, byte for byte as first written
    assert _netplan("map", str(run), "--lang", "en").exit_code == 0
    assert _digests(run) == before


def test_rerender_refuses_a_folder_netplan_did_not_write(tmp_path: Path) -> None:
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "ch1.docx").write_text("mine")
    result = _netplan("map", str(folder))
    assert result.exit_code == 2
    assert "netplan did not write it" in result.output
    assert (folder / "ch1.docx").read_text() == "mine"


def test_rerender_names_a_missing_data_file(planned: Path, tmp_path: Path) -> None:
    run = shutil.copytree(planned, tmp_path / "run")
    (run / "regions.geojson").unlink()
    marker = json.loads((run / ".netplan-run").read_text())
    marker["files"] = [f for f in marker["files"] if f != "regions.geojson"]
    (run / ".netplan-run").write_text(json.dumps(marker))
    before = _digests(run)
    result = _netplan("map", str(run))
    assert result.exit_code == 2
    assert "regions.geojson: missing from the run folder" in result.output
    assert "Traceback" not in result.output
    assert _digests(run) == before  # nothing half-written


def test_rerender_of_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = _netplan("map", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "no such run folder" in result.output


def test_a_scenarios_report_is_rerendered_in_bahasa_without_solving(tmp_path: Path) -> None:
    from netplan.testing import write_scenario

    config = write_scenario(tmp_path / "tiny")
    sweep = tmp_path / "sweep"
    result = _netplan("scenarios", "-c", str(config), "--budgets", "1e9,3e9", "--out", str(sweep))
    assert result.exit_code == 0, result.output
    before = _digests(sweep)
    record = json.loads((sweep / "scenarios.json").read_text())
    assert record["lang"] == "en"
    assert _netplan("map", str(sweep), "--lang", "id").exit_code == 0
    after = _digests(sweep)
    assert after["scenarios.csv"] == before["scenarios.csv"]
    assert after["scenarios.html"] != before["scenarios.html"]
    assert '<html lang="id">' in (sweep / "scenarios.html").read_text(encoding="utf-8")
    assert json.loads((sweep / "scenarios.json").read_text())["scenarios"] == record["scenarios"]
    # the sweep's own language by default: the first report again, byte for byte
    assert _netplan("map", str(sweep)).exit_code == 0
    assert _digests(sweep) == before


@pytest.mark.parametrize(
    ("name", "damage", "message"),
    [
        (
            "summary.json",
            lambda d: {**d, "horizon_years": "five"},
            "'horizon_years' is not a number",
        ),
        ("summary.json", lambda d: {**d, "regions": {}}, "'regions' is not a list"),
        ("summary.json", lambda d: {}, "no scenario name or currency"),
        (
            "manifest.json",
            lambda d: {**d, "config": {**d["config"], "output": {"lang": "fr"}}},
            "output.lang 'fr'",
        ),
    ],
)
def test_rerender_names_a_damaged_data_file(
    planned: Path, tmp_path: Path, name: str, damage: Any, message: str
) -> None:
    run = shutil.copytree(planned, tmp_path / "run")
    path = run / name
    path.write_text(json.dumps(damage(json.loads(path.read_text()))))
    before = _digests(run)
    result = _netplan("map", str(run))
    assert result.exit_code == 2, result.output
    assert f"{name}: damaged run file" in result.output and message in result.output
    assert _digests(run) == before
