"""The TIMEX3 ``value`` grammar (TimeML 1.2.1, ISO 8601 with TimeML's extensions).

Accepted forms, with ``X`` standing for an unspecified digit wherever a digit may stand:

* dates: ``2024``, ``2024-04``, ``2024-04-25``, ``XXXX-05``, ``XXXX-XX-25``; decades and
  centuries ``199`` / ``199X``, ``19`` / ``19XX``
* weeks: ``2024-W17``, ``XXXX-WXX-7`` (day of week 1-7), ``2024-W17-WE`` (weekend)
* seasons ``2024-SP|SU|FA|WI``, quarters ``2024-Q1`` .. ``Q4`` / ``QX``, halves ``2024-H1|H2``
* times: a date (or nothing) then ``Thh``, ``Thh:mm``, ``Thh:mm:ss(.fff)``, or a part of day
  ``TMO|TAF|TEV|TNI|TDT``; optional zone ``Z`` / ``+hh:mm``
* durations: ``P`` + number-or-X + unit (Y, M, W, D, and TimeML's DE, CE, ML, Q, WE, H for
  half-year), then optionally ``T`` + number-or-X + H, M, S: ``P3Y``, ``PXY``, ``P2DT4H``, ``PT30M``
* vague references: ``PAST_REF``, ``PRESENT_REF``, ``FUTURE_REF``

``MONTH_NAMES`` and ``WEEKDAYS``: the month and weekday names English text writes, for the rules
that read dates in text.

Which forms a label admits (``LABEL_KINDS``): a DATE takes a date-like value or a reference,
a TIME a time or a reference, a DURATION a duration, a SET a duration or a date-like pattern.
"""

from __future__ import annotations

import calendar
import datetime
import re

# The full names, and the abbreviations news style (AP) writes before a day or a year, always
# with their period ("Aug. 21", "Sept. 2015"): one table for the lint's month check, the
# pre-annotator's date rules and its sentence splitter (an abbreviation ends no sentence).
MONTH_NAMES = {"January": 1, "February": 2, "March": 3, "April": 4, "May": 5, "June": 6, "July": 7, "August": 8,
               "September": 9, "October": 10, "November": 11, "December": 12, "Jan.": 1, "Feb.": 2, "Aug.": 8,
               "Sept.": 9, "Sep.": 9, "Oct.": 10, "Nov.": 11, "Dec.": 12}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # ISO order: index + 1 is the day

_YEAR = r"(?P<year>\d{4}|\d{3}X|\d{2}XX|\dXXX|XXXX)"
_MONTH = r"(?P<month>0[1-9]|1[0-2]|XX)"
_DAY = r"(?P<day>0[1-9]|[12]\d|3[01]|XX)"
_DATE = rf"{_YEAR}(?:-{_MONTH}(?:-{_DAY})?)?"
_WEEK = rf"{_YEAR}-W(?P<week>0[1-9]|[1-4]\d|5[0-3]|XX)(?:-(?:[1-7X]|WE))?"
_PART_OF_YEAR = rf"{_YEAR}-(?:SP|SU|FA|WI|Q[1-4X]|H[12X])"
# hours 00-23 (or XX), and 24 only as ISO 8601's end of the day, 24:00:00 (T24:30 is no time)
_CLOCK = (r"(?:(?:[01]\d|2[0-3]|XX)(?::(?:[0-5]\d|XX)(?::(?:[0-5]\d|60|XX)(?:\.\d+)?)?)?"
          r"|24(?::00(?::00(?:\.0+)?)?)?)")
_ZONE = r"(?:Z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)?"
_TIME = rf"(?:{_DATE})?T(?:{_CLOCK}{_ZONE}|MO|AF|EV|NI|DT)"
_NUMBER = r"(?:\d+(?:\.\d+)?|X)"
_DURATION = (rf"P(?:(?:{_NUMBER}(?:Y|M|W|D|DE|CE|ML|Q|WE|H))+(?:T(?:{_NUMBER}[HMS])+)?"
             rf"|T(?:{_NUMBER}[HMS])+)")

