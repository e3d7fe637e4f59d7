"""Every human-facing label in the code and templates has its Indonesian translation, with
the same placeholders, in the one message catalogue."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

import netplan
from netplan.i18n import catalogue, texts

PACKAGE = Path(netplan.__file__).parent
#: the calls whose first (and for ngettext second) argument is a label in English
KEYWORDS = {"gettext": None, "ngettext": (1, 2), "_": None, "format": None}


def _labels() -> list[tuple[str, int, str | tuple[str, ...]]]:
    found = extract_from_dir(
        PACKAGE,
        method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords=KEYWORDS,
    )
    return [(name, line, message) for name, line, message, _, _ in found]


def _fields(text: str) -> set[str]:
    """The ``{name}`` fields of a str.format label (and jinja's ``%(name)s``)."""
    names = {f for _, f, _, _ in string.Formatter().parse(text) if f}
    return names | set(re.findall(r"%\((\w+)\)s", text))


LABELS = _labels()


def test_the_code_has_labels_to_translate() -> None:
    assert len(LABELS) >= 10


@pytest.mark.parametrize(("where", "line", "message"), LABELS, ids=lambda v: str(v)[:40])
def test_every_label_has_an_indonesian_translation_with_the_same_fields(
    where: str, line: int, message: str | tuple[str, ...]
) -> None:
    indonesian = catalogue("id")
    if isinstance(message, tuple):
        singular, plural = message[0], message[1]
        translated = [indonesian.ngettext(singular, plural, n) for n in (1, 2)]
        originals = [singular, plural]
    else:
        translated, originals = [indonesian.gettext(message)], [message]
    for original, text in zip(originals, translated, strict=True):
        assert text != original or not re.search("[a-z]{4}", original) or original in SAME, (
            f"{where}:{line}: no Indonesian translation of {original!r}"
        )
        assert _fields(text) == _fields(original), f"{where}:{line}: fields differ in {text!r}"


#: labels that read the same in both languages
SAME = {
    "optimal",
    "{cost}",
    "EIRP",
    "Backhaul",
    "Backhaul: {link}.",
    "Status",
    "Blank spot",  # the ministry's own word ("desa blank spot")
    "{capacity} Mbit/s",
    "{name} ({coverage})",
}


def test_numbers_follow_each_language() -> None:
    assert texts("id").money(2_250_000_000, "IDR") == "Rp 2,25 miliar"
    assert texts("id").people(1234) == "1.234 jiwa"
    assert texts("en").money(2_250_000_000, "IDR") == "IDR 2.25 billion"
    assert texts("en").people(1) == "1 person"
    assert texts("en").money(850_000, "IDR") == "IDR 850,000"
    assert texts("id").money(-1_350_000_000, "IDR") == "-Rp 1,35 miliar"
    assert texts("en").money(-0.4, "IDR") == "IDR 0"
    assert texts("id").money(None, "IDR") == texts("id").missing
    with pytest.raises(ValueError, match="not one of"):
        texts("fr")


@settings(max_examples=400, deadline=None)
@given(
    value=st.one_of(
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e18, max_value=1e18),
        st.integers(min_value=-(10**15), max_value=10**15),
    ),
    decimals=st.integers(min_value=0, max_value=3),
    lang=st.sampled_from(["en", "id"]),
)
def test_numbers_read_as_the_locale_writes_them(value: float, decimals: int, lang: str) -> None:
    """Numbers are grouped and marked as CLDR (Babel) writes them in each language: 1,234.5
    in English, 1.234,5 in Indonesian, never "-0"."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    expected = format_decimal(round(float(value), decimals) + 0.0, format=pattern, locale=lang)
    assert texts(lang).number(value, decimals) == expected
