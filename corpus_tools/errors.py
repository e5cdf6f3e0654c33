"""Errors and validation problems, located precisely.

Two kinds of failure, kept apart on purpose:

* ``CorpusError`` is raised when an input cannot be used at all (a raw file whose checksum
  does not match, a file that is not JSON). The CLI turns it into a one-line message and
  exit code 1, never a traceback.
* ``Problem`` is data: validation collects them into a ``Report`` and returns it, so that
  callers decide whether to print, serialize (``--json``) or refuse.

Both carry a ``Location`` naming the file, byte offset, task, annotation and region at fault,
whichever of them apply.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Iterator

from corpus_tools import codes


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
        parts = [self.file] if self.file else []
        labelled = (
            ("byte", self.byte_offset),
            ("line", self.line),
            ("task", self.task_id),
            ("doc", self.doc_id),
            ("annotation", self.annotation_id),
            ("region", self.region_id),
        )
        parts.extend(f"{name} {value}" for name, value in labelled if value is not None)
        return ", ".join(parts) if parts else "<no location>"

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
        return f"{self.location}: [{self.code}] {self.message}"


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
        return f"{self.location}: {self.severity} [{self.code}] {self.message}"

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

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "stats": dict(self.stats),
            "problems": [p.as_dict() for p in self.problems],
        }
