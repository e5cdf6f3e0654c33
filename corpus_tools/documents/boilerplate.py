"""Line rules: which cleaned lines are scraping boilerplate rather than the article.

A rule looks at one whole cleaned line (plus the title, for repeats) and either claims it,
returning the removed pieces as ``(kind, start, end)`` offsets into the line, or passes. Rules
are tried in the order of ``RULES``; the first that claims a line wins; a line no rule claims is
content. Each rule is documented (with the reason it is safe) in docs/normalization.md.

The rules are deliberately narrow: a line is removed only when the *whole* line has the shape of
a known kind of boilerplate, so a sentence that merely mentions Reuters or a date stays.
"""

from __future__ import annotations

import re
from typing import Callable

Piece = tuple[str, int, int]  # (kind, start, end) in the cleaned line
Rule = Callable[[str, "str | None", bool], "tuple[Piece, ...] | None"]

# Kinds of removed pieces (stable: they are written into the normalized documents' metadata).
KINDS = (
    "reading-time", "dateline", "widget", "comment-form",
    "photo-caption", "photo-credit", "title-repeat",
)

# Who is credited for photos. Longer names first, so that alternation prefers them.
AGENCIES = (
    "Agence France-Presse", "Associated Press", "AFP via Getty Images", "Getty Images",
    "Anadolu Agency", "Anadolu", "Reuters", "AFP", "AP Photo", "AP", "EPA-EFE", "EPA", "EFE",
    "Xinhua", "SANA", "Shutterstock", "Alamy", "Bloomberg", "NurPhoto", "SOPA Images",
    "LightRocket", "Sipa USA", "Sipa", "UPI", "TASS", "Sputnik", "dpa", "ANSA", "Handout",
)
_AGENCY = "(?:" + "|".join(re.escape(a) for a in sorted(AGENCIES, key=len, reverse=True)) + ")"
_CREDIT = rf"{_AGENCY}(?:\s*(?:/|via|and|,)\s*{_AGENCY})*"

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_WEEKDAY = r"(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)(?:day|nesday|sday|urday)?\.?,?"
_DATE = (rf"(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}(?:[T ]\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:\.\d+)?(?:Z|[+-]\d{{2}}:?\d{{2}})?)?"
         rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}"
         rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
         rf"|\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}}|\d{{4}}/\d{{1,2}}/\d{{1,2}})")
_TIME = r"(?:\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*\(?(?:[A-Z]{2,5}|UTC[+-]?\d*)\)?)?)"
_DATE_LABEL = r"(?:date|dated|published|published on|posted|posted on|updated|last updated|first published)"
DATELINE = re.compile(
    rf"(?:{_DATE_LABEL}\s*:?\s*)?(?:{_WEEKDAY}\s*)?{_DATE}(?:\s*(?:,|\||-|–|at)?\s*{_TIME})?"
    rf"(?:\s*(?:\||-|–|·)\s*(?:{_DATE_LABEL}\s*:?\s*)?(?:{_WEEKDAY}\s*)?{_DATE}(?:\s*(?:,|\||-|–|at)?\s*{_TIME})?)?",
    re.IGNORECASE,
)
READING_TIME = re.compile(
    r"(?:\d+\s*-?\s*(?:min|mins|minute|minutes)\.?\s+read"
    r"|(?:estimated\s+)?reading\s+time\s*:?\s*\d+\s*(?:min|mins|minute|minutes)\.?)",
    re.IGNORECASE,
)
# Labels of page widgets that scrapers pick up as lines of their own.
WIDGETS = frozenset({
    "live story", "advertisement", "advertisements", "skip advertisement", "scroll to continue with content",
    "share this article", "share this story", "read more", "related articles", "related stories",
    "recommended stories", "most read", "follow us", "subscribe to our newsletter",
})
# The comment form under WordPress-style articles, and its closed state.
COMMENT_FORM = frozenset({
    "please enter your comment!", "please enter your name here", "please enter your email address here",
    "you have entered an incorrect email address!", "leave a reply", "leave a comment", "cancel reply",
    "post comment", "comments are closed.", "comments are closed",
    "save my name, email, and website in this browser for the next time i comment.",
})
# A caption ends in a bracketed credit: "[File: Syrian Presidency/Handout via Reuters]",
# "(Photo by: ... via Getty Images)", "[Louai Beshara/AFP]". The bracket must *look* like a photo
# credit, not like the credit of a report ("(Reuters)", "(AFP/Reuters)" stay): a credit keyword
# first ("File:", "Photo by"), or "Handout" / "Getty Images" in it, or "via <agency>" at its end,
# or, in square brackets only (the photo-credit convention of several sites), "/<agency>" at its end.
_CREDIT_KEYWORD = re.compile(r"(?:file|photo|photos|image|images|picture|pictures|photograph|credit|courtesy)"
                             r"(?:\s+by)?\s*:|(?:photo|photos|image|picture|photograph)\s+(?:by|credit)\b",
                             re.IGNORECASE)
