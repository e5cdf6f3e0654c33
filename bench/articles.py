"""Synthetic news articles with their annotation regions, built together so offsets are exact.

Each sentence template appends text to an ``ArticleBuilder`` and marks regions as it goes, so
a region's offsets are known by construction instead of searched for afterwards. The word
lists carry the non-ASCII a real corpus has: curly quotes and apostrophes, accented names,
an en dash, now and then an emoji (one code point each, so Python offsets stay simple).
Everything is drawn from one ``random.Random``: same seed, same articles.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable


def _nfc(words: tuple[str, ...]) -> tuple[str, ...]:
    # Offsets are computed before any normalization could happen, so every word list is NFC
    # already: a normalizer that applies NFC then changes nothing.
    return tuple(unicodedata.normalize("NFC", word) for word in words)


def slug(name: str) -> str:
    """A registry id for a name: lowercase-hyphenated ASCII ("José Martínez" -> "jose-martinez")."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


FIRST_NAMES = _nfc((
    "Antony", "José", "Zoë", "François", "Leïla", "Mehmet", "Björn", "Renée", "Hakan", "Søren",
    "Ahmed", "Maria", "Nadia", "Omar", "Elena", "John", "Sarah", "Michael", "Fatima", "Yusuf",
))
LAST_NAMES = _nfc((
    "Blinken", "Martínez", "Müller", "Dubois", "Haddad", "Yılmaz", "Öztürk", "Lindqvist",
    "Al-Khatib", "Nguyễn", "Johnson", "Smith", "Kovač", "Petrov", "Hassan", "Rahman", "García",
    "O’Brien", "Al-Masri", "Şahin",
))
ROLES = (
    "foreign minister", "special envoy", "deputy spokesperson", "senior adviser", "ambassador",
    "defense secretary", "national security adviser", "humanitarian coordinator",
)
ENTITIES = {
    "GPE": _nfc(("Syria", "the United States", "Washington", "Damascus", "Turkey", "Ankara", "Iran",
                 "Russia", "Moscow", "Jordan", "Lebanon", "Iraq", "Israel", "Qatar", "Doha", "Aleppo",
                 "Idlib", "Raqqa", "Deir ez-Zor", "Geneva", "Brussels", "Amman", "Beirut")),
    "ORG": _nfc(("State Department", "Pentagon", "United Nations", "UN Security Council", "White House",
                 "Hayat Tahrir al-Sham", "Syrian Democratic Forces", "European Union", "Arab League",
                 "World Food Programme", "Syrian Arab Red Crescent", "Treasury Department", "NATO",
                 "Human Rights Watch", "Amnesty International", "Congress")),
    "NORP": _nfc(("Syrian", "American", "Kurdish", "Russian", "Iranian", "Turkish", "Alawite", "Druze")),
    "LOC": _nfc(("Euphrates", "Golan Heights", "Mediterranean", "Middle East", "Levant")),
    "FAC": _nfc(("Al-Tanf garrison", "Incirlik Air Base", "Bab al-Hawa crossing",
                 "Damascus International Airport", "Tishreen Dam")),
    "EVENT": _nfc(("Syrian civil war", "Arab Spring", "Astana talks", "Turkey–Syria earthquake",
                   "Geneva conference")),
    "LAW": _nfc(("Caesar Act", "Captagon Act", "Assad Regime Anti-Normalization Act")),
    "PRODUCT": _nfc(("Captagon", "Bayraktar TB2")),
    "WORK_OF_ART": _nfc(("World Report 2024", "Country Reports on Terrorism")),
}
QUOTE_CLAUSES = _nfc((
    "we will not accept any deal that ignores the suffering of civilians",
    "the door to dialogue remains open, but the conditions have not changed",
    "sanctions relief is not on the table until there is real accountability",
    "our priority is getting aid across the border before winter",
    "there is no military solution to this conflict",
    "the situation on the ground is deteriorating faster than anyone expected",
    "we’re watching the ceasefire closely and we’ll respond if it collapses",
    "refugees cannot return until their safety is guaranteed",
    "this is a first step, not a breakthrough",
    "the talks were frank and, at times, difficult",
))
CUES = ("said", "told reporters", "added", "warned", "insisted", "stressed", "noted", "wrote")
PRONOUNS = ("He", "She")
FILLER_SUBJECTS = _nfc((
    "Diplomats", "Aid workers", "Analysts", "Residents of the border towns", "Local councils",
    "Economists", "Observers", "Humanitarian groups", "Negotiators", "Families who fled the fighting",
    "Shopkeepers", "Doctors at the few remaining hospitals",
))
FILLER_VERBS = _nfc((
    "have described the mood as cautious but not hopeless",
    "say the cost of bread and fuel has risen sharply",
    "have repeatedly called for more funding and safer access",
    "warn that the proposal’s timeline is unrealistic",
    "expect little progress before the next round of negotiations",
    "point to the collapse of the currency as the main source of hardship",
    "describe long queues at checkpoints and frequent power cuts",
    "argue that reconstruction cannot begin without a political settlement",
    "report that many schools remain closed or overcrowded",
    "note that winter storms have damaged hundreds of tents",
))
FILLER_TAILS = _nfc((
    "and few expect a quick change",
    "even as officials insist that the situation is stabilizing",
    "although some say the worst may be over",
    "a concern shared by several neighboring governments",
    "while donors weigh how much more they can give",
    "and the gap between needs and funding keeps widening",
    "despite repeated promises of support",
    "as households fall deeper into debt",
))
EMOJIS = ("🙏", "🚚", "🇺🇳", "📢", "🕊", "✅")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
NUMBER_WORDS = ("two", "three", "four", "five", "six")


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    name: str
    label: str


