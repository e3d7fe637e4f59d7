"""Text from inputs made fit for XML files (KML, the sheets of an xlsx)."""

from __future__ import annotations

import re

#: characters XML 1.0 cannot hold, whatever the escaping
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` with the control characters XML 1.0 forbids replaced by U+FFFD.

    >>> xml_text("Desa\x01 A")
    'Desa\ufffd A'
    """
    return _NOT_IN_XML.sub("\ufffd", text)
