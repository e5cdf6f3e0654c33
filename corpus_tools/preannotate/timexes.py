"""TIMEX3 pre-annotation: written rules for dates, durations and sets, with values resolved
against the document's publication date (docs/annotation-guidelines.md, Time; what they cover and
why no library does: docs/preannotation.md). Each rule is written once, with its examples, beside
its pattern; every value is checked by ``corpus_tools.timex.check_value`` (the one TIMEX3 grammar)
before it is predicted: a value that fails is dropped, never sent.

Spans follow the guidelines: no leading preposition ("on [Sunday]"), modifiers kept ("[more than
a decade ago]", "[late on Thursday]"). Overlapping candidates: the longest wins, then the earliest
rule. Nothing inside a web or mail address is a time expression. The rules read a heading's
all-caps words as running text writes them (``_as_running_text``), and a function word capitalized
as a sentence's first as inside one ("From May", "Once a week", "The 1990s": ``(?i:...)``).

Resolution (``Anchor`` = the publication date at its precision), where the guidelines leave a choice:

* a month or day without a year: the most recent one on or before the anchor, or the next one on
  or after it when its clause (between punctuation marks) speaks of the future (``FUTURE_CUES``),
  so "In April, the envoy will visit" is the April before, a miss an annotator corrects, where the
  sentence would take "a spokesman said ..., and will" as future; a range's start or end that
  leaves out what the other states takes it ("from May to July 2020": ``2020-05``);
* nothing finer than the anchor's precision; the year of a week or weekday of an anchor not known
  to the day is the ISO week-year every day it may be of agrees on, else ``XXXX`` (``_week_year``);
* "N units later/earlier": the previous DATE moved (``_Context.previous_date``, ``_moved``),
  ``XXXX`` when it cannot be computed; a decimal ("2.5 years") is no count: nothing is predicted;
* without a publication date, everything relative is underspecified: ``XXXX-05``,
  ``XXXX-WXX-7``, and "last year" or "a decade ago" becomes ``PAST_REF``.

Scores: 0.9 absolute, 0.7 resolved relative, 0.5 underspecified or anchored to another expression.
"""

from __future__ import annotations

import bisect
import calendar
import datetime
import functools
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from corpus_tools.preannotate.text import VERB_PREPOSITIONS, weekday_in_name
from corpus_tools.records import EntityMention, ManifestRecord, Span, TimeExpression
from corpus_tools.timex import MONTH_NAMES, WEEKDAYS, check_value

NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
           "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
           "fifty": 50, "sixty": 60, "a couple of": 2, "a few": None, "several": None, "few": None, "many": None}
UNITS = {"day": "D", "week": "W", "month": "M", "year": "Y", "decade": "DE", "century": "CE", "hour": "H",
         "minute": "MIN"}
MODS = {"over": "MORE_THAN", "more than": "MORE_THAN", "just over": "MORE_THAN", "well over": "MORE_THAN",
        "less than": "LESS_THAN", "fewer than": "LESS_THAN", "under": "LESS_THAN", "just under": "LESS_THAN",
        "almost": "APPROX", "nearly": "APPROX", "about": "APPROX", "around": "APPROX", "roughly": "APPROX",
        "approximately": "APPROX", "some": "APPROX", "at least": "EQUAL_OR_MORE", "at most": "EQUAL_OR_LESS",
        "up to": "EQUAL_OR_LESS"}
AGO_MODS = {"MORE_THAN": "BEFORE", "LESS_THAN": "AFTER", "APPROX": "APPROX", "EQUAL_OR_MORE": "ON_OR_BEFORE",
            "EQUAL_OR_LESS": "ON_OR_AFTER"}
PART_MODS = {"early": "START", "late": "END", "mid": "MID", "mid-": "MID"}
FUTURE_CUES = re.compile(r"\b(?:will|won't|is due|are due|due to|is expected|are expected|scheduled|plans? to|"
                         r"upcoming|intends? to|next)\b", re.I)
SEASONS = {"spring": "SP", "summer": "SU", "autumn": "FA", "fall": "FA", "winter": "WI"}
SHIFTS = {"last": -1, "this": 0, "next": 1}  # "the spring" is this one
REFS = ("PAST_REF", "PRESENT_REF", "FUTURE_REF")  # by a shift's sign, + 1

_MONTHS = "|".join(map(re.escape, MONTH_NAMES))
_MONTH = f"(?P<month>{_MONTHS})"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"  # "March 4th"
_WEEKDAY = "(?P<weekday>" + "|".join(WEEKDAYS) + ")"
# a count as written: "1,000" whole (not its "000"), never a piece of a decimal ("2.5": no count
# of years is told), a number with a leading zero, or more digits than int() takes (with
# separators too: at most 18 digits, "999,999,999,999,999,999")
_NUM = (r"(?P<num>(?<!\d[.,])(?!0\d)(?:\d{1,3}(?:,\d{3}){1,5}|\d{1,6})(?![.,]\d)|(?i:"
        + "|".join(sorted((re.escape(k) for k in NUMBERS), key=len, reverse=True)) + "))")
