"""SHA256SUMS of a release, and verification of a release directory against it.

SHA256SUMS is in ``sha256sum`` format (``<hex>  <path>``, paths relative to the release root,
sorted) and lists every file of the release but itself, so ``sha256sum -c SHA256SUMS`` works
too. Nothing inside a release can vouch for SHA256SUMS itself, so a mismatch names both the
file and SHA256SUMS; parquet files are also cross-checked against croissant.json's sha256,
which tells which of the two changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from corpus_tools.errors import CorpusError, Location, Problem, Report

SUMS_FILE = "SHA256SUMS"
_LINE = re.compile(r"([0-9a-f]{64})  (\S.*)")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def release_files(root: Path) -> list[str]:
    """Every file under root except SHA256SUMS, as sorted posix paths relative to root."""
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and path.relative_to(root).as_posix() != SUMS_FILE
    )


def sums_text(root: Path) -> str:
    return "".join(f"{sha256_file(root / name)}  {name}\n" for name in release_files(root))


def read_sums(root: Path) -> tuple[dict[str, str], list[Problem]]:
    sums_path = root / SUMS_FILE
    if not sums_path.is_file():
        return {}, [Problem("sums-missing", f"{SUMS_FILE} is missing", Location(file=str(sums_path)))]
    listed, problems = {}, []
    try:
        lines = sums_path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        return {}, [Problem("sums-malformed", f"not UTF-8: {error}", Location(file=str(sums_path)))]
    for number, line in enumerate(lines, start=1):
        match = _LINE.fullmatch(line)
        if match is None:
            problems.append(Problem("sums-malformed", f"line is not '<sha256>  <path>': {line[:80]!r}",
                                    Location(file=str(sums_path), line=number)))
            continue
        listed[match.group(2)] = match.group(1)
    return listed, problems


def _croissant_hashes(root: Path) -> dict[str, str]:
    try:
        metadata = json.loads((root / "croissant.json").read_text(encoding="utf-8"))
        return {item["contentUrl"]: item["sha256"] for item in metadata.get("distribution", ()) if "sha256" in item}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def verify_release(root: str | Path) -> Report:
    """Every file against SHA256SUMS: changed, missing and unlisted files are errors naming the file."""
    root = Path(root)
    if not root.is_dir():
        return Report.of([Problem("release-missing", "not a release directory", Location(file=str(root)))])
    listed, problems = read_sums(root)
    present = set(release_files(root))
    croissant = _croissant_hashes(root)
    for name in sorted(listed):
        path = root / name
        if name not in present:
            problems.append(Problem("file-missing", f"listed in {SUMS_FILE} but missing", Location(file=str(path))))
            continue
        actual = sha256_file(path)
        if actual != listed[name]:
            problems.append(Problem("checksum-mismatch", _mismatch(name, actual, listed[name], croissant),
                                    Location(file=str(path))))
    for name in sorted(present - set(listed)):
        problems.append(Problem("file-unlisted", f"not listed in {SUMS_FILE}", Location(file=str(root / name))))
    return Report.of(problems, {"files": len(present)})


def require_verified(root: str | Path) -> Path:
    """``root`` if every file matches SHA256SUMS; else ``release-tampered`` naming the first file at fault."""
    root = Path(root)
    report = verify_release(root)
    if not report.valid:
        first = report.errors[0]
        raise CorpusError("release-tampered", f"release {root.name} fails verification: {first.message}"
                          + (f" (and {len(report.errors) - 1} more)" if len(report.errors) > 1 else ""),
                          first.location)
    return root


def _mismatch(name: str, actual: str, listed: str, croissant: dict[str, str]) -> str:
    if croissant.get(name) == actual:
        return f"matches croissant.json but not {SUMS_FILE}: {SUMS_FILE} was changed"
    return f"sha256 is {actual[:12]}..., {SUMS_FILE} says {listed[:12]}...: {name} (or {SUMS_FILE}) was changed"
