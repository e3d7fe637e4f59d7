"""Household internet-access statistics (BPS) joined to the planning regions.

BPS publishes the share of households with internet access by province (and sometimes by
regency), split urban/rural. The planner needs one urban and one rural rate per planning
region, so this module matches each region to a table row and fills the gaps BPS leaves:

* The four Papua provinces created in 2022 (Papua Selatan, Papua Tengah, Papua Pegunungan:
  split from Papua; Papua Barat Daya: split from Papua Barat) are listed but blank in the
  2022 tables. A blank row falls back to its parent, with a note.
* Fully urban provinces (DKI Jakarta) have no rural rate; the row's total is used.

Province codes and names come from ``netplan/data/provinces_id.csv``: the two-digit
Kemendagri codes (as in Permendagri 58/2021 and its 2022 successors), names spelled as BPS
writes them, and ``parent_code`` for the provinces formed by the 2022 Papua splits
(UU 14, 15 and 16 of 2022: 93, 94, 95 from 91; UU 29 of 2022: 96 from 92).
"""

from __future__ import annotations

import csv
import difflib
import io
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from netplan.errors import InputError

logger = logging.getLogger(__name__)

#: region-name columns, most specific first (a table with both kabupaten and provinsi
#: columns is by regency)
_NAME_COLUMNS = ("region", "kabupaten", "name", "nama", "provinsi")
_CODE_COLUMNS = ("code", "kode")
_YEAR_COLUMNS = ("year", "tahun")
_CLASSES = ("urban", "rural", "total")
_URBAN, _RURAL, _TOTAL = range(3)

_PUNCTUATION = re.compile(r"[.\-,_]")
_ABBREVIATIONS = {"KEP": "KEPULAUAN", "KAB": "KABUPATEN", "PROV": "PROVINSI"}
_CODE_LIKE = re.compile(r"\d+(?:\.\d+)*")
_NUMERIC = re.compile(r"\d+(?:\.\d+)?")
_MISSING = {"", "nan", "none", "<na>", "null"}


def normalise_name(name: str) -> str:
    """Comparable form of a region name: upper case, punctuation ('.', '-', ',', '_') as spaces,
    spaces collapsed, abbreviations expanded (KEP → KEPULAUAN, KAB → KABUPATEN, DI at the start →
    DAERAH ISTIMEWA, PROV → PROVINSI), and a leading 'KABUPATEN ' or 'PROVINSI ' dropped (a bare
    name means the regency/province; 'KOTA ' is kept because Kota Jayapura ≠ Jayapura)."""
    words = _PUNCTUATION.sub(" ", str(name).upper()).split()
    if words[:2] == ["D", "I"]:  # "D.I. Yogyakarta"
        words = ["DI", *words[2:]]
    if words[:1] == ["DI"]:
        words = ["DAERAH", "ISTIMEWA", *words[1:]]
    words = [_ABBREVIATIONS.get(w, w) for w in words]
    if words[:1] in (["KABUPATEN"], ["PROVINSI"]) and len(words) > 1:
        words = words[1:]
    return " ".join(words)


@dataclass(frozen=True, eq=False)
class AccessRates:
    """Household internet-access rates per planning region (fractions 0-1, one entry per
    region row)."""

    urban: np.ndarray  # float64 (n,)
    rural: np.ndarray
    total: np.ndarray
    source: list[str] = field(default_factory=list)  # table row the rates came from, as written
    note: list[str] = field(default_factory=list)  # "" or why a fallback was used
    year: list[str | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.urban)
        for name in ("urban", "rural", "total"):
            values = np.array(getattr(self, name), dtype=np.float64)  # a read-only copy
            if values.shape != (n,):
                raise ValueError(f"AccessRates.{name} has shape {values.shape}, expected ({n},)")
            values.setflags(write=False)
            object.__setattr__(self, name, values)
        for name in ("source", "note", "year"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"AccessRates.{name} needs one entry per region ({n})")

    def rate(self, region: np.ndarray, urban: np.ndarray) -> np.ndarray:
        """Per cell: the access rate of its region (int index, -1 = outside → NaN) and class
        (bool urban)."""
        region = np.asarray(region)
        is_urban = np.asarray(urban, dtype=bool)
        if region.shape != is_urban.shape:
            raise ValueError(f"region {region.shape} and urban {is_urban.shape} differ in shape")
        out = np.full(region.shape, np.nan, dtype=np.float64)
        inside = region >= 0
        index = region[inside].astype(np.intp)
        if index.size and int(index.max()) >= len(self.total):
            raise ValueError(f"region index {int(index.max())} but only {len(self.total)} regions")
        out[inside] = np.where(is_urban[inside], self.urban[index], self.rural[index])
        return out