_UNIT = r"(?P<unit>(?i:day|week|month|year|decade|centur(?:y|ie)|hour|minute))s?"
_MOD = r"(?:(?P<mod>(?i:" + "|".join(sorted((re.escape(k) for k in MODS), key=len, reverse=True)) + r"))\s+)?"
_PART = r"(?:(?P<part>(?i:early|late)\s+|(?i:mid)-?))?"
_YEAR_DIGITS = r"(?:19|20)\d\d"  # the years the rules read
_NO_YEAR_AFTER = r"(?!,?\s+" + _YEAR_DIGITS + ")"  # a day or month whose year is not written
# a wire-style clock time's digits, hours and minutes ("1930"): no year before a zone, no duration
# in hours after "at" (_amount)
_WIRE_CLOCK = r"(?:[01]\d|2[0-3])[0-5]\d"
# not a year: a count of something, or a wire-style clock time before its zone ("at 1930 GMT",
# "2000 hrs", "1945 local time", "2000 Moscow time", "1930 IST": hours and minutes, which a
# year's digits also spell; the zone in any case, as the rules read a heading's all-caps words in
# lowercase, but for those that spell a word or a state, "ET" and "PT", and a place's time, as
# written: "in 2019 the time came" holds a year)
_CLOCK_ZONE = (r"(?<=" + _WIRE_CLOCK + r")\s*(?:(?i:gmt|utc|hrs|hours|local\s+time|[ecmp][sd]t|bst|ces?t|ees?t"
               r"|msk|ist|jst|kst|hkt|sgt|pkt|ae[sd]t|sast)\b|(?:ET|PT)\b|[A-Z][a-z]+\s+time\b)")
_YEAR = (r"(?P<year>" + _YEAR_DIGITS + r")(?![\d,.]\d|\s*(?:%|percent|people|troops|soldiers|fighters|civilians|dollars)"
         r"|" + _CLOCK_ZONE + ")")
_B, _E = r"(?<![\w-])", r"(?![\w-])"
_SPACE = r"[^\S\n]"


def _in_line(pattern: str) -> str:
    """``pattern`` with each ``\\s`` a space of the line, never a line break: a span never crosses
    a line (text.py), so a title ending "in March" and a paragraph opening "2011 was" hold no
    "March 2011"."""
    return pattern.replace(r"\s", _SPACE)


@dataclass(frozen=True, slots=True)
class Anchor:
    """A date at its precision (month and day None where unknown): the publication date, which
    relative expressions are resolved against, or a date found before "N units later"."""

    year: int
    month: int | None
    day: int | None

    @classmethod
    def of(cls, record: ManifestRecord | None) -> "Anchor | None":
        if record is None or record.publication_date is None:
            return None
        parts = [int(part) for part in record.publication_date.split("-")]
        return cls(parts[0], *(parts[1:] + [None, None])[:2])

    @property
    def value(self) -> str:
        """The publication date as written (``2024``, ``2024-03``, ``2024-03-12``)."""
        return "-".join([f"{self.year:04d}", *(f"{part:02d}" for part in (self.month, self.day) if part is not None)])

    @property
    def date(self) -> datetime.date | None:
        return datetime.date(self.year, self.month, self.day) if self.day else None

    @property
    def bounds(self) -> tuple[datetime.date, datetime.date]:
        """The first and the last day the date may be (the day twice, or the first and last days of
        its month or year)."""
        if self.day:
            return (self.date,) * 2
        return (datetime.date(self.year, self.month or 1, 1),
                datetime.date(self.year, self.month or 12, calendar.monthrange(self.year, self.month or 12)[1]))


class _Context:
    """What a rule sees: the text, the anchor, the sentence, and the DATE values found before.

    Positions of clause marks, future cues and sentence starts are listed once and looked up by
    bisection, as the DATEs before are: searching the text again for each expression took time
    quadratic in its length (a 2 MB line, 10,000 dates; a clause of 100 KB without a mark, 1,900
    weekdays, took 9 s searching it for a cue once for each)."""

    def __init__(self, text: str, anchor: Anchor | None, name_starts: set[int]):
        self.text = text
        self.anchor = anchor
        # where each registered name the entity layer kept starts: one after a weekday that opens a
        # sentence is a name of its own, as the gazetteer keeps no other there (``weekday_in_name``)
        self.name_starts = name_starts
        self._previous_starts: list[int] = []  # of the DATEs found, in text order
        self._previous_values: list[str] = []

    def add_date(self, start: int, value: str) -> None:
        """A DATE found, later than those added before."""
        self._previous_starts.append(start)
        self._previous_values.append(value)

    @functools.cached_property
    def _clause_marks(self) -> list[int]:
        return [match.start() for match in _CLAUSE_MARK.finditer(self.text)]

    @functools.cached_property
    def _future_cues(self) -> list[int]:
        """Where each future cue starts: no cue holds a clause mark, so the cues the text holds are
        those its clauses hold, and a clause has one when a cue starts inside it."""
        return [match.start() for match in FUTURE_CUES.finditer(self.text)]

    @functools.cached_property
    def _sentence_breaks(self) -> tuple[list[int], list[int]]:
        """(ends, starts) of each ". " and line break: a sentence starts after the last one that
        ends at or before a position (the space of ". " is the start, as it always was)."""
        matches = list(re.finditer(r"\. |\n", self.text))
        return [match.end() for match in matches], [match.start() + 1 for match in matches]

    def future(self, position: int) -> bool:
        """Whether the clause around ``position`` (between punctuation marks) speaks of the future:
        a reported "will" elsewhere in the sentence ("..., a spokesman said on Wednesday") does not count."""
        marks = self._clause_marks
        index = bisect.bisect_left(marks, position)  # marks[index - 1] < position <= marks[index]
        before = marks[index - 1] + 1 if index else 0
        after = marks[index] if index < len(marks) else len(self.text)
        cues = self._future_cues
        index = bisect.bisect_left(cues, before)  # the first cue at or after the clause's start
        return index < len(cues) and cues[index] < after

    def previous_date(self, position: int) -> str | None:
        """The DATE another expression is anchored to ("Two days later"): the first DATE of the
        nearest earlier sentence that has one, since a sentence's own time tends to come first and
        later dates in it are background ("In May of last year, ... frozen in November 2011.")."""
        earlier = bisect.bisect_left(self._previous_starts, position)  # the DATEs starting before it
        if not earlier:
            return None
        ends, starts = self._sentence_breaks
        last = bisect.bisect_right(ends, self._previous_starts[earlier - 1]) - 1
        sentence_start = starts[last] if last >= 0 else 0
        return self._previous_values[bisect.bisect_left(self._previous_starts, sentence_start, 0, earlier)]


