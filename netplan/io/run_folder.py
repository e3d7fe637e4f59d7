"""Run folders: netplan replaces only what it wrote, one run at a time, atomically.

A run folder carries a marker file (:data:`RUN_MARKER`) listing the files netplan put in it.
``--overwrite`` replaces an existing folder only when that marker (or, for runs written
before it existed, a netplan manifest) accounts for everything inside: an input folder, the
home folder or a folder holding anyone else's files is refused, never deleted.

Writing is claimed with a lock file beside the target (:func:`claim_output_dir`), so two runs
aimed at one folder cannot silently replace each other, and the claim is taken before any
computation, so an output location that cannot be written is found first. The files
themselves go into a hidden temporary folder beside the target (:func:`atomic_dir`) that
replaces the target only when complete: a crash, Ctrl-C or a killed process leaves the
previous run as it was.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import secrets
import shutil
import signal
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from netplan import __version__
from netplan.errors import ConfigError
from netplan.io.outputs import gpkg_timestamp

logger = logging.getLogger(__name__)

#: the file inside every run folder that says netplan wrote it, and which files it wrote
RUN_MARKER = ".netplan-run"

#: what netplan wrote into run folders before the marker existed (still replaceable when a
#: netplan manifest or scenarios table says netplan wrote them and nothing else is inside)
_LEGACY_FILES = frozenset(
    {
        "summary.json",
        "manifest.json",
        "blank_spots.geojson",
        "coverage_before.tif",
        "coverage_after.tif",
        "plan.geojson",
        "links.geojson",
        "villages.geojson",
        "plan.kml",
        "sites.csv",
        "plan.gpkg",
        "signal_reports.geojson",
        "access_calibration.csv",
        "budget_curve.csv",
        "map.html",
        "scenarios.csv",
        "scenarios.html",
        "scenarios.json",
    }
)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _written_by_netplan(folder: Path) -> set[str] | None:
    """The names netplan wrote into ``folder``, or None when nothing shows netplan wrote it."""
    marker = _read_json(folder / RUN_MARKER)
    if isinstance(marker, dict) and marker.get("written_by") == "netplan":
        files = marker.get("files")
        return {str(f) for f in files} | {RUN_MARKER} if isinstance(files, list) else None
    manifest = _read_json(folder / "manifest.json")
    sweep = _read_json(folder / "scenarios.json")
    if (isinstance(manifest, dict) and "netplan_version" in manifest) or (
        isinstance(sweep, dict) and "rows" in sweep
    ):
        return set(_LEGACY_FILES)
    return None


def _protected_reason(target: Path, inputs: Mapping[str, Path]) -> str | None:
    """Why ``target`` must never be replaced whatever it holds, or None."""
    if target == Path(target.anchor):
        return "it is the root of the file system"
    if target == Path.home().resolve():
        return "it is the home folder"
    if Path.cwd().resolve().is_relative_to(target):
        return "it holds the current folder"
    for key, path in inputs.items():
        if Path(path).resolve().is_relative_to(target):
            return f"it holds an input ({key}: {path})"
    return None


def replace_refusal(target: Path, *, inputs: Mapping[str, Path] | None = None) -> str | None:
    """Why the existing folder ``target`` may not be replaced, or None when it may.

    It may be replaced when it is empty, or when netplan's marker (or a netplan manifest, for
    older runs) accounts for every entry in it; never when it is the file system's root, the
    home folder, an ancestor of the current folder or of an input.
    """
    target = Path(target)
    if target.is_symlink():
        return "it is a symbolic link"
    if not target.is_dir():
        return "it exists and is not a folder"
    resolved = target.resolve()
    reason = _protected_reason(resolved, inputs or {})
    if reason is not None:
        return reason
    try:
        entries = {p.name for p in resolved.iterdir()}
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    if not entries:
        return None
    ours = _written_by_netplan(resolved)
    if ours is None:
        return "netplan did not write it (no netplan run marker or manifest inside)"
    others = sorted(entries - ours)
    if others:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        return f"it holds files netplan did not write: {shown}"
    return None


def check_output_dir(
    target: Path, *, overwrite: bool, inputs: Mapping[str, Path] | None = None
) -> None:
    """Refuse an output folder netplan may not write (before any work is done).

    Raises
    ------
    ConfigError
        When ``target`` exists and ``overwrite`` is off, or when it exists and netplan did not
        write it (see :func:`replace_refusal`).
    """
    target = Path(target)
    if not (target.exists() or target.is_symlink()):
        return
    reason = replace_refusal(target, inputs=inputs)
    if reason is not None:
        raise ConfigError(f"{target}: will not replace this folder: {reason}; choose another --out")
    if not overwrite:
        raise ConfigError(
            f"{target}: output folder exists; pass --overwrite to replace it, or --out elsewhere"
        )


def _lock_path(target: Path) -> Path:
    return target.parent / f".{target.name}.lock"


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return the ones created (deepest last)."""
    missing = [p for p in [folder, *folder.parents] if not p.exists()][::-1]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"{folder}: cannot create the output location ({exc.strerror}); choose a writable --out"
        ) from exc
    return missing


