"""How money is written for people: one format for reasons, maps and reports."""

from __future__ import annotations

import math
from typing import Any


def money(value: Any, currency: str) -> str:
    """``IDR 850,000`` below a million, compact above (``IDR 2.35 bn``); ``n/a`` if missing."""
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(amount):
        return "n/a"
    for scale, unit in ((1e12, "tn"), (1e9, "bn"), (1e6, "mn")):
        if abs(amount) >= scale:
            number = f"{amount / scale:.2f}".rstrip("0").rstrip(".")
            return f"{currency} {number} {unit}"
    return f"{currency} {round(amount):,}"
