"""What an engineer needs to know about one planned site, as (label, value) pairs.

The review map's popups and the KML balloons show the same facts, drawn from the site's row of
``plan.geojson`` alone: where it stands, what it is, how it is fed, whom it newly serves and
what it costs. Labels go through the message catalogue and numbers through the language's
formatting; a value the run does not know reads ``n/a`` in the reader's language. The pairs
are plain text: whoever writes them into HTML or XML escapes them.

>>> site = {"id": "C0001", "kind": "tower", "lat": -4.1, "lon": 138.95, "backhaul": "fiber",
...         "backhaul_to": "POP-1", "backhaul_km": 4.452, "total_cost": 2.25e9,
...         "backhaul_cost": 1.2e9, "all_in_cost": 3.45e9, "horizon_years": 5}
>>> facts = dict(site_facts(site, currency="IDR", lang="id"))
>>> facts["Koordinat (lintang, bujur)"], facts["Backhaul"], facts["Biaya menyeluruh per jiwa"]
('-4.10000, 138.95000', 'serat optik dari POP-1', 't/a')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from netplan import palette
from netplan.i18n import Texts, texts
from netplan.reasons import number_of, text_of


def _lat_lon(site: Mapping[str, Any]) -> tuple[float, float] | None:
    """(lat, lon) from the ``lat``/``lon`` properties, else from a point ``geometry``."""
    lat, lon = number_of(site, "lat"), number_of(site, "lon")
    if lat is not None and lon is not None:
        return lat, lon
    geometry: Any = site.get("geometry")
    if getattr(geometry, "geom_type", "") == "Point" and not geometry.is_empty:
        return float(geometry.y), float(geometry.x)
    return None


def _coordinates(site: Mapping[str, Any], t: Texts) -> str:
    """``lat, lon`` with 5 decimals (about a metre), written the same in every language so
    that it can be pasted into a GPS or a search box."""
    point = _lat_lon(site)
    return t.missing if point is None else f"{point[0]:.5f}, {point[1]:.5f}"


def _unit(value: float | None, t: Texts, unit: str, decimals: int = 0) -> str:
    return t.missing if value is None else f"{t.number(value, decimals)} {unit}"


def _backhaul(site: Mapping[str, Any], t: Texts) -> str:
    """``fiber from POP-1``, ``microwave relayed via new site C0003``, ``satellite (VSAT)``."""
    kind = text_of(site, "backhaul")
    if not kind:
        return t.missing
    name = t.gettext(palette.BACKHAUL_NAMES.get(kind, kind))
    relayed = text_of(site, "relayed_via")
    source = text_of(site, "backhaul_to")
    if relayed:
        return t.format("{kind} relayed via new site {site}", kind=name, site=relayed)
    if kind != "satellite" and source:
        return t.format("{kind} from {source}", kind=name, source=source)
    return name


#: a cost label, and the same over the planning horizon (singular, plural)
_OVER_YEARS = {
    "Site cost": ("Site cost over {n} year", "Site cost over {n} years"),
    "Hotspot cost": ("Hotspot cost over {n} year", "Hotspot cost over {n} years"),
    "Backhaul cost": ("Backhaul cost over {n} year", "Backhaul cost over {n} years"),
    "All-in cost": ("All-in cost over {n} year", "All-in cost over {n} years"),
}


def _over_years(t: Texts, label: str, years: float | None) -> str:
    """``Site cost over 5 years`` (``Site cost`` when the horizon is unknown)."""
    if years is None or round(years) <= 0:
        return t.gettext(label)
    n = round(years)
    singular, plural = _OVER_YEARS[label]
    return t.format(t.ngettext(singular, plural, n), n=t.number(n))


def _placement(site: Mapping[str, Any], t: Texts) -> list[tuple[str, str]]:
    """Id, place name, coordinates and regency."""
    rows = [(t.gettext("ID"), text_of(site, "id") or t.missing)]
    name = text_of(site, "name")
    if name and name != text_of(site, "id"):
        rows.append((t.gettext("Place"), name))
    rows += [
        (t.gettext("Coordinates (lat, lon)"), _coordinates(site, t)),
        (t.gettext("Regency"), text_of(site, "region") or t.missing),
        (t.gettext("Technology"), text_of(site, "technology") or t.missing),
    ]
    return rows


def _radio(site: Mapping[str, Any], t: Texts) -> list[tuple[str, str]]:
    """Band, mast height, ground elevation and EIRP of a tower."""
    mast = number_of(site, "mast_height_m")
    return [
        (t.gettext("Band"), _unit(number_of(site, "band_mhz"), t, "MHz")),
        (
            t.gettext("Mast height"),
            _unit(mast, t, "m", 0 if mast is None or mast.is_integer() else 1),
        ),
        (t.gettext("Ground elevation"), _unit(number_of(site, "ground_elevation_m"), t, "m")),
        (t.gettext("EIRP"), _unit(number_of(site, "eirp_dbm"), t, "dBm", 1)),
    ]


def _feed(site: Mapping[str, Any], t: Texts) -> list[tuple[str, str]]:
    """The backhaul: its type and source, route length, capacity, and sites it relays."""
    rows = [(t.gettext("Backhaul"), _backhaul(site, t))]
    if text_of(site, "backhaul") != "satellite":
        rows.append((t.gettext("Backhaul route"), t.km(number_of(site, "backhaul_km"), 2)))
    capacity = number_of(site, "backhaul_capacity_mbps")
    rows.append((t.gettext("Backhaul capacity"), _unit(capacity, t, "Mbit/s")))
    relays = text_of(site, "relays_to")
    if relays:
        rows.append((t.gettext("Relays the backhaul of"), relays))
    return rows


def _reach(site: Mapping[str, Any], t: Texts, wifi: bool) -> list[tuple[str, str]]:
    """Whom the site newly serves (a hotspot: its reach and the people it reaches)."""
    people: Callable[[str], str] = lambda key: t.people(site.get(key))  # noqa: E731
    if wifi:
        return [
            (t.gettext("Reach"), _unit(number_of(site, "reach_m"), t, "m")),
            (t.gettext("People reached"), people("people_newly_covered")),
        ]
    return [
        (t.gettext("People newly covered"), people("people_newly_covered")),
        (t.gettext("People only this site covers"), people("people_only_here")),
    ]


def _costs(site: Mapping[str, Any], t: Texts, currency: str, wifi: bool) -> list[tuple[str, str]]:
    """The site's own cost and its backhaul's, apart, then together and per person."""
    years = number_of(site, "horizon_years")
    money: Callable[[str], str] = lambda key: t.money(site.get(key), currency)  # noqa: E731
    own = "Hotspot cost" if wifi else "Site cost"
    return [
        (_over_years(t, own, years), money("total_cost")),
        (_over_years(t, "Backhaul cost", years), money("backhaul_cost")),
        (_over_years(t, "All-in cost", years), money("all_in_cost")),
        (t.gettext("All-in cost per person"), money("cost_per_person")),
    ]


def site_facts(site: Mapping[str, Any], *, currency: str, lang: str) -> list[tuple[str, str]]:
    """The facts of one new tower or hotspot, in order, as (label, value) text pairs.

    Parameters
    ----------
    site
        The site's properties as in ``plan.geojson`` (a ``geometry`` point is used when
        ``lat``/``lon`` are missing); unknown keys are ignored, missing ones read ``n/a``.
    currency
        The scenario's currency code (``IDR``), for the costs.
    lang
        ``en`` or ``id``.

    Returns
    -------
    list of (str, str)
        Id, place, coordinates (lat, lon to 5 decimals), regency, technology; for a tower
        band, mast height, ground elevation and EIRP; for a hotspot its reach; the backhaul
        (type and source, route length, capacity, sites it relays); people newly covered and
        only here (a hotspot: people reached); the site's cost and its backhaul's cost over
        the horizon, their sum (all-in) and the all-in cost per person, the figures the
        site's reason quotes.
    """
    t = texts(lang)
    wifi = text_of(site, "kind") == "wifi"
    return [
        *_placement(site, t),
        *([] if wifi else _radio(site, t)),
        *_feed(site, t),
        *_reach(site, t, wifi),
        *_costs(site, t, currency, wifi),
    ]
