"""The dataset card's YAML header and sections, checked field by field (the Hub's validator needs
the network), and the CHANGELOG and Croissant metadata that come with it."""

from __future__ import annotations

import dataclasses
import functools
import json
import re

import datasets
import mlcroissant as mlc
import pyarrow.parquet as pq
import pytest
import yaml
from datasets import Features

import corpus_tools
from conftest import REPO
from corpus_tools.errors import CorpusError
from corpus_tools.layout import Layout
from corpus_tools.records import Evidence
from corpus_tools.release import CONFIGS, ShardSizes, build, build_release, features
from corpus_tools.release.arrow_schemas import spec
from corpus_tools.release.card import CardInfo, card_body, card_header, size_category
from corpus_tools.release.card_fields import FIELD_DESCRIPTIONS, shortened
from corpus_tools.release.checksums import parse_sums, sha256_file
from corpus_tools.release.croissant import ANNOTATION_PROTOCOL, ENUMERATIONS, LIMITATIONS_POINTER, croissant_metadata
from corpus_tools.release.inputs import caveats
from corpus_tools.release.rights import ARTICLE_TEXT_COLUMNS, RIGHTS_STATEMENT, mit_license
from corpus_tools.release.splits import designated_split
from corpus_tools.release.stats import Stats
from corpus_tools.release.writer import Shard
from corpus_tools.version import __version__
from release_factories import seed_inputs, spread_inputs

SHARDS = ShardSizes(rows_per_shard=4, batch_rows=2, document_rows_per_shard=4, document_batch_rows=2)


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    documents, annotations, registry = spread_inputs(extra=6)
    return build_release(documents, annotations, registry, tmp_path_factory.mktemp("dist"), "1.0.0", sizes=SHARDS)


@pytest.fixture(scope="module")
def card(release):
    text = _read(release.path / "README.md")
    assert text.startswith("---\n")
    header, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(header), body


@pytest.fixture(scope="module")
def header(card):
    return card[0]


@pytest.fixture(scope="module")
def body(card):
    return card[1]


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """A release of spread_inputs() with the default card: no caveat, no invented article."""
    return build_release(*spread_inputs(), tmp_path_factory.mktemp("plain"), "1.0.0").path


def _read(path):
    return path.read_text(encoding="utf-8")


def _json(path):
    return json.loads(_read(path))


def _stats(documents, folds):
    stats = Stats()
    stats.rows["documents", "train"] = documents
    stats.folds.update(folds)
    return stats


def test_header_describes_the_dataset(header):
    assert {key: header[key] for key in ("pretty_name", "license", "license_name", "language", "license_link",
                                         "task_categories", "task_ids", "size_categories", "annotations_creators")} == {
        "pretty_name": "US–Syria Relations News Corpus (2021–2024)", "license": "other",
        # 1.1.9 and before: news-text-publisher-copyright, though the invented articles have no publisher
        "license_name": "unlicensed-article-texts-mit-annotations", "language": ["en"],
        # a file of the release that states both parts (1.1.8 and before: the MIT address, which covers the
        # annotations only)
        "license_link": "LICENSE.md",
        "task_categories": ["text-retrieval", "token-classification"],
        "task_ids": ["named-entity-recognition", "entity-linking-retrieval"], "size_categories": ["n<1K"],
        # the annotators are instances of one language model (docs/agreement.md), not experts
        "annotations_creators": ["machine-generated"]}
    # the invented articles (005 and 006 of release 1.1.4) are no news reporting and have no publisher
    assert header["license_details"].startswith(
        "The texts of the news articles are news reporting whose copyright stays with their publishers (named, "
        "where known, in the documents config); an invented article written for the project (the dataset card's Known Limitations "
        "names any) is not news and has no publisher. The article texts are included only so that the annotations "
        "can be read in context, for non-commercial research; this release grants no license to the article texts.")


def test_configs_declare_every_shard(header, release):
    assert [c["config_name"] for c in header["configs"]] == list(CONFIGS)
    assert [c.get("default", False) for c in header["configs"]] == [True] + [False] * (len(CONFIGS) - 1)
    declared = sorted(path for config in header["configs"] for files in config["data_files"]
                      for path in files["path"])
    on_disk = sorted(p.relative_to(release.path).as_posix() for p in release.path.rglob("*.parquet"))
    assert declared == on_disk
    documents = next(c for c in header["configs"] if c["config_name"] == "documents")
    assert [f["split"] for f in documents["data_files"]] == ["train", "validation", "test"]
    assert documents["data_files"][0]["path"] == ["data/documents/train-00000-of-00002.parquet",
                                                 "data/documents/train-00001-of-00002.parquet"]
    registry = next(c for c in header["configs"] if c["config_name"] == "entity_registry")
    assert [f["split"] for f in registry["data_files"]] == ["train"]


def test_dataset_info_features_and_split_sizes_match_the_data(header, release):
    assert [info["config_name"] for info in header["dataset_info"]] == list(CONFIGS)
    for info in header["dataset_info"]:
        config = info["config_name"]
        assert Features._from_yaml_list(info["features"]) == features(config)
        for split in info["splits"]:
            files = (release.path / "data" / config).glob(f"{split['name']}-*.parquet")
            assert split["num_examples"] == sum(pq.read_metadata(f).num_rows for f in files)
        assert info["download_size"] == sum(f.stat().st_size for f in (release.path / "data" / config).iterdir())
    entities = next(i for i in header["dataset_info"] if i["config_name"] == "entities")
    # 5 seeds (4 entities in one) + bulk-00001/2/4 in train; 11 documents in validation, 12 in test; 2 each
    assert {s["name"]: s["num_examples"] for s in entities["splits"]} == {"train": 10, "validation": 22, "test": 24}
    label = next(f for f in entities["features"] if f["name"] == "label")
    assert label["dtype"]["class_label"]["names"]["3"] == "GPE"


