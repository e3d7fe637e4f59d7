"""The ``netplan`` command, and ``python -m netplan.cli``.

Importing the command group loads the whole geospatial stack (a second or more); Ctrl-C
during that load exits 130 like Ctrl-C at any later stage, not with a traceback.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from netplan.cli.main import cli
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    cli()


if __name__ == "__main__":
    main()
