"""Progress bars: silent unless turned on, readable when on, and never in the way of logs."""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from netplan import progress
from netplan.i18n import texts
from netplan.parallel import map_sites

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(autouse=True)
def bars_off() -> Iterator[None]:
    """Every test starts and ends with bars off (the library's default)."""
    progress.configure(False, lang="en")
    yield
    progress.configure(False, lang="en")


@pytest.fixture
def terminal() -> io.StringIO:
    """Bars on, drawn on a console that records what a 100-column terminal would show."""
    screen = io.StringIO()
    progress.configure(True, console=Console(file=screen, force_terminal=True, width=100))
    return screen


@contextmanager
def log_to_stderr() -> Iterator[logging.StreamHandler[Any]]:
    """The CLI's logging: one handler on the ``netplan`` logger writing to stderr (made in
    the test body, where stderr is the one the test captures)."""
    logger = logging.getLogger("netplan")
    saved = logger.handlers[:], logger.level, logger.propagate
    handler: logging.StreamHandler[Any] = logging.StreamHandler()
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved


def shown(screen: io.StringIO) -> str:
    return ANSI.sub("", screen.getvalue())


def drawn(screen: io.StringIO, *texts: str, timeout: float = 10.0) -> str:
    """The latest line holding every one of ``texts`` once the bars have drawn it (they
    redraw five times a second, in place)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = [line for line in shown(screen).splitlines() if all(t in line for t in texts)]
        if lines:
            return lines[-1]
        time.sleep(0.02)
    raise AssertionError(f"never drawn: {texts!r} in {shown(screen)!r}")


def square(shared: int, item: int) -> int:
    return shared + item * item


def test_bars_are_off_by_default_and_write_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    assert not progress.is_enabled()
    with progress.task("Footprints", total=3) as advance:
        assert advance is progress.ignore
        advance(3)
    assert list(progress.track([1, 2], "Scenarios")) == [1, 2]
    assert map_sites(square, 1, [1, 2, 3], batch_size=2, label="Footprints") == [2, 5, 10]
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_a_bar_shows_its_label_count_share_elapsed_and_eta(terminal: io.StringIO) -> None:
    with progress.task("Footprints", total=4) as advance:
        advance(1)
        time.sleep(0.1)  # two samples apart in time: a speed, so a time left
        advance(1)
        bar = drawn(terminal, "Footprints", "2/4")
    assert "50%" in bar
    assert re.search(r"\d:\d\d:\d\d ETA \d:\d\d:\d\d", bar)  # elapsed, then time left


def test_work_that_cannot_be_counted_shows_only_the_elapsed_time(terminal: io.StringIO) -> None:
    with progress.task("SCIP search"):
        bar = drawn(terminal, "SCIP search")
    assert re.search(r"\d:\d\d:\d\d", bar)
    assert "%" not in bar and "/" not in bar and "ETA" not in bar


def test_log_lines_print_above_the_bars_and_logging_is_restored_after(
    terminal: io.StringIO, capfd: pytest.CaptureFixture[str]
) -> None:
    with log_to_stderr() as handler:
        stream = handler.stream
        with progress.task("Scenarios", total=2) as advance:
            logging.getLogger("netplan.test").info("first budget done")
            advance(1)
        assert handler.stream is stream
        # the record went through the bars' console, on a line of its own, not into a bar
        assert "first budget done" in shown(terminal).splitlines()
        assert "first budget done" not in capfd.readouterr().err
        logging.getLogger("netplan.test").info("after the bars")
    assert "after the bars" in capfd.readouterr().err
    assert "after the bars" not in shown(terminal)


def test_nested_stages_share_one_display_indented_under_their_parent(
    terminal: io.StringIO,
) -> None:
    with progress.task("Solve"), progress.task("Per-site plan"), progress.task("LP relaxation"):
        drawn(terminal, "LP relaxation")
    lines = shown(terminal).splitlines()
    last = max(i for i, line in enumerate(lines) if "LP relaxation" in line)
    frame = [re.match(r"\S (\s*)(.+?) +━", line) for line in lines[last - 2 : last + 1]]
    assert [(len(m[1]), m[2]) if m else None for m in frame] == [
        (0, "Solve"),
        (2, "Per-site plan"),
        (4, "LP relaxation"),
    ]
    assert progress._live is None  # the display is gone with its last task


def test_an_error_inside_a_stage_stops_the_bars_and_restores_logging(
    terminal: io.StringIO,
) -> None:
    with log_to_stderr() as handler:
        stream = handler.stream
        with pytest.raises(KeyError), progress.task("Solve"), progress.task("SCIP search"):
            raise KeyError("boom")
        assert handler.stream is stream
    assert progress._live is None


def test_labels_follow_the_language(terminal: io.StringIO) -> None:
    progress.set_language("id")
    with progress.task("Scenarios", total=3) as advance:
        advance(1)
        bar = drawn(terminal, "Skenario", "1/3")
    assert "sisa" in bar and "ETA" not in bar
    with pytest.raises(ValueError, match="fr"):
        progress.set_language("fr")


def test_every_label_has_an_indonesian_translation() -> None:
    indonesian = texts("id")
    untranslated = [label for label in progress.LABELS if indonesian.gettext(label) == label]
    assert untranslated == []


def test_track_advances_once_per_item(terminal: io.StringIO) -> None:
    seen = []
    for done, budget in enumerate(progress.track([10, 20, 30], "Scenarios")):
        drawn(terminal, "Scenarios", f"{done}/3")  # the items before this one are done
        seen.append(budget)
    assert seen == [10, 20, 30]


@contextmanager
def _recording(
    calls: list[tuple[str, int | None, int]], label: str, *, total: int | None = None
) -> Iterator[progress.Advance]:
    done = [0]

    def advance(units: int = 1) -> None:
        done[0] += units

    yield advance
    calls.append((label, total, done[0]))


def test_footprints_advance_per_batch_to_the_total(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, int | None, int]] = []
    monkeypatch.setattr(
        progress, "task", lambda label, total=None: _recording(calls, label, total=total)
    )
    items = list(range(7))
    assert map_sites(square, 0, items, batch_size=3, label="Footprints") == [i * i for i in items]
    assert calls == [("Footprints", 7, 7)]


def test_footprints_on_a_dask_cluster_advance_as_batches_complete(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    distributed = pytest.importorskip("dask.distributed")
    calls: list[tuple[str, int | None, int]] = []
    monkeypatch.setattr(
        progress, "task", lambda label, total=None: _recording(calls, label, total=total)
    )
    items = list(range(11))
    with distributed.Client(
        processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None
    ) as client:
        result = map_sites(square, 1, items, client=client, batch_size=4, label="Footprints")
    assert result == [1 + i * i for i in items]  # the local order, whatever finished first
    assert calls == [("Footprints", 11, 11)]


def test_every_label_the_code_shows_is_in_the_catalogue() -> None:
    """Labels are msgids: one missing from LABELS would show untranslated."""
    package = Path(progress.__file__).parent
    source = "\n".join(path.read_text() for path in package.rglob("*.py"))
    used = set(re.findall(r'progress\.task\(\s*"([^"]+)"', source))
    used |= set(re.findall(r'progress\.track\([^\n]*?,\s*"([^"]+)"', source))
    used |= set(re.findall(r'\blabel="([^"]+)"', source))
    used |= {name.capitalize() for name in re.findall(r'\.stage\(\s*"([^"]+)"', source)}
    assert {"Footprints", "Solve", "SCIP search", "Fiber routes between sites"} <= used
    assert sorted(used - set(progress.LABELS)) == []
