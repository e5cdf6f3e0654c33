"""Pre-annotation: predictions for documents, sent to Label Studio so annotators correct
instead of starting from nothing (docs/preannotation.md).

Three layers, each a module of written rules: entities (the registry as a gazetteer, plus an
optional NER model: ``entities``, ``ner``), time expressions (``timexes``), quotes (``quotes``).
``run`` puts them together per document; ``evaluate`` scores them against the gold
leave-one-document-out; ``acceptance`` counts what annotators accepted unchanged.
"""

import functools
from pathlib import Path

from corpus_tools.fingerprint import tree_digest

MODEL_NAME = "corpus_tools-preannotate"


@functools.cache
def rules_version() -> str:
    """The version of the rules in a prediction's model_version: the first 12 hex digits of the
    digest of this package's files. A rule changed anywhere in it gives a new version without
    anyone remembering to bump a number, so predictions made before and after the change are told
    apart (in acceptance counts, in Label Studio); a change outside it (normalization, the CLI)
    keeps the version."""
    return tree_digest(Path(__file__).resolve().parent)[:12]
