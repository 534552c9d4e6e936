"""Text for a terminal or a CI log: one record, one line.

A CI runner reads every output line that starts with ``::`` as a workflow command
(``::stop-commands::``, ``::add-mask::``, ...). Group values, column names and check names come
from data and policy files, so a value holding a newline could start such a line. ``one_line``
shows control characters as escapes instead (a newline becomes the two characters ``\\n``).
"""

from __future__ import annotations

import re

__all__ = ["one_line"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: object) -> str:
    """``str(text)`` with every control character (newline, carriage return, escape, ...) escaped."""
    return _CONTROL.sub(lambda m: _NAMED.get(m[0], f"\\x{ord(m[0]):02x}" if ord(m[0]) < 256 else f"\\u{ord(m[0]):04x}"),
                        str(text))
