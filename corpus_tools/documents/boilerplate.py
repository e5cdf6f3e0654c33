"""Line rules: which cleaned lines are scraping boilerplate rather than the article.

A rule looks at one whole cleaned line (plus the title, for repeats) and either claims it,
returning the removed pieces as ``(kind, start, end)`` offsets into the line, or passes. The line
is ``text[:end]``: what normalization keeps of a line it cut a glued link from is looked at
again without a copy of it being made for each link of a chain (which was quadratic). Rules
are tried in the order of ``RULES``; the first that claims a line wins; a line no rule claims is
content. Each rule is documented (with the reason it is safe) in docs/normalization.md.

The rules are deliberately narrow: a line is removed only when the *whole* line has the shape of
a known kind of boilerplate, so a sentence that merely mentions Reuters or a date stays. One
rule removes part of a line: a "Read more: <headline>" link glued to the end of a paragraph
(after its closing punctuation), where the paragraph before it is kept.
"""

from __future__ import annotations

import re
from typing import Callable

Piece = tuple[str, int, int]  # (kind, start, end) in the cleaned line
Rule = Callable[[str, int, "str | None", bool], "tuple[Piece, ...] | None"]  # (text, end, title, is_first)

# Kinds of removed pieces (stable: they are written into the normalized documents' metadata).
KINDS = (
    "reading-time", "dateline", "widget", "comment-form",
    "photo-caption", "photo-credit", "title-repeat",
    "share-buttons", "related-link", "newsletter", "copyright", "footer-links",
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
_STAMP = rf"(?:{_DATE_LABEL}\s*:?\s*)?(?:{_WEEKDAY}\s*)?{_DATE}(?:\s*(?:,|\||-|–|at)?\s*{_TIME})?"
# one stamp, or two: "Published 3 May 2024 | Updated 4 May 2024"
DATELINE = re.compile(rf"{_STAMP}(?:\s*(?:\||-|–|·)\s*{_STAMP})?", re.IGNORECASE)
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


# -- rows of buttons and links ------------------------------------------------------------------
# A row is a whole line made of two or more items (or one that says "share" and where), joined
# by spaces or by | · • / , and optionally led by "Share:" / "Share this:". Scrapers flatten the
# share bar and the footer menu of a page into such lines.
_NETWORKS = ("Facebook", "Twitter", "X", "LinkedIn", "WhatsApp", "Telegram", "Reddit", "Pinterest", "Tumblr",
             "Flipboard", "Messenger", "Threads", "Bluesky", "Mastodon", "VK", "Weibo", "WeChat", "Pocket",
             "Email", "E-mail", "Mail", "SMS", "Print", "Copy link", "Copy URL", "Copy the link", "Copy",
             "Comments", "Comment", "Tweet", "Share", "Gift this article", "Save", "Bookmark")
_SHARE_LEAD = r"(?:share(?:\s+this(?:\s+(?:article|story|post|page))?)?|share\s+on|share\s+via|follow\s+us(?:\s+on)?)"
_SEPARATOR = r"\s*(?:[|·•/,]\s*)?"


def _alternation(words: tuple[str, ...]) -> str:
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)) + ")"


_NETWORK = _alternation(_NETWORKS)
_SHARE_ON = r"share\s+(?:on|via|to|with)\s+"
_SHARE_COUNT = r"\d+(?:[.,]\d+)?\s*[km]?\s+(?:shares?|comments?)"
_SHARE_ITEM = rf"(?:(?:{_SHARE_ON})?{_NETWORK}|{_SHARE_COUNT})"
SHARE_ROW = re.compile(
    rf"(?:{_SHARE_LEAD}\s*:?\s*)?{_SHARE_ITEM}(?:{_SEPARATOR}{_SHARE_ITEM})+"  # two items or more
    rf"|{_SHARE_LEAD}\s*:?\s*{_SHARE_ITEM}"  # one, led by "share"
    rf"|{_SHARE_ON}{_NETWORK}"
    rf"|{_SHARE_COUNT}",  # a count alone: "1.2K Shares"
    re.IGNORECASE,
)
_FOOTER_ITEMS = ("About", "About us", "Contact", "Contact us", "Privacy", "Privacy policy", "Privacy notice",
                 "Cookie policy", "Cookies", "Cookie settings", "Manage cookies", "Terms", "Terms of use",
                 "Terms of service", "Terms and conditions", "Terms & conditions", "Advertise",
                 "Advertise with us", "Careers", "Jobs", "Sitemap", "Site map", "Accessibility", "Corrections",
                 "Editorial standards", "Ethics policy", "Masthead", "RSS", "Help", "FAQ", "Newsletters",
                 "Subscribe", "Subscriptions", "Archive", "Archives", "Donate", "Support us", "Our team",
                 "Do not sell my personal information", "Your privacy choices", "Imprint", "Legal")
