"""Site reasons read right in English and Bahasa Indonesia, from a site's properties alone."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from netplan.i18n import texts
from netplan.reasons import backhaul_phrase, runner_up_text, site_reason


def _tower(**changes: Any) -> dict[str, Any]:
    """A tower row as in plan.geojson: 1,234.4 people, most in a blank spot near a village,
    fed by a fiber spur, with a runner-up that covers fewer people."""
    site: dict[str, Any] = {
        "id": "C0007",
        "kind": "tower",
        "name": "B0003",
        "people_newly_covered": 1234.4,
        "people_only_here": 234.0,
        "blank_spot": "B0003",
        "blank_spot_people": 980.2,
        "blank_spot_village": "Kampung Baru",
        "backhaul": "fiber",
        "backhaul_to": "POP-1",
        "backhaul_km": 12.34,
        "backhaul_capacity_mbps": 10_000.0,
        "relayed_via": None,
        "relays_to": "",
        "total_cost": 1_500_000_000.0,
        "backhaul_cost": 750_000_000.0,
        "all_in_cost": 2_250_000_000.0,
        "cost_per_person": 1_822_763.0,
        "plan_cost_per_person": 2_500_000.0,
        "horizon_years": 5,
        "runner_up": "C0011",
        "runner_up_km": 3.21,
        "runner_up_people": 1000.0,
        "runner_up_cost": 2_000_000_000.0,
        "runner_up_cost_per_person": 2_000_000.0,
    }
    site.update(changes)
    return site


def _hotspot(**changes: Any) -> dict[str, Any]:
    site = _tower(
        id="W-P0001",
        kind="wifi",
        name="SD Negeri 1",
        people_newly_covered=40.0,
        people_only_here=0.0,
        blank_spot="",
        backhaul="satellite",
        backhaul_to="satellite",
        backhaul_km=0.0,
        backhaul_capacity_mbps=None,
        total_cost=210_000_000.0,
        backhaul_cost=1_020_000_000.0,
        all_in_cost=1_230_000_000.0,
        cost_per_person=30_750_000.0,
        runner_up=None,
    )
    site.update(changes)
    return site


def _clean(text: str) -> None:
    """Plain punctuation: no doubled spaces or stops, no empty brackets, no leftover fields."""
    assert text and text == text.strip()
    assert "  " not in text and ". ." not in text and ".." not in text and ",," not in text
    assert " ," not in text and " ." not in text and "()" not in text
    assert not re.search(r"\{[a-z_]+\}", text), text
    assert "nan" not in text.lower().split() and "None" not in text
    assert text.endswith(".")


# --- English ------------------------------------------------------------------------------


def test_a_tower_reason_names_whom_it_serves_where_how_it_is_fed_and_what_it_costs() -> None:
    reason = site_reason(_tower(), currency="IDR")
    _clean(reason)
    assert reason.startswith(
        "Newly covers 1,234 people that no existing site reaches, the largest share of them in "
        "blank spot B0003 near Kampung Baru (980 people live there). 234 of them are served by "
        "no other new site."
    )
    assert "Backhaul: a fiber spur of 12.34 km from POP-1 (10,000 Mbit/s)." in reason
    assert (
        "Cost over 5 years: IDR 2.25 billion in all, of which the site IDR 1.5 billion and its "
        "backhaul IDR 750 million." in reason
    )
    assert (
        "That is IDR 1.82 million per newly covered person, below the plan average of "
        "IDR 2.5 million." in reason
    )
    assert reason.endswith(
        "Best alternative: C0011, 3.2 km away. In this site's place it would newly cover "
        "1,000 people, 234 fewer, for IDR 2 billion (IDR 2 million per person)."
    )


def test_one_person_is_singular_everywhere() -> None:
    reason = site_reason(
        _tower(
            people_newly_covered=1.2,
            people_only_here=1.0,
            blank_spot_people=1.0,
            horizon_years=1,
            runner_up=None,
        ),
        currency="IDR",
    )
    _clean(reason)
    assert reason.startswith(
        "Newly covers 1 person that no existing site reaches, in blank spot B0003 near "
        "Kampung Baru (1 person lives there). No other new site serves this person."
    )
    assert "Cost over 1 year:" in reason
    assert "1 people" not in reason and "most of them" not in reason


def test_no_one_newly_covered_says_so_without_zero_counts_or_a_cost_per_person() -> None:
    reason = site_reason(
        _tower(people_newly_covered=0.2, people_only_here=0.0, cost_per_person=None),
        currency="IDR",
    )
    _clean(reason)
    assert reason.startswith("Newly covers no one:")
    assert not re.search(r"(?<![\d,])0 (people|of them)", reason)
    assert "With no one newly served, it has no cost per person." in reason


@pytest.mark.parametrize(
    ("people", "only", "expected"),
    [
        (500.0, 500.0, "No other new site serves any of them."),
        (500.0, 0.0, "Other new sites also reach every one of them."),
        (500.0, 1.0, "1 of them is served by no other new site."),
        (500.0, 499.6, "No other new site serves any of them."),
        (1.0, 0.0, "Another new site also reaches this person."),
    ],
)
def test_people_served_only_here_in_plain_grammar(
    people: float, only: float, expected: str
) -> None:
    reason = site_reason(_tower(people_newly_covered=people, people_only_here=only), currency="IDR")
    _clean(reason)
    assert expected in reason
    assert not re.search(r"(?<![\d,])0 of them", reason)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "a fiber spur of 12.34 km from POP-1 (10,000 Mbit/s)"),
        (
            {"backhaul": "microwave", "backhaul_to": "BTS-9", "backhaul_km": 4.5},
            "a microwave hop of 4.50 km from BTS-9 (10,000 Mbit/s)",
        ),
        (
            {"backhaul": "microwave", "backhaul_to": "C0002", "relayed_via": "C0002"},
            "a microwave hop of 12.34 km, relayed via new site C0002 (10,000 Mbit/s)",
        ),
        (
            {"backhaul_to": "C0003", "relayed_via": "C0003", "backhaul_capacity_mbps": None},
            "a fiber spur of 12.34 km, relayed via new site C0003",
        ),
        (
            {"backhaul": "satellite", "backhaul_to": "satellite", "backhaul_km": 0.0},
            "a satellite (VSAT) terminal, as no terrestrial link was cheaper",
        ),
    ],
)
def test_each_backhaul_reads_as_a_phrase(changes: dict[str, Any], expected: str) -> None:
    site = _tower(**changes)
    assert backhaul_phrase(site) == expected
    reason = site_reason(site, currency="IDR")
    _clean(reason)
    assert f"Backhaul: {expected}." in reason


def test_no_backhaul_and_relays_to_other_sites() -> None:
    unfed = site_reason(_tower(backhaul=None, backhaul_cost=0.0), currency="IDR")
    _clean(unfed)
    assert "Backhaul: none modelled." in unfed
    assert "Cost over 5 years: IDR 2.25 billion, all of it the site's own." in unfed
    one = site_reason(_tower(relays_to="C0008"), currency="IDR")
    many = site_reason(_tower(relays_to="C0008, C0009"), currency="IDR")
    assert "It relays the backhaul of new site C0008." in one
    assert "It relays the backhaul of new sites C0008, C0009." in many


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"runner_up_people": 1300.0, "runner_up_cost": 2_600_000_000.0},
            "it would newly cover 1,300 people, no fewer, but it costs more: IDR 2.6 billion",
        ),
        (
            {"runner_up_people": 1234.0, "runner_up_cost": 2_000_000_000.0},
            "it would newly cover 1,234 people for IDR 2 billion (IDR 2 million per person); the "
            "plan as a whole (its shared links, satellite capacity and the rest of its sites) "
            "keeps this site.",
        ),
        (
            {"runner_up_people": 0.3, "runner_up_cost_per_person": None},
            "In this site's place it would newly cover no one.",
        ),
        (
            {"runner_up_cost": None, "runner_up_cost_per_person": None},
            "it would newly cover 1,000 people, but no backhaul could feed it on its own.",
        ),
    ],
)
def test_runner_up_says_why_it_lost(changes: dict[str, Any], expected: str) -> None:
    text = runner_up_text(_tower(**changes), currency="IDR")
    _clean(text)
    assert text.startswith("Best alternative: C0011, 3.2 km away.")
    assert expected in text


def test_a_missing_runner_up_gives_no_text_and_the_reason_says_none_is_near() -> None:
    for missing in (None, "", math.nan):
        site = _tower(runner_up=missing)
        assert runner_up_text(site, currency="IDR") == ""
        reason = site_reason(site, currency="IDR")
        _clean(reason)
        assert reason.endswith("No unchosen candidate site lies within 10 km.")
    assert runner_up_text(_hotspot(), currency="IDR") == ""


def test_a_hotspot_reason() -> None:
    reason = site_reason(_hotspot(), currency="IDR")
    _clean(reason)
    assert reason == (
        "Public WiFi at SD Negeri 1: reaches 40 people left without mobile signal by this "
        "plan. Backhaul: a satellite (VSAT) terminal, as no terrestrial link was cheaper. "
        "Cost over 5 years: IDR 1.23 billion in all, of which the hotspot IDR 210 million and "
        "its backhaul IDR 1.02 billion. That is IDR 30.75 million per person reached, above "
        "the plan average of IDR 2.5 million."
    )


@pytest.mark.parametrize(
    "hostile",
    ["<script>alert(1)</script>", "{people}", "{0}", "%s %(x)d", 'Desa "O\'Hara" & Co'],
)
def test_hostile_names_stay_text(hostile: str) -> None:
    for lang in ("en", "id"):
        reason = site_reason(
            _tower(blank_spot_village=hostile, runner_up=hostile, backhaul_to=hostile),
            currency="IDR",
            lang=lang,
        )
        assert reason.count(hostile) == 3
        hotspot = site_reason(_hotspot(name=hostile), currency="IDR", lang=lang)
        assert hostile in hotspot


def test_missing_values_from_a_geojson_read_as_unknown() -> None:
    """A row read back from plan.geojson has nulls where nothing applies."""
    site = {
        "id": "C0001",
        "kind": "tower",
        "people_newly_covered": 12.0,
        "people_only_here": None,
        "blank_spot": None,
        "backhaul": None,
        "all_in_cost": 1e9,
        "total_cost": 1e9,
        "backhaul_cost": None,
        "cost_per_person": None,
        "horizon_years": None,
    }
    reason = site_reason(site, currency="IDR")
    _clean(reason)
    assert "Newly covers 12 people that no existing site reaches." in reason


# --- Bahasa Indonesia -----------------------------------------------------------------------

#: English words that must not leak into an Indonesian reason
ENGLISH = re.compile(
    r"\b(people|person|covers?|site|sites|cost|costs|years?|near|most|them|fiber|hop|"
    r"relayed|relays|alternative|average|would|other|the|and|of|no|none)\b"
)


def _variants() -> list[dict[str, Any]]:
    """Sites that reach every branch of the reason."""
    return [
        _tower(),
        _tower(people_newly_covered=1.0, people_only_here=1.0, horizon_years=1, runner_up=None),
        _tower(people_newly_covered=0.0, people_only_here=0.0, cost_per_person=None),
        _tower(people_only_here=0.0, relays_to="C0008, C0009"),
        _tower(backhaul="microwave", relayed_via="C0002", backhaul_to="C0002"),
        _tower(backhaul="satellite", backhaul_cost=0.0, plan_cost_per_person=None),
        _tower(backhaul=None, cost_per_person=2_500_000.0),
        _tower(runner_up_people=1300.0, runner_up_cost=2_600_000_000.0),
        _tower(runner_up_people=1234.0),
        _tower(runner_up_people=0.0),
        _tower(runner_up_cost=None, runner_up_km=None),
        _hotspot(),
        _hotspot(people_newly_covered=0.0, backhaul_cost=0.0, cost_per_person=None),
    ]


def test_indonesian_reason_uses_jiwa_and_indonesian_number_marks() -> None:
    reason = site_reason(_tower(), currency="IDR", lang="id")
    _clean(reason)
    assert reason.startswith(
        "Memberikan sinyal baru kepada 1.234 jiwa yang belum terjangkau situs eksisting mana "
        "pun, bagian terbesar di wilayah blank spot B0003 di dekat Kampung Baru (dihuni 980 jiwa)."
    )
    assert "Sebanyak 234 jiwa di antaranya tidak terlayani oleh situs baru lain." in reason
    assert "jalur cabang serat optik sepanjang 12,34 km dari POP-1 (10.000 Mbit/s)" in reason
    assert "Biaya selama 5 tahun: total Rp 2,25 miliar" in reason
    assert "Rp 1,82 juta per jiwa yang baru terjangkau" in reason
    assert "Alternatif terbaik: C0011, berjarak 3,2 km." in reason
    assert texts("id").money(2.25e9, "IDR") == "Rp 2,25 miliar"


@pytest.mark.parametrize("site", _variants(), ids=lambda s: f"{s['kind']}")
def test_every_indonesian_branch_is_translated(site: dict[str, Any]) -> None:
    english = site_reason(site, currency="IDR")
    reason = site_reason(site, currency="IDR", lang="id")
    _clean(reason)
    _clean(english)
    assert reason != english
    leaked = ENGLISH.findall(reason)
    assert not leaked, (leaked, reason)
    assert "IDR" not in reason and "billion" not in reason and "million" not in reason


def test_indonesian_reason_quotes_the_same_figures() -> None:
    t = texts("id")
    site = _tower()
    reason = site_reason(site, currency="IDR", lang="id")
    for figure in (
        t.money(site["all_in_cost"], "IDR"),
        t.money(site["total_cost"], "IDR"),
        t.money(site["backhaul_cost"], "IDR"),
        t.people(site["people_newly_covered"]),
    ):
        assert figure in reason
