"""What is wrong with a path given as an input file, decided before anything opens it.

Opening a named pipe (FIFO) blocks until something writes to it, and a folder given where a
file belongs fails deep inside GDAL or pandas with a message about neither; so every reader
asks :func:`file_problem` first and turns its answer into one line naming the key.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as an input file, or None when it can.

    The answer completes a sentence that starts with the path and what it is, e.g.
    ``"{path}: population raster " + problem``: "not found", "is a folder, not a file",
    "is not a regular file (a named pipe, socket or device)" or "is not readable
    (permission denied)". Only ``stat`` is called, so a FIFO is never opened.

    Examples
    --------
    >>> file_problem(Path("/no/such/file.tif"))
    'not found'
    >>> file_problem(Path("/"))
    'is a folder, not a file'
    """
    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        return "not found"
    except OSError as exc:
        return f"cannot be opened ({exc.strerror or type(exc).__name__})"
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(mode):
        return "is not a regular file (a named pipe, socket or device)"
    if not os.access(path, os.R_OK):
        return "is not readable (permission denied)"
    return None