_PHOTO_WORDS = re.compile(r"\bHandout\b|Getty Images|\bvia\s+" + f"{_CREDIT}$")
_SLASH_CREDIT = re.compile(rf"/\s*{_CREDIT}$")
STANDALONE_CREDIT = re.compile(
    rf"(?:(?:photo|photos|image|picture|photograph)(?:\s+credit)?\s*(?:by)?\s*:?\s*)?{_CREDIT}\.?",
    re.IGNORECASE,
)
# "Bashar Al-AssadReuters": a caption glued to its credit, no space between, the glue between a
# lower-case letter, digit or closing punctuation and the agency's capital.
GLUED_CREDIT = re.compile(rf"(?P<caption>.*[a-z0-9.)\]”’\"'])(?P<credit>{_CREDIT})")


# Case folding never shortens a text (each character folds to one or more), so a line longer
# than every label cannot fold to one: most lines are, and skip the fold.
_WIDGETS_MAX = max(map(len, WIDGETS))
_COMMENT_FORM_MAX = max(map(len, COMMENT_FORM))


def _folded_in(line: str, labels: frozenset[str], longest: int) -> bool:
    return len(line) <= longest and line.casefold() in labels


def _whole(kind: str, matches: Callable[[str], bool]) -> Rule:
    def rule(line: str, title: str | None, is_first: bool) -> tuple[Piece, ...] | None:
        return ((kind, 0, len(line)),) if matches(line) else None
    return rule


def _is_photo_caption(line: str) -> bool:
    if not line.endswith((")", "]")):  # cheap test first: this runs on every line
        return False
    opening = "[" if line[-1] == "]" else "("
    start = line.rfind(opening)
    credit = line[start + 1:-1].strip()
    if start <= 0 or not 2 <= len(credit) <= 300 or any(c in credit for c in "[]()"):
        return False
    return bool(_CREDIT_KEYWORD.match(credit) or _PHOTO_WORDS.search(credit)
                or (opening == "[" and _SLASH_CREDIT.search(credit)))


def _glued_credit(line: str, title: str | None, is_first: bool) -> tuple[Piece, ...] | None:
    if not line.endswith(AGENCIES):  # cheap test first: this runs on every line
        return None
    match = GLUED_CREDIT.fullmatch(line)
    if match is None:
        return None
    split = match.start("credit")
    return ("photo-caption", 0, split), ("photo-credit", split, len(line))


def _title_repeat(line: str, title: str | None, is_first: bool) -> tuple[Piece, ...] | None:
    return (("title-repeat", 0, len(line)),) if title is not None and not is_first and line == title else None


RULES: tuple[tuple[str, Rule], ...] = (
    ("reading-time", _whole("reading-time", lambda line: READING_TIME.fullmatch(line) is not None)),
    ("dateline", _whole("dateline", lambda line: DATELINE.fullmatch(line) is not None)),
    ("widget", _whole("widget", lambda line: _folded_in(line, WIDGETS, _WIDGETS_MAX))),
    ("comment-form", _whole("comment-form", lambda line: _folded_in(line, COMMENT_FORM, _COMMENT_FORM_MAX))),
    ("photo-caption", _whole("photo-caption", _is_photo_caption)),
    ("photo-credit", _whole("photo-credit", lambda line: STANDALONE_CREDIT.fullmatch(line) is not None)),
    ("glued-credit", _glued_credit),
    ("title-repeat", _title_repeat),
)


def classify(line: str, title: str | None, is_first: bool) -> tuple[Piece, ...]:
    """The removed pieces of a cleaned line, or ``()`` when the line is content."""
    for _, rule in RULES:
        pieces = rule(line, title, is_first)
        if pieces is not None:
            return pieces
    return ()
