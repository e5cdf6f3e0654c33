"""The bench runner: its memory accounting counts worker processes, its medians, its reuse of a
generated export (no timings here)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from bench.run import TreeMemory

# Touches 64 MiB, then forks: the child's RSS counts the 64 MiB it shares, as the parent's does.
FORKING = """
import os, time
block = bytearray(64 << 20)
pid = os.fork()
time.sleep(2)  # many samples, even on a busy machine
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
"""


def test_tree_memory_sums_the_process_and_its_forks() -> None:
    child = subprocess.Popen([sys.executable, "-c", FORKING])
    tree = TreeMemory(child.pid)
    tree.start()
    assert child.wait() == 0
    tree.finish()
    assert tree.peak_mb >= 128  # both processes' RSS, summed (one alone is 64 MiB + the interpreter)
    # PSS divides each shared page between the two: the 64 MiB block is counted once
    assert 64 <= tree.peak_pss_mb < 100


def test_medians_take_the_ratios_within_each_round() -> None:
    from bench.run import Measurement, medians

    rounds = [[Measurement("a", 10.0, 100.0, tree_rss_mb=150.0, tree_pss_mb=120.0),
               Measurement("b", 20.0, 50.0, tree_rss_mb=50.0),
               Measurement("c", 10.0, 900.0, tree_rss_mb=900.0)],
              [Measurement("a", 30.0, 100.0, tree_rss_mb=170.0, tree_pss_mb=150.0),
               Measurement("b", 40.0, 50.0, tree_rss_mb=50.0),
               Measurement("c", 20.0, 900.0, tree_rss_mb=900.0)],
              [Measurement("a", 12.0, 100.0, tree_rss_mb=160.0, tree_pss_mb=130.0),
               Measurement("b", 20.0, 50.0, tree_rss_mb=50.0),
               Measurement("c", 12.0, 900.0, tree_rss_mb=900.0)]]
    text = medians(rounds)
    assert "a                wall    12.0 s, tree RSS    160 MB, tree PSS    130 MB" in text
    assert "b                wall    20.0 s, tree RSS     50 MB\n" in text  # no PSS measured: none shown
    assert "a/b wall: median 0.60 (rounds: 0.50, 0.75, 0.60)" in text  # not 12/20 of the medians by chance
    assert "a/c wall: median 1.00 (rounds: 1.00, 1.50, 1.00)" in text


def test_a_variant_under_another_memory_pool_gets_its_own_ratios_and_environment(tmp_path) -> None:
    from bench.run import Measurement, measure, medians, table

    results = [Measurement(name, wall, peak, tree_rss_mb=peak)
               for name, wall, peak in (("a", 10.0, 100.0), ("a.ingest", 4.0, 90.0), ("a-system", 8.0, 80.0),
                                        ("a-system.ingest", 3.0, 70.0), ("b", 20.0, 50.0), ("c", 16.0, 900.0))]
    text = medians([results])
    assert "a-system/b wall: median 0.40 (rounds: 0.40)" in text
    assert "a-system/c wall: median 0.50 (rounds: 0.50)" in text and "a.ingest/b" not in text
    assert "a-system.ingest/" not in text and "a-system/b: wall 0.40, peak RSS 1.60" in table(1, 1.0, results)
    probe = [sys.executable, "-c", "import os; print(os.environ['ARROW_DEFAULT_MEMORY_POOL'], os.environ['HOME'])"]
    assert measure("probe", probe, tmp_path, tmp_path / "logs", {"ARROW_DEFAULT_MEMORY_POOL": "system"}).ok
    assert (tmp_path / "logs" / "probe.out").read_text().split()[0] == "system"  # added to, not instead of, the environment


def test_a_setting_is_a_named_environment_or_else_an_arrow_pool() -> None:
    from bench.run import main, setting

    assert setting("lean") == {"ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_MMAP_THRESHOLD_": "131072"}
    assert setting("mimalloc-lean") == {"MIMALLOC_ARENA_EAGER_COMMIT": "0", "MIMALLOC_PURGE_DELAY": "0"}
    assert setting("jemalloc") == {"ARROW_DEFAULT_MEMORY_POOL": "jemalloc"}
    with pytest.raises(SystemExit) as refused:
        main(["--pools", "system"])  # the option is --settings
    assert refused.value.code == 2  # argparse's usage error, before anything is measured


def test_an_export_without_its_corpus_root_is_generated_again_with_it(tmp_path) -> None:
    from bench.run import generate

    export, corpus, first = generate(3, 0, tmp_path)
    assert first.note != "reused" and (corpus / "raw").is_dir()
    content = export.read_bytes()
    _, _, again = generate(3, 0, tmp_path)
    assert again.note == "reused"
    shutil.rmtree(corpus)  # the export alone, as when only the file was copied in
    _, _, regenerated = generate(3, 0, tmp_path)
    assert regenerated.note != "reused" and (corpus / "raw").is_dir() and export.read_bytes() == content


def test_the_query_layer_bench_ranks_the_same_with_duckdb_as_the_package_does(corpus_copy) -> None:
    """bench/query_layer.py's DuckDB query is only a measurement if it picks what the package
    picks: on the checkout's stored exports (several annotators, rounds, ground truth)."""
    from bench.query_layer import _units_directories, rank_duckdb, rank_pyarrow
    from corpus_tools.annotations.consolidate import AnnotationIndex

    directories = _units_directories(corpus_copy.root)
    assert len(directories) > 1
    index = AnnotationIndex.of_corpus(corpus_copy)
    assert len(set(index.versions["annotator"].to_pylist())) > 2  # several annotators' versions per document
    assert index.chosen.num_rows and set(index.chosen["reason"].to_pylist()) == {"ground_truth"}
    assert rank_duckdb(directories) == rank_pyarrow(directories)


def test_drop_caches_syncs_asks_the_kernel_to_drop_and_reads_the_export_back(tmp_path) -> None:
    from bench.run import drop_page_cache

    export, control = tmp_path / "export.json", tmp_path / "drop_caches"
    export.write_bytes(b"[]" * 1000)
    control.write_text("0\n")
    drop_page_cache(export, control)  # a file standing in for /proc/sys/vm/drop_caches
    assert control.read_text() == "3\n"
    refused = tmp_path / "no" / "such" / "control"
    with pytest.raises(SystemExit, match=r"^bench: --drop-caches needs root \(" + re.escape(str(refused))):
        drop_page_cache(export, refused)
