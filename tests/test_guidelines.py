"""The rules independent annotators read quote no gold decision of the corpus articles; the
record of those decisions says it is not for them."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"
RAW = Path(__file__).resolve().parent.parent / "raw"


def test_the_rules_quote_no_corpus_article():
    rules = (DOCS / "annotation-guidelines.md").read_text(encoding="utf-8")
    assert "must not read" in rules and "gold-decisions.md" in rules
    for name in ("Assad", "Blinken", "Syria", "Damascus", "Tice", "Arab League", "Caesar Act", "State Department"):
        assert name not in rules, name
    assert not re.search(r"\b00[0-4]\b", rules)  # no article abbreviations (000..004)
    # no sentence of five or more words from any raw article
    for path in RAW.glob("*.txt"):
        words = re.findall(r"\w+", path.read_text(encoding="utf-8"))
        for i in range(len(words) - 5):
            assert " ".join(words[i:i + 6]) not in " ".join(re.findall(r"\w+", rules)), (path.name, words[i:i + 6])


def test_the_gold_record_says_it_is_an_answer_key():
    gold = (DOCS / "gold-decisions.md").read_text(encoding="utf-8")
    assert gold.startswith("# Gold decisions of round 1") and "NOT for independent annotators" in gold
    assert "annotation-guidelines.md" in gold and "| all | 66 | 64 | 30 | 148 |" in gold