_CLAUSE_MARK = re.compile("[.\n,;:\"“”—?!]")
# a web or mail address: its digits are a path, a query or a name, no time
# ("example.com/2024/05/12/talks", "example.com?date=2024-05-12", "example.com:8080/2024",
# "news.2024@example.org"); a host without a scheme is an address only with what follows it (a
# port, a path, a fragment, a query's "name="), as "in 2019.Why?" is a missing space, not a host;
# each form starts only where a token does, so a long run of letters
# and dots is read once, not once from each of its characters, and repeats a character class,
# never a group (a repeated group kept a backtracking point per dot: 120 MB for "a." 1M times)
_ADDRESS = re.compile(r"(?i:(?<![\w.+-])(?:(?:https?|ftp)://|www\.)[^\s<>\"“”]+"
                      r"|(?<![\w.@/-])[a-z0-9-][a-z0-9.-]*\.[a-z]{2,}(?::\d+)?(?:[/#]|\?[\w.-]+=)[^\s<>\"“”]*"
                      r"|(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.-]+)")


def _number(word: str | None) -> int | None:
    """The count written, None for a vague one ("a few"), one for none ("every week")."""
    if word is None:
        return 1
    return int(word.replace(",", "")) if word[0].isdigit() else NUMBERS[word.lower()]


def _mod(match: re.Match) -> str | None:
    return MODS.get((match.groupdict().get("mod") or "").lower())


def _unit(word: str) -> str:
    word = word.lower()
    return UNITS["century" if word.startswith("centur") else word]


_IN_YEARS = {"Y": 1, "DE": 10, "CE": 100}


def _duration(number: int | None, unit: str) -> str:
    if unit in _IN_YEARS:  # decades in years, so "a decade" and "10-year" compare equal (guidelines)
        number, unit = None if number is None else number * _IN_YEARS[unit], "Y"
    amount = "X" if number is None else str(number)
    return f"PT{amount}{unit[0]}" if unit in ("H", "MIN") else f"P{amount}{unit}"  # PT2H, PT30M: a time's


def _counted(match: re.Match) -> str:
    """The duration a match counts: its number (one where none is written: "every week") of its unit."""
    return _duration(_number(match.groupdict().get("num")), _unit(match["unit"]))


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


_PRECISION = {"CE": 1, "DE": 1, "Y": 1, "M": 2, "W": 3, "D": 3}  # how many of year, month, day a unit can tell


def _moved(value: str, sign: int, number: int | None, unit: str) -> str | None:
    """``value`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) moved by ``number`` units, never finer
    than the unit (guidelines: "N years ago" at year precision) nor than what every day of
    ``value`` moved agrees on (guidelines: "weeks later" after August 2012 is 2012, not 2012-08):
    two months after March 2011 is 2011-05, two years after 2011-03-15 is 2013, three decades after
    1990 is 2020. None when it is not computable (another form, an unknown number, hours) or the
    year is not certain (two months after 2011)."""
    known = re.fullmatch(r"(\d{4})(?:-(\d\d)(?:-(\d\d))?)?", value)
    if known is None or number is None or unit not in _PRECISION:
        return None
    try:
        moved = [_move(date, sign * number, unit).isoformat()
                 for date in Anchor(*(int(part) if part else None for part in known.groups())).bounds]
    except (ValueError, OverflowError):
        return None  # in year 0 or before, or after 9999 ("5000 years ago"): no calendar date
    parts = 0
    while parts < _PRECISION[unit] and moved[0].split("-")[parts] == moved[1].split("-")[parts]:
        parts += 1
    return "-".join(moved[0].split("-")[:parts]) or None


def _move(date: datetime.date, amount: int, unit: str) -> datetime.date:
    if unit in ("D", "W"):
        return date + datetime.timedelta(days=amount * (7 if unit == "W" else 1))
    if unit == "M":
        year, month = _shift_month(date.year, date.month, amount)
    else:
        year, month = date.year + amount * _IN_YEARS[unit], date.month
    return datetime.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def _date(year: int | None, *parts: int) -> str:
    """A DATE value of a year (``XXXX`` when not known) and its month and day, if given."""
    return "-".join(["XXXX" if year is None else f"{year:04d}", *(f"{part:02d}" for part in parts)])


def _week(date: datetime.date) -> str:
    year, week, _ = date.isocalendar()
    return f"{year:04d}-W{week:02d}"  # the grammar's four digits: 0999-W24, not 999-W24


