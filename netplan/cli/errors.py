"""Turn exceptions into one clear line and an exit code (DESIGN.md §5)."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from netplan.errors import NetplanError

F = TypeVar("F", bound=Callable[..., Any])
logger = logging.getLogger("netplan.cli")


def handle_errors(func: F) -> F:
    """0 ok; 1 unexpected error; 2 usage, config or input error; 3 infeasible."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        verbose = (click.get_current_context().find_root().obj or {}).get("verbose", 0) > 0
        try:
            return func(*args, **kwargs)
        except click.ClickException:
            raise  # usage errors: click prints them and exits 2
        except NetplanError as exc:
            if verbose:
                logger.exception("details")
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted: previous outputs left untouched", err=True)
            sys.exit(130)
        except Exception as exc:
            if verbose:
                logger.exception("details")
            click.echo(
                f"unexpected error: {type(exc).__name__}: {exc} (run with -v for details)",
                err=True,
            )
            sys.exit(1)

    return wrapper  # type: ignore[return-value]
