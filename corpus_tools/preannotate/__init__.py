"""Pre-annotation: predictions for documents, sent to Label Studio so annotators correct
instead of starting from nothing (docs/preannotation.md).

Three layers, each a module of written rules: entities (the registry as a gazetteer, plus an
optional NER model: ``entities``, ``ner``), time expressions (``timexes``), quotes (``quotes``).
``run`` puts them together per document; ``evaluate`` scores them against the gold
leave-one-document-out; ``acceptance`` counts what annotators accepted unchanged.
"""

import functools

from corpus_tools.fingerprint import import_digest

MODEL_NAME = "corpus_tools-preannotate"
# the module whose PreAnnotator makes every prediction (preannotate, push --predictions, evaluate)
PREDICTING_MODULE = f"{__name__}.run"


@functools.cache
def rules_version() -> str:
    """The version of the rules in a prediction's model_version: the first 12 hex digits of the
    digest of the code predictions are made by, the package's modules that importing
    ``PREDICTING_MODULE`` runs (``fingerprint.import_closure``: the rules here, and what they use
    from elsewhere, such as ``timex.MONTH_NAMES`` and normalization's ``clean_line``). A change
    anywhere in that code gives a new version without anyone remembering to bump a number, so
    predictions made before and after it are told apart (in acceptance counts, in Label Studio);
    a change to a module it does not import (``evaluate``, ``acceptance``, the release, the CLI)
    keeps the version."""
    return import_digest(PREDICTING_MODULE)[:12]
