"""A file that is not a Label Studio JSON export is named for what it is, with what to export instead."""

from __future__ import annotations

import gzip
import io
import json
import random
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus_tools.cli import cli
from corpus_tools.errors import CorpusError
from corpus_tools.ingest.formats import EXPORT_AS_JSON, not_an_export
from corpus_tools.ingest.reader import iter_tasks
from export_corpus import EXPORTS, corpus_root

VALID = (EXPORTS / "valid.json").read_bytes()
TASK = json.loads(VALID)[0]

# What Label Studio's Export dialog writes for a small text project, in each format.
LS_CSV = (b"annotation_id,annotator,created_at,doc_id,entity,id,lead_time,text,updated_at\n"
          b'101,1,2024-05-01T10:00:00.000000Z,doc-a,"[{""start"": 43, ""end"": 57, ""text"": ""Antony Blinken"", '
          b'""labels"": [""PERSON""]}]",1,42.5,"Blinken in Damascus\n\nUS Secretary of State",2024-05-01T10:00:00Z\n')
LS_TSV = LS_CSV.replace(b",", b"\t")
LS_CONLL = (b"-DOCSTART- -X- O\n\nBlinken -X- _ B-PERSON\nin -X- _ O\nDamascus -X- _ B-GPE\n\n"
            b"US -X- _ B-GPE\nSecretary -X- _ O\n")
JSON_MIN = json.dumps([{
    "text": TASK["data"]["text"], "doc_id": "doc-a", "id": 1,
    "entity": [{"start": 43, "end": 57, "text": "Antony Blinken", "labels": ["PERSON"]}],
    "annotator": 1, "annotation_id": 101, "created_at": "2024-05-01T10:00:00.000000Z",
    "updated_at": "2024-05-01T10:00:00.000000Z", "lead_time": 42.5}], indent=2).encode()


def zipped(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project-3-at-2024-05-01.json", data)
    return buffer.getvalue()


SAMPLES = {
    "ls.csv": (LS_CSV, "export-not-json", "a Label Studio CSV export (columns 'annotation_id', 'annotator'"),
    "ls.tsv": (LS_TSV, "export-not-json", "a Label Studio TSV export (columns 'annotation_id', 'annotator'"),
    "other.csv": (b"doc_id,start,end,label\ndoc-a,43,57,PERSON\n", "export-not-json",
                  "a CSV file (columns 'doc_id', 'start', 'end', 'label'), not a JSON export"),
    "ls.conll": (LS_CONLL, "export-not-json", "a CoNLL 2003 file (one token and its tag per line)"),
    "no-docstart.conll": (LS_CONLL.split(b"\n\n", 1)[1], "export-not-json", "a CoNLL 2003 file"),
    "export.zip": (zipped(VALID), "export-not-json", "a ZIP archive, not a JSON export: unzip it"),
    "export.json.gz": (gzip.compress(VALID, mtime=0), "export-not-json",
                       "a gzip-compressed file, not a JSON export: decompress it (gunzip)"),
    "min.json": (JSON_MIN, "export-not-tasks", "a Label Studio JSON_MIN export"),
    "report.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "export-not-json", "a PDF document"),
    "utf16.json": ("[{}]".encode("utf-16"), "export-not-json", "UTF-16 text"),
    # without a byte-order mark: little-endian was "not JSON between tasks: b'\\x00'", big-endian "a binary file"
    "utf16le.json": (VALID.decode().encode("utf-16-le"), "export-not-json", "UTF-16 text, not a JSON export: save it as UTF-8"),
    "utf16be.json": (VALID.decode().encode("utf-16-be"), "export-not-json", "UTF-16 text, not a JSON export: save it as UTF-8"),
    "utf16le-indented.json": (("\n  " + VALID.decode()).encode("utf-16-le"), "export-not-json", "UTF-16 text"),
    "utf32.json": (VALID.decode().encode("utf-32-le"), "export-not-json", "UTF-32 text, not a JSON export"),
    "zeros.bin": (bytes(5000), "export-not-json", "a binary file (not text)"),  # NULs alone are no UTF-16
    "noise.bin": (bytes(random.Random(7).randrange(256) for _ in range(5000)), "export-not-json",
                  "a binary file (not text)"),
    "notes.txt": (b"Annotations of round 1\nsee the server\n", "export-not-json",
                  "not JSON: the file starts with 'Annotations of round 1'"),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_format_is_named_with_what_to_export_instead(tmp_path: Path, name):
    data, code, said = SAMPLES[name]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CorpusError) as caught:
        list(iter_tasks(path))
    error = caught.value
    assert error.code == code and error.message.startswith(said), error.message
    assert error.location.file == str(path) and error.location.byte_offset == 0
    assert "JSON" in error.message and ("Export > JSON" in error.message or "UTF-8" in error.message)
    # never the bytes of a binary file: the message is plain printable text
    assert error.message.isprintable() and "\\x" not in error.message


def test_a_real_export_and_its_lookalikes_are_not_refused_at_the_start():
    assert not_an_export(VALID) is None
    assert not_an_export(b"  \n[" + VALID[1:]) is None
    assert not_an_export(b'[{"id": 1, "data": {"text": "a"}}]') is None  # no annotations: said per element later
    assert not_an_export(b'[{"id": 1, "annotator": 1, "annotations": []}]') is None
    assert not_an_export(VALID[:100]) is None  # the first task does not fit: decided when read


def test_validate_names_the_format_in_one_line(tmp_path: Path):
    path = tmp_path / "project-3.csv"
    path.write_bytes(LS_CSV)
    layout = corpus_root(tmp_path / "corpus")
    result = CliRunner().invoke(cli, ["validate", str(path), "--root", str(layout.root)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {path}, byte 0: [export-not-json] a Label Studio CSV export (columns "
                             "'annotation_id', 'annotator', 'created_at', 'doc_id', 'entity', 'id' and 3 more), "
                             "not a JSON export: CSV keeps no region ids or relations; " + EXPORT_AS_JSON + "\n")


def test_whitespace_is_empty_only_when_the_whole_file_is_whitespace():
    from corpus_tools.ingest.formats import HEAD_SIZE

    assert not_an_export(b" \n\t ") == ("export-not-json", "the file is empty (4 bytes of whitespace at most)")
    # a full head of whitespace says nothing of what follows it
    assert not_an_export(b" " * HEAD_SIZE) == (
        "export-not-json", f"its first {HEAD_SIZE} bytes are whitespace; a Label Studio export starts with '['")


def test_a_7zip_archive_is_named_before_json_is_looked_for():
    """It starts with '7', a start of a JSON number: it was called JSON, just not an array."""
    assert not_an_export(b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(40)) == (
        "export-not-json", "a 7-Zip archive, not a JSON export: extract it and give the .json file inside")
