"""Every problem code, in one catalogue.

A code is stable public interface: reports (``--json``), exclusion lists and scripts match on
it. A ``Problem`` or ``CorpusError`` can only be made with a code listed here (so a typo or a
new synonym fails at once), and a problem's severity is the one its code has here, nowhere
else. docs/validation.md documents every code; tests/test_codes.py holds the two together.

Stages say where a code arises: ``raw`` (raw/ and its manifest), ``documents`` (normalization and
offset maps), ``export`` (a file that is no Label Studio export at all), ``validation`` (a
task, annotation, region or relation of an export), ``ingest`` (the store of exports),
``annotations`` (the annotation set, the entity registry, lint acceptances), ``release`` (building,
verifying and loading releases), ``labelstudio`` (the server and the sync with it), ``cli``.

Severity: ``error`` makes a report invalid (and is what a ``CorpusError`` is); ``warning`` and
``info`` do not.
"""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("error", "warning", "info")
STAGES = ("raw", "documents", "export", "validation", "ingest", "annotations", "release", "labelstudio", "cli")


@dataclass(frozen=True, slots=True)
class Code:
    name: str
    severity: str
    stage: str
    summary: str


def _table(stage: str, text: str) -> dict[str, Code]:
    """``code  severity  summary`` lines (two or more spaces apart) of one stage."""
    codes = {}
    for line in text.strip().splitlines():
        name, severity, summary = (part.strip() for part in line.strip().split("  ", 2))
        assert severity in SEVERITIES and stage in STAGES, line
        codes[name] = Code(name, severity, stage, summary.strip())
    return codes


def _catalogue(*tables: dict[str, Code]) -> dict[str, Code]:
    merged: dict[str, Code] = {}
    for table in tables:
        for name, code in table.items():
            assert name not in merged, f"{name} is in two stages"
            merged[name] = code
    return merged


