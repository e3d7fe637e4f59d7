"""Validation of a scenario and its inputs, reporting every problem found (not just the first)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from netplan.config import InvalidScenarioError, Scenario, load_scenario
from netplan.errors import NetplanError
from netplan.layers import grid_memory_bytes, load_layers, read_boundaries
from netplan.memory import readable_bytes
from netplan.tiles import make_tiles


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
    if scenario.region.tiles is not None:
        return _validate_tiles(scenario, report)
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


def _validate_tiles(scenario: Scenario, report: ValidationReport) -> ValidationReport:
    """A national scenario, tile by tile: each tile's grid, projection and people."""
    try:
        tiles = make_tiles(scenario, read_boundaries(scenario))
    except NetplanError as exc:
        report.problems.append(str(exc))
        return report
    by = scenario.region.tiles.by if scenario.region.tiles is not None else ""
    report.facts.append(f"{len(tiles)} tiles by {by}")
    for tile in tiles:
        try:
            layers = load_layers(scenario, problems=report.problems, tile=tile)
        except NetplanError as exc:
            report.problems.append(f"tile {tile.name}: {exc}")
            continue
        g = layers.grid
        report.facts.append(
            f"tile {tile.name}: {len(layers.regions)} regions, grid {g.width} x {g.height} "
            f"cells of {g.resolution:g} m in {g.crs.to_string()} (scale within "
            f"{100 * tile.scale_error:.3f}%), {layers.population_check['in_regions']:,.0f} people, "
            f"{len(layers.existing_sites)} existing sites"
        )
    return report
