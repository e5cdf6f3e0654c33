"""Document lookups as the commands make them: open a DocumentIndex on a corpus root, then look
up every document once; prints the seconds of each and the peak RSS.

    python -m bench.lookups CORPUS_ROOT [--cold]

``--cold`` deletes CORPUS_ROOT/build/cache first (every document is normalized and
its cache entry written); without it, entries left by an earlier run are read. Use a copy of
the bench corpus, e.g. ``cp -r /work/wt/data/corpus-10000 /tmp/c10k``: the cache is written
into the corpus root.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import time

from corpus_tools.documents.index import DocumentIndex
from corpus_tools.layout import Layout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root")
    parser.add_argument("--cold", action="store_true", help="delete build/cache first")
    args = parser.parse_args()
    layout = Layout.at(args.root)
    if args.cold:
        shutil.rmtree(layout.build / "cache", ignore_errors=True)
    began = time.perf_counter()
    index = DocumentIndex(layout)
    opened = time.perf_counter()
    characters = sum(len(index[doc_id].text) for doc_id in index)
    done = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"{len(index)} documents ({characters} characters): open {opened - began:.2f} s, "
          f"lookups {done - opened:.2f} s, total {done - began:.2f} s, peak RSS {peak} MB")


if __name__ == "__main__":
    main()