def test_body_has_standard_sections_computed_statistics_and_how_it_was_made(body):
    for heading in ("## Dataset Description", "## Dataset Summary", "## Supported Tasks", "## Languages",
                    "## Dataset Structure", "### Data Instances", "### Data Fields", "### Data Splits",
                    "## Dataset Creation", "### Annotations", "### Known Limitations", "### Out-of-Scope Uses",
                    "### Licensing Information", "### Citation Information", "### How to Report Errors",
                    "### Reproducing this Release"):
        assert f"\n{heading}\n" in body
    assert [phrase for phrase in (
        # 5 seeds + 20 synthetic + 6 bulk documents; the seed annotation has 4 entities, synthetic ones 2 each
        "31 documents", "56 entity mentions, 27 time expressions, 1 quote(s)", "| GPE | 54 |", "| PERSON | 1 |",
        "Of 1 quote(s), 1 have a source (1 with a speaker from the registry) and 1 a cue.",
        # not "a single annotation team" (to 1.1.7), of annotators who were instances of one language model
        "Every annotator worked from the same guidelines and registry, so the corpus's conventions",
        # a citer read the changelog's and datePublished's day as the day of publication (to 1.1.7)
        "So its date (CHANGELOG.md, croissant.json's datePublished, the citation's year) is the day of its latest "
        "annotation, not the day it was built or published.",
        "topically narrow (one bilateral relationship, 2021–2024) and small (31 documents)", "truncated",
        # a value inferred from the text is given too (release 1.1.4: 001's publisher, 000's date); the title has no
        # evidence
        "with a manifest (sha256, encoding, title, and the publisher and publication date, each with the evidence for "
        "it: stated in the text, inferred from it, or none, and then null).",
        "- `documents`: one row per document: normalized text, title, publisher and publication date (each with its "
        "evidence), normalizer version,", "With only 31 documents, named splits say little statistically",
        "26 documents have no publisher", "| Reuters | 5 |",
        # 1.1.8 said annotators labelled the texts in a Label Studio server (the second round wrote
        # worksheets submitted through its API), called the normalization "reversible" (the raw text
        # cannot be rebuilt from the normalized one), and named an issue tracker without an address
        "Annotators label the normalized texts as Label Studio annotations, in a Label Studio server's editor or as "
        "worksheets that `corpus-tools labelstudio annotate --worksheets` submits through its API",
        # 1.1.9: "to its bytes": raw offsets are code points of the decoded raw text
        "its offset map leads every span back to its place in the raw file's decoded text, in code points (what it "
        "removed, such as page furniture, is in the raw file alone: the raw text cannot be rebuilt from the normalized "
        "one).",
        "### How to Report Errors\n\nOpen an issue in the issue tracker of the repository you have this release from "
        "(the corpus has no public home yet, so this card can give no address). Name the release",
        "the headline, unless the page lost it (a scraped page's first line can be a photo caption); null when there "
        "is none") if phrase not in body] == []
    assert "reversible" not in body


def test_splits_and_folds_are_described_with_their_rule_and_counts(body):
    assert "declared** once at least 10 documents are designated to it" in body
    # the published split also depends on which splits are declared: a document moves once
    assert ("A document's fold and designated split are functions of its doc_id alone, so adding articles "
            "changes neither.") in body and "never moves" not in body
    assert "In this release: designated train: 8, validation: 11, test: 12; published train: 8, validation: 11, " \
           "test: 12." in body
    assert "bytes 8-15 of sha256(doc_id), as a big-endian integer, modulo 5" in body
    folds = body.split("Documents per fold in this release:")[1].split("\n\n")[1]
    assert folds.startswith("| fold | documents |\n|---|---|\n| 0 | ")  # a Markdown table: its separator row
    counts = [int(line.split("|")[2]) for line in folds.splitlines()[2:]]
    assert len(counts) == 5 and sum(counts) == 31


def test_every_config_has_an_example_and_every_field_a_description(body, release):
    instances = body.split("### Data Instances")[1].split("### Data Fields")[0]
    fields = body.split("### Data Fields")[1].split("### Data Splits")[0]
    assert list(FIELD_DESCRIPTIONS) == list(CONFIGS)
    for config in CONFIGS:
        shown = json.loads(instances.split(f"#### {config}\n")[1].split("```json\n")[1].split("\n```")[0])
        row = pq.read_table(sorted((release.path / "data" / config).glob("train-*.parquet"))[0]).to_pylist()[0]
        assert list(shown) == list(row)  # every column, in order
        key = "doc_id" if "doc_id" in row else "id"
        assert shown[key] == row[key]
        table = fields.split(f"#### {config}\n")[1]
        assert [name for name in spec(config) if f"| `{name}` |" not in table] == []
        assert list(FIELD_DESCRIPTIONS[config]) == list(spec(config)), config
    # the registry holds the invented articles' fictional entities too, and mentions link to them
    assert ("| `entity_id` | string | the entity of the `entity_registry` config the mention refers to: a "
            "real-world one, or a fictional one of an invented article (its description says so); null when not "
            "linked |") in fields
    # null for a speaker without a registry record or a generic one, as the guidelines say, not only when unknown
    assert ("| `speaker_id` | string | who spoke, as an entity of the `entity_registry` config (null when the speaker "
            "has no record there or is generic, e.g. \"analysts\", \"two officials familiar with the trip\", though "
            "the text may say who they are) |") in fields
    # curated names, not the names the texts use (release 1.1.4: 19 of 135 occur in no document)
    assert ("| `aliases` | list of string | names it goes by, as curated for the registry (its canonical name may be "
            "among them); not every one occurs in the texts |") in fields


