"""Fiber routes: least-cost paths over a terrain cost surface.

The surface is the analysis grid coarsened to ``routing_resolution_m``. A cell costs more on
steeper ground (slope classes flat / hilly / mountainous with their multipliers), less along
roads, and water is impassable unless a submarine multiplier is given. Routes are shortest
paths (Dijkstra, scipy) on the 8-connected cell graph, so a trench follows the valleys.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString

from netplan import progress
from netplan.config import FiberConfig
from netplan.grid import Grid

TERRAIN_CLASSES = ("flat", "hilly", "mountainous")


@dataclass(frozen=True)
class CostSurface:
    """A routing grid: per-cell cost multiplier and terrain class, and its cell graph."""

    grid: Grid
    multiplier: np.ndarray  #: cost multiplier per cell (inf = impassable)
    terrain: np.ndarray  #: 0 flat, 1 hilly, 2 mountainous, per cell
    graph: sparse.csr_matrix  #: edge weight = cost in currency units
    capex_per_km: float  #: on flat ground (× the cell multiplier elsewhere)
    opex_per_km: float  #: over the whole horizon, the same on any ground

    def km_cost(self, km: float, multiplier: float) -> float:
        return km * (self.capex_per_km * multiplier + self.opex_per_km)

    def node(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Routing cell of each point (clipped to the grid)."""
        rows, cols = self.grid.rowcol(np.asarray(x), np.asarray(y))
        rows = np.clip(rows, 0, self.grid.height - 1)
        cols = np.clip(cols, 0, self.grid.width - 1)
        return rows * self.grid.width + cols


@dataclass(frozen=True)
class Route:
    """One least-cost fiber route."""

    cost: float
    length_km: float
    terrain: str  #: the terrain class covering most of the route
    geometry: LineString


def cost_surface(
    grid: Grid,
    elevation: np.ndarray | None,
    cfg: FiberConfig,
    *,
    horizon_years: int,
    water: np.ndarray | None = None,
    roads: np.ndarray | None = None,
    keep: list[tuple[float, float]] | None = None,
) -> CostSurface:
    """Build the routing surface from the analysis grid's DEM (and water / road masks).

    The routing cells of the ``keep`` points (sites and points of presence) stay passable
    on their ground's terms even where water or sea covers most of the cell: a coastal
    landing station or village must still be reachable by its own trench."""
    factor = max(1, round(cfg.routing_resolution_m / grid.resolution))
    h = math.ceil(grid.height / factor)
    w = math.ceil(grid.width / factor)
    coarse = Grid(grid.crs, grid.x0, grid.y0, grid.resolution * factor, w, h)

    if elevation is not None:
        dem = _block_reduce(elevation, factor, (h, w), "mean")
        dem = np.where(np.isfinite(dem), dem, np.nanmean(dem) if np.isfinite(dem).any() else 0.0)
        gy, gx = np.gradient(dem, coarse.resolution)
        slope_pct = 100.0 * np.hypot(gx, gy)
    else:
        slope_pct = np.zeros((h, w))
    hilly, mountainous = cfg.slope_classes_pct
    terrain = np.where(slope_pct >= mountainous, 2, np.where(slope_pct >= hilly, 1, 0))
    mult = np.asarray(cfg.terrain_multipliers, dtype=np.float64)[terrain]
    if roads is not None:
        on_road = _block_reduce(roads, factor, (h, w), "max") > 0
        mult = np.where(on_road, mult * cfg.road_multiplier, mult)
    if water is not None:
        wet = _block_reduce(water, factor, (h, w), "mean") > 0.5
        if keep:
            rows, cols = coarse.rowcol(
                np.array([p[0] for p in keep]), np.array([p[1] for p in keep])
            )
            ok = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
            wet[rows[ok], cols[ok]] = False
        mult = np.where(wet, np.inf if cfg.water_multiplier is None else cfg.water_multiplier, mult)
    opex = horizon_years * cfg.opex_per_km_year
    graph = _graph(mult, coarse.resolution / 1000.0, max(cfg.capex_per_km, 1e-9), opex)
    return CostSurface(coarse, mult, terrain, graph, cfg.capex_per_km, opex)


#: coarse rows reduced at a time: memory follows a strip of the grid, not the whole of it
_STRIP_ROWS = 64


def _block_reduce(a: np.ndarray, factor: int, shape: tuple[int, int], reduce: str) -> np.ndarray:
    """The NaN-ignoring mean (or max) of each ``factor`` × ``factor`` block of ``a``, as
    float64 on the coarse ``shape``; blocks past the grid's edge count only the cells on it
    (all-NaN blocks give NaN). Strips of :data:`_STRIP_ROWS` coarse rows are reduced in turn,
    so a 100 m grid of 59 M cells is never copied whole to float64."""
    h, w = shape
    out = np.empty(shape)
    for top in range(0, h, _STRIP_ROWS):
        rows = min(_STRIP_ROWS, h - top)
        padded = np.full((rows * factor, w * factor), np.nan)
        part = a[top * factor : (top + rows) * factor]
        padded[: part.shape[0], : part.shape[1]] = part
        blocks = padded.reshape(rows, factor, w, factor)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            reducer = np.nanmax if reduce == "max" else np.nanmean
            out[top : top + rows] = reducer(blocks, axis=(1, 3))
    return out


