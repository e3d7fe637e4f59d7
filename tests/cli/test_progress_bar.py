"""``netplan plan`` in a terminal shows progress bars on stderr; ``-q`` or a pipe shows none,
and bars never change the plan."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
#: an elapsed-time or time-left column, e.g. ``0:00:03``
CLOCK = re.compile(r"\d:\d\d:\d\d")
#: what only a bar draws: its track
BAR = "━"

#: runs ``run_plan`` as ``netplan plan`` would, with bars on when stderr is a terminal
HARNESS = """
import logging, sys
from pathlib import Path
from netplan import progress
from netplan.config import load_scenario
from netplan.runs import run_plan

handler = logging.StreamHandler()
logger = logging.getLogger("netplan")
logger.handlers[:] = [handler]
logger.setLevel(logging.INFO)
logger.propagate = False
progress.configure(sys.stderr.isatty())
run_plan(load_scenario(Path(sys.argv[1])), out_dir=Path(sys.argv[2]))
"""


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    env["TERM"] = "xterm-256color"
    return env


def _on_a_terminal(args: list[str]) -> tuple[int, str]:
    """Run ``args`` with stderr on a 140-column pseudo-terminal: (exit code, what it showed)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
    proc = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env=_environment(),
    )
    os.close(follower)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    return proc.wait(timeout=600), ANSI.sub("", shown.decode("utf-8", errors="replace"))


def _netplan(*args: str) -> list[str]:
    return [sys.executable, "-m", "netplan.cli.main", *args]


def _plan(summary: Path) -> dict[str, object]:
    figures = json.loads(summary.read_text())
    figures["solver"].pop("seconds")
    return figures


def _bar_lines(shown: str, label: str) -> list[str]:
    return [line for line in shown.splitlines() if label in line and BAR in line]


def test_bars_from_the_library_show_stages_counts_and_times(tiny: Path, tmp_path: Path) -> None:
    code, shown = _on_a_terminal([sys.executable, "-c", HARNESS, str(tiny), str(tmp_path / "bars")])
    assert code == 0, shown
    for label in ("Load layers", "Candidates and backhaul", "Solve", "Write outputs"):
        assert _bar_lines(shown, label), f"no bar for {label!r} in {shown!r}"
    footprints = _bar_lines(shown, "Footprints")
    assert footprints and re.search(r"\d+/\d+ +\d+%", footprints[-1])
    assert all(CLOCK.search(line) for line in _bar_lines(shown, "Solve"))
    assert any("ETA" in line for line in footprints)
    # log records print on lines of their own, above the bars
    assert any(line.endswith("candidates and backhaul ...") for line in shown.splitlines())
    # and the bars change nothing
    quiet = subprocess.run(
        _netplan("-q", "plan", "-c", str(tiny), "--out", str(tmp_path / "quiet")),
        capture_output=True,
        text=True,
        check=False,
    )
    assert quiet.returncode == 0, quiet.stderr
    assert _plan(tmp_path / "bars" / "summary.json") == _plan(tmp_path / "quiet" / "summary.json")


def test_plan_in_a_terminal_shows_bars_with_elapsed_and_eta(tiny: Path, tmp_path: Path) -> None:
    code, shown = _on_a_terminal(_netplan("plan", "-c", str(tiny), "--out", str(tmp_path / "r")))
    assert code == 0, shown
    assert _bar_lines(shown, "Footprints") and _bar_lines(shown, "Solve")
    assert any(CLOCK.search(line) for line in _bar_lines(shown, "Footprints"))
    assert any("ETA" in line for line in _bar_lines(shown, "Footprints"))


def test_quiet_shows_no_bars_even_in_a_terminal(tiny: Path, tmp_path: Path) -> None:
    code, shown = _on_a_terminal(
        _netplan("-q", "plan", "-c", str(tiny), "--out", str(tmp_path / "r"))
    )
    assert code == 0, shown
    assert BAR not in shown and "Footprints" not in shown


def test_stderr_through_a_pipe_shows_no_bars(tiny: Path, tmp_path: Path) -> None:
    piped = subprocess.run(
        _netplan("plan", "-c", str(tiny), "--out", str(tmp_path / "r")),
        capture_output=True,
        text=True,
        check=False,
        env=_environment(),
    )
    assert piped.returncode == 0, piped.stderr
    assert "candidates and backhaul ..." in piped.stderr  # the log still comes
    assert BAR not in piped.stderr and "Footprints" not in piped.stderr
    assert "\x1b[" not in piped.stderr  # no cursor or colour codes in a log file
