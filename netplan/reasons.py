"""Why each site is in the plan, in words, from its row of ``plan.geojson`` alone.

A reason is built only from the site's properties (people, costs, backhaul, blank spot,
runner-up), so the review map can write it again in another language from a finished run's
files. Every label goes through the message catalogue (:func:`netplan.i18n.texts`), and
every number through its formatting, so Bahasa Indonesia reads ``Rp 2,25 miliar`` and
``1.234 jiwa``. Values from the site (names, ids) are only ever filled into a translated
template, never used as one, so a name such as ``{x}`` or ``<b>`` stays plain text.

>>> site = {"id": "C0001", "kind": "tower", "people_newly_covered": 1.0,
...         "people_only_here": 1.0, "backhaul": "satellite", "total_cost": 9e8,
...         "backhaul_cost": 0.0, "all_in_cost": 9e8, "cost_per_person": 9e8,
...         "horizon_years": 5}
>>> print(site_reason(site, currency="IDR"))  # doctest: +NORMALIZE_WHITESPACE
Newly covers 1 person that no existing site reaches. No other new site serves this
person. Backhaul: a satellite (VSAT) terminal, as no terrestrial link was cheaper. Cost
over 5 years: IDR 900 million, all of it the site's own. That is IDR 900 million per
newly covered person. No unchosen candidate site lies within 10 km.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from netplan.i18n import Texts, texts

#: how far from a chosen site an unchosen candidate counts as its runner-up
RUNNER_UP_RADIUS_KM = 10.0


def number_of(site: Mapping[str, Any], key: str) -> float | None:
    """The finite number under ``key``, or None (missing, null, NaN, not a number)."""
    value = site.get(key)
    if isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def text_of(site: Mapping[str, Any], key: str) -> str:
    """The text under ``key`` ("" when missing or null)."""
    value = site.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _count(site: Mapping[str, Any], key: str) -> int:
    """Whole people under ``key`` (0 when missing)."""
    return round(number_of(site, key) or 0.0)


def _sentences(*parts: str) -> str:
    """Non-empty sentences joined by single spaces."""
    return " ".join(p.strip() for p in parts if p and p.strip())


def site_reason(site: Mapping[str, Any], *, currency: str, lang: str = "en") -> str:
    """Why this site or hotspot is in the plan: whom it newly serves, where, how it is fed,
    what it costs against the plan's average, and its runner-up.

    Parameters
    ----------
    site
        One site's properties as in ``plan.geojson`` (missing keys read as unknown).
    currency
        The scenario's currency code (``IDR``).
    lang
        ``en`` or ``id``.
    """
    t = texts(lang)
    if text_of(site, "kind") == "wifi":
        return _sentences(
            _wifi_reach(site, t),
            _backhaul_sentence(site, t),
            _cost_sentence(site, t, currency),
            _per_person_sentence(site, t, currency, per=t.gettext("per person reached")),
        )
    runner_up = runner_up_text(site, currency=currency, lang=lang)
    if not runner_up:
        distance = t.km(RUNNER_UP_RADIUS_KM, 0)
        runner_up = t.format(
            "No unchosen candidate site lies within {distance}.", distance=distance
        )
    return _sentences(
        _tower_reach(site, t),
        _only_here(site, t),
        _backhaul_sentence(site, t),
        _relays(site, t),
        _cost_sentence(site, t, currency),
        _per_person_sentence(site, t, currency, per=t.gettext("per newly covered person")),
        runner_up,
    )


def _tower_reach(site: Mapping[str, Any], t: Texts) -> str:
    people = _count(site, "people_newly_covered")
    if people == 0:
        return t.gettext(
            "Newly covers no one: existing sites or other new sites already serve everyone "
            "within its reach."
        )
    reach = t.format(
        "Newly covers {people} that no existing site reaches",
        people=t.people(site.get("people_newly_covered")),
    )
    return reach + _where(site, t, people) + "."


def _where(site: Mapping[str, Any], t: Texts, people: int) -> str:
    """``, the largest share of them in blank spot B0001 near Desa X (876 people live there)``."""
    spot = text_of(site, "blank_spot")
    if not spot:
        return ""
    where = t.format(
        t.ngettext(
            ", in blank spot {spot}", ", the largest share of them in blank spot {spot}", people
        ),
        spot=spot,
    )
    village = text_of(site, "blank_spot_village")
    if village:
        where += t.format(" near {village}", village=village)
    spot_people = number_of(site, "blank_spot_people")
    if spot_people is not None and round(spot_people) > 0:
        live = t.ngettext("{people} lives there", "{people} live there", round(spot_people))
        where += " (" + t.format(live, people=t.people(spot_people)) + ")"
    return where


def _only_here(site: Mapping[str, Any], t: Texts) -> str:
    """How many of the newly covered no other new site serves."""
    people = _count(site, "people_newly_covered")
    only = min(_count(site, "people_only_here"), people)
    if people == 0:
        return ""
    if only == people:
        return t.ngettext(
            "No other new site serves this person.", "No other new site serves any of them.", people
        )
    if only == 0:
        return t.ngettext(
            "Another new site also reaches this person.",
            "Other new sites also reach every one of them.",
            people,
        )
    return t.format(
        t.ngettext(
            "{n} of them is served by no other new site.",
            "{n} of them are served by no other new site.",
            only,
        ),
        n=t.number(only),
    )


def _wifi_reach(site: Mapping[str, Any], t: Texts) -> str:
    place = text_of(site, "name") or text_of(site, "id")
    if _count(site, "people_newly_covered") == 0:
        return t.format(
            "Public WiFi at {place}: reaches no one left without mobile signal by this plan.",
            place=place,
        )
    return t.format(
        "Public WiFi at {place}: reaches {people} left without mobile signal by this plan.",
        place=place,
        people=t.people(site.get("people_newly_covered")),
    )


def backhaul_phrase(site: Mapping[str, Any], *, lang: str = "en") -> str:
    """How the site is fed, e.g. ``fiber spur of 4.45 km from POP-1 (10,000 Mbit/s)``
    ("" when no backhaul is modelled)."""
    t = texts(lang)
    kind = text_of(site, "backhaul")
    source = text_of(site, "backhaul_to")
    relayed = bool(text_of(site, "relayed_via"))
    length = t.km(number_of(site, "backhaul_km"), 2)
    if kind == "satellite":
        return t.gettext("a satellite (VSAT) terminal, as no terrestrial link was cheaper")
    if kind == "fiber":
        template = (
            "a fiber spur of {length}, relayed via new site {source}"
            if relayed
            else "a fiber spur of {length} from {source}"
        )
    elif kind == "microwave":
        template = (
            "a microwave hop of {length}, relayed via new site {source}"
            if relayed
            else "a microwave hop of {length} from {source}"
        )
    else:
        return ""
    phrase = t.format(template, length=length, source=source)
    capacity = number_of(site, "backhaul_capacity_mbps")
    if capacity is not None:
        phrase += " (" + t.format("{capacity} Mbit/s", capacity=t.number(capacity)) + ")"
    return phrase


def _backhaul_sentence(site: Mapping[str, Any], t: Texts) -> str:
    phrase = backhaul_phrase(site, lang=t.lang)
    if not phrase:
        return t.gettext("Backhaul: none modelled.")
    return t.format("Backhaul: {link}.", link=phrase)


def _relays(site: Mapping[str, Any], t: Texts) -> str:
    """``It relays the backhaul of new sites C0003, C0004.``"""
    fed = [s.strip() for s in text_of(site, "relays_to").split(",") if s.strip()]
    if not fed:
        return ""
    return t.format(
        t.ngettext(
            "It relays the backhaul of new site {sites}.",
            "It relays the backhaul of new sites {sites}.",
            len(fed),
        ),
        sites=", ".join(fed),
    )


def _cost_sentence(site: Mapping[str, Any], t: Texts, currency: str) -> str:
    """The all-in cost over the horizon, split into the site (or hotspot) and its backhaul."""
    years = round(number_of(site, "horizon_years") or 0)
    over = t.format(t.ngettext("{n} year", "{n} years", years), n=t.number(years))
    all_in = t.money(site.get("all_in_cost"), currency)
    backhaul = number_of(site, "backhaul_cost") or 0.0
    wifi = text_of(site, "kind") == "wifi"
    if round(backhaul) == 0:
        template = (
            "Cost over {years}: {all_in}, all of it the hotspot's own."
            if wifi
            else "Cost over {years}: {all_in}, all of it the site's own."
        )
        return t.format(template, years=over, all_in=all_in)
    template = (
        "Cost over {years}: {all_in} in all, of which the hotspot {site} and its backhaul "
        "{backhaul}."
        if wifi
        else "Cost over {years}: {all_in} in all, of which the site {site} and its backhaul "
        "{backhaul}."
    )
    return t.format(
        template,
        years=over,
        all_in=all_in,
        site=t.money(site.get("total_cost"), currency),
        backhaul=t.money(backhaul, currency),
    )


def _per_person_sentence(site: Mapping[str, Any], t: Texts, currency: str, *, per: str) -> str:
    """The cost per person against the plan's average."""
    cost = number_of(site, "cost_per_person")
    if cost is None or _count(site, "people_newly_covered") == 0:
        return t.gettext("With no one newly served, it has no cost per person.")
    amount = t.money(cost, currency)
    average = number_of(site, "plan_cost_per_person")
    if average is None:
        return t.format("That is {cost} {per}.", cost=amount, per=per)
    if round(cost) < round(average):
        template = "That is {cost} {per}, below the plan average of {average}."
    elif round(cost) > round(average):
        template = "That is {cost} {per}, above the plan average of {average}."
    else:
        template = "That is {cost} {per}, the plan average."
    return t.format(template, cost=amount, per=per, average=t.money(average, currency))