def _graph(mult: np.ndarray, cell_km: float, capex: float, opex: float) -> sparse.csr_matrix:
    """8-connected graph; edge cost = step km × (capex × mean multiplier of its cells + opex)."""
    h, w = mult.shape
    idx = np.arange(h * w).reshape(h, w)
    rows, cols, weights = [], [], []
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        c0, c1 = (0, w - dc) if dc >= 0 else (-dc, w)
        a = idx[0 : h - dr, c0:c1]
        b = idx[dr:h, c0 + dc : c1 + dc]
        m = 0.5 * (mult.ravel()[a.ravel()] + mult.ravel()[b.ravel()])
        ok = np.isfinite(m)
        step = math.sqrt(dr * dr + dc * dc)
        rows.append(a.ravel()[ok])
        cols.append(b.ravel()[ok])
        weights.append(step * cell_km * (capex * m[ok] + opex))
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(weights)
    return sparse.csr_matrix((v, (r, c)), shape=(h * w, h * w))


def _path(pred: np.ndarray, start: int, goal: int) -> list[int]:
    """Nodes from ``start`` to ``goal`` following Dijkstra predecessors rooted at ``goal``."""
    path = [start]
    node = start
    while node != goal:
        node = int(pred[node])
        if node < 0:
            return []
        path.append(node)
    return path


def _route(
    surface: CostSurface,
    nodes: list[int],
    cost: float,
    a: tuple[float, float],
    b: tuple[float, float],
) -> Route:
    """A route through cell ``nodes`` from point ``a`` to point ``b`` (its cell-graph ``cost``)."""
    xs, ys = surface.grid.cell_centres(np.asarray(nodes))
    inner = list(zip(xs[1:-1].tolist(), ys[1:-1].tolist(), strict=True))
    geometry = LineString([a, *inner, b])
    seg_km = np.hypot(np.diff(xs), np.diff(ys)) / 1000.0
    ends_km = (math.dist(a, (xs[0], ys[0])) + math.dist(b, (xs[-1], ys[-1]))) / 1000.0
    mult = surface.multiplier.ravel()[np.asarray(nodes)]
    ends = mult[[0, -1]]
    end_mult = float(ends[np.isfinite(ends)].mean()) if np.isfinite(ends).any() else 1.0
    classes = surface.terrain.ravel()[np.asarray(nodes)]
    by_class = np.bincount(classes[1:], weights=seg_km, minlength=3)
    terrain = TERRAIN_CLASSES[int(np.argmax(by_class)) if by_class.sum() else int(classes[0])]
    return Route(
        cost=cost + surface.km_cost(ends_km, end_mult),
        length_km=float(seg_km.sum()) + ends_km,
        terrain=terrain,
        geometry=geometry,
    )


def routes_to_backbone(
    surface: CostSurface,
    sources: list[tuple[str, tuple[float, float]]],
    targets: list[tuple[float, float]],
    *,
    max_km: float,
) -> list[tuple[str, Route] | None]:
    """For each target point, the least-cost route to the nearest (by cost) backbone source."""
    if not sources or not targets:
        return [None] * len(targets)
    src_nodes = surface.node(
        np.array([p[0] for _, p in sources]), np.array([p[1] for _, p in sources])
    )
    # one Dijkstra from every source at once: nothing to count, the bar shows the time
    with progress.task("Fiber routes to the backbone"):
        dist, pred, origin = dijkstra(
            surface.graph,
            directed=False,
            indices=np.unique(src_nodes),
            min_only=True,
            return_predecessors=True,
        )
    node_of_source = {int(n): i for i, n in enumerate(src_nodes)}
    tgt_nodes = surface.node(np.array([t[0] for t in targets]), np.array([t[1] for t in targets]))
    out: list[tuple[str, Route] | None] = []
    for (x, y), node in zip(targets, tgt_nodes, strict=True):
        if not np.isfinite(dist[node]):
            out.append(None)
            continue
        root = int(origin[node])
        nodes = _path(pred, int(node), root)
        name, point = sources[node_of_source[root]]
        route = _route(surface, nodes, float(dist[node]), (x, y), point)
        out.append((name, route) if route.length_km <= max_km else None)
    return out