# Data Instances shows a row with texts of over 160 characters and lists of over 8 items cut: no other
# test held the limits (a mutation of either failed none).
@pytest.mark.parametrize("value, shown", [
    pytest.param("x" * 160, "x" * 160, id="a-text-of-160-characters-whole"),
    pytest.param("x" * 161, "x" * 160 + "\u2026 (161 characters)", id="one-longer-cut"),
    pytest.param(list(range(8)), list(range(8)), id="a-list-of-8-items-whole"),
    pytest.param(tuple(range(9)), [*range(8), "\u2026 (9 items)"], id="nine-items-cut"),
    pytest.param({"a": ["x" * 161]}, {"a": ["x" * 160 + "\u2026 (161 characters)"]}, id="nested-in-a-struct"),
])
def test_an_example_row_shows_long_texts_and_lists_shortened(value, shown):
    assert shortened(value) == shown


def test_the_example_of_a_config_is_its_first_row_as_datasets_gives_it(tmp_path, monkeypatch):
    """Train's first row whenever train has rows: with 32 documents designated to validation
    after the five seeds, validation's group of 32 was written before train's and the card showed
    validation's first documents, entities, timexes, ner and kb rows as each config's first,
    and a build writing a document at a time showed train's."""
    validation = tuple(doc_id for doc_id in (f"v-{n:04d}" for n in range(2000))
                       if designated_split(doc_id) == "validation")[:32]

    def instances(out):
        built = build_release(*spread_inputs(ids=validation), tmp_path / out, "1.0.0")
        body = _read(built.path / "README.md")
        return body.split("### Data Instances")[1].split("### Data Fields")[0]

    grouped = instances("grouped")
    shown = grouped.split("#### documents\n")[1]
    assert shown.startswith("\nFrom `train`:") and '"doc_id": "000_cbeedfbee8440207"' in shown.split("####")[0]
    assert [line for line in grouped.splitlines() if line.startswith("From ")] == ["From `train`:"] * 7
    monkeypatch.setattr(build, "_GROUP_DOCUMENTS", 1)
    assert instances("one-by-one") == grouped


def test_the_citation_and_reproducing_this_release_name_what_build_info_json_records(body, release):
    """A release given another version than the package's (build_release's argument: 1.0.0, built
    here by corpus_tools 1.1.5 or later) was not built with corpus_tools of its own version: the
    citation's note said so, against build-info.json. build-info.json records Python and its Unicode
    database too (from 1.2.0), which normalization and the ner tokenizer read; the card of 1.2.0 said
    it recorded corpus_tools, pyarrow and datasets."""
    citation = body.split("### Citation Information\n\n")[1].split("\n\n###")[0]
    assert citation.startswith("```bibtex\n@misc{us_syria_news_corpus_1_0_0,\n")
    assert "  year = {2024}," in citation and "  version = {1.0.0}," in citation
    assert "issue tracker" in body.split("### How to Report Errors")[1]
    recorded = _json(release.path / "build-info.json")["built_with"]
    assert recorded["corpus-tools"] == __version__ != "1.0.0"
    note = f"  note = {{Release 1.0.0, built with corpus\\_tools {__version__}}}"
    assert note in body.split("### Citation Information\n\n")[1]
    croissant = _json(release.path / "croissant.json")
    assert note in croissant["citeAs"].splitlines()
    assert "built with corpus\\_tools 1.0.0" not in body + croissant["citeAs"]
    assert sorted(recorded) == ["corpus-tools", "datasets", "pyarrow", "python", "unicodedata"]
    reproducing = body.split("### Reproducing this Release\n\n")[1].split("\n\n")[0]
    assert [name for name in recorded if f"`{name}`, " not in reproducing] == []
    assert ("`build-info.json` records the versions that built the release: `corpus-tools`, the code that builds "
            "every file; `pyarrow`, the parquet writer (its version is in every file's created_by); ") in reproducing
    assert ("; `python`, the interpreter that ran the build; `unicodedata`, Python's Unicode database "
            "(unicodedata.unidata_version), which normalization's rules and the ner config's tokenizer read. "
            "`make release` in a checkout at the release's commit installs the recorded libraries (requirements.lock; "
            "no lock pins Python, so run it with the recorded one)") in reproducing
    assert "corpus_tools, pyarrow and datasets" not in body and "the library versions" not in body
    assert ("`build-info.json` (the versions that built the release: see Reproducing this Release)"
            in body.split("### Files\n\n")[1])


def test_licences_are_the_same_in_card_and_croissant(body, release):
    metadata = _json(release.path / "croissant.json")
    licensing = body.split("### Licensing Information")[1].split("###")[0]
    for item in metadata["distribution"]:
        config = item["@id"].split("/")[1] if "/" in item["@id"] else item["@id"].removeprefix("parquet-")
        names = [entry if isinstance(entry, str) else entry["name"] for entry in item["license"]]
        texts = ARTICLE_TEXT_COLUMNS[config]
        assert names == (["https://opensource.org/license/mit"]
                         + (["Article texts: no licence granted"] if texts else [])), item["@id"]
        assert f"| `{config}` | {', '.join(f'`{c}`' for c in texts) or 'none'} |" in licensing
    for config, columns in ARTICLE_TEXT_COLUMNS.items():
        assert set(columns) <= set(spec(config)), config
    # the statement the card's license_link names, linked beside croissant.json (until 1.2.0 croissant.json
    # gave only its two parts, and no reader of it found LICENSE.md)
    assert metadata["license"][0] == {"@type": "sc:CreativeWork", "name": "Licence statement (LICENSE.md)",
                                      "url": "LICENSE.md", "description": "Which columns are article text (no "
                                      "licence granted) and which are MIT, and the MIT License's text."}
    assert (release.path / metadata["license"][0]["url"]).is_file()
    assert metadata["license"][1] == "https://opensource.org/license/mit"
    # not "publishers' copyright" (1.1.8 and before): an invented article has no publisher
    assert metadata["license"][2]["name"] == "Article texts: no licence granted"
    assert "| config | article text (no licence granted) | MIT |" in licensing


