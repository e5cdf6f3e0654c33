"""``make bench``: generate an export, then measure three tools on it, each a whole process.

    python -m bench.run --tasks 10000            # generate, measure a, a-system, a-lean, b, c three times, print medians
    python -m bench.run --tasks 50000 --keep     # keep the export, corpus and outputs in --out
    python -m bench.run --pairs 5                # five rounds of a, a-system, a-lean, b, c (A B C ...)
    python -m bench.run --settings ""            # (a) as it is only, with no environment setting
    python -m bench.run --drop-caches            # as root: libraries read from disk, not as just installed

(a) corpus_tools: ``corpus-tools ingest`` (which validates) and ``release`` on a corpus root whose
    raw/ holds the documents the export was annotated on (written by bench.generate);
(b) label-studio-sdk's Converter to CONLL2003 (bench.converter);
(c) the floor: orjson parse of the whole file, one parquet write of all spans (bench.floor).
(a-system), (a-lean) are (a) again under the allocator settings the README documents (the
    package leaves process-wide settings to its user; ``SETTINGS``): ``system`` is Arrow's
    ``ARROW_DEFAULT_MEMORY_POOL=system``; ``lean`` adds glibc's ``MALLOC_MMAP_THRESHOLD_=131072``
    (blocks from 128 KiB up are mapped and unmapped, not kept in the heap); ``mimalloc-lean``
    keeps Arrow's default pool and makes it commit and purge its pages as needed.
    ``--settings`` names which (any other name is taken as an Arrow pool), or none.

Wall time and peak RSS come from ``os.wait4`` on each child (``ru_maxrss``: the peak of the
child or of any one of its own children, whichever is larger: not their sum). Since ingest starts
worker processes (and multiprocessing its resource tracker), the runner also samples, every 50 ms,
the summed RSS of the child and all its descendants ("tree RSS": an upper bound, as pages the
processes share, such as the interpreter's own code, are counted once per process) and their
summed PSS ("tree PSS": each shared page divided among the processes that map it, so the tree's
memory is counted once; the kernel's /proc/PID/smaps_rollup).
(a) is the sum of its steps' wall times and the largest of their peaks.
The tools are measured in rounds (a, b, c, then a, b, c again: ``--pairs``), so that a drift of
the machine's speed hits all of them alike; the ratios a/b and a/c are taken within each round
and reported with their medians. A result table is printed and written to OUT/results-<tasks>.json.

Memory depends on how the libraries' files sit in the page cache: just after ``make setup`` wrote
them, each process maps about 16 MB more of them (pyarrow, numpy) than when they were read back
from disk, which is the state of any machine that did not install them a moment ago (the release's
PSS measured 321 against 288 MB, the same code). ``--drop-caches`` (root; ``make bench`` passes it
when run as root) writes dirty pages back and drops the page cache once, before the rounds, then
reads the export back in, so every run measures the libraries as a user's machine holds them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
CORPUS_TOOLS = str(BIN / "corpus-tools")
# The pipeline of measurement (a): step name -> argv (EXPORT is replaced by the export's path).
# Each step runs with the generated corpus root as its working directory. No separate validate
# step: ingest validates (it refuses an export with errors), so ingest = validate + store.
PIPELINE = {
    "ingest": [CORPUS_TOOLS, "ingest", "EXPORT"],
    "release": [CORPUS_TOOLS, "release"],
}


@dataclass(frozen=True, slots=True)
class Measurement:
    name: str
    wall_s: float | None
    peak_rss_mb: float | None
    note: str = ""
    load: str = ""  # 1-minute load average when it started: the machine is shared
    tree_rss_mb: float | None = None  # peak of the summed RSS of the process and its descendants
    tree_pss_mb: float | None = None  # peak of their summed PSS (shared pages counted once)

    @property
    def ok(self) -> bool:
        return self.wall_s is not None


def measure(name: str, argv: list[str], cwd: Path, log_dir: Path, env: dict[str, str] | None = None) -> Measurement:
    """Run ``argv`` to completion (with ``env`` added to the environment); its wall time, its peak
    RSS and its process tree's, or why it failed."""
    log_dir.mkdir(parents=True, exist_ok=True)
    load = f"{os.getloadavg()[0]:.2f}"
    with (log_dir / f"{name}.out").open("wb") as out, (log_dir / f"{name}.err").open("wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err,
                                 env={**os.environ, **env} if env else None)
        tree = TreeMemory(child.pid)
        tree.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        tree.finish()
    child.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait for it again
    if child.returncode != 0:
        tail = (log_dir / f"{name}.err").read_text(errors="replace").strip().splitlines()[-1:]
        return Measurement(name, None, None, f"exit {child.returncode}: {' '.join(tail)[:200]}", load)
    peak = usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux
    return Measurement(name, wall, peak, load=load, tree_rss_mb=max(peak, tree.peak_mb),
                       tree_pss_mb=tree.peak_pss_mb or None)


