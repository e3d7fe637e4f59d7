"""The ``netplan`` command, and ``python -m netplan.cli``.

Importing the command group loads the whole geospatial stack (a second or more); Ctrl-C
during that load exits 130 like Ctrl-C at any later stage, not with a traceback.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    try:
        from netplan.cli.main import cli
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
        # os._exit, not sys.exit: when the interrupt passed through an extension module that
        # runs Python code of its own while importing, CPython remembers it as unhandled and,
        # after a clean sys.exit(130), ends the process by SIGINT instead (exit -2). Nothing is
        # written yet, so there is nothing to finalise.
        os._exit(130)
    cli()


if __name__ == "__main__":
    main()