def test_croissant_validates_offline_and_hashes_every_shard(release):
    path = release.path / "croissant.json"
    metadata = _json(path)
    files = {item["contentUrl"]: item["sha256"] for item in metadata["distribution"] if "sha256" in item}
    assert files == {p.relative_to(release.path).as_posix(): sha256_file(p) for p in release.path.rglob("*.parquet")}
    assert [rs["@id"] for rs in metadata["recordSet"]] == list(ENUMERATIONS) + list(CONFIGS)
    assert metadata["creator"] == {"@type": "sc:Organization", "name": "The corpus_tools project"}
    assert metadata["url"] == "README.md" and metadata["citeAs"].startswith("@misc{")
    dataset = mlc.Dataset(jsonld=path)  # raises ValidationError on any error
    assert (dataset.metadata.version, dataset.metadata.url) == ("1.0.0", "README.md")
    statement = dataset.metadata.license[0]  # the licence statement, as mlcroissant reads it
    assert (statement.name, statement.url) == ("Licence statement (LICENSE.md)", "LICENSE.md")
    assert not dataset.metadata.ctx.issues.warnings and not dataset.metadata.ctx.issues.errors


@pytest.fixture(scope="module")
def croissant(release):
    return mlc.Dataset(jsonld=release.path / "croissant.json")


@pytest.mark.parametrize("enumeration", list(ENUMERATIONS))
def test_label_enumerations_load_with_their_names(croissant, enumeration):
    records = list(croissant.records(enumeration))
    assert [(r[f"{enumeration}/id"], r[f"{enumeration}/name"]) for r in records] == list(
        enumerate(ENUMERATIONS[enumeration]))


