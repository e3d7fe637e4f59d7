"""Per-site work (footprints) in this process or on a Dask cluster: the same code either way.

``compute.scheduler`` (or ``--scheduler ADDRESS`` on the CLI) names a running
``dask.distributed`` scheduler, e.g. ``tcp://10.0.0.5:8786``. The coverage model (grid and
DEM) and any shared arrays are scattered to every worker once; sites go out in batches and
only what the pipeline keeps comes back. Without a scheduler the batches run here, one after
another, so results are identical and ordered the same.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, TypeVar

from netplan import memory, progress
from netplan.errors import ConfigError

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


def _run_batch(fn: Callable[[Any, T], R], shared: Any, batch: Sequence[T]) -> list[R]:
    return [fn(shared, item) for item in batch]


#: ``compute.scheduler`` for a local cluster of this machine: ``local`` (sized to it) or
#: ``local:N`` (N worker processes)
LOCAL = "local"


def local_workers(scheduler: str) -> int | None:
    """Workers of a ``local[:N]`` scheduler (0: sized to the machine); None for an address."""
    name, _, count = scheduler.partition(":")
    if name != LOCAL:
        return None
    if not count:
        return 0
    if not count.isdigit() or int(count) < 1:
        raise ConfigError(
            f"compute.scheduler {scheduler!r}: give local, local:N with N a whole number of "
            "workers (1 or more), or a scheduler address such as tcp://10.0.0.5:8786"
        )
    return int(count)


@contextmanager
def dask_client(scheduler: str | None) -> Iterator[Any]:
    """A connected ``dask.distributed.Client``, or None to run locally. ``local`` or
    ``local:N`` starts a ``LocalCluster`` on this machine for the run."""
    if scheduler is None:
        yield None
        return
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise ConfigError("compute.scheduler needs dask[distributed] installed") from exc
    workers = local_workers(scheduler)
    if workers is not None:
        with _local_cluster(workers) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise ConfigError(
            f"compute.scheduler: cannot reach the Dask scheduler at {scheduler!r} ({exc}); "
            "start one (dask scheduler; dask worker ADDRESS) or drop --scheduler"
        ) from exc
    try:
        logger.info(
            "dask: %d workers at %s", len(client.scheduler_info().get("workers", {})), scheduler
        )
        yield client
    finally:
        client.close()


@contextmanager
def _local_cluster(workers: int) -> Iterator[Any]:
    """A ``LocalCluster`` of single-threaded worker processes (``workers`` 0: one per core,
    at most as many as the memory allows at 2 GB each), and its client."""
    from dask.distributed import Client, LocalCluster

    if workers == 0:
        cores = os.cpu_count() or 1
        workers = max(1, min(cores, memory.machine_bytes() // (2 << 30)))
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: several runs may share a machine
            memory_limit=0,
        ) as cluster,
        Client(cluster) as client,
    ):
        logger.info("dask: a local cluster of %d workers", workers)
        yield client


def map_sites(
    fn: Callable[[Any, T], R],
    shared: Any,
    items: Sequence[T],
    *,
    client: Any = None,
    batch_size: int = 32,
    label: str | None = None,
) -> list[R]:
    """``[fn(shared, item) for item in items]``, in order, on the cluster when ``client``
    is given. ``fn`` must be a module-level function (it is pickled to the workers).

    ``label`` (one of :data:`netplan.progress.LABELS`) shows a bar that advances per batch,
    here as each batch finishes and on a cluster as each batch's future completes.
    """
    batches = [items[i : i + batch_size] for i in range(0, len(items), max(1, batch_size))]
    with _bar(label, len(items)) as advance:
        if client is None or not items:
            out: list[R] = []
            for batch in batches:
                out.extend(_run_batch(fn, shared, batch))
                advance(len(batch))
            return out
        return _map_on_cluster(client, fn, shared, batches, advance)


def _bar(label: str | None, total: int) -> AbstractContextManager[progress.Advance]:
    return progress.task(label, total=total) if label else nullcontext(progress.ignore)


def _map_on_cluster(
    client: Any,
    fn: Callable[[Any, T], R],
    shared: Any,
    batches: list[Sequence[T]],
    advance: progress.Advance,
) -> list[R]:
    """Every batch on the cluster, results in the batches' order."""
    from dask.distributed import as_completed

    # a fresh key each call: a repeated scatter of equal data under its hash key can race
    # with the release of the previous call's copy
    remote = client.scatter(shared, broadcast=True, hash=False)
    futures = [client.submit(_run_batch, fn, remote, batch, pure=False) for batch in batches]
    size_of = {future.key: len(batch) for future, batch in zip(futures, batches, strict=True)}
    for done in as_completed(futures):
        advance(size_of[done.key])
    out: list[R] = []
    for part in client.gather(futures):
        out.extend(part)
    return out