def build_registry() -> tuple[Entity, ...]:
    """Every entity an article can mention, with its registry id (unique by construction)."""
    people = [Entity(slug(f"{first} {last}"), f"{first} {last}", "PERSON")
              for first in FIRST_NAMES for last in LAST_NAMES]
    others = [Entity(slug(name.removeprefix("the ")), name.removeprefix("the "), label)
              for label, names in ENTITIES.items() for name in names]
    registry = tuple(people + others)
    if len({entity.id for entity in registry}) != len(registry):
        raise RuntimeError("bench registry ids collide; fix the word lists")
    return registry


@dataclass(slots=True)
class Region:
    """One annotated span: its layer (Labels control), label and per-region values."""

    number: int  # order of creation within the article, turned into an id by the writer
    layer: str
    label: str
    start: int
    end: int
    values: dict[str, str] = field(default_factory=dict)  # control name -> value


@dataclass(slots=True)
class Article:
    text: str
    title: str
    regions: list[Region]
    relations: list[tuple[int, int, str]]  # (from region number, to region number, label)


class ArticleBuilder:
    """Appends text and marks regions at the current end of the text."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.regions: list[Region] = []
        self.relations: list[tuple[int, int, str]] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def mark(self, text: str, layer: str, label: str, **values: str) -> Region:
        region = Region(len(self.regions), layer, label, self.length, self.length + len(text), values)
        self.regions.append(region)
        self.add(text)
        return region

    def span(self, layer: str, label: str, start: int, **values: str) -> Region:
        """A region over text already added since ``start`` (one that contains other regions)."""
        region = Region(len(self.regions), layer, label, start, self.length, values)
        self.regions.append(region)
        return region

    def relate(self, source: Region, target: Region, label: str) -> None:
        self.relations.append((source.number, target.number, label))

    @property
    def text(self) -> str:
        return "".join(self.parts)


@dataclass(slots=True)
class Context:
    """What the templates of one article share: randomness, date, registry, its cast."""

    rng: random.Random
    published: dt.date
    by_label: dict[str, tuple[Entity, ...]]
    cast: list[Entity]  # people this article keeps coming back to

    def pick(self, label: str) -> Entity:
        pool = self.cast if label == "PERSON" and self.rng.random() < 0.7 else self.by_label[label]
        return self.rng.choice(pool)


def entity(b: ArticleBuilder, ctx: Context, label: str, text: str | None = None) -> Region:
    """Mark an entity; the surface text is the name unless given ("the" stays outside the span)."""
    if label == "GPE":
        return gpe(b, ctx)
    chosen = ctx.pick(label)
    surface = text or chosen.name
    return b.mark(surface, "entity", label, entity_id=chosen.id)


def gpe(b: ArticleBuilder, ctx: Context) -> Region:
    chosen = ctx.pick("GPE")
    if chosen.name == "United States":
        b.add("the ")
    return b.mark(chosen.name, "entity", "GPE", entity_id=chosen.id)


# --- time expressions: each returns (prefix outside the span, span text, label, value, mod) ---

def _weekday(ctx: Context) -> tuple[str, str, str, str, str | None]:
    back = ctx.rng.randint(1, 6)
    day = ctx.published - dt.timedelta(days=back)
    return "on ", WEEKDAYS[day.weekday()], "DATE", day.isoformat(), None


def _month(ctx: Context) -> tuple[str, str, str, str, str | None]:
    month = ctx.rng.randint(1, 12)
    year = ctx.published.year if month <= ctx.published.month else ctx.published.year - 1
    return "in ", MONTHS[month - 1], "DATE", f"{year}-{month:02d}", None


def _full_date(ctx: Context) -> tuple[str, str, str, str, str | None]:
    day = ctx.published - dt.timedelta(days=ctx.rng.randint(10, 700))
    return "on ", f"{MONTHS[day.month - 1]} {day.day}, {day.year}", "DATE", day.isoformat(), None


def _last_year(ctx: Context) -> tuple[str, str, str, str, str | None]:
    return "", "last year", "DATE", str(ctx.published.year - 1), None


def _year_start(ctx: Context) -> tuple[str, str, str, str, str | None]:
    year = ctx.published.year - ctx.rng.randint(1, 3)
    return "at ", f"the start of {year}", "DATE", str(year), "START"


def _duration(ctx: Context) -> tuple[str, str, str, str, str | None]:
    count = ctx.rng.randrange(len(NUMBER_WORDS))
    unit, code = ctx.rng.choice((("weeks", "W"), ("months", "M"), ("years", "Y")))
    return "for ", f"{NUMBER_WORDS[count]} {unit}", "DURATION", f"P{count + 2}{code}", None


def _decade(ctx: Context) -> tuple[str, str, str, str, str | None]:
    return "for ", "more than a decade", "DURATION", "P10Y", "MORE_THAN"


def _time(ctx: Context) -> tuple[str, str, str, str, str | None]:
    hour = ctx.rng.randint(1, 11)
    return "at ", f"{hour} p.m.", "TIME", f"{ctx.published.isoformat()}T{hour + 12:02d}:00", None


def _recently(ctx: Context) -> tuple[str, str, str, str, str | None]:
    return "", "recently", "DATE", "PAST_REF", None


TIMEXES: tuple[Callable[[Context], tuple[str, str, str, str, str | None]], ...] = (
    _weekday, _weekday, _month, _full_date, _last_year, _year_start, _duration, _decade, _time, _recently,
)


def timex(b: ArticleBuilder, ctx: Context, kinds=TIMEXES) -> Region:
    prefix, surface, label, value, mod = ctx.rng.choice(kinds)(ctx)
    b.add(prefix)
    values = {"timex_value": value} | ({"timex_mod": mod} if mod else {})
    return b.mark(surface, "timex", label, **values)


def attribute(b: ArticleBuilder, quote: Region, source: Region | None, cue: Region) -> None:
    if source is not None:
        b.relate(quote, source, "said_by")
    b.relate(quote, cue, "cue")


def source_person(b: ArticleBuilder, ctx: Context) -> Region:
    """A named speaker: a PERSON entity and a SOURCE over the same characters (layers may overlap)."""
    person = entity(b, ctx, "PERSON")
    return b.span("attribution", "SOURCE", person.start, speaker_id=person.values["entity_id"])


# --- sentence templates ---

def meeting(b: ArticleBuilder, ctx: Context) -> None:
    entity(b, ctx, "PERSON")
    b.add(f", the {ctx.rng.choice(ROLES)} of ")
    gpe(b, ctx)
    b.add(", met ")
    entity(b, ctx, "PERSON")
    if ctx.rng.random() < 0.4:
        b.add(" ")
        timex(b, ctx, (_time,))
    b.add(" in ")
    entity(b, ctx, "GPE")
    b.add(" ")
    timex(b, ctx, (_weekday, _full_date, _month))
    b.add(".")


def direct_quote(b: ArticleBuilder, ctx: Context) -> None:
    start = b.length
    b.add("“" + ctx.rng.choice(QUOTE_CLAUSES).capitalize() + " in ")
    entity(b, ctx, "GPE")
    b.add(",”")
    quote = b.span("attribution", "QUOTE", start, quote_type="direct")
    b.add(" ")
    source = source_person(b, ctx)
    b.add(" ")
    cue = b.mark(ctx.rng.choice(CUES), "attribution", "CUE")
    b.add(" ")
    timex(b, ctx, (_weekday, _recently))
    b.add(".")
    attribute(b, quote, source, cue)


def indirect_quote(b: ArticleBuilder, ctx: Context) -> None:
    source = source_person(b, ctx)
    b.add(" ")
    cue = b.mark("told reporters", "attribution", "CUE")
    b.add(" that ")
    start = b.length
    b.add("the ")
    entity(b, ctx, "ORG")
    b.add(" was reviewing its policy toward ")
    gpe(b, ctx)
    quote = b.span("attribution", "QUOTE", start, quote_type="indirect")
    b.add(".")
    attribute(b, quote, source, cue)


def according_to(b: ArticleBuilder, ctx: Context) -> None:
    cue = b.mark("According to", "attribution", "CUE")
    b.add(" ")
    start = b.length
    b.add("a spokesperson for the ")
    entity(b, ctx, "ORG")
    source = b.span("attribution", "SOURCE", start)  # speaker unknown: no speaker_id
    b.add(", ")
    start = b.length
    b.add(ctx.rng.choice(QUOTE_CLAUSES))
    quote = b.span("attribution", "QUOTE", start, quote_type="indirect")
    b.add(".")
    attribute(b, quote, source, cue)


def mixed_quote(b: ArticleBuilder, ctx: Context) -> None:
    speaker = ctx.pick("PERSON")
    source = b.mark(ctx.rng.choice(PRONOUNS), "attribution", "SOURCE", speaker_id=speaker.id)
    b.add(" ")
    cue = b.mark("described", "attribution", "CUE")
    b.add(" ")
    start = b.length
    b.add("the talks as “" + ctx.rng.choice(("a step toward stability", "long overdue", "a test of good faith"))
          + "”")
    quote = b.span("attribution", "QUOTE", start, quote_type="mixed")
    b.add(".")
    attribute(b, quote, source, cue)


def background(b: ArticleBuilder, ctx: Context) -> None:
    b.add("Since the ")
    entity(b, ctx, "EVENT")
    b.add(f", more than {ctx.rng.randint(2, 13)} million people have fled to ")
    entity(b, ctx, "GPE")
    b.add(" and across the ")
    entity(b, ctx, "LOC")
    b.add(".")


def sanctions(b: ArticleBuilder, ctx: Context) -> None:
    b.add("The ")
    entity(b, ctx, "LAW")
    b.add(", backed by ")
    entity(b, ctx, "ORG")
    b.add(" ")
    timex(b, ctx, (_last_year, _year_start, _month))
    b.add(", targets ")
    entity(b, ctx, "NORP")
    b.add(" businesses that trade in ")
    entity(b, ctx, "PRODUCT")
    b.add(".")


def social_post(b: ArticleBuilder, ctx: Context) -> None:
    b.add("In a post on X ")
    timex(b, ctx, (_weekday, _recently))
    b.add(", the ")
    org = entity(b, ctx, "ORG")
    source = b.span("attribution", "SOURCE", org.start, speaker_id=org.values["entity_id"])
    b.add(" ")
    cue = b.mark("wrote", "attribution", "CUE")
    b.add(": ")
    start = b.length
    b.add("“Aid convoys have reached the ")
    entity(b, ctx, "FAC")
    b.add(f" {ctx.rng.choice(EMOJIS)}”")
    quote = b.span("attribution", "QUOTE", start, quote_type="direct")
    b.add(".")
    attribute(b, quote, source, cue)


def stalled(b: ArticleBuilder, ctx: Context) -> None:
    b.add("Talks between ")
    gpe(b, ctx)
    b.add(" and ")
    entity(b, ctx, "GPE")
    b.add(" have stalled ")
    timex(b, ctx, (_duration, _decade))
    b.add(", while ")
    entity(b, ctx, "NORP")
    b.add(" officials meet ")
    b.mark("every week", "timex", "SET", timex_value="P1W")
    b.add(" at the ")
    entity(b, ctx, "FAC")
    b.add(".")


def report(b: ArticleBuilder, ctx: Context) -> None:
    entity(b, ctx, "ORG")
    b.add(" said in its ")
    entity(b, ctx, "WORK_OF_ART")
    b.add(", released ")
    timex(b, ctx, (_recently, _weekday))
    b.add(", that conditions in ")
    entity(b, ctx, "GPE")
    b.add(" had worsened since the ")
    entity(b, ctx, "EVENT")
    b.add(".")


def filler(b: ArticleBuilder, ctx: Context) -> None:
    """A sentence with nothing to annotate: most of a news text is not names, dates or quotes."""
    pick = ctx.rng.choice
    b.add(f"{pick(FILLER_SUBJECTS)} {pick(FILLER_VERBS)}, {pick(FILLER_TAILS)}.")


TEMPLATES = (meeting, direct_quote, indirect_quote, according_to, mixed_quote, background, sanctions,
             social_post, stalled, report)
TEMPLATE_WEIGHTS = (3, 3, 2, 2, 1, 2, 2, 1, 2, 2)
TARGET_CHARACTERS = 3000
TARGET_REGIONS = 50


def next_sentence(b: ArticleBuilder, ctx: Context) -> Callable[[ArticleBuilder, Context], None]:
    """An annotated sentence while the article is below its region density, else a plain one."""
    if len(b.regions) < (b.length + 60) * TARGET_REGIONS / TARGET_CHARACTERS:
        return ctx.rng.choices(TEMPLATES, TEMPLATE_WEIGHTS)[0]
    return filler


def make_article(rng: random.Random, published: dt.date, by_label: dict[str, tuple[Entity, ...]]) -> Article:
    """About 3,000 characters of paragraphs ("\\n\\n" between them, no trailing space)."""
    ctx = Context(rng, published, by_label, rng.sample(by_label["PERSON"], 4))
    b = ArticleBuilder()
    while b.length < TARGET_CHARACTERS - 150:
        if b.parts:
            b.add("\n\n")
        for sentence in range(rng.randint(2, 4)):
            if sentence:
                b.add(" ")
            next_sentence(b, ctx)(b, ctx)
    title = f"{ctx.cast[0].name} weighs {rng.choice(('talks', 'sanctions', 'aid', 'a ceasefire'))} " \
            f"with {rng.choice(by_label['GPE']).name.removeprefix('the ')}"
    return Article(b.text, title, b.regions, b.relations)