def _plain(value):
    """An mlcroissant record as the parquet row: field ids to names, bytes to str."""
    if isinstance(value, dict):
        return {key.rsplit("/", 1)[-1]: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value


def _kb_from_croissant(record: dict) -> dict:
    """mlcroissant 1.1 reads a list of structs nested in another through its first item and puts it
    beside its parent (see corpus_tools.release.croissant): put it back."""
    row = _plain({key: value for key, value in record.items() if key.count("/") == 1})
    for parent, nested in (("entities", "normalized"), ("relations", "normalized"), ("events", "arguments")):
        beside = _plain(record.get(f"kb/{parent}/{nested}") or [])
        for item, first in zip(row[parent], beside):
            item[nested] = [first] if any(value is not None for value in first.values()) else []
    for event in row["events"]:
        event["trigger"] = _plain(record["kb/events/trigger"])
    return row


@pytest.mark.parametrize("config", CONFIGS)
def test_every_record_set_loads_through_mlcroissant_as_in_the_parquet(croissant, release, config):
    record = next(iter(croissant.records(config)))
    row = _kb_from_croissant(record) if config == "kb" else _plain(record)
    key = ("id",) if config in ("entity_registry", "ner", "kb") else ("doc_id",) if config == "documents" \
        else ("doc_id", "id")
    rows = [r for f in sorted((release.path / "data" / config).glob("*.parquet")) for r in pq.read_table(f).to_pylist()]
    (expected,) = [r for r in rows if all(r[k] == row[k] for k in key)]
    assert row == expected


def test_mlcroissant_gives_a_timex_s_value_in_kb_and_its_mod_in_timexes(tmp_path):
    """A time expression with a mod has two normalizations in kb (its TIMEX3 value, then its mod),
    of which mlcroissant 1.1 reads the first: the docs say so, and where the mod is read."""
    documents, annotations, registry = seed_inputs()
    first = sorted(documents)[0]
    sunday = annotations[first].timexes[0]
    annotations[first] = dataclasses.replace(annotations[first], timexes=(dataclasses.replace(sunday, mod="END"),))
    built = build_release(documents, annotations, registry, tmp_path, "1.0.0")
    dataset = mlc.Dataset(jsonld=built.path / "croissant.json")
    record = next(iter(dataset.records("kb")))
    kinds = [entity["kb/entities/type"] for entity in record["kb/entities"]]
    normalized = record["kb/entities/normalized"][kinds.index(b"DATE")]
    assert normalized == {"kb/entities/normalized/db_name": b"TIMEX3", "kb/entities/normalized/db_id": b"XXXX-WXX-7"}
    (timex,) = list(dataset.records("timexes"))
    assert (timex["timexes/value"], timex["timexes/mod"]) == (b"XXXX-WXX-7", b"END")


def test_changelog_entry(release):
    text = _read(release.path / "CHANGELOG.md")
    assert text == ("# Changelog\n\n## 1.0.0 (2024-05-02)\n\n- 31 documents, 56 entity mentions, "
                    "27 time expressions, 1 quote(s), 4 registry entities.\n- The first release.\n")


# Each row: annotations/card-caveats.md (None: a directory there) and its caveats, or the refusal's
# message and where it points. An empty bullet is no caveat; a directory is refused, not read as no
# caveats; a caveat goes into the card's Markdown and croissant.json as written, so a terminal's
# escape or a bidirectional override there would reach every reader (other lines are not read).
@pytest.mark.parametrize("content, notes, refusal", [
    pytest.param("# none\n", (), None, id="no-bullet"),
    pytest.param("- \n-   \n- One.\n", ("One.",), None, id="empty-bullets"),
    pytest.param(b"- caf\xe9\n", None, ("not UTF-8 (byte 5): the card's caveats are Markdown in UTF-8", "byte_offset",
                                          5), id="cp1252"),
    pytest.param("# a \x1b[31m heading\n- One.\n- Two \u202e owT.\n", None, ("the caveat holds the control "
                 "character '\\u202e': a card shows no escape, NUL or bidirectional override", "line", 3),
                 id="control-character"),
    pytest.param(None, None, ("not a file: the card's caveats are a Markdown file of '- ' lines", "line", None),
                 id="a-directory"),
])
def test_the_card_caveats_file(tmp_path, content, notes, refusal):
    path = tmp_path / "annotations" / "card-caveats.md"
    path.parent.mkdir()
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    if refusal is None:
        assert caveats(Layout.at(tmp_path)) == notes
        return
    with pytest.raises(CorpusError) as caught:
        caveats(Layout.at(tmp_path))
    message, field, value = refusal
    assert (caught.value.code, caught.value.message, getattr(caught.value.location, field)) == (
        "caveats-invalid", message, value)


def _does(organizations=""):
    """What one invented article does, said as one."""
    return (f"mixes fictional people{organizations} with real public figures, institutions and events, and gives "
            "invented statements to real speakers, so that it reads like news")


SEVEN = "2 invented articles (005_2cde5fe42a71d5e6, 006_13b7e5813f40efdc)"  # the corpus's two of seven

# Each row: the card's info and its documents (all in train) and folds, what the body says and does
# not say, the header's language_creators and the description after the summary. 1.1.0 to 1.1.5
# called every text found language "as published by English-language news outlets" naming people "as
# reported in published news", of a corpus two of whose articles were written for the project (1.1.6
# still called them news in its first line, Out-of-Scope Uses and Known Limitations; 1.1.7's
# Statistics gave 005's date as a publication date); with every text invented it called them news
# all the same; of one invented article it said "the 1 invented article (x) name ... so that they
# read like news". 1.1.x suggested cross-validation over five folds, of which fold 2 held no
# document (1.1.9 said "1 rounds" of one fold). No committed release has a homepage, so no other
# test reaches How to Report Errors' homepage branch (1.1.9 sent reports to "the issue tracker of" it).
# Without documents every fold is empty and nothing can be cross-validated: the fold table shows it,
# with no note naming the five empty folds.
BODIES = [
    pytest.param(CardInfo(invented=("005_2cde5fe42a71d5e6", "006_13b7e5813f40efdc")), 7, {}, [
        f"English (`en`), as published by English-language news outlets, but for the {SEVEN}: written for the project "
        "in the style of news, and published by no outlet.",
        f"English-language news articles on US–Syria relations, 2021–2024, and {SEVEN} written for the project, kept",
        "The news articles name public figures and officials as reported in published news. No private individuals' "
        f"data beyond what the articles published is added. The {SEVEN} mix fictional people and organizations with "
        "real public figures, institutions and events, and give invented statements to real speakers, so that they "
        "read like news: take nothing they say as a record of what anyone said.",
        "an article's framing is its publisher's (an invented article's, the project's).\n- Profiling individuals: "
        f"the news articles name public figures only as the news reported them; the {SEVEN} mix fictional people "
        "with real public figures, institutions and events, and give invented statements to real speakers, so that "
        "they read like news.",
        "captured from web pages (not always the publisher's own), which can be an excerpt, and can include page "
        f"furniture such as comment-form prompts (the {SEVEN} as written).\n",
        "have a publication date (an invented article's is the date its text states: no outlet published it)."],
        [], ["found", "other"], " Of its texts, 2 (005_2cde5fe42a71d5e6, 006_13b7e5813f40efdc) are invented articles "
        "written for the project, not news.", id="two-of-seven-invented"),
    pytest.param(CardInfo(), 7, {}, [
        "English (`en`), as published by English-language news outlets.\n",
        "Information\n\nThe texts name public figures and officials as reported in published news.",
        "only as the news reported them."],
        ["in the style of news", "fictional people and organizations, and real",
         "an invented article's, the project's"],
        ["found"], "", id="none-invented"),
    pytest.param(CardInfo(invented=("a_1", "b_2")), 2, {}, [
        "## Languages\n\nEnglish (`en`): every text (a_1, b_2) is an invented article, written for the project in the "
        "style of news and published by no outlet.\n",
        "### Source Data\n\nInvented articles written for the project in the style of English-language news on "
        "US–Syria relations (every text: a_1, b_2; no news article), kept byte for byte in the",
        "### Personal and Sensitive Information\n\nThe 2 invented articles (a_1, b_2) mix fictional people and "
        "organizations with real public figures, institutions and events, and give invented statements to real "
        "speakers, so that they read like news: take nothing they say as a record of what anyone said.\n",
        "- Profiling individuals: the texts are invented articles, which mix fictional people with real public "
        "figures, institutions and events, and give invented statements to real speakers, so that they read like "
        "news."], ["captured from web pages", "only as the news reported them"], ["other"],
        " Of its texts, 2 (a_1, b_2) are invented articles written for the project, not news.",
        id="two-of-two-invented"),
    pytest.param(CardInfo(invented=("a_1", "b_2")), 3, {}, [
        "English (`en`), as published by English-language news outlets, but for the 2 invented articles (a_1, b_2): "
        "written for the project in the style of news, and published by no outlet.\n",
        "individuals' data beyond what the articles published is added. The 2 invented articles (a_1, b_2) mix "
        "fictional people"], [], ["found", "other"],
        " Of its texts, 2 (a_1, b_2) are invented articles written for the project, not news.",
        id="two-of-three-invented"),
    pytest.param(CardInfo(invented=("a_1",)), 3, {}, [
        "- Profiling individuals: the news articles name public figures only as the news reported them; the 1 "
        f"invented article (a_1) {_does()}.",
        f"added. The 1 invented article (a_1) {_does(' and organizations')}: take nothing it says as a record of what "
        "anyone said.\n"], [], ["found", "other"],
        " Of its texts, 1 (a_1) is an invented article written for the project, not news.", id="one-of-three-invented"),
    pytest.param(CardInfo(invented=("a_1",)), 1, {}, [
        f"- Profiling individuals: the text is an invented article, which {_does()}.",
        f"Information\n\nThe 1 invented article (a_1) {_does(' and organizations')}: take nothing it says as a record "
        "of what anyone said.\n"], ["captured from web pages", "only as the news reported them"], ["other"],
        " Of its texts, 1 (a_1) is an invented article written for the project, not news.", id="one-of-one-invented"),
    pytest.param(CardInfo(), 7, {0: 3, 1: 2, 3: 1, 4: 1}, [
        "| 2 | 0 |\n| 3 | 1 |\n| 4 | 1 |\n\nFold 2 holds no document in this release: a cross-validation over the "
        "folds has 4 rounds, not 5."], [], ["found"], "", id="fold-2-empty"),
    pytest.param(CardInfo(), 7, {0: 3, 1: 2, 2: 1, 3: 1, 4: 1}, [], ["holds no document"], ["found"], "",
                 id="no-fold-empty"),
    pytest.param(CardInfo(), 7, {3: 7}, [
        "Folds 0, 1, 2 and 4 hold no document in this release: with one fold, no cross-validation over the folds is "
        "possible.", "use the data for inspection or demonstration.\n"], ["rounds"], ["found"], "",
        id="one-fold-with-documents"),
    pytest.param(CardInfo(), 7, {0: 6, 4: 1}, [
        "Folds 1, 2 and 3 hold no document in this release: a cross-validation over the folds has 2 rounds"], [],
        ["found"], "", id="two-folds-with-documents"),
    pytest.param(CardInfo(homepage="https://example.org/corpus"), 1, {0: 1}, [
        "### How to Report Errors\n\nReport it where https://example.org/corpus takes reports (its issue tracker or "
        "discussions). Name the release (`9.9.9`), the config"], ["no public home"], ["found"], "", id="a-homepage"),
    pytest.param(CardInfo(), 1, {0: 1}, ["no public home"], [], ["found"], "", id="no-homepage"),
    pytest.param(CardInfo(), 0, {}, ["| 4 | 0 |\n\nWith only 0 documents"], ["no document in this release"], ["found"],
                 "", id="no-documents-no-fold-called-empty"),
]


@pytest.mark.parametrize("info, documents, folds, said, unsaid, creators, description", BODIES)
def test_the_card_body_says(info, documents, folds, said, unsaid, creators, description):
    stats = _stats(documents, folds)
    body = card_body(info, "9.9.9", stats, ("train",), quality=None)
    assert [text for text in said if text not in body] == [] and [text for text in unsaid if text in body] == []
    assert card_header(info, stats, (), ("train",), {})["language_creators"] == creators
    assert info.description == CardInfo().summary + description and f"Release 9.9.9. {info.description}\n" in body
    # every text invented: the sections on the texts call none news
    if info.invented and len(info.invented) == documents:
        sections = {section.split("\n", 1)[0]: section for section in body.split("\n\n#")}
        said = " ".join(sections[name] for name in ("# Languages", "## Source Data",
                                                    "## Personal and Sensitive Information"))
        assert "news outlets" not in said and "published news" not in said and "news articles" not in said


@pytest.mark.parametrize("count, category", [
    (0, "n<1K"), (999, "n<1K"), (1_000, "1K<n<10K"), (9_999, "1K<n<10K"), (10_000, "10K<n<100K"),
    (100_000, "100K<n<1M"), (1_000_000, "1M<n<10M"), (9_999_999, "1M<n<10M"), (10_000_000, "10M<n<100M")])
def test_the_size_category_is_the_hubs_bucket_of_the_documents(count, category):
    assert size_category(count) == category


def test_croissant_describes_the_configs_it_is_given_files_of_and_no_other():
    shards = [Shard("documents", "train", "data/documents/train-00000-of-00001.parquet", 1, 10),
              Shard("entities", "test", "data/entities/test-00000-of-00001.parquet", 2, 20)]
    metadata = croissant_metadata(name="n", description="d", version="9.9.9", url="README.md", creator="c",
                                  cite_as="@misc{}", date_published=None, shards=shards,
                                  sha256={shard.path: "0" * 64 for shard in shards})
    assert [(item["@type"], item["@id"]) for item in metadata["distribution"]] == [
        ("cr:FileObject", "data/documents/train-00000-of-00001.parquet"),
        ("cr:FileObject", "data/entities/test-00000-of-00001.parquet"),
        ("cr:FileSet", "parquet-documents"), ("cr:FileSet", "parquet-entities")]
    assert [record["@id"] for record in metadata["recordSet"]] == list(ENUMERATIONS) + ["documents", "entities"]


def test_a_release_built_from_records_names_its_invented_articles(tmp_path, plain):
    """The card named the invented articles only when release(layout) gave them (from a scan of the
    manifest): build_release on records whose manifest records say invented called every text
    found language as published by news outlets, and its Known Limitations and croissant.json's
    rai:dataLimitations did not name them. The build names them from the documents it writes."""
    documents, annotations, registry = spread_inputs()
    invented = sorted(documents)[1::3]
    for doc_id in invented:
        document = documents[doc_id]
        documents[doc_id] = dataclasses.replace(document, metadata=dataclasses.replace(
            document.metadata, publisher=None,
            publisher_evidence=Evidence("none", reasoning="Invented article: written to test the card")))
    release = build_release(documents, annotations, registry, tmp_path, "1.0.0",
                            card=CardInfo(caveats=("One.",))).path
    card = _read(release / "README.md")
    named = ", ".join(invented)
    caveat = (f"{len(invented)} of the documents are invented articles written for the project, not news ({named}; "
              "their manifest evidence says so): leave them out of any use that needs real reporting.")
    assert f"- One.\n- {caveat}\n" in card
    assert f"as published by English-language news outlets, but for the {len(invented)} invented articles ({named}):" in card
    assert "language_creators:\n- found\n- other\n" in card
    metadata = _json(release / "croissant.json")
    assert metadata["rai:dataLimitations"] == ["One.", caveat]
    assert metadata["description"].endswith(f"Of its texts, {len(invented)} ({named}) are invented articles written "
                                            "for the project, not news.")
    # one invented: said of one
    documents = {**documents, **{doc_id: spread_inputs()[0][doc_id] for doc_id in invented[1:]}}
    one = _read(build_release(documents, annotations, registry, tmp_path / "one", "1.0.0").path / "README.md")
    assert (f"- 1 of the documents is an invented article written for the project, not news ({invented[0]}; their "
            "manifest evidence says so): leave it out of any use that needs real reporting.\n") in one
    # none invented: none named
    text = _read(plain / "README.md")
    assert "invented articles written" not in text and "language_creators:\n- found\nannotations" in text


def test_croissant_gives_the_corpus_caveats_and_a_protocol_that_names_what_annotators_work_from(tmp_path, plain):
    # annotators link to the registry (whose aliases can tell them what a gold linked) and tasks can carry
    # predictions: not "the guidelines and the text alone"
    assert ("Each annotator works alone, from the guidelines, the text and the entity registry they link to (tasks "
            "can carry the corpus's current annotations as predictions); their versions are compared per layer"
            ) in ANNOTATION_PROTOCOL
    assert "text alone" not in ANNOTATION_PROTOCOL
    # not "in a Label Studio server" (1.1.8): round 2's annotators wrote worksheets submitted through its API
    assert ANNOTATION_PROTOCOL.startswith(
        "Annotators label the normalized texts as Label Studio annotations (in its editor, or as worksheets that "
        "corpus-tools labelstudio annotate --worksheets submits through its API) following the project's annotation "
        "guidelines")
    # not "the card's Known Limitations are in rai:dataLimitations" (1.1.7): only the corpus's own caveats are
    assert LIMITATIONS_POINTER == (" The corpus's own caveats are in rai:dataLimitations; the dataset card's Known "
                                   "Limitations lists them with the others.")
    notes = ("The annotators were instances of one language model.", "2 of the documents are invented articles.")
    release = build_release(*spread_inputs(), tmp_path, "1.0.0", card=CardInfo(caveats=notes)).path
    assert _json(release / "croissant.json")["rai:dataLimitations"] == list(notes)
    assert all(f"- {note}\n" in _read(release / "README.md") for note in notes)
    mlc.Dataset(jsonld=release / "croissant.json")  # still valid Croissant
    assert "rai:dataLimitations" not in _json(plain / "croissant.json")


def test_the_card_names_the_configs_datasets_cannot_load_for_want_of_rows(tmp_path, body):
    """A config nobody annotated keeps one empty train file, which datasets refuses; the card said
    "`datasets` 3.0 ... to 5.x load every config" all the same."""
    documents, annotations, registry = seed_inputs()
    quoted = sorted(annotations)[0]  # the one document with a quote; the others are annotated with nothing found
    only = {doc_id: annotations[doc_id] for doc_id in (quoted,)}
    only[quoted] = dataclasses.replace(only[quoted], timexes=())
    built = build_release(documents, only, registry, tmp_path / "dist", "1.0.0").path
    text = _read(built / "README.md")
    assert ("pandas, polars and DuckDB read every config from the parquet files (label columns as integer ids). "
            "But in this release `timexes` has no rows yet, and `datasets` refuses a config whose only split has no "
            "rows, from the directory and from the parquet files alike (\"corresponds to no data\"); "
            "`corpus_tools.load` says so (`empty-split`), and `load_pandas` and the parquet readers give its columns "
            "without rows.\n") in text
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match="corresponds to no data"):
        datasets.load_dataset(str(built), "timexes", cache_dir=str(cache))
    assert datasets.load_dataset(str(built), "quotes", cache_dir=str(cache))["train"].num_rows == 1
    # every config of the module's release has rows: no such sentence
    assert "(label columns as integer ids).\n" in body and "no rows yet" not in body