def _week_year(day: Callable[[datetime.date], datetime.date], anchor: Anchor) -> str:
    """The year of a week value (``YYYY-WXX``, ``YYYY-WXX-D``) when the publication date is not
    known to the day: the ISO 8601 week-year that every day the expression may be agrees on, else
    ``XXXX``. A week's year is its week-year, not the calendar year: the first and last days of a
    year may lie in a week of the year before or after (2021-01-01 is in 2020-W53, 2024-12-31 in
    2025-W01), so "this week" of a December 2024 article may be 2025's and "Tuesday" of a January
    2025 one is 2025's (the latest Tuesday on or before a day of it is 2024-12-31 at the earliest).
    ``day`` (the expression's day on a day of publication) never goes back as the publication day
    goes on, nor does a week-year, so the years of the first and last days of publication agree
    when every day's do: two days are computed, not each of a year's 365 (13 times slower for a
    weekday of a year-dated article than before week-years were computed). A day beyond the
    calendar (after 9999-12-31) is another year."""
    try:
        first, last = (day(date).isocalendar()[0] for date in anchor.bounds)
    except OverflowError:
        return "XXXX"
    return f"{first:04d}" if first == last else "XXXX"


Rule = Callable[[re.Match, _Context], "tuple[str, str, str | None, float] | None"]
RULES: list[tuple[re.Pattern, Rule, Callable[[re.Match], bool] | None]] = []


def rule(pattern: str, end: str = _E, begin: str = _B,
         guard: Callable[[re.Match], bool] | None = None) -> Callable[[Rule], Rule]:
    """Registers a rule (one function may serve several patterns: ``rule(pattern)(function)``).
    In its pattern ``\\s`` is a space of the line (``_in_line``). ``end``: what may not follow the
    match (a word character or a hyphen: "2020-style" holds no year); ``begin``: what may not
    precede it (likewise: "pre-2011" holds no year); ``guard``: whether a match is a candidate at
    all, for what a pattern cannot say (a match it refuses leaves its characters to other rules'
    candidates, which a rule returning None would not)."""
    pattern = _in_line(pattern)

    def register(function: Rule) -> Rule:
        RULES.append((re.compile(begin + pattern + end), function, guard))
        return function
    return register


# --- "ago" and anchored expressions ----------------------------------------------------------

@rule(_MOD + _NUM + r"(?:\s|-)+" + _UNIT + r"\s+ago")
def _ago(match, context):
    anchor, number, unit = context.anchor, _number(match["num"]), _unit(match["unit"])
    mod = AGO_MODS.get(_mod(match))
    value = anchor and _moved(anchor.value, -1, number, unit)
    return ("DATE", value, mod, 0.7) if value else ("DATE", "PAST_REF", mod, 0.5)


# "later"/"earlier" only: "two weeks after the senator urged ..." is anchored to an event, which
# may come after the phrase or be no date at all, not to the date mentioned before it
@rule(_NUM + r"\s+" + _UNIT + r"\s+(?P<dir>later|earlier)")
def _anchored(match, context):
    previous = context.previous_date(match.start())
    if previous is None:
        return None
    number, unit = _number(match["num"]), _unit(match["unit"])
    if unit in ("H", "MIN"):
        return "DATE", previous, None, 0.5  # "Two hours later": the same day (a DATE has no hours)
    # not computable ("a few years later", after "Tuesday" of an unknown week): some date
    return "DATE", _moved(previous, -1 if match["dir"] == "earlier" else 1, number, unit) or "XXXX", None, 0.5


# --- absolute dates --------------------------------------------------------------------------------

# a hyphen between two days joins a day range ("3-[5 May 2020]"): no boundary is missing before its end
_AFTER_DAY_HYPHEN = r"(?:" + _B + r"|(?<=\d-))"


def _days_ascend(first: str | None, last: str | None) -> bool:
    """Whether two days written as a range's start and end (digits, an ordinal's suffix allowed)
    run forward, or one of them is not written: a range's start comes before its end, so "a 13-2
    March 2020 vote", "the 6-3 June ruling" and "May 13-2" write a tally, not days."""
    return first is None or last is None or _day_number(first) < _day_number(last)


def _day_number(day: str) -> int:
    return int(day.rstrip("stndrh"))  # "4th": 4


def _days_in_order(match: re.Match) -> bool:
    """A day after a hyphen ends a range only after an earlier day ("3-[5 May 2020]", not "13-2
    March"), and one before a hyphen starts a range only before a later day ("[May 3]-5", not "May
    13-2"). A rule's begin and end leave a hyphen on one side of its match at most."""
    before = re.search(r"(\d{1,2})-\Z", match.string[max(0, match.start() - 3):match.start()])
    after = re.match(r"-(\d{1,2})", match.string[match.end():match.end() + 3])
    return _days_ascend(before and before[1], match["day"]) and _days_ascend(match["day"], after and after[1])


def _as_written(match, context):
    """A date the text writes whole, at the precision written: a day, a month, a year or a decade
    (TIMEX3 writes the 1990s as 199). A day its month lacks ("2013-02-30") is check_value's."""
    value = match["year"]
    for name in ("month", "day"):
        written = match.groupdict().get(name)
        if written:
            value += f"-{int(written) if written.isdigit() else MONTH_NAMES[written]:02d}"
    return "DATE", value, _part(match), 0.9


def _part(match) -> str | None:
    part = (match.groupdict().get("part") or "").strip().lower()  # an ISO date has no part
    return PART_MODS.get(part)


