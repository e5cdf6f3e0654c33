"""What the package reads of the running Python's Unicode database (``unicodedata``) as runs of
code points, read from it rather than written down so that they follow its Unicode version (which
build-info.json records). Scanning every code point takes a fraction of a second: it is done once
per process, when first needed, never on import (a user loading a release never needs it)."""

from __future__ import annotations

import functools
import sys
import unicodedata


@functools.cache
def mark_ranges() -> tuple[tuple[int, int], ...]:
    """The combining marks (general category M: Mn, Mc, Me) as (first, last) runs, in code point
    order: what Python's ``\\w`` leaves out of Unicode's word characters (UTS #18, Annex C), which
    the ner tokenizer and the pre-annotator's word boundaries both add to it."""
    runs: list[list[int]] = []
    for point in range(sys.maxunicode + 1):
        if unicodedata.category(chr(point))[0] == "M":
            if runs and runs[-1][1] == point - 1:
                runs[-1][1] = point
            else:
                runs.append([point, point])
    return tuple((first, last) for first, last in runs)
