"""Errors and validation problems, located precisely.

Two kinds of failure, kept apart on purpose:

* ``CorpusError`` is raised when an input cannot be used at all (a raw file whose checksum
  does not match, a file that is not JSON). The CLI turns it into a one-line message and
  exit code 1, never a traceback.
* ``Problem`` is data: validation collects them into a ``Report`` and returns it, so that
  callers decide whether to print, serialize (``--json``) or refuse.

Both carry a ``Location`` naming the file, byte offset, task, annotation and region at fault,
whichever of them apply.

Their printed forms (``str()``) are one line each, whatever the input held: every control
character of a location or a message is escaped (``\\n``, ``\\x00``, ``\\u2028``), a location part
(file, id) is cut with an ellipsis past ``PART_MAX`` characters, and so is any run of
``PART_MAX`` characters without a space in a message (a pasted id, a long quote) and a message
past ``MESSAGE_MAX``. The data (``as_dict``, ``--json``) keeps every value whole: JSON escapes
what needs escaping.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Iterator, TypeVar

from corpus_tools import codes
from corpus_tools.iterutil import overlapping
from corpus_tools.schema import FLAT_LAYERS

T = TypeVar("T")

PART_MAX = 200  # characters of a printed location part, or of a message's run without a space
MESSAGE_MAX = 1000  # characters of a printed message
ELLIPSIS = "\u2026"

# What would break a line or hide text on a terminal: C0 and C1 controls and DEL, the Unicode
# line and paragraph separators, and the bidirectional overrides and isolates (which reorder
# what a terminal shows after them), and lone surrogates (from JSON's "\\ud800" or an
# undecodable file name), which no terminal encoding can write.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                          "\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_LONG_RUN = re.compile(rf"\S{{{PART_MAX + 1},}}")


def _escape_one(match: re.Match) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def escape(text: str) -> str:
    """``text`` with its control characters written as escapes, so it prints on one line."""
    return _UNPRINTABLE.sub(_escape_one, text)


def cut(text: str, limit: int = PART_MAX) -> str:
    return text if len(text) <= limit else text[:limit] + ELLIPSIS


def printable_part(value: object) -> str:
    """A location part (file name, id) as printed: escaped, then cut past PART_MAX."""
    return cut(escape(str(value)))


def printable_message(message: str) -> str:
    """A message as printed: escaped; runs without a space cut past PART_MAX; cut past MESSAGE_MAX."""
    text = _LONG_RUN.sub(lambda match: cut(match.group()), escape(message))
    return text if len(text) <= MESSAGE_MAX else text[:MESSAGE_MAX] + f"{ELLIPSIS} ({len(text) - MESSAGE_MAX} more characters)"


def agreeing(count: int, singular: str, plural: str | None = None) -> str:
    """The word that agrees with ``count``: ``singular`` for 1, else ``plural`` (``singular``
    and "s" when not given): ``agreeing(1, "has", "have")`` is "has"."""
    return singular if count == 1 else plural or singular + "s"


def quantity(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and its noun, singular for 1: ``quantity(1, "file")`` is "1 file",
    ``quantity(2, "entity", "entities")`` "2 entities"."""
    return f"{count} {agreeing(count, noun, plural)}"


# The stats keys whose words are not "<count> <key>" (``--json`` keeps the keys as they are).
_COUNTED = {"annotations_cancelled": ("cancelled annotation", None), "spans_reanchored": ("re-anchored span", None),
            "tasks_excluded": ("excluded task", None),
            "tasks_text_changed": ("task whose text changed", "tasks whose text changed")}


def counted(key: str, count: int) -> str:
    """A report's count in words, singular for 1: ``counted("documents", 1)`` is "1 document",
    ``counted("annotations_cancelled", 0)`` "0 cancelled annotations"."""
    noun, plural = _COUNTED.get(key, (key.removesuffix("s"), key))
    return quantity(count, noun, plural)