rule(_PART + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR)(_as_written)  # "March 4, 2024"
# "4 March 2024", and the end of a day range written day first: "3-[5 May 2020]"
rule(_PART + _DAY + r"\s+" + _MONTH + r",?\s+" + _YEAR, begin=_AFTER_DAY_HYPHEN, guard=_days_in_order)(_as_written)
rule(r"(?P<year>" + _YEAR_DIGITS + r")-(?P<month>0[1-9]|1[0-2])-(?P<day>\d\d)")(_as_written)  # "2024-03-04"
rule(_PART + _MONTH + r"(?:\s+of)?,?\s+" + _YEAR)(_as_written)  # "March 2024", "March of 2024"


@rule(_PART + _MONTH + r"\s+of\s+(?P<rel>last|this|next)\s+year")
def _month_of_relative_year(match, context):
    anchor = context.anchor
    year = None if anchor is None else anchor.year + SHIFTS[match["rel"]]
    return "DATE", _date(year, MONTH_NAMES[match["month"]]), _part(match), 0.5 if anchor is None else 0.7


# the end of a range that states the year its start leaves out ("from May to July 2020", "between
# March and June 2019", "May 3 to July 5, 2020", "May–July 2020", "May 3 to 5, 2020", "May 3-5,
# 2020"), its month with a part ("from May to mid-July 2020", "to late July 2020"): read at the
# start's end only, so each start costs one bounded match
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
# what joins a range's start to its end; a hyphen only before a day ("May 3-5"), as "May-June" and
# "2020-style" are compounds
_RANGE_TO = r"\s*(?:(?:to|until|till|through|and)\s+|–\s*|-(?=\d))"
_RANGE_END = re.compile(_in_line(_RANGE_TO + r"(?:(?i:early|late)\s+|(?i:mid)-)?"
                                  rf"(?:(?P<to>{_MONTHS})(?:\s+{_ORDINAL})?,?"
                                  rf"|{_ORDINAL}\s+(?P<to_after_day>{_MONTHS}),?|{_ORDINAL},)"
                                  r"\s+(?P<year>" + _YEAR_DIGITS + ")" + _E))


def _range_year(context, end: int, month: int) -> int | None:
    """The year of a range's start that leaves it out, from the range's end ("From May to July
    2020": 2020; "from November to February 2021": 2020), or None when no range ends there."""
    found = _RANGE_END.match(context.text, end)
    if found is None:
        return None
    to = found["to"] or found["to_after_day"]
    return int(found["year"]) - (1 if to is not None and MONTH_NAMES[to] < month else 0)


# a hyphen after the day is a day range's ("May 3-5, 2020"), before its end's day
@rule(_MONTH + r"\s+" + _DAY + r"(?!\d)" + _NO_YEAR_AFTER, end=r"(?!\w|-(?!\d))", guard=_days_in_order)
def _day_without_a_year(match, context):
    return _day_of_year(context, MONTH_NAMES[match["month"]], int(match["day"]), match.start(), match.end())


def _a_day_range(match: re.Match) -> bool:
    """Whether "May 3 to 5" at ``match`` is a range of days: they run forward, and, without a year,
    the start is no day "on" which something changed "to" a number ("The death toll rose on May 3
    to 25": one date, and a count; "on May 3-5" and "from May 3 to 5" are ranges)."""
    on_a_day = re.search(_B + r"on\s+$", match.string[max(0, match.start() - 4):match.start()])
    to = re.match(r"\s*to\s", match.string[match.end("first"):match.start("day")])
    return _days_ascend(match["first"], match["day"]) and not (match["year"] is None and on_a_day and to)


# the end of a day range within a month, a date of the month its start states: with its year ("May
# 3 to [5, 2020]": 2020-05-05, as "May 3 to [July 5, 2020]" is 2020-07-05), or without, of the year
# its start resolves to ("May 3 to [5] in Doha", as "[3] to 5 May" is), then only before a phrase or
# the clause's end, since a counted noun may follow a number ("May 3 to 5 people"), and not after
# "on" the start and "to" ("rose on May 3 to 25", ``_a_day_range``); the start is read, not spanned
@rule(r"(?P<range_start>" + _MONTH + r"\s+(?P<first>" + _ORDINAL + ")" + _RANGE_TO + r")" + _DAY
      + rf"(?:,?\s+{_YEAR}|(?=\s*[,.;:!?)—–\n]|\s*$|\s+(?:{'|'.join(VERB_PREPOSITIONS)}|and)\b))", guard=_a_day_range)
def _day_range_end(match, context):
    if match["year"]:
        return _as_written(match, context)
    return _day_of_year(context, MONTH_NAMES[match["month"]], int(match["day"]), match.start(), match.end("first"),
                        _day_number(match["first"]))


# the start of a day range written day first: its day, of the month and year its end states
# ("[3] to 5 May 2020", "[3]-5 May 2020": 2020-05-03, as "May 3 to 5, 2020" is two dates), or, with
# no year, of the year its end resolves to ("[3] to 5 May" as "5 May" is); the end is read, not
# spanned: it is a date of its own
@rule(_DAY + r"(?=" + _RANGE_TO + "(?P<last>" + _ORDINAL + r")\s+" + _MONTH
      + r"(?:,?\s+" + _YEAR + "|" + _NO_YEAR_AFTER + ")" + _E + ")", end="",
      guard=lambda match: _days_ascend(match["day"], match["last"]))