CATALOGUE: dict[str, Code] = _catalogue(
    _table("raw", """
manifest-missing  error  raw/manifest.jsonl does not exist
manifest-invalid  error  a manifest line is not a valid record (JSON, fields, evidence, a date not of the calendar)
manifest-changed  error  the manifest changed while a command was using it
duplicate-doc-id  error  two manifest records share a doc_id or a file, or doc_ids that differ only in case (one file on a case-insensitive filesystem)
published-doc-id  error  add: a file's bytes (or its text, in other bytes) were published under another doc_id, or under several
unsafe-doc-id  error  a doc_id or file name that is not a safe plain file name
raw-missing  error  a file the manifest lists is not in raw/
raw-unlisted  error  anything in raw/ (hidden names aside) that the manifest does not list
raw-empty  error  a raw file of zero bytes, or of whitespace only
raw-size-mismatch  error  a raw file's size is not the manifest's
raw-sha256-mismatch  error  a raw file's SHA-256 is not the manifest's
raw-undecodable  error  a raw file's bytes do not decode in its manifest encoding
raw-encoding-mismatch  error  the manifest gives a raw file an encoding other than utf-8, but its bytes are UTF-8 beyond ASCII
raw-binary  error  a file to add that is binary (a NUL byte, or mostly control characters), not text
raw-html  error  a file to add that is a web page's HTML source, not an article's text
raw-combining-run  error  a raw file or a file to add holding more than 30 combining marks in a row (Unicode's stream-safe limit), which NFC takes quadratic time on
raw-duplicate  error  a file to add whose bytes are already in the corpus (same SHA-256), or whose text is a document's once normalized; a manifest record of the same bytes as an earlier one; a release of one text under two doc_ids
add-input-missing  error  a file named to add does not exist (or no file was named)
add-input-in-corpus  error  a file named to add lies in the corpus's own raw/, annotations/ or dist/
metadata-invalid  error  a title, publisher or date given to add without evidence, or not a valid value
raw-not-regular  error  raw/, the manifest or a raw file is a symbolic link, FIFO, device or directory
evidence-mismatch  error  stated evidence whose line is not in the raw file, does not contain its quote, or whose quote does not state the fact
remove-input-missing  error  remove: no doc_id named, and no killed remove to finish
remove-doc-twice  error  remove: a doc_id named twice
remove-reason-invalid  error  remove: no reason, a blank one, or one holding a control character
remove-plan-unreadable  error  a killed remove's plan (raw/.remove-*/removing.json) that is not one: changed by hand
removals-invalid  error  a line of annotations/removed-documents.jsonl is not a removal record (doc_id, sha256, reason)
"""),
    _table("documents", """
invalid-offset-map  error  an offset map whose runs do not tile the text
no-offset-map  error  a document without an offset map cannot place spans in the raw file
span-in-removed-text  error  a raw span that lies in text normalization removed
"""),
    _table("export", """
export-not-json  error  the file is empty, starts with a byte-order mark, or is not JSON
export-not-array  error  JSON, but not an array of tasks
export-truncated  error  the JSON ends in the middle (a cut-off download)
export-invalid-json  error  a JSON syntax error inside the file
export-trailing-data  error  something follows the closing bracket of the task array
export-not-tasks  error  an element is not a Label Studio task with id, data and annotations
export-empty  error  the array holds no task
export-duplicate-key  error  an object with the same key twice: which value was meant is unknown
export-task-id-duplicate  error  two tasks with one id: Label Studio gives each its own
export-annotation-id-duplicate  error  two annotations with one id: Label Studio gives each its own
"""),
    _table("validation", """
task-doc-id-missing  error  data.doc_id is missing or not a string
task-text-missing  error  data.text is missing, so no span can be checked
doc-unknown  error  a doc_id that names no document of the corpus
doc-removed  warning  a task of a document removed from the corpus (annotations/removed-documents.jsonl): left out
text-sha256-mismatch  warning  data.text_sha256 is not the SHA-256 of data.text
text-changed  warning  the task's text is not the document's current text; spans are re-anchored
span-unmappable  error  a span with no exact counterpart in the current text
annotation-malformed  error  an annotation is not an object with an id and a result list
annotation-cancelled  info  a cancelled annotation: not checked, not used
annotator-missing  error  a submitted annotation without completed_by (a user id from 1), or with one that is no user id: never comparable or adjudicable
result-malformed  error  a result is not an object, or lacks its region id or value object
unknown-control  error  from_name or to_name is not a control of the schema
control-type-mismatch  error  the result's type is not its control's type
region-id-duplicate  error  two labelled regions share an id
offset-not-integer  error  start or end missing or not an integer
offset-out-of-range  error  offsets outside the text they index
span-empty  error  start == end
span-text-mismatch  error  value.text is not text[start:end]
span-text-whitespace  info  value.text differs from text[start:end] only in whitespace escaping
span-text-missing  error  a labelled region without value.text, so its offsets cannot be checked
span-edge-whitespace  error  a span that begins or ends with whitespace, or is only whitespace
span-edge-whitespace-trimmed  info  ingest --trim-whitespace moved a span's edges off whitespace
span-offsets-utf16  error  the offsets count UTF-16 code units, not code points
label-count  error  a region with no label or several
unknown-label  error  a label that is not one of its layer's
entity-overlap  error  two entity spans overlap
timex-overlap  error  two timex spans overlap
region-value-orphan  error  a per-region value for a region that does not exist
region-value-wrong-label  error  a per-region value on a region it does not apply to
region-value-duplicate  error  the same per-region value given twice
region-value-invalid  error  a per-region value of the wrong shape or not one of its choices
quote-type-missing  error  a QUOTE without quote_type
quote-multiple-said-by  error  a QUOTE with more than one said_by relation
quote-multiple-cue  error  a QUOTE with more than one cue relation
timex-value-missing  error  a time expression without timex_value
timex-value-invalid  error  timex_value is not a TIMEX3 value its label takes
entity-id-unknown  error  entity_id is not in the entity registry
speaker-id-unknown  error  speaker_id is not in the entity registry
entity-type-mismatch  warning  the registry gives the entity another type than the mention's label
attribution-unlinked  warning  a SOURCE or CUE that no QUOTE links to
relation-malformed  error  a relation without string ends, a known direction, or exactly one label
relation-unknown-label  error  a relation label that is neither said_by nor cue
relation-endpoint-missing  error  a relation to a region the annotation does not have
relation-endpoint-wrong-label  error  said_by must join QUOTE to SOURCE, cue QUOTE to CUE
"""),
    _table("ingest", """
stored-export-invalid  error  a stored export's ingest.json or accounts.json cannot be read or is not of its shape, or annotations/exports is not a directory: the store is damaged
stored-export-changed  error  a stored export's export.json is not the file ingest stored (edited in place)
units-missing  error  a stored export's units table vanished while a command read it (build/ deleted meanwhile)
units-damaged  error  a part of a stored export's units table cannot be read (damaged inside, a page failing its CRC; its footer is whole): removed, made again by the next command
checking-worker-failed  error  a checking worker process died (e.g. an unguarded script started again by spawn)
"""),
    _table("annotations", """
registry-missing  error  annotations/entity-registry.jsonl does not exist
registry-invalid-json  error  a registry line is not JSON
registry-invalid-record  error  a registry line is not a valid entity record: a field missing, unknown or of another JSON type; an id not lowercase-hyphenated (words of a-z and 0-9 joined by single hyphens); a blank or multi-line name, alias or description; wikidata neither a QID nor null
registry-duplicate-id  error  two registry entities share an id
lint-accepted-invalid  error  a line of annotations/lint-accepted.jsonl is not a valid acceptance
lint-accepted-duplicate  error  the same candidate accepted twice
duplicate-chosen-annotation  error  two chosen annotations for one document
annotations-out-of-order  error  a stream of chosen annotations given to the release out of doc_id order
annotation-text-mismatch  error  an annotation made on another version of the document's text
doc-id-mismatch  error  a record keyed by one doc_id that names another
worksheet-region-unresolved  error  a worksheet region whose anchor is not found in the text
worksheet-unreadable  error  a worksheet that is not readable YAML
worksheet-invalid  error  a worksheet with a missing, unknown or inconsistent field
annotator-unknown  error  prefer:ANNOTATOR names an annotator with no version of any document
annotators-invalid  error  a line of annotations/annotators.jsonl is not {"email", "id"} with an email and a positive whole number, or repeats an email or id
annotator-unregistered  error  a stored export records an account (email) that annotations/annotators.jsonl does not list
annotator-account-invalid  error  pull: a user id that annotated has no account the server names, or an account without an email, or two accounts whose emails differ only in case
unknown-strategy  error  an adjudication strategy that is not unanimous, majority or prefer:ANNOTATOR
"""),
    _table("release", """
invalid-annotations  error  the annotations have validation errors: nothing is built, compared, adjudicated or scored
invalid-version  error  a version that is not MAJOR.MINOR.PATCH; also a release named by a word that is neither a directory nor such a version
version-mismatch  error  a version other than corpus_tools/version.py's
empty-release  error  no documents to release
release-exists  error  the release exists with different content; releases are immutable
release-missing  error  not a release directory
release-tampered  error  a release file that does not match SHA256SUMS
release-unreadable  error  a verified release file that is no readable parquet (it and SHA256SUMS were changed together)
release-corpus-mismatch  error  two releases of different corpora cannot be compared
version-bump-too-small  error  the version moves less than the changes since the previous release need
no-release  error  no release under dist/
unknown-version  error  no release of that version
unknown-config  error  no config of that name
unknown-split  error  no split of that name
empty-split  error  a split without rows, which datasets cannot load
release-path-glob  error  a release path datasets would read as a glob pattern
release-path-chain  error  a release path datasets would read as a chain of file systems ('::')
schema-mismatch  error  rows that do not fit the config's Arrow schema
sums-missing  error  SHA256SUMS is missing
sums-malformed  error  a SHA256SUMS line that is not '<sha256>  <path>'
file-missing  error  a file SHA256SUMS lists is missing
file-unlisted  error  a release file SHA256SUMS does not list
file-unlisted-hidden  warning  a hidden file SHA256SUMS does not list (a .gitattributes or .cache/ a download added): no reader reads it
checksum-mismatch  error  a file whose SHA-256 is not the one SHA256SUMS lists
file-not-regular  error  a release entry that is a symbolic link, FIFO or device, not a regular file
view-output-occupied  error  the viewer's output exists and is not a site the viewer wrote
export-target-exists  error  the export's output directory exists and is not empty, or is a file
output-protected  error  an output file or directory inside a corpus's raw/, annotations/ or dist/, or inside a release
export-needs-spacy  error  the spacy format needs the optional extra: pip install corpus-tools[spacy]
export-unaligned-span  warning  a span that does not start and end on the export format's token boundaries
export-invalid  error  release rows an export format cannot represent (e.g. whitespace inside a token)
release-invalid  error  a verified release whose rows are out of order or do not fit their config (docs/validation.md)
caveats-invalid  error  annotations/card-caveats.md is not UTF-8, not a file, or a caveat holds a control character
"""),
    _table("labelstudio", """
labelstudio-not-installed  error  the server's virtual environment is not installed
labelstudio-install-failed  error  installing Label Studio failed
labelstudio-already-running  error  a server is already running for this checkout
labelstudio-not-started  error  no server was started for this checkout
labelstudio-not-running  error  the server recorded for this checkout is not running
labelstudio-not-answering  error  the server recorded for this data dir runs but does not answer (still starting, or hung)
labelstudio-already-starting  error  another start of this data dir is under way
labelstudio-key-refused  error  the data dir's database does not accept the API key of its connection.json (or there is none)
labelstudio-port-unavailable  error  the server cannot listen on the port asked for (another process holds it)
labelstudio-start-failed  error  the server exited while starting
labelstudio-start-timeout  error  the server did not answer in time
labelstudio-start-interrupted  error  server start was interrupted (Ctrl-C) while it waited
labelstudio-user-failed  error  creating an annotator account failed
labelstudio-bad-database  error  --database is not a postgresql://USER:PASSWORD@HOST:PORT/NAME URL
labelstudio-exposed  error  listening beyond loopback without saying so explicitly
labelstudio-bad-connection-file  error  the connection file is not valid
labelstudio-no-connection  error  no connection file: start a server or say where it is
labelstudio-unreachable  error  the server does not answer
labelstudio-api-error  error  the server answered an API call with an error
labelstudio-unknown-project  error  no project of that id or title
labelstudio-ambiguous-project  error  several projects of that title
labelstudio-export-failed  error  the server could not export the project
labelstudio-export-timeout  error  the export did not finish in time
labelstudio-no-prediction  error  a task has no prediction to accept
labelstudio-bad-project-title  error  a project title that is blank or only digits (other commands read digits as a project id), or begins or ends with whitespace (Label Studio strips it)
labelstudio-bad-email  error  a user to create or act as (annotate --as, adjudicate --reviewer) that is no email address
labelstudio-account-remote  error  a user to create or act as (annotate --as, adjudicate --reviewer) on a --url that is not the data dir's server: accounts are made on the local server only
labelstudio-predictions-refused  error  Label Studio created fewer predictions than push sent it for tasks already present (its validator left the others out)
labelstudio-task-duplicate  error  a project holds several tasks of one document's one text (annotate, adjudicate --push, annotate --accept-predictions): which one is meant is unknown
preannotate-no-gold  error  preannotate --evaluate on a corpus with no ingested annotation: nothing to score against
annotate-bad-json  error  an annotation file that is not JSON
annotate-bad-item  error  an item of an annotation file that is not an object, or a field of the wrong type
annotate-bad-result  error  an item without a result list
annotate-no-task  error  an item that names neither task_id nor doc_id
annotate-task-not-found  error  no task for a document (an item's doc_id and text, a merge's current text), tasks of several of its texts without text_sha256, or a task_id not of the project or not of the item's doc_id and text_sha256
annotate-task-twice  error  two items of one annotation file for the same task
annotate-empty  error  an annotation file without items, or a worksheet directory without worksheets
"""),
    _table("cli", """
verify-failed  error  a release did not verify
corpus-locked  error  another command holds the corpus lock (the corpus root directory and build/corpus.lock)
corpus-not-found  error  no corpus checkout here or in any directory above (and no --root)
file-error  error  the system refused to read or write a path (a directory, a FIFO, a full disk, no permission)
usage-error  error  a command line the command cannot parse (under --json; otherwise click's usage message)
"""),
)


def lookup(name: str) -> Code:
    """The catalogue entry of ``name``; an unknown code is a programming error, said at once."""
    try:
        return CATALOGUE[name]
    except (KeyError, TypeError):
        raise ValueError(f"problem code {name!r} is not in corpus_tools.codes.CATALOGUE") from None


def severity(name: str) -> str:
    return lookup(name).severity