def test_the_loading_examples_name_a_split_the_config_has(tmp_path, body):
    """Annotated only in validation and test, entities and ner have no train split: the card's
    examples (`entities["train"]`, `split="train"`) raised KeyError and ValueError."""
    documents, annotations, registry = spread_inputs()
    annotated = {doc_id: ann for doc_id, ann in annotations.items() if doc_id.startswith("synthetic-")}
    built = build_release(documents, annotated, registry, tmp_path / "dist", "1.0.0").path
    text = _read(built / "README.md")
    blocks = text.split("### Loading\n\n```python\n")[1].split("```")
    plain, package = blocks[0], blocks[2].removeprefix("python\n")
    assert plain == ('import datasets\nentities = datasets.load_dataset("path/to/1.0.0", "entities")\n'
                     'entities["validation"].features["label"].names\n'
                     'ner = datasets.load_dataset("path/to/1.0.0", "ner", split="validation")\n'
                     'ner.features["ner_tags"].feature.names\n')
    assert 'corpus_tools.load("path/to/1.0.0", "entities", split="validation")\n' in package
    cache = str(tmp_path / "cache")
    run = {"load_dataset": functools.partial(datasets.load_dataset, cache_dir=cache),
           "load": functools.partial(corpus_tools.load, cache_dir=cache), "load_pandas": corpus_tools.load_pandas}
    for block in (plain, package):
        exec(block.replace('"path/to/1.0.0"', repr(str(built))).replace("datasets.load_dataset(", "load_dataset(")
             .replace("corpus_tools.load(", "load(").replace("corpus_tools.load_pandas(", "load_pandas("), run)
    assert run["entities"]["validation"].num_rows == 20 and run["ner"].num_rows == 20
    # train has rows in the module's release: the examples name it
    assert 'entities["train"].features["label"].names\n' in body and 'split="train")\n' in body