_FOOTER_ITEM = _alternation(_FOOTER_ITEMS)
FOOTER_ROW = re.compile(rf"{_FOOTER_ITEM}(?:{_SEPARATOR}{_FOOTER_ITEM})+", re.IGNORECASE)

# -- related-article links -------------------------------------------------------------------
# "Read more: <headline>", "RELATED: <headline>", "Also read » <headline>": a label, then a colon
# or an arrow (or, for an all-capitals label, just a space), then the linked headline, to the end
# of the line. Alone on a line, or glued to the end of a paragraph after its closing punctuation.
# No dash as a separator: "Related – and disputed – claims" is a sentence.
_RELATED_LABELS = ("read more", "read also", "also read", "related", "related article", "related articles",
                   "related story", "related stories", "related content", "related coverage", "see also",
                   "recommended", "recommended reading", "more on this", "more on this story",
                   "you may also like", "you might also like", "must read", "don't miss", "don’t miss",
                   "further reading")
_RELATED_LABEL = _alternation(_RELATED_LABELS)
_LINK_SEP = r"\s*(?::|[»›>|]+)"
_LINK = (rf"(?=[A-Z])(?i:{_RELATED_LABEL}){_LINK_SEP}\s*\S.*"  # Read more: X, Related » X
         rf"|{_alternation(tuple(label.upper() for label in _RELATED_LABELS))}\s+\S.*"  # READ MORE X
         r"|(?:Read more|READ MORE|Continue reading|Keep reading)\s*[»›>…]*")  # a bare "Read more »"
# Alone on a line, the label is enough ("Recommended reading", "You might also like:").
RELATED_LINE = re.compile(rf"{_LINK}|(?i:{_RELATED_LABEL})\s*[:»›>…]*")
_RELATED_MAX = 250  # characters of a related link (its label and headline)
# the end of a line looked at first for a glued link: the link, and the paragraph's closing
# punctuation, quote and a space before it
_GLUED_WINDOW = _RELATED_MAX + 8
# Glued: the paragraph ends in . ! ? (a closing quote or bracket may follow), then the link,
# with or without a space between.
GLUED_RELATED = re.compile(rf"(?P<body>.*[.!?][”’\"')\]]?)\s*(?P<link>{_LINK})")

