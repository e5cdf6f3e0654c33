"""The optional NER model, for names the registry does not know.

spaCy is on the package index, but its trained English pipelines (``en_core_web_sm`` and
kin) are not: they are downloaded from GitHub releases, which this project's machines cannot
reach, and the copies re-uploaded to the index by third parties are not a source to depend on.
So no model is a dependency. When spaCy and a model named ``DEFAULT_MODEL`` (or the one asked
for) are importable, the pre-annotator uses it and names it in its ``model_version``; when not,
it skips this step and says so (``NerModel.note``), and the gazetteer alone pre-annotates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

DEFAULT_MODEL = "en_core_web_sm"

# a model as the pre-annotator calls it: a text to its (start, end, label) spans
NerFunction = Callable[[str], Iterable[tuple[int, int, str]]]


@dataclass(frozen=True, slots=True)
class NerModel:
    """A loaded model (``find`` maps a text to (start, end, label) spans), or why there is none."""

    name: str | None
    find: NerFunction | None
    note: str


def load_ner(model: str | None = DEFAULT_MODEL) -> NerModel:
    """The NER model ``model`` when it can be loaded offline; else an empty NerModel saying why."""
    if model is None:
        return NerModel(None, None, "NER model: not asked for; gazetteer only")
    try:
        import spacy
    except ImportError:
        return NerModel(None, None, f"NER model: skipped (spaCy is not installed, so {model} cannot be "
                        "used); gazetteer only")
    try:
        nlp = spacy.load(model, exclude=["lemmatizer"])
    except (OSError, ImportError) as error:
        return NerModel(None, None, f"NER model: skipped ({model} is not installed: spaCy's models are not on "
                        f"the package index; {type(error).__name__}); gazetteer only")
    version = nlp.meta.get("version", "?")

    def find(text: str) -> Iterable[tuple[int, int, str]]:
        return [(ent.start_char, ent.end_char, ent.label_) for ent in nlp(text).ents]

    return NerModel(f"{model}-{version}", find, f"NER model: {model} {version}")
