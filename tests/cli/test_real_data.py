"""The engine on real public data (../shared/data/papua-west), skipped when it is absent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from netplan.cli.main import cli
from netplan.testing import papua_west_scenario
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared real data not present")


def test_plan_on_papua_west_regencies_and_ghs_pop(tmp_path: Path) -> None:
    scenario = papua_west_scenario(
        SHARED_DATA,
        layers={"elevation": str(SHARED_DATA / "elevation_5arcmin_coarse.tif")},
        backhaul={"satellite": {"capex": 1.2e8, "opex_per_year": 1.8e8}},
        objective={"budget": 2.0e10},
        solver={"time_limit_s": 30, "relative_gap": 0.0},
    )
    config = tmp_path / "real.yaml"
    config.write_text(yaml.safe_dump(scenario))
    out = tmp_path / "run"
    checked = CliRunner().invoke(cli, ["validate", "-c", str(config)])
    assert checked.exit_code == 0, checked.output
    assert "17 regions" in checked.stdout
    result = CliRunner().invoke(cli, ["-q", "plan", "-c", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    s = json.loads((out / "summary.json").read_text())
    assert len(s["regions"]) == 17
    # GHS-POP puts roughly 2.2 million people inside these 17 regencies
    assert 2.0e6 < s["population_total"] < 2.5e6
    assert s["coverage_before_pct"] == 0.0  # no towers layer: nothing is covered yet
    assert s["new_towers"] == s["satellite_links"] > 0
    assert s["total_cost"] <= s["budget"]
    assert s["solver"]["gap"] == 0.0