def routes_between(
    surface: CostSurface,
    points: list[tuple[float, float]],
    *,
    max_km: float,
    neighbours: int,
) -> dict[tuple[int, int], Route]:
    """Routes from each point to its ``neighbours`` cheapest-to-reach other points (i < j keys).

    No route longer than ``max_km`` is kept, so each search runs on a window of the surface
    reaching ``max_km`` around its sources: memory follows the sites, not the region's box.
    """
    out: dict[tuple[int, int], Route] = {}
    if len(points) < 2 or neighbours <= 0:
        return out
    nodes = surface.node(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    finite = surface.multiplier[np.isfinite(surface.multiplier)]
    limit = surface.km_cost(max_km, float(finite.max()) if finite.size else 1.0)
    margin = math.ceil(max_km * 1000.0 / surface.grid.resolution) + 1
    with progress.task("Fiber routes between sites", total=len(points)) as advance:
        for chunk in _nearby_chunks(nodes, surface.grid.width, margin):
            window = _Window.around(surface, nodes[chunk], margin)
            dist, pred = dijkstra(
                window.graph(surface),
                directed=False,
                indices=window.local(nodes[chunk]),
                limit=limit,
                return_predecessors=True,
            )
            inside = np.flatnonzero(window.contains(nodes))
            local = window.local(nodes[inside])
            for row, i in enumerate(chunk.tolist()):
                costs = np.full(len(points), np.inf)
                costs[inside] = dist[row, local]
                costs[i] = np.inf
                _keep_nearest(
                    out,
                    surface,
                    points,
                    costs,
                    i,
                    neighbours,
                    max_km,
                    partial(window.route_path, pred[row], nodes, i),
                )
            advance(chunk.size)
    return out


def _keep_nearest(
    out: dict[tuple[int, int], Route],
    surface: CostSurface,
    points: list[tuple[float, float]],
    costs: np.ndarray,
    i: int,
    neighbours: int,
    max_km: float,
    path_to: Callable[[int], list[int]],
) -> None:
    """Add point ``i``'s routes to its ``neighbours`` cheapest other points (by ``costs``)."""
    reachable = np.flatnonzero(np.isfinite(costs))
    order = reachable[np.argsort(costs[reachable], kind="stable")]
    kept = 0
    for j in order.tolist():
        if kept >= neighbours:
            break
        key = (min(i, int(j)), max(i, int(j)))
        if key in out:
            kept += 1
            continue
        path = path_to(int(j))
        if not path:
            continue
        route = _route(surface, path[::-1], float(costs[j]), points[i], points[int(j)])
        if route.length_km <= max_km:
            out[key] = route
            kept += 1


def _nearby_chunks(nodes: np.ndarray, width: int, margin: int, size: int = 64) -> list[np.ndarray]:
    """Point indices in chunks of at most ``size`` that lie in one block of two ``margin``s,
    so each chunk's search window stays about four margins wide (in index order within a
    block)."""
    rows, cols = np.divmod(nodes, width)
    side = 2 * margin
    block = (rows // side) * (width // side + 1) + cols // side
    order = np.argsort(block, kind="stable")
    chunks: list[np.ndarray] = []
    for members in np.split(order, np.flatnonzero(np.diff(block[order])) + 1):
        chunks.extend(members[k : k + size] for k in range(0, members.size, size))
    return chunks


@dataclass(frozen=True)
class _Window:
    """A rectangle of the routing grid (rows r0:r1, columns c0:c1) and its own cell graph."""

    r0: int
    r1: int
    c0: int
    c1: int
    width: int  #: the whole grid's width

    @classmethod
    def around(cls, surface: CostSurface, nodes: np.ndarray, margin: int) -> _Window:
        rows, cols = np.divmod(nodes, surface.grid.width)
        return cls(
            max(int(rows.min()) - margin, 0),
            min(int(rows.max()) + margin + 1, surface.grid.height),
            max(int(cols.min()) - margin, 0),
            min(int(cols.max()) + margin + 1, surface.grid.width),
            surface.grid.width,
        )

    def graph(self, surface: CostSurface) -> sparse.csr_matrix:
        mult = surface.multiplier[self.r0 : self.r1, self.c0 : self.c1]
        return _graph(
            mult,
            surface.grid.resolution / 1000.0,
            max(surface.capex_per_km, 1e-9),
            surface.opex_per_km,
        )

    def contains(self, nodes: np.ndarray) -> np.ndarray:
        rows, cols = np.divmod(nodes, self.width)
        return (rows >= self.r0) & (rows < self.r1) & (cols >= self.c0) & (cols < self.c1)

    def local(self, nodes: np.ndarray) -> np.ndarray:
        rows, cols = np.divmod(nodes, self.width)
        return (rows - self.r0) * (self.c1 - self.c0) + (cols - self.c0)

    def route_path(self, pred: np.ndarray, nodes: np.ndarray, i: int, j: int) -> list[int]:
        """Grid cells from point ``j`` back to point ``i`` (the search's source)."""
        return self.path(pred, int(nodes[j]), int(nodes[i]))

    def path(self, pred: np.ndarray, start: int, goal: int) -> list[int]:
        """:func:`_path` in the window, in whole-grid node numbers."""
        local = _path(
            pred, int(self.local(np.array([start]))[0]), int(self.local(np.array([goal]))[0])
        )
        if not local:
            return []
        rows, cols = np.divmod(np.asarray(local), self.c1 - self.c0)
        return ((rows + self.r0) * self.width + cols + self.c0).tolist()
