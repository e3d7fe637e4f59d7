"""Every human-facing label in one message catalogue, and numbers written for the reader.

English is the source language: a label is written in English in the code or a template and
looked up in the catalogue of the chosen language (``netplan/locale/<lang>/LC_MESSAGES/netplan.po``,
a standard gettext PO file, compiled in memory by Babel when first used). Numbers, money and
percentages follow the language's conventions through Babel's CLDR data:

>>> t = texts("id")
>>> t.money(2.25e9, "IDR"), t.people(1234), t.percent(90.5)
('Rp 2,25 miliar', '1.234 jiwa', '90,5%')
>>> t = texts("en")
>>> t.money(2.25e9, "IDR"), t.people(1234), t.percent(90.5)
('IDR 2.25 billion', '1,234 people', '90.5%')
"""

from __future__ import annotations

import gettext
import io
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal, get_args

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import (
    format_compact_decimal,
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
)

Language = Literal["en", "id"]
LANGUAGES: tuple[str, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "en"
#: the CLDR locale of each language (number formats, compact "juta"/"miliar")
_LOCALES = {"en": "en", "id": "id"}
#: how each language writes a currency code before an amount; others keep the ISO code
_CURRENCY_SIGNS = {"id": {"IDR": "Rp"}}
#: below this amount money is written in full (Rp 850.000), above it compactly (Rp 2,5 juta)
_COMPACT_FROM = 1e6


#: the catalogue's gettext domain: ``netplan/locale/<lang>/LC_MESSAGES/netplan.po``
DOMAIN = "netplan"


@cache
def catalogue(lang: str) -> gettext.NullTranslations:
    """The translations of ``lang``, compiled from its PO file (English: none, labels are
    their own translation)."""
    if lang == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    po = resources.files("netplan") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as source:
        parsed = read_po(source, locale=_LOCALES[lang], domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, parsed)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@cache
def _number_marks(locale: str) -> dict[int, str]:
    """Python's grouping, decimal and minus marks mapped to ``locale``'s."""
    return str.maketrans(
        {
            ",": get_group_symbol(locale),
            ".": get_decimal_symbol(locale),
            "-": get_minus_sign_symbol(locale),
        }
    )


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class Texts:
    """Labels and numbers in one language; ``n/a`` (translated) for missing numbers."""

    lang: Language

    @property
    def locale(self) -> str:
        return _LOCALES[self.lang]

    def gettext(self, message: str) -> str:
        """``message`` (English) in this language."""
        return catalogue(self.lang).gettext(message)

    def ngettext(self, singular: str, plural: str, n: float) -> str:
        """The singular or plural label for ``n`` in this language."""
        return catalogue(self.lang).ngettext(singular, plural, int(n))

    def format(self, message: str, **values: Any) -> str:
        """``message`` translated, then its ``{name}`` fields filled with ``values``."""
        return self.gettext(message).format(**values)

    @property
    def missing(self) -> str:
        return self.gettext("n/a")

    def number(self, value: Any, decimals: int = 0) -> str:
        """A number with this language's grouping and decimal marks."""
        number = _finite(value)
        if number is None:
            return self.missing
        rounded = round(number, decimals) + 0.0  # + 0.0: no "-0" for -0.4
        # Python's own grouping with the locale's marks: the same text as Babel's
        # format_decimal("#,##0.00") for English and Indonesian (tested), a tenth of the
        # time, which counts when a national map labels tens of thousands of sites
        text = format(Decimal(repr(rounded)), f",.{max(decimals, 0)}f")
        return text.translate(_number_marks(self.locale))

    def people(self, value: Any) -> str:
        """A whole number of people: ``1,234 people`` / ``1.234 jiwa``."""
        number = _finite(value)
        if number is None:
            return self.missing
        count = round(number)
        return self.ngettext("{n} person", "{n} people", count).format(n=self.number(count))

    def percent(self, value: Any, decimals: int = 1) -> str:
        """A percentage (given 0-100): ``90.5%`` / ``90,5%``."""
        number = _finite(value)
        return self.missing if number is None else f"{self.number(number, decimals)}%"

    def km(self, value: Any, decimals: int = 1) -> str:
        number = _finite(value)
        return self.missing if number is None else f"{self.number(number, decimals)} km"

    def currency_sign(self, currency: str) -> str:
        return _CURRENCY_SIGNS.get(self.lang, {}).get(currency, currency)

    def money(self, value: Any, currency: str, *, digits: int = 2) -> str:
        """An amount for people: in full below a million (``Rp 850.000``), compact above
        (``IDR 2.25 billion``, ``Rp 2,25 miliar``) with up to ``digits`` decimals."""
        number = _finite(value)
        if number is None:
            return self.missing
        minus = "-" if round(number) < 0 else ""  # -Rp 1,35 miliar, not Rp -1,35 miliar
        sign, amount = self.currency_sign(currency), abs(number)
        if amount < _COMPACT_FROM:
            return f"{minus}{sign} {self.number(amount)}"
        compact = format_compact_decimal(
            amount, format_type="long", locale=self.locale, fraction_digits=digits
        )
        return f"{minus}{sign} {compact}"


def texts(lang: str | None = None) -> Texts:
    """The labels and number formats of ``lang`` (English when None).

    Raises
    ------
    ValueError
        For a language netplan has no catalogue for (the CLI and config only accept
        :data:`LANGUAGES`).
    """
    lang = lang or DEFAULT_LANGUAGE
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return Texts(lang)  # type: ignore[arg-type]
