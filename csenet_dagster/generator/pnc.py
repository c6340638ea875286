"""Police National Computer ids: ``YYYY/NNNNNNNA``.

The check character is the letter of ``CHECK_LETTERS`` at index
``int(YY + NNNNNNN) mod 23``, where YY is the last two digits of the year and
NNNNNNN the 7-digit serial (so ``2015/0123456`` -> int("150123456") mod 23).
"""

from __future__ import annotations

import re

CHECK_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"
PNC_PATTERN = re.compile(r"^(\d{4})/(\d{7})([A-Z])$")


def check_char(year: int, serial: int) -> str:
    return CHECK_LETTERS[int(f"{year % 100:02d}{serial:07d}") % 23]


def pnc_id(year: int, serial: int) -> str:
    return f"{year:04d}/{serial:07d}{check_char(year, serial)}"


def is_valid(value: str) -> bool:
    """True when ``value`` is well formed and its check character is right."""
    match = PNC_PATTERN.match(value or "")
    if not match:
        return False
    year, serial, letter = int(match.group(1)), int(match.group(2)), match.group(3)
    return check_char(year, serial) == letter
