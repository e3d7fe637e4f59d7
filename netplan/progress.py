"""Progress bars with an ETA on stderr for long work: footprints, fiber routes, solver stages.

Off by default, so the library and the tests stay silent; the CLI turns bars on once, for a
terminal and without ``-q``::

    progress.configure(not quiet and sys.stderr.isatty())

Long work then reports itself; nothing else changes (no clock is read to decide anything, so
results and the stopping of every stage are the same with bars on or off)::

    with progress.task("Footprints", total=len(sites)) as advance:
        for batch in batches:
            ...
            advance(len(batch))  # per batch, never per cell

``total=None`` shows an indeterminate bar with the elapsed time (a solver stage whose work
limit cannot be watched from outside). Stages nest: one live display shows every open task,
indented under the task that opened it, and a finished task's row goes away (the display is
transient, so the terminal keeps only the log and the command's summary).

While a bar is live, the log handlers that wrote to stderr write through the bar's console, so
a log line prints above the bars instead of through them; they are restored when the last task
ends.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from netplan.i18n import texts

#: ``advance(k)``: k more units of the task are done
Advance = Callable[[int], None]

T = TypeVar("T")

#: Every label a bar shows (English msgids of the message catalogue, translated on display);
#: the Indonesian ones are in the catalogue, ``netplan/locale/id/LC_MESSAGES/netplan.po``.
LABELS = (
    # pipeline stages (``Timings.stage`` names, capitalised)
    "Load layers",
    "Existing coverage",
    "Signal reports",
    "Blank spots",
    "Candidates and backhaul",
    "Optimisation model",
    "Solve",
    "Solve without the decisions",
    "Coverage after",
    "Evaluate",
    "Write outputs",
    # a national run's tiles
    "Tiles",
    "Tile outputs",
    # work counted in units
    "Footprints",
    "Footprints of existing sites",
    "Fiber routes to the backbone",
    "Fiber routes between sites",
    "Microwave hops",
    "Scenarios",
    # solver stages
    "Greedy plan and local search",
    "Demand plan",
    "Cluster pricing",
    "LP relaxation",
    "Plan from the LP",
    "SCIP search",
    "Cheapest design",
    # the time-remaining column
    "ETA",
)

#: how far a nested task's label is indented per level
INDENT = "  "


def ignore(units: int = 1) -> None:
    """The ``advance`` of a disabled bar: does nothing."""


@dataclass
class _Settings:
    enabled: bool = False
    lang: str = "en"
    console: Console | None = None  #: None: a console on stderr, made when a bar starts


@dataclass
class _Live:
    """The one live display, how many tasks are open in it, and the log streams it took over."""

    bars: Progress
    depth: int = 0
    streams: list[tuple[logging.StreamHandler[Any], IO[str]]] = field(default_factory=list)


_settings = _Settings()
_live: _Live | None = None
_lock = threading.RLock()


def configure(enabled: bool, *, lang: str | None = None, console: Console | None = None) -> None:
    """Turn progress bars on or off for this process (off until called).

    ``lang`` is the language of the labels (``"en"``, ``"id"``; unchanged when None);
    ``console`` replaces the console on stderr (tests pass one that records).

    Raises
    ------
    ValueError
        For a language netplan has no catalogue for.
    """
    _settings.enabled = enabled
    _settings.console = console
    if lang is not None:
        set_language(lang)


def set_language(lang: str) -> None:
    """The language of the labels from now on (a command learns it from ``--lang`` or the
    scenario's ``output.lang``).

    Raises
    ------
    ValueError
        For a language netplan has no catalogue for.
    """
    texts(lang)
    _settings.lang = lang


def is_enabled() -> bool:
    """Whether tasks show bars."""
    return _settings.enabled


@contextmanager
def task(label: str, *, total: int | None = None) -> Iterator[Advance]:
    """A bar for one piece of work while the block runs; yields its ``advance(k)``.

    ``label`` is one of :data:`LABELS` (an English msgid, shown translated); ``total`` is the
    number of units the block will advance by, or None for work that cannot be counted (an
    indeterminate bar with the elapsed time). Disabled, it yields :func:`ignore` and costs
    nothing else.
    """
    if not _settings.enabled:
        yield ignore
        return
    with _lock:
        live = _start()
        task_id = live.bars.add_task(INDENT * live.depth + _translated(label), total=total)
        live.depth += 1
    try:
        yield partial(_advance, live.bars, task_id)
    finally:
        with _lock:
            live.bars.remove_task(task_id)
            live.depth -= 1
            if live.depth == 0:
                _stop(live)


def track(items: Iterable[T], label: str, *, total: int | None = None) -> Iterator[T]:
    """``items``, one by one, with a bar that advances as each one's work is done.

    For loops whose every item is a batch of work (a budget of a sweep, a site's links):
    ``for budget in progress.track(budgets, "Scenarios"): ...``. ``total`` defaults to
    ``len(items)`` when it has one.
    """
    if not _settings.enabled:
        yield from items
        return
    if total is None and isinstance(items, Sized):
        total = len(items)
    with task(label, total=total) as advance:
        for item in items:
            yield item
            advance(1)


def _advance(bars: Progress, task_id: TaskID, units: int = 1) -> None:
    bars.advance(task_id, units)


def _translated(label: str) -> str:
    return texts(_settings.lang).gettext(label)


def _start() -> _Live:
    """The live display, started (with the log routed through it) if none is."""
    global _live
    if _live is not None:
        return _live
    console = _settings.console or Console(stderr=True)
    stderr = sys.stderr
    bars = Progress(
        SpinnerColumn(finished_text=" "),
        TextColumn("{task.description}"),
        BarColumn(bar_width=28),
        _CountColumn(),
        _PercentColumn(),
        TimeElapsedColumn(),
        _EtaColumn(_translated("ETA")),
        console=console,
        transient=True,
        redirect_stdout=False,  # stdout stays the command's output, never the bar's console
        redirect_stderr=True,
        refresh_per_second=5,
    )
    bars.start()
    _live = _Live(bars, streams=_route_logs(stderr))
    return _live


def _stop(live: _Live) -> None:
    global _live
    live.bars.stop()  # a record logged meanwhile still goes through the console, as text
    for handler, stream in live.streams:
        handler.setStream(stream)
    _live = None


def _route_logs(stderr: IO[str]) -> list[tuple[logging.StreamHandler[Any], IO[str]]]:
    """Point every log handler that writes to ``stderr`` at the live console's stand-in for
    stderr (rich's proxy prints each line above the bars); returns what to restore."""
    proxy = sys.stderr
    if proxy is stderr:  # not a terminal: rich did not redirect, nothing to route
        return []
    taken: list[tuple[logging.StreamHandler[Any], IO[str]]] = []
    # every logger's handlers: netplan's, and those libraries add themselves (Dask's)
    loggers = [logging.getLogger()] + [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    handlers = {id(h): h for lg in loggers for h in lg.handlers}
    for handler in handlers.values():
        if isinstance(handler, logging.StreamHandler) and handler.stream is stderr:
            taken.append((handler, handler.stream))
            handler.setStream(proxy)
    return taken


class _CountColumn(ProgressColumn):
    """Units done of the total (``12/48``); blank for work that cannot be counted."""

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        return Text(f"{int(task.completed)}/{int(task.total)}", style="progress.download")


class _PercentColumn(ProgressColumn):
    """Share done (``25%``); blank for work that cannot be counted."""

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        return Text(f"{task.percentage:>3.0f}%", style="progress.percentage")


class _EtaColumn(TimeRemainingColumn):
    """Time left, labelled (``ETA 0:01:10``); blank for work that cannot be counted."""

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        return Text.assemble(f"{self.label} ", super().render(task))