def _day_range_start(match, context):
    if match["year"]:
        return _as_written(match, context)
    return _day_of_year(context, MONTH_NAMES[match["month"]], int(match["day"]), match.start("last"), match.end("month"),
                        _day_number(match["last"]))


rule(_DAY + r"\s+" + _MONTH + _NO_YEAR_AFTER, begin=_AFTER_DAY_HYPHEN, guard=_days_in_order)(_day_without_a_year)


def _day_of_year(context, month: int, day: int, start: int, end: int, dated_by: int | None = None):
    """``day`` of a month written without a year, of the year of the day at [start, end): ``day``
    itself, or ``dated_by``, a day range's other end ("May 3 to [5]" is of 3's year). That year is
    the one a range's end states, else the anchor's, the latest such day on or before it (the next
    one in a future clause)."""
    anchor, dated_by = context.anchor, day if dated_by is None else dated_by
    year = _range_year(context, end, month)
    if year is not None:  # "May 3 to July 5, 2020": the year the text states
        score = 0.9
    elif anchor is None or anchor.month is None:
        year, score = None if anchor is None else anchor.year, 0.5
    elif context.future(start):
        year, score = anchor.year + (1 if (month, dated_by) < (anchor.month, anchor.day or 1) else 0), 0.7
    else:
        year, score = anchor.year - (1 if (month, dated_by) > (anchor.month, anchor.day or 31) else 0), 0.7
    if _no_such_day(year, month, dated_by) or _no_such_day(year, month, day):  # "June 31" is no day of any year
        return None
    return "DATE", _date(year, month, day), None, score


def _no_such_day(year: int | None, month: int, day: int) -> bool:
    """Whether the month of ``year`` (of a leap year when it is not known) has no such day."""
    return not 1 <= day <= calendar.monthrange(2000 if year is None else year, month)[1]


@rule(r"(?:(?P<rel>(?i:last|this|next))\s+|(?P<prep>(?i:in|since|until|by|from|of|during|before|after)\s+)|"
      r"(?P<part>(?i:early|late)\s+|(?i:mid)-))?" + _MONTH + r"(?!\s+\d)")
def _month(match, context):
    month = MONTH_NAMES[match["month"]]
    year = None if match["rel"] else _range_year(context, match.end(), month)
    if year is not None:  # "From May to July 2020": the year the text states
        return "DATE", _date(year, month), _part(match), 0.9
    if not (match["rel"] or match["prep"] or match["part"]) and match["month"] in ("May", "March"):
        return None  # a modal verb or a march, unless a preposition, modifier or range says it is the month
    anchor, relation = context.anchor, (match["rel"] or "").lower() or None  # "Last June" opens a sentence
    if anchor is None or anchor.month is None:  # the anchor's year, moved by a relation ("last June")
        year = None if anchor is None else anchor.year + SHIFTS.get(relation or "", 0)
        return "DATE", _date(year, month), _part(match), 0.5
    if relation == "this":
        year = anchor.year
    elif relation == "next" or (relation is None and context.future(match.start())):
        year = anchor.year + (1 if month < anchor.month or (relation == "next" and month == anchor.month) else 0)
    else:
        year = anchor.year - (1 if month > anchor.month or (relation == "last" and month == anchor.month) else 0)
    return "DATE", _date(year, month), _part(match), 0.7


rule(r"(?:(?i:the)\s+)?" + _PART + r"(?P<year>(?:19|20)\d)0s")(_as_written)  # "the late 1990s": END, as "late 2023"
rule(r"(?P<part>(?i:early|late)\s+|(?i:mid)-)?" + _YEAR)(_as_written)


@rule(r"(?P<rel>(?i:this|last|next|the))\s+(?P<season>spring|summer|autumn|winter)(?:\s+(?:of\s+)?(?P<year>" + _YEAR_DIGITS + "))?")
def _season(match, context):
    season = SEASONS[match["season"]]
    if match["year"]:
        return "DATE", f"{match['year']}-{season}", None, 0.9
    year = None if context.anchor is None else context.anchor.year + SHIFTS.get(match["rel"].lower(), 0)
    return "DATE", f"{_date(year)}-{season}", None, 0.5


# --- weekdays and relative dates ---------------------------------------------------------------------

@rule(r"(?:(?P<part>(?i:early|late))\s+(?:on\s+)?|(?P<rel>(?i:last|next|this))\s+)?" + _WEEKDAY
      + r"(?:\s+(?:morning|afternoon|evening|night))?")
def _weekday(match, context):
    if match.end() == match.end("weekday") and not (match["part"] or match["rel"]) \
            and weekday_in_name(context.text, match.start(), match.end(), match.end() + 1 in context.name_starts):
        return None  # "the Sunday Telegraph": a name's word
    weekday = WEEKDAYS.index(match["weekday"])  # 0 = Monday
    anchor, mod = context.anchor, _part(match)
    relation = (match["rel"] or "").lower()
    if anchor is None:
        return "DATE", f"XXXX-WXX-{weekday + 1}", mod, 0.5
    future = relation == "next" or (relation != "last" and context.future(match.start()))
    if anchor.date is None:  # the day it is on each day the article may be of: their week-year
        year = _week_year(lambda day: _weekday_from(day, weekday, relation, future), anchor)
        return "DATE", f"{year}-WXX-{weekday + 1}", mod, 0.5
    return "DATE", _weekday_from(anchor.date, weekday, relation, future).isoformat(), mod, 0.7


