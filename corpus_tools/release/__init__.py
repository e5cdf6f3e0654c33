"""Releases: versioned, checksummed parquet configs with a dataset card and Croissant metadata.

``build_release`` builds ``dist/<version>/`` from records (pure over its inputs);
``release`` gathers the records of a corpus checkout, validates them and builds;
``verify_release`` checks a release directory against its SHA256SUMS; ``diff_releases`` says
what changed between two releases.
"""

from corpus_tools.release.arrow_schemas import CONFIGS, FEATURES, NER_TAGS, arrow_schema, features
from corpus_tools.release.build import ReleaseResult, ShardSizes, build_release, check_version
from corpus_tools.release.checksums import verify_release
from corpus_tools.release.diff import diff_releases
from corpus_tools.release.inputs import release

__all__ = [
    "CONFIGS", "FEATURES", "NER_TAGS", "ReleaseResult", "ShardSizes", "arrow_schema", "build_release",
    "check_version", "diff_releases", "features", "release", "verify_release",
]