class TreeMemory(threading.Thread):
    """Samples the summed RSS and PSS of a process and its descendants every 50 ms; ``peak_mb``
    and ``peak_pss_mb`` are the largest sums."""

    PAGE = os.sysconf("SC_PAGE_SIZE")

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_mb = self.peak_pss_mb = 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.05):
            tree = self._tree()
            self.peak_mb = max(self.peak_mb, sum(map(self._rss, tree)) / 2**20)
            self.peak_pss_mb = max(self.peak_pss_mb, sum(map(self._pss, tree)) / 2**20)

    def finish(self) -> None:
        self._done.set()
        self.join()

    def _tree(self) -> list[int]:
        pids, index = [self.pid], 0
        while index < len(pids):
            for tasks in Path(f"/proc/{pids[index]}/task").glob("*/children"):
                try:
                    pids += [int(pid) for pid in tasks.read_text().split()]
                except OSError:
                    pass  # the process or thread ended meanwhile
            index += 1
        return pids

    def _rss(self, pid: int) -> int:
        try:
            return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * self.PAGE
        except (OSError, IndexError, ValueError):
            return 0

    def _pss(self, pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024  # in kB
        except (OSError, IndexError, ValueError):
            pass
        return 0


def available(command: str) -> bool:
    """Whether ``corpus-tools COMMAND`` exists yet (the commands land on other branches)."""
    probe = subprocess.run([CORPUS_TOOLS, command, "--help"], capture_output=True)
    return probe.returncode == 0


# Environment settings (a) is measured under again, by name: process-wide choices the package
# leaves to its user (README, "Benchmarks"). Measured at 50,000 tasks on 2026-12-05 (bench/README.md,
# "The eighteenth stop"): the release's tree PSS 221 MB with ``system``, 194 with ``lean`` (at some
# 15% more time), 214 with ``mimalloc-lean``, 257 to 280 under the default.
_SYSTEM = {"ARROW_DEFAULT_MEMORY_POOL": "system"}
SETTINGS = {
    "system": _SYSTEM,
    "lean": {**_SYSTEM, "MALLOC_MMAP_THRESHOLD_": "131072"},  # system, and glibc's threshold fixed
    "mimalloc-lean": {"MIMALLOC_ARENA_EAGER_COMMIT": "0", "MIMALLOC_PURGE_DELAY": "0"},
}


def setting(name: str) -> dict[str, str]:
    """The environment of the setting ``name``: one of ``SETTINGS``, or else an Arrow memory pool."""
    return SETTINGS.get(name, {"ARROW_DEFAULT_MEMORY_POOL": name})


def pipeline(export: Path, corpus: Path, log_dir: Path, name: str = "a",
             env: dict[str, str] | None = None) -> list[Measurement]:
    """Measurement (a) (under ``name``, with ``env``), step by step, on a corpus root reset to raw/
    and the registry."""
    missing = [step for step in PIPELINE if not available(PIPELINE[step][1])]
    if missing:
        return [Measurement(name, None, None, f"not available yet: corpus-tools {', '.join(missing)}")]
    for produced in (corpus / "annotations" / "exports", corpus / "dist", corpus / "build"):
        shutil.rmtree(produced, ignore_errors=True)
    # the disk work of deleting an earlier run's outputs (hundreds of MB) is not (a)'s to pay
    os.sync()
    steps = []
    for step, argv in PIPELINE.items():
        argv = [str(export) if arg == "EXPORT" else arg for arg in argv]
        steps.append(measure(f"{name}.{step}", argv, corpus, log_dir, env))
        if not steps[-1].ok:
            return [Measurement(name, None, None, f"{step} failed: {steps[-1].note}"), *steps]
    total = Measurement(name, sum(s.wall_s for s in steps), max(s.peak_rss_mb for s in steps), load=steps[0].load,
                        tree_rss_mb=max(s.tree_rss_mb for s in steps),
                        tree_pss_mb=max((s.tree_pss_mb for s in steps if s.tree_pss_mb is not None), default=None))
    return [total, *steps]


def python_module(module: str, *args: Path) -> list[str]:
    return [sys.executable, "-m", module, *map(str, args)]


def generate(tasks: int, seed: int, out: Path) -> tuple[Path, Path, Measurement]:
    """The export and its corpus root; reused when both are there (generation is deterministic).
    An export without its corpus root (e.g. a copy of the file alone) is generated again with it."""
    export = out / f"export-{tasks}-seed{seed}.json"
    corpus = out / f"corpus-{tasks}-seed{seed}"
    if export.exists() and (corpus / "raw").is_dir():
        return export, corpus, Measurement("generate", None, None, "reused")
    shutil.rmtree(corpus, ignore_errors=True)
    export.unlink(missing_ok=True)  # written anew, never through a link to another copy
    argv = python_module("bench.generate", Path("--tasks"), Path(str(tasks)), Path("--seed"), Path(str(seed)),
                         Path("--out"), export, Path("--corpus"), corpus)
    result = measure("generate", argv, Path.cwd(), out / f"logs-{tasks}")
    if not result.ok:
        raise SystemExit(f"bench: generating the export failed: {result.note}")
    return export, corpus, result


def machine() -> dict[str, str]:
    memory = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {"nproc": str(os.cpu_count()), "memory": memory.split(":")[1].strip(),
            "python": platform.python_version(), "platform": platform.platform(),
            "load": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def ratio(top: Measurement | None, bottom: Measurement | None, field: str) -> str:
    if not (top and bottom and top.ok and bottom.ok) or None in (getattr(top, field), getattr(bottom, field)):
        return "n/a"
    return f"{getattr(top, field) / getattr(bottom, field):.2f}"


def table(tasks: int, megabytes: float, results: list[Measurement]) -> str:
    width = max([17, *(len(m.name) for m in results)])  # a-mimalloc-lean.release is 23
    rows = [f"{'measurement':<{width}} {'tasks':>7} {'MB':>8} {'wall s':>9} {'peak RSS MB':>12} {'tree RSS MB':>12} "
            f"{'tree PSS MB':>12} {'load':>6}  note"]
    for m in results:
        wall = f"{m.wall_s:.1f}" if m.ok else "-"
        rss = f"{m.peak_rss_mb:.0f}" if m.ok else "-"
        tree = f"{m.tree_rss_mb:.0f}" if m.ok and m.tree_rss_mb is not None else "-"
        pss = f"{m.tree_pss_mb:.0f}" if m.ok and m.tree_pss_mb is not None else "-"
        rows.append(f"{m.name:<{width}} {tasks:>7} {megabytes:>8.1f} {wall:>9} {rss:>12} {tree:>12} {pss:>12} "
                    f"{m.load:>6}  {m.note}")
    by_name = {m.name: m for m in results}
    for top, bottom in _ratios(results):
        a, other = by_name[top], by_name.get(bottom)
        rows.append(f"{top}/{bottom}: wall {ratio(a, other, 'wall_s')}, peak RSS {ratio(a, other, 'peak_rss_mb')}, "
                    f"tree RSS {ratio(a, other, 'tree_rss_mb')}")
    return "\n".join(rows)


def _ratios(results: list[Measurement]) -> list[tuple[str, str]]:
    """(a, b) and (a, c) for (a) and each of its variants under another setting."""
    tops = [m.name for m in results if m.name == "a" or (m.name.startswith("a-") and "." not in m.name)]
    return [(top, bottom) for top in tops for bottom in "bc"]


DROP_CACHES = Path("/proc/sys/vm/drop_caches")


def drop_page_cache(export: Path, control: Path = DROP_CACHES) -> None:
    """Drop the page cache (see the module docstring), then read ``export`` back in: the tools
    are measured on their libraries as read from disk, not on the export's first read."""
    os.sync()
    try:
        control.write_text("3\n")
    except OSError as error:
        raise SystemExit(f"bench: --drop-caches needs root ({control}: {error.strerror})") from None
    with open(export, "rb") as handle:
        while handle.read(1 << 24):
            pass


def run(tasks: int, seed: int, out: Path, keep: bool, only: str, pairs: int = 3,
        settings: tuple[str, ...] = ("system", "lean"), drop_caches: bool = False) -> str:
    out.mkdir(parents=True, exist_ok=True)
    export, corpus, generated = generate(tasks, seed, out)
    if drop_caches:
        drop_page_cache(export)
    megabytes = export.stat().st_size / 1e6
    before = machine()
    logs = out / f"logs-{tasks}"
    conll, parquet = out / f"conll-{tasks}", out / f"floor-{tasks}.parquet"
    rounds: list[list[Measurement]] = []
    for _ in range(pairs):
        results: list[Measurement] = []
        if "a" in only:
            results += pipeline(export, corpus, logs)
            for name in settings:
                results += pipeline(export, corpus, logs, f"a-{name}", setting(name))
        if "b" in only:
            results.append(measure("b", python_module("bench.converter", export, conll), Path.cwd(), logs))
        if "c" in only:
            results.append(measure("c", python_module("bench.floor", export, parquet), Path.cwd(), logs))
        rounds.append(results)
    path = out / f"results-{tasks}.json"
    record = {"tasks": tasks, "seed": seed, "megabytes": round(megabytes, 1), "machine_before": before,
              "dropped_caches": drop_caches,
              "load_after": machine()["load"], "generated": asdict(generated),
              "rounds": [[asdict(m) for m in results] for results in rounds]}
    report = "\n\n".join(f"round {number}:\n{table(tasks, megabytes, results)}"
                         for number, results in enumerate(rounds, start=1))
    path.write_text(json.dumps(record, indent=2) + "\n")
    if not keep:
        for produced in (export, corpus, conll, parquet):
            shutil.rmtree(produced, ignore_errors=True) if produced.is_dir() else produced.unlink(missing_ok=True)
    return f"machine: {before}\n{report}\n\n{medians(rounds)}"


def medians(rounds: list[list[Measurement]]) -> str:
    """The median of each measurement over the rounds, and of the ratios taken within each round."""
    from statistics import median

    names = [m.name for m in rounds[0]]
    width = max([16, *map(len, names)])
    lines = [f"medians over {len(rounds)} round(s):"]
    for name in names:
        found = [m for results in rounds for m in results if m.name == name and m.ok]
        if found:
            pss = [m.tree_pss_mb for m in found if m.tree_pss_mb is not None]
            lines.append(f"  {name:<{width}} wall {median(m.wall_s for m in found):7.1f} s, tree RSS "
                         f"{median(m.tree_rss_mb for m in found):6.0f} MB"
                         + (f", tree PSS {median(pss):6.0f} MB" if pss else ""))
    for top, bottom in _ratios(rounds[0]):
        values = []
        for results in rounds:
            by_name = {m.name: m for m in results}
            value = ratio(by_name.get(top), by_name.get(bottom), "wall_s")
            if value != "n/a":
                values.append(float(value))
        if values:
            rounds_text = ", ".join(f"{v:.2f}" for v in values)
            lines.append(f"  {top}/{bottom} wall: median {median(values):.2f} (rounds: {rounds_text})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks in the generated export (default 10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="working directory (default bench/out)")
    parser.add_argument("--keep", action="store_true", help="keep the export, corpus and outputs")
    parser.add_argument("--only", default="abc", help="which measurements, e.g. 'bc' (default abc)")
    parser.add_argument("--pairs", type=int, default=3, help="rounds of a, a-<setting>, b, c (default 3)")
    parser.add_argument("--settings", default="system,lean",
                        help=f"measure (a) again under each of these environment settings ({', '.join(SETTINGS)}, "
                             "or an Arrow memory pool's name), comma-separated, as a-<setting>; '' for none "
                             "(default: system,lean)")
    parser.add_argument("--drop-caches", action="store_true",
                        help="drop the page cache once before the rounds (root; see above)")
    args = parser.parse_args(argv)
    settings = tuple(name for name in args.settings.split(",") if name)
    print(run(args.tasks, args.seed, args.out.resolve(), args.keep, args.only, args.pairs, settings, args.drop_caches))


if __name__ == "__main__":
    main()
