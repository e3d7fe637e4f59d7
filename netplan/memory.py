"""How much memory a run will need, estimated before anything large is allocated.

A grid at ``resolution_m: 1`` over a regency, or a GeoTIFF whose header declares 200,000 ×
200,000 pixels, used to be discovered by the operating system: a ``MemoryError`` after a
minute, or a machine grinding for many minutes. The estimates here are cheap (they read only
sizes) so the run can be refused at once, with the figure and the fix.
"""

from __future__ import annotations

import math

import psutil

#: Bytes per analysis cell of the grid-shaped arrays a run holds at its peak:
#: what each holds, and its size. Their sum (67) is close to the growth measured on the demo
#: region between 100 m and 50 m cells (61 bytes per added cell).
GRID_BYTES_PER_CELL: dict[str, int] = {
    "population summed in float64, kept as float32": 12,
    "region index rasterised as int32, kept as int16": 6,
    "urban class and in-region mask": 2,
    "elevation (float32)": 4,
    "household access rate (float32, float64 while computed)": 12,
    "best-server signal (float32) and covered mask, before and after": 10,
    "coverage rasters written (float32, and the COG copy)": 8,
    "population in float64 for the evaluation": 8,
    "blank-spot labels (int32) and mask": 5,
}
#: Bytes per cell of the fiber routing surface: four edge directions as int64 rows, int64
#: columns and float64 weights, concatenated once, then the sparse graph and the surfaces.
ROUTING_BYTES_PER_CELL = 320
#: Bytes per source pixel read from a raster: its values as 64-bit numbers.
RASTER_BYTES_PER_PIXEL = 8
#: Share of the machine's memory one estimate may take: the rest of the run (footprints,
#: the optimisation model, the libraries) needs about as much again.
MEMORY_SHARE = 0.5


def machine_bytes() -> int:
    """The machine's physical memory. (Not what is free at this moment: the same scenario
    must be accepted or refused alike on an idle and on a busy machine.)"""
    return int(psutil.virtual_memory().total)


def analysis_bytes(cells: int, *, routing_cells: int = 0) -> int:
    """Estimated peak bytes of a run's grid-shaped arrays: ``cells`` analysis cells, and
    ``routing_cells`` cells of the fiber routing surface (0 without fiber)."""
    return cells * sum(GRID_BYTES_PER_CELL.values()) + routing_cells * ROUTING_BYTES_PER_CELL


def fits(needed: int, machine: int) -> bool:
    """True when ``needed`` bytes leave the rest of the run its share of ``machine``."""
    return needed <= MEMORY_SHARE * machine


def coarser_resolution(resolution: float, needed: int, machine: int) -> float:
    """A round cell size (1, 2 or 5 × a power of ten, in metres) at which ``needed`` (the
    estimate at ``resolution``) would fit: cells shrink with the square of the size."""
    target = resolution * math.sqrt(needed / max(MEMORY_SHARE * machine, 1.0))
    power = 10.0 ** math.floor(math.log10(target))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= target)


def readable_bytes(n: float) -> str:
    """Bytes for a message, in GB from 1 GB up, else in MB: ``'37.3 GB'``, ``'29.6 MB'``."""
    return f"{n / 1e9:,.1f} GB" if n >= 1e9 else f"{n / 1e6:,.1f} MB"