def test_a_release_built_from_records_names_the_documents_nobody_annotated(tmp_path):
    """build_release takes a document without an annotation for one nobody annotated and writes its
    documents row only; only `corpus-tools release` (release.inputs) told the card so."""
    documents, annotations, registry = seed_inputs()
    ids = sorted(documents)
    built = build_release(documents, {doc_id: annotations[doc_id] for doc_id in ids[:3]}, registry,
                          tmp_path / "dist", "1.0.0").path
    note = (f"2 documents of 5 have no annotation yet ({ids[3]}, {ids[4]}): in the documents config only, with no "
            "rows in entities, timexes, quotes, ner or kb, which would say the text names nothing.")
    limitations = _read(built / "README.md").split("### Known Limitations\n\n")[1]
    assert limitations.startswith(f"- {note}\n")
    assert _json(built / "croissant.json")["rai:dataLimitations"] == [note]


def test_the_release_states_its_licence_in_the_license_md_its_card_links(release, header, body):
    """1.1.8 and before linked `license: other` to the MIT licence's address, which covers the
    annotations only, and named the article texts' terms "publishers' copyright", which an
    invented article has none of."""
    text = _read(release.path / header["license_link"])
    listed, _ = parse_sums((release.path / "SHA256SUMS").read_bytes(), "SHA256SUMS")
    assert "LICENSE.md" in listed
    assert text.startswith(f"# Licence of US–Syria Relations News Corpus (2021–2024)\n\n{RIGHTS_STATEMENT}\n\n")
    assert "| `documents` | `title`, `text`, `publisher_evidence`, `publication_date_evidence` | all other columns |" in text
    assert "| `entity_registry` | none | all |" in text
    # the year is the release's date's (its CHANGELOG.md heading)
    year = re.search(r"## 1\.0\.0 \((\d{4})-", _read(release.path / "CHANGELOG.md"))[1]
    assert ("The project's part is released under the MIT License:\n\n## MIT License\n\nCopyright (c) "
            f"{year} The corpus_tools project\n\nPermission is hereby granted, free of charge, to any person") in text
    assert text.endswith("ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN "
                         "THE SOFTWARE.\n")
    assert "`LICENSE.md` (the licence statement)" in body and "LICENSE.md (the card's `license_link`)" in body
    # the package's own licence is the same MIT text (pyproject.toml: license = "MIT")
    assert _read(REPO / "LICENSE") == mit_license("2026", CardInfo().creator)
    assert mit_license(None, "X").startswith("MIT License\n\nCopyright (c) X\n\nPermission")


