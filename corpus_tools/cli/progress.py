"""Progress bars for long commands: a library's ``on_progress(n)`` callback drawn as a bar.

Library functions that do long work take ``on_progress: Callable[[int], None] | None = None``
and call it with the number of items just done (tasks, documents, bytes). A command turns that
into a bar on stderr with ``progress``::

    with progress("writing tasks", total=len(inputs.documents), unit="task") as on_progress:
        count = write_task_file(inputs, output, on_progress)

A library call whose work comes in stages takes one callback per stage; ``stages`` gives each
its own bar, one on screen at a time (a release first checks stored exports again when their
units tables were made by other code, documents, registry or removals, then writes documents)::

    with stages() as stage:
        release(layout, rechecking=rechecking(stage), writing=totalled(stage, "building the release", "doc"))

A stage whose total the library learns only once under way (from an index it builds itself, the
releases it opens, the raw corpus it checks, the export or the manifest it opens, the stored
exports whose units tables it makes, the size of a download) is asked for with that total
(``totalled``), as ``reading_annotations(stage)``, ``comparing(stage)``, ``checking_export(stage)``,
``downloading(stage)`` and ``rechecking(stage)`` (these three in bytes) are.

The bar is drawn only when stderr is a terminal (as git does), so redirected or captured
output (``x=$(corpus-tools ...)``, CI logs, tests) never holds one; ``on_progress`` is then
``None`` and the library skips the calls. It appears only for work that goes on ``DELAY``
seconds after its first item, and is erased when the work ends, so the command's own lines
(the summary) follow on a clean terminal. The bar is tqdm's (MIT and MPL-2.0; already a dependency of
``datasets``), imported only when a bar is drawn.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Callable, Iterator, TextIO


OnProgress = Callable[[int], None]
DELAY = 0.5  # seconds of work before a bar appears (no flicker for quick commands)
MININTERVAL = 0.2  # seconds between redraws at most


def shows_progress(stream: TextIO) -> bool:
    """Whether a bar belongs on ``stream``: a terminal that can redraw a line."""
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


@contextlib.contextmanager
def progress(description: str, total: int | None = None, unit: str = "item", *, bytes_: bool = False,
             stream: TextIO | None = None) -> Iterator[OnProgress | None]:
    """An ``on_progress`` callback drawing a bar on ``stream`` (stderr) while the block runs, or
    None when ``stream`` is no terminal. ``total``: the number of items, when known (else the
    bar counts, with a rate); ``bytes_``: the items are bytes (shown as kB, MB)."""
    with stages(stream) as stage:
        yield stage(description, total, unit, bytes_=bytes_)


@contextlib.contextmanager
def stages(stream: TextIO | None = None) -> Iterator[Callable[..., OnProgress | None]]:
    """``stage(description, total=None, unit="item", *, bytes_=False)``: an ``on_progress``
    callback (None off a terminal) whose bar opens at its first call, closing the bar of the stage
    before; the last bar closes when the block ends. A stage that does no work draws nothing."""
    bars = _Bars(stream if stream is not None else sys.stderr)
    try:
        yield bars.stage
    finally:
        bars.close()


def rechecking(stage: Callable[..., OnProgress | None]) -> Callable[[int], OnProgress | None] | None:
    """The stage of a command over the stored exports that checks their tasks again, when their
    units tables were made for other code, documents or registry, in bytes of the exports: the
    library asks for it with their sizes once it knows which tables it makes (how many tasks
    they hold is known only once they are read)."""
    return totalled(stage, "checking stored exports again", "B", bytes_=True)


def totalled(stage: Callable[..., OnProgress | None], description: str, unit: str, *, bytes_: bool = False
             ) -> Callable[[int | None], OnProgress | None] | None:
    """A stage the library asks for once it knows its total (a corpus_tools.iterutil.Totalled);
    None off a terminal, as a stage is, so that the library does not work out a total for no bar."""
    if stage(description, unit=unit) is None:  # a stage draws nothing until its first call
        return None
    return lambda total: stage(description, total, unit=unit, bytes_=bytes_)


def reading_annotations(stage: Callable[..., OnProgress | None]) -> Callable[[int], OnProgress | None] | None:
    """The stage of reading the annotation set, with its total: the library asks for it once it
    knows how many records it will read (a corpus_tools.iterutil.Totalled)."""
    return totalled(stage, "reading annotations", "annotation")


def checking_export(stage: Callable[..., OnProgress | None]) -> Callable[[int], OnProgress | None] | None:
    """The stage of checking an export's tasks (validate, ingest, pull), in bytes of the file:
    the library asks for it with the file's size once it has opened it (how many tasks it holds
    is known only at its end)."""
    return totalled(stage, "checking tasks", "B", bytes_=True)


def downloading(stage: Callable[..., OnProgress | None]) -> Callable[[int | None], OnProgress | None] | None:
    """The stage of downloading an export (pull), in bytes: the library asks for it with the
    file's size once the server has answered (None when it does not say it)."""
    return totalled(stage, "downloading the export", "B", bytes_=True)


def comparing(stage: Callable[..., OnProgress | None]) -> Callable[[int], OnProgress | None] | None:
    """The stage of comparing a release with the one before it, with the number of documents
    compared: the library asks for it once it has opened both."""
    return totalled(stage, "comparing with the previous release", "doc")


class _Bars:
    def __init__(self, stream: TextIO):
        self.stream, self.owner, self.bar = stream, None, None

    def stage(self, description: str, total: int | None = None, unit: str = "item", *,
              bytes_: bool = False) -> OnProgress | None:
        if not shows_progress(self.stream):
            return None

        def on_progress(done: int) -> None:
            if self.owner is not on_progress:
                self.close()
                from tqdm import tqdm

                self.owner = on_progress
                self.bar = tqdm(total=total, desc=description, unit=unit, unit_scale=bytes_,
                                unit_divisor=1024 if bytes_ else 1000, file=self.stream, leave=False, delay=DELAY,
                                mininterval=MININTERVAL, dynamic_ncols=True)
            self.bar.update(done)

        return on_progress

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        self.owner, self.bar = None, None