def flat_overlaps(layer: str, regions: Iterable[tuple[T, str, tuple[int, int]]]) -> Iterator[tuple[T, str, str]]:
    """(region, code, message) for each of two ``regions`` (each given as the region, its id and
    its (start, end)) of ``layer``, one of schema.FLAT_LAYERS, whose spans overlap: reported on
    both. The one rule of ingest and of a release built from records."""
    code = FLAT_LAYERS[layer]
    for (one, _, span), (_, other_id, other) in overlapping(regions, lambda region: region[2]):
        yield one, code, (f"{layer} [{span[0]}, {span[1]}) overlaps {layer} {other_id} [{other[0]}, {other[1]}); "
                          f"{layer} spans do not overlap")


def keys_wrong(missing: list[str], unknown: list[str]) -> str:
    """What is wrong with a record's keys, only what is: "missing keys ['type']", "unknown keys
    ['colour']", or both ("unknown keys []" beside a missing key read as a second fault)."""
    return " / ".join(f"{what} keys {keys}" for what, keys in (("missing", missing), ("unknown", unknown)) if keys)


def _line(location: "Location", rest: str) -> str:
    where = str(location)
    return f"{where}: {rest}" if where else rest


def printable(value: Any, limit: int = 200) -> str:
    """A value as a message quotes it: its repr (control characters and line breaks escaped, so
    a message stays one line), cut with an ellipsis past ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem is. Every field is optional; ``str()`` names the ones that are set."""

    file: str | None = None
    byte_offset: int | None = None
    line: int | None = None
    task_id: int | str | None = None
    doc_id: str | None = None
    annotation_id: int | str | None = None
    region_id: str | None = None

    def __str__(self) -> str:
        """The set fields, printed safely (see the module's docstring); "" when none is set."""
        parts = [printable_part(self.file)] if self.file else []
        labelled = (
            ("byte", self.byte_offset),
            ("line", self.line),
            ("task", self.task_id),
            ("doc", self.doc_id),
            ("annotation", self.annotation_id),
            ("region", self.region_id),
        )
        parts.extend(f"{name} {printable_part(value)}" for name, value in labelled if value is not None)
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


class CorpusError(Exception):
    """An input that cannot be used. ``code`` is stable; the message says what to do."""

    def __init__(self, code: str, message: str, location: Location | None = None):
        codes.lookup(code)
        self.code = code
        self.message = message
        self.location = location or Location()
        super().__init__(self.__str__())

    def __reduce__(self):
        # by its fields, not by args (one string): so it crosses from a worker process intact
        return (type(self), (self.code, self.message, self.location))

    def __str__(self) -> str:
        return _line(self.location, f"[{self.code}] {printable_message(self.message)}")

    def as_problem(self) -> "Problem":
        return Problem(self.code, self.message, self.location)

    @classmethod
    def of_os_error(cls, error: OSError) -> "CorpusError":
        """What the operating system refused (a path that is a directory, a full disk, a
        read-only target), as ``file-error`` at the path it names."""
        path = getattr(error, "filename", None)
        reason = error.strerror or str(error)
        return cls("file-error", reason, Location(file=None if path is None else os.fsdecode(path)))


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of a validation. ``code`` is stable public interface (e.g. span-text-mismatch);
    its severity is the catalogue's (corpus_tools.codes): "error" makes a report invalid."""

    code: str
    message: str
    location: Location = field(default_factory=Location)
    severity: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", codes.severity(self.code))

    def __str__(self) -> str:
        return _line(self.location, f"{self.severity} [{self.code}] {printable_message(self.message)}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "location": self.location.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of a validation: problems as data, plus counts of what was checked."""

    problems: tuple[Problem, ...] = ()
    stats: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, problems: Iterable[Problem], stats: dict[str, int] | None = None) -> "Report":
        return cls(tuple(problems), tuple(sorted((stats or {}).items())))

    @property
    def valid(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def as_dict(self, notes: Iterable[str] | None = None) -> dict[str, Any]:
        """The JSON form of the report; with ``notes`` (a command's notes, which its text prints on
        stderr: ``validate``, ``ingest``), under a "notes" key first, for a script to read them."""
        return {
            **({} if notes is None else {"notes": list(notes)}),
            "valid": self.valid,
            "stats": dict(self.stats),
            "problems": [p.as_dict() for p in self.problems],
        }
