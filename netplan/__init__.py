"""netplan: plan how to close mobile-internet blank spots.

The data flows one way: scenario config -> layers on an analysis grid -> coverage and
blank spots -> candidates -> optimisation -> plan -> maps and reports. Every stage is a
library function; the ``netplan`` command line is a thin layer on top.
"""

from typing import Any

__all__ = ["__version__"]


def __getattr__(name: str) -> Any:
    """``__version__``, looked up in the installed metadata when first asked for: importing
    the package stays instant, so Ctrl-C while the command starts meets netplan's handler
    (reading the metadata of every installed package can take a second on a cold disk)."""
    if name != "__version__":
        raise AttributeError(f"module 'netplan' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("netplan")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        found = "0.0.0"
    globals()["__version__"] = found
    return found