# -- newsletter sign-up prompts ---------------------------------------------------------------
_INBOX = r"(?:newsletters?|inbox|briefings?|digest|bulletin|e-?mail(?:s| updates| alerts)?|alerts)"
# A prompt speaks to the reader ("you agree to our Privacy Policy", "our weekly newsletter"; a
# form speaks as them: "By signing up, I agree to the Privacy Policy"), or names what to sign up
# to in the verb's own clause ("Sign up to the Middle East Eye newsletter to get ..."); a sentence
# of news that starts so does neither: "By signing up to the convention in 2013, Syria accepted
# the terms of the deal.", "Join the talks, the US urged Syria in a statement sent by email." were removed.
_TO_THE_READER = r"(?=.*\b(?:you|your|our|i|me|my)\b)"
_SIGN_UP = r"(?:sign\s*up|subscribe|register|join|get\s+signed\s+up)\b"
# no comma or sentence's end between: "50,000", "3.5" and "U.S." are none
_ONE_CLAUSE = r"(?:[^,;!?.]|(?<=\d)[,.](?=\d)|(?<=\b\w)\.)"
NEWSLETTER = re.compile("|".join((
    rf"(?:{_TO_THE_READER}{_SIGN_UP}.{{0,120}}|{_SIGN_UP}{_ONE_CLAUSE}{{0,120}})\b{_INBOX}\b.{{0,160}}",
    r"(?:get|receive|have)\b.{0,120}\b(?:in|to|into|delivered\s+to|straight\s+to|direct\s+to)\s+your\s+inbox\b.{0,80}",
    r"(?:enter|type|add)\s+your\s+e-?mail(?:\s+address)?\b.{0,80}",
    r"(?:your\s+)?e-?mail\s+address\s*\*?|(?:your\s+)?e-?mail\s*\*",  # a form's field, not a bare "Email"
    r"(?:please\s+enter\s+a\s+)?(?:in)?valid\s+e-?mail(?:\s+address)?\.?",
    rf"{_TO_THE_READER}by\s+(?:signing\s+up|subscribing|clicking|submitting|entering\s+your\s+e-?mail)\b.{{0,250}}"
    r"\b(?:privacy|terms|policy|consent|agree)\b.{0,120}",
    r"(?:thank\s+you|thanks)\s+for\s+(?:signing\s+up|subscribing|registering)\b.{0,120}",
    r"(?:you(?:'|’)re|you\s+are|you\s+have\s+been)\s+(?:now\s+)?(?:signed\s+up|subscribed)\b.{0,120}",
    r"(?:the\s+)?(?:[\w'’&-]+\s+){0,4}newsletters?:?",
    r"subscribe(?:\s+now|\s+today|\s+here)?!?|sign\s*up(?:\s+now|\s+today|\s+here)?!?",
    r"(?:free\s+)?newsletter\b.{0,80}\b(?:sign\s*up|subscribe)\b.{0,80}",
)), re.IGNORECASE)
_NEWSLETTER_MAX = 400

# -- copyright footers -----------------------------------------------------------------------
_YEAR = r"(?:19|20)\d{2}(?:\s*[-–]\s*(?:19|20)?\d{2})?"
_NAME_WORD = r"(?-i:[A-Z][\w&'’.-]*|\([A-Z][\w.-]*\))"  # capitalized, case counts
COPYRIGHT = re.compile("|".join((
    rf"(?:copyright\s*)?(?:©|&copy;)\s*(?:copyright\s*)?(?:{_YEAR})?.{{0,200}}",
    # "(c)" is also the third item of a lettered list ("(c) allow humanitarian access.", "(C) The
    # parties shall ..."): a copyright sign only with a year or the word beside it, or before a
    # name alone (capitalized words, an acronym in brackets, a year: "(c) Al Jazeera Media
    # Network", "(C) Reuters 2024"), as a footer gives it
    rf"(?:copyright\s*)?\(c\)\s*(?:copyright\b|(?:{_YEAR})\b).{{0,200}}",
    rf"\(c\)\s*{_NAME_WORD}(?:[\s,]+(?:{_NAME_WORD}|{_YEAR}|of|and|for|the|&)){{0,8}}\.?",
    r"copyright\s*\(c\).{0,200}",
    rf"copyright\s+(?:{_YEAR})\b.{{0,200}}",
    r".{0,200}\ball\s+rights\s+reserved\b.{0,80}",
    r"this\s+(?:material|article|content|story)\s+may\s+not\s+be\s+(?:published|reproduced|broadcast|copied|"
    r"rewritten|redistributed)\b.{0,200}",
    r"(?:unauthori[sz]ed\s+)?(?:reproduction|republication|redistribution)\b.{0,80}\b(?:prohibited|"
    r"without\s+(?:prior\s+)?(?:written\s+)?permission)\b.{0,80}",
)), re.IGNORECASE)
_COPYRIGHT_MAX = 300


