"""Validation of a scenario and its inputs, reporting every problem found (not just the first)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from netplan.config import InvalidScenarioError, load_scenario
from netplan.errors import NetplanError
from netplan.layers import grid_memory_bytes, load_layers
from netplan.memory import readable_bytes


@dataclass
class ValidationReport:
    facts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def validate_scenario(path: Path) -> ValidationReport:
    """Load the scenario and every layer, collecting problems instead of stopping at one."""
    report = ValidationReport()
    try:
        scenario = load_scenario(path)
    except InvalidScenarioError as exc:
        report.problems.extend(exc.problems)
        return report
    except NetplanError as exc:
        report.problems.append(str(exc))
        return report
    report.facts.append(f"scenario {scenario.name!r} ({path})")
    try:
        layers = load_layers(scenario, problems=report.problems)
    except NetplanError as exc:
        report.problems.append(str(exc))
        return report
    g = layers.grid
    check = layers.population_check
    report.facts.append(
        f"grid {g.width} x {g.height} cells of {g.resolution:g} m in {g.crs.to_string()} "
        f"(about {readable_bytes(grid_memory_bytes(g, scenario))} of grid arrays at the peak)"
    )
    report.facts.append(
        f"population {check['in_regions']:,.0f} people in {len(layers.regions)} regions "
        f"(source raster over the grid: {check['source_in_window']:,.0f})"
    )
    report.facts.append(f"existing sites: {len(layers.existing_sites)}")
    for key, gdf in (
        ("fiber", layers.fiber_lines),
        ("fiber_nodes", layers.fiber_nodes),
        ("pois", layers.pois),
        ("villages", layers.villages),
        ("candidates", layers.candidates),
    ):
        if gdf is not None:
            report.facts.append(f"{key}: {len(gdf)} features")
    return report