def join_access(
    table: pd.DataFrame, regions: pd.DataFrame, path: Path, *, keys: Sequence[str] | None = None
) -> AccessRates:
    """Rates for each row of ``regions`` (columns ``name``, ``code``) from a BPS-shaped table.

    Without ``keys`` a region matches the table row with its code (when the table has a code
    column) or its name; ``keys`` (one per region, e.g. the province code of each regency)
    name the row instead. Blank rows fall back to their parent province and a missing
    urban/rural rate to the row's total, each with a note. Raises :class:`InputError` for a
    region without a row, a code whose name disagrees, or a chain of blank rows.
    """
    t = _Table.of(table, path)
    n = len(regions)
    if keys is not None and len(keys) != n:
        raise ValueError(f"keys has {len(keys)} entries for {n} regions")
    names = [_text(v) or "" for v in regions["name"]] if "name" in regions else [""] * n
    no_codes: list[str | None] = [None] * n
    codes = [_text(v) for v in regions["code"]] if "code" in regions else no_codes

    resolved: dict[tuple[int, str | None], _Resolved] = {}
    warned: set[int] = set()  # table rows whose fallback was logged
    out: list[_Resolved] = []
    for i in range(n):
        if keys is None:
            row, own_code = _match_region(t, names[i], codes[i])
        else:
            row, own_code = _match_key(t, names[i], _text(keys[i]))
        if (row, own_code) not in resolved:
            resolved[row, own_code] = _resolve(t, row, own_code, warned)
        out.append(resolved[row, own_code])
    return AccessRates(
        urban=np.array([r.values[_URBAN] for r in out], dtype=np.float64),
        rural=np.array([r.values[_RURAL] for r in out], dtype=np.float64),
        total=np.array([r.values[_TOTAL] for r in out], dtype=np.float64),
        source=[r.source for r in out],
        note=[r.note for r in out],
        year=[r.year for r in out],
    )


# --- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """The access table as plain lists, with lookups by code and by normalised name."""

    path: Path
    names: list[str]  # as written
    codes: list[str | None]  # as written (numbers rendered back to text), or all None
    values: np.ndarray  # (rows, 3) percentages, urban/rural/total, NaN = blank
    years: list[str | None]
    has_code: bool
    by_code: dict[str, list[int]]
    by_name: dict[str, list[int]]
    by_compact: dict[str, list[int]]  # normalised name without spaces (FAKFAK = FAK FAK)

    @classmethod
    def of(cls, table: pd.DataFrame, path: Path) -> _Table:
        lower = {str(c).strip().lower(): c for c in table.columns}
        name_col = next((lower[c] for c in _NAME_COLUMNS if c in lower), None)
        if name_col is None:
            raise InputError(
                f"{path}: household_access needs a region column ({', '.join(_NAME_COLUMNS)}); "
                f"found {list(table.columns)}"
            )
        code_col = next((lower[c] for c in _CODE_COLUMNS if c in lower), None)
        year_col = next((lower[c] for c in _YEAR_COLUMNS if c in lower), None)
        pct = [c for c in table.columns if str(c).strip().lower().startswith("pct")]
        columns = []
        for cls_name in _CLASSES:
            found = [c for c in pct if str(c).strip().lower().endswith(cls_name)]
            if len(found) != 1:
                raise InputError(
                    f"{path}: household_access needs one percentage column ending in "
                    f"{cls_name!r} (e.g. pct_households_internet_{cls_name}); found "
                    f"{found or 'none'} among {pct}"
                )
            columns.append(found[0])
        values = np.column_stack(
            [pd.to_numeric(table[c], errors="coerce").to_numpy(dtype=np.float64) for c in columns]
        ).reshape(len(table), 3)
        names = [_text(v) or "" for v in table[name_col]]
        blank: list[str | None] = [None] * len(names)
        codes = [_text(v) for v in table[code_col]] if code_col is not None else blank
        years = [_text(v) for v in table[year_col]] if year_col is not None else blank
        by_code: dict[str, list[int]] = {}
        by_name: dict[str, list[int]] = {}
        by_compact: dict[str, list[int]] = {}
        for i, (name, code) in enumerate(zip(names, codes, strict=True)):
            if code is not None:
                by_code.setdefault(_code_key(code), []).append(i)
            if name:
                by_name.setdefault(normalise_name(name), []).append(i)
                by_compact.setdefault(normalise_name(name).replace(" ", ""), []).append(i)
        return cls(
            path, names, codes, values, years, code_col is not None, by_code, by_name, by_compact
        )

    def line(self, row: int) -> int:
        """The file line of a row (the header is line 1)."""
        return row + 2

    def usable(self, row: int) -> bool:
        """A row gives both rates: it has a total, or both urban and rural."""
        u, r, tot = ~np.isnan(self.values[row])
        return bool(tot or (u and r))

    def find_code(self, code: str | None, what: str) -> int | None:
        if code is None or not self.has_code:
            return None
        return self._pick(self.by_code.get(_code_key(code), []), what)

    def find_name(self, name: str | None, what: str) -> int | None:
        if not name:
            return None
        norm = normalise_name(name)
        rows = self.by_name.get(norm) or self.by_compact.get(norm.replace(" ", ""), [])
        return self._pick(rows, what)

    def _pick(self, rows: list[int], what: str) -> int | None:
        """One row of several matching ones: a row with data, then the latest year."""
        if len(rows) <= 1:
            return rows[0] if rows else None

        def rank(i: int) -> tuple[bool, float]:
            return self.usable(i), _year_order(self.years[i])

        best = max(rows, key=rank)
        tied = [i for i in rows if rank(i) == rank(best)]
        if len(tied) > 1:
            lines = ", ".join(str(self.line(i)) for i in tied)
            raise InputError(
                f"{self.path}: lines {lines} all match {what}; keep one row per region and year"
            )
        return best

    def closest(self, name: str) -> str:
        """Up to three table names (as written) nearest to ``name``."""
        by_norm: dict[str, str] = {}
        for written in self.names:
            if written:
                by_norm.setdefault(normalise_name(written), written)
        near = difflib.get_close_matches(normalise_name(name), list(by_norm), n=3, cutoff=0.0)
        return ", ".join(by_norm[k] for k in near) or "(none: the table has no names)"