# Cheap gates (substring tests on the lower-cased line, in C) before the regular expressions,
# which would otherwise run on every line of every article: a line that has none of a rule's
# words cannot match it.
_SHARE_WORDS = tuple(n.lower() for n in _NETWORKS if n != "X") + ("share",)
_FOOTER_WORDS = ("about", "contact", "privacy", "cookie", "terms", "advertise", "careers", "jobs", "site", "access",
                 "correction", "standards", "ethics", "masthead", "rss", "help", "faq", "newsletter", "subscri",
                 "archive", "donate", "support", "team", "sell", "imprint", "legal")
_NEWSLETTER_WORDS = ("newsletter", "inbox", "mail", "subscri", "sign", "regist", "join", "click", "submit",
                     "briefing", "digest", "bulletin", "alerts")
_COPYRIGHT_WORDS = ("©", "(c)", "&copy;", "copyright", "rights reserved", "may not be", "reproduc", "republic",
                    "redistrib")
_RELATED_WORDS = ("read", "relat", "also", "recommend", "more on", "like", "miss")


def _any_of(words: tuple[str, ...]) -> Callable[[str], re.Match | None]:
    """A search for any of ``words`` as substrings: one scan in C, not one ``in`` per word."""
    return re.compile("|".join(map(re.escape, words))).search


def _fullmatch(pattern: re.Pattern, longest: int | None = None,
               words: tuple[str, ...] = ()) -> Callable[[str, int], bool]:
    """Whether the line is a match of ``pattern`` whole; gated by ``longest``: a line longer, or
    holding none of ``words`` once lower-cased, is not matched against it."""
    if longest is None:
        return lambda text, end: pattern.fullmatch(text, 0, end) is not None
    has_a_word = _any_of(words)
    return lambda text, end: (end <= longest and has_a_word(text[:end].lower()) is not None
                              and pattern.fullmatch(text, 0, end) is not None)


_HAS_RELATED_WORD = _any_of(_RELATED_WORDS)


def _related_link(text: str, end: int, title: str | None, is_first: bool) -> tuple[Piece, ...] | None:
    """A related-article link: the whole line, or glued to the end of a paragraph (only the link
    is removed; the paragraph up to its closing punctuation stays)."""
    # the link, if any, lies within the line's end
    if _HAS_RELATED_WORD(text[max(0, end - _RELATED_MAX):end].lower()) is None:
        return None
    if end <= _RELATED_MAX and RELATED_LINE.fullmatch(text, 0, end):
        return (("related-link", 0, end),)
    # The match is the one whose paragraph ends last (``.*`` is greedy), and nothing before the
    # paragraph's end decides it, so a match that ends its paragraph within the line's end is the
    # whole line's: found there first, the line is not read from its start once per link of a
    # chain of glued links (normalize's rest of a line comes back here after each cut), which was
    # quadratic in the links. Else the whole line, once.
    match = (GLUED_RELATED.fullmatch(text, max(0, end - _GLUED_WINDOW), end)
             or GLUED_RELATED.fullmatch(text, 0, end))
    if match is None or end - match.start("link") > _RELATED_MAX:
        return None
    return (("related-link", match.start("link"), end),)


def _folded_in(labels: frozenset[str]) -> Callable[[str, int], bool]:
    """Whether the line, case-folded, is one of ``labels``. Case folding never shortens a text (each
    character folds to one or more), so a line longer than every label cannot fold to one: most
    lines are, and skip the fold."""
    longest = max(map(len, labels))
    return lambda text, end: end <= longest and text[:end].casefold() in labels


def _whole(kind: str, matches: Callable[[str, int], bool]) -> tuple[str, Rule]:
    """The rule ``kind`` that removes a whole line that ``matches``, named in ``RULES``."""
    def rule(text: str, end: int, title: str | None, is_first: bool) -> tuple[Piece, ...] | None:
        return ((kind, 0, end),) if matches(text, end) else None
    return kind, rule