def _weekday_from(date: datetime.date, weekday: int, relation: str, future: bool) -> datetime.date:
    """The weekday said on ``date``: the latest one on or before it, the next one on or after it
    in a future clause; "last Friday" on a Friday is a week before, "next Friday" a week after."""
    if future:
        return date + datetime.timedelta(days=(weekday - date.weekday()) % 7 or 7 * (relation == "next"))
    return date - datetime.timedelta(days=(date.weekday() - weekday) % 7 or 7 * (relation == "last"))


# "late last year" is one expression with END, as "late 2023" is (guidelines: "late" -> END)
@rule(r"(?:(?P<lead>(?i:earlier|later)\s+)|(?P<part>(?i:early|late)\s+))?(?P<rel>(?i:last|this|next))\s+"
      r"(?P<unit>year|month|week)")
def _relative(match, context):
    anchor, unit, mod = context.anchor, match["unit"], _part(match)
    shift = SHIFTS[match["rel"].lower()]
    if anchor is None:  # the guidelines: "last week" -> XXXX-WXX, "last year" -> PAST_REF
        return "DATE", "XXXX-WXX" if unit == "week" else REFS[shift + 1], mod, 0.5
    if unit == "year":
        return "DATE", _date(anchor.year + shift), mod, 0.7
    if unit == "month":
        if anchor.month is None:
            return "DATE", f"{anchor.year:04d}-XX" if shift == 0 else REFS[shift + 1], mod, 0.5
        return "DATE", _date(*_shift_month(anchor.year, anchor.month, shift)), mod, 0.7
    if anchor.date is None:  # the week of each day the article may be of, as a weekday's
        year = _week_year(lambda day: day + datetime.timedelta(weeks=shift), anchor)
        return "DATE", f"{year}-WXX", mod, 0.5
    return "DATE", _week(anchor.date + datetime.timedelta(weeks=shift)), mod, 0.7


@rule(r"(?P<word>yesterday|today|tomorrow|Yesterday|Today|Tomorrow)")
def _deictic(match, context):
    anchor, shift = context.anchor, {"yesterday": -1, "today": 0, "tomorrow": 1}[match["word"].lower()]
    if anchor is None or anchor.date is None:
        return "DATE", REFS[shift + 1], None, 0.5
    return "DATE", (anchor.date + datetime.timedelta(days=shift)).isoformat(), None, 0.7


@rule(r"(?P<word>currently|Currently|(?<=\b[Ii]n )the past|(?<=\b[Ii]n )the future)(?!\s+(?:\d|few|several|year|month|week|decade|day))")
def _vague(match, context):
    value = {"currently": "PRESENT_REF", "the past": "PAST_REF", "the future": "FUTURE_REF"}[match["word"].lower()]
    return "DATE", value, None, 0.5


# --- durations and sets ----------------------------------------------------------------------------------

# the prepositions of a point in time: after one, "N hours" with N a clock's hhmm is the time
# ("by 2000 hours"), not a count of hours ("logged 1930 hours", "for 1500 hours"); but hours "of"
# something are counted, whatever comes before ("after 1500 hours of flight"): no clock time takes "of"
_CLOCK_PREPOSITION = re.compile(_B + r"(?i:at|by|until|till|before|after|around|since)" + _SPACE + "$")
_COUNTED = re.compile(_SPACE + r"+of(?!\w)")


# an amount right before "a year", "a month": a number, a currency sign or a scale word, and at
# most one noun of what is counted ("$5 million", "40 million dollars", "300 euros"); the time
# after it is the period of a rate, a SET (guidelines: "$5 million a year" is P1Y, no DURATION)
# (a bare year is none: "in 2019 a year after the war")
_AMOUNT_BEFORE = re.compile(r"(?:[$€£]\s?\d[\d,.]*|(?<![\d,.])(?!(?:1\d|20)\d\d\b)\d[\d,.]*|(?i:hundred|thousand|million|billion|trillion))"
                            r"(?:" + _SPACE + r"+(?i:hundred|thousand|million|billion|trillion))?"
                            r"(?:" + _SPACE + r"+[a-z]+)?" + _SPACE + r"+$")


@rule(_MOD + _NUM + r"(?:\s|-)+" + _UNIT + r"(?:-(?:long|old))?")
def _amount(match, context):
    if re.fullmatch(_WIRE_CLOCK, match["num"]) and _unit(match["unit"]) == "H" \
            and _CLOCK_PREPOSITION.search(context.text, max(0, match.start() - 7), match.start()) \
            and not _COUNTED.match(context.text, match.end()):
        return None  # "at 1930 hours", "by 2000 hours": a wire-style clock time (a TIME), as "at 1930 GMT" is, no duration
    if match["num"].lower() in ("a", "an") and not match["mod"] \
            and _AMOUNT_BEFORE.search(context.text, max(0, match.start() - 40), match.start()):
        return "SET", _counted(match), None, 0.7  # "$5 million a year": a rate, each year
    return _lasting(match, context)


def _lasting(match, context):
    return "DURATION", _counted(match), _mod(match), 0.7


rule(_MOD + r"(?P<unit>decade|year|month|week|day)-long")(_lasting)  # "a decade-long war": P10Y
rule(r"(?i:the)\s+(?:past|last|previous|coming|next)\s+(?:" + _NUM + r"\s+)?" + _UNIT)(_lasting)  # "the past two years"


