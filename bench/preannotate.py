"""How pre-annotation's time grows with a document's length: time expressions, and quotes with
their entity mentions, on a passage repeated N and 10 N times (one document each), measured in
one run; prints the best of three runs' seconds of each and their ratio (10 for linear time).

    python -m bench.preannotate [--times 300]

The pre-annotator once took time quadratic in the number of expressions and quotes in one
document (a ratio of 60 to 90), and in the length of a clause without a punctuation mark (88);
a test cannot tell linear from quadratic without timing, so the ratio is measured here, not
asserted in the suite.
"""

from __future__ import annotations

import argparse
import time

from corpus_tools.layout import Layout
from corpus_tools.preannotate.entities import Gazetteer, entity_mentions
from corpus_tools.preannotate.quotes import quotes
from corpus_tools.preannotate.timexes import time_expressions
from corpus_tools.annotations.registry import load_registry
from corpus_tools.records import Evidence, ManifestRecord

TIMEX_PASSAGE = "On Tuesday, two days later, in March 2011, last year. "
# no clause mark: one clause as long as the document, searched for a future cue once for each
# weekday until the cues were listed once (a ratio of 88; 9 s at 100 KB, an hour at 2 MB)
CLAUSE_PASSAGE = "the envoy said that talks would resume on Monday and "
QUOTE_PASSAGE = ("Antony Blinken said on Tuesday that Syria \u201cmust change\u201d, according to officials. "
                 "\u201cWe will act,\u201d he said.\n\u201cWe will rebuild.\u201d\n")


def best_of_three(function, *args) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        function(*args)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--times", type=int, default=300, help="repeats of the passage in the smaller document")
    args = parser.parse_args()
    registry = load_registry(Layout.at("."))
    gazetteer = Gazetteer(registry.values())
    dated = ManifestRecord("bench", "bench.txt", "0" * 64, 0, "utf-8", None, None, Evidence("none"),
                           "2024-03-14", "day", Evidence("inferred", reasoning="a benchmark's fixed date"))

    def timexes(text: str) -> None:
        time_expressions("bench", text, dated)

    def attributions(text: str) -> None:
        mentions, _ = entity_mentions("bench", text, gazetteer)
        quotes("bench", text, mentions, registry)

    print(f"{'step':<16} {'x' + str(args.times):>10} {'x' + str(10 * args.times):>10} {'ratio':>7}")
    for name, function, passage in (("time expressions", timexes, TIMEX_PASSAGE),
                                    ("one long clause", timexes, CLAUSE_PASSAGE),
                                    ("quotes", attributions, QUOTE_PASSAGE)):
        small, large = (best_of_three(function, passage * n) for n in (args.times, 10 * args.times))
        print(f"{name:<16} {small:>9.2f}s {large:>9.2f}s {large / small:>7.1f}")


if __name__ == "__main__":
    main()