def test_the_caveat_on_the_registrys_aliases_is_true_of_the_gold():
    """1.1.9's first caveat says the registry lists as aliases the surface forms round 1's gold
    linked (docs/agreement.md); no test held the caveat to that, or to the data."""
    notes = caveats(Layout(REPO))
    assert len(notes) == 3 and notes[1].startswith("The two invented articles (005_2cde5fe42a71d5e6, "
                                                   "006_13b7e5813f40efdc) give invented statements to real speakers")
    assert notes[2].startswith('The title of 000_cbeedfbee8440207, "Bashar Al-Assad", is the first line of its raw file')
    assert notes[0].startswith(
        "The agreement figures come from round 2 (docs/agreement.md), whose three annotators were instances of one "
        "language model") and ("and the entity registry every annotator linked to lists as aliases the surface forms "
                               "that gold linked") in notes[0]
    registry = {record["id"]: record
                for record in map(json.loads, _read(REPO / "annotations" / "entity-registry.jsonl").splitlines())}
    linked = {(region["text"], region["entity_id"])
              for path in sorted((REPO / "annotations" / "worksheets" / "round-1").glob("*.yaml"))
              for region in yaml.safe_load(_read(path))["regions"]
              if region["layer"] == "entity" and region.get("entity_id")}
    assert len(linked) == 71
    assert [(text, entity) for text, entity in sorted(linked)
            if text not in (registry[entity]["name"], *registry[entity]["aliases"])] == []
