"""Write the demo's citizen signal reports: ``signal_reports.csv`` (synthetic, deterministic).

What a complaint channel (an SMS line or a web form) would export: when, where, what the
resident said, and free text. The free text and the operator column are there to show that
netplan drops every column it does not need on load.

- Around villages the model leaves dark (Tapi, Uyayayo, Gwunilumi): many "no signal" reports,
  which confirm the blank spots.
- Around Luwiju and Yogwi, which the model calls covered: "no signal" reports too, so the
  evidence layer flags the disagreement (a shadow the DEM misses, or a site that is down).
- In Wamena: measured signal, mostly good.
- A few scattered single reports, which stay unpublished (fewer than k = 5 per block).

Run: ``python datasets/papua-highlands/make_reports.py`` (needs only numpy).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20261122

#: (lon, lat, reports, status) clusters; status "no signal", or a measured mean in dBm
CLUSTERS: list[tuple[float, float, int, str | float]] = [
    (138.816717, -3.669445, 9, "no signal"),  # Tapi: dark
    (139.013629, -3.688128, 7, "no signal"),  # Uyayayo: dark
    (139.031074, -3.678539, 6, "no signal"),  # Gwunilumi: dark
    (138.855214, -3.867789, 8, "no signal"),  # Luwiju: modelled covered, reports say dark
    (138.877701, -3.868613, 6, "no signal"),  # Yogwi: likewise
    (138.950000, -4.100000, 12, -92.0),  # Wamena: measured, good signal
]
SCATTER = [(138.90, -3.95), (139.05, -3.80), (138.80, -3.75)]  # lone reports
COMMENTS = ["tidak ada sinyal", "sinyal hilang sejak minggu lalu", "tidak bisa internet", ""]


def main() -> None:
    rng = np.random.default_rng(SEED)
    rows: list[list[object]] = []
    for lon, lat, n, status in CLUSTERS:
        for _ in range(n):
            # within ~300 m of the village centre
            x = lon + rng.normal(0.0, 0.0015)
            y = lat + rng.normal(0.0, 0.0015)
            day = int(rng.integers(1, 29))
            hour = int(rng.integers(6, 22))
            when = f"2026-10-{day:02d}T{hour:02d}:00:00+09:00"
            comment = COMMENTS[int(rng.integers(0, len(COMMENTS)))]
            if isinstance(status, str):
                rows.append([when, round(y, 6), round(x, 6), status, "", "Telkomsel", comment])
            else:
                dbm = round(float(status + rng.normal(0.0, 6.0)), 1)
                rows.append([when, round(y, 6), round(x, 6), "", dbm, "Telkomsel", ""])
    for lon, lat in SCATTER:
        rows.append(["2026-10-15T10:00:00+09:00", lat, lon, "no signal", "", "Telkomsel", ""])
    with (HERE / "signal_reports.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["time", "lat", "lon", "status", "signal_dbm", "operator", "comment"])
        w.writerows(rows)
    print(f"wrote {len(rows)} reports to {HERE / 'signal_reports.csv'}")


if __name__ == "__main__":
    main()
