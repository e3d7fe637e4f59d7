"""The colours of every review surface (map, legend, KML, GeoPackage styles), in one place,
so that a colour means one thing everywhere.

One meaning, one colour: green is "had signal before the plan" (existing coverage, villages
that had signal), cyan "gains signal from the plan" (new coverage, villages gaining signal,
blank spots the plan closes), red "no signal" (blank spots still dark, villages staying
dark, citizen reports confirming a blank spot; light red: partly closed). The backhaul types
keep orange, blue and brown, WiFi hotspots gold, existing sites grey, and the regions'
coverage classes a purple ramp that no point or area symbol uses.
"""

from __future__ import annotations

import math

#: new towers and backhaul links, by backhaul type
BACKHAUL_COLOURS = {"fiber": "#e67e22", "microwave": "#1f78b4", "satellite": "#8c564b"}
OTHER_COLOUR = "#7f7f7f"
HOTSPOT_COLOUR = "#f1c40f"
EXISTING_SITE_COLOUR = "#999999"
#: the outline of point symbols (towers, hotspots, existing sites)
MARKER_OUTLINE = "#222222"

#: signal: had it before the plan, gains it from the plan, has none
HAD_SIGNAL_COLOUR = "#33a02c"
GAINS_SIGNAL_COLOUR = "#17becf"
DARK_COLOUR = "#d7191c"
PARTLY_DARK_COLOUR = "#f4a6a6"
EXISTING_COVERAGE_COLOUR = HAD_SIGNAL_COLOUR
NEW_COVERAGE_COLOUR = GAINS_SIGNAL_COLOUR
#: a blank spot of an analysis run (no plan: every one is dark)
BLANK_SPOT_COLOUR = DARK_COLOUR
#: blank spots after the plan, by ``status`` in ``blank_spots.geojson``
BLANK_SPOT_STATUS_COLOURS = {
    "dark": DARK_COLOUR,
    "partly_closed": PARTLY_DARK_COLOUR,
    "closed": GAINS_SIGNAL_COLOUR,
}
#: villages by their signal before and after the plan
VILLAGE_COLOURS = {
    "had_signal": HAD_SIGNAL_COLOUR,
    "gains_signal": GAINS_SIGNAL_COLOUR,
    "stays_dark": DARK_COLOUR,
}
#: published citizen-report blocks, by what the reports say against the model
REPORT_BLOCK_COLOURS = {"confirmed_blank": DARK_COLOUR, "disputed": "#222222"}

#: region fill by coverage percentage: (lowest percentage, colour, label)
COVERAGE_CLASSES = (
    (95.0, "#dadaeb", "≥ 95 %"),
    (80.0, "#9e9ac8", "80–95 %"),
    (50.0, "#6a51a3", "50–80 %"),
    (-math.inf, "#3f007d", "< 50 %"),
)
REGION_OUTLINE = "#3f007d"

#: the new sites' signal, weak to strong (viridis)
SIGNAL_RAMP = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
#: people per km², few to many (greys, on the population overlay only)
POPULATION_RAMP = ("#f0f0f0", "#bdbdbd", "#969696", "#636363", "#252525")


def coverage_colour(pct: float | None) -> str:
    """The colour class of a coverage percentage (:data:`OTHER_COLOUR` when unknown).

    >>> coverage_colour(96.0), coverage_colour(10.0), coverage_colour(None)
    ('#dadaeb', '#3f007d', '#7f7f7f')
    """
    if pct is None or not math.isfinite(pct):
        return OTHER_COLOUR
    return next(colour for low, colour, _ in COVERAGE_CLASSES if pct >= low)


#: what each backhaul type is called wherever it is shown (English; shown translated)
BACKHAUL_NAMES = {
    "fiber": "fiber",
    "microwave": "microwave",
    "satellite": "satellite (VSAT)",
}
#: blank-spot statuses after a plan, in the legend's order, with what each is called
BLANK_SPOT_STATUSES = (
    ("dark", "Still dark after the plan"),
    ("partly_closed", "Partly closed by the plan"),
    ("closed", "Closed by the plan"),
)