def _text(value: Any) -> str | None:
    """A cell as stripped text (2022.0 → "2022"), or None when blank."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    text = str(value).strip()
    return None if text.lower() in _MISSING else text


def _code_key(code: str) -> str:
    """Codes compare as text, numeric-looking ones by value (95.02 read as a number = "95.02")."""
    code = code.strip()
    return repr(float(code)) if _NUMERIC.fullmatch(code) else code.upper()


def _year_order(year: str | None) -> float:
    try:
        return float(year) if year is not None else -math.inf
    except ValueError:
        return -math.inf


# --- matching ---------------------------------------------------------------------------------


def _match_region(t: _Table, name: str, code: str | None) -> tuple[int, str | None]:
    """The row of a region by its code (checked against its name), else by its name."""
    what = f"region {name!r}"
    row = t.find_code(code, what)
    if row is not None:
        if not _same_name(t.names[row], name):
            raise InputError(
                f"{t.path}: line {t.line(row)}: code {t.codes[row]} is {t.names[row]!r} in the "
                f"table but region {name!r} in the boundaries; correct the code or the name in "
                "the table (or region.code_field / region.name_field) so they agree"
            )
        return row, code
    row = t.find_name(name, what)
    if row is None:
        looked = f"name {normalise_name(name)!r}"
        if t.has_code and code is not None and code != name:
            looked = f"code {code!r} or {looked}"
        raise _no_row(t, name, looked, name)
    table_code = t.codes[row]
    if (
        table_code is not None
        and code is not None
        and _is_code(code)
        and _code_key(table_code) != _code_key(code)
    ):
        raise InputError(
            f"{t.path}: line {t.line(row)}: {t.names[row]!r} has code {table_code} in the "
            f"table but region {name!r} has code {code!r} in the boundaries; correct one "
            "of them so they agree"
        )
    own = table_code if table_code is not None else (code if code and _is_code(code) else None)
    return row, own


def _match_key(t: _Table, name: str, key: str | None) -> tuple[int, str | None]:
    """The row a region's key (a code or a name from ``demand.access_field``) names."""
    if key is None:
        raise InputError(
            f"{t.path}: region {name!r} has no value in demand.access_field, so its "
            "household-access row is unknown; fill the field in the boundaries"
        )
    what = f"region {name!r} (key {key!r})"
    row = t.find_code(key, what)
    if row is not None:
        return row, key
    looked = f"key {key!r}"
    wanted = key
    if _is_code(key):
        province = _provinces().name.get(key)
        if province is None:
            where = "the table has no such code" if t.has_code else "the table has no code column"
            raise _no_row(t, name, f"{looked}: {where} and it is not a province code", key)
        looked += f" = {province}"
        wanted = province
    row = t.find_name(wanted, what)
    if row is None:
        raise _no_row(t, name, looked, wanted)
    own = key if _is_code(key) else t.codes[row]
    return row, own


def _no_row(t: _Table, name: str, looked: str, wanted: str) -> InputError:
    return InputError(
        f"{t.path}: no household-access row for region {name!r} (looked for {looked}); "
        f"closest names in the table: {t.closest(wanted)}; fix the spelling in the table or "
        "set demand.access_field"
    )


def _same_name(a: str, b: str) -> bool:
    na, nb = normalise_name(a), normalise_name(b)
    return na == nb or na.replace(" ", "") == nb.replace(" ", "")


