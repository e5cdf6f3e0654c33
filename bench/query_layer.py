"""The annotation set's query layer, measured: pyarrow compute (what the package uses) against DuckDB.

Issue 10 asked for one query layer over the units tables, "pyarrow compute / group-by or
DuckDB: measure and choose". The query that ranks annotations (``AnnotationIndex``: every
annotator's latest version per document, then the chosen annotation per document, ground truth
first) is the one every downstream command runs before anything else. This runs it both ways on
a bench corpus's units tables, each in its own process (A B A B), checks that both give the
same picks, and reports the medians of the query's wall time and of the process's peak RSS (the
DuckDB process imports what a release imports too, so the difference is DuckDB's own cost).

    .venv/bin/python -m bench.query_layer bench/out/corpus-10000-seed0 [--rounds 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ENGINES = ("pyarrow", "duckdb")
_RECENCY = "moment DESC, export DESC, task_index DESC, position DESC"


def _units_directories(root: Path) -> list[str]:
    """The current units tables of the corpus's stored exports (made now if missing or stale)."""
    from corpus_tools.annotations.consolidate import AnnotationIndex
    from corpus_tools.layout import Layout

    return [str(unit.directory) for unit in AnnotationIndex.of_corpus(Layout.at(root)).units]


def _digest(rows) -> str:
    return hashlib.sha256(json.dumps(sorted(rows), default=str).encode()).hexdigest()[:16]


def rank_pyarrow(directories: list[str]) -> tuple[str, str]:
    """The package's own ranking (``consolidate.ranked`` of ``current_annotations``, what AnnotationIndex runs)."""
    from corpus_tools.annotations.consolidate import current_annotations, ranked
    from corpus_tools.ingest.units import Units

    picks, chosen, _ = ranked(current_annotations([Units(Path(directory), Path(directory).name)
                                                for directory in directories]))
    return (_digest(zip(*(picks[name].to_pylist() for name in picks.column_names))),
            _digest(zip(*(chosen[name].to_pylist() for name in chosen.column_names))))


def rank_duckdb(directories: list[str]) -> tuple[str, str]:
    """The same ranking as one SQL query per table (window functions over the parquet parts)."""
    import duckdb

    import corpus_tools.annotations.consolidate  # noqa: F401  the release imports it either way

    candidates = " UNION ALL ".join(f"""
        SELECT t.doc_id, coalesce(a.annotator, chr(0) || '{number}:' || a.annotation_index) AS who,
               coalesce(epoch_us(coalesce(a.updated_at, a.created_at)), -9223372036854775808) AS moment,
               {number}::INTEGER AS export, a.task_index, a.position, a.annotation_index, a.ground_truth
        FROM read_parquet('{directory}/annotations.*.parquet') a
        JOIN read_parquet('{directory}/tasks.*.parquet') t USING (task_index)
        WHERE NOT a.prediction AND NOT a.excluded""" for number, directory in enumerate(directories))
    connection = duckdb.connect()
    connection.execute(f"CREATE TEMP TABLE candidates AS {candidates}")
    connection.execute(f"""CREATE TEMP TABLE versions AS SELECT * FROM candidates
                           QUALIFY row_number() OVER (PARTITION BY doc_id, who ORDER BY {_RECENCY}) = 1""")
    picks = connection.execute("""SELECT doc_id, export, annotation_index,
                                         CASE WHEN starts_with(who, chr(0)) THEN NULL ELSE who END, ground_truth
                                  FROM versions""").fetchall()
    chosen = connection.execute(f"""
        WITH truths AS (SELECT * FROM candidates WHERE ground_truth
                        QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY {_RECENCY}) = 1),
             latest AS (SELECT * FROM versions WHERE doc_id NOT IN (SELECT doc_id FROM truths)
                        QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY {_RECENCY}) = 1)
        SELECT doc_id, export, annotation_index, CASE WHEN starts_with(who, chr(0)) THEN NULL ELSE who END,
               ground_truth, 'latest' FROM latest
        UNION ALL
        SELECT doc_id, export, annotation_index, CASE WHEN starts_with(who, chr(0)) THEN NULL ELSE who END,
               ground_truth, 'ground_truth' FROM truths""").fetchall()
    return _digest(picks), _digest(chosen)


def _child(engine: str, directories: list[str]) -> None:
    rank = rank_pyarrow if engine == "pyarrow" else rank_duckdb
    started = time.perf_counter()
    picks, chosen = rank(directories)
    print(json.dumps({"seconds": time.perf_counter() - started, "picks": picks, "chosen": chosen}))


def _measure(engine: str, directories: list[str]) -> dict:
    process = subprocess.Popen([sys.executable, "-m", "bench.query_layer", "--child", engine, *directories],
                               stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status:
        raise SystemExit(f"{engine} failed ({status})")
    return {**json.loads(output), "peak_mb": usage.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", nargs="?", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        _child(arguments.child[0], arguments.child[1:])
        return
    directories = _units_directories(arguments.root)
    results = {engine: [] for engine in ENGINES}
    for _ in range(arguments.rounds):
        for engine in ENGINES:
            results[engine].append(_measure(engine, directories))
    answers = {(run["picks"], run["chosen"]) for runs in results.values() for run in runs}
    if len(answers) != 1:
        raise SystemExit(f"the engines disagree: {answers}")
    print(f"{arguments.root}: {len(directories)} stored export(s); both engines give the same picks")
    print("engine   query s (median)  peak RSS MB (median)  rounds")
    for engine, runs in results.items():
        print(f"{engine:<8} {statistics.median(r['seconds'] for r in runs):>16.2f} "
              f"{statistics.median(r['peak_mb'] for r in runs):>21.0f}  "
              + ", ".join(f"{r['seconds']:.2f} s / {r['peak_mb']:.0f} MB" for r in runs))


if __name__ == "__main__":
    main()