@contextmanager
def claim_output_dir(
    target: Path, *, overwrite: bool, inputs: Mapping[str, Path] | None = None
) -> Iterator[Path]:
    """Check ``target``, then hold the lock on it while the run computes and writes.

    Raises
    ------
    ConfigError
        Before any work, when the folder may not be replaced (:func:`check_output_dir`), when
        its location cannot be written, or when another run holds it ("another run is writing
        there").
    """
    target = Path(target).absolute()
    check_output_dir(target, overwrite=overwrite, inputs=inputs)
    gpkg_timestamp()  # a bad SOURCE_DATE_EPOCH is found now, not when plan.gpkg is written
    created = _make_parents(target.parent)
    lock = FileLock(_lock_path(target), timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise ConfigError(
            f"{target}: another run is writing there; wait for it to finish or choose another --out"
        ) from exc
    except OSError as exc:
        _remove_empty(created)
        raise ConfigError(
            f"{target.parent}: cannot write the output here ({exc.strerror or exc}); choose a "
            "writable --out"
        ) from exc
    try:
        # again under the lock: a run that finished in between may have written the folder
        check_output_dir(target, overwrite=overwrite, inputs=inputs)
        _remove_leftovers(target)
        yield target
    finally:
        # filelock (4+) re-checks the file after locking, so removing it before the release
        # cannot let a waiting run lock a file that is gone
        _lock_path(target).unlink(missing_ok=True)
        lock.release()
        if not target.exists():
            _remove_empty(created)


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders this run created (deepest first) when nothing was put in them."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            return


def _remove_leftovers(target: Path) -> None:
    """Remove temporary folders that killed runs left beside ``target`` (the lock is held, so
    no live run is writing them)."""
    name = glob.escape(target.name)
    for pattern in (f".{name}.tmp-*", f".{name}.old-*"):
        for old in target.parent.glob(pattern):
            shutil.rmtree(old, ignore_errors=True)


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C until the block is done (for the few steps that must not be cut short);
    a deferred Ctrl-C is raised as :class:`KeyboardInterrupt` right after."""
    try:
        previous = signal.getsignal(signal.SIGINT)
        pressed: list[int] = []
        signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    except ValueError:  # not the main thread: signals go to the main thread anyway
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if pressed and callable(previous):
            previous(signal.SIGINT, None)
        elif pressed and previous != signal.SIG_IGN:
            raise KeyboardInterrupt


def _write_marker(folder: Path) -> None:
    files = sorted(p.name for p in folder.iterdir() if p.name != RUN_MARKER)
    record = {"written_by": "netplan", "netplan_version": __version__, "files": files}
    (folder / RUN_MARKER).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


@contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it becomes ``target`` (replacing any old one).

    The old folder is replaced only when netplan wrote it (checked again at the swap, so a
    library caller cannot replace a folder the CLI would refuse). The swap itself and the
    clean-up after a failure run with Ctrl-C held, so neither is left half-done.
    """
    target = Path(target).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()  # (not mkdtemp: a run folder is not private, it takes the umask like any)
    try:
        yield tmp
        with _interrupts_deferred():
            _write_marker(tmp)
            _swap(tmp, target)
    except BaseException:
        with _interrupts_deferred():
            shutil.rmtree(tmp, ignore_errors=True)  # (gone already after a swap)
        raise


def _swap(tmp: Path, target: Path) -> None:
    old = None
    if target.exists() or target.is_symlink():
        reason = replace_refusal(target)
        if reason is not None:
            raise ConfigError(f"{target}: will not replace this folder: {reason}")
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
