"""Scenario configuration: typed, frozen, strict.

A scenario YAML file is parsed into :class:`Scenario`. Unknown keys are errors that name the
nearest valid key; relative paths are resolved against the scenario file's folder, so a
scenario can be run from anywhere. The key set is a contract (DESIGN.md §3): extend, never
rename.
"""

from __future__ import annotations

import difflib
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from netplan.errors import ConfigError
from netplan.i18n import DEFAULT_LANGUAGE, Language
from netplan.io.paths import file_problem

logger = logging.getLogger(__name__)

#: Keys holding file paths, resolved relative to the scenario file.
_PATH_KEYS: dict[str, tuple[str, ...]] = {
    "region": ("boundaries",),
    "layers": (
        "population",
        "elevation",
        "towers",
        "fiber",
        "fiber_nodes",
        "pois",
        "household_access",
        "candidates",
        "villages",
        "roads",
        "water",
        "decisions",
        "signal_reports",
    ),
    "output": ("dir", "lang"),
}


class _Strict(BaseModel):
    """Frozen, no unknown keys, and no infinite or NaN number anywhere: ``budget: .inf`` (or
    ``1e400``, which overflows to infinity) would run, and then be written to the manifest
    as ``null``, so the run could not be recreated from it."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class TilesConfig(_Strict):
    """How a national scenario is cut into tiles, each analysed in its own UTM zone."""

    #: a boundaries field whose equal values make one tile (e.g. ``kode_prov``), or
    #: ``islands``: regions joined by land (touching polygons) make one tile
    by: str = Field(min_length=1)
    #: margin around each tile in which existing sites, fiber and points of presence still
    #: count (null: the longest radio range, microwave hop or fiber route of the scenario)
    halo_m: float | None = Field(None, ge=0, le=500_000)


class RegionConfig(_Strict):
    """The planning region: boundaries and the analysis grid."""

    boundaries: Path
    name_field: str = "name"
    code_field: str | None = "code"
    resolution_m: float = Field(100.0, gt=0, le=10_000)
    crs: str = "auto"
    tiles: TilesConfig | None = None

    @model_validator(mode="after")
    def _check_crs(self) -> RegionConfig:
        if self.crs != "auto" and not self.crs.upper().startswith("EPSG:"):
            raise ValueError(f"region.crs must be 'auto' or 'EPSG:NNNN', got {self.crs!r}")
        return self


class LayersConfig(_Strict):
    """Input layers; only ``population`` is required."""

    population: Path
    elevation: Path | None = None
    towers: Path | None = None
    fiber: Path | None = None
    fiber_nodes: Path | None = None
    pois: Path | None = None
    household_access: Path | None = None
    candidates: Path | None = None
    villages: Path | None = None
    roads: Path | None = None
    water: Path | None = None
    decisions: Path | None = None
    signal_reports: Path | None = None


class CoverageConfig(_Strict):
    """How signal coverage is modelled, and how existing sites are read."""

    model: Literal["radius", "terrain"] = "radius"
    existing_technology: str | None = None
    radio_technologies: dict[str, str] = Field(default_factory=dict)
    radios: tuple[str, ...] = ("LTE", "NR", "UMTS")
    site_merge_m: float = Field(300.0, ge=0)
    cap_by_opencellid_range: bool = False
    k_factor: float = Field(4.0 / 3.0, gt=0, le=100)


class TechnologyConfig(_Strict):
    """A deployable technology: a tower (mobile coverage) or a public-WiFi hotspot.

    Radio keys feed the terrain model's link budget: signal = ``eirp_dbm`` − path loss, or,
    with ``bandwidth_mhz``, the LTE reference-signal power (RSRP) = EIRP spread over the
    band's 60 subcarriers per MHz: ``eirp_dbm`` − 10·log10(60 × bandwidth_mhz) − path loss.
    A cell is covered where the signal reaches ``min_signal_dbm``.
    """

    @property
    def signal_offset_db(self) -> float:
        """What the link budget subtracts from EIRP before path loss (RSRP per subcarrier)."""
        if self.bandwidth_mhz is None:
            return 0.0
        return 10.0 * math.log10(60.0 * self.bandwidth_mhz)

    kind: Literal["tower", "wifi"]
    radius_m: float | None = Field(None, gt=0)
    height_m: float | None = Field(None, gt=0)
    frequency_mhz: float | None = Field(None, gt=0)
    eirp_dbm: float | None = None
    min_signal_dbm: float | None = None
    bandwidth_mhz: float | None = Field(None, gt=0, le=400)
    receiver_height_m: float = Field(1.5, gt=0, le=100)
    max_range_m: float | None = Field(None, gt=0, le=200_000)
    environment: Literal["urban", "suburban", "open"] = "suburban"
    backhaul_mbps: float = Field(100.0, gt=0)
    capex: float = Field(ge=0)
    opex_per_year: float = Field(0.0, ge=0)


class FiberConfig(_Strict):
    """Fiber routes over a terrain cost surface, to the backbone and between new sites."""

    capex_per_km: float = Field(ge=0)
    opex_per_km_year: float = Field(0.0, ge=0)
    max_km: float = Field(60.0, gt=0)
    routing_resolution_m: float = Field(500.0, gt=0)
    slope_classes_pct: tuple[float, float] = (10.0, 30.0)
    terrain_multipliers: tuple[float, float, float] = (1.0, 1.6, 2.5)
    road_multiplier: float = Field(0.6, gt=0)
    water_multiplier: float | None = Field(None, gt=0)
    neighbours: int = Field(4, ge=0, le=50)
    capacity_mbps: float = Field(100_000.0, gt=0)


class MicrowaveConfig(_Strict):
    """Point-to-point microwave hops, with line of sight, relaying through new sites."""

    capex_per_link: float = Field(ge=0)
    opex_per_year: float = Field(0.0, ge=0)
    max_hop_km: float = Field(40.0, gt=0)
    frequency_mhz: float = Field(7000.0, gt=0)
    fresnel_clearance: float = Field(0.6, ge=0, le=2)
    capacity_mbps: float = Field(1000.0, gt=0)
    hub_height_m: float = Field(30.0, gt=0)
    neighbours: int = Field(6, ge=1, le=50)


class SatelliteConfig(_Strict):
    """A VSAT terminal and its service, optionally sharing a total satellite capacity."""

    capex: float = Field(ge=0)
    opex_per_year: float = Field(0.0, ge=0)
    capacity_mbps_total: float | None = Field(None, ge=0)


class BackhaulConfig(_Strict):
    """Backhaul options; an absent kind is not offered."""

    max_hops: int = Field(3, ge=1, le=10)
    fiber: FiberConfig | None = None
    microwave: MicrowaveConfig | None = None
    satellite: SatelliteConfig | None = None


class PlanningConfig(_Strict):
    """Planning horizon: total cost = capex + horizon_years × opex_per_year."""

    horizon_years: int = Field(5, ge=0, le=50)


class DemandConfig(_Strict):
    """What counts as demand: populated cells, weighted by people or households.

    ``weight`` picks what the optimiser maximises per blank cell: ``people``; ``households``
    (people ÷ ``household_size``); or ``unconnected_households`` (households × (1 − the
    household internet-access rate of the cell's region and urban/rural class), from
    ``layers.household_access``). Cells are urban when their 1 km² block belongs to a
    contiguous cluster of blocks of at least ``urban_density_per_km2`` people per km² holding
    at least ``urban_min_population`` people (the degree-of-urbanisation "urban cluster").
    """

    min_population: float = Field(1.0, ge=0)
    weight: Literal["people", "households", "unconnected_households"] = "people"
    household_size: float = Field(4.0, gt=0, le=30)
    urban_density_per_km2: float = Field(300.0, gt=0)
    urban_min_population: float = Field(5000.0, ge=0)
    #: boundaries field naming each region's row in the access table (e.g. a province code
    #: ``kode_prov`` when the table is by province); default: the region's code, then name
    access_field: str | None = None
    #: boundaries field with official (registry) population: scale the raster per region so
    #: its total matches; null = use the raster as it is
    calibrate_to: str | None = None
    #: a village has signal when at least this share of its people is covered
    village_share: float = Field(0.5, gt=0, le=1)
    #: village points: populated cells within this distance belong to the nearest village
    village_radius_m: float = Field(2000.0, gt=0, le=50_000)


class FairnessConfig(_Strict):
    """Per-region rules across the boundaries' regions (e.g. regencies).

    ``min_region_coverage``: every region reaches at least this share of its people covered
    (0-1). ``max_region_budget_share``: no region receives more than this share of the budget
    (of the total spend in target mode), counting its sites and the links that feed them.
    """

    min_region_coverage: float | None = Field(None, gt=0, le=1)
    max_region_budget_share: float | None = Field(None, gt=0, le=1)


#: the privacy floor: no block of fewer citizen reports is ever published or used
MIN_REPORTS_FLOOR = 5


class ReportsConfig(_Strict):
    """Citizen signal reports (``layers.signal_reports``): evidence, published only in
    aggregate.

    Reports are counted per square block of ``cell_m``; a block is published only when at
    least ``min_reports`` reports fall in it (k-anonymity). A report is dark when it says no
    signal or measured below ``dark_below_dbm``. Blank cells in a block where most reports are
    dark get their demand multiplied by ``weight``; with ``disputed_as_blank``, populated
    cells the model calls covered but reports call dark count as blank spots.
    """

    min_reports: int = Field(5, le=10_000)
    cell_m: float = Field(1000.0, gt=0, le=100_000)
    dark_below_dbm: float = Field(-110.0, ge=-160, le=0)
    weight: float = Field(1.0, ge=1, le=100)
    disputed_as_blank: bool = False

    @field_validator("min_reports")
    @classmethod
    def _k_anonymous(cls, k: int) -> int:
        if k < MIN_REPORTS_FLOOR:
            raise ValueError(
                f"must be at least {MIN_REPORTS_FLOOR}: a block of fewer reports could point "
                "at the people who sent them (the README promises k >= 5)"
            )
        return k


class CandidatesConfig(_Strict):
    """Candidate generation when ``layers.candidates`` is not given."""

    #: tower sites kept (those that could reach the most uncovered people); ``auto``: one per
    #: ``people_per_candidate`` uncovered people, at least 400 and at most 100,000
    max_candidates: int | Literal["auto"] = "auto"
    people_per_candidate: float = Field(10_000.0, gt=0)
    #: distance between the sites spread over a blank area larger than one tower's footprint;
    #: null: the largest tower ``radius_m`` (5 km without one)
    lattice_spacing_m: float | None = Field(None, gt=0)
    min_spacing_m: float = Field(500.0, ge=0)
    high_ground_search_m: float = Field(3000.0, ge=0)
    min_settlement_population: float = Field(20.0, ge=0)
    at_pois: bool = True

    @field_validator("max_candidates", mode="before")
    @classmethod
    def _whole_number_or_auto(cls, value: object) -> object:
        if value == "auto":
            return value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100_000:
            raise ValueError(
                "must be a whole number from 1 to 100,000, or auto (one candidate per "
                "candidates.people_per_candidate uncovered people)"
            )
        return value


class ObjectiveConfig(_Strict):
    """Maximise people newly covered within a budget, or minimise cost to a coverage target."""

    budget: float | None = Field(None, ge=0)
    target_coverage: float | None = Field(None, gt=0, le=1)
    #: what a person *connected* by a public hotspot is worth, relative to one newly covered by
    #: a tower: everyone within a hotspot's ``radius_m`` (a short walk) can get online with
    #: their own phone, but has no mobile calls, SMS or signal elsewhere, so they are reported
    #: in ``population_wifi_reach``, never as covered. 1.0: BAKTI (Komdigi) serves villages
    #: with few people living close together by "super WiFi" instead of a cellular site, as it
    #: "can still cover the village's population" (BAKTI's director, 10 December 2025); lower
    #: it where mobile coverage itself is the goal
    wifi_weight: float = Field(1.0, ge=0, le=1)
    #: ``demand``: the demand weight (people or households, see ``demand.weight``);
    #: ``villages``: villages that gain signal (``demand.village_share`` of their people
    #: covered), ties broken by demand. Budget mode only.
    maximise: Literal["demand", "villages"] = "demand"

    @model_validator(mode="after")
    def _one_objective(self) -> ObjectiveConfig:
        if (self.budget is None) == (self.target_coverage is None):
            raise ValueError(
                "set exactly one of objective.budget (maximise coverage within a budget) "
                "or objective.target_coverage (minimise cost to reach a share, 0-1)"
            )
        if self.maximise == "villages" and self.budget is None:
            raise ValueError(
                "objective.maximise: villages needs objective.budget (it counts villages "
                "connected within a budget)"
            )
        return self


class SolverConfig(_Strict):
    """OR-Tools settings; recorded in the manifest for reproducibility.

    The work limits (``node_limit``, ``lp_iteration_limit``, ``search_rounds``) decide where
    the search stops, the same on every machine; ``time_limit_s`` is a safety net, and a run
    it stopped is marked not reproducible.
    """

    backend: Literal["scip"] = "scip"
    time_limit_s: float = Field(60.0, gt=0)
    relative_gap: float = Field(0.005, ge=0, lt=1)
    workers: int = Field(2, ge=1, le=64)
    seed: int = Field(0, ge=0)
    node_limit: int | None = Field(1000, ge=1)
    lp_iteration_limit: int | None = Field(1_000_000, ge=1)
    search_rounds: int = Field(200, ge=0)


class ComputeConfig(_Strict):
    """Where per-site work runs: here, or on a ``dask.distributed`` scheduler."""

    scheduler: str | None = None  #: e.g. tcp://10.0.0.5:8786; null runs locally
    batch_size: int = Field(32, ge=1, le=10_000)  #: sites per task sent to a worker


class OutputConfig(_Strict):
    """Where results go; default ``outputs/<scenario name>`` beside the configs folder."""

    dir: Path | None = None
    #: the language of the map, reports, reasons and CLI summary (``--lang`` overrides it)
    lang: Language = DEFAULT_LANGUAGE


class Scenario(_Strict):
    """A complete, validated planning scenario."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    currency: str = "IDR"
    region: RegionConfig
    layers: LayersConfig
    coverage: CoverageConfig = CoverageConfig()
    technologies: dict[str, TechnologyConfig]
    backhaul: BackhaulConfig = BackhaulConfig()
    planning: PlanningConfig = PlanningConfig()
    demand: DemandConfig = DemandConfig()
    fairness: FairnessConfig = FairnessConfig()
    reports: ReportsConfig = ReportsConfig()
    candidates: CandidatesConfig = CandidatesConfig()
    objective: ObjectiveConfig
    solver: SolverConfig = SolverConfig()
    compute: ComputeConfig = ComputeConfig()
    output: OutputConfig = OutputConfig()
    #: The file this scenario was read from (not a config key).
    source: Path | None = Field(None, exclude=True)

    @field_validator("name")
    @classmethod
    def _plain_folder_name(cls, name: str) -> str:
        # the name becomes a folder beside others (outputs/<name>): ".", ".." or a hidden
        # name would put the run on top of outputs/ itself, its parent, or a temporary folder
        if name.startswith("."):
            raise ValueError(
                "the scenario name names its output folder: use letters, digits, '_', '-' "
                "and '.', not starting with '.' (e.g. papua-2025)"
            )
        return name

    @model_validator(mode="after")
    def _check_technologies(self) -> Scenario:
        towers = self.tower_technologies
        if not towers:
            raise ValueError("technologies: define at least one technology with kind: tower")
        for name, tech in self.technologies.items():
            if self.coverage.model == "radius" and tech.radius_m is None:
                raise ValueError(
                    f"technologies.{name}.radius_m is required by coverage.model: radius"
                )
            if self.coverage.model == "terrain" and tech.kind == "tower":
                missing = [
                    k
                    for k in ("height_m", "frequency_mhz", "eirp_dbm", "min_signal_dbm")
                    if getattr(tech, k) is None
                ]
                if missing:
                    raise ValueError(
                        f"technologies.{name}: {', '.join(missing)} required by "
                        "coverage.model: terrain"
                    )
        existing = self.coverage.existing_technology
        if existing is not None and existing not in towers:
            raise ValueError(
                f"coverage.existing_technology {existing!r} is not a tower technology; "
                f"choose one of {sorted(towers)}"
            )
        for radio, tech_name in self.coverage.radio_technologies.items():
            if tech_name not in towers:
                raise ValueError(
                    f"coverage.radio_technologies.{radio}: {tech_name!r} is not a tower "
                    f"technology; choose one of {sorted(towers)}"
                )
        if self.demand.weight == "unconnected_households" and self.layers.household_access is None:
            raise ValueError(
                "demand.weight: unconnected_households needs layers.household_access (the "
                "BPS table of household internet access)"
            )
        if self.objective.maximise == "villages" and self.layers.villages is None:
            raise ValueError("objective.maximise: villages needs layers.villages")
        return self

    @property
    def tower_technologies(self) -> dict[str, TechnologyConfig]:
        return {k: t for k, t in self.technologies.items() if t.kind == "tower"}

    @property
    def wifi_technologies(self) -> dict[str, TechnologyConfig]:
        return {k: t for k, t in self.technologies.items() if t.kind == "wifi"}

    @property
    def existing_technology(self) -> str:
        """Technology whose coverage model stands for existing sites."""
        return self.coverage.existing_technology or next(iter(self.tower_technologies))

    def input_paths(self) -> dict[str, Path]:
        """Every file the scenario reads, by key (an output folder must never hold one)."""
        paths = {"scenario file": self.source, "region.boundaries": self.region.boundaries}
        paths.update({f"layers.{k}": v for k, v in self.layers.model_dump().items()})
        return {key: Path(p) for key, p in paths.items() if p is not None}

    def output_dir(self) -> Path:
        if self.output.dir is not None:
            return self.output.dir
        base = self.source.parent.parent if self.source is not None else Path.cwd()
        return base / "outputs" / self.name

    def resolved(self) -> dict[str, Any]:
        """The configuration as plain JSON-able data (for the manifest)."""
        return self.model_dump(mode="json")


def default_config_path() -> Path:
    """The shipped demo scenario: ``configs/demo.yaml`` here, else in the source tree."""
    here = Path.cwd() / "configs" / "demo.yaml"
    if here.is_file():
        return here
    return Path(__file__).resolve().parent.parent / "configs" / "demo.yaml"


def load_scenario(path: str | Path, *, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read, resolve and validate a scenario file.

    Parameters
    ----------
    path
        The scenario YAML file.
    overrides
        Dotted keys set after reading, e.g. ``{"objective.budget": 1e11}`` from the CLI.

    Raises
    ------
    ConfigError
        With the file, the key and what to change, for any problem.
    """
    path = Path(path)
    problem = file_problem(path)
    if problem is not None:
        raise ConfigError(f"{path}: scenario file {problem}; pass an existing file with -c")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except RepeatedKeyError as exc:
        raise ConfigError(
            f"{path}: line {exc.line}: key {exc.key!r} is given twice in one section (first on "
            f"line {exc.first_line}); YAML would silently keep the last one: keep one"
        ) from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid YAML: {_one_line(str(exc))}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    data = _resolve_paths(raw, path.resolve().parent)
    for dotted, value in (overrides or {}).items():
        _set_dotted(data, dotted, value)
    if overrides and "objective.budget" in overrides and overrides["objective.budget"] is not None:
        data.setdefault("objective", {})["target_coverage"] = None
    if (
        overrides
        and "objective.target_coverage" in overrides
        and overrides["objective.target_coverage"] is not None
    ):
        data.setdefault("objective", {})["budget"] = None
    data["source"] = path.resolve()
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc, path, overridden=tuple(overrides or ()))
        raise InvalidScenarioError(problems) from exc


class InvalidScenarioError(ConfigError):
    """Keys of a scenario with values that do not validate: one problem per key, so
    ``netplan validate`` lists each, and the CLI prints them on one line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class RepeatedKeyError(yaml.YAMLError):
    """A key given twice in one YAML mapping (plain YAML loaders keep the last silently)."""

    def __init__(self, key: object, *, line: int, first_line: int) -> None:
        super().__init__(f"key {key!r} on line {line} repeats line {first_line}")
        self.key = key
        self.line = line
        self.first_line = first_line


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a mapping may not repeat a key: with two
    ``budget:`` lines the plan would silently use the second, whichever one was meant."""


def _mapping_without_repeats(
    loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # ``<<: *anchor``: construct_mapping's
            continue
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        try:
            seen = first_line.get(key)
        except TypeError:  # an unhashable key: construct_mapping says what is wrong
            continue
        if seen is not None:
            raise RepeatedKeyError(key, line=line, first_line=seen)
        first_line[key] = line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _mapping_without_repeats,
)


def _resolve_paths(raw: dict[str, Any], base: Path) -> dict[str, Any]:
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in raw.items()}
    for section, keys in _PATH_KEYS.items():
        block = data.get(section)
        if not isinstance(block, dict):
            continue
        for key in keys:
            value = block.get(key)
            if isinstance(value, str) and value:
                block[key] = (
                    str((base / value).resolve()) if not Path(value).is_absolute() else value
                )
    return data


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fields_at(loc: tuple[int | str, ...]) -> list[str]:
    """Valid keys of the model found at ``loc`` inside :class:`Scenario`."""
    model: Any = Scenario
    for part in loc:
        if model is Scenario and part == "technologies":
            model = dict
            continue
        if model is dict:
            model = TechnologyConfig
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        annotation = field.annotation
        candidates = [
            a for a in getattr(annotation, "__args__", (annotation,)) if a is not type(None)
        ]
        model = next(
            (a for a in candidates if isinstance(a, type) and issubclass(a, BaseModel)), None
        )
        if model is None:
            return []
    fields = getattr(model, "model_fields", {})
    return [name for name in fields if name != "source"]


def validation_problems(
    exc: ValidationError, path: Path, *, overridden: Sequence[str] = ()
) -> list[str]:
    """Turn pydantic's errors into lines that name the file, the key and the fix.

    Keys in ``overridden`` were set on the command line (e.g. ``--budget``), not in the
    file, and their lines say so.
    """
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            valid = _fields_at(loc[:-1])
            near = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.5)
            hint = f"did you mean {near[0]!r}?" if near else f"valid keys here: {', '.join(valid)}"
            lines.append(f"{path}: unknown key '{key}': {hint}")
        elif err["type"] == "missing":
            lines.append(f"{path}: missing required key '{key}'")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "finite_number":
                msg = (
                    "must be a finite number (infinity and NaN cannot be recorded in the "
                    "manifest, so the run could not be repeated); write the number itself"
                )
            got = err.get("input")
            shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
            where = f"key '{key}'" if loc else "scenario"
            if key in overridden:
                where += " (set on the command line)"
            lines.append(f"{path}: {where}: {msg}{shown}")
    return lines