# A caption is a sentence or two under a photo (the seeds' longest: 269 characters; an agency's,
# with its usage terms, "... - RESTRICTED TO EDITORIAL USE - MANDATORY CREDIT ... (Photo by
# HO/SANA/AFP via Getty Images)", runs to 700). A line of more sentences, or longer, that ends in
# a credit is a paragraph with a caption glued to its end, or a whole article scraped onto one
# line: removed whole, every sentence of it was lost.
_CAPTION_MAX = 400  # any caption up to this
_LONG_CAPTION_MAX = 1000  # a caption of a sentence or two up to this
# the end of a sentence and the start of the next: "said. Washington", not "U.S. President", "Dhabi. - RESTRICTED"
_SENTENCE_BREAK = re.compile(r"(?<=[a-z0-9]{2})[.!?][”’\"')]?\s+[“‘\"']?[A-Z]")


def _caption_sized(line: str, caption_end: int) -> bool:
    """Whether ``line``, its caption ending at ``caption_end`` (where its credit starts), is of a caption's size."""
    return len(line) <= _CAPTION_MAX or (len(line) <= _LONG_CAPTION_MAX
                                         and len(_SENTENCE_BREAK.findall(line, 0, caption_end)) <= 1)


def _is_photo_caption(text: str, end: int) -> bool:
    if not text.endswith((")", "]"), 0, end) or end > _LONG_CAPTION_MAX:  # cheap tests first: this runs on every line
        return False
    line = text[:end]
    opening = "[" if line[-1] == "]" else "("
    start = line.rfind(opening)
    credit = line[start + 1:-1].strip()
    if start <= 0 or not 2 <= len(credit) <= 300 or any(c in credit for c in "[]()") or not _caption_sized(line, start):
        return False
    return bool(_CREDIT_KEYWORD.match(credit) or _PHOTO_WORDS.search(credit)
                or (opening == "[" and _SLASH_CREDIT.search(credit)))


def _glued_credit(text: str, end: int, title: str | None, is_first: bool) -> tuple[Piece, ...] | None:
    if not text.endswith(AGENCIES, 0, end) or end > _LONG_CAPTION_MAX:  # cheap tests first: this runs on every line
        return None
    line = text[:end]
    match = GLUED_CREDIT.fullmatch(line)
    if match is None or not _caption_sized(line, match.start("credit")):
        return None
    split = match.start("credit")
    return ("photo-caption", 0, split), ("photo-credit", split, len(line))


def _title_repeat(text: str, end: int, title: str | None, is_first: bool) -> tuple[Piece, ...] | None:
    is_title = title is not None and end == len(title) and text.startswith(title)
    return (("title-repeat", 0, end),) if is_title and not is_first else None


RULES: tuple[tuple[str, Rule], ...] = (
    _whole("reading-time", _fullmatch(READING_TIME)),
    _whole("dateline", _fullmatch(DATELINE)),
    _whole("widget", _folded_in(WIDGETS)),
    _whole("comment-form", _folded_in(COMMENT_FORM)),
    _whole("photo-caption", _is_photo_caption),
    _whole("photo-credit", _fullmatch(STANDALONE_CREDIT)),
    ("glued-credit", _glued_credit),
    ("title-repeat", _title_repeat),
    _whole("share-buttons", _fullmatch(SHARE_ROW, 300, _SHARE_WORDS)),
    _whole("footer-links", _fullmatch(FOOTER_ROW, 400, _FOOTER_WORDS)),
    _whole("newsletter", _fullmatch(NEWSLETTER, _NEWSLETTER_MAX, _NEWSLETTER_WORDS)),
    _whole("copyright", _fullmatch(COPYRIGHT, _COPYRIGHT_MAX, _COPYRIGHT_WORDS)),
    ("related-link", _related_link),
)


def classify(line: str, title: str | None, is_first: bool, end: int | None = None) -> tuple[Piece, ...]:
    """The removed pieces of a cleaned line, or ``()`` when the line is content. ``end``: the
    line is ``line[:end]``, looked at without being copied."""
    end = len(line) if end is None else end
    for _, rule in RULES:
        pieces = rule(line, end, title, is_first)
        if pieces is not None:
            return pieces
    return ()