def _is_code(text: str) -> bool:
    return _CODE_LIKE.fullmatch(text.strip()) is not None


# --- blanks and parents -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Resolved:
    values: tuple[float, float, float]  # fractions: urban, rural, total
    source: str
    note: str
    year: str | None


def _resolve(t: _Table, row: int, code: str | None, warned: set[int]) -> _Resolved:
    """The rates of a matched row, from its parent when it is blank, gaps filled by its total."""
    notes: list[str] = []
    used = row
    if not t.usable(row):
        used, via = _parent_row(t, row, code)
        notes.append(_blank_note(t, row, used, via))
    pct = t.values[used].copy()
    label = _label(t, used)
    u, r, tot = np.isnan(pct)
    if u and r:
        pct[_URBAN] = pct[_RURAL] = pct[_TOTAL]
        notes.append(f"{label} has no urban or rural rate: used its total for both")
    elif u or r:
        missing = "urban" if u else "rural"
        pct[_URBAN if u else _RURAL] = pct[_TOTAL]
        notes.append(f"{label} has no {missing} rate: used its total ({pct[_TOTAL]:g}%)")
    elif tot:
        pct[_TOTAL] = (pct[_URBAN] + pct[_RURAL]) / 2
        notes.append(f"{label} has no total: used the (unweighted) mean of urban and rural")
    note = "; ".join(notes)
    if note and row not in warned:
        warned.add(row)
        logger.warning("%s: %s", t.path, note)
    return _Resolved(
        values=(float(pct[0]) / 100, float(pct[1]) / 100, float(pct[2]) / 100),
        source=t.names[used],
        note=note,
        year=t.years[used],
    )


def _parent_row(t: _Table, row: int, code: str | None) -> tuple[int, list[str]]:
    """The nearest ancestor of a blank row that has data (95.02 → 95 → 91 via provinces_id),
    and the names of the blank or missing ones passed on the way."""
    provinces = _provinces()
    if code is None or not _is_code(code):
        code = t.codes[row] if t.codes[row] is not None else None
    if code is None or not _is_code(code):
        code = provinces.code_by_name.get(normalise_name(t.names[row]))
    seen: list[str] = []
    while code is not None and code not in seen:
        seen.append(code)
        parent = code.rsplit(".", 1)[0] if "." in code else provinces.parent.get(code)
        if not parent:
            break
        what = f"the parent {parent} of {t.names[row]!r}"
        found = t.find_code(parent, what)
        if found is None:
            found = t.find_name(provinces.name.get(parent), what)
        if found is not None and t.usable(found):
            return found, [provinces.name.get(c, c) for c in seen[1:]]
        code = parent
    chain = " → ".join([t.names[row], *(provinces.name.get(c, c) for c in seen[1:])])
    parent_part = (
        f"and no parent row has data either ({chain})"
        if len(seen) > 1
        else "and it has no known parent region"
    )
    raise InputError(
        f"{t.path}: line {t.line(row)}: {t.names[row]!r} {_gap(t, row)} in the table "
        f"{parent_part}; "
        "fill in its percentages or use a table with data for it"
    )


def _label(t: _Table, row: int) -> str:
    year = t.years[row]
    return f"{t.names[row]} ({year})" if year else t.names[row]


def _gap(t: _Table, row: int) -> str:
    """What is wrong with a row that cannot be used: "is blank" or "has only an urban rate"."""
    present = [c for c, v in zip(_CLASSES, t.values[row], strict=True) if not np.isnan(v)]
    if not present:
        return "is blank"
    return f"has only {'an' if present[0] == 'urban' else 'a'} {present[0]} rate"


def _blank_note(t: _Table, blank: int, used: int, via: list[str]) -> str:
    year = f" ({t.years[blank]})" if t.years[blank] else ""
    what = _gap(t, blank)
    if not via:
        return f"{t.names[blank]} {what} in the table{year}: used its parent {t.names[used]}"
    return (
        f"{t.names[blank]} {what} in the table{year}: used {t.names[used]} (its parent "
        f"{' → '.join(via)} has no data in the table either)"
    )


# --- provinces --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Provinces:
    name: dict[str, str]  # code → name as BPS writes it
    parent: dict[str, str]  # code → parent code (2022 splits only)
    code_by_name: dict[str, str]  # normalised name → code


@cache
def _provinces() -> _Provinces:
    """Indonesia's provinces (netplan/data/provinces_id.csv), read once."""
    text = (files("netplan") / "data" / "provinces_id.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return _Provinces(
        name={r["code"]: r["name"] for r in rows},
        parent={r["code"]: r["parent_code"] for r in rows if r["parent_code"]},
        code_by_name={normalise_name(r["name"]): r["code"] for r in rows},
    )
