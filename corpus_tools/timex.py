"""TIMEX3 values: which strings are well-formed.

The grammar is the subset of TimeML 1.2.1 TIMEX3 ``value`` that the guidelines allow
(docs/annotation-guidelines.md, "Time"): calendar dates and weeks with ``X`` placeholders
for unknown digits, times of day, durations (``P`` forms, ``X`` for an unknown amount) and
the three vague references. Values are checked, not parsed: the corpus stores the string.
"""

from __future__ import annotations

import re

VAGUE_REFERENCES = ("PAST_REF", "PRESENT_REF", "FUTURE_REF")

_D = r"[0-9X]"
_YEAR = rf"{_D}{{4}}|{_D}{{3}}|{_D}{{2}}"  # 2024, 201X (decade), 20 (century)
_CALENDAR = (
    rf"(?:{_YEAR})"
    rf"(?:-(?:{_D}{{2}}(?:-{_D}{{2}})?"  # -05, -05-07
    rf"|W{_D}{{2}}(?:-[1-7X]|-WE)?"  # -W18, -WXX-7, -W18-WE
    rf"|Q[1-4X]|H[12X]|SP|SU|FA|WI))?"  # quarters, halves, seasons
)
_TIME_OF_DAY = rf"T(?:{_D}{{2}}(?::{_D}{{2}}(?::{_D}{{2}})?)?|MO|AF|EV|NI|DT)"
_NUMBER = r"(?:[0-9]+(?:\.[0-9]+)?|X)"
_DURATION = (
    rf"P(?:{_NUMBER}(?:Y|M|W|D|DE|CE|ML|Q|WE)"
    rf"|T{_NUMBER}(?:H|M|S))"
)
_VALUE = re.compile(rf"(?:{_CALENDAR}(?:{_TIME_OF_DAY})?|{_DURATION}|{'|'.join(VAGUE_REFERENCES)})")


def is_well_formed(value: str) -> bool:
    """True if ``value`` is a TIMEX3 value the guidelines allow (``2024-WXX-7``, ``P10Y``)."""
    return isinstance(value, str) and _VALUE.fullmatch(value) is not None
