"""netplan: plan how to close mobile-internet blank spots.

The data flows one way: scenario config -> layers on an analysis grid -> coverage and
blank spots -> candidates -> optimisation -> plan -> maps and reports. Every stage is a
library function; the ``netplan`` command line is a thin layer on top.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("netplan")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
