"""The annotators, annotations/annotators.jsonl: one Annotator per line, ``{"email": ..., "id": ...}``.

Label Studio names the author of an annotation by the user id of its own database
(``completed_by``), and every new server numbers its users from 1 again: an id alone does not
say who someone is once a corpus outlives a server. So ``labelstudio pull`` records, beside each
stored export, the email of every account that annotated in it (its ``accounts.json``:
corpus_tools.ingest.store), and this file gives each email the id the corpus knows that person
by. That id is what agreement, adjudication and a release's ``agreed_by`` column say; the email
is never published.

Ingest adds a line for each email it has not seen (``register``): the account's user id when no
one in the corpus has that id yet (so that on one server the ids are Label Studio's), else one
more than the highest id taken; so the ids follow the order exports are ingested in. It writes
the file before the export lands (an ingest that fails after it leaves an id for a person no
stored export names yet: harmless, and they keep it). Exports stored without accounts (ingested
from a file, or before pulls recorded them) name their annotators by user id as given, until a
pull from their database records their accounts: to say that such an id is a person whose
account a later pull will record, add that line by hand before the pull. Lines are never removed
or changed: an id in a release must keep naming the same person.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import orjson

from corpus_tools import strictjson
from corpus_tools.errors import CorpusError, Location
from corpus_tools.fsutil import atomic_write_bytes, present
from corpus_tools.layout import Layout
from corpus_tools.records import Annotator, annotator_key, email_key


def load_annotators(layout: Layout) -> dict[str, Annotator]:
    """The corpus's annotators by email (``records.email_key``: its case ignored); none
    when the file does not exist yet. Raises CorpusError naming the line at fault."""
    path = layout.annotators
    if not present(path):
        return {}
    by_email: dict[str, Annotator] = {}
    ids: set[str] = set()
    for where, record in strictjson.object_lines(path, "annotators-invalid", "annotators-invalid"):
        annotator = _annotator(record, where)
        key = email_key(annotator.email)
        if key in by_email:
            raise CorpusError("annotators-invalid", f"email {annotator.email!r} is already on an earlier line", where)
        if annotator.id in ids:
            # what merging two branches that each added an annotator gives
            raise CorpusError("annotators-invalid", f"id {annotator.id!r} is already on an earlier line: give one "
                              "of the two people an id no line has (unless a release already names them by it)",
                              where)
        by_email[key] = annotator
        ids.add(annotator.id)
    return by_email


def _annotator(record: dict, where: Location) -> Annotator:
    if set(record) != {"id", "email"}:
        raise CorpusError("annotators-invalid", 'expected {"email": ..., "id": ...} and no other key', where)
    try:
        return Annotator(**record)
    except ValueError as error:
        raise CorpusError("annotators-invalid", str(error), where) from None


def register(layout: Layout, accounts: Mapping[str, str], taken: Iterable[str]) -> tuple[Annotator, ...]:
    """Give each of ``accounts`` (user id -> email) that the file lacks an id, and write the
    file with them (atomically; unchanged when there is none). ``taken``: ids in use besides the
    file's (the annotators of exports stored without accounts). Returns the new annotators."""
    known = load_annotators(layout)
    used = {int(annotator.id) for annotator in known.values()} | {int(i) for i in taken if i.isdigit()}
    added = []
    for user_id in sorted(accounts, key=annotator_key):
        email = accounts[user_id]
        if email_key(email) in known:
            continue
        number = int(user_id) if int(user_id) not in used else max(used) + 1
        used.add(number)
        known[email_key(email)] = annotator = Annotator(str(number), email)
        added.append(annotator)
    if added:
        ordered = sorted(known.values(), key=lambda annotator: annotator_key(annotator.id))
        atomic_write_bytes(layout.annotators, b"".join(
            orjson.dumps({"email": a.email, "id": a.id}, option=orjson.OPT_SORT_KEYS) + b"\n" for a in ordered))
    return tuple(added)


def corpus_ids(accounts: Mapping[str, str] | None, annotators: Mapping[str, Annotator], where: Location
               ) -> dict[str, str]:
    """The corpus id of each user id of a stored export whose accounts (user id -> email) are
    recorded; empty when they are not (its user ids are the ids). ``where``: its accounts file."""
    ids = {}
    for user_id, email in sorted((accounts or {}).items(), key=lambda item: annotator_key(item[0])):
        annotator = annotators.get(email_key(email))
        if annotator is None:
            raise CorpusError("annotator-unregistered", f"user {user_id} of this export is the account {email}, which "
                              "annotations/annotators.jsonl does not list (ingest adds it): restore the file from "
                              "version control", where)
        ids[user_id] = annotator.id
    return ids