@rule(r"(?:(?<=\b[Ii]n )recent\s+|(?<=\bfor )|(?<=\bFor ))(?P<unit>day|week|month|year|decade)s")
def _vague_amount(match, context):
    return "DURATION", _duration(None, _unit(match["unit"])), None, 0.5


@rule(r"(?i:every|each)\s+(?:(?i:other)\s+)?(?:" + _NUM + r"\s+)?" + _UNIT)
def _every(match, context):
    return "SET", _counted(match), None, 0.7


@rule(r"(?i:every|each)\s+" + _WEEKDAY + r"s?")
def _every_weekday(match, context):
    return "SET", f"XXXX-WXX-{WEEKDAYS.index(match['weekday']) + 1}", None, 0.7  # the guidelines' "every Friday"


rule(r"(?:(?i:once|twice)|\w+\s+times)\s+(?:a|an|per|each)\s+(?P<unit>day|week|month|year)")(_every)  # "twice a week"


@rule(r"(?P<word>daily|weekly|monthly|annually|yearly)")
def _adverb_set(match, context):
    unit = {"daily": "D", "weekly": "W", "monthly": "M", "annually": "Y", "yearly": "Y"}[match["word"]]
    return "SET", f"P1{unit}", None, 0.5


# an all-caps word, as headings and wire slugs write them ("TALKS RESUME ON MONDAY"): ASCII
# letters only, so the word written as running text writes it has the same length and offsets
_CAPITALS = re.compile(r"\b[A-Z]{2,}\b")
_NAMES = {name.rstrip(".").upper(): name.rstrip(".") for name in (*MONTH_NAMES, *WEEKDAYS)}


def _as_running_text(text: str) -> str:
    """``text`` with each all-caps word as running text writes it: a month or weekday name (or a
    month's abbreviation) capitalized, and in a line without a lowercase letter (a heading, a
    slug) any other word in lowercase ("LAST WEEK", "MONDAY, MARCH 4", "TWO YEARS AGO" are read
    as "last week", "Monday, March 4", "two years ago"). The rules are case-sensitive where case
    tells a name from a word ("May" from "may"), and an all-caps heading tells neither: "TALKS MAY
    RESUME" is read as "talks May resume", which, as in running text, is no month without a
    preposition. Among lowercase words an all-caps word is a name or an acronym, as written:
    "told USA TODAY", "the DAILY MAIL" hold no "today" and no "daily"."""
    def line(match: re.Match) -> str:
        heading = match[0] == match[0].upper()  # no lowercase letter
        return _CAPITALS.sub(lambda word: _NAMES.get(word[0], word[0].lower() if heading else word[0]), match[0])
    return re.sub(r"[^\n]+", line, text)


def time_expressions(doc_id: str, text: str, record: ManifestRecord | None, names: Iterable[EntityMention] = ()
                     ) -> tuple[list[TimeExpression], dict[str, float]]:
    """The document's time expressions by the module's rules; every value passes check_value.
    The rules read the text with its all-caps words as running text writes them; a span's text
    is the document's own. ``names``: the entity mentions found, of which the registered ones tell
    a weekday before them from a name's word ("Friday Blinken said", text.py's ``weekday_in_name``)."""
    running = _as_running_text(text)
    context = _Context(running, Anchor.of(record), {mention.span.start for mention in names if mention.entity_id})
    candidates = [(_start(match), match.end(), index, function, match)
                  for index, (pattern, function, guard) in enumerate(RULES) for match in pattern.finditer(running)
                  if guard is None or guard(match)]
    # longest first, then earliest rule: choose non-overlapping spans, then resolve in text order;
    # the characters taken are marked, so a candidate is checked in its own length, not against
    # every span chosen before it (which was quadratic in the number of expressions)
    chosen: list[tuple[int, int, int, Rule, re.Match]] = []
    taken = bytearray(len(text))
    for address in _ADDRESS.finditer(text):  # taken already: no expression inside or across it
        taken[address.start():address.end()] = b"\x01" * (address.end() - address.start())
    for candidate in sorted(candidates, key=lambda c: (-(c[1] - c[0]), c[2], c[0])):
        if taken.find(1, candidate[0], candidate[1]) < 0:
            chosen.append(candidate)
            taken[candidate[0]:candidate[1]] = b"\x01" * (candidate[1] - candidate[0])
    timexes: list[TimeExpression] = []
    scores: dict[str, float] = {}
    for start, end, _, function, match in sorted(chosen, key=lambda c: c[0]):
        try:
            found = function(match, context)
        except OverflowError:  # a day before 0001-01-01 or after 9999-12-31 ("tomorrow" of the
            continue  # calendar's last day, which the manifest admits): no date to give
        if found is None:
            continue
        label, value, mod, score = found
        if check_value(value, label) is not None:
            continue  # the grammar is the contract: an unsure value is not predicted
        region = f"pt{len(timexes) + 1}"
        timexes.append(TimeExpression(region, doc_id, Span(start, end), text[start:end], label, value, mod))
        scores[region] = score
        if label == "DATE" and not value.endswith("_REF"):
            context.add_date(start, value)
    return timexes, scores


def _start(match: re.Match) -> int:
    """What a rule needs to see before its span is not part of it: a leading preposition ("in
    May"), a day range's start ("May 3 to [5, 2020]", a span of its own)."""
    for lead in ("prep", "range_start"):
        if lead in match.re.groupindex and match[lead]:
            return match.end(lead)
    return match.start()
