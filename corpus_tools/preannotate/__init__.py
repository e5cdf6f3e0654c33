"""Pre-annotation: predictions for documents, sent to Label Studio so annotators correct
instead of starting from nothing (docs/preannotation.md).

Three layers, each a module of written rules: entities (the registry as a gazetteer, plus an
optional NER model: ``entities``, ``ner``), time expressions (``timexes``), quotes (``quotes``).
``run`` puts them together per document; ``evaluate`` scores them against the gold
leave-one-document-out; ``acceptance`` counts what annotators accepted unchanged.
"""

MODEL_NAME = "corpus_tools-preannotate"
PREANNOTATOR_VERSION = "1.0"
