"""Lines that repeat across documents of one publisher are reported as template candidates
(a report for a person who writes rules; normalization itself never learns from the corpus)."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from click.testing import CliRunner

from corpus_tools.cli import cli
from corpus_tools.documents.normalize import normalize
from corpus_tools.documents.template import RepeatedLine, _LineTally, repeated_lines, report_lines
from corpus_tools.layout import Layout
from corpus_tools.records import Evidence
from export_corpus import make_document

TEMPLATE = "Follow the Levant Ledger on Mastodon for live updates from the region."
ARTICLES = {
    "ledger-1": f"Envoy meets ministers in Amman\n\nThe envoy met three ministers on Monday.\n\n{TEMPLATE}\n",
    "ledger-2": f"Aid convoys wait at the border\n\nConvoys waited for a week, officials said.\n\n{TEMPLATE}\n",
    "ledger-3": f"Sanctions review begins\n\nThe review began in January.\n\n{TEMPLATE}\n",
    "wire-1": f"Talks resume in Geneva\n\nTalks resumed on Friday.\n\n{TEMPLATE}\n",  # another publisher
}
PUBLISHERS = {"ledger-1": "The Levant Ledger", "ledger-2": "The Levant Ledger", "ledger-3": "The Levant Ledger",
              "wire-1": "Capitol Desk Wire"}


def documents():
    for doc_id, raw in ARTICLES.items():
        document = make_document(doc_id, normalize(raw).text)
        metadata = dataclasses.replace(document.metadata, publisher=PUBLISHERS[doc_id],
                                       publisher_evidence=Evidence("inferred", reasoning="invented for the test"))
        yield dataclasses.replace(document, metadata=metadata)


def test_a_line_in_three_documents_of_one_publisher_is_reported():
    assert repeated_lines(documents()) == [
        RepeatedLine("The Levant Ledger", TEMPLATE, ("ledger-1", "ledger-2", "ledger-3"))]
    assert repeated_lines(documents(), min_documents=4) == []  # the wire's copy is another source
    counted = []
    repeated_lines(documents(), on_progress=counted.append)
    assert counted == [1, 1, 1, 1]


def _published(doc_id, text, publisher):
    document = make_document(doc_id, text)
    if publisher is None:
        return document
    metadata = dataclasses.replace(document.metadata, publisher=publisher,
                                   publisher_evidence=Evidence("inferred", reasoning="invented for the test"))
    return dataclasses.replace(document, metadata=metadata)


SHARE, NEWSLETTER = "Share this article", "Sign up for our newsletter"
MIXED = [  # doc_id, text, publisher
    ("a1", f"Title one\n{SHARE}\n{NEWSLETTER}\n{SHARE}\nBody a1.\nOK", "Alpha Post"),  # SHARE twice: one document
    ("a2", f"Title two\n{NEWSLETTER}\n{SHARE}\nBody a2.\nOK", "Alpha Post"),
    ("b1", f"Title three\n{SHARE}\n{NEWSLETTER}\nBody b1.\nOK", "Beta Times"),
    ("a3", f"Title four\n{NEWSLETTER}\nBody a3.\nOK", "Alpha Post"),
    ("n1", f"Title five\n{SHARE}\nSyria\u0331\nOK", None),
    ("b2", f"Title six\n{SHARE}\nBody b2.", "Beta Times"),
    ("n2", f"Title seven\n{SHARE}\nSyria\u0331", None),
]


def _mixed():
    return (_published(*row) for row in MIXED)


def test_lines_are_grouped_by_publisher_and_ordered_by_spread_source_and_line():
    """The report as it was when every distinct line was held as text (recorded before lines
    were counted by digest)."""
    assert repeated_lines(_mixed(), min_documents=2) == [
        RepeatedLine("Alpha Post", NEWSLETTER, ("a1", "a2", "a3")),
        RepeatedLine(None, SHARE, ("n1", "n2")),
        RepeatedLine(None, "Syria\u0331", ("n1", "n2")),
        RepeatedLine("Alpha Post", SHARE, ("a1", "a2")),
        RepeatedLine("Beta Times", SHARE, ("b1", "b2")),
    ]
    assert repeated_lines(_mixed()) == [RepeatedLine("Alpha Post", NEWSLETTER, ("a1", "a2", "a3"))]


def test_a_threshold_below_one_document_lists_every_line_as_one_of_one_does():
    """A line's text was kept when its count reached the threshold exactly, which a count never
    does at 0: min_documents=0 listed no line, where every line is in 0 or more documents."""
    every = repeated_lines(_mixed(), min_documents=1)
    assert repeated_lines(_mixed(), min_documents=0) == every
    assert len(every) == 18 and every[0] == RepeatedLine("Alpha Post", NEWSLETTER, ("a1", "a2", "a3"))


def test_a_line_is_held_as_a_digest_and_its_text_only_once_it_is_reported():
    """Most lines are in one document: memory holds 16 bytes and a reference for each, not its text."""
    tally = _LineTally(min_documents=3)
    for source, line, doc_id in [("P", "once", "d1"), ("P", "twice", "d1"), ("P", "twice", "d2"), ("P", "thrice", "d1"),
                                 ("P", "thrice", "d2"), ("P", "thrice", "d3"), ("Q", "twice", "d3"),
                                 (None, "once", "d4"), ("None", "once", "d5")]:
        tally.add(source, line, doc_id)
    assert [len(key) for key in tally.first] == [16] * 6  # "once" of P, None and "None": three lines
    assert list(tally.first.values()) == ["d1", "d1", "d1", "d3", "d4", "d5"]
    assert sorted(tally.later.values()) == [["d2"], ["d2", "d3"]]
    assert list(tally.lines.values()) == [("P", "thrice")]
    assert tally.repeated() == [RepeatedLine("P", "thrice", ("d1", "d2", "d3"))]


def test_the_seeds_hold_no_template_line_that_the_rules_miss():
    from conftest import REPO

    result = CliRunner().invoke(cli, ["normalize", "--repeated-lines", "--min-documents", "2", "--root", str(REPO)])
    assert result.exit_code == 0
    assert result.output == "0 lines recur in 2 or more documents of one publisher\n"


def test_the_cli_lists_the_candidates(tmp_path):
    layout = Layout.at(tmp_path)
    layout.raw.mkdir()
    lines = []
    for doc_id, raw in ARTICLES.items():
        data = raw.encode()
        (layout.raw / f"{doc_id}.txt").write_bytes(data)
        evidence = {"kind": "inferred", "reasoning": "invented for the test"}
        lines.append(json.dumps({
            "doc_id": doc_id, "file": f"{doc_id}.txt", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
            "encoding": "utf-8", "title": raw.split("\n")[0], "publisher": PUBLISHERS[doc_id],
            "publisher_evidence": evidence, "publication_date": None, "publication_date_precision": None,
            "publication_date_evidence": {"kind": "none"}}))
    layout.manifest.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(cli, ["normalize", "--repeated-lines", "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output == (f"3 documents, The Levant Ledger: {TEMPLATE}\n"
                             "1 line recurs in 3 or more documents of one publisher: candidates for a written "
                             "rule (docs/normalization.md)\n")
    assert not layout.build.exists()  # a report: nothing written


def test_the_report_s_lines_come_from_the_library():
    """What the command prints of the repeated lines, for a script that calls repeated_lines; a
    line of the text is escaped (a terminal's escape in an article prints as text)."""
    found = [RepeatedLine(None, "Share this\x1b[2J", ("d1", "d2"))]
    assert report_lines(found, 2) == [
        "2 documents, (no publisher): Share this\\x1b[2J",
        "1 line recurs in 2 or more documents of one publisher: candidates for a written rule (docs/normalization.md)"]
    assert report_lines([], 3) == ["0 lines recur in 3 or more documents of one publisher"]
