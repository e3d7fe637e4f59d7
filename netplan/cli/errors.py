"""Turn exceptions into one clear line and an exit code (DESIGN.md §5)."""

from __future__ import annotations

import contextlib
import functools
import logging
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar

import click

from netplan.errors import NetplanError

F = TypeVar("F", bound=Callable[..., Any])
logger = logging.getLogger("netplan.cli")

#: exit code after Ctrl-C (128 + SIGINT), as shells report it
INTERRUPTED = 130
INTERRUPTED_MESSAGE = "interrupted: nothing was half-written"


class _CtrlC:
    """Ctrl-C, remembered. Compiled kernels and worker threads can turn the
    ``KeyboardInterrupt`` into another exception (numba's parallel loops raise SystemError
    with the interrupt set); the flag says what really happened."""

    pressed = False

    @classmethod
    def handler(cls, signum: int, frame: FrameType | None) -> None:
        cls.pressed = True
        raise KeyboardInterrupt


def watch_interrupts() -> None:
    """Install the Ctrl-C handler (main thread only; elsewhere Python's own stays)."""
    _CtrlC.pressed = False
    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGINT, _CtrlC.handler)


def _interrupted(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return _CtrlC.pressed


def handle_errors(func: F) -> F:
    """0 ok; 1 unexpected error; 2 usage, config or input error; 3 infeasible; 130 Ctrl-C."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        verbose = (click.get_current_context().find_root().obj or {}).get("verbose", 0) > 0
        try:
            return func(*args, **kwargs)
        except click.ClickException:
            raise  # usage errors: click prints them and exits 2
        except NetplanError as exc:
            if _interrupted(exc):
                _exit_interrupted()
            if verbose:
                logger.exception("details")
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (KeyboardInterrupt, click.Abort):
            _exit_interrupted()
        except Exception as exc:
            if _interrupted(exc):
                _exit_interrupted()
            if verbose:
                logger.exception("details")
            click.echo(
                f"unexpected error: {type(exc).__name__}: {exc} (run with -v for details)",
                err=True,
            )
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _exit_interrupted() -> None:
    # a second Ctrl-C while the message is written must not turn into a traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    click.echo(INTERRUPTED_MESSAGE, err=True)
    sys.exit(INTERRUPTED)
