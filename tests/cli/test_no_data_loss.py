"""netplan replaces only what it wrote, one run at a time, and Ctrl-C loses nothing.

Each case points a run at a folder a user could name by mistake (or on purpose) and checks
that what was there is still there, byte for byte, and that the refusal came before any work.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from filelock import FileLock

import netplan.cli.analyze as analyze_command
import netplan.cli.plan as plan_command
import netplan.cli.scenarios as scenarios_command
from netplan.cli.main import cli
from netplan.io.run_folder import RUN_MARKER
from tests.conftest import DEMO


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _plan(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-q", "plan", *args])
    return result.exit_code, result.stderr


def _no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a computation starts: refusals come before any work."""

    def computed(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run started computing before refusing its output folder")

    monkeypatch.setattr(plan_command, "run_plan", computed)
    monkeypatch.setattr(analyze_command, "run_analysis", computed)
    monkeypatch.setattr(scenarios_command, "run_sweep", computed)


#: every command that writes a run folder, with the arguments it needs
COMMANDS = {"plan": [], "analyze": [], "scenarios": ["--budgets", "1e9,2e9"]}


# --- --overwrite replaces only what netplan wrote -------------------------------------------


def _inputs_folder(tiny: Path, tmp_path: Path) -> Path:
    return tiny.parent


def _parent_of_inputs(tiny: Path, tmp_path: Path) -> Path:
    return tmp_path


def _users_folder(tiny: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "chapter1.docx").write_bytes(b"years of work")
    return folder


def _outputs_of_other_runs(tiny: Path, tmp_path: Path) -> Path:
    """``outputs/`` itself, holding two runs (what a scenario named ``.`` pointed at)."""
    outputs = tmp_path / "outputs"
    for name in ("west", "east"):
        run = outputs / name
        run.mkdir(parents=True)
        (run / RUN_MARKER).write_text('{"written_by": "netplan", "files": ["summary.json"]}')
        (run / "summary.json").write_text("{}")
    return outputs


def _run_with_a_users_file(tiny: Path, tmp_path: Path) -> Path:
    run = tmp_path / "run"
    assert _plan("-c", str(tiny), "--out", str(run))[0] == 0
    (run / "my-notes.txt").write_text("site visit: the hill north of the school")
    return run


def _a_symlink(tiny: Path, tmp_path: Path) -> Path:
    real = _users_folder(tiny, tmp_path)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    return link


def _a_forged_marker(tiny: Path, tmp_path: Path) -> Path:
    """A marker that lists some files does not license deleting others."""
    folder = _users_folder(tiny, tmp_path)
    (folder / RUN_MARKER).write_text('{"written_by": "netplan", "files": ["map.html"]}')
    return folder


REFUSED: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "the scenario's input folder": (_inputs_folder, "it holds an input"),
    "a parent of the inputs": (_parent_of_inputs, "it holds an input"),
    "a user's own folder": (_users_folder, "netplan did not write it"),
    "outputs/ with other runs in it": (_outputs_of_other_runs, "netplan did not write it"),
    "a run a user added a file to": (_run_with_a_users_file, "my-notes.txt"),
    "a symbolic link to a folder": (_a_symlink, "symbolic link"),
    "a marker that does not list every file": (_a_forged_marker, "chapter1.docx"),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_overwrite_refuses_a_folder_netplan_did_not_write(
    case: str, command: str, tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make, why = REFUSED[case]
    target = make(tiny, tmp_path)
    before = _snapshot(tmp_path)
    _no_work(monkeypatch)
    args = [command, *COMMANDS[command], "-c", str(tiny), "--out", str(target), "--overwrite"]
    result = CliRunner().invoke(cli, ["-q", *args])
    code, stderr = result.exit_code, result.stderr
    assert code == 2, stderr
    assert str(target) in stderr and why in stderr and "will not replace" in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("where", ["root", "home"])
def test_the_root_and_the_home_folder_are_never_replaced(
    where: str, tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("export PATH")
    monkeypatch.setenv("HOME", str(home))
    target = Path("/") if where == "root" else home
    _no_work(monkeypatch)
    code, stderr = _plan("-c", str(tiny), "--out", str(target), "--overwrite")
    assert code == 2
    assert ("root of the file system" if where == "root" else "home folder") in stderr
    assert (home / ".bashrc").read_text() == "export PATH"


#: files runs only write since they carry the marker
NEWER_THAN_THE_MARKER = (
    "regions.geojson",
    "existing_sites.geojson",
    "overview.tif",
    "sites.parquet",
    "villages.parquet",
)


def test_a_netplan_run_an_empty_folder_and_an_older_run_are_replaced(
    tiny: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    assert _plan("-c", str(tiny), "--out", str(run))[0] == 0
    marker = json.loads((run / RUN_MARKER).read_text())
    assert marker["written_by"] == "netplan"
    assert set(marker["files"]) == {p.name for p in run.iterdir()} - {RUN_MARKER}
    assert _plan("-c", str(tiny), "--out", str(run), "--budget", "2e9", "--overwrite")[0] == 0
    assert json.loads((run / "summary.json").read_text())["budget"] == 2e9
    # a run written before the marker existed: a netplan manifest and only netplan's files
    # (none of those that came after the marker)
    for name in (RUN_MARKER, *NEWER_THAN_THE_MARKER):
        (run / name).unlink(missing_ok=True)
    assert _plan("-c", str(tiny), "--out", str(run), "--overwrite")[0] == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _plan("-c", str(tiny), "--out", str(empty), "--overwrite")[0] == 0
    assert (empty / "plan.geojson").is_file()
    # nothing is left beside the run folders: no lock, no temporary folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "run", "tiny"]


def test_a_library_caller_cannot_replace_a_folder_netplan_did_not_write(
    tmp_path: Path,
) -> None:
    from netplan.errors import ConfigError
    from netplan.io.run_folder import atomic_dir

    folder = _users_folder(Path(), tmp_path)
    with pytest.raises(ConfigError, match="netplan did not write it"), atomic_dir(folder) as tmp:
        (tmp / "summary.json").write_text("{}")
    assert (folder / "chapter1.docx").read_bytes() == b"years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]


# --- one run at a time ------------------------------------------------------------------


def test_a_second_run_into_a_folder_being_written_exits_2(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "run"
    assert _plan("-c", str(tiny), "--out", str(run))[0] == 0
    before = _snapshot(run)
    _no_work(monkeypatch)
    with FileLock(tmp_path / ".run.lock"):  # what a run in progress holds
        code, stderr = _plan("-c", str(tiny), "--out", str(run), "--overwrite")
    assert code == 2
    assert "another run is writing there" in stderr
    assert _snapshot(run) == before


def test_two_runs_started_at_once_one_wins_the_other_exits_2(tiny: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    command = [sys.executable, "-m", "netplan.cli", "-q", "plan", "-c", str(tiny)]
    command += ["--out", str(run), "--overwrite"]
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    outcomes = sorted((p.returncode, stderr) for p, stderr in zip(procs, errors, strict=True))
    codes = [code for code, _ in outcomes]
    # either they overlapped (one refused) or, on a very slow start, ran one after the other
    assert codes in ([0, 2], [0, 0]), outcomes
    if codes == [0, 2]:
        assert "another run is writing there" in outcomes[1][1]
    assert (run / "plan.geojson").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "tiny"]


# --- an output location that cannot be written is found first -----------------------------


def _under_a_file(tmp_path: Path) -> Path:
    (tmp_path / "a-file").write_text("x")
    return tmp_path / "a-file" / "run"


def _in_proc(tmp_path: Path) -> Path:
    return Path("/proc/netplan-cannot-write-here/run")


def _read_only_folder(tmp_path: Path) -> Path:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    return folder / "run"


@pytest.mark.parametrize("where", [_under_a_file, _in_proc, _read_only_folder])
def test_an_unwritable_output_location_is_refused_before_any_work(
    where: Callable[[Path], Path], tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = where(tmp_path)
    _no_work(monkeypatch)
    code, stderr = _plan("-c", str(tiny), "--out", str(target))
    assert code == 2, stderr
    assert "cannot" in stderr and "writable --out" in stderr
    assert len(stderr.strip().splitlines()) == 1


# --- Ctrl-C at any stage --------------------------------------------------------------------


def _interrupt_at(
    config: Path, out: Path, stage: str, *extra: str, after_s: float = 0.0
) -> tuple[int, str]:
    """Start a run, press Ctrl-C (SIGINT) ``after_s`` seconds after its log reaches ``stage``;
    return its exit code and stderr."""
    command = [sys.executable, "-m", "netplan.cli", "-v", "plan", "-c", str(config)]
    proc = subprocess.Popen(
        [*command, "--out", str(out), *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if stage in line:
            time.sleep(after_s)
            proc.send_signal(signal.SIGINT)
            break
    else:
        pytest.fail(f"the run ended before reaching {stage!r}: {''.join(seen)}")
    rest = proc.communicate(timeout=300)[1]
    return proc.returncode, "".join(seen) + rest


STAGES = [
    "load layers",
    "existing coverage",
    "candidates and backhaul",
    "solve",
    "evaluate",
    "write outputs",
]


@pytest.mark.parametrize("stage", STAGES)
def test_ctrl_c_at_any_stage_exits_130_and_keeps_the_previous_run(
    stage: str, tiny: Path, tmp_path: Path
) -> None:
    run = tmp_path / "run"
    assert _plan("-c", str(tiny), "--out", str(run))[0] == 0
    before = _snapshot(run)
    code, stderr = _interrupt_at(tiny, run, stage, "--budget", "2e9", "--overwrite")
    if code == 0:  # the run finished writing before the signal landed: a whole new run
        assert json.loads((run / "summary.json").read_text())["budget"] == 2e9
    else:
        assert code == 130, stderr
        assert stderr.strip().splitlines()[-1].startswith("interrupted")
        assert "Traceback" not in stderr
        assert _snapshot(run) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "tiny"]


def test_ctrl_c_while_netplan_starts_exits_130(tiny: Path, tmp_path: Path) -> None:
    """Loading the geospatial stack takes a second or more: Ctrl-C then is Ctrl-C too."""
    command = [sys.executable, "-m", "netplan.cli", "plan", "-c", str(tiny)]
    proc = subprocess.Popen(
        [*command, "--out", str(tmp_path / "run")], stderr=subprocess.PIPE, text=True
    )
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    stderr = proc.communicate(timeout=300)[1]
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny"]


@pytest.mark.slow
def test_ctrl_c_inside_the_compiled_radio_kernels_exits_130(tmp_path: Path) -> None:
    """The demo's terrain model sweeps each candidate's footprint in a numba kernel; the
    footprints take several seconds after the candidates are logged. (Before, Ctrl-C there
    surfaced as "SystemError: CPUDispatcher(radial_sweep) returned a result with an exception
    set", exit 1.)"""
    demo = tmp_path / "demo"
    shutil.copytree(DEMO.parent.parent / "configs", demo / "configs")
    shutil.copytree(DEMO.parent.parent / "datasets", demo / "datasets")
    out = tmp_path / "run"
    config = demo / "configs" / "demo.yaml"
    code, stderr = _interrupt_at(config, out, "candidates: ", after_s=2.0)
    assert code == 130, stderr
    assert stderr.strip().splitlines()[-1].startswith("interrupted")
    assert "Traceback" not in stderr and "SystemError" not in stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]
