"""Exception hierarchy.

One root class so callers (and the CLI) can catch everything netplan raises on purpose;
each subclass also inherits a builtin so plain Python callers can catch that instead.
"""

from __future__ import annotations


class NetplanError(Exception):
    """Root of every error netplan raises deliberately."""

    exit_code = 1


class ConfigError(NetplanError, ValueError):
    """The scenario file is missing, malformed or has invalid values."""

    exit_code = 2


class InputError(NetplanError, ValueError):
    """An input layer is missing, unreadable or inconsistent with the region."""

    exit_code = 2


class InfeasibleError(NetplanError, RuntimeError):
    """The objective cannot be met (e.g. a coverage target above what is reachable)."""

    exit_code = 3

    def __init__(self, message: str, *, reachable: float | None = None) -> None:
        super().__init__(message)
        #: what can be achieved instead (people newly covered), when known
        self.reachable = reachable