def runner_up_text(site: Mapping[str, Any], *, currency: str, lang: str = "en") -> str:
    """The best candidate not chosen that would serve most of the same people, and why it
    lost ("" when the site has no runner-up).

    Parameters
    ----------
    site
        One site's properties: ``runner_up``, ``runner_up_km``, ``runner_up_people``,
        ``runner_up_cost``, ``runner_up_cost_per_person`` against the site's own
        ``people_newly_covered`` and ``all_in_cost``.
    currency, lang
        As for :func:`site_reason`.
    """
    name = text_of(site, "runner_up")
    if not name:
        return ""
    t = texts(lang)
    distance = number_of(site, "runner_up_km")
    if distance is None:
        head = t.format("Best alternative: {site}.", site=name)
    else:
        head = t.format(
            "Best alternative: {site}, {distance} away.", site=name, distance=t.km(distance)
        )
    return _sentences(head, _runner_up_verdict(site, t, currency))


def _runner_up_verdict(site: Mapping[str, Any], t: Texts, currency: str) -> str:
    theirs = _count(site, "runner_up_people")
    ours = _count(site, "people_newly_covered")
    if theirs == 0:
        return t.gettext("In this site's place it would newly cover no one.")
    people = t.people(site.get("runner_up_people"))
    their_cost = number_of(site, "runner_up_cost")
    if their_cost is None:
        return t.format(
            "In this site's place it would newly cover {people}, but no backhaul could feed "
            "it on its own.",
            people=people,
        )
    cost = t.money(their_cost, currency)
    per_person = number_of(site, "runner_up_cost_per_person")
    if per_person is not None:
        cost += " (" + t.format("{cost} per person", cost=t.money(per_person, currency)) + ")"
    if theirs < ours:
        return t.format(
            "In this site's place it would newly cover {people}, {fewer} fewer, for {cost}.",
            people=people,
            fewer=t.number(ours - theirs),
            cost=cost,
        )
    if their_cost - (number_of(site, "all_in_cost") or 0.0) >= 1.0:
        return t.format(
            "In this site's place it would newly cover {people}, no fewer, but it costs more: "
            "{cost}.",
            people=people,
            cost=cost,
        )
    return t.format(
        "In this site's place it would newly cover {people} for {cost}; the plan as a whole "
        "(its shared links, satellite capacity and the rest of its sites) keeps this site.",
        people=people,
        cost=cost,
    )


def reason_parts(site: Mapping[str, Any], *, currency: str, lang: str) -> tuple[str, str]:
    """The reason without its runner-up sentence, and that sentence ("" for a hotspot or
    when there is none): a popup or balloon shows them on their own lines."""
    reason = site_reason(site, currency=currency, lang=lang)
    if str(site.get("kind")) == "wifi":
        return reason, ""
    runner_up = runner_up_text(site, currency=currency, lang=lang)
    if runner_up and reason.endswith(runner_up):
        reason = reason[: -len(runner_up)].rstrip()
    return reason, runner_up