_PATTERNS = {
    "date": re.compile(rf"{_DATE}|\d{{2,3}}"),  # 199 (the 1990s) and 19 (the 1900s): ISO reduced precision
    "week": re.compile(_WEEK),
    "part_of_year": re.compile(_PART_OF_YEAR),
    "time": re.compile(_TIME),
    "duration": re.compile(_DURATION),
    "reference": re.compile(r"PAST_REF|PRESENT_REF|FUTURE_REF"),
}

_DATE_LIKE = frozenset({"date", "week", "part_of_year", "reference"})
LABEL_KINDS = {
    "DATE": _DATE_LIKE,
    "TIME": frozenset({"time", "reference"}),
    "DURATION": frozenset({"duration"}),
    "SET": frozenset({"duration", "date", "week", "part_of_year", "time"}),
}


def value_kind(value: str) -> str | None:
    """Which form of the grammar ``value`` is (``date``, ``week``, ``time``...), or None if none."""
    for kind, pattern in _PATTERNS.items():
        match = pattern.fullmatch(value)
        exists = _OF_THE_CALENDAR.get(kind)
        if match and (exists is None or exists(match)):
            return kind
    return None


def check_value(value: object, label: str) -> str | None:
    """None when ``value`` is a valid TIMEX3 value for a ``label`` expression, else why not."""
    if not isinstance(value, str):  # a record made by hand (release from records): 5 is no empty value
        return f"the TIMEX3 value {value!r} is not a string"
    if not value:
        return "the TIMEX3 value is empty"
    kind = value_kind(value)
    if kind is None:
        unreal = next((form for form in _OF_THE_CALENDAR if _PATTERNS[form].fullmatch(value)), None)
        if unreal is not None:
            return f"{value!r} is not a {'week' if unreal == 'week' else 'date'} of the calendar"
        return f"{value!r} is not a TIMEX3 value (e.g. 2024-04-25, XXXX-05, 2024-W17, P3Y, PAST_REF)"
    allowed = LABEL_KINDS[label]
    if kind not in allowed:
        return f"{value!r} is a {kind} value, which a {label} does not take ({', '.join(sorted(allowed))})"
    return None


def value_problem(value: object, label: str) -> tuple[str, str] | None:
    """(code, reason) of what is wrong with ``value`` as the TIMEX3 value of a ``label`` time
    expression, or None: ``timex-value-missing`` for no value (None, or a blank string, which
    ingest reads as no value), else ``timex-value-invalid`` with check_value's reason. The one
    rule of ingest and of a release built from records, so both give one value the same code."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "timex-value-missing", f"a {label} needs its TIMEX3 value in timex_value"
    reason = check_value(value, label)
    return None if reason is None else ("timex-value-invalid", reason)


def _is_real_date(match: re.Match) -> bool:
    """Reject calendar impossibilities (2023-02-30) when year, month and day are all known."""
    year, month, day = match.group("year"), match.group("month"), match.group("day")
    if not (year and month and day) or "X" in year + month + day:
        return True
    return int(day) <= calendar.monthrange(int(year), int(month))[1]


def _is_real_week(match: re.Match) -> bool:
    """Reject a week 53 of a year of 52 ISO weeks (2021-W53: 2021-01-01 is in 2020-W53, an easy
    slip) when year and week are known."""
    year, week = match.group("year"), match.group("week")
    if not (year.isdigit() and week.isdigit()) or int(year) == 0:  # datetime has no year 0
        return True
    return int(week) <= datetime.date(int(year), 12, 28).isocalendar().week  # Dec 28: in the year's last week


# the forms that name a day or a week of the calendar, and how to tell one that does not exist:
# a date, a time's date (2023-02-30T10:00 passed while 2023-02-30 was refused), a week
_OF_THE_CALENDAR = {"date": _is_real_date, "time": _is_real_date, "week": _is_real_week}
